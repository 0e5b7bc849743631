"""Where the special tokens go: one layout for every preprocessor and the pretraining builder.

BERT packs `[CLS] a [SEP] b [SEP]`, RoBERTa `<s> a </s></s> b </s>`: a start token, every
segment closed by an end token, and (RoBERTa) more tokens between two segments. A tokenizer
owns its layout (`tokenizer.layout`); the preprocessors, the QA windows, the word tagger and
the pretraining example builder ask it how many special tokens a sequence has, where a
segment starts and for the packed ids, in TensorFlow (ragged batches, inside `tf.data`) or on
Python lists.

Segment ids are 0 up to and including the first segment's end token (and the tokens between
segments), 1 after: BERT's `token_type_ids`. Families without segment embeddings ignore them.
"""

import dataclasses


@dataclasses.dataclass(frozen=True)
class SegmentLayout:
    """`start segment_0 end [between] segment_1 end`.

    Args:
        start_id: the id opening every sequence (`[CLS]`, `<s>`).
        end_id: the id closing every segment (`[SEP]`, `</s>`).
        between_ids: ids after the first segment's end token and before the second segment
            (RoBERTa: one more `</s>`; BERT: none).
    """

    start_id: int
    end_id: int
    between_ids: tuple = ()

    @property
    def ids(self):
        """The ids the layout inserts (sorted)."""
        return sorted({self.start_id, self.end_id, *self.between_ids})

    def special_tokens(self, segments):
        """How many special tokens a sequence of `segments` (1 or 2) segments holds."""
        return 1 + segments + (segments - 1) * len(self.between_ids)

    def segment_start(self, index, first_length=0):
        """The position of the first token of segment `index` (0 or 1; for 1, after a first
        segment of `first_length` tokens)."""
        return 1 if index == 0 else 2 + first_length + len(self.between_ids)

    def pack_lists(self, segments):
        """`(token_ids, segment_ids)` as lists of int for one sequence of 1 or 2 id lists."""
        token_ids, segment_ids = [self.start_id], [0]
        for index, segment in enumerate(segments):
            closing = [self.end_id, *self.between_ids] if index == 0 and len(segments) > 1 else [self.end_id]
            token_ids += [*segment, *closing]
            segment_ids += [index] * (len(segment) + len(closing))
        return token_ids, segment_ids

    def pack_ragged(self, segments):
        """`(token_ids, segment_ids)`, ragged `(batch, None)`, for 1 or 2 ragged id batches (the
        ids' dtype; segment ids int32)."""
        import tensorflow as tf

        first = segments[0]
        column = tf.ones([first.nrows(), 1], first.dtype)

        def constant(ids):
            return tf.RaggedTensor.from_tensor(column * tf.constant(ids, first.dtype)[None, :])

        pieces, types = [constant([self.start_id])], [0]
        for index, segment in enumerate(segments):
            closing = [self.end_id, *self.between_ids] if index == 0 and len(segments) > 1 else [self.end_id]
            pieces += [segment, constant(closing)]
            types += [index, index]
        token_ids = tf.concat(pieces, axis=1)
        segment_ids = tf.concat([tf.ones_like(piece, tf.int32) * kind for piece, kind in zip(pieces, types)], axis=1)
        return token_ids, segment_ids
