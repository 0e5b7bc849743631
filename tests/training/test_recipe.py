import numpy as np
import pytest

from keras_bert_zoo.training import WarmupLinearDecay, pretraining_optimizer


def test_schedule_warms_up_then_decays_linearly():
    schedule = WarmupLinearDecay(1e-3, warmup_steps=10, total_steps=110)
    rates = [float(schedule(step)) for step in (0, 5, 10, 60, 110, 200)]
    np.testing.assert_allclose(rates, [0.0, 5e-4, 1e-3, 5e-4, 0.0, 0.0], atol=1e-9)


def test_schedule_round_trips_and_checks_arguments():
    schedule = WarmupLinearDecay(2e-4, 3, 30, end_learning_rate=1e-5)
    clone = WarmupLinearDecay.from_config(schedule.get_config())
    assert float(clone(17)) == pytest.approx(float(schedule(17)))
    with pytest.raises(ValueError, match="warmup_steps <= total_steps"):
        WarmupLinearDecay(1e-4, warmup_steps=20, total_steps=10)


@pytest.mark.parametrize("name", ["adamw", "lamb"])
def test_optimizer_excludes_norms_and_biases_from_decay(name):
    import keras

    optimizer = pretraining_optimizer(total_steps=100, optimizer=name)
    assert type(optimizer).__name__ == {"adamw": "AdamW", "lamb": "Lamb"}[name]
    layer = keras.layers.Dense(3)
    norm = keras.layers.LayerNormalization()
    layer.build((None, 4))
    norm.build((None, 3))
    decayed = [v.name for v in (*layer.weights, *norm.weights) if optimizer._use_weight_decay(v)]
    assert decayed == ["kernel"]


def test_accumulation_stretches_the_schedule_over_batches():
    optimizer = pretraining_optimizer(total_steps=50, warmup_steps=5, gradient_accumulation_steps=4)
    assert optimizer.gradient_accumulation_steps == 4
    # The learning rate peaks after 5 updates = 20 batches.
    schedule = optimizer._learning_rate
    assert float(schedule(20)) == pytest.approx(1e-4) and float(schedule(200)) == 0.0


def test_bad_optimizer_name():
    with pytest.raises(ValueError, match="adamw"):
        pretraining_optimizer(total_steps=10, optimizer="sgd")
