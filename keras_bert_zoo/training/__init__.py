"""Training recipes: schedules, optimizers, checkpoints and the pretraining run.

The names below load their module on first access (PEP 562): the CLI builds
its parser from `training.pretraining_run.PretrainingConfig`, and importing
this package must not import Keras (and with it TensorFlow) for that.
"""

import importlib

_LAZY = {
    **dict.fromkeys(("TrainingCheckpoint", "latest_state", "restore_training_state", "save_training_state"),
                    "keras_bert_zoo.training.checkpoints"),
    "pretraining_optimizer": "keras_bert_zoo.training.optimizers",
    "WarmupLinearDecay": "keras_bert_zoo.training.schedules",
}

__all__ = sorted(_LAZY)


def __getattr__(name):
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'keras_bert_zoo.training' has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)


def __dir__():
    return sorted(set(globals()) | set(__all__))
