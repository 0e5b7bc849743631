"""ALBERT (Lan et al., 2019): BERT's encoder with factorized embeddings and cross-layer parameter
sharing, pretrained with masked LM and sentence-order prediction."""

import keras
from keras import ops

from keras_bert_zoo.layers import BertEmbeddings, NextSentenceHead, Pooler
from keras_bert_zoo.models.backbone import Backbone
from keras_bert_zoo.models.bert import BertBackbone


@keras.saving.register_keras_serializable(package="keras_bert_zoo")
class AlbertBackbone(Backbone):
    """ALBERT: token, position and segment embeddings `embedding_dim` wide, projected to
    `hidden_dim`; `num_layers` post-LN transformer layers that share `num_layer_groups` groups of
    `layers_per_group` blocks; a pooler.

    Inputs and outputs are `BertBackbone`'s: a dict of `token_ids`, `segment_ids` and
    `padding_mask` in, `sequence_output` `(batch, sequence, hidden_dim)` and `pooled_output`
    `(batch, hidden_dim)` out. The heads are BERT's, but for the masked-LM head, which works at
    the embedding width (tied to the `embedding_dim`-wide token embeddings), and the
    sentence-order head, which takes the next-sentence head's place with dropout before it.

    Args:
        vocabulary_size: number of SentencePiece ids.
        num_layers: number of transformer layers run (transformers' `num_hidden_layers`).
        num_heads: attention heads per block.
        hidden_dim: model width.
        intermediate_dim: feed-forward width.
        embedding_dim: width of the embeddings (transformers' `embedding_size`, 128 in the
            released models).
        num_layer_groups: groups of blocks the layers share (`num_hidden_groups`; 1: every layer
            runs the same block).
        layers_per_group: blocks in each group, run in turn by each layer (`inner_group_num`).
        max_sequence_length: number of learned positions.
        num_segments: number of segment (token type) ids.
        activation: of the feed-forward and the masked-LM transform: "gelu_approximate" (the tanh
            approximation, transformers' "gelu_new", ALBERT v2's), "gelu" or "relu".
        dropout: dropout rate in the encoder (0 in ALBERT v2).
        classifier_dropout: dropout before the sentence-order classifier
            (`classifier_dropout_prob`).
        layer_norm_epsilon: epsilon of every layer norm.
        initializer_range: stddev of the truncated-normal initializers.
        dtype: dtype policy, e.g. "mixed_bfloat16".

    Example:
    >>> backbone = AlbertBackbone.from_preset("albert_base_en_uncased", load_weights=False)
    >>> backbone.count_params()  # one block's weights, run 12 times
    11683584
    """

    def __init__(self, vocabulary_size, num_layers, num_heads, hidden_dim, intermediate_dim, embedding_dim=128,
                 num_layer_groups=1, layers_per_group=1, max_sequence_length=512, num_segments=2,
                 activation="gelu_approximate", dropout=0.0, classifier_dropout=0.1, layer_norm_epsilon=1e-12,
                 initializer_range=0.02, dtype=None, **kwargs):
        config = dict(locals())
        embeddings = BertEmbeddings(vocabulary_size, hidden_dim, max_sequence_length=max_sequence_length,
                                    num_segments=num_segments, dropout=dropout, layer_norm_epsilon=layer_norm_epsilon,
                                    initializer_range=initializer_range, embedding_dim=embedding_dim, dtype=dtype,
                                    name="embeddings")
        pooler = Pooler(hidden_dim, initializer_range, dtype=dtype, name="pooler")
        inputs = {name: keras.Input((None,), dtype="int32", name=name)
                  for name in ("token_ids", "segment_ids", "padding_mask")}
        mask = ops.cast(inputs["padding_mask"], "bool")
        x, blocks = self._encode(embeddings(inputs["token_ids"], inputs["segment_ids"]), mask, config, dtype)
        super().__init__(inputs=inputs, outputs={"sequence_output": x, "pooled_output": pooler(x)}, dtype=dtype,
                         **kwargs)
        self._keep_layers(config, embeddings, blocks, pooler)

    classification_head = BertBackbone.classification_head  # dropout and dense on the pooled output

    def next_sentence_head(self):
        """ALBERT's sentence-order head: dropout, then a 2-way dense layer on the pooled output."""
        config = self._constructor_config
        return NextSentenceHead(config["initializer_range"], dropout=config["classifier_dropout"],
                                dtype=self.dtype_policy, name="next_sentence_head")
