"""The post-LN transformer block of BERT (and of DistilBERT, RoBERTa and ALBERT, as options)."""

import keras
from keras import ops

from keras_bert_zoo.layers.attention import SelfAttention, dense

# The feed-forward activations families use, by the name their configs give.
ACTIVATIONS = {
    "gelu": lambda x: ops.gelu(x, approximate=False),  # exact (erf), BERT's
    "gelu_approximate": lambda x: ops.gelu(x, approximate=True),  # tanh, transformers' "gelu_new"
    "relu": ops.relu,
}


@keras.saving.register_keras_serializable(package="keras_bert_zoo")
class TransformerBlock(keras.layers.Layer):
    """Self-attention and feed-forward sublayers, each followed by add + LayerNorm.

    This is BERT's post-LN arrangement: `LN(x + Dropout(Attention(x)))`, then
    `LN(h + Dropout(FFN(h)))`, with an exact (erf) GELU in the feed-forward by default.

    Args:
        hidden_dim: model width.
        num_heads: attention heads.
        intermediate_dim: width of the feed-forward hidden layer.
        dropout: dropout on the sublayer outputs and attention probabilities.
        layer_norm_epsilon: epsilon of both layer norms.
        initializer_range: stddev of the kernel initializers.
        activation: of the feed-forward: "gelu" (exact, erf), "gelu_approximate" (tanh, transformers'
            "gelu_new") or "relu" (DistilBERT's option).

    Call arguments:
        x: `(batch, sequence, hidden_dim)`.
        padding_mask: bool `(batch, sequence)`.
    """

    def __init__(
        self,
        hidden_dim,
        num_heads,
        intermediate_dim,
        dropout=0.1,
        layer_norm_epsilon=1e-12,
        initializer_range=0.02,
        activation="gelu",
        **kwargs,
    ):
        super().__init__(**kwargs)
        if activation not in ACTIVATIONS:
            raise ValueError(f"`activation` must be one of {sorted(ACTIVATIONS)}, got {activation!r}")
        self.activation = activation
        self.hidden_dim = hidden_dim
        self.num_heads = num_heads
        self.intermediate_dim = intermediate_dim
        self.dropout = dropout
        self.layer_norm_epsilon = layer_norm_epsilon
        self.initializer_range = initializer_range
        policy = self.dtype_policy
        self.attention = SelfAttention(
            hidden_dim, num_heads, dropout, initializer_range, dtype=policy, name="attention"
        )
        self.attention_layer_norm = keras.layers.LayerNormalization(
            epsilon=layer_norm_epsilon, dtype=policy, name="attention_layer_norm"
        )
        self.intermediate = dense(intermediate_dim, initializer_range, policy, "intermediate")
        self.output_dense = dense(hidden_dim, initializer_range, policy, "output")
        self.output_layer_norm = keras.layers.LayerNormalization(
            epsilon=layer_norm_epsilon, dtype=policy, name="output_layer_norm"
        )
        self.dropout_layer = keras.layers.Dropout(dropout, dtype=policy)

    def build(self, x_shape, padding_mask_shape=None):
        x_shape = tuple(x_shape)
        self.attention.build(x_shape)
        self.attention_layer_norm.build(x_shape)
        self.intermediate.build(x_shape)
        self.output_dense.build(x_shape[:-1] + (self.intermediate_dim,))
        self.output_layer_norm.build(x_shape)
        self.built = True

    def call(self, x, padding_mask, training=None):
        attended = self.attention(x, padding_mask, training=training)
        x = self.attention_layer_norm(x + self.dropout_layer(attended, training=training))
        hidden = self.output_dense(ACTIVATIONS[self.activation](self.intermediate(x)))
        return self.output_layer_norm(x + self.dropout_layer(hidden, training=training))

    def compute_output_shape(self, x_shape, padding_mask_shape=None):
        return tuple(x_shape)

    def get_config(self):
        config = super().get_config()
        config.update(
            hidden_dim=self.hidden_dim,
            num_heads=self.num_heads,
            intermediate_dim=self.intermediate_dim,
            dropout=self.dropout,
            layer_norm_epsilon=self.layer_norm_epsilon,
            initializer_range=self.initializer_range,
            activation=self.activation,
        )
        return config
