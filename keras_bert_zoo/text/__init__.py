"""Tokenizers and preprocessors on tensorflow-text.

Importing this package does not import TensorFlow; the classes import it when
they first tokenize.
"""

from keras_bert_zoo.text.bpe_tokenizer import RobertaTokenizer
from keras_bert_zoo.text.preprocessor import BertPreprocessor
from keras_bert_zoo.text.sentencepiece_tokenizer import AlbertTokenizer
from keras_bert_zoo.text.tokenizer import BertTokenizer

__all__ = ["AlbertTokenizer", "BertPreprocessor", "BertTokenizer", "RobertaTokenizer"]
