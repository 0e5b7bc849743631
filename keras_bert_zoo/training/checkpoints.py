"""Checkpoints of the whole training state, for exact resumption after an interruption.

A checkpoint holds every model variable (weights and the dropout seed states),
every optimizer variable (step counter, moments, accumulated gradients, loss
scale) and a JSON state (epoch, step, examples seen). Restoring all of them
and skipping the examples already seen continues a run where it stopped, with
the same learning-rate position and the same batches and dropout masks.

On the torch backend, unseeded Dropout layers draw from torch's global
generator instead of their seed state, so that generator's state is saved too.

Variables are stored by position, not by name: Keras names seed generators
and optimizers with process-wide counters ("seed_generator_7"), which differ
between processes and would not match. Shapes are checked on restore.
"""

import json
import os
import pathlib
import shutil
import time

import keras
import numpy as np

from keras_bert_zoo import weights_io

PREFIX = "step-"
PARTIAL = ".partial-"
STATE = "state.json"
VARIABLES = "variables.safetensors"
TORCH_GENERATOR = "torch_generator.npy"


def _training_variables(model):
    if model.optimizer is None:
        raise ValueError("Compile the model before saving or restoring a training checkpoint.")
    if not model.optimizer.built:
        model.optimizer.build(model.trainable_variables)
    # A model may leave out variables that training never changes (a distiller's frozen teacher).
    variables = model.checkpoint_variables() if hasattr(model, "checkpoint_variables") else model.variables
    return list(variables) + list(model.optimizer.variables)


class _Positional:
    """A variable presented to weights_io under its position in the list."""

    def __init__(self, index, variable):
        self.path = f"{index:05d}"
        self.variable = variable
        self.shape, self.dtype = variable.shape, variable.dtype

    @property
    def value(self):
        return self.variable.value

    def assign(self, value):
        self.variable.assign(value)


def _positional(model):
    return [_Positional(index, variable) for index, variable in enumerate(_training_variables(model))]


def _torch_generator_state():
    """torch's global CPU generator state on the torch backend (else None)."""
    if keras.backend.backend() != "torch":
        return None
    import torch

    return torch.get_rng_state().numpy()


def _set_torch_generator_state(state):
    import torch

    torch.set_rng_state(torch.from_numpy(state))


def checkpoints(directory):
    """The checkpoint directories under `directory`, oldest first."""
    directory = pathlib.Path(directory)
    if not directory.is_dir():
        return []
    found = [path for path in directory.iterdir() if path.name.startswith(PREFIX) and (path / STATE).is_file()]
    return sorted(found, key=lambda path: int(path.name[len(PREFIX):]))


def remove_partial(directory):
    """Delete the half-written checkpoints (`.partial-*`) that an interrupted save left behind.

    Only one run writes to a checkpoint directory, and it calls this before it
    writes (`save_training_state`) and when it resumes (`restore_training_state`),
    so any partial folder found then is dead: without this, every kill during
    a save would leave one (a full copy of the variables) forever.
    """
    directory = pathlib.Path(directory)
    if directory.is_dir():
        for stale in directory.glob(PARTIAL + "*"):
            shutil.rmtree(stale, ignore_errors=True)


def save_training_state(directory, model, state, keep=2):
    """Write a checkpoint for `state["step"]` atomically and keep the newest `keep`.

    The checkpoint is written under a temporary name and renamed when
    complete, so an interruption while saving leaves the previous ones intact
    (and the next save or restore removes the temporary folder).
    """
    directory = pathlib.Path(directory)
    remove_partial(directory)
    final = directory / f"{PREFIX}{int(state['step']):08d}"
    partial = directory / f"{PARTIAL}{final.name}-{os.getpid()}"
    partial.mkdir(parents=True)
    weights_io.save_variables(partial / VARIABLES, _positional(model))
    generator = _torch_generator_state()
    if generator is not None:
        np.save(partial / TORCH_GENERATOR, generator)
    (partial / STATE).write_text(json.dumps(state, indent=2))
    shutil.rmtree(final, ignore_errors=True)
    os.replace(partial, final)
    for old in checkpoints(directory)[:-keep]:
        shutil.rmtree(old, ignore_errors=True)
    return final


def latest_state(directory):
    """The JSON state of the newest checkpoint under `directory`, or None if there is none.

    Read it before building the data pipeline: its `epoch` is `fit`'s
    `initial_epoch` and its `examples_seen` the examples to skip.
    """
    found = checkpoints(directory)
    return json.loads((found[-1] / STATE).read_text()) if found else None


def restore_training_state(directory, model):
    """Load the newest checkpoint under `directory` into `model` and its optimizer.

    Returns the saved state dict, or None when there is no checkpoint yet.
    On the torch backend the dict also holds the saved generator state under
    "torch_generator", to be set right before the first batch (see
    `TrainingCheckpoint`).
    """
    remove_partial(directory)
    found = checkpoints(directory)
    if not found:
        return None
    latest = found[-1]
    weights_io.load_variables(latest / VARIABLES, _positional(model))
    state = json.loads((latest / STATE).read_text())
    if keras.backend.backend() == "torch" and (latest / TORCH_GENERATOR).is_file():
        state["torch_generator"] = np.load(latest / TORCH_GENERATOR)
    return state


class TrainingCheckpoint(keras.callbacks.Callback):
    """Restores the newest checkpoint when training begins; saves one after every Keras epoch.

    Pretraining runs define an epoch as `steps_per_epoch` steps (the
    checkpoint interval), so a run resumes with
    `fit(initial_epoch=latest_state(directory)["epoch"], callbacks=[TrainingCheckpoint(directory, ...)])`
    on data that skips `examples_seen` examples.

    The state also carries the history (one row of logs per checkpoint), so
    the curves of a resumed run have no gap and no repeated rows even when
    the process died between a checkpoint and anything written after it.

    Args:
        directory: where checkpoints go (`step-00000100/` ...).
        steps_per_epoch: batches per Keras epoch.
        examples_per_step: examples consumed per batch (for the data position).
        keep: how many recent checkpoints to keep.
        on_saved: optional function called with the history after each save
            (e.g. to write curves).
    """

    def __init__(self, directory, steps_per_epoch, examples_per_step, keep=2, on_saved=None):
        super().__init__()
        self._torch_generator = None
        self.directory = directory
        self.steps_per_epoch = steps_per_epoch
        self.examples_per_step = examples_per_step
        self.keep = keep
        self.on_saved = on_saved
        self.history = []

    def on_train_begin(self, logs=None):
        state = restore_training_state(self.directory, self.model) or {}
        self.history = state.get("history", [])
        self._torch_generator = state.get("torch_generator")

    def on_train_batch_begin(self, batch, logs=None):
        # On torch, `fit` may draw a DataLoader seed from the global generator
        # between an epoch's end and the next batch: once per fit for a
        # dataset, once per epoch for arrays. Setting the state saved at the
        # epoch end right before the next batch, in every run, makes dropout
        # independent of those draws, so a resumed run matches.
        if self._torch_generator is not None:
            _set_torch_generator_state(self._torch_generator)
            self._torch_generator = None

    def on_epoch_begin(self, epoch, logs=None):
        self._started = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        step = (epoch + 1) * self.steps_per_epoch
        seconds = time.perf_counter() - self._started
        row = {"step": step, "epoch": epoch + 1, **{key: float(value) for key, value in (logs or {}).items()},
               "learning_rate": float(keras.ops.convert_to_numpy(self.model.optimizer.learning_rate)),
               "examples_per_second": self.steps_per_epoch * self.examples_per_step / seconds}
        self.history.append(row)
        state = {"epoch": epoch + 1, "step": step, "examples_seen": step * self.examples_per_step,
                 "history": self.history}
        save_training_state(self.directory, self.model, state, keep=self.keep)
        self._torch_generator = _torch_generator_state()
        if self.on_saved is not None:
            self.on_saved(self.history)
