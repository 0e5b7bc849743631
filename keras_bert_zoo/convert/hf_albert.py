"""Hugging Face `transformers` ALBERT <-> AlbertBackbone: config and weight names.

transformers keeps the embedding projection in the encoder (`embedding_hidden_mapping_in`) and
names each distinct block by its group and place in the group
(`encoder.albert_layer_groups.{g}.albert_layers.{j}`), once however many layers run it.
"""

from keras_bert_zoo.convert import hf_bert, mapping
from keras_bert_zoo.text import sentencepiece_files

MODEL_TYPE = "albert"
ARCHITECTURE_PREFIX = "Albert"
BACKBONE_CLASS = "AlbertBackbone"
# The tokenizer, and the module that reads its files in a checkpoint directory (the class's
# `HF_FILES`, named here so that reading a checkpoint imports no tokenizer, hence no TensorFlow).
TOKENIZER_CLASS, TOKENIZER_FILES = "AlbertTokenizer", sentencepiece_files
MODEL_PREFIX = "albert."
# transformers' activation name -> ours; gelu_new and gelu_pytorch_tanh are both the tanh form.
ACTIVATIONS = {"gelu_new": "gelu_approximate", "gelu_pytorch_tanh": "gelu_approximate", "gelu": "gelu",
               "relu": "relu"}
_HF_ACTIVATION = {"gelu_approximate": "gelu_new", "gelu": "gelu", "relu": "relu"}

# AlbertBackbone argument -> `AlbertConfig` key, with transformers' defaults (ALBERT-xxlarge's).
_HF_NAMES = {
    "vocabulary_size": "vocab_size", "num_layers": "num_hidden_layers", "num_heads": "num_attention_heads",
    "hidden_dim": "hidden_size", "intermediate_dim": "intermediate_size", "embedding_dim": "embedding_size",
    "num_layer_groups": "num_hidden_groups", "layers_per_group": "inner_group_num",
    "max_sequence_length": "max_position_embeddings", "num_segments": "type_vocab_size",
    "dropout": "hidden_dropout_prob", "classifier_dropout": "classifier_dropout_prob",
    "layer_norm_epsilon": "layer_norm_eps", "initializer_range": "initializer_range",
}
_HF_DEFAULTS = {"vocab_size": 30000, "num_hidden_layers": 12, "num_attention_heads": 64, "hidden_size": 4096,
                "intermediate_size": 16384, "embedding_size": 128, "num_hidden_groups": 1, "inner_group_num": 1,
                "max_position_embeddings": 512, "type_vocab_size": 2, "hidden_dropout_prob": 0.0,
                "classifier_dropout_prob": 0.1, "layer_norm_eps": 1e-12, "initializer_range": 0.02}


def backbone_spec(config):
    """AlbertBackbone constructor arguments from a Hugging Face `AlbertConfig` dict."""
    activation = config.get("hidden_act", "gelu_new")
    if activation not in ACTIVATIONS:
        raise ValueError(f"hidden_act={activation!r} is not supported; AlbertBackbone has {sorted(ACTIVATIONS)}.")
    position_type = config.get("position_embedding_type", "absolute")
    if position_type != "absolute":
        raise ValueError(f"position_embedding_type={position_type!r} is not supported.")
    ours = {name: config[hf] if config.get(hf) is not None else _HF_DEFAULTS[hf] for name, hf in _HF_NAMES.items()}
    if config.get("classifier_dropout_prob", 0.1) is None:  # transformers falls back to the hidden dropout
        ours["classifier_dropout"] = ours["dropout"]
    return {"class_name": BACKBONE_CLASS, "config": {**ours, "activation": ACTIVATIONS[activation]}}


def hf_config(backbone_config):
    """An `AlbertConfig` dict from AlbertBackbone arguments (`backbone_spec`'s inverse)."""
    config = {hf: backbone_config[ours] for ours, hf in _HF_NAMES.items() if ours in backbone_config}
    return {**config, "hidden_act": _HF_ACTIVATION[backbone_config.get("activation", "gelu_approximate")],
            "attention_probs_dropout_prob": backbone_config.get("dropout", 0.0)}


EMBEDDINGS = [
    ("embeddings.word_embeddings.weight", "embeddings.token_embedding.embeddings"),
    ("embeddings.position_embeddings.weight", "embeddings.position_embedding.embeddings"),
    ("embeddings.token_type_embeddings.weight", "embeddings.segment_embedding.embeddings"),
    ("embeddings.LayerNorm", "embeddings.layer_norm"),
    ("encoder.embedding_hidden_mapping_in", "embeddings.projection"),
]
# TransformerBlock sublayer -> its name in an ALBERT layer.
BLOCK_NAMES = {
    "attention.query": "attention.query", "attention.key": "attention.key", "attention.value": "attention.value",
    "attention.output_dense": "attention.dense", "attention_layer_norm": "attention.LayerNorm",
    "intermediate": "ffn", "output_dense": "ffn_output", "output_layer_norm": "full_layer_layer_norm",
}


def backbone_weights(backbone):
    """(Hugging Face name, Keras variable, transpose?) for every backbone weight."""
    blocks = [triple for index, group in enumerate(backbone.layer_groups())
              for triple in mapping.transformer_blocks(f"encoder.albert_layer_groups.{index}.albert_layers", group,
                                                       BLOCK_NAMES)]
    return mapping.table(backbone, EMBEDDINGS) + blocks + mapping.table(backbone, [("pooler", "pooler.dense")])


_MASKED_LM = [("predictions.dense", "masked_lm_head.dense"), ("predictions.LayerNorm", "masked_lm_head.layer_norm"),
              ("predictions.bias", "masked_lm_head.output_bias")]
# Task -> its head's weights: the fine-tuning heads are named as BERT's.
HEADS = {**hf_bert.FINE_TUNING_HEADS, "BertMaskedLM": _MASKED_LM,
         "BertPretrainer": _MASKED_LM + [("sop_classifier.classifier", "next_sentence_head.dense")]}


def head_weights(task):
    """(Hugging Face name, Keras variable, transpose?) for a task's head."""
    return mapping.head_weights(task, HEADS)


# transformers builds these with add_pooling_layer=False.
POOLERLESS_ARCHITECTURES = ("AlbertForMaskedLM", "AlbertForTokenClassification", "AlbertForQuestionAnswering")


def optional_weights(config):
    """Backbone weights the checkpoint may lack: the pooler of heads that do not read it."""
    return mapping.pooler_weights_if_poolerless(config, POOLERLESS_ARCHITECTURES, pooler="pooler")


# Weights of heads a backbone-only load leaves out: reported by name, not an error.
HEAD_PREFIXES = ("predictions.", "sop_classifier.", "classifier.", "qa_outputs.")
BUFFERS = ("embeddings.position_ids", "embeddings.token_type_ids")
# The MLM decoder is the word embedding matrix, and its bias is predictions.bias.
TIED = (("predictions.decoder.weight", "embeddings.word_embeddings.weight"),
        ("predictions.decoder.bias", "predictions.bias"))
