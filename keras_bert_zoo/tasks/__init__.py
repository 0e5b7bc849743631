"""Task models: one class per task, any backbone family."""

# A saved task holds its backbone: importing the tasks registers the backbone classes
# too, so `keras.saving.load_model` finds both after `import keras_bert_zoo.tasks`.
import keras_bert_zoo.models  # noqa: F401

from keras_bert_zoo.tasks.classifier import BertClassifier
from keras_bert_zoo.tasks.masked_lm import BertMaskedLM
from keras_bert_zoo.tasks.multiple_choice import BertMultipleChoice
from keras_bert_zoo.tasks.pretrainer import BertPretrainer
from keras_bert_zoo.tasks.question_answerer import BertQuestionAnswerer
from keras_bert_zoo.tasks.similarity_trainer import CosineSimilarityTrainer
from keras_bert_zoo.tasks.task import Task
from keras_bert_zoo.tasks.text_embedder import BertTextEmbedder
from keras_bert_zoo.tasks.token_classifier import BertTokenClassifier

__all__ = [
    "BertClassifier",
    "BertMaskedLM",
    "BertMultipleChoice",
    "BertPretrainer",
    "BertQuestionAnswerer",
    "BertTextEmbedder",
    "BertTokenClassifier",
    "CosineSimilarityTrainer",
    "Task",
]
