"""DistilBERT (Sanh et al., 2019): BERT's encoder with half the layers, no segments and no pooler."""

import keras
from keras import ops

from keras_bert_zoo.layers import BertEmbeddings, PreClassifierHead
from keras_bert_zoo.models.backbone import Backbone


@keras.saving.register_keras_serializable(package="keras_bert_zoo")
class DistilBertBackbone(Backbone):
    """DistilBERT: token and position embeddings (no segment embeddings) and post-LN transformer
    blocks; no pooler, so its classification head reads the first token through its own
    `pre_classifier` layer.

    Inputs are a dict of `token_ids` and `padding_mask` (each `(batch, sequence)`; the mask is
    1/True on real tokens); the output is a dict with `sequence_output` `(batch, sequence,
    hidden_dim)`. Preprocessors attached to its tasks leave `segment_ids` out.

    Args:
        vocabulary_size: number of WordPiece ids.
        num_layers: number of transformer blocks (6 in the released models).
        num_heads: attention heads per block.
        hidden_dim: model width (transformers' `dim`).
        intermediate_dim: feed-forward width (transformers' `hidden_dim`).
        max_sequence_length: number of positions.
        dropout: dropout rate used throughout.
        activation: of the feed-forward, "gelu" (the released models) or "relu".
        sinusoidal_positions: fixed sinusoidal position embeddings instead of learned ones.
        layer_norm_epsilon: epsilon of every layer norm (transformers fixes 1e-12).
        initializer_range: stddev of the truncated-normal initializers.
        num_layer_groups: None, or shared layer groups as `BertBackbone`'s.
        dtype: dtype policy, e.g. "mixed_bfloat16".

    Example:
    >>> backbone = DistilBertBackbone.from_preset("distil_bert_base_en_uncased", load_weights=False)
    >>> out = backbone({"token_ids": ids, "padding_mask": mask})
    """

    def __init__(self, vocabulary_size, num_layers, num_heads, hidden_dim, intermediate_dim,
                 max_sequence_length=512, dropout=0.1, activation="gelu", sinusoidal_positions=False,
                 layer_norm_epsilon=1e-12, initializer_range=0.02, num_layer_groups=None, dtype=None, **kwargs):
        config = dict(locals())
        embeddings = BertEmbeddings(vocabulary_size, hidden_dim, max_sequence_length=max_sequence_length,
                                    num_segments=0, dropout=dropout, layer_norm_epsilon=layer_norm_epsilon,
                                    initializer_range=initializer_range, sinusoidal_positions=sinusoidal_positions,
                                    dtype=dtype, name="embeddings")
        inputs = {"token_ids": keras.Input((None,), dtype="int32", name="token_ids"),
                  "padding_mask": keras.Input((None,), dtype="int32", name="padding_mask")}
        mask = ops.cast(inputs["padding_mask"], "bool")
        x, blocks = self._encode(embeddings(inputs["token_ids"]), mask, config, dtype)
        super().__init__(inputs=inputs, outputs={"sequence_output": x}, dtype=dtype, **kwargs)
        self._keep_layers(config, embeddings, blocks)

    def classification_head(self, num_classes, dropout):
        config = self._constructor_config
        return PreClassifierHead(num_classes, config["hidden_dim"], dropout=dropout,
                                 initializer_range=config["initializer_range"], dtype=self.dtype_policy,
                                 name="classification_head")

    def span_head(self, dropout=None):
        """DistilBERT's QA head has dropout (`qa_dropout`, the model's rate by default)."""
        return super().span_head(self._constructor_config["dropout"] if dropout is None else dropout)
