"""Hugging Face `transformers` BERT <-> BertBackbone: config and weight names."""

from keras_bert_zoo.convert import mapping
from keras_bert_zoo.text import hf_files

MODEL_TYPE = "bert"  # config.json's model_type
ARCHITECTURE_PREFIX = "Bert"  # of BertModel, BertForMaskedLM, ... (see convert.architectures)
BACKBONE_CLASS = "BertBackbone"
# The tokenizer, and the module that reads its files in a checkpoint directory (the class's
# `HF_FILES`, named here so that reading a checkpoint imports no tokenizer, hence no TensorFlow).
TOKENIZER_CLASS, TOKENIZER_FILES = "BertTokenizer", hf_files
SUPPORTED_ACTIVATIONS = ("gelu",)


# BertBackbone argument -> Hugging Face `BertConfig` key; `backbone_spec` reads the other way.
_HF_NAMES = {
    "vocabulary_size": "vocab_size", "num_layers": "num_hidden_layers", "num_heads": "num_attention_heads",
    "hidden_dim": "hidden_size", "intermediate_dim": "intermediate_size",
    "max_sequence_length": "max_position_embeddings", "num_segments": "type_vocab_size",
    "layer_norm_epsilon": "layer_norm_eps", "initializer_range": "initializer_range",
}
# transformers' defaults of the optional keys.
_HF_DEFAULTS = {"max_position_embeddings": 512, "type_vocab_size": 2, "layer_norm_eps": 1e-12,
                "initializer_range": 0.02}


def backbone_spec(config):
    """BertBackbone constructor arguments from a Hugging Face `BertConfig` dict."""
    activation = config.get("hidden_act", "gelu")
    if activation not in SUPPORTED_ACTIVATIONS:
        raise ValueError(
            f"hidden_act={activation!r} is not supported; BertBackbone uses the exact (erf) GELU."
        )
    position_type = config.get("position_embedding_type", "absolute")
    if position_type != "absolute":
        raise ValueError(f"position_embedding_type={position_type!r} is not supported.")
    ours = {name: config[hf] if hf not in _HF_DEFAULTS else config.get(hf, _HF_DEFAULTS[hf])
            for name, hf in _HF_NAMES.items()}
    return {"class_name": "BertBackbone", "config": {**ours, "dropout": config.get("hidden_dropout_prob", 0.1)}}


def hf_config(backbone_config):
    """A Hugging Face `BertConfig` dict from BertBackbone constructor arguments (`backbone_spec`'s inverse)."""
    config = {hf: backbone_config[ours] for ours, hf in _HF_NAMES.items() if ours in backbone_config}
    dropout = backbone_config.get("dropout", 0.1)
    return {**config, "hidden_act": "gelu", "position_embedding_type": "absolute",
            "hidden_dropout_prob": dropout, "attention_probs_dropout_prob": dropout}


EMBEDDINGS = [
    ("embeddings.word_embeddings.weight", "embeddings.token_embedding.embeddings"),
    ("embeddings.position_embeddings.weight", "embeddings.position_embedding.embeddings"),
    ("embeddings.token_type_embeddings.weight", "embeddings.segment_embedding.embeddings"),
    ("embeddings.LayerNorm", "embeddings.layer_norm"),
]
# TransformerBlock sublayer -> its name in a BERT layer.
BLOCK_NAMES = {
    "attention.query": "attention.self.query", "attention.key": "attention.self.key",
    "attention.value": "attention.self.value", "attention.output_dense": "attention.output.dense",
    "attention_layer_norm": "attention.output.LayerNorm", "intermediate": "intermediate.dense",
    "output_dense": "output.dense", "output_layer_norm": "output.LayerNorm",
}


def backbone_weights(backbone):
    """(Hugging Face name, Keras variable, transpose?) for every backbone weight."""
    return (mapping.table(backbone, EMBEDDINGS)
            + mapping.transformer_blocks("encoder.layer", backbone.layers_in_call_order(), BLOCK_NAMES)
            + mapping.table(backbone, [("pooler.dense", "pooler.dense")]))


def head_weights(task):
    """(Hugging Face name, Keras variable, transpose?) for a task's head."""
    return mapping.head_weights(task, HEADS)


def optional_weights(config):
    """Backbone weights the checkpoint may lack: Hugging Face builds some models without a pooler."""
    return mapping.pooler_weights_if_poolerless(config, POOLERLESS_ARCHITECTURES)


# Weights of heads a backbone-only load leaves out: reported by name, not an error.
HEAD_PREFIXES = ("cls.", "classifier.", "qa_outputs.")
# Non-trainable buffers some checkpoints store.
BUFFERS = ("embeddings.position_ids",)
# Copies some checkpoints store of a weight they tie to another: (copy, original).
# The MLM decoder is the word embedding matrix and its bias is cls.predictions.bias.
TIED = (
    ("cls.predictions.decoder.weight", "embeddings.word_embeddings.weight"),
    ("cls.predictions.decoder.bias", "cls.predictions.bias"),
)
# transformers builds these with add_pooling_layer=False.
POOLERLESS_ARCHITECTURES = (
    "BertForMaskedLM",
    "BertLMHeadModel",
    "BertForTokenClassification",
    "BertForQuestionAnswering",
)
MODEL_PREFIX = "bert."
_MASKED_LM = [("cls.predictions.transform.dense", "masked_lm_head.dense"),
              ("cls.predictions.transform.LayerNorm", "masked_lm_head.layer_norm"),
              ("cls.predictions.bias", "masked_lm_head.output_bias")]
# Task -> its head's weights, for the heads that ALBERT names as BERT does (a sentence-transformers
# embedder pools and normalizes: none).
FINE_TUNING_HEADS = {
    "BertClassifier": [("classifier", "head.dense")],
    "BertTokenClassifier": [("classifier", "head.dense")],
    "BertMultipleChoice": [("classifier", "head.dense")],
    "BertQuestionAnswerer": [("qa_outputs", "head.dense")],
    "BertTextEmbedder": [],
}
HEADS = {
    **FINE_TUNING_HEADS,
    "BertMaskedLM": _MASKED_LM,
    "BertPretrainer": _MASKED_LM + [("cls.seq_relationship", "next_sentence_head.dense")],
}
