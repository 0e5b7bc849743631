"""Answer decoding on hand-made logits: window merging, span rules, the no-answer threshold."""

import numpy as np
import pytest

from keras_bert_zoo.tasks.span_decoding import decode_answers
from keras_bert_zoo.text.span_preprocessor import SpanFeatures

# Two windows of "aa bb cc dd ee" (example 0), one of "ff gg" (example 1). Each row is
# [CLS] q [SEP] c c c c [SEP]: context tokens sit at positions 3..6.
CONTEXTS = ["aa bb cc dd ee", "ff gg"]
AA, BB, CC, DD, EE = (0, 2), (3, 5), (6, 8), (9, 11), (12, 14)
FF, GG = (0, 2), (3, 5)
NONE = (-1, -1)


def features():
    rows = [[AA, BB, CC, DD], [BB, CC, DD, EE], [FF, GG, NONE, NONE]]
    offsets = np.array([[NONE, NONE, NONE, *row, NONE] for row in rows], "int32")
    return SpanFeatures(inputs={}, example_index=np.array([0, 0, 1], "int32"), offsets=offsets)


def logits(**spots):
    """Zero logits except `{name: [(row, position, value), ...]}`."""
    start, end = np.zeros((3, 8), "float32"), np.zeros((3, 8), "float32")
    for row, position, value in spots.get("start", []):
        start[row, position] = value
    for row, position, value in spots.get("end", []):
        end[row, position] = value
    return start, end


def test_best_span_over_the_windows_of_an_example():
    # Window 0: "cc dd" scores 2 + 2; window 1: "ee" scores 5 + 5.
    start, end = logits(start=[(0, 5, 2), (1, 6, 5)], end=[(0, 6, 2), (1, 6, 5)])
    first, second = decode_answers(features(), CONTEXTS, start, end)
    assert (first["text"], first["start"], first["end"], first["score"]) == ("ee", 12, 14, 10.0)
    assert {"text": "cc dd", "start": 6, "end": 11, "score": 4.0} in first["n_best"]
    assert len(decode_answers(features(), CONTEXTS, start, end, n_best=3)[0]["n_best"]) == 3
    assert [a["score"] for a in first["n_best"]] == sorted((a["score"] for a in first["n_best"]), reverse=True)
    assert second["id"] == 1 and second["text"] in ("ff", "gg", "ff gg")


def test_a_span_seen_in_two_windows_counts_once_with_its_best_score():
    # "cc dd" is at positions 5-6 of window 0 and 4-5 of window 1.
    start, end = logits(start=[(0, 5, 3), (1, 4, 4)], end=[(0, 6, 3), (1, 5, 4)])
    answer = decode_answers(features(), CONTEXTS, start, end, n_best=20)[0]
    texts = [a["text"] for a in answer["n_best"]]
    assert answer["text"] == "cc dd" and answer["score"] == 8.0
    assert texts.count("cc dd") == 1 and len(texts) == len(set(texts))
    # Example 0 has 5 tokens: 15 spans, all but "aa .. ee" inside one window; each found once.
    assert len(texts) == 14 and "aa bb cc dd ee" not in texts


def test_max_answer_length_and_order_of_start_and_end():
    # Window 0 would score 40 with start "dd" and end "bb", an end before its start: never a span.
    # Window 1's best is "bb" .. "ee" (4 tokens).
    traps = [(0, position, -30) for position in range(3, 7)]
    start, end = logits(start=traps + [(1, 3, 9), (0, 6, 20)], end=traps + [(1, 6, 9), (0, 4, 20)])
    assert decode_answers(features(), CONTEXTS, start, end)[0]["text"] == "bb cc dd ee"
    short = decode_answers(features(), CONTEXTS, start, end, max_answer_length=2)[0]
    assert all(len(a["text"].split()) <= 2 for a in short["n_best"])
    assert short["score"] == 9.0 and short["text"] in ("bb", "bb cc", "dd ee", "ee")


def test_question_and_special_positions_are_never_answers():
    start, end = logits(start=[(0, 1, 50), (0, 7, 50)], end=[(0, 1, 50), (0, 7, 50), (0, 3, 1)],)
    answer = decode_answers(features(), CONTEXTS, start, end, n_best=100)[0]
    assert answer["text"] == "aa" and answer["score"] == 1.0


def test_null_threshold():
    # Null scores: example 0 windows 3 and 20 (min 3); example 1: 12. Best spans: 10 and 5.
    start, end = logits(start=[(0, 0, 1), (1, 0, 10), (1, 6, 5), (2, 0, 6), (2, 3, 5)],
                        end=[(0, 0, 2), (1, 0, 10), (1, 6, 5), (2, 0, 6), (2, 4, -1)])
    first, second = decode_answers(features(), CONTEXTS, start, end, null_score_threshold=0.0)
    assert (first["text"], first["null_score"]) == ("ee", 3.0)
    assert (second["text"], second["start"], second["end"], second["null_score"]) == ("", None, None, 12.0)
    assert second["score"] == 5.0 and second["n_best"][0]["text"] == "ff"
    # 12 - 5 = 7: a threshold above it answers, and None (SQuAD v1.1) always answers.
    assert decode_answers(features(), CONTEXTS, start, end, null_score_threshold=7.5)[1]["text"] == "ff"
    assert decode_answers(features(), CONTEXTS, start, end)[1]["text"] == "ff"


def test_ids_and_argument_errors():
    start, end = logits()
    assert [a["id"] for a in decode_answers(features(), CONTEXTS, start, end, ids=["x", "y"])] == ["x", "y"]
    with pytest.raises(ValueError, match="n_best"):
        decode_answers(features(), CONTEXTS, start, end, n_best=0)
    with pytest.raises(ValueError, match="max_answer_length"):
        decode_answers(features(), CONTEXTS, start, end, max_answer_length=0)
    with pytest.raises(ValueError, match="do not match"):
        decode_answers(features(), CONTEXTS, start[:2], end[:2])
