"""A model's inference pass compiled once per input shape, for serving.

`predict_on_batch` re-enters Keras' data handling and step machinery on every
call, and on TensorFlow it runs a graph without XLA on CPU (Keras' "auto"
compiles with XLA only where a GPU is present). For batch-1 latency the
forward pass is better called directly, compiled for the shape it sees:
`tf.function` with XLA on TensorFlow, `jax.jit` of the stateless call on JAX,
and on PyTorch the eager call under `torch.no_grad()` (`torch.compile` is
optional; it recompiles for each new shape).
"""

import keras


def compiled_forward(model, jit_compile="auto"):
    """A function from one batch of the model's inputs (a dict of arrays) to its outputs as numpy.

    It reads the model's current weights on every call, so training between
    calls is seen. With `jit_compile` each new input shape compiles once: with
    `padding="longest"` and length buckets, at most `sequence_length / buckets`
    shapes per batch size. "auto" compiles on TensorFlow and JAX, not on PyTorch.
    """
    backend = keras.backend.backend()
    if jit_compile == "auto":
        jit_compile = backend != "torch"
    if backend == "tensorflow":
        import tensorflow as tf

        # One trace (and one XLA compilation) per shape: XLA needs static shapes.
        call = tf.function(lambda features: model(features, training=False), jit_compile=jit_compile)
    elif backend == "jax":
        call = _jax_forward(model, jit_compile)
    elif backend == "torch":
        call = _torch_forward(model, jit_compile)
    else:
        raise ValueError(f"No serving path for the {backend!r} backend.")
    return lambda features: keras.tree.map_structure(keras.ops.convert_to_numpy, call(features))


def _jax_forward(model, jit_compile):
    import jax

    def forward(trainable, non_trainable, features):
        outputs, _ = model.stateless_call(trainable, non_trainable, features, training=False)
        return outputs

    forward = jax.jit(forward) if jit_compile else forward

    def call(features):
        return forward([v.value for v in model.trainable_variables],
                       [v.value for v in model.non_trainable_variables], features)

    return call


def _torch_forward(model, jit_compile):
    import torch

    module = torch.compile(model, dynamic=False) if jit_compile else model

    def call(features):
        with torch.no_grad():
            return module(keras.tree.map_structure(keras.ops.convert_to_tensor, features), training=False)

    return call
