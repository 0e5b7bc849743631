import numpy as np
import pytest

import harness
from keras_bert_zoo import BertBackbone, BertClassifier
from keras_bert_zoo.training import TrainingCheckpoint, latest_state, pretraining_optimizer, restore_training_state
from keras_bert_zoo.training.checkpoints import checkpoints

STEPS_PER_EPOCH = 2


def _data():
    inputs = harness.backbone_inputs(harness.TINY_BERT["vocabulary_size"], batch=8, length=8)
    return inputs, np.array([0, 1] * 4)


def _model(seed):
    import keras

    keras.utils.set_random_seed(seed)
    model = BertClassifier(BertBackbone(**harness.TINY_BERT), num_classes=2)
    # Accumulation and a schedule: both must continue where they stopped.
    model.compile(optimizer=pretraining_optimizer(total_steps=8, learning_rate=1e-2,
                                                  gradient_accumulation_steps=2))
    return model


def _train(model, epochs, initial_epoch=0, callbacks=()):
    x, y = _data()
    # Dropout is on: its seed state is part of what must be restored.
    model.fit(x, y, batch_size=4, epochs=epochs, initial_epoch=initial_epoch, shuffle=False,
              callbacks=list(callbacks), verbose=0)


def test_resumed_run_equals_uninterrupted_run(tmp_path):
    import keras

    reference = _model(seed=1)
    # The reference checkpoints too: the callback fixes torch's generator state at epoch boundaries.
    _train(reference, epochs=4, callbacks=[TrainingCheckpoint(tmp_path / "reference", STEPS_PER_EPOCH, 4)])

    interrupted = _model(seed=1)
    _train(interrupted, epochs=2, callbacks=[TrainingCheckpoint(tmp_path / "run", STEPS_PER_EPOCH, 4)])
    # A fresh process would build a new model: different init, fresh optimizer.
    resumed = _model(seed=2)
    state = latest_state(tmp_path / "run")
    assert state["epoch"] == 2 and state["step"] == 4 and state["examples_seen"] == 16

    class Check(keras.callbacks.Callback):
        def on_train_begin(self, logs=None):  # after TrainingCheckpoint restored
            assert int(self.model.optimizer.iterations) == 2  # updates: 4 batches in pairs

    _train(resumed, epochs=4, initial_epoch=state["epoch"],
           callbacks=[TrainingCheckpoint(tmp_path / "run", STEPS_PER_EPOCH, 4), Check()])

    for a, b in zip(reference.get_weights(), resumed.get_weights()):
        np.testing.assert_allclose(a, b, atol=1e-6)
    assert int(resumed.optimizer.iterations) == int(reference.optimizer.iterations) == 4


def test_keeps_newest_checkpoints_and_starts_fresh_without_one(tmp_path):
    assert restore_training_state(tmp_path / "none", _model(seed=0)) is None
    model = _model(seed=0)
    _train(model, epochs=3, callbacks=[TrainingCheckpoint(tmp_path, STEPS_PER_EPOCH, 4, keep=2)])
    assert [path.name for path in checkpoints(tmp_path)] == ["step-00000004", "step-00000006"]
    assert not list(tmp_path.glob(".partial-*"))


def test_mismatched_model_is_reported(tmp_path):
    import keras

    model = _model(seed=0)
    _train(model, epochs=1, callbacks=[TrainingCheckpoint(tmp_path, STEPS_PER_EPOCH, 4)])
    other = BertClassifier(BertBackbone(**{**harness.TINY_BERT, "hidden_dim": 8}), num_classes=2)
    other.compile(optimizer=keras.optimizers.AdamW())
    with pytest.raises(ValueError, match="shape|Missing"):
        restore_training_state(tmp_path, other)


def test_stale_partial_checkpoints_are_removed(tmp_path):
    from keras_bert_zoo.training.checkpoints import save_training_state

    model = _model(seed=0)
    # What a kill during a save leaves: a half-written folder under a temporary name.
    stale = tmp_path / ".partial-step-00000002-12345"
    stale.mkdir()
    (stale / "variables.safetensors").write_bytes(b"half")
    assert restore_training_state(tmp_path, model) is None  # a resume clears it ...
    assert not stale.exists()
    stale.mkdir()
    save_training_state(tmp_path, model, {"step": 2, "epoch": 1, "examples_seen": 8})  # ... and so does a save
    assert not list(tmp_path.glob(".partial-*")) and [p.name for p in checkpoints(tmp_path)] == ["step-00000002"]
