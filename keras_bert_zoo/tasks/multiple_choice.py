"""Multiple choice (SWAG, ARC, RACE style) on any backbone of the zoo."""

import keras
import numpy as np
from keras import ops

from keras_bert_zoo.tasks import inputs as task_inputs
from keras_bert_zoo.tasks.task import Task, fine_tuning_optimizer


@keras.saving.register_keras_serializable(package="keras_bert_zoo")
class FlattenChoices(keras.layers.Layer):
    """Backbone inputs `(batch, num_choices, seq)` -> `(batch * num_choices, seq)`.

    The encoder reads every (context, choice) sequence on its own; the choice
    axis is folded into the batch so any backbone runs unchanged.
    """

    def call(self, features):
        return {key: ops.reshape(value, (-1, ops.shape(value)[-1])) for key, value in features.items()}

    def compute_output_shape(self, features_shape):
        return {key: (None, shape[-1]) for key, shape in features_shape.items()}


@keras.saving.register_keras_serializable(package="keras_bert_zoo")
class ChoiceScores(keras.layers.Layer):
    """One logit per flattened sequence `(batch * num_choices, 1)` -> `(batch, num_choices)`.

    The number of choices is read from the inputs at call time, so it may
    differ from one batch to the next.
    """

    def call(self, logits, token_ids):
        return ops.reshape(logits, (-1, ops.shape(token_ids)[1]))

    def compute_output_shape(self, logits_shape, token_ids_shape):
        return tuple(token_ids_shape[:2])


def _is_choice_input(x):
    """`(contexts, choices)`: a tuple whose first part is one string or a list/array of them."""
    if not isinstance(x, tuple) or len(x) != 2:
        return False
    contexts = x[0]
    return isinstance(contexts, str) or (
        isinstance(contexts, (list, np.ndarray)) and all(isinstance(c, str) for c in contexts)
    )


def check_labels(labels, num_choices):
    """Labels must be the integer index of the right choice: `0 <= label < num_choices`."""
    labels = np.asarray(labels)
    if labels.ndim != 1 or not np.issubdtype(labels.dtype, np.integer):
        raise ValueError(
            f"Multiple-choice labels must be a 1-D list of integer choice indices, got "
            f"dtype {labels.dtype} and shape {labels.shape}."
        )
    bad = labels[(labels < 0) | (labels >= num_choices)]
    if bad.size:
        raise ValueError(
            f"Label {int(bad[0])} is out of range: with {num_choices} choices a label is the index "
            f"of the right choice, in [0, {num_choices - 1}]."
        )
    return labels


@keras.saving.register_keras_serializable(package="keras_bert_zoo")
class BertMultipleChoice(Task):
    """Pick the right choice for a context (SWAG, ARC, RACE style questions).

    Every (context, choice) pair is encoded as `[CLS] context [SEP] choice
    [SEP]`; the backbone's multiple-choice head (its classification head with one output
    but for RoBERTa) scores each one (BERT: pooled `[CLS]` -> dropout -> dense(1), as Hugging Face's
    `BertForMultipleChoice`), and the scores of a context's choices form its
    float32 logits `(batch, num_choices)`. The number of choices may change
    from batch to batch but not within one.

    Inputs are the backbone's dict with a choice axis, each
    `(batch, num_choices, sequence)`. With a preprocessor, `fit`,
    `evaluate`, `predict` and `score` also take raw `(contexts, choices)`:
    `contexts` a list of str, `choices` a list of equally long lists of str.
    Labels are the index of the right choice.

    Args:
        backbone: a `Backbone`, e.g. `BertBackbone.from_preset("base")`.
        preprocessor: optional `MultipleChoicePreprocessor` (`from_preset` attaches one).
        dropout: dropout before the scoring layer.

    Example:
    >>> model = BertMultipleChoice.from_preset("base", sequence_length=64)
    >>> contexts = ["She opened her umbrella because"]
    >>> choices = [["it was raining.", "she was hungry.", "the sun set."]]
    >>> model.fit((contexts, choices), [0])
    >>> model.predict((contexts, choices)).shape  # (1, 3)
    """

    def __init__(self, backbone, preprocessor=None, dropout=0.1, **kwargs):
        head = backbone.multiple_choice_head(dropout)
        inputs = {
            name: keras.Input((None, None), dtype=tensor.dtype, name=name)
            for name, tensor in backbone.input.items()
        }
        logits = head(backbone(FlattenChoices(name="flatten_choices")(inputs)))
        # float32 policy: the scores stay float32 under mixed precision.
        scores = ChoiceScores(dtype="float32", name="choice_scores")(logits, inputs["token_ids"])
        super().__init__(inputs=inputs, outputs=scores, **kwargs)
        self._attach(backbone, preprocessor)
        self.head = head
        self.dropout = dropout
        self.compile()

    def head_config(self):
        return {"dropout": self.dropout}

    @classmethod
    def preprocessor_class(cls):
        from keras_bert_zoo.text.choice_preprocessor import MultipleChoicePreprocessor

        return MultipleChoicePreprocessor

    def compile(self, optimizer="auto", loss="auto", metrics="auto", **kwargs):
        """Defaults: AdamW (lr 5e-5, decay 0.01), cross-entropy over the choices, accuracy."""
        super().compile(
            optimizer=fine_tuning_optimizer() if optimizer == "auto" else optimizer,
            loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True)
            if loss == "auto"
            else loss,
            metrics=[keras.metrics.SparseCategoricalAccuracy("accuracy")]
            if metrics == "auto"
            else metrics,
            **kwargs,
        )

    def _num_choices(self, x):
        """The number of choices of raw or tokenized inputs (validating raw ones), else None."""
        if _is_choice_input(x):
            from keras_bert_zoo.text.choice_preprocessor import check_choices

            contexts, choices = x
            single = isinstance(contexts, str)
            return check_choices([contexts] if single else contexts, [choices] if single else choices)
        if isinstance(x, dict) and np.ndim(x.get("token_ids")) == 3:
            return np.shape(x["token_ids"])[1]
        return None

    def _text_featurizer(self, x):
        if not _is_choice_input(x):
            return None  # `_adapt` refuses plain strings
        self._num_choices(x)  # checks the choices
        return task_inputs.traced(self._require_preprocessor("BertMultipleChoice on raw (contexts, choices)"))

    def _adapt(self, x, y=None, sample_weight=None, batch_size=None, shuffle=False):
        num_choices = self._num_choices(x)
        if y is not None and num_choices is not None:
            check_labels(y, num_choices)
        if not _is_choice_input(x):
            if task_inputs.is_raw_text(x):
                raise ValueError(
                    "BertMultipleChoice takes (contexts, choices): a list of str and a list of "
                    "lists of str (the choices of each context), not plain strings."
                )
            return super()._adapt(x, y, sample_weight, batch_size, shuffle)
        self._require_preprocessor("BertMultipleChoice on raw (contexts, choices)")
        contexts, choices = x
        if isinstance(contexts, str):
            contexts, choices = [contexts], [choices]
        pairs = (list(contexts), [list(row) for row in choices])
        return task_inputs.text_to_dataset(self.preprocessor, pairs, y, sample_weight, batch_size, shuffle)

    def input_description(self):
        return ("(contexts, choices): a list of str and a list of equally long lists of str, or token ids: "
                f"a dict of {sorted(self.input)} arrays shaped (batch, choices, sequence)")

    def score(self, x, y, batch_size=None):
        """Accuracy of the highest-scoring choice: `{"accuracy": float}`.

        `x` is raw `(contexts, choices)`, a dict of tokenized inputs or a
        `tf.data.Dataset` of features; `y` the index of each right choice.
        """
        num_choices = self._num_choices(x)
        labels = check_labels(y, num_choices) if num_choices is not None else np.asarray(y)
        scores = self.predict(x, batch_size=batch_size, verbose=0)
        if len(scores) != len(labels):
            raise ValueError(f"{len(scores)} examples but {len(labels)} labels.")
        check_labels(labels, scores.shape[1])
        return {"accuracy": float(np.mean(np.argmax(scores, axis=-1) == labels))}
