"""SQuAD EM/F1 against hand-computed values of the official v1.1/v2.0 rules."""

import pytest

from keras_bert_zoo.metrics import squad


@pytest.mark.parametrize("text, expected", [
    ("The Eiffel Tower!", "eiffel tower"),
    ("An apple, a day", "apple day"),
    ("  Hello\tWorld\n", "hello world"),
    ("theatre anthem", "theatre anthem"),  # articles only as whole words
    ("the-end", "theend"),  # punctuation goes first, so no article is left
    ("U.S.A.", "usa"),
    ("\u201cquoted\u201d", "\u201cquoted\u201d"),  # only ASCII punctuation is removed
    ("A", ""),
])
def test_normalize_answer(text, expected):
    assert squad.normalize_answer(text) == expected


def test_exact_match_ignores_case_punctuation_and_articles():
    assert squad.exact_match("the Denver Broncos.", "Denver  broncos") == 1
    assert squad.exact_match("Denver", "Denver Broncos") == 0


def test_f1_is_over_token_bags():
    # [big, red, dog] vs [red, dog, barking]: 2 shared, P = R = 2/3.
    assert squad.f1("the big red dog", "red dog barking") == pytest.approx(2 / 3)
    # A repeated token counts once per occurrence in both: 1 shared, P = 1/3, R = 1.
    assert squad.f1("dog dog dog", "dog") == pytest.approx(0.5)
    assert squad.f1("cat", "dog") == 0.0


def test_empty_answers_differ_between_versions():
    assert squad.f1("", "", version="1.1") == 0.0  # no shared token
    assert squad.f1("", "", version="2.0") == 1.0
    assert squad.f1("", "dog", version="2.0") == 0.0
    assert squad.f1("the", "", version="2.0") == 1.0  # "the" normalizes to ""
    assert squad.exact_match("", "") == 1


def test_best_gold_answer_counts():
    golds = ["Denver Broncos", "Broncos"]
    # vs "Denver Broncos": P = R = 1/2; vs "Broncos": P = 1/2, R = 1 -> 2/3.
    assert squad.question_scores("Broncos team", golds) == (0, pytest.approx(2 / 3))
    assert squad.question_scores("the broncos", golds) == (1, 1.0)


def test_no_answer_questions_in_v2():
    assert squad.gold_answers([]) == [""]
    assert squad.gold_answers(["a", "cat"]) == ["cat"]  # golds that normalize to "" are dropped
    assert squad.gold_answers(["the"]) == [""]
    assert squad.question_scores("", []) == (1, 1.0)
    assert squad.question_scores("a whale", []) == (0, 0.0)
    with pytest.raises(ValueError, match="at least one gold answer"):
        squad.gold_answers([], version="1.1")


def test_evaluate_totals_and_splits():
    predictions = {"q1": "Denver Broncos", "q2": "", "q3": "blue", "q4": "the cat sat"}
    answers = {"q1": ["Denver Broncos"], "q2": [], "q3": [], "q4": ["a cat sat down"]}
    result = squad.evaluate(predictions, answers)
    # q4: [cat, sat] vs [cat, sat, down]: P = 1, R = 2/3, F1 = 0.8.
    assert result["exact_match"] == pytest.approx(50.0)
    assert result["f1"] == pytest.approx(100 * (1 + 1 + 0 + 0.8) / 4)
    assert result["total"] == 4
    assert (result["HasAns_exact_match"], result["HasAns_f1"], result["HasAns_total"]) == (
        pytest.approx(50.0), pytest.approx(90.0), 2)
    assert (result["NoAns_exact_match"], result["NoAns_f1"], result["NoAns_total"]) == (50.0, 50.0, 2)


def test_evaluate_v1_has_no_splits():
    result = squad.evaluate({"q1": "Broncos", "q2": "x"}, {"q1": ["Denver Broncos"], "q2": ["y"]}, "1.1")
    assert result == {"exact_match": 0.0, "f1": pytest.approx(100 * (2 / 3) / 2), "total": 2}


def test_evaluate_errors():
    with pytest.raises(ValueError, match="No prediction for 1 of 2"):
        squad.evaluate({"q1": "x"}, {"q1": ["x"], "q2": ["y"]})
    with pytest.raises(ValueError, match="version"):
        squad.evaluate({"q1": "x"}, {"q1": ["x"]}, version="3")
    with pytest.raises(ValueError, match="No questions"):
        squad.evaluate({}, {})
