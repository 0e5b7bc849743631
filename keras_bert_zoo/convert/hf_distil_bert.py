"""Hugging Face `transformers` DistilBERT <-> DistilBertBackbone: config and weight names."""

from keras_bert_zoo.convert import mapping
from keras_bert_zoo.text import hf_files

MODEL_TYPE = "distilbert"
ARCHITECTURE_PREFIX = "DistilBert"
BACKBONE_CLASS = "DistilBertBackbone"
# The tokenizer, and the module that reads its files in a checkpoint directory (the class's
# `HF_FILES`, named here so that reading a checkpoint imports no tokenizer, hence no TensorFlow).
TOKENIZER_CLASS, TOKENIZER_FILES = "BertTokenizer", hf_files
MODEL_PREFIX = "distilbert."
ACTIVATIONS = {"gelu": "gelu", "relu": "relu"}  # transformers' name -> ours
LAYER_NORM_EPSILON = 1e-12  # transformers' DistilBERT fixes it

# DistilBertBackbone argument -> `DistilBertConfig` key, with transformers' defaults.
_HF_NAMES = {
    "vocabulary_size": "vocab_size", "num_layers": "n_layers", "num_heads": "n_heads", "hidden_dim": "dim",
    "intermediate_dim": "hidden_dim", "max_sequence_length": "max_position_embeddings",
    "sinusoidal_positions": "sinusoidal_pos_embds", "dropout": "dropout", "initializer_range": "initializer_range",
}
_HF_DEFAULTS = {"vocab_size": 30522, "n_layers": 6, "n_heads": 12, "dim": 768, "hidden_dim": 3072,
                "max_position_embeddings": 512, "sinusoidal_pos_embds": False, "dropout": 0.1,
                "initializer_range": 0.02}


def backbone_spec(config):
    """DistilBertBackbone constructor arguments from a Hugging Face `DistilBertConfig` dict."""
    activation = config.get("activation", "gelu")
    if activation not in ACTIVATIONS:
        raise ValueError(f"activation={activation!r} is not supported; DistilBertBackbone has "
                         f"{sorted(ACTIVATIONS)}.")
    ours = {name: config.get(hf, _HF_DEFAULTS[hf]) for name, hf in _HF_NAMES.items()}
    return {"class_name": BACKBONE_CLASS, "config": {**ours, "activation": ACTIVATIONS[activation]}}


def hf_config(backbone_config):
    """A `DistilBertConfig` dict from DistilBertBackbone arguments (`backbone_spec`'s inverse)."""
    epsilon = backbone_config.get("layer_norm_epsilon", LAYER_NORM_EPSILON)
    if epsilon != LAYER_NORM_EPSILON:
        raise ValueError(f"transformers' DistilBERT has LayerNorm epsilon {LAYER_NORM_EPSILON}; this backbone "
                         f"has {epsilon}, which a DistilBertConfig cannot hold.")
    config = {hf: backbone_config[ours] for ours, hf in _HF_NAMES.items() if ours in backbone_config}
    dropout = backbone_config.get("dropout", 0.1)
    return {**config, "activation": backbone_config.get("activation", "gelu"), "attention_dropout": dropout,
            "qa_dropout": dropout, "seq_classif_dropout": dropout, "tie_word_embeddings": True}


EMBEDDINGS = [
    ("embeddings.word_embeddings.weight", "embeddings.token_embedding.embeddings"),
    ("embeddings.position_embeddings.weight", "embeddings.position_embedding.embeddings"),
    ("embeddings.LayerNorm", "embeddings.layer_norm"),
]
# TransformerBlock sublayer -> its name in a DistilBERT layer.
BLOCK_NAMES = {
    "attention.query": "attention.q_lin", "attention.key": "attention.k_lin", "attention.value": "attention.v_lin",
    "attention.output_dense": "attention.out_lin", "attention_layer_norm": "sa_layer_norm",
    "intermediate": "ffn.lin1", "output_dense": "ffn.lin2", "output_layer_norm": "output_layer_norm",
}
_PRE_CLASSIFIER = [("pre_classifier", "head.pre_classifier"), ("classifier", "head.dense")]
# Task -> its head's weights. DistilBERT has no next-sentence head, so no BertPretrainer.
HEADS = {
    "BertClassifier": _PRE_CLASSIFIER,
    "BertMultipleChoice": _PRE_CLASSIFIER,
    "BertTokenClassifier": [("classifier", "head.dense")],
    "BertQuestionAnswerer": [("qa_outputs", "head.dense")],
    "BertMaskedLM": [("vocab_transform", "masked_lm_head.dense"), ("vocab_layer_norm", "masked_lm_head.layer_norm"),
                     ("vocab_projector.bias", "masked_lm_head.output_bias")],
    "BertTextEmbedder": [],
}


def backbone_weights(backbone):
    """(Hugging Face name, Keras variable, transpose?) for every backbone weight."""
    return (mapping.table(backbone, EMBEDDINGS)
            + mapping.transformer_blocks("transformer.layer", backbone.layers_in_call_order(), BLOCK_NAMES))


def head_weights(task):
    """(Hugging Face name, Keras variable, transpose?) for a task's head."""
    return mapping.head_weights(task, HEADS)


def optional_weights(config):
    """DistilBERT checkpoints hold every backbone weight whatever the head."""
    return ()


# Weights of heads a backbone-only load leaves out: reported by name, not an error.
HEAD_PREFIXES = ("vocab_", "pre_classifier.", "classifier.", "qa_outputs.")
BUFFERS = ("embeddings.position_ids",)
# The MLM decoder is the word embedding matrix (its bias is the head's own).
TIED = (("vocab_projector.weight", "embeddings.word_embeddings.weight"),)
