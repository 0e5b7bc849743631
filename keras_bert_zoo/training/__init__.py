"""Training recipes: schedules, optimizers, checkpoints and the pretraining run."""

from keras_bert_zoo.training.checkpoints import (
    TrainingCheckpoint,
    latest_state,
    restore_training_state,
    save_training_state,
)
from keras_bert_zoo.training.optimizers import pretraining_optimizer
from keras_bert_zoo.training.schedules import WarmupLinearDecay
