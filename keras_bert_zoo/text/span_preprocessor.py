"""(question, context) -> overlapping `[CLS] question [SEP] window [SEP]` sequences for extractive QA.

A context longer than one sequence is cut into windows of context tokens that overlap, as in
Google's BERT `run_squad.py`: window starts are `doc_stride` tokens apart (Hugging Face's
`stride` is the overlap instead). Every context token keeps the code-point offsets that
`BertTokenizer.tokenize_with_offsets` gives, which are Python `str` indices, so an answer
found at tokens `i..j` is `context[offsets[i, 0]:offsets[j, 1]]` of the original text.

Why Python and numpy rather than a `tf.data` map: an example gives a variable number of
windows, and training labels need the answer's character span located among the context
tokens; both are a few lines of Python on the tokenizer's (batched, TensorFlow) output, and
SQuAD-sized data (~100k questions) fits in memory as int32 arrays. The task builds its
`tf.data` pipeline from these arrays.
"""

import dataclasses

import keras
import numpy as np

from keras_bert_zoo.text import padding as padding_lib
from keras_bert_zoo.text.preprocessor import preprocessor_from_config
from keras_bert_zoo.text.tokenizer_base import check_tokenizer

# BERT's SQuAD setting: 384 tokens, window starts 128 apart, questions cut to 64 tokens.
_STRIDE_FRACTION = 3
_MAX_QUESTION_LENGTH = 64


@dataclasses.dataclass
class SpanFeatures:
    """The windows of a batch of examples.

    Attributes:
        inputs: backbone inputs, `token_ids`/`segment_ids` int32 and `padding_mask` bool,
            each `(windows, sequence_length)`.
        example_index: int32 `(windows,)`, the example each window comes from.
        offsets: int32 `(windows, sequence_length, 2)`, the `[start, end)` code points in the
            context of each context token, -1 at every other position.
        labels: `{"start_logits", "end_logits"}` int32 `(windows,)` answer token positions
            (0, the `[CLS]` token, for windows without the answer), or None without answers.
    """

    inputs: dict
    example_index: np.ndarray
    offsets: np.ndarray
    labels: dict = None


@keras.saving.register_keras_serializable(package="keras_bert_zoo")
class BertSpanPreprocessor(padding_lib.BucketPadding):
    """Questions and contexts (and answers, for training) -> windows for `BertQuestionAnswerer`.

    Args:
        tokenizer: a `BertTokenizer` (any of the zoo's tokenizers).
        sequence_length: tokens per window, special tokens included.
        doc_stride: tokens between the starts of consecutive windows of one context (default
            `sequence_length // 3`, 128 at BERT's 384). A larger stride than a window holds
            becomes the window size, so no context token is ever skipped.
        max_question_length: questions are cut to this many tokens (default 64, or less so
            that half of a short sequence is left for the context).
        padding, length_buckets: how `BertQuestionAnswerer` pads each batch of windows, as for
            `BertPreprocessor` (the features themselves are `sequence_length` long; the task cuts
            every batch to its bucket with `trim`); segment_ids: whether the inputs hold them.

    Example:
    >>> pre = BertSpanPreprocessor(tokenizer, sequence_length=128)
    >>> features = pre(["Who wrote it?"], ["Moby-Dick was written by Melville."],
    ...                answers=[(25, "Melville")])
    >>> features.inputs["token_ids"].shape, features.labels  # ((1, 128), start/end positions)
    """

    def __init__(self, tokenizer, sequence_length=384, doc_stride=None, max_question_length=None,
                 padding="longest", length_buckets=padding_lib.DEFAULT_LENGTH_BUCKETS, segment_ids=True):
        check_tokenizer(tokenizer)
        specials = tokenizer.layout.special_tokens(2)
        if type(sequence_length) is not int or sequence_length < specials + 2:
            raise ValueError(f"`sequence_length` must be an int >= {specials + 2} (the special tokens, a "
                             f"question token and a context token), got {sequence_length!r}")
        if doc_stride is None:
            doc_stride = max(1, sequence_length // _STRIDE_FRACTION)
        if max_question_length is None:
            max_question_length = max(1, min(_MAX_QUESTION_LENGTH, (sequence_length - specials) // 2))
        if type(doc_stride) is not int or doc_stride < 1:
            raise ValueError(f"`doc_stride` must be a positive int, got {doc_stride!r}")
        most = sequence_length - specials - 1
        if type(max_question_length) is not int or not 1 <= max_question_length <= most:
            raise ValueError(f"`max_question_length` must be an int in [1, {most}] (room for the special "
                             f"tokens and one context token), got {max_question_length!r}")
        self.tokenizer = tokenizer
        self.sequence_length = sequence_length
        self.doc_stride = doc_stride
        self.max_question_length = max_question_length
        self._set_padding(padding, length_buckets, segment_ids)

    def trim(self, inputs):
        """Backbone inputs of a batch of windows (tensors, in `tf.data`), cut to the batch's bucket."""
        return padding_lib.trim_to_bucket(inputs, self.boundaries)

    def __call__(self, questions, contexts, answers=None, ids=None):
        """Windows of every (question, context) pair.

        Args:
            questions, contexts: lists of str of the same length.
            answers: for training, one entry per example: `(answer_start, text)` with
                `context[answer_start:answer_start + len(text)] == text`, or None for a question
                without an answer (its windows point at `[CLS]`, SQuAD v2 style).
            ids: example ids, used in error messages (default: the example's index).

        Returns:
            A `SpanFeatures`.

        Raises:
            ValueError: if an answer is not at its `answer_start` or covers no token.
        """
        questions, contexts = _string_list(questions, "questions"), _string_list(contexts, "contexts")
        if len(questions) != len(contexts) or not questions:
            raise ValueError(f"Need as many questions as contexts (at least one), got {len(questions)} "
                             f"and {len(contexts)}.")
        if answers is not None and len(answers) != len(questions):
            raise ValueError(f"{len(questions)} questions but {len(answers)} answers.")
        ids = list(range(len(questions))) if ids is None else list(ids)
        question_tokens = self._tokenize(questions)
        context_tokens = self._tokenize(contexts)
        rows = []
        for index, (question, context) in enumerate(zip(questions, contexts)):
            question_ids = question_tokens[question][0][: self.max_question_length]
            token_ids, starts, ends = context_tokens[context]
            span = None
            if answers is not None and answers[index] is not None:
                span = _answer_tokens(context, starts, ends, *answers[index], ids[index])
            for first, last in self._windows(len(token_ids), len(question_ids)):
                base = self.tokenizer.layout.segment_start(1, len(question_ids)) - first
                rows.append((index, question_ids, token_ids[first:last], starts[first:last],
                             ends[first:last], _window_label(span, first, last, base)))
        return self._assemble(rows, with_labels=answers is not None)

    def _tokenize(self, texts):
        """{text: (ids, starts, ends)} as Python lists; each distinct text is tokenized once
        (SQuAD asks several questions about each context)."""
        distinct = list(dict.fromkeys(texts))
        ids, starts, ends = (t.to_list() for t in self.tokenizer.tokenize_with_offsets(distinct))
        return {text: (ids[i], starts[i], ends[i]) for i, text in enumerate(distinct)}

    def _windows(self, num_tokens, question_length):
        """`[first, last)` context token ranges covering every token, consecutive starts at most
        `doc_stride` apart; one empty window for an empty context."""
        size = self.sequence_length - self.tokenizer.layout.special_tokens(2) - question_length
        first = 0
        while True:
            last = min(first + size, num_tokens)
            yield first, last
            if last >= num_tokens:
                return
            first += min(self.doc_stride, last - first)

    def _assemble(self, rows, with_labels):
        length, layout = self.sequence_length, self.tokenizer.layout
        token_ids = np.full((len(rows), length), self.tokenizer.pad_token_id, "int32")
        segment_ids = np.zeros((len(rows), length), "int32")
        padding_mask = np.zeros((len(rows), length), bool)
        offsets = np.full((len(rows), length, 2), -1, "int32")
        positions = np.zeros((len(rows), 2), "int32")
        for row, (_, question, window, starts, ends, label) in enumerate(rows):
            ids, segments = layout.pack_lists([question, window])
            base = layout.segment_start(1, len(question))  # the window's first token
            token_ids[row, :len(ids)], segment_ids[row, :len(ids)] = ids, segments
            padding_mask[row, :len(ids)] = True
            offsets[row, base:base + len(window), 0], offsets[row, base:base + len(window), 1] = starts, ends
            positions[row] = label
        labels = {"start_logits": positions[:, 0], "end_logits": positions[:, 1]} if with_labels else None
        inputs = self._selected({"token_ids": token_ids, "segment_ids": segment_ids, "padding_mask": padding_mask})
        return SpanFeatures(inputs, np.array([r[0] for r in rows], "int32"), offsets, labels)

    def get_config(self):
        return {"tokenizer": keras.saving.serialize_keras_object(self.tokenizer),
                "sequence_length": self.sequence_length, "doc_stride": self.doc_stride,
                "max_question_length": self.max_question_length, **self.padding_config()}

    from_config = classmethod(preprocessor_from_config)

    def __repr__(self):
        return (f"BertSpanPreprocessor(sequence_length={self.sequence_length}, doc_stride={self.doc_stride}, "
                f"max_question_length={self.max_question_length})")


def _string_list(values, name):
    values = [values] if isinstance(values, str) else list(values)
    bad = [value for value in values if not isinstance(value, str)]
    if bad:
        raise TypeError(f"`{name}` must be a list of str, found {bad[0]!r:.80}")
    return values


def _answer_tokens(context, starts, ends, answer_start, text, example_id):
    """The first and last context tokens of an answer at `answer_start`."""
    if type(answer_start) is not int or not isinstance(text, str):
        raise ValueError(f"Example {example_id}: an answer is (answer_start: int, text: str), got "
                         f"({answer_start!r}, {text!r:.80}).")
    found = context[answer_start:answer_start + len(text)] if answer_start >= 0 else None
    if found != text:
        raise ValueError(f"Example {example_id}: the answer {text!r:.80} is not at answer_start "
                         f"{answer_start} of its context (found {found!r:.80}); training needs its exact "
                         f"position.")
    # Tokens overlapping the answer's characters: the first ending after its start, the last
    # starting before its end. An answer cut mid-word widens to whole word pieces.
    first = int(np.searchsorted(ends, answer_start, side="right"))
    last = int(np.searchsorted(starts, answer_start + len(text), side="left")) - 1
    if first > last:
        raise ValueError(f"Example {example_id}: the answer {text!r:.80} at {answer_start} covers no "
                         f"token of its context (only characters the tokenizer drops).")
    return first, last


def _window_label(span, first, last, base):
    """Answer positions in a window holding context tokens `[first, last)` (context token i at
    position i + base), else the start token's (0, 0)."""
    if span is None or span[0] < first or span[1] >= last:
        return 0, 0
    return span[0] + base, span[1] + base
