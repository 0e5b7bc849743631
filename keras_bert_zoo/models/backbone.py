"""Base class of every backbone: config, presets, saving, the heads every family shares."""

import keras

from keras_bert_zoo import presets
from keras_bert_zoo.layers import MaskedLMHead, SpanHead, TokenClassificationHead
from keras_bert_zoo.layers import encoder


class Backbone(keras.Model):
    """A transformer encoder as a functional `keras.Model` subclass.

    Subclasses build their graph in `__init__` (so weights exist right after
    construction, which conversion and saving rely on) and record their
    constructor arguments and layers with `_keep_layers(locals(), ...)`; `get_config()`
    returns exactly those, and `from_config(config)` is `cls(**config)`.

    A backbone loaded with `from_preset` keeps the preset's tokenizer in
    `tokenizer` (None otherwise), so `save_to_preset` writes it back.
    """

    tokenizer = None

    def _remember_config(self, arguments):
        self._constructor_config = {
            key: value
            for key, value in arguments.items()
            if key not in ("self", "kwargs", "__class__", "dtype")
        }

    @staticmethod
    def _encode(embedded, mask, config, dtype):
        """Runs the transformer stack of constructor arguments `config` on the embedded tokens:
        `(sequence_output, blocks)`, the blocks distinct (shared ones once, see
        `layers.encoder.transformer_stack`)."""
        blocks, calls = encoder.transformer_stack(
            config["num_layers"], config["hidden_dim"], config["num_heads"], config["intermediate_dim"],
            num_layer_groups=config.get("num_layer_groups"), layers_per_group=config.get("layers_per_group", 1),
            dropout=config["dropout"], layer_norm_epsilon=config["layer_norm_epsilon"],
            initializer_range=config["initializer_range"], activation=config.get("activation", "gelu"), dtype=dtype)
        for block in calls:
            embedded = block(embedded, mask)
        return embedded, blocks

    def _keep_layers(self, config, embeddings, blocks, pooler=None):
        """Records the constructor arguments `config` and attaches the layers, which must come
        after the functional `__init__` (the torch backend refuses sub-modules before it)."""
        self._remember_config(config)
        self.embeddings = embeddings
        self.transformer_layers = blocks  # distinct: a shared block once
        if pooler is not None:
            self.pooler = pooler

    def layer_groups(self):
        """The distinct blocks group by group (ALBERT's `albert_layer_groups`); without shared
        layers, one group per layer."""
        return encoder.layer_groups(self.transformer_layers, self._constructor_config.get("layers_per_group", 1))

    def layers_in_call_order(self):
        """The blocks in the order the encoder runs them: a shared block once per layer that runs it."""
        config = self._constructor_config
        return encoder.calls_in_order(self.transformer_layers, config["num_layers"], config.get("num_layer_groups"),
                                      config.get("layers_per_group", 1))

    def get_config(self):
        return {
            "name": self.name,
            "trainable": self.trainable,
            "dtype": keras.dtype_policies.serialize(self.dtype_policy),
            **self._constructor_config,
        }

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        if isinstance(config.get("dtype"), dict):
            config["dtype"] = keras.dtype_policies.deserialize(config["dtype"])
        return cls(**config)

    @property
    def max_sequence_length(self):
        """The longest input, in tokens, that the backbone has positions for."""
        return self._constructor_config["max_sequence_length"]

    def classification_head(self, num_classes, dropout):
        """The layer that turns this backbone's outputs into class logits."""
        raise NotImplementedError(f"{type(self).__name__} has no classification head.")

    def multiple_choice_head(self, dropout):
        """The layer that scores one (context, choice) sequence: the classification head with one
        output, except where a family's multiple-choice model reads something else (RoBERTa)."""
        return self.classification_head(1, dropout)

    def token_classification_head(self, num_classes, dropout):
        """The layer that turns this backbone's outputs into per-token class logits: dropout and a
        dense layer on every token (every family's)."""
        return TokenClassificationHead(num_classes, dropout=dropout,
                                       initializer_range=self._constructor_config["initializer_range"],
                                       dtype=self.dtype_policy, name="token_classification_head")

    def span_head(self, dropout=0.0):
        """The layer that turns this backbone's outputs into answer start/end logits."""
        return SpanHead(self._constructor_config["initializer_range"], dropout=dropout, dtype=self.dtype_policy,
                        name="span_head")

    def masked_lm_head(self):
        """The layer that predicts tokens at mask positions, tied to this backbone's token embeddings
        (`self.embeddings.token_embedding`): dense to the embedding width (ALBERT's is narrower than
        the model), the feed-forward's activation, LayerNorm, the embeddings and a bias."""
        config = self._constructor_config
        return MaskedLMHead(config["vocabulary_size"], config.get("embedding_dim") or config["hidden_dim"],
                            token_embedding=self.embeddings.token_embedding,
                            activation=config.get("activation", "gelu"),
                            layer_norm_epsilon=config["layer_norm_epsilon"],
                            initializer_range=config["initializer_range"], dtype=self.dtype_policy,
                            name="masked_lm_head")

    def next_sentence_head(self):
        """The layer that turns the pooled output into next-sentence (or sentence-order) logits."""
        raise NotImplementedError(f"{type(self).__name__} has no next sentence head.")

    @classmethod
    def from_preset(cls, preset, load_weights=True, **overrides):
        """Build a backbone from a preset name, a saved directory or a checkpoint.

        Args:
            preset: a built-in preset name (see `keras_bert_zoo.list_presets()`),
                a directory written by `save_to_preset`, a Hugging Face
                checkpoint directory, or `hf://org/name`.
            load_weights: False gives a randomly initialised model of the
                preset's architecture (no download needed).
            **overrides: constructor arguments to change, e.g. `dropout=0.0`.
        """
        resolved = presets.resolve(preset, need_weights=load_weights)
        backbone = resolved.build_backbone(expected_class=cls, **overrides)
        if load_weights:
            resolved.load_weights(backbone)
        if resolved.has_tokenizer() and "vocabulary_size" not in overrides:  # else a new vocabulary's
            backbone.tokenizer = resolved.build_tokenizer()
        return backbone

    def save_to_preset(self, directory, tokenizer=None):
        """Write `preset.json`, `backbone.safetensors` and the vocabulary of `tokenizer`
        (default: the tokenizer of the preset this backbone was loaded from, if any)."""
        presets.save(directory, backbone=self, tokenizer=tokenizer or self.tokenizer)

    def save_to_huggingface(self, directory, tokenizer=None):
        """Write a Hugging Face checkpoint (config.json, model.safetensors and the files of
        `tokenizer`, default the preset's) that `transformers.AutoModel` loads to the same outputs."""
        from keras_bert_zoo.convert.hf_export import save_to_huggingface

        return save_to_huggingface(self, directory, tokenizer=tokenizer)
