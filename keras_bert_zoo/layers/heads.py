"""Output heads that sit on a backbone."""

import keras
from keras import ops

from keras_bert_zoo.layers.attention import dense


@keras.saving.register_keras_serializable(package="keras_bert_zoo")
class Pooler(keras.layers.Layer):
    """BERT's pooler: a tanh dense layer on the first (`[CLS]`) token."""

    def __init__(self, hidden_dim, initializer_range=0.02, **kwargs):
        super().__init__(**kwargs)
        self.hidden_dim = hidden_dim
        self.initializer_range = initializer_range
        self.dense = dense(hidden_dim, initializer_range, self.dtype_policy, "dense", "tanh")

    def build(self, sequence_shape):
        self.dense.build((sequence_shape[0], sequence_shape[-1]))
        self.built = True

    def call(self, sequence_output):
        return self.dense(sequence_output[:, 0, :])

    def compute_output_shape(self, sequence_shape):
        return (sequence_shape[0], self.hidden_dim)

    def get_config(self):
        config = super().get_config()
        config.update(hidden_dim=self.hidden_dim, initializer_range=self.initializer_range)
        return config


@keras.saving.register_keras_serializable(package="keras_bert_zoo")
class ClassificationHead(keras.layers.Layer):
    """Dropout and a dense layer on the backbone's pooled output (BERT's head).

    Families whose classification head differs (RoBERTa, DistilBERT) provide
    their own head layer through their backbone; task classes stay the same.

    Call arguments:
        outputs: the backbone's output dict; `pooled_output` is used.
    """

    def __init__(self, num_classes, dropout=0.1, initializer_range=0.02, **kwargs):
        super().__init__(**kwargs)
        self.num_classes = num_classes
        self.dropout = dropout
        self.initializer_range = initializer_range
        self.dropout_layer = keras.layers.Dropout(dropout, dtype=self.dtype_policy)
        self.dense = dense(num_classes, initializer_range, self.dtype_policy, "dense")

    FEATURE = "pooled_output"  # the backbone output the head reads

    def build(self, outputs_shape):
        self.dense.build(outputs_shape[self.FEATURE])
        self.built = True

    def call(self, outputs, training=None):
        features = self.dropout_layer(outputs[self.FEATURE], training=training)
        # Logits leave in float32 so losses and softmax stay stable under
        # mixed precision.
        return ops.cast(self.dense(features), "float32")

    def compute_output_shape(self, outputs_shape):
        return (*outputs_shape[self.FEATURE][:-1], self.num_classes)

    def get_config(self):
        config = super().get_config()
        config.update(
            num_classes=self.num_classes,
            dropout=self.dropout,
            initializer_range=self.initializer_range,
        )
        return config


@keras.saving.register_keras_serializable(package="keras_bert_zoo")
class PreClassifierHead(ClassificationHead):
    """A classification head with its own hidden layer on the first token, for backbones whose
    classifier does not read a pooler: [dropout,] a dense layer (`pre_classifier`) with
    `activation`, dropout, then the output dense layer.

    DistilBERT's is `activation="relu"`; RoBERTa's is `activation="tanh", input_dropout=True`
    (its pooler-like `dense` on `<s>` belongs to the classifier, not to the backbone).

    Call arguments:
        outputs: the backbone's output dict; `sequence_output` is used.
    """

    FEATURE = "sequence_output"

    def __init__(self, num_classes, hidden_dim, dropout=0.1, initializer_range=0.02, activation="relu",
                 input_dropout=False, **kwargs):
        super().__init__(num_classes, dropout, initializer_range, **kwargs)
        self.hidden_dim, self.activation, self.input_dropout = hidden_dim, activation, input_dropout
        self.pre_classifier = dense(hidden_dim, initializer_range, self.dtype_policy, "pre_classifier", activation)

    def build(self, outputs_shape):
        width = outputs_shape[self.FEATURE][-1]
        self.pre_classifier.build((None, width))
        self.dense.build((None, self.hidden_dim))
        self.built = True

    def call(self, outputs, training=None):
        first = outputs[self.FEATURE][:, 0, :]
        if self.input_dropout:
            first = self.dropout_layer(first, training=training)
        hidden = self.dropout_layer(self.pre_classifier(first), training=training)
        return ops.cast(self.dense(hidden), "float32")

    def compute_output_shape(self, outputs_shape):
        return (outputs_shape[self.FEATURE][0], self.num_classes)

    def get_config(self):
        config = super().get_config()
        config.update(hidden_dim=self.hidden_dim, activation=self.activation, input_dropout=self.input_dropout)
        return config


@keras.saving.register_keras_serializable(package="keras_bert_zoo")
class TokenClassificationHead(ClassificationHead):
    """Dropout and a dense layer on every token of the sequence output (BERT's tagging head).

    Call arguments:
        outputs: the backbone's output dict; `sequence_output` is used.

    Returns float32 logits `(batch, sequence, num_classes)`.
    """

    FEATURE = "sequence_output"


@keras.saving.register_keras_serializable(package="keras_bert_zoo")
class SpanHead(keras.layers.Layer):
    """Start and end logits of an answer span at every token (BERT's extractive QA head).

    One dense layer with two outputs on the sequence output, after dropout (none in
    `BertForQuestionAnswering`, `qa_dropout` in DistilBERT's).

    Call arguments:
        outputs: the backbone's output dict; `sequence_output` is used.

    Returns a dict of float32 `start_logits` and `end_logits`, each `(batch, sequence)`.
    """

    def __init__(self, initializer_range=0.02, dropout=0.0, **kwargs):
        super().__init__(**kwargs)
        self.initializer_range = initializer_range
        self.dropout = dropout
        self.dense = dense(2, initializer_range, self.dtype_policy, "dense")
        self.dropout_layer = keras.layers.Dropout(dropout, dtype=self.dtype_policy)

    def build(self, outputs_shape):
        self.dense.build(outputs_shape["sequence_output"])
        self.built = True

    def call(self, outputs, training=None):
        sequence = self.dropout_layer(outputs["sequence_output"], training=training)
        logits = ops.cast(self.dense(sequence), "float32")
        return {"start_logits": logits[..., 0], "end_logits": logits[..., 1]}

    def compute_output_shape(self, outputs_shape):
        shape = tuple(outputs_shape["sequence_output"][:2])
        return {"start_logits": shape, "end_logits": shape}

    def get_config(self):
        config = super().get_config()
        config.update(initializer_range=self.initializer_range, dropout=self.dropout)
        return config
