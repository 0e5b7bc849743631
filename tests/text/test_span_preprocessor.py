"""Question/context windows: coverage, overlap, offsets and answer positions."""

import string

import keras
import numpy as np
import pytest

from keras_bert_zoo import BertTokenizer
from keras_bert_zoo.text.span_preprocessor import BertSpanPreprocessor

# Whole words for a few common ones, letters for the rest: most words become several pieces,
# so short texts need several windows and answers can start inside a word.
LETTERS = list(string.ascii_lowercase)
VOCABULARY = (["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "the", "whale", "ship", "sea"]
              + LETTERS + ["##" + c for c in LETTERS] + list(".,;!?-'"))
CONTEXT = ("Call me Ishmael. Some years ago, never mind how long precisely, having little or no money in my "
           "purse, I thought I would sail about a little and see the watery part of the world.")


@pytest.fixture(scope="module")
def tokenizer():
    return BertTokenizer(VOCABULARY)


def context_token_offsets(tokenizer, text):
    _, starts, ends = tokenizer.tokenize_with_offsets(text)
    return list(zip(starts.numpy().tolist(), ends.numpy().tolist()))


def window_offsets(features, row):
    offsets = features.offsets[row]
    return [tuple(pair) for pair in offsets[offsets[:, 0] >= 0].tolist()]


def test_windows_cover_every_context_token_and_overlap(tokenizer):
    pre = BertSpanPreprocessor(tokenizer, sequence_length=32, doc_stride=7)
    features = pre(["who sails?"], [CONTEXT])
    expected = context_token_offsets(tokenizer, CONTEXT)
    windows = [window_offsets(features, row) for row in range(len(features.example_index))]
    assert len(windows) > 5 and set(features.example_index) == {0}
    # Together the windows are the context, each a contiguous run of its tokens.
    assert sorted(set(sum(windows, []))) == expected
    firsts = [expected.index(window[0]) for window in windows]
    assert all(expected[f:f + len(w)] == w for f, w in zip(firsts, windows))
    assert all(0 < b - a <= 7 for a, b in zip(firsts, firsts[1:]))
    assert windows[-1][-1] == expected[-1]
    # Layout: [CLS] question [SEP] window [SEP], segment 1 from the window on, then padding.
    ids, segments, mask = (features.inputs[k][0] for k in ("token_ids", "segment_ids", "padding_mask"))
    question = tokenizer("who sails?").numpy().tolist()
    assert ids[0] == tokenizer.cls_token_id and ids[len(question) + 1] == tokenizer.sep_token_id
    assert ids.tolist()[1:len(question) + 1] == question
    assert mask.all() and segments.tolist() == [0] * (len(question) + 2) + [1] * (32 - len(question) - 2)
    assert features.inputs["token_ids"].dtype == np.int32 and features.offsets.dtype == np.int32


@pytest.mark.parametrize("answer", ["Ishmael", "little or no money", "the watery part of the world"])
def test_answer_positions_map_back_to_the_answer(tokenizer, answer):
    pre = BertSpanPreprocessor(tokenizer, sequence_length=40, doc_stride=9)
    start = CONTEXT.index(answer)
    features = pre(["what?"], [CONTEXT], answers=[(start, answer)])
    starts, ends = features.labels["start_logits"], features.labels["end_logits"]
    for row in range(len(starts)):
        spans = window_offsets(features, row)
        holds_answer = spans[0][0] <= start and spans[-1][1] >= start + len(answer)
        if holds_answer:
            offsets = features.offsets[row]
            assert CONTEXT[offsets[starts[row], 0]:offsets[ends[row], 1]] == answer
        else:
            assert starts[row] == ends[row] == 0  # [CLS]
    assert (starts > 0).any()


def test_offsets_are_python_string_indices(tokenizer):
    """Code points, not bytes or UTF-16 units: an emoji and accents before the answer."""
    context = "Caf\u00e9 na\u00efve \U0001F40B \u00c6r\u00f8 the whale sea"
    pre = BertSpanPreprocessor(tokenizer, sequence_length=64)
    features = pre(["what?"], [context], answers=[(context.index("whale sea"), "whale sea")])
    row_offsets = features.offsets[0]
    start, end = features.labels["start_logits"][0], features.labels["end_logits"][0]
    assert context[row_offsets[start, 0]:row_offsets[end, 1]] == "whale sea"
    pieces = [context[a:b] for a, b in window_offsets(features, 0)]
    assert pieces[-3:] == ["the", "whale", "sea"]


def test_answer_inside_a_word_widens_to_its_pieces(tokenizer):
    pre = BertSpanPreprocessor(tokenizer, sequence_length=48)
    context = "the whales swim"  # "whales" is "whale" "##s"
    features = pre(["what?"], [context], answers=[(4, "whale")])
    offsets = features.offsets[0]
    start, end = features.labels["start_logits"][0], features.labels["end_logits"][0]
    assert context[offsets[start, 0]:offsets[end, 1]] == "whale"
    features = pre(["what?"], [context], answers=[(5, "hale")])  # starts inside the piece "whale"
    start, end = features.labels["start_logits"][0], features.labels["end_logits"][0]
    assert context[features.offsets[0, start, 0]:features.offsets[0, end, 1]] == "whale"


def test_no_answer_and_shared_contexts(tokenizer):
    pre = BertSpanPreprocessor(tokenizer, sequence_length=32, doc_stride=8)
    features = pre(["a?", "b?", "c?"], [CONTEXT, "the sea", CONTEXT], answers=[None, (4, "sea"), None])
    counts = np.bincount(features.example_index)
    assert counts[0] == counts[2] > 1 and counts[1] == 1
    labelled = features.labels["start_logits"] > 0
    assert labelled.tolist() == [index == 1 for index in features.example_index]


def test_empty_context_gives_one_window_without_context_tokens(tokenizer):
    features = BertSpanPreprocessor(tokenizer, sequence_length=16)(["what?"], [""])
    assert len(features.example_index) == 1 and (features.offsets == -1).all()


def test_long_questions_are_cut(tokenizer):
    pre = BertSpanPreprocessor(tokenizer, sequence_length=32, max_question_length=5)
    features = pre([CONTEXT], ["the sea"])
    assert features.inputs["segment_ids"][0].tolist().index(1) == 5 + 2


def test_defaults_follow_the_sequence_length(tokenizer):
    default = BertSpanPreprocessor(tokenizer)  # BERT's SQuAD setting at 384 tokens
    assert (default.sequence_length, default.doc_stride, default.max_question_length) == (384, 128, 64)
    short = BertSpanPreprocessor(tokenizer, sequence_length=32)
    assert (short.doc_stride, short.max_question_length) == (10, 14)


@pytest.mark.parametrize("answer, message", [
    ((5, "Ishmael"), "Example q7: the answer 'Ishmael' is not at answer_start 5"),
    ((-1, "C"), "not at answer_start -1"),
    ((4, " "), "covers no token"),
    (("8", "Ishmael"), "answer is \\(answer_start: int, text: str\\)"),
])
def test_bad_answers_are_named(tokenizer, answer, message):
    pre = BertSpanPreprocessor(tokenizer, sequence_length=32)
    with pytest.raises(ValueError, match=message):
        pre(["who?"], [CONTEXT], answers=[answer], ids=["q7"])


def test_argument_errors(tokenizer):
    pre = BertSpanPreprocessor(tokenizer, sequence_length=32)
    with pytest.raises(ValueError, match="as many questions as contexts"):
        pre(["a?", "b?"], [CONTEXT])
    with pytest.raises(ValueError, match="2 questions but 1 answers"):
        pre(["a?", "b?"], [CONTEXT, CONTEXT], answers=[None])
    with pytest.raises(TypeError, match="list of str"):
        pre([1], [CONTEXT])
    with pytest.raises(ValueError, match="max_question_length"):
        BertSpanPreprocessor(tokenizer, sequence_length=32, max_question_length=29)
    with pytest.raises(ValueError, match="doc_stride"):
        BertSpanPreprocessor(tokenizer, sequence_length=32, doc_stride=0)
    with pytest.raises(TypeError, match="BertTokenizer"):
        BertSpanPreprocessor("vocab.txt")


def test_serialization_round_trip(tokenizer):
    pre = BertSpanPreprocessor(tokenizer, sequence_length=32, doc_stride=5, max_question_length=6)
    clone = keras.saving.deserialize_keras_object(keras.saving.serialize_keras_object(pre))
    assert isinstance(clone, BertSpanPreprocessor) and clone.get_config() == pre.get_config()
    a, b = pre(["who?"], [CONTEXT]), clone(["who?"], [CONTEXT])
    assert all((a.inputs[k] == b.inputs[k]).all() for k in a.inputs) and (a.offsets == b.offsets).all()
