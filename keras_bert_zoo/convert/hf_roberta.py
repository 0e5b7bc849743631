"""Hugging Face `transformers` RoBERTa <-> RobertaBackbone: config and weight names.

The encoder's weights are named as BERT's (`hf_bert.backbone_weights`); the family differs in
its config (positions past the padding id, one segment type) and its heads.
"""

from keras_bert_zoo.convert import mapping
from keras_bert_zoo.text import bpe_files
# The encoder's weights are named as BERT's, pooler included.
from keras_bert_zoo.convert.hf_bert import backbone_weights  # noqa: F401 (this family's, too)

MODEL_TYPE = "roberta"
ARCHITECTURE_PREFIX = "Roberta"
BACKBONE_CLASS = "RobertaBackbone"
# The tokenizer, and the module that reads its files in a checkpoint directory (the class's
# `HF_FILES`, named here so that reading a checkpoint imports no tokenizer, hence no TensorFlow).
TOKENIZER_CLASS, TOKENIZER_FILES = "RobertaTokenizer", bpe_files
MODEL_PREFIX = "roberta."

# RobertaBackbone argument -> `RobertaConfig` key, with transformers' defaults.
_HF_NAMES = {
    "vocabulary_size": "vocab_size", "num_layers": "num_hidden_layers", "num_heads": "num_attention_heads",
    "hidden_dim": "hidden_size", "intermediate_dim": "intermediate_size", "padding_id": "pad_token_id",
    "layer_norm_epsilon": "layer_norm_eps", "initializer_range": "initializer_range",
    "dropout": "hidden_dropout_prob",
}
_HF_DEFAULTS = {"pad_token_id": 1, "layer_norm_eps": 1e-12, "initializer_range": 0.02, "hidden_dropout_prob": 0.1,
                "max_position_embeddings": 512, "type_vocab_size": 2}


def _get(config, key):
    return config[key] if key in config else _HF_DEFAULTS[key]


def backbone_spec(config):
    """RobertaBackbone constructor arguments from a Hugging Face `RobertaConfig` dict."""
    unsupported = {"hidden_act": (config.get("hidden_act", "gelu"), "gelu"),
                   "position_embedding_type": (config.get("position_embedding_type", "absolute"), "absolute"),
                   "type_vocab_size": (_get(config, "type_vocab_size"), 1)}
    for key, (value, supported) in unsupported.items():
        if value != supported:
            raise ValueError(f"{key}={value!r} is not supported; RobertaBackbone has {key}={supported!r}.")
    ours = {name: _get(config, hf) if hf in _HF_DEFAULTS else config[hf] for name, hf in _HF_NAMES.items()}
    # transformers numbers real tokens from pad_token_id + 1: the table holds pad_token_id + 1 fewer tokens.
    ours["max_sequence_length"] = _get(config, "max_position_embeddings") - ours["padding_id"] - 1
    if ours["max_sequence_length"] < 1:
        raise ValueError(f"max_position_embeddings={_get(config, 'max_position_embeddings')} leaves no position "
                         f"past pad_token_id={ours['padding_id']}.")
    return {"class_name": BACKBONE_CLASS, "config": ours}


def hf_config(backbone_config):
    """A `RobertaConfig` dict from RobertaBackbone arguments (`backbone_spec`'s inverse)."""
    config = {hf: backbone_config[ours] for ours, hf in _HF_NAMES.items() if ours in backbone_config}
    padding_id = backbone_config.get("padding_id", 1)
    return {**config, "max_position_embeddings": backbone_config.get("max_sequence_length", 512) + padding_id + 1,
            "type_vocab_size": 1, "hidden_act": "gelu", "position_embedding_type": "absolute",
            "attention_probs_dropout_prob": backbone_config.get("dropout", 0.1), "pad_token_id": padding_id}


_CLASSIFIER = [("classifier.dense", "head.pre_classifier"), ("classifier.out_proj", "head.dense")]
# Task -> its head's weights.
HEADS = {
    "BertClassifier": _CLASSIFIER,
    "BertMultipleChoice": [("classifier", "head.dense")],
    "BertTokenClassifier": [("classifier", "head.dense")],
    "BertQuestionAnswerer": [("qa_outputs", "head.dense")],
    "BertMaskedLM": [("lm_head.dense", "masked_lm_head.dense"), ("lm_head.layer_norm", "masked_lm_head.layer_norm"),
                     ("lm_head.bias", "masked_lm_head.output_bias")],
    "BertTextEmbedder": [],
}


def head_weights(task):
    """(Hugging Face name, Keras variable, transpose?) for a task's head."""
    return mapping.head_weights(task, HEADS)


# transformers builds these with add_pooling_layer=False (multiple choice reads the pooler).
POOLERLESS_ARCHITECTURES = ("RobertaForMaskedLM", "RobertaForCausalLM", "RobertaForSequenceClassification",
                            "RobertaForTokenClassification", "RobertaForQuestionAnswering")


def optional_weights(config):
    """Backbone weights the checkpoint may lack: the pooler of heads that do not read it."""
    return mapping.pooler_weights_if_poolerless(config, POOLERLESS_ARCHITECTURES)


# Weights of heads a backbone-only load leaves out: reported by name, not an error.
HEAD_PREFIXES = ("lm_head.", "classifier.", "qa_outputs.")
BUFFERS = ("embeddings.position_ids", "embeddings.token_type_ids")
# The MLM decoder is the word embedding matrix, and its bias is lm_head.bias.
TIED = (("lm_head.decoder.weight", "embeddings.word_embeddings.weight"), ("lm_head.decoder.bias", "lm_head.bias"))
