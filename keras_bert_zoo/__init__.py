"""keras-bert-zoo: the BERT family for Keras 3 on TensorFlow, JAX and PyTorch.

Importing the package never imports TensorFlow; tokenizers import it on
first use.
"""

from keras_bert_zoo.models import Backbone, BertBackbone
from keras_bert_zoo.presets import list_presets
from keras_bert_zoo.tasks import (
    BertClassifier,
    BertMaskedLM,
    BertMultipleChoice,
    BertPretrainer,
    BertQuestionAnswerer,
    BertTextEmbedder,
    BertTokenClassifier,
    CosineSimilarityTrainer,
    Task,
)

# Text classes live in keras_bert_zoo.text, loaded on first access so that
# `import keras_bert_zoo` stays light.
_TEXT_NAMES = ("BertPreprocessor", "BertTokenizer")

__all__ = [
    "Backbone",
    "BertBackbone",
    "BertClassifier",
    "BertMaskedLM",
    "BertMultipleChoice",
    "BertPretrainer",
    "BertQuestionAnswerer",
    "BertTextEmbedder",
    "BertTokenClassifier",
    "CosineSimilarityTrainer",
    "Task",
    "list_presets",
    *_TEXT_NAMES,
]
__version__ = "0.1.0"


def __getattr__(name):
    if name in _TEXT_NAMES:
        from keras_bert_zoo import text

        return getattr(text, name)
    raise AttributeError(f"module 'keras_bert_zoo' has no attribute {name!r}")
