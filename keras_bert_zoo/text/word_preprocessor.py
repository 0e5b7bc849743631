"""Sentences given as words -> backbone inputs, plus where each word's first piece lands.

Token classification labels words, but BERT sees word pieces: "Melville" may become
`mel ##ville`. Each word is tokenized on its own (`tokenizer.tokenize_words`: for byte-level BPE
with a space in front, as transformers does for RoBERTa), the pieces of a sentence are joined between
`[CLS]` and `[SEP]`, and the label of a word goes to its first piece; its other pieces,
`[CLS]`, `[SEP]` and padding get label 0 with sample weight 0, so they add nothing to the loss
or the accuracy (as Google's BERT and Hugging Face's `run_ner` train). Predictions are read
back at the same first pieces.

TensorFlow ops only, on ragged tensors: it runs eagerly and inside `tf.data.Dataset.map` (on
batches from `ragged_batch`, or on single sentences), so large data sets stream.
"""

import keras

from keras_bert_zoo.text import padding as padding_lib
from keras_bert_zoo.text.preprocessor import preprocessor_from_config
from keras_bert_zoo.text.tokenizer import _tf
from keras_bert_zoo.text.tokenizer_base import check_tokenizer


@keras.saving.register_keras_serializable(package="keras_bert_zoo")
class BertTokenClassifierPreprocessor(padding_lib.BucketPadding):
    """Words (and word labels) -> `{"token_ids", "segment_ids", "padding_mask"}` (and aligned labels).

    Each sentence becomes `[CLS] pieces of word 1 ... pieces of word n [SEP]`, padded to the
    batch's longest rounded up to a bucket (or to `sequence_length`, see `text.padding`). A
    sentence with more pieces is cut after `sequence_length - 2` pieces: the words whose first
    piece is cut off get no position (-1 in `encode`'s positions) and no training label;
    `BertTokenClassifier.predict` gives them its outside label. A word that
    the tokenizer turns into nothing (only control or zero-width characters, or "") becomes
    one `[UNK]` piece, so every word that fits has a first piece.

    Args:
        tokenizer: a `BertTokenizer` (any of the zoo's tokenizers).
        sequence_length: the most tokens per sentence, `[CLS]` and `[SEP]` included (>= 3).
        padding: "longest" (each batch to its longest, rounded up to `length_buckets`) or
            "max_length" (always `sequence_length`).
        length_buckets: an int k (pad to multiples of k) or increasing lengths.
        segment_ids: whether `segment_ids` (all 0) are among the outputs, as for `BertPreprocessor`.

    Example:
    >>> pre = BertTokenClassifierPreprocessor(tokenizer, sequence_length=16)
    >>> features, label_ids, sample_weight = pre([["Herman", "Melville", "wrote"]], [[1, 2, 0]])
    >>> features, positions = pre.encode([["Herman", "Melville", "wrote"]])
    >>> positions.to_list()  # [[1, 2, 4]] if "Melville" is two pieces
    """

    def __init__(self, tokenizer, sequence_length=512, padding="longest",
                 length_buckets=padding_lib.DEFAULT_LENGTH_BUCKETS, segment_ids=True):
        check_tokenizer(tokenizer)
        shortest = tokenizer.layout.special_tokens(1) + 1
        if type(sequence_length) is not int or sequence_length < shortest:
            raise ValueError(f"`sequence_length` must be an int >= {shortest} (the special tokens and a word), "
                             f"got {sequence_length!r}")
        self.tokenizer = tokenizer
        self.sequence_length = sequence_length
        self._set_padding(padding, length_buckets, segment_ids)

    def __call__(self, words, labels=None):
        """Backbone inputs, or `(inputs, label_ids, sample_weight)` when `labels` are given.

        Args:
            words: a batch of sentences (a list of lists of str, or a string `tf.RaggedTensor`
                `(batch, None)`), or one sentence (a list of str, or a 1-D string tensor).
            labels: integer label ids shaped like `words`, one per word.

        Returns:
            int32 `token_ids`, `segment_ids` and bool `padding_mask` `(batch, length)`
            (`(length,)` for one sentence; `length` as `padding` says); with labels also int32
            `label_ids` and float32 `sample_weight` of that shape, nonzero at first pieces only.
        """
        features, positions = self.encode(words)
        if labels is None:
            return features
        return (features, *self.align_labels(labels, positions, _tf()[0].shape(features["token_ids"])[-1]))

    def encode(self, words):
        """`(inputs, positions)`: positions is an int32 `RaggedTensor` `(batch, words)` of the token
        index of each word's first piece, -1 for words cut off (a 1-D tensor for one sentence)."""
        tf, _ = _tf()
        words, single = _ragged_words(words)
        pieces = self.tokenizer.tokenize_words(words.flat_values)
        empty = pieces.row_lengths() == 0
        unknown = tf.fill([tf.reduce_sum(tf.cast(empty, tf.int32))], self.tokenizer.unk_token_id)
        pieces = tf.concat([pieces, tf.RaggedTensor.from_row_lengths(unknown, tf.cast(empty, tf.int64))], axis=1)
        layout = self.tokenizer.layout
        budget = self.sequence_length - layout.special_tokens(1)
        tokens = tf.RaggedTensor.from_row_splits(pieces, words.row_splits).merge_dims(1, 2)[:, :budget]
        token_ids, _ = layout.pack_ragged([tokens])
        features = self._selected(padding_lib.pad_ragged(token_ids, None, self.tokenizer.pad_token_id, self.boundaries))
        # Offset of each word's first piece in its sentence: cumulative piece counts, restarted
        # at every sentence.
        starts = tf.cumsum(pieces.row_lengths(), exclusive=True)
        sentence_starts = tf.gather(tf.concat([starts, [tf.reduce_sum(pieces.row_lengths())]], 0),
                                    words.row_splits[:-1])
        offsets = starts - tf.gather(sentence_starts, words.value_rowids())
        first = layout.segment_start(0)
        positions = words.with_flat_values(tf.cast(tf.where(offsets < budget, offsets + first, -1), tf.int32))
        if single:
            return {key: value[0] for key, value in features.items()}, positions[0]
        return features, positions

    def align_labels(self, labels, positions, length=None):
        """Word label ids -> `(label_ids, sample_weight)` per token, for `positions` from `encode`
        (`length` tokens per row, as `encode` padded them; default `sequence_length`)."""
        tf, _ = _tf()
        single = positions.shape.rank == 1
        if single:
            positions = tf.RaggedTensor.from_tensor(positions[None])
            labels = tf.RaggedTensor.from_tensor(tf.convert_to_tensor(labels)[None])
        elif not isinstance(labels, tf.RaggedTensor):
            labels = tf.ragged.constant(labels) if isinstance(labels, list) else tf.convert_to_tensor(labels)
            if not isinstance(labels, tf.RaggedTensor):
                labels = tf.RaggedTensor.from_tensor(labels)
        flat = tf.cast(tf.reshape(labels.flat_values, [-1]), tf.int32)
        if tf.executing_eagerly():
            counts, words = labels.row_lengths().numpy(), positions.row_lengths().numpy()
            if len(counts) != len(words) or (counts != words).any():
                bad = next((i for i, (a, b) in enumerate(zip(counts, words)) if a != b), min(len(counts), len(words)))
                raise ValueError(f"Sentence {bad}: {counts[bad] if bad < len(counts) else 0} labels for "
                                 f"{words[bad] if bad < len(words) else 0} words; give one label per word.")
            kept = tf.where(positions.flat_values >= 0)[:, 0]
        else:
            with tf.control_dependencies([tf.debugging.assert_equal(
                    tf.cast(labels.row_splits, tf.int64), tf.cast(positions.row_splits, tf.int64),
                    message="Every sentence needs one label per word.")]):
                kept = tf.where(positions.flat_values >= 0)[:, 0]
        rows = tf.gather(tf.cast(positions.value_rowids(), tf.int32), kept)
        indices = tf.stack([rows, tf.gather(positions.flat_values, kept)], axis=1)
        shape = tf.stack([tf.cast(positions.nrows(), tf.int32), self.sequence_length if length is None else length])
        label_ids = tf.scatter_nd(indices, tf.gather(flat, kept), shape)
        sample_weight = tf.scatter_nd(indices, tf.ones_like(kept, tf.float32), shape)
        if single:
            return label_ids[0], sample_weight[0]
        return label_ids, sample_weight

    def get_config(self):
        return {"tokenizer": keras.saving.serialize_keras_object(self.tokenizer),
                "sequence_length": self.sequence_length, **self.padding_config()}

    from_config = classmethod(preprocessor_from_config)

    def __repr__(self):
        return f"BertTokenClassifierPreprocessor(sequence_length={self.sequence_length}, padding={self.padding!r})"


def _ragged_words(words):
    """`(RaggedTensor (batch, None) of str, single)`; `single` when `words` is one sentence."""
    tf, _ = _tf()
    if isinstance(words, tf.RaggedTensor):
        if words.shape.rank != 2 or words.dtype != tf.string:
            raise ValueError(f"Words must be a (batch, None) string RaggedTensor, got {words.dtype.name} of "
                             f"rank {words.shape.rank}.")
        return words, False
    if isinstance(words, (list, tuple)):
        if all(isinstance(word, str) for word in words):
            return tf.RaggedTensor.from_tensor(tf.constant(list(words), tf.string, shape=[1, len(words)])), True
        if not all(isinstance(sentence, (list, tuple)) and all(isinstance(word, str) for word in sentence)
                   for sentence in words):
            raise ValueError("Words must be a list of str (one sentence) or a list of lists of str.")
        return to_ragged(words, tf.string), False
    words = tf.convert_to_tensor(words)
    if words.dtype != tf.string or words.shape.rank != 1:
        # A dense batch would hold padding "" as words: batches must be ragged.
        raise ValueError(f"Words must be one sentence (1-D strings) or a batch as a RaggedTensor, got "
                         f"{words.dtype.name} of shape {words.shape}.")
    return tf.RaggedTensor.from_tensor(words[None]), True


def to_ragged(sentences, dtype):
    """A list of lists -> a `(len(sentences), None)` `tf.RaggedTensor` of `dtype` (int64 row splits)."""
    tf, _ = _tf()
    lengths = [len(sentence) for sentence in sentences]
    flat = tf.constant([item for sentence in sentences for item in sentence], dtype, shape=[sum(lengths)])
    return tf.RaggedTensor.from_row_lengths(flat, tf.constant(lengths, tf.int64))
