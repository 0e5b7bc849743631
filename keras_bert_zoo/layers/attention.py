"""Multi-head self-attention on `keras.ops.dot_product_attention`."""

import keras
from keras import ops


def dense(units, initializer_range, dtype, name, activation=None):
    """A `Dense` layer with BERT's truncated-normal initializer."""
    return keras.layers.Dense(
        units,
        activation=activation,
        kernel_initializer=keras.initializers.TruncatedNormal(stddev=initializer_range),
        dtype=dtype,
        name=name,
    )


@keras.saving.register_keras_serializable(package="keras_bert_zoo")
class SelfAttention(keras.layers.Layer):
    """Bidirectional multi-head self-attention with a boolean padding mask.

    Everything except training with attention dropout runs the fused
    `keras.ops.dot_product_attention` (the backend's SDPA/flash kernel where
    it has one), in float32 and under mixed precision alike: on all three
    backends its softmax runs in float32, as the explicit path's does, and
    JAX and torch also accumulate q.k in float32. Measured on a 2-core CPU
    (keras 3.15), bf16 q/k/v of shape (32, 128, 12, 32), max abs error
    against float32: fused 0.016 (JAX, torch) / 0.056 (TensorFlow, the same
    ops as the explicit path), explicit 0.056-0.058; forward 17 vs 35 ms on
    torch, about even on TensorFlow and JAX. One cost: torch's CPU flash
    backward is slower in bf16 (188 vs 70 ms), which only dropout-free bf16
    training on a torch CPU meets.

    The fused op has no dropout (torch's SDPA `dropout_p` has no fused CPU
    kernel and no JAX or TensorFlow counterpart), so training with attention
    dropout takes the explicit einsum path, with the logits cast to float32
    before the softmax.

    Args:
        hidden_dim: model width; must be divisible by `num_heads`.
        num_heads: number of attention heads.
        dropout: dropout rate on the attention probabilities.
        initializer_range: stddev of the kernel initializer.

    Call arguments:
        x: `(batch, sequence, hidden_dim)`.
        padding_mask: bool `(batch, sequence)`, True for real tokens.
    """

    def __init__(self, hidden_dim, num_heads, dropout=0.1, initializer_range=0.02, **kwargs):
        super().__init__(**kwargs)
        if hidden_dim % num_heads:
            raise ValueError(
                f"hidden_dim ({hidden_dim}) must be divisible by num_heads ({num_heads})."
            )
        self.hidden_dim = hidden_dim
        self.num_heads = num_heads
        self.head_dim = hidden_dim // num_heads
        self.dropout = dropout
        self.initializer_range = initializer_range
        policy = self.dtype_policy
        self.query = dense(hidden_dim, initializer_range, policy, "query")
        self.key = dense(hidden_dim, initializer_range, policy, "key")
        self.value = dense(hidden_dim, initializer_range, policy, "value")
        self.output_dense = dense(hidden_dim, initializer_range, policy, "output")
        self.dropout_layer = keras.layers.Dropout(dropout, dtype=policy)

    def build(self, x_shape, padding_mask_shape=None):
        for layer in (self.query, self.key, self.value, self.output_dense):
            layer.build(x_shape)
        self.built = True

    def _split_heads(self, x):
        batch, length = ops.shape(x)[0], ops.shape(x)[1]
        return ops.reshape(x, (batch, length, self.num_heads, self.head_dim))

    def call(self, x, padding_mask, training=None):
        q = self._split_heads(self.query(x))
        k = self._split_heads(self.key(x))
        v = self._split_heads(self.value(x))
        # (batch, 1, 1, keys): every query may attend to every real key.
        mask = ops.cast(padding_mask, "bool")[:, None, None, :]
        if training and self.dropout > 0:
            context = self._explicit_attention(q, k, v, mask, training)
        else:
            context = ops.dot_product_attention(q, k, v, mask=mask)
        batch, length = ops.shape(x)[0], ops.shape(x)[1]
        context = ops.reshape(context, (batch, length, self.hidden_dim))
        return self.output_dense(context)

    def _explicit_attention(self, q, k, v, mask, training):
        scale = 1.0 / float(self.head_dim) ** 0.5
        logits = ops.einsum("bqhd,bkhd->bhqk", q, k)
        logits = ops.cast(logits, "float32") * scale
        logits = ops.where(mask, logits, ops.full_like(logits, -1e9))
        probs = ops.cast(ops.softmax(logits, axis=-1), self.compute_dtype)
        probs = self.dropout_layer(probs, training=training)
        return ops.einsum("bhqk,bkhd->bqhd", probs, v)

    def compute_output_shape(self, x_shape, padding_mask_shape=None):
        return tuple(x_shape)

    def get_config(self):
        config = super().get_config()
        config.update(
            hidden_dim=self.hidden_dim,
            num_heads=self.num_heads,
            dropout=self.dropout,
            initializer_range=self.initializer_range,
        )
        return config
