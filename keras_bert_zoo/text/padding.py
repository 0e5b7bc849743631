"""How every preprocessor pads a batch: to its longest sequence rounded up to a bucket, or to a fixed length.

Real text is short: VADER's movie snippets average about 25 word pieces, so a batch padded
to 128 spends four fifths of its attention and feed-forward work on padding. With
`padding="longest"` a batch is padded to the length of its longest sequence rounded up to
the next bucket boundary, so compiled backends (XLA on JAX and TensorFlow) see a handful of
shapes rather than one per batch; `sequence_length` stays the truncation limit and the
largest shape. `padding="max_length"` pads every batch to `sequence_length`, the fixed
shape TPUs and some serving stacks need.

`length_buckets` is an int `k` (multiples of `k`, what Hugging Face's `pad_to_multiple_of`
does; 8 or 16 also suit tensor cores) or increasing lengths, e.g. `(32, 64, 128)`;
`sequence_length` is always the last bucket.
"""

import numpy as np

PADDING_MODES = ("longest", "max_length")
DEFAULT_LENGTH_BUCKETS = 16


def bucket_boundaries(sequence_length, padding="longest", length_buckets=DEFAULT_LENGTH_BUCKETS):
    """The lengths a batch may be padded to, increasing and ending at `sequence_length` (checked)."""
    if padding not in PADDING_MODES:
        raise ValueError(f"`padding` must be one of {PADDING_MODES}, got {padding!r}")
    if padding == "max_length":
        return (sequence_length,)
    if type(length_buckets) is int:
        if length_buckets < 1:
            raise ValueError(f"`length_buckets` as an int is a multiple >= 1, got {length_buckets}")
        return tuple(range(length_buckets, sequence_length, length_buckets)) + (sequence_length,)
    boundaries = tuple(length_buckets) if isinstance(length_buckets, (list, tuple)) else None
    if not boundaries or any(type(b) is not int for b in boundaries) or list(boundaries) != sorted(set(boundaries)) \
            or boundaries[0] < 1:
        raise ValueError(f"`length_buckets` must be an int or increasing positive ints, got {length_buckets!r}")
    return tuple(b for b in boundaries if b < sequence_length) + (sequence_length,)


class BucketPadding:
    """What the preprocessors share: `padding`, `length_buckets` and the `boundaries` they give
    with the preprocessor's `sequence_length`, and whether `segment_ids` are among the outputs
    (not for families without segment embeddings, such as DistilBERT)."""

    def _set_padding(self, padding, length_buckets, segment_ids=True):
        bucket_boundaries(self.sequence_length, padding, length_buckets)  # checks them
        if not isinstance(segment_ids, bool):
            raise TypeError(f"`segment_ids` must be a bool, got {segment_ids!r}")
        self.padding, self.length_buckets, self.segment_ids = padding, length_buckets, segment_ids

    @property
    def boundaries(self):
        return bucket_boundaries(self.sequence_length, self.padding, self.length_buckets)

    def padding_config(self):
        """The padding and output entries of the preprocessor's `get_config`."""
        buckets = self.length_buckets
        return {"padding": self.padding, "length_buckets": list(buckets) if isinstance(buckets, tuple) else buckets,
                "segment_ids": self.segment_ids}

    def _selected(self, features):
        """`features` without `segment_ids` if this preprocessor leaves them out."""
        return features if self.segment_ids else {key: value for key, value in features.items() if key != "segment_ids"}

    def for_backbone(self, backbone):
        """This preprocessor, or a copy with the same tokenizer and options that gives `segment_ids`
        exactly when `backbone` takes them."""
        wanted = "segment_ids" in backbone.input
        if wanted == self.segment_ids:
            return self
        options = {key: value for key, value in self.get_config().items() if key != "tokenizer"}
        return type(self)(self.tokenizer, **{**options, "segment_ids": wanted})


def padded_length(longest, boundaries):
    """The first boundary >= `longest` (a scalar int tensor or number): the padded length of a batch."""
    if len(boundaries) == 1:
        return boundaries[0]
    import tensorflow as tf

    boundaries = tf.constant(boundaries, tf.int32)
    return boundaries[tf.searchsorted(boundaries, tf.cast(longest, tf.int32)[None], side="left")[0]]


def pad_ragged(token_ids, segment_ids, pad_id, boundaries):
    """Ragged `(batch, None)` token and segment ids (segment_ids None: all 0) -> the backbone's dense
    inputs: int32 `token_ids`, `segment_ids` and bool `padding_mask` padded to the batch's bucket."""
    import tensorflow as tf

    lengths = token_ids.row_lengths()
    length = padded_length(tf.reduce_max(tf.concat([lengths, [0]], 0)), boundaries)
    shape = [None, length] if isinstance(length, int) else tf.stack([token_ids.nrows(), tf.cast(length, tf.int64)])
    dense = tf.cast(token_ids.to_tensor(pad_id, shape=shape), tf.int32)
    segments = (tf.zeros_like(dense) if segment_ids is None
                else tf.cast(segment_ids.to_tensor(0, shape=shape), tf.int32))
    return {"token_ids": dense, "segment_ids": segments, "padding_mask": tf.sequence_mask(lengths, tf.shape(dense)[1])}


def padded_lengths(lengths, boundaries):
    """numpy: the padded length of each of `lengths` (real tokens per row), its first boundary >= it."""
    return np.asarray(boundaries)[np.searchsorted(boundaries, lengths, side="left")]


def trim_to_bucket(features, boundaries):
    """A batch of `(batch, sequence_length, ...)` tensors padded to full length, cut to the bucket of
    its longest real `padding_mask` row (inside `tf.data` maps)."""
    import tensorflow as tf

    longest = tf.reduce_max(tf.reduce_sum(tf.cast(features["padding_mask"], tf.int32), axis=-1))
    length = padded_length(longest, boundaries)
    return {key: value[:, :length] for key, value in features.items()}
