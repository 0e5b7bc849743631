"""RoBERTa (Liu et al., 2019): BERT's encoder, pretrained longer on more text with masked LM only;
positions counted past the padding id, one segment type, LayerNorm epsilon 1e-5."""

import keras
from keras import ops

from keras_bert_zoo.layers import BertEmbeddings, ClassificationHead, Pooler, PreClassifierHead
from keras_bert_zoo.models.backbone import Backbone


@keras.saving.register_keras_serializable(package="keras_bert_zoo")
class RobertaBackbone(Backbone):
    """RoBERTa: token, position and (one) segment embeddings, post-LN transformer blocks and a
    pooler.

    Inputs are a dict of `token_ids` and `padding_mask` (each `(batch, sequence)`; the mask is
    1/True on real tokens); outputs are a dict of `sequence_output` `(batch, sequence,
    hidden_dim)` and `pooled_output` `(batch, hidden_dim)`. As in transformers, real tokens
    take positions `padding_id + 1, padding_id + 2, ...` (counted over `padding_mask`) and
    padding takes `padding_id`, so the position table has `max_sequence_length + padding_id + 1`
    rows (514 for 512 tokens). The single segment embedding is added to every token.

    Only the multiple-choice head reads the pooler (as `RobertaForMultipleChoice` does); the
    classifier has its own dense + tanh layer on `<s>`.

    Args:
        vocabulary_size: number of byte-level BPE ids.
        num_layers: number of transformer blocks.
        num_heads: attention heads per block.
        hidden_dim: model width.
        intermediate_dim: feed-forward width.
        max_sequence_length: the longest input, in tokens (512 in the released models).
        padding_id: the padding token's id, which the positions count from (1).
        dropout: dropout rate used throughout.
        layer_norm_epsilon: epsilon of every layer norm.
        initializer_range: stddev of the truncated-normal initializers.
        num_layer_groups: None, or shared layer groups as `BertBackbone`'s.
        dtype: dtype policy, e.g. "mixed_bfloat16".

    Example:
    >>> backbone = RobertaBackbone.from_preset("roberta_base_en", load_weights=False)
    >>> out = backbone({"token_ids": ids, "padding_mask": mask})
    """

    def __init__(self, vocabulary_size, num_layers, num_heads, hidden_dim, intermediate_dim,
                 max_sequence_length=512, padding_id=1, dropout=0.1, layer_norm_epsilon=1e-5,
                 initializer_range=0.02, num_layer_groups=None, dtype=None, **kwargs):
        config = dict(locals())
        embeddings = BertEmbeddings(vocabulary_size, hidden_dim, max_sequence_length=max_sequence_length + padding_id + 1,
                                    num_segments=1, dropout=dropout, layer_norm_epsilon=layer_norm_epsilon,
                                    initializer_range=initializer_range, padding_position=padding_id, dtype=dtype,
                                    name="embeddings")
        pooler = Pooler(hidden_dim, initializer_range, dtype=dtype, name="pooler")
        inputs = {"token_ids": keras.Input((None,), dtype="int32", name="token_ids"),
                  "padding_mask": keras.Input((None,), dtype="int32", name="padding_mask")}
        mask = ops.cast(inputs["padding_mask"], "bool")
        x, blocks = self._encode(embeddings(inputs["token_ids"], ops.zeros_like(inputs["token_ids"]),
                                            inputs["padding_mask"]), mask, config, dtype)
        super().__init__(inputs=inputs, outputs={"sequence_output": x, "pooled_output": pooler(x)}, dtype=dtype,
                         **kwargs)
        self._keep_layers(config, embeddings, blocks, pooler)

    def classification_head(self, num_classes, dropout):
        """RoBERTa's: dropout, dense + tanh on `<s>`, dropout, the output layer."""
        config = self._constructor_config
        return PreClassifierHead(num_classes, config["hidden_dim"], dropout=dropout,
                                 initializer_range=config["initializer_range"], activation="tanh",
                                 input_dropout=True, dtype=self.dtype_policy, name="classification_head")

    def multiple_choice_head(self, dropout):
        """`RobertaForMultipleChoice` scores the pooled output: dropout and dense(1), BERT's head."""
        return ClassificationHead(1, dropout=dropout, initializer_range=self._constructor_config["initializer_range"],
                                  dtype=self.dtype_policy, name="classification_head")
