"""keras-bert-zoo: the BERT family for Keras 3 on TensorFlow, JAX and PyTorch.

Importing the package imports neither Keras nor TensorFlow: the public names
below load their module on first access (PEP 562). This keeps `bert-zoo
--help` and other light uses free of the backend's start-up cost and log
lines, since Keras imports TensorFlow when `KERAS_BACKEND=tensorflow`.
Tokenizers import TensorFlow on first use.

Keras finds the zoo's classes when it deserializes (`keras.saving.load_model`)
only once their modules are imported: the first access of any model or task
name (e.g. `keras_bert_zoo.BertClassifier`) imports all models and tasks.
"""

import importlib
import sys


def _lazy_attributes(package, exports):
    """`(__getattr__, __dir__)` for a package whose public names load on first access (PEP 562).

    `exports` maps each public name to the module that defines it, or to a
    tuple of modules to import together (the name comes from the first). Shared
    by the packages that must stay import-light (this one and `training`).
    """

    def __getattr__(name):
        modules = exports.get(name)
        if modules is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        modules = (modules,) if isinstance(modules, str) else modules
        value = getattr([importlib.import_module(module) for module in modules][0], name)
        setattr(sys.modules[package], name, value)  # later accesses skip __getattr__
        return value

    def __dir__():
        return sorted(set(vars(sys.modules[package])) | set(exports))

    return __getattr__, __dir__


# Public name -> the module(s) to import for it. Models and tasks register their
# Keras serializable classes when imported, and a saved task holds a backbone,
# so either kind of name imports both.
_MODELS_AND_TASKS = ("keras_bert_zoo.models", "keras_bert_zoo.tasks")
_LAZY = {
    **dict.fromkeys(("AlbertBackbone", "Backbone", "BertBackbone", "DistilBertBackbone", "RobertaBackbone"), _MODELS_AND_TASKS),
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
        _MODELS_AND_TASKS[::-1],
    ),
    "list_presets": "keras_bert_zoo.presets",
    **dict.fromkeys(("BertPreprocessor", "BertTokenizer"), "keras_bert_zoo.text"),
    "AlbertTokenizer": "keras_bert_zoo.text",
}

__all__ = sorted(_LAZY)
__version__ = "0.1.0"

__getattr__, __dir__ = _lazy_attributes(__name__, _LAZY)
