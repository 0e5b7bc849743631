"""Learning-rate schedules of the BERT recipe."""

import keras
from keras import ops


@keras.saving.register_keras_serializable(package="keras_bert_zoo")
class WarmupLinearDecay(keras.optimizers.schedules.LearningRateSchedule):
    """Linear warmup from 0 to `peak_learning_rate`, then linear decay to `end_learning_rate`.

    BERT's pretraining and fine-tuning schedule. `step` counts optimizer
    steps (Keras' `optimizer.iterations`), so a resumed run continues at the
    same point of the schedule as long as the optimizer state is restored.

    Args:
        peak_learning_rate: the rate reached at the end of warmup.
        warmup_steps: steps of the linear warmup (0 for none).
        total_steps: the step at which the rate reaches `end_learning_rate`;
            it stays there afterwards.
        end_learning_rate: the final rate.

    Example:
    >>> schedule = WarmupLinearDecay(1e-4, warmup_steps=100, total_steps=1000)
    >>> float(schedule(50)), float(schedule(100)), float(schedule(1000))
    (5e-05, 0.0001, 0.0)
    """

    def __init__(self, peak_learning_rate, warmup_steps, total_steps, end_learning_rate=0.0):
        if peak_learning_rate <= 0:
            raise ValueError(f"peak_learning_rate must be > 0, got {peak_learning_rate}")
        if not 0 <= warmup_steps <= total_steps or total_steps < 1:
            raise ValueError(
                f"Need 0 <= warmup_steps <= total_steps and total_steps >= 1, got "
                f"warmup_steps={warmup_steps}, total_steps={total_steps}."
            )
        self.peak_learning_rate = peak_learning_rate
        self.warmup_steps = warmup_steps
        self.total_steps = total_steps
        self.end_learning_rate = end_learning_rate

    def __call__(self, step):
        step = ops.cast(step, "float32")
        warmup = step / max(self.warmup_steps, 1) * self.peak_learning_rate
        decay_steps = max(self.total_steps - self.warmup_steps, 1)
        remaining = ops.clip((self.total_steps - step) / decay_steps, 0.0, 1.0)
        decay = self.end_learning_rate + (self.peak_learning_rate - self.end_learning_rate) * remaining
        return ops.where(step < self.warmup_steps, warmup, decay)

    def get_config(self):
        return {
            "peak_learning_rate": self.peak_learning_rate,
            "warmup_steps": self.warmup_steps,
            "total_steps": self.total_steps,
            "end_learning_rate": self.end_learning_rate,
        }
