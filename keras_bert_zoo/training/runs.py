"""What every resumable training run shares: a run directory that remembers its settings, and a
`fit` that checkpoints, writes curves and resumes exactly after an interruption.

A run directory holds `config.json`, `checkpoints/step-*/`, `history.csv` and `curves.png`; the
pretraining and distillation runs add their outputs (a preset, `summary.json`).
"""

import dataclasses
import json
import pathlib

MIXED_PRECISION = {None: None, "bf16": "mixed_bfloat16", "fp16": "mixed_float16"}
# Options a resumed run may change without invalidating its checkpoints.
RESUMABLE_CHANGES = ("total_steps", "validation_steps", "verbose")


class RunConfig:
    """What run configs (dataclasses) share: the fields `batch_size`, `total_steps`,
    `steps_per_checkpoint`, `validation_steps`, `mixed_precision` and `seed`, their checks,
    and reading a config from JSON."""

    # The allowed values of fields, for the CLI's flags (`cli_help.add_config_options`).
    CHOICES = {"mixed_precision": [name for name in MIXED_PRECISION if name]}

    def check_common(self):
        """Check the shared fields (a ValueError naming the field)."""
        if self.mixed_precision not in MIXED_PRECISION:
            raise ValueError(f"mixed_precision must be one of {list(MIXED_PRECISION)}, got {self.mixed_precision!r}")
        for name in ("batch_size", "total_steps", "steps_per_checkpoint", "validation_steps"):
            if not isinstance(getattr(self, name), int) or getattr(self, name) < 1:
                raise ValueError(f"{name} must be a positive int, got {getattr(self, name)!r}")
        if self.total_steps % self.steps_per_checkpoint:
            raise ValueError(f"total_steps ({self.total_steps}) must be a multiple of steps_per_checkpoint "
                             f"({self.steps_per_checkpoint}).")

    def start_keras(self):
        """Seed Keras (initialisation, dropout) and set the run's precision policy, before building."""
        import keras

        keras.utils.set_random_seed(self.seed)
        if self.mixed_precision:
            keras.config.set_dtype_policy(MIXED_PRECISION[self.mixed_precision])

    @classmethod
    def from_json(cls, path, **overrides):
        """A config from a JSON file of the fields, with `overrides` applied."""
        fields = {field.name for field in dataclasses.fields(cls)}
        values = json.loads(pathlib.Path(path).read_text())
        unknown = sorted(set(values) - fields)
        if unknown:
            raise ValueError(f"Unknown option(s) in {path}: {unknown}. Valid: {sorted(fields)}")
        return cls(**{**values, **overrides})


def check_resumable(config, run, resumable_changes=RESUMABLE_CHANGES):
    """Refuse to resume run directory `run` with settings other than its own, except those in
    `resumable_changes` (its checkpoints would not fit); then record `config` (a dataclass) there."""
    run = pathlib.Path(run)
    saved_path = run / "config.json"
    current = dataclasses.asdict(config)
    if saved_path.is_file():
        # A setting newer than the saved run had its default there.
        defaults = {field.name: field.default for field in dataclasses.fields(config)}
        saved = {**defaults, **json.loads(saved_path.read_text())}
        changed = sorted(k for k in current if k not in resumable_changes and saved.get(k) != current[k])
        if changed:
            raise ValueError(f"{run} holds a run with other settings ({', '.join(changed)}); resume it with "
                             f"the same settings or choose a new output directory.")
    run.mkdir(parents=True, exist_ok=True)
    saved_path.write_text(json.dumps(current, indent=2))


def fit_resumably(model, run, batches, total_steps, steps_per_checkpoint, examples_per_step, validation=None,
                  verbose=1):
    """Train compiled `model` for `total_steps` batches, or finish the run that `run` holds.

    Args:
        model: a compiled model.
        run: the run directory (checkpoints go to `run/checkpoints`).
        batches: a function of `skip_examples` giving the endless training dataset without
            the examples already consumed.
        total_steps, steps_per_checkpoint: batches of the whole run, and between checkpoints
            (one Keras epoch each, so one history row each).
        examples_per_step: examples per batch (the data position of a checkpoint).
        validation: held-out data evaluated at each checkpoint, or None.
        verbose: Keras' progress-bar verbosity.

    Returns:
        The history (one dict of logs per checkpoint), also written as `history.csv` and
        `curves.png`. A finished run is not trained again: its final state is loaded.
    """
    from keras_bert_zoo.training import curves
    from keras_bert_zoo.training.checkpoints import TrainingCheckpoint, latest_state

    run = pathlib.Path(run)
    state = latest_state(run / "checkpoints") or {"epoch": 0, "step": 0, "examples_seen": 0}
    if state["step"]:  # say so: a silent resume looks like a fresh run that skipped its start
        print(f"resuming from step {state['step']} of {total_steps} ({run / 'checkpoints'})")

    def write_curves(history):
        curves.write_csv(history, run / "history.csv")
        curves.plot(history, run / "curves.png")

    checkpoint = TrainingCheckpoint(run / "checkpoints", steps_per_checkpoint, examples_per_step,
                                    on_saved=write_curves)
    epochs = total_steps // steps_per_checkpoint
    if state["epoch"] < epochs:
        model.fit(batches(state["examples_seen"]), epochs=epochs, initial_epoch=state["epoch"],
                  steps_per_epoch=steps_per_checkpoint, validation_data=validation, callbacks=[checkpoint],
                  verbose=verbose)
    else:  # finished earlier: load the final weights
        checkpoint.set_model(model)
        checkpoint.on_train_begin()
    return checkpoint.history

