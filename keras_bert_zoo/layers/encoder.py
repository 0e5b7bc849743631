"""The post-LN transformer block of BERT (and of DistilBERT, RoBERTa and ALBERT, as options), and
the stack of blocks, with ALBERT's cross-layer parameter sharing as an option of every family."""

import keras
from keras import ops

from keras_bert_zoo.layers.attention import SelfAttention, dense

# The feed-forward (and masked-LM transform) activations families use, by our name.
ACTIVATIONS = {
    "gelu": lambda x: ops.gelu(x, approximate=False),  # exact (erf), BERT's
    "gelu_approximate": lambda x: ops.gelu(x, approximate=True),  # tanh, transformers' "gelu_new", ALBERT's
    "relu": ops.relu,
}


def check_activation(activation):
    """Raises ValueError unless `activation` names one of `ACTIVATIONS`."""
    if activation not in ACTIVATIONS:
        raise ValueError(f"`activation` must be one of {sorted(ACTIVATIONS)}, got {activation!r}")


def _check_int(name, value, minimum, maximum=None):
    if type(value) is not int or value < minimum or (maximum is not None and value > maximum):
        bound = f"in [{minimum}, {maximum}]" if maximum is not None else f">= {minimum}"
        raise ValueError(f"`{name}` must be an int {bound}, got {value!r}")


def group_schedule(num_layers, num_layer_groups):
    """The layer group that each of `num_layers` layers runs: ALBERT's rule (as transformers has it),
    layer i runs group int(i / (num_layers / num_layer_groups)), so consecutive layers share a group
    and every group runs about num_layers / num_layer_groups times."""
    _check_int("num_layers", num_layers, 1)
    _check_int("num_layer_groups", num_layer_groups, 1, num_layers)  # more groups would go unused
    return [int(index / (num_layers / num_layer_groups)) for index in range(num_layers)]


def layer_groups(blocks, layers_per_group):
    """The distinct blocks of a shared stack, group by group (ALBERT's `albert_layer_groups`)."""
    return [blocks[start:start + layers_per_group] for start in range(0, len(blocks), layers_per_group)]


def calls_in_order(blocks, num_layers, num_layer_groups=None, layers_per_group=1):
    """The distinct `blocks` in the order the encoder runs them: without groups, as they are; with
    groups, the blocks of group `group_schedule(num_layers, num_layer_groups)[i]` for each layer i."""
    if num_layer_groups is None:
        return list(blocks)
    groups = layer_groups(blocks, layers_per_group)
    return [block for group in group_schedule(num_layers, num_layer_groups) for block in groups[group]]


def transformer_stack(num_layers, hidden_dim, num_heads, intermediate_dim, num_layer_groups=None, layers_per_group=1,
                      dtype=None, **options):
    """The distinct `TransformerBlock`s of an encoder and the order it runs them in: `(blocks, calls)`.

    Without sharing (`num_layer_groups=None`), each of the `num_layers` layers is a block of its
    own, `transformer_layer_{i}`, and `calls` is `blocks`. With `num_layer_groups=g` (ALBERT's
    `num_hidden_groups`), the layers share g groups of `layers_per_group` blocks each (ALBERT's
    `inner_group_num`), `transformer_layer_{group}_{j}`: layer i runs the blocks of group
    `group_schedule(num_layers, g)[i]` in turn, so `calls` holds num_layers * layers_per_group
    entries and a block's variables are trained by every call. `options` are the block's
    (dropout, layer_norm_epsilon, initializer_range, activation).

    Example:
    >>> blocks, calls = transformer_stack(12, 768, 12, 3072, num_layer_groups=1)  # ALBERT-base
    >>> len(blocks), len(calls)
    (1, 12)
    """
    def block(name):
        return TransformerBlock(hidden_dim, num_heads, intermediate_dim, dtype=dtype, name=name, **options)

    _check_int("layers_per_group", layers_per_group, 1)
    if num_layer_groups is None:
        if layers_per_group != 1:
            raise ValueError("`layers_per_group` needs `num_layer_groups` (the layers share groups of blocks).")
        names = [f"transformer_layer_{index}" for index in range(num_layers)]
    else:
        group_schedule(num_layers, num_layer_groups)  # checks the groups before any block is made
        names = [f"transformer_layer_{group}_{index}" for group in range(num_layer_groups)
                 for index in range(layers_per_group)]
    blocks = [block(name) for name in names]
    return blocks, calls_in_order(blocks, num_layers, num_layer_groups, layers_per_group)


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
        check_activation(activation)
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
