"""Strings or sentence pairs -> the integer inputs of a backbone.

Truncation on ragged ops (and tensorflow-text's `WaterfallTrimmer`), the special tokens placed by
the tokenizer's layout (`text.packer`); TensorFlow is imported on first call only.
"""

import keras

from keras_bert_zoo.text import padding as padding_lib
from keras_bert_zoo.text.tokenizer import BertTokenizer, _row_ids, _tf, to_string_tensor
from keras_bert_zoo.text.tokenizer_base import check_tokenizer

TRUNCATE_MODES = ("longest_first", "waterfall")


def _longest_first(segments, budget):
    """Hugging Face's (Rust) "longest_first" truncation of one or two ragged segments.

    When both segments must shrink, the shorter one keeps budget // 2 and the
    longer one the rest (the second one on a tie). tf-text's RoundRobinTrimmer
    and ShrinkLongestTrimmer give the odd token to the other segment in some of
    these cases, so the kept lengths are computed here and applied with ragged ops.
    """
    tf, _ = _tf()
    lengths = [s.row_lengths() for s in segments]
    budget = tf.constant(budget, lengths[0].dtype)
    if len(segments) == 1:
        keep = [tf.minimum(lengths[0], budget)]
    else:
        first, second = lengths
        shorter = tf.minimum(first, second)
        short_keep = tf.where(2 * shorter > budget, budget // 2, shorter)
        fits, first_short = first + second <= budget, first <= second
        keep = [tf.where(fits, first, tf.where(first_short, short_keep, budget - short_keep)),
                tf.where(fits, second, tf.where(first_short, budget - short_keep, short_keep))]
    trimmed = []
    for segment, kept in zip(segments, keep):
        splits = segment.row_splits
        rows = _row_ids(splits)
        position = tf.range(splits[-1]) - tf.gather(splits, rows)  # within its row
        values = tf.gather(segment.flat_values, tf.where(position < tf.gather(kept, rows))[:, 0])
        trimmed.append(tf.RaggedTensor.from_row_lengths(values, kept, validate=False))
    return trimmed


def preprocessor_from_config(cls, config):
    """`cls(**config)` with the config's tokenizer (Keras-serialized or a plain tokenizer config) built.

    The `from_config` of every preprocessor class: `from_config = classmethod(preprocessor_from_config)`.
    """
    config = dict(config)
    tokenizer = config.get("tokenizer")
    if isinstance(tokenizer, dict) and "class_name" in tokenizer:  # Keras-serialized, or `tokenizer_entry`
        name = tokenizer.get("registered_name") or f"keras_bert_zoo>{tokenizer['class_name']}"
        tokenizer_class = keras.saving.get_registered_object(name)
        if tokenizer_class is None:
            raise ValueError(f"Unknown tokenizer class {tokenizer['class_name']!r} in a preprocessor config.")
        config["tokenizer"] = tokenizer_class.from_config(tokenizer["config"])
    elif isinstance(tokenizer, dict):  # a plain BertTokenizer config, as BertPreprocessor wrote before
        config["tokenizer"] = BertTokenizer.from_config(tokenizer)
    return cls(**config)


def tokenizer_entry(tokenizer):
    """`{"class_name", "config"}` of a tokenizer, for a preprocessor's config: what
    `preprocessor_from_config` builds back, without Keras serialization (which imports TensorFlow)."""
    return {"class_name": type(tokenizer).__name__, "config": tokenizer.get_config()}


@keras.saving.register_keras_serializable(package="keras_bert_zoo")
class BertPreprocessor(padding_lib.BucketPadding):
    """Strings or sentence pairs -> {"token_ids", "segment_ids", "padding_mask"} for a BERT backbone.

    A single segment becomes `[CLS] a [SEP]`; a pair `(a, b)` becomes
    `[CLS] a [SEP] b [SEP]` with segment id 0 up to the first `[SEP]` and 1
    after it. Sequences are truncated to fit `sequence_length` and padded with
    the `[PAD]` id; `padding_mask` is True on real tokens. A batch is padded to
    its longest sequence rounded up to a bucket (see `text.padding`), or to
    `sequence_length` with `padding="max_length"`.

    Works eagerly and inside `tf.data.Dataset.map`, e.g.
    `ds.map(lambda x, y: (preprocessor(x), y))`, which is how task models feed
    text to any Keras backend.

    Args:
        tokenizer: a `BertTokenizer` (any of the zoo's tokenizers: its layout places the
            special tokens).
        sequence_length: the most tokens per sequence, special tokens included.
        truncate: "longest_first" (Hugging Face's default: shorten the longer
            segment first) or "waterfall" (shorten the last segment first).
        padding: "longest" (each batch to its longest sequence, rounded up to
            `length_buckets`) or "max_length" (always `sequence_length`).
        length_buckets: an int k (pad to multiples of k) or increasing lengths.
        segment_ids: whether `segment_ids` are among the outputs (False for backbones without
            segment embeddings; a task attaching the preprocessor sets it for its backbone).
    """

    def __init__(self, tokenizer, sequence_length=512, truncate="longest_first", padding="longest",
                 length_buckets=padding_lib.DEFAULT_LENGTH_BUCKETS, segment_ids=True):
        check_tokenizer(tokenizer)
        shortest = tokenizer.layout.special_tokens(2)
        if type(sequence_length) is not int or sequence_length < shortest:
            raise ValueError(f"`sequence_length` must be an int >= {shortest} (room for the special tokens "
                             f"of a pair), got {sequence_length!r}")
        if truncate not in TRUNCATE_MODES:
            raise ValueError(f"`truncate` must be one of {TRUNCATE_MODES}, got {truncate!r}")
        self.tokenizer = tokenizer
        self.sequence_length = sequence_length
        self.truncate = truncate
        self._set_padding(padding, length_buckets, segment_ids)

    def __call__(self, x):
        """Returns a dict of int32 `token_ids`, int32 `segment_ids`, bool `padding_mask`.

        `x` is one segment (a str, a list/array of str, or a tf string tensor of
        rank 0 or 1) or a tuple of two such segments (sentence pairs). Batched
        inputs give (batch, sequence_length) outputs; a single string (or a
        scalar tensor) gives (sequence_length,) outputs.
        """
        tf, tf_text = _tf()
        segments = self._segments(x)
        scalar = segments[0].shape.rank == 0
        if scalar:
            segments = [s[None] for s in segments]
        # Both segments of pairs in one tokenizer pass: half the graph, one normalization of the characters.
        tokenized = self.tokenizer(tf.concat(segments, axis=0))
        size = tf.shape(segments[0], out_type=tf.int64)[0]
        tokenized = [tokenized[:size], tokenized[size:]] if len(segments) == 2 else [tokenized]
        budget = self.sequence_length - self.tokenizer.layout.special_tokens(len(tokenized))
        if self.truncate == "longest_first":
            trimmed = _longest_first(tokenized, budget)
        else:  # fill the budget in segment order: the last segment is cut first
            trimmed = tf_text.WaterfallTrimmer(max_seq_length=budget).trim(tokenized)
        token_ids, segment_ids = self.tokenizer.layout.pack_ragged(trimmed)
        outputs = self._selected(padding_lib.pad_ragged(token_ids, segment_ids, self.tokenizer.pad_token_id,
                                                        self.boundaries))
        if scalar:
            outputs = {k: v[0] for k, v in outputs.items()}
        return outputs

    def _segments(self, x):
        """Validates `x` and returns its segments as string tensors of equal rank and batch size."""
        if isinstance(x, tuple) and len(x) not in (1, 2):
            raise ValueError(f"BertPreprocessor takes one segment or a pair (a tuple of two), got {len(x)}.")
        if isinstance(x, dict):
            raise TypeError("BertPreprocessor takes strings or a tuple of two string batches, not a dict.")
        parts = list(x) if isinstance(x, tuple) else [x]
        segments = [to_string_tensor(part, name=f"segment {i}") for i, part in enumerate(parts)]
        if len(segments) == 2:
            first, second = (s.shape for s in segments)
            if first.rank != second.rank:
                raise ValueError(f"A pair must be two strings or two batches, got shapes {first}, {second}.")
            if first.rank == 1 and None not in (first[0], second[0]) and first[0] != second[0]:
                raise ValueError(f"The two segments of a pair must have the same batch size, got {first[0]} "
                                 f"and {second[0]}.")
        return segments

    def get_config(self):
        return {"tokenizer": tokenizer_entry(self.tokenizer), "sequence_length": self.sequence_length,
                "truncate": self.truncate, **self.padding_config()}

    from_config = classmethod(preprocessor_from_config)

    @classmethod
    def from_preset(cls, preset, sequence_length=None, **kwargs):
        """The preprocessor of a preset (name, saved directory or checkpoint directory)."""
        from keras_bert_zoo import presets

        resolved = presets.resolve(preset, need_weights=False)
        length = sequence_length or resolved.sequence_length()
        return cls(resolved.build_tokenizer(), sequence_length=length, **kwargs)

    def __repr__(self):
        return (f"BertPreprocessor(sequence_length={self.sequence_length}, truncate={self.truncate!r}, "
                f"padding={self.padding!r})")
