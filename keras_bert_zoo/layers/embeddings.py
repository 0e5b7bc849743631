"""Token + position + segment embeddings, as in BERT (DistilBERT: no segments, optional sinusoids;
RoBERTa: positions counted past the padding id; ALBERT: narrower, then projected)."""

import keras
import numpy as np
from keras import ops

from keras_bert_zoo.layers.attention import dense


def sinusoidal_table(positions, width):
    """The fixed position encodings of Vaswani et al. (2017) as DistilBERT lays them out: sines in
    the even columns, cosines in the odd ones, at frequencies 10000^(-2i/width)."""
    angles = np.arange(positions)[:, None] / np.power(10000.0, 2 * (np.arange(width) // 2) / width)[None, :]
    return np.where(np.arange(width) % 2 == 0, np.sin(angles), np.cos(angles)).astype("float32")


@keras.saving.register_keras_serializable(package="keras_bert_zoo")
class BertEmbeddings(keras.layers.Layer):
    """Sum of token, learned absolute position and segment embeddings.

    The sum is layer-normalised and passed through dropout, which is the
    embedding block of BERT (and of the families that reuse it).

    Args:
        vocabulary_size: number of WordPiece ids.
        hidden_dim: output width (the model's).
        max_sequence_length: number of learned positions.
        num_segments: number of segment (token type) ids; 0 disables the
            segment embedding for families that have none.
        dropout: dropout rate after the layer norm.
        layer_norm_epsilon: epsilon of the layer norm.
        initializer_range: stddev of the truncated-normal initializer.
        sinusoidal_positions: fixed (not trained) sinusoidal position embeddings instead of
            learned ones (DistilBERT's `sinusoidal_pos_embds`).
        padding_position: None numbers positions 0, 1, ...; an int p numbers the real tokens
            p + 1, p + 2, ... (counted over `padding_mask`) and gives padding position p, as
            RoBERTa does with p its padding id; the table's `max_sequence_length` rows then
            hold p + 1 fewer tokens (RoBERTa's 514 rows: 512 tokens).
        embedding_dim: None embeds at `hidden_dim`; an int E factorizes the embeddings as ALBERT
            does: the tables and the layer norm are E wide, and a dense layer (`projection`,
            transformers' `embedding_hidden_mapping_in`) maps the result to `hidden_dim`, so the
            vocabulary costs V * E + E * H parameters instead of V * H.

    Call arguments:
        token_ids: int tensor `(batch, sequence)`.
        segment_ids: int tensor `(batch, sequence)`; ignored (may be None)
            when `num_segments == 0`.
        padding_mask: `(batch, sequence)`, 1/True on real tokens; needed with
            `padding_position`.
    """

    def __init__(
        self,
        vocabulary_size,
        hidden_dim,
        max_sequence_length=512,
        num_segments=2,
        dropout=0.1,
        layer_norm_epsilon=1e-12,
        initializer_range=0.02,
        sinusoidal_positions=False,
        padding_position=None,
        embedding_dim=None,
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.embedding_dim = embedding_dim
        width = embedding_dim or hidden_dim
        self.sinusoidal_positions = sinusoidal_positions
        self.padding_position = padding_position
        self.vocabulary_size = vocabulary_size
        self.hidden_dim = hidden_dim
        self.max_sequence_length = max_sequence_length
        self.num_segments = num_segments
        self.dropout = dropout
        self.layer_norm_epsilon = layer_norm_epsilon
        self.initializer_range = initializer_range

        def embedding(count, name):
            return keras.layers.Embedding(
                count,
                width,
                embeddings_initializer=keras.initializers.TruncatedNormal(
                    stddev=initializer_range
                ),
                dtype=self.dtype_policy,
                name=name,
            )

        self.token_embedding = embedding(vocabulary_size, "token_embedding")
        self.position_embedding = embedding(
            max_sequence_length, "position_embedding"
        )
        if sinusoidal_positions:
            self.position_embedding.embeddings_initializer = keras.initializers.Constant(
                sinusoidal_table(max_sequence_length, width))
            self.position_embedding.trainable = False
        self.segment_embedding = (
            embedding(num_segments, "segment_embedding") if num_segments else None
        )
        self.layer_norm = keras.layers.LayerNormalization(
            epsilon=layer_norm_epsilon, dtype=self.dtype_policy, name="layer_norm"
        )
        self.dropout_layer = keras.layers.Dropout(
            dropout, dtype=self.dtype_policy, name="dropout"
        )
        self.projection = (dense(hidden_dim, initializer_range, self.dtype_policy, "projection")
                           if embedding_dim else None)

    def build(self, token_ids_shape, segment_ids_shape=None, padding_mask_shape=None):
        self.token_embedding.build(token_ids_shape)
        self.position_embedding.build(token_ids_shape)
        if self.segment_embedding is not None:
            self.segment_embedding.build(token_ids_shape)
        embedded_shape = tuple(token_ids_shape) + (self.embedding_dim or self.hidden_dim,)
        self.layer_norm.build(embedded_shape)
        if self.projection is not None:
            self.projection.build(embedded_shape)
        self.built = True

    def call(self, token_ids, segment_ids=None, padding_mask=None, training=None):
        x = self.token_embedding(token_ids)
        if self.padding_position is None:
            # (sequence, hidden) broadcasts over the batch.
            x = x + self.position_embedding(ops.arange(ops.shape(token_ids)[1], dtype="int32"))[None]
        else:
            if padding_mask is None:
                raise ValueError("Positions past the padding id need the padding_mask.")
            real = ops.cast(padding_mask, "int32")
            x = x + self.position_embedding(ops.cumsum(real, axis=1) * real + self.padding_position)
        if self.segment_embedding is not None:
            x = x + self.segment_embedding(segment_ids)
        x = self.dropout_layer(self.layer_norm(x), training=training)
        return x if self.projection is None else self.projection(x)

    def compute_output_shape(self, token_ids_shape, segment_ids_shape=None, padding_mask_shape=None):
        return tuple(token_ids_shape) + (self.hidden_dim,)

    def get_config(self):
        config = super().get_config()
        config.update(
            vocabulary_size=self.vocabulary_size,
            hidden_dim=self.hidden_dim,
            max_sequence_length=self.max_sequence_length,
            num_segments=self.num_segments,
            dropout=self.dropout,
            layer_norm_epsilon=self.layer_norm_epsilon,
            initializer_range=self.initializer_range,
            sinusoidal_positions=self.sinusoidal_positions,
            padding_position=self.padding_position,
            embedding_dim=self.embedding_dim,
        )
        return config
