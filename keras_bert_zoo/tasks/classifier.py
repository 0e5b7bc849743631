"""Sequence classification on any backbone of the zoo."""

import keras

from keras_bert_zoo.tasks.task import Task, fine_tuning_optimizer


@keras.saving.register_keras_serializable(package="keras_bert_zoo")
class BertClassifier(Task):
    """Classify single sentences or sentence pairs.

    The backbone chooses its classification head (BERT: dropout and a dense
    layer on the pooled `[CLS]` output), so the same class serves every
    family. Outputs are float32 logits `(batch, num_classes)`.

    Args:
        backbone: a `Backbone`, e.g. `BertBackbone.from_preset("base")`.
        num_classes: number of classes (>= 2).
        preprocessor: optional `BertPreprocessor`; with it, `fit`,
            `evaluate` and `predict` take raw strings or pairs.
        dropout: dropout before the output layer.

    Example:
    >>> clf = BertClassifier.from_preset("base", num_classes=2)
    >>> clf.fit(x=["a great film", "a dull film"], y=[1, 0])
    """

    def __init__(self, backbone, num_classes, preprocessor=None, dropout=0.1, **kwargs):
        if not isinstance(num_classes, int) or num_classes < 2:
            raise ValueError(f"num_classes must be an integer >= 2, got {num_classes!r}.")
        head = backbone.classification_head(num_classes, dropout)
        inputs = backbone.input
        logits = head(backbone(inputs))
        super().__init__(inputs=inputs, outputs=logits, **kwargs)
        self._attach(backbone, preprocessor)
        self.head = head
        self.num_classes = num_classes
        self.dropout = dropout
        self.compile()

    def head_config(self):
        return {"num_classes": self.num_classes, "dropout": self.dropout}

    def compile(self, optimizer="auto", loss="auto", metrics="auto", **kwargs):
        """Defaults: AdamW (lr 5e-5, decay 0.01), cross-entropy on logits, accuracy."""
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
