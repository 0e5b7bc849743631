"""Keras layers of the BERT family, written with `keras.ops` only."""

from keras_bert_zoo.layers.attention import SelfAttention
from keras_bert_zoo.layers.embeddings import BertEmbeddings
from keras_bert_zoo.layers.encoder import TransformerBlock
from keras_bert_zoo.layers.heads import (ClassificationHead, Pooler, PreClassifierHead, SpanHead,
                                         TokenClassificationHead)
from keras_bert_zoo.layers.pretraining_heads import MaskedLMHead, NextSentenceHead

__all__ = [
    "BertEmbeddings",
    "ClassificationHead",
    "MaskedLMHead",
    "NextSentenceHead",
    "Pooler",
    "PreClassifierHead",
    "SelfAttention",
    "SpanHead",
    "TokenClassificationHead",
    "TransformerBlock",
]
