"""Training recipes: schedules, optimizers, checkpoints, the pretraining run, distillation.

The names below load their module on first access (PEP 562): the CLI builds
its parser from `training.pretraining_run.PretrainingConfig`, and importing
this package must not import Keras (and with it TensorFlow) for that.
"""

from keras_bert_zoo import _lazy_attributes

_LAZY = {
    **dict.fromkeys(("TrainingCheckpoint", "latest_state", "restore_training_state", "save_training_state"),
                    "keras_bert_zoo.training.checkpoints"),
    **dict.fromkeys(("Distiller", "student_backbone"), "keras_bert_zoo.training.distillation"),
    "pretraining_optimizer": "keras_bert_zoo.training.optimizers",
    "WarmupLinearDecay": "keras_bert_zoo.training.schedules",
}

__all__ = sorted(_LAZY)


__getattr__, __dir__ = _lazy_attributes(__name__, _LAZY)
