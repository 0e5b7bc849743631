"""Base class of task models: a backbone, a head and an optional preprocessor."""

import warnings

import keras

from keras_bert_zoo import presets
from keras_bert_zoo.tasks import inputs, serving

FINE_TUNING_LEARNING_RATE = 5e-5  # The largest of BERT's recommended {5e-5, 3e-5, 2e-5}.
# BERT decays neither biases nor LayerNorm scales/offsets (Keras names them gamma/beta).
NO_WEIGHT_DECAY = ["bias", "gamma", "beta"]
_ATTACH_PREPROCESSOR = ("Attach one to read text: `task.preprocessor = BertPreprocessor(BertTokenizer(\"vocab.txt\"), "
                        "sequence_length=128)` (the task's own `preprocessor_class()` for tagging, QA and "
                        "multiple choice), or load a preset whose directory holds its vocabulary.")
POOLER_ONLY_WITHOUT_GRADIENTS = r"Gradients do not exist for variables \['pooler/dense/kernel', 'pooler/dense/bias'\]"


def fine_tuning_optimizer(learning_rate=FINE_TUNING_LEARNING_RATE, weight_decay=0.01, total_steps=None,
                          warmup_ratio=0.1, gradient_accumulation_steps=1):
    """AdamW as BERT fine-tunes: no weight decay on biases and LayerNorm parameters.

    Without `total_steps` the learning rate is constant (the tasks' compile
    default, which cannot know the length of the coming `fit`). With it, the
    optimizer is BERT's full fine-tuning recipe, which is its pretraining one
    at a smaller rate (`pretraining_optimizer`: linear warmup over
    `warmup_ratio` of the `total_steps` updates, linear decay to 0, gradient
    clipping at 1.0, epsilon 1e-6), with `gradient_accumulation_steps` batches
    per update.
    """
    if total_steps is not None:
        from keras_bert_zoo.training.optimizers import pretraining_optimizer

        if not 0 <= warmup_ratio <= 1:
            raise ValueError(f"warmup_ratio must be in [0, 1], got {warmup_ratio!r}")
        return pretraining_optimizer(total_steps, learning_rate=learning_rate,
                                     warmup_steps=round(warmup_ratio * total_steps), weight_decay=weight_decay,
                                     gradient_accumulation_steps=gradient_accumulation_steps)
    optimizer = keras.optimizers.AdamW(learning_rate=learning_rate, weight_decay=weight_decay,
                                       gradient_accumulation_steps=gradient_accumulation_steps
                                       if gradient_accumulation_steps > 1 else None)
    optimizer.exclude_from_weight_decay(var_names=NO_WEIGHT_DECAY)
    return optimizer


def _one_iterator_for_all_epochs(dataset, fit_kwargs, steps_argument):
    """`dataset` (a finite pipeline built from raw inputs) repeated, its length set in
    `fit_kwargs[steps_argument]`, so that Keras keeps one iterator for every epoch.

    Creating a `tf.data` iterator instantiates the map functions, and the tokenizer's graph is
    large: about 0.7 s on a 2-core CPU, per epoch and per validation pass, however small the
    data. Each repetition still reshuffles. A user's own `steps_per_epoch` keeps the dataset as is.
    """
    steps = int(dataset.cardinality())
    if steps_argument in fit_kwargs or steps <= 0:
        return dataset
    fit_kwargs[steps_argument] = steps
    return dataset.repeat()


class InputAdaptingModel(keras.Model):
    """A `keras.Model` whose `fit`, `evaluate` and `predict` first pass their
    inputs through `self._adapt`, which turns raw inputs (strings, pairs,
    examples) into a preprocessed `tf.data` pipeline, or returns None to
    leave them to Keras."""

    def _adapt(self, x, y=None, sample_weight=None, batch_size=None, shuffle=False):
        return None

    def input_description(self):
        """What `fit`, `evaluate` and `predict` take, for errors about other inputs."""
        names = sorted(self.input) if isinstance(self.input, dict) else "the model's inputs"
        return f"a dict of {names} arrays or a tf.data.Dataset of them"

    def _adapted(self, x, y=None, sample_weight=None, batch_size=None, shuffle=False):
        """`_adapt`'s dataset, or None after checking that Keras can take `x` as it is."""
        dataset = self._adapt(x, y, sample_weight, batch_size, shuffle)
        if dataset is None:
            inputs.check_model_inputs(self, x, self.input_description())
        return dataset

    def fit(self, x=None, y=None, batch_size=None, validation_data=None, shuffle=True,
            sample_weight=None, group_by_length=True, **kwargs):
        """Keras `fit`; raw inputs are preprocessed in a `tf.data` pipeline first.

        With `shuffle` and `group_by_length` (the default), in-memory raw text is batched
        by length as transformers' `group_by_length` does (see `inputs.shuffled_batches`):
        batches of similar lengths, each padded to its longest, in a new order every epoch.
        """
        if shuffle and group_by_length:
            shuffle = inputs.BY_LENGTH
        dataset = self._adapted(x, y, sample_weight, batch_size, shuffle)
        if dataset is not None:
            if kwargs.get("validation_split"):
                raise ValueError("validation_split needs array inputs; pass validation_data for raw text.")
            # The dataset is already shuffled each epoch; Keras cannot shuffle one.
            x, y, sample_weight, batch_size, shuffle = dataset, None, None, None, False
            x = _one_iterator_for_all_epochs(x, kwargs, "steps_per_epoch")
        elif hasattr(x, "element_spec"):  # a tf.data.Dataset: the pipeline decides its order
            shuffle = False
        shuffle = bool(shuffle)
        raw_validation = validation_data
        if isinstance(validation_data, tuple):  # (x, y) or (x, y, sample_weight), raw or not
            validation_data = self._adapted(*validation_data, batch_size=batch_size) or validation_data
        elif validation_data is not None:
            validation_data = self._adapted(validation_data) or validation_data
        if validation_data is not raw_validation:
            validation_data = _one_iterator_for_all_epochs(validation_data, kwargs, "validation_steps")
        with warnings.catch_warnings():
            # Tasks that read only the sequence output (tagging, QA, embeddings,
            # masked LM) leave the pooler without gradients, by design.
            warnings.filterwarnings("ignore", message=POOLER_ONLY_WITHOUT_GRADIENTS)
            return super().fit(x, y, batch_size=batch_size, validation_data=validation_data,
                               shuffle=shuffle, sample_weight=sample_weight, **kwargs)

    def evaluate(self, x=None, y=None, batch_size=None, sample_weight=None, **kwargs):
        dataset = self._adapted(x, y, sample_weight, batch_size)
        if dataset is not None:
            x, y, sample_weight, batch_size = dataset, None, None, None
        return super().evaluate(x, y, batch_size=batch_size, sample_weight=sample_weight, **kwargs)

    def predict(self, x, batch_size=None, verbose="auto", **kwargs):
        """Keras `predict`. In-memory raw text goes through `_text_featurizer` instead of a
        `tf.data` pipeline (whose construction costs more than a small batch's forward pass):
        it is run longest first, each batch padded to its longest, and the outputs come back
        in the input order."""
        featurize = None if kwargs else self._text_featurizer(x)
        if featurize is not None:
            return inputs.predict_text(self, featurize, x, batch_size or 32, verbose)
        dataset = self._adapted(x, batch_size=batch_size)
        if dataset is not None:
            x, batch_size = dataset, None
        return super().predict(x, batch_size=batch_size, verbose=verbose, **kwargs)

    def serving_function(self, jit_compile="auto", batch_size=32):
        """`predict` for serving: a function `serve(x)` from what `predict` takes in memory (raw
        text where the task reads it, or a dict of token-id arrays) to the model's outputs as numpy.

        It calls the inference pass directly, compiled once per input shape, without
        `predict_on_batch`'s per-call work: on TensorFlow with XLA, on JAX with `jax.jit`,
        on PyTorch eagerly under `torch.no_grad()` ("auto"; `jit_compile=True` there is
        `torch.compile`, which takes minutes per shape on a CPU). Raw text is featurized and
        batched as `predict` does it (longest first, `batch_size` at a time, outputs in the
        input order). The first call at each shape pays its compilation; later training is
        seen, since the weights are read on every call. See `tasks.serving`.
        """
        forward = serving.compiled_forward(self, jit_compile)

        def serve(x):
            featurize = self._text_featurizer(x)
            if featurize is not None:
                return inputs.predict_text(self, featurize, x, batch_size, verbose=0, forward=forward)
            if not isinstance(x, dict):
                raise ValueError(f"A serving function takes one batch in memory: {self.input_description()}; "
                                 f"got {inputs.describe(x)}.")
            inputs.check_model_inputs(self, x, self.input_description())
            return forward(x)

        return serve

    def _text_featurizer(self, x):
        """For in-memory raw text `x` (checked): a function from a batch of it to the model's
        inputs, e.g. the traced preprocessor; None leaves `x` to `_adapt` and Keras."""
        return None


class Task(InputAdaptingModel):
    """A functional `keras.Model` subclass over a backbone.

    Subclasses build their head in `__init__`, list their own constructor
    arguments in `head_config()`, and give defaults in `default_compile()`.
    With a preprocessor attached, `fit`, `evaluate` and `predict` accept raw
    strings, sentence pairs (a tuple of two lists) and `tf.data` datasets of
    strings; already-tokenized dicts pass straight through.
    """

    # Constructor arguments that shape (or give meaning to) the head's weights: when
    # `from_preset` is given one that differs from the saved task's, the head starts afresh.
    HEAD_ARGUMENTS = ()

    def _attach(self, backbone, preprocessor):
        self.backbone = backbone
        self.preprocessor = preprocessor

    @property
    def preprocessor(self):
        """What turns raw inputs into token ids (None: the task takes token ids only)."""
        return self._preprocessor

    @preprocessor.setter
    def preprocessor(self, preprocessor):
        # Longer inputs than the learned positions gather out of range: NaN on JAX, an
        # error deep inside the graph elsewhere. Refuse them where the pairing is made.
        positions = self.backbone.max_sequence_length
        length = getattr(preprocessor, "sequence_length", None)
        if length is not None and length > positions:
            raise ValueError(f"The preprocessor's sequence_length={length} is longer than the "
                             f"{positions} positions of the {type(self.backbone).__name__}; use a "
                             f"sequence_length of at most {positions}.")
        # A backbone without segment embeddings (DistilBERT) takes no segment_ids.
        self._preprocessor = preprocessor.for_backbone(self.backbone) if hasattr(preprocessor, "for_backbone") \
            else preprocessor

    def head_config(self):
        """Constructor arguments other than the backbone and the preprocessor."""
        raise NotImplementedError

    def head_weights(self):
        """The task's own variables (everything outside the backbone)."""
        backbone_ids = {id(variable) for variable in self.backbone.weights}
        return [variable for variable in self.weights if id(variable) not in backbone_ids]

    def get_config(self):
        return {
            "name": self.name,
            "trainable": self.trainable,
            "backbone": keras.saving.serialize_keras_object(self.backbone),
            "preprocessor": keras.saving.serialize_keras_object(self.preprocessor)
            if self.preprocessor is not None
            else None,
            **self.head_config(),
        }

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        config["backbone"] = keras.saving.deserialize_keras_object(config["backbone"])
        if config.get("preprocessor") is not None:
            config["preprocessor"] = keras.saving.deserialize_keras_object(config["preprocessor"])
        return cls(**config)

    @classmethod
    def from_preset(cls, preset, load_weights=True, sequence_length=None, **kwargs):
        """Build the task from a preset name, a saved directory or a checkpoint.

        The preset's head is loaded when it was saved by this task class with
        the same head-shaping arguments (`HEAD_ARGUMENTS`, e.g. `num_classes`);
        otherwise the backbone is loaded, the head starts from random weights
        and a warning names the weights that were not loaded (as transformers'
        `ignore_mismatched_sizes` does).

        Args:
            preset: see `Backbone.from_preset`.
            load_weights: False gives random weights (no download needed).
            sequence_length: preprocessor length (default: the preset's, else
                the backbone's number of positions).
            **kwargs: task arguments such as `num_classes`; they override the
                preset's saved task arguments.
        """
        resolved = presets.resolve(preset, need_weights=load_weights)
        backbone = resolved.build_backbone()
        saved_class, saved = resolved.saved_task_class(), resolved.task_config(cls)
        changed = {name: saved[name] for name in cls.HEAD_ARGUMENTS
                   if name in kwargs and name in saved and kwargs[name] != saved[name]}
        if changed:  # the saved head's arguments belong together (labels and num_classes)
            saved = {name: value for name, value in saved.items() if name not in cls.HEAD_ARGUMENTS}
        preprocessor = None
        if resolved.has_tokenizer():
            preprocessor_class = cls.preprocessor_class()
            length = sequence_length or resolved.sequence_length(default=backbone.max_sequence_length)
            preprocessor = preprocessor_class(resolved.build_tokenizer(), sequence_length=length,
                                              **resolved.preprocessor_options(preprocessor_class))
        else:
            warnings.warn(f"{resolved.name} has no tokenizer (vocab.txt or tokenizer.json), so this "
                          f"{cls.__name__} takes token ids only. {_ATTACH_PREPROCESSOR}", stacklevel=2)
        task = cls(backbone=backbone, preprocessor=preprocessor, **{**saved, **kwargs})
        if load_weights:
            load_head = saved_class == cls.__name__ and not changed
            resolved.load_weights(backbone, task if load_head else None)
            if not load_head and task.head_weights():
                if changed:
                    reason = ", ".join(f"{name}={kwargs[name]!r} differs from the saved {value!r}"
                                       for name, value in changed.items())
                else:
                    reason = f"the preset's head is a {saved_class}'s" if saved_class else "the preset has no task head"
                warnings.warn(f"{cls.__name__} from {resolved.name}: {reason}, so the head is newly "
                              f"initialised (not loaded: {', '.join(v.path for v in task.head_weights())}). "
                              f"Train it before use.", stacklevel=2)
        return task

    @classmethod
    def preprocessor_class(cls):
        """The preprocessor class `from_preset` attaches: `BertPreprocessor` (strings and pairs).

        Tasks whose inputs are words or question/context windows override
        this. The class is built as `(tokenizer, sequence_length=..., **saved
        options)` and exposes `tokenizer`, `sequence_length` and `get_config()`.
        """
        from keras_bert_zoo.text import BertPreprocessor

        return BertPreprocessor

    def save_to_preset(self, directory, **backbone_config):
        """Write a preset directory that `from_preset` loads back to identical outputs.

        Args:
            directory: where to write.
            **backbone_config: backbone constructor arguments to record in place of
                the backbone's own, e.g. `dropout=0.1` for a model pretrained without
                dropout that should fine-tune with it.
        """
        pre = self.preprocessor
        presets.save(
            directory,
            backbone=self.backbone,
            tokenizer=pre.tokenizer if pre is not None else None,
            task=self,
            preprocessor=pre,
            backbone_config=backbone_config,
        )

    def save_to_huggingface(self, directory):
        """Write a Hugging Face checkpoint (config.json, model.safetensors, the tokenizer's files)
        that `transformers`' matching `AutoModelFor...` loads to the same logits; see
        `convert.hf_export.save_to_huggingface`."""
        from keras_bert_zoo.convert.hf_export import save_to_huggingface

        return save_to_huggingface(self, directory)

    def _require_preprocessor(self, what):
        """The preprocessor, or an error saying that `what` (e.g. "fill_mask") needs one."""
        if self.preprocessor is None:
            raise ValueError(f"{what} needs a preprocessor to read text, and this {type(self).__name__} "
                             f"has none. {_ATTACH_PREPROCESSOR}")
        return self.preprocessor

    def input_description(self):
        names = sorted(self.input)
        if self.preprocessor is None:
            return f"token ids: a dict of {names} arrays or a tf.data.Dataset of them (it has no preprocessor)"
        return (f"texts (a str, a list of str, or a tuple of two equally long lists of str for pairs), a "
                f"tf.data.Dataset of them, or token ids: a dict of {names} arrays")

    def _text_featurizer(self, x):
        if not inputs.is_raw_text(x):
            return None
        return inputs.traced(self._require_preprocessor(f"{type(self).__name__} on text"))

    def _adapt(self, x, y=None, sample_weight=None, batch_size=None, shuffle=False):
        """Turn raw text into a preprocessed dataset; leave other inputs alone."""
        if inputs.is_raw_text(x):
            self._require_preprocessor(f"{type(self).__name__} on text")
            return inputs.text_to_dataset(self.preprocessor, x, y, sample_weight, batch_size, shuffle)
        if inputs.dataset_needs_preprocessing(x):
            self._require_preprocessor(f"{type(self).__name__} on a dataset of text")
            if y is not None:
                raise ValueError("When x is a tf.data.Dataset, labels come from the dataset; y must be None.")
            return inputs.preprocess_dataset(self.preprocessor, x, batch_size)
        return None
