"""The BERT encoder (Devlin et al., 2019)."""

import keras
from keras import ops

from keras_bert_zoo.layers import BertEmbeddings, ClassificationHead, NextSentenceHead, Pooler
from keras_bert_zoo.models.backbone import Backbone


@keras.saving.register_keras_serializable(package="keras_bert_zoo")
class BertBackbone(Backbone):
    """BERT: embeddings, a stack of post-LN transformer blocks and a pooler.

    Inputs are a dict of `token_ids`, `segment_ids` and `padding_mask`
    (each `(batch, sequence)`; the mask is 1/True for real tokens); outputs
    are a dict of `sequence_output` `(batch, sequence, hidden_dim)` and
    `pooled_output` `(batch, hidden_dim)`.

    Args:
        vocabulary_size: number of WordPiece ids.
        num_layers: number of transformer blocks.
        num_heads: attention heads per block.
        hidden_dim: model width.
        intermediate_dim: feed-forward width (usually 4 * hidden_dim).
        max_sequence_length: number of learned positions.
        num_segments: number of segment (token type) ids.
        dropout: dropout rate used throughout.
        layer_norm_epsilon: epsilon of every layer norm.
        initializer_range: stddev of the truncated-normal initializers.
        num_layer_groups: None gives every layer its own weights; g shares g blocks among the
            layers (ALBERT's cross-layer sharing, `layers.encoder.transformer_stack`): 1 gives a
            BERT-shaped model with one block's parameters run `num_layers` times.
        dtype: dtype policy, e.g. "mixed_bfloat16".

    Example:
    >>> backbone = BertBackbone.from_preset("bert_tiny", load_weights=False)
    >>> out = backbone({"token_ids": ids, "segment_ids": seg, "padding_mask": mask})
    """

    def __init__(
        self,
        vocabulary_size,
        num_layers,
        num_heads,
        hidden_dim,
        intermediate_dim,
        max_sequence_length=512,
        num_segments=2,
        dropout=0.1,
        layer_norm_epsilon=1e-12,
        initializer_range=0.02,
        num_layer_groups=None,
        dtype=None,
        **kwargs,
    ):
        config = dict(locals())
        # The layers are attached after the functional __init__ (`_keep_layers`).
        embeddings = BertEmbeddings(
            vocabulary_size,
            hidden_dim,
            max_sequence_length=max_sequence_length,
            num_segments=num_segments,
            dropout=dropout,
            layer_norm_epsilon=layer_norm_epsilon,
            initializer_range=initializer_range,
            dtype=dtype,
            name="embeddings",
        )
        pooler = Pooler(hidden_dim, initializer_range, dtype=dtype, name="pooler")

        inputs = {
            "token_ids": keras.Input((None,), dtype="int32", name="token_ids"),
            "segment_ids": keras.Input((None,), dtype="int32", name="segment_ids"),
            "padding_mask": keras.Input((None,), dtype="int32", name="padding_mask"),
        }
        mask = ops.cast(inputs["padding_mask"], "bool")
        x, blocks = self._encode(embeddings(inputs["token_ids"], inputs["segment_ids"]), mask, config, dtype)
        outputs = {"sequence_output": x, "pooled_output": pooler(x)}
        super().__init__(inputs=inputs, outputs=outputs, dtype=dtype, **kwargs)
        self._keep_layers(config, embeddings, blocks, pooler)

    def classification_head(self, num_classes, dropout):
        config = self._constructor_config
        return ClassificationHead(
            num_classes,
            dropout=dropout,
            initializer_range=config["initializer_range"],
            dtype=self.dtype_policy,
            name="classification_head",
        )

    def next_sentence_head(self):
        return NextSentenceHead(
            self._constructor_config["initializer_range"],
            dtype=self.dtype_policy,
            name="next_sentence_head",
        )
