"""Sequence classification, regression and multi-label classification on any backbone of the zoo."""

import keras
import numpy as np

from keras_bert_zoo.metrics import classification as metrics
from keras_bert_zoo.tasks.label_names import check_label_names, names_to_ids
from keras_bert_zoo.tasks.task import Task, fine_tuning_optimizer

SINGLE_LABEL, REGRESSION, MULTI_LABEL = (
    "single_label_classification", "regression", "multi_label_classification")


@keras.saving.register_keras_serializable(package="keras_bert_zoo")
class BertClassifier(Task):
    """Classify, or score, single sentences or sentence pairs.

    The backbone chooses its classification head (BERT: dropout and a dense
    layer on the pooled `[CLS]` output), so the same class serves every
    family. Outputs are float32 logits `(batch, num_classes)`, as Hugging
    Face's `BertForSequenceClassification` gives. The problem type follows
    transformers' conventions:

    - `num_classes >= 2`: single-label classification; labels are class ids
      `(batch,)`, softmax cross-entropy, accuracy.
    - `num_classes=1`: regression; labels are floats `(batch,)`, the output
      `(batch, 1)` is the predicted value, mean squared error, mean absolute error.
    - `multi_label=True`: independent yes/no per class; labels are multi-hot
      `(batch, num_classes)`, sigmoid binary cross-entropy, binary accuracy.

    Labels given as in-memory arrays or lists to `fit`, `evaluate` and
    `score` are checked first (type, shape, class ids in range) and raise a
    `ValueError`; labels inside a `tf.data.Dataset` are not checked. With
    `labels` (class names in id order) they may be names, `predict_labels`
    returns names, and presets and Hugging Face checkpoints (`id2label`)
    keep them.

    Args:
        backbone: a `Backbone`, e.g. `BertBackbone.from_preset("base")`.
        num_classes: number of classes (>= 2), or 1 for regression;
            defaults to `len(labels)`.
        labels: optional class names in id order, e.g. `["negative", "positive"]`.
        preprocessor: optional `BertPreprocessor`; with it, `fit`,
            `evaluate` and `predict` take raw strings or pairs.
        dropout: dropout before the output layer.
        multi_label: several classes may apply to one input (needs num_classes >= 2).

    Example:
    >>> clf = BertClassifier.from_preset("base", num_classes=2)
    >>> clf.fit(x=["a great film", "a dull film"], y=[1, 0])
    >>> clf.predict_labels(["what a film"])  # class ids
    >>> scorer = BertClassifier.from_preset("base", num_classes=1)
    >>> scorer.fit((["a cat sat"], ["a cat was sitting"]), [4.6])  # pairs -> similarity
    >>> scorer.score((["a cat sat"], ["a dog ran"]), [1.2])  # pearson, spearman, mse
    """

    HEAD_ARGUMENTS = ("num_classes", "labels")

    def __init__(self, backbone, num_classes=None, preprocessor=None, dropout=0.1, multi_label=False, labels=None,
                 **kwargs):
        if num_classes is None and labels is None:
            raise ValueError("Give num_classes (1 means regression) or labels (class names).")
        labels, num_classes = check_label_names(labels, num_classes)
        if labels is not None and num_classes == 1:
            raise ValueError("Regression (num_classes=1) has no class names; drop labels.")
        if not isinstance(multi_label, bool):
            raise ValueError(f"multi_label must be True or False, got {multi_label!r}.")
        if multi_label and num_classes == 1:
            raise ValueError("multi_label=True needs num_classes >= 2 (one sigmoid output per class); "
                             "for one yes/no label use num_classes=2.")
        head = backbone.classification_head(num_classes, dropout)
        inputs = backbone.input
        logits = head(backbone(inputs))
        super().__init__(inputs=inputs, outputs=logits, **kwargs)
        self._attach(backbone, preprocessor)
        self.head = head
        self.num_classes = num_classes
        self.dropout = dropout
        self.multi_label = multi_label
        self.labels = labels
        self.compile()

    @property
    def problem_type(self):
        """transformers' name of the task: single-label, multi-label classification or regression."""
        if self.num_classes == 1:
            return REGRESSION
        return MULTI_LABEL if self.multi_label else SINGLE_LABEL

    def head_config(self):
        return {"num_classes": self.num_classes, "dropout": self.dropout, "multi_label": self.multi_label,
                "labels": self.labels}

    def compile(self, optimizer="auto", loss="auto", metrics="auto", **kwargs):
        """Defaults: AdamW (lr 5e-5, decay 0.01) and the problem type's loss and metric (see the class)."""
        default_loss, default_metric = {
            SINGLE_LABEL: (keras.losses.SparseCategoricalCrossentropy(from_logits=True),
                           keras.metrics.SparseCategoricalAccuracy("accuracy")),
            REGRESSION: (keras.losses.MeanSquaredError(), keras.metrics.MeanAbsoluteError("mean_absolute_error")),
            # The outputs are logits: logit 0 is probability 0.5.
            MULTI_LABEL: (keras.losses.BinaryCrossentropy(from_logits=True),
                          keras.metrics.BinaryAccuracy("binary_accuracy", threshold=0.0)),
        }[self.problem_type]
        super().compile(
            optimizer=fine_tuning_optimizer() if optimizer == "auto" else optimizer,
            loss=default_loss if loss == "auto" else loss,
            metrics=[default_metric] if metrics == "auto" else metrics,
            **kwargs,
        )

    def check_labels(self, y):
        """In-memory labels as the loss expects them, or a ValueError saying what was expected.

        Returns int32 class ids `(n,)`, float32 values `(n,)` (regression) or
        float32 multi-hot `(n, num_classes)`; `None` and datasets pass through.
        """
        if y is None or hasattr(y, "element_spec"):
            return y
        labels = np.asarray(y)
        if labels.dtype.kind in "USO" and self.problem_type == SINGLE_LABEL:
            labels = names_to_ids(labels, self.labels)
        if labels.dtype.kind not in "biuf":
            raise ValueError(f"Labels must be numbers or class names, got dtype {labels.dtype}.")
        if self.problem_type == MULTI_LABEL:
            if labels.ndim != 2 or labels.shape[1] != self.num_classes:
                raise ValueError(f"Multi-label classification takes multi-hot labels of shape "
                                 f"(samples, {self.num_classes}), got {labels.shape}.")
            if not np.isin(labels, (0, 1)).all():
                raise ValueError("Multi-hot labels must be 0 or 1.")
            return labels.astype("float32")
        if labels.ndim == 2 and labels.shape[1] == 1:
            labels = labels[:, 0]
        if labels.ndim != 1:
            raise ValueError(f"{self.problem_type} takes one label per example, shape (samples,), got {labels.shape}.")
        if self.problem_type == REGRESSION:
            if not np.isfinite(labels).all():
                raise ValueError("Regression labels must be finite numbers (no nan or inf).")
            return labels.astype("float32")
        if labels.dtype.kind == "f" and not np.array_equal(labels, np.round(labels)):
            raise ValueError(f"Classification takes integer class ids, got float labels such as "
                             f"{labels[labels != np.round(labels)][0]}; for regression use num_classes=1.")
        bad = labels[(labels < 0) | (labels >= self.num_classes)]
        if bad.size:
            raise ValueError(f"Class ids must be in [0, {self.num_classes}) for num_classes={self.num_classes}, "
                             f"got {bad[0].item()!r}.")
        return labels.astype("int32")

    def fit(self, x=None, y=None, batch_size=None, validation_data=None, **kwargs):
        if isinstance(validation_data, tuple) and len(validation_data) in (2, 3):
            validation_data = (validation_data[0], self.check_labels(validation_data[1]), *validation_data[2:])
        return super().fit(x, self.check_labels(y), batch_size=batch_size, validation_data=validation_data,
                           **kwargs)

    def evaluate(self, x=None, y=None, batch_size=None, **kwargs):
        return super().evaluate(x, self.check_labels(y), batch_size=batch_size, **kwargs)

    def logits_to_labels(self, logits):
        """Class ids `(n,)` int32; regression values `(n,)` float32; multi-hot `(n, num_classes)`
        int32 with a class on where its probability exceeds 0.5."""
        logits = np.asarray(logits)
        if self.problem_type == REGRESSION:
            return logits[:, 0].astype("float32")
        if self.problem_type == MULTI_LABEL:
            return (logits > 0).astype("int32")
        return np.argmax(logits, axis=-1).astype("int32")

    def predict_labels(self, x, batch_size=None):
        """Predictions as labels, see `logits_to_labels`; `x` as for `predict`. With `labels`,
        class names instead of ids: a list of str, or for multi-label a list of lists of str."""
        predicted = self.logits_to_labels(self.predict(x, batch_size=batch_size, verbose=0))
        if self.labels is None or self.problem_type == REGRESSION:
            return predicted
        if self.problem_type == MULTI_LABEL:
            return [[self.labels[i] for i in np.flatnonzero(row)] for row in predicted]
        return [self.labels[i] for i in predicted]

    def score(self, x, y=None, batch_size=None):
        """The problem type's standard metrics over the whole set, as a dict of floats.

        Single-label: accuracy, macro_f1, matthews_correlation (and f1 of
        class 1 when binary). Regression: pearson, spearman, mse.
        Multi-label: micro_f1 and exact_match (rows right on every class).

        Args:
            x: what `predict` takes; or, with `y=None`, a `tf.data.Dataset`
                of `(features, labels)` batches (read once, in its order).
            y: labels for in-memory `x`.
        """
        if y is None:
            logits, labels = self._predict_with_labels(x)
        else:
            labels = self.check_labels(y)
            logits = self.predict(x, batch_size=batch_size, verbose=0)
        predicted = self.logits_to_labels(logits)
        if self.problem_type == REGRESSION:
            labels = np.reshape(labels, -1)
            return {"pearson": metrics.pearson(labels, predicted), "spearman": metrics.spearman(labels, predicted),
                    "mse": metrics.mean_squared_error(labels, predicted)}
        if self.problem_type == MULTI_LABEL:
            return {"micro_f1": metrics.f1_score(labels, predicted, average="micro"),
                    "exact_match": metrics.accuracy(labels, predicted)}
        labels = np.reshape(labels, -1)
        scores = {"accuracy": metrics.accuracy(labels, predicted),
                  "macro_f1": metrics.f1_score(labels, predicted, average="macro"),
                  "matthews_correlation": metrics.matthews_correlation(labels, predicted)}
        if self.num_classes == 2:
            scores["f1"] = metrics.f1_score(labels, predicted)
        return scores

    def _predict_with_labels(self, dataset):
        """Logits and labels of a labelled dataset, batch by batch so they stay aligned."""
        if not hasattr(dataset, "element_spec"):
            raise ValueError("score(x) without y needs a tf.data.Dataset of (features, labels).")
        logits, labels = [], []
        for features, batch_labels, *_ in (self._adapt(dataset) or dataset).as_numpy_iterator():
            logits.append(keras.ops.convert_to_numpy(self.predict_on_batch(features)))
            labels.append(batch_labels)
        return np.concatenate(logits), np.concatenate(labels)
