"""Hugging Face `transformers` BERT <-> BertBackbone: config and weight names."""

MODEL_TYPE = "bert"  # config.json's model_type
ARCHITECTURE_PREFIX = "Bert"  # of BertModel, BertForMaskedLM, ... (see convert.architectures)
BACKBONE_CLASS = "BertBackbone"
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


def _dense(prefix, layer):
    # torch.nn.Linear stores (out, in); a Keras kernel is (in, out).
    return [(f"{prefix}.weight", layer.kernel, True), (f"{prefix}.bias", layer.bias, False)]


def _layer_norm(prefix, layer):
    return [(f"{prefix}.weight", layer.gamma, False), (f"{prefix}.bias", layer.beta, False)]


def backbone_weights(backbone):
    """(Hugging Face name, Keras variable, transpose?) for every backbone weight."""
    embeddings = backbone.embeddings
    pairs = [
        ("embeddings.word_embeddings.weight", embeddings.token_embedding.embeddings, False),
        ("embeddings.position_embeddings.weight", embeddings.position_embedding.embeddings, False),
        ("embeddings.token_type_embeddings.weight", embeddings.segment_embedding.embeddings, False),
        *_layer_norm("embeddings.LayerNorm", embeddings.layer_norm),
    ]
    for index, block in enumerate(backbone.transformer_layers):
        prefix = f"encoder.layer.{index}"
        attention = block.attention
        pairs += _dense(f"{prefix}.attention.self.query", attention.query)
        pairs += _dense(f"{prefix}.attention.self.key", attention.key)
        pairs += _dense(f"{prefix}.attention.self.value", attention.value)
        pairs += _dense(f"{prefix}.attention.output.dense", attention.output_dense)
        pairs += _layer_norm(f"{prefix}.attention.output.LayerNorm", block.attention_layer_norm)
        pairs += _dense(f"{prefix}.intermediate.dense", block.intermediate)
        pairs += _dense(f"{prefix}.output.dense", block.output_dense)
        pairs += _layer_norm(f"{prefix}.output.LayerNorm", block.output_layer_norm)
    pairs += _dense("pooler.dense", backbone.pooler.dense)
    return pairs


def head_weights(task):
    """(Hugging Face name, Keras variable, transpose?) for a task's head."""
    name = type(task).__name__
    if name in WEIGHTLESS_HEADS:
        return []
    if name in DENSE_HEADS:
        return _dense(DENSE_HEADS[name], task.head.dense)
    if name in ("BertMaskedLM", "BertPretrainer"):
        head = task.masked_lm_head
        pairs = [
            *_dense("cls.predictions.transform.dense", head.dense),
            *_layer_norm("cls.predictions.transform.LayerNorm", head.layer_norm),
            ("cls.predictions.bias", head.output_bias, False),
        ]
        if name == "BertPretrainer":
            pairs += _dense("cls.seq_relationship", task.next_sentence_head.dense)
        return pairs
    raise ValueError(f"No Hugging Face head mapping for {name}.")


def optional_weights(config):
    """Backbone weights the checkpoint may lack: Hugging Face builds some models without a pooler."""
    if set(config.get("architectures") or ()) & set(POOLERLESS_ARCHITECTURES):
        return ("pooler.dense.weight", "pooler.dense.bias")
    return ()


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
# Tasks whose head has no weights (a sentence-transformers embedder pools and normalizes).
WEIGHTLESS_HEADS = ("BertTextEmbedder",)
# Tasks whose head is one dense layer (`task.head.dense`), by the Hugging Face name of that layer.
DENSE_HEADS = {
    "BertClassifier": "classifier",
    "BertTokenClassifier": "classifier",
    "BertMultipleChoice": "classifier",
    "BertQuestionAnswerer": "qa_outputs",
}
