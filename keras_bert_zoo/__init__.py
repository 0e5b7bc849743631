"""keras-bert-zoo: the BERT family for Keras 3 on TensorFlow, JAX and PyTorch.

Importing the package imports neither Keras nor TensorFlow: the public names
below load their module on first access (PEP 562). This keeps `bert-zoo
--help` and other light uses free of the backend's start-up cost and log
lines, since Keras imports TensorFlow when `KERAS_BACKEND=tensorflow`.
Tokenizers import TensorFlow on first use.
"""

import importlib

# Public name -> the module that defines it. Models and tasks register their
# Keras serializable classes when imported; code that deserializes
# "keras_bert_zoo>..." names imports these modules first.
_LAZY = {
    **dict.fromkeys(("Backbone", "BertBackbone"), "keras_bert_zoo.models"),
    **dict.fromkeys(
        (
            "BertClassifier",
            "BertMaskedLM",
            "BertMultipleChoice",
            "BertPretrainer",
            "BertQuestionAnswerer",
            "BertTextEmbedder",
            "BertTokenClassifier",
            "CosineSimilarityTrainer",
            "Task",
        ),
        "keras_bert_zoo.tasks",
    ),
    "list_presets": "keras_bert_zoo.presets",
    **dict.fromkeys(("BertPreprocessor", "BertTokenizer"), "keras_bert_zoo.text"),
}

__all__ = sorted(_LAZY)
__version__ = "0.1.0"


def __getattr__(name):
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'keras_bert_zoo' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value  # later accesses skip __getattr__
    return value


def __dir__():
    return sorted(set(globals()) | set(__all__))
