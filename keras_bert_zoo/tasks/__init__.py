"""Task models: one class per task, any backbone family."""

from keras_bert_zoo.tasks.classifier import BertClassifier
from keras_bert_zoo.tasks.masked_lm import BertMaskedLM
from keras_bert_zoo.tasks.pretrainer import BertPretrainer
from keras_bert_zoo.tasks.task import Task

__all__ = ["BertClassifier", "BertMaskedLM", "BertPretrainer", "Task"]
