"""BERT's pretraining heads: masked-token prediction and next-sentence prediction."""

import keras
from keras import ops

from keras_bert_zoo.layers.attention import dense
from keras_bert_zoo.layers.encoder import ACTIVATIONS, check_activation


@keras.saving.register_keras_serializable(package="keras_bert_zoo")
class MaskedLMHead(keras.layers.Layer):
    """Predict the tokens at given positions, decoding with the input embedding matrix.

    The hidden states at `mask_positions` go through dense -> activation (BERT: exact GELU) ->
    LayerNorm, then are multiplied with the transpose of the backbone's token
    embedding matrix (tied, as in BERT: the head holds no copy of it) and an
    output bias of its own is added.

    The embedding layer is a constructor argument but not part of
    `get_config()`: a variable cannot be written as config. Whoever builds the
    head passes it (task models ask their backbone with
    `backbone.masked_lm_head()`), so a restored task is tied again.

    Args:
        vocabulary_size: number of output tokens (rows of the embedding matrix).
        hidden_dim: width of the transform, which is the token embeddings' (ALBERT's embedding
            width is narrower than its hidden states).
        token_embedding: the backbone's `keras.layers.Embedding` of token ids.
        activation: of the transform, a name of `layers.encoder.ACTIVATIONS` (the backbone's
            feed-forward activation, as in transformers).
        layer_norm_epsilon: epsilon of the layer norm (the backbone's).
        initializer_range: stddev of the dense kernel initializer.

    Call arguments:
        outputs: the backbone's output dict; `sequence_output` is used.
        mask_positions: int `(batch, predictions)`, indices into the sequence.

    Returns float32 logits `(batch, predictions, vocabulary_size)`.

    Example:
    >>> head = backbone.masked_lm_head()
    >>> logits = head(backbone(inputs), mask_positions)
    """

    def __init__(
        self,
        vocabulary_size,
        hidden_dim,
        token_embedding=None,
        layer_norm_epsilon=1e-12,
        initializer_range=0.02,
        activation="gelu",
        **kwargs,
    ):
        super().__init__(**kwargs)
        check_activation(activation)
        self.activation = activation
        if token_embedding is None:
            raise ValueError(
                "MaskedLMHead needs `token_embedding`, the backbone's token embedding layer it "
                "decodes with; build the head with `backbone.masked_lm_head()`."
            )
        self.vocabulary_size = vocabulary_size
        self.hidden_dim = hidden_dim
        self.layer_norm_epsilon = layer_norm_epsilon
        self.initializer_range = initializer_range
        # Tracked as a sublayer: Keras deduplicates the shared variable in
        # `weights`, saving and the optimizer, so it stays one tensor.
        self.token_embedding = token_embedding
        policy = self.dtype_policy
        self.dense = dense(hidden_dim, initializer_range, policy, "dense")
        self.layer_norm = keras.layers.LayerNormalization(
            epsilon=layer_norm_epsilon, dtype=policy, name="layer_norm"
        )

    def build(self, outputs_shape, mask_positions_shape=None):
        sequence_shape = tuple(outputs_shape["sequence_output"])
        self.dense.build(sequence_shape)
        self.layer_norm.build(sequence_shape[:-1] + (self.hidden_dim,))
        self.output_bias = self.add_weight(
            shape=(self.vocabulary_size,), initializer="zeros", name="output_bias"
        )
        self.built = True

    def call(self, outputs, mask_positions):
        dtype = keras.backend.standardize_dtype(mask_positions.dtype)
        if len(mask_positions.shape) != 2 or "int" not in dtype:
            raise ValueError(
                f"mask_positions must be integer indices of shape (batch, predictions), got "
                f"{dtype} of shape {tuple(mask_positions.shape)}."
            )
        sequence = outputs["sequence_output"]
        # (batch, predictions, 1) indices broadcast over the hidden axis.
        x = ops.take_along_axis(sequence, ops.cast(mask_positions, "int32")[:, :, None], axis=1)
        x = self.layer_norm(ACTIVATIONS[self.activation](self.dense(x)))
        embeddings = ops.cast(self.token_embedding.embeddings, self.compute_dtype)
        logits = ops.matmul(x, ops.transpose(embeddings))
        logits = logits + ops.cast(self.output_bias, self.compute_dtype)
        # Logits leave in float32: a softmax over the vocabulary is unstable in half precision.
        return ops.cast(logits, "float32")

    def compute_output_shape(self, outputs_shape, mask_positions_shape):
        return tuple(mask_positions_shape) + (self.vocabulary_size,)

    def get_config(self):
        config = super().get_config()
        config.update(
            vocabulary_size=self.vocabulary_size,
            hidden_dim=self.hidden_dim,
            layer_norm_epsilon=self.layer_norm_epsilon,
            initializer_range=self.initializer_range,
            activation=self.activation,
        )
        return config


@keras.saving.register_keras_serializable(package="keras_bert_zoo")
class NextSentenceHead(keras.layers.Layer):
    """Two-way classifier on the pooled output: does segment B follow segment A?

    Class 0 means B follows A, class 1 that B is random (Hugging Face's order). ALBERT's
    sentence-order head is the same layer (class 0: A and B in their order, 1: swapped), with
    dropout before it; BERT puts no dropout here.

    Args:
        initializer_range: stddev of the dense kernel initializer.
        dropout: dropout on the pooled output (ALBERT's `classifier_dropout_prob`).

    Call arguments:
        outputs: the backbone's output dict; `pooled_output` is used.

    Returns float32 logits `(batch, 2)`.

    Example:
    >>> logits = backbone.next_sentence_head()(backbone(inputs))
    """

    def __init__(self, initializer_range=0.02, dropout=0.0, **kwargs):
        super().__init__(**kwargs)
        self.initializer_range = initializer_range
        self.dropout = dropout
        self.dense = dense(2, initializer_range, self.dtype_policy, "dense")
        self.dropout_layer = keras.layers.Dropout(dropout, dtype=self.dtype_policy)

    def build(self, outputs_shape):
        self.dense.build(outputs_shape["pooled_output"])
        self.built = True

    def call(self, outputs, training=None):
        pooled = self.dropout_layer(outputs["pooled_output"], training=training)
        return ops.cast(self.dense(pooled), "float32")

    def compute_output_shape(self, outputs_shape):
        return (outputs_shape["pooled_output"][0], 2)

    def get_config(self):
        config = super().get_config()
        config.update(initializer_range=self.initializer_range, dropout=self.dropout)
        return config
