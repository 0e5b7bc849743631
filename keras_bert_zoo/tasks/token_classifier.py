"""Token classification (named entities, part-of-speech tags) on any backbone of the zoo."""

import keras
import numpy as np

from keras_bert_zoo.metrics.entities import entity_scores, entity_spans, infer_scheme
from keras_bert_zoo.tasks import inputs, word_inputs
from keras_bert_zoo.tasks.label_names import check_label_names
from keras_bert_zoo.tasks.task import Task, fine_tuning_optimizer

OUTSIDE = "O"
# What `_require_preprocessor` names when words or text come without a preprocessor.
_WORDS_AND_TEXT = "BertTokenClassifier (a BertTokenClassifierPreprocessor)"


@keras.saving.register_keras_serializable(package="keras_bert_zoo")
class BertTokenClassifier(Task):
    """Tag every word of a sentence, e.g. with BIO entity tags.

    The backbone chooses its token classification head (BERT: dropout and a dense layer on
    every token, as `BertForTokenClassification`). Outputs are float32 logits
    `(batch, sequence, num_classes)` over word pieces.

    With a `BertTokenClassifierPreprocessor` attached (`from_preset` attaches one):

    - `fit`/`evaluate` take sentences as words, a list of lists of str, with one tag per word
      (names from `labels`, or integer ids), or a `tf.data.Dataset` of `(words, tags)` string
      or int vectors (see `keras_bert_zoo.data.conll.conll_dataset`), which streams. Only the
      first piece of each word is trained and counted; the others, `[CLS]`, `[SEP]` and
      padding have sample weight 0, and the loss is the mean over the weighted pieces.
    - `predict` takes words, or raw text (a str or a list of str, split on whitespace: to tag
      punctuation on its own, pass pre-split words), and returns one tag per original word.
      Words beyond `sequence_length` pieces are not seen by the model; they get
      `outside_label` ("O" if `labels` has it, else class 0). `predict_logits` gives the raw
      piece logits, `predict_entities` character spans of raw text, `score` CoNLL entity scores.

    Token id dicts (and datasets of them) pass through `fit`/`evaluate`/`predict_logits`
    unchanged, with `(batch, sequence)` label ids and sample weights.

    Args:
        backbone: a `Backbone`, e.g. `BertBackbone.from_preset("base")`.
        num_classes: number of tags; defaults to `len(labels)`.
        labels: optional tag names in id order, e.g. `["O", "B-PER", "I-PER"]`.
        preprocessor: optional `BertTokenClassifierPreprocessor`.
        dropout: dropout before the output layer.

    Example:
    >>> ner = BertTokenClassifier.from_preset(checkpoint, labels=["O", "B-PER", "I-PER"], sequence_length=64)
    >>> ner.fit([["Herman", "Melville", "wrote", "it"]], [["B-PER", "I-PER", "O", "O"]])
    >>> ner.predict("Call me Ishmael .")  # [["O", "O", "B-PER", "O"]]
    >>> ner.score(words, tags)  # {"precision", "recall", "f1", "accuracy", "per_type", ...}
    """

    HEAD_ARGUMENTS = ("num_classes", "labels")

    def __init__(self, backbone, num_classes=None, labels=None, preprocessor=None, dropout=0.1, **kwargs):
        labels, num_classes = check_label_names(labels, num_classes)
        head = backbone.token_classification_head(num_classes, dropout)
        backbone_inputs = backbone.input
        super().__init__(inputs=backbone_inputs, outputs=head(backbone(backbone_inputs)), **kwargs)
        self._attach(backbone, preprocessor)
        self.head = head
        self.num_classes = num_classes
        self.labels = labels
        self.dropout = dropout
        self.compile()

    @property
    def outside_label(self):
        """The id predicted for words cut off by `sequence_length`: "O"'s if `labels` has it, else 0."""
        return self.labels.index(OUTSIDE) if self.labels and OUTSIDE in self.labels else 0

    def head_config(self):
        return {"num_classes": self.num_classes, "labels": self.labels, "dropout": self.dropout}

    @classmethod
    def preprocessor_class(cls):
        from keras_bert_zoo.text.word_preprocessor import BertTokenClassifierPreprocessor

        return BertTokenClassifierPreprocessor

    def compile(self, optimizer="auto", loss="auto", metrics="auto", **kwargs):
        """Defaults: AdamW (lr 5e-5, decay 0.01); cross-entropy averaged over the first pieces of
        words (sample weights), and accuracy over them."""
        if metrics == "auto":
            kwargs.setdefault("weighted_metrics", [keras.metrics.SparseCategoricalAccuracy("accuracy")])
        super().compile(
            optimizer=fine_tuning_optimizer() if optimizer == "auto" else optimizer,
            loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True, reduction="mean_with_sample_weight")
            if loss == "auto" else loss,
            metrics=None if metrics == "auto" else metrics,
            **kwargs,
        )

    def _adapt(self, x, y=None, sample_weight=None, batch_size=None, shuffle=False):
        """Words (+ tags) lists or datasets -> batches of `(inputs, label_ids, sample_weight)`."""
        if word_inputs.is_words(x) or inputs.is_raw_text(x):
            words = self._words(x)
            if sample_weight is not None:
                raise ValueError("With words as x, sample weights come from the word alignment; "
                                 "sample_weight must be None.")
            ids = None if y is None else word_inputs.tag_ids(words, y, self.labels, self.num_classes)
            batches = word_inputs.list_dataset(words, ids, batch_size, shuffle)
        elif word_inputs.is_word_dataset(x):
            if y is not None:
                raise ValueError("When x is a tf.data.Dataset, tags come from the dataset; y must be None.")
            batches = word_inputs.stream_dataset(x, self.labels, self.num_classes, batch_size)
        else:
            return None
        import tensorflow as tf

        preprocessor = self._require_preprocessor(_WORDS_AND_TEXT)
        return batches.map(inputs.traced(preprocessor), num_parallel_calls=tf.data.AUTOTUNE).prefetch(tf.data.AUTOTUNE)

    def _text_featurizer(self, x):
        return None  # raw text is words here, which `_adapt` encodes with their positions

    def input_description(self):
        return ("words (a list of sentences, each a list of str), raw text (a str or a list of str), a "
                f"tf.data.Dataset of word vectors, or token ids: a dict of {sorted(self.input)} arrays")

    def _words(self, x):
        """Checked words of words or raw text (split on whitespace)."""
        if inputs.is_raw_text(x):
            if isinstance(x, tuple):
                raise ValueError("Token classification takes single texts, not sentence pairs.")
            x = [word_inputs.split_text(text)[0] for text in ([x] if isinstance(x, str) else list(x))]
        return word_inputs.check_words(x)

    def predict_logits(self, x, batch_size=None, **kwargs):
        """Piece logits `(n, sequence_length, num_classes)` of words, text or token ids (Keras
        `predict` for token ids); positions past a batch's padded length get logits 0."""
        if not (word_inputs.is_words(x) or inputs.is_raw_text(x) or word_inputs.is_word_dataset(x)):
            return super().predict(x, batch_size=batch_size, **kwargs)
        length = self._require_preprocessor(_WORDS_AND_TEXT).sequence_length
        return np.concatenate([np.pad(logits, [(0, 0), (0, length - logits.shape[1]), (0, 0)])
                               for logits, _ in self._batch_logits(x, batch_size)])

    def predict(self, x, batch_size=None):
        """One tag per original word, per sentence: names if the task has `labels`, else int ids.

        Args:
            x: words (a list of lists of str), raw text (a str or a list of str, split on
                whitespace), or a `tf.data.Dataset` of word vectors (or `(words, tags)`).
        """
        predicted = []
        for logits, positions in self._batch_logits(x, batch_size):
            ids = np.argmax(logits, axis=-1)
            for row, word_positions in enumerate(positions):
                predicted.append([int(ids[row, p]) if p >= 0 else self.outside_label for p in word_positions])
        if self.labels is None:
            return predicted
        return [[self.labels[i] for i in sentence] for sentence in predicted]

    def _batch_logits(self, x, batch_size):
        """`(piece logits, word positions)` of each batch of words, text or a words dataset."""
        pre = self._require_preprocessor(_WORDS_AND_TEXT)
        if word_inputs.is_word_dataset(x):
            if isinstance(x.element_spec, tuple):
                x = x.map(lambda words, tags: words)
            batches = word_inputs.stream_dataset(x, self.labels, self.num_classes, batch_size)
        else:
            batches = word_inputs.list_dataset(self._words(x), batch_size=batch_size)
        # Batches are encoded eagerly: cheaper than tracing the tokenizer into a tf.data map
        # for each call, and the word positions stay ragged tensors.
        for words in batches:
            features, positions = pre.encode(words)
            logits = self.predict_on_batch({key: value.numpy() for key, value in features.items()})
            yield keras.ops.convert_to_numpy(logits), positions.to_list()

    def predict_entities(self, texts, batch_size=None):
        """Entities of raw text as dicts `{"type", "start", "end", "text"}` with character offsets
        (`text[start:end]`), one list per text; needs tag names in `labels` (BIO or IOBES)."""
        single = isinstance(texts, str)
        texts = [texts] if single else list(texts)
        scheme = infer_scheme(self._label_names())
        found = []
        for text, tags in zip(texts, self.predict(texts, batch_size=batch_size)):
            spans = word_inputs.split_text(text)[1]
            found.append([{"type": kind, "start": spans[first][0], "end": spans[last - 1][1],
                           "text": text[spans[first][0]:spans[last - 1][1]]}
                          for kind, first, last in entity_spans(tags, scheme)])
        return found[0] if single else found

    def score(self, x, y=None, batch_size=None, scheme=None):
        """conlleval's entity precision/recall/F1 (micro and `per_type`) and word accuracy.

        Args:
            x: words, with their tags in `y` (names or ids); or, with `y=None`, a
                `tf.data.Dataset` of `(words, tags)` (read once, in its order).
            scheme: "IOB2", "IOB1" or "IOBES"; None infers it from the labels.

        Returns: see `keras_bert_zoo.metrics.entities.entity_scores`.
        """
        names = self._label_names()
        if y is None:
            if not (word_inputs.is_word_dataset(x) and isinstance(x.element_spec, tuple)):
                raise ValueError("score(x) without y needs a tf.data.Dataset of (words, tags).")
            dataset, x, y = x, [], []
            for words, ids in word_inputs.stream_dataset(dataset, names, self.num_classes):
                x += [[word.decode() for word in sentence] for sentence in words.to_list()]
                y += ids.to_list()
        words = self._words(x)
        gold = [[names[i] for i in row] for row in word_inputs.tag_ids(words, y, names, self.num_classes)]
        return entity_scores(gold, self.predict(words, batch_size=batch_size), scheme or infer_scheme(names))

    def _label_names(self):
        if self.labels is None:
            raise ValueError("Entity decoding needs tag names: build the task with labels=[...].")
        return self.labels
