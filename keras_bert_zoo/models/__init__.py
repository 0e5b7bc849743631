"""Backbones, one file per family."""

from keras_bert_zoo.models.albert import AlbertBackbone
from keras_bert_zoo.models.backbone import Backbone
from keras_bert_zoo.models.bert import BertBackbone
from keras_bert_zoo.models.distil_bert import DistilBertBackbone
from keras_bert_zoo.models.roberta import RobertaBackbone

__all__ = ["AlbertBackbone", "Backbone", "BertBackbone", "DistilBertBackbone", "RobertaBackbone"]
