"""Where a JAX training step of a MiniLM-sized classifier goes, at fixed shapes, on the CPU.

    KERAS_BACKEND=jax python bench/jax_step_breakdown.py [--batch-size 32 --sequence-length 128]

Times, in one process, compiled: the forward pass; the loss and its gradients (no optimizer);
Keras' whole training step (gradients + AdamW update + metrics) with dropout 0.1 and with 0;
and the AdamW update alone. Differences between the rows attribute the step's cost to dropout's
random bits and to the optimizer. Shapes are MiniLM's (6 layers, 384 wide, 12 heads); weights are
random (speed does not depend on them).
"""

import argparse
import os
import time

os.environ.setdefault("KERAS_BACKEND", "jax")

import jax  # noqa: E402
import keras  # noqa: E402
import numpy as np  # noqa: E402

from keras_bert_zoo import BertBackbone, BertClassifier  # noqa: E402
from shared import default_threads, machine_info  # noqa: E402

MINILM = dict(vocabulary_size=30522, num_layers=6, num_heads=12, hidden_dim=384, intermediate_dim=1536)


def timed(function, repeats):
    """Median seconds of `function()` (its result blocked on) after two warm-up calls."""
    for _ in range(2):
        jax.block_until_ready(function())
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        jax.block_until_ready(function())
        times.append(time.perf_counter() - start)
    return float(np.median(times))


def measure(batch_size, length, repeats):
    rng = np.random.default_rng(0)
    x = {"token_ids": rng.integers(1, 30522, (batch_size, length)).astype("int32"),
         "segment_ids": np.zeros((batch_size, length), "int32"), "padding_mask": np.ones((batch_size, length), "int32")}
    y = rng.integers(0, 2, batch_size).astype("int32")
    rows = {}
    for dropout in (0.1, 0.0):
        model = BertClassifier(BertBackbone(**MINILM, dropout=dropout), num_classes=2, dropout=dropout)
        model.compile()
        rows[f"train step, dropout {dropout}"] = timed(lambda: model.train_on_batch(x, y), repeats)
    # The last model (dropout 0): forward, and loss + gradients without the optimizer.
    trainable = [v.value for v in model.trainable_variables]
    others = [v.value for v in model.non_trainable_variables]
    forward = jax.jit(lambda t, n, x: model.stateless_call(t, n, x, training=False)[0])
    rows["forward (inference)"] = timed(lambda: forward(trainable, others, x), repeats)

    def loss(t, n, x, y):
        logits, _ = model.stateless_call(t, n, x, training=True)
        return keras.losses.sparse_categorical_crossentropy(y, logits, from_logits=True).mean()

    gradients = jax.jit(jax.grad(loss))
    rows["loss + gradients"] = timed(lambda: gradients(trainable, others, x, y), repeats)
    grads = gradients(trainable, others, x, y)
    optimizer_variables = [v.value for v in model.optimizer.variables]
    update = jax.jit(lambda o, g, t: model.optimizer.stateless_apply(o, g, t))
    rows["AdamW update alone"] = timed(lambda: update(optimizer_variables, grads, trainable), repeats)
    return rows


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--sequence-length", type=int, default=128)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    if keras.backend.backend() != "jax":
        raise SystemExit("Run with KERAS_BACKEND=jax.")
    print("\n".join(machine_info(default_threads())))
    rows = measure(args.batch_size, args.sequence_length, args.repeats)
    step = rows["train step, dropout 0.1"]
    print(f"\nbatch {args.batch_size} x {args.sequence_length}, median of {args.repeats}")
    print(f"{'part':<28} {'ms':>8} {'of the step':>12}")
    for name, seconds in rows.items():
        print(f"{name:<28} {1000 * seconds:8.1f} {seconds / step:11.0%}")


if __name__ == "__main__":
    main()
