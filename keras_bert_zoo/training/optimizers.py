"""The optimizers of BERT's pretraining recipe."""

import keras

from keras_bert_zoo.tasks.task import NO_WEIGHT_DECAY
from keras_bert_zoo.training.schedules import WarmupLinearDecay

OPTIMIZERS = ("adamw", "lamb")


def pretraining_optimizer(
    total_steps,
    learning_rate=1e-4,
    warmup_steps=None,
    optimizer="adamw",
    weight_decay=0.01,
    gradient_accumulation_steps=1,
    global_clipnorm=1.0,
):
    """AdamW (or LAMB) with BERT's schedule and weight-decay exclusions.

    Weight decay skips LayerNorm parameters and biases; the learning rate
    warms up linearly and then decays linearly to zero at `total_steps`.
    With gradient accumulation, steps here are optimizer updates: each one
    averages the gradients of `gradient_accumulation_steps` batches.

    Args:
        total_steps: optimizer updates of the whole run.
        learning_rate: peak learning rate (BERT used 1e-4 with AdamW at batch
            256; LAMB tolerates much larger rates and batches).
        warmup_steps: warmup updates; default 10% of `total_steps` (BERT used
            10,000 of 1,000,000, but short runs need proportionally more).
        optimizer: "adamw" or "lamb".
        weight_decay: decoupled weight decay.
        gradient_accumulation_steps: batches per update (1 = none).
        global_clipnorm: clip the global gradient norm (BERT clipped at 1.0).

    Example:
    >>> optimizer = pretraining_optimizer(total_steps=10_000, optimizer="lamb", learning_rate=2e-3)
    """
    if optimizer not in OPTIMIZERS:
        raise ValueError(f"optimizer must be one of {OPTIMIZERS}, got {optimizer!r}")
    if not isinstance(gradient_accumulation_steps, int) or gradient_accumulation_steps < 1:
        raise ValueError(f"gradient_accumulation_steps must be an int >= 1, got {gradient_accumulation_steps!r}")
    if warmup_steps is None:
        warmup_steps = total_steps // 10
    # Keras evaluates the schedule on every batch (optimizer.iterations counts
    # batches, not updates, when accumulating), so the schedule runs in batches.
    accumulation = gradient_accumulation_steps
    schedule = WarmupLinearDecay(learning_rate, warmup_steps * accumulation, total_steps * accumulation)
    optimizer_class = keras.optimizers.AdamW if optimizer == "adamw" else keras.optimizers.Lamb
    result = optimizer_class(
        learning_rate=schedule,
        weight_decay=weight_decay,
        epsilon=1e-6,
        global_clipnorm=global_clipnorm,
        gradient_accumulation_steps=accumulation if accumulation > 1 else None,
    )
    result.exclude_from_weight_decay(var_names=NO_WEIGHT_DECAY)
    return result
