"""SQuAD JSON reader: the real allennlp fixture, v2.0 entries and clear errors."""

import copy
import json

import pytest

import harness
from keras_bert_zoo.data.squad import SquadExample, as_examples, read_squad, write_squad

FIXTURE = harness.REPO / "examples" / "data" / "squad_fixtures" / "squad.json"

V2 = {
    "version": "v2.0",
    "data": [{"title": "Whales", "paragraphs": [{
        "context": "The sperm whale is the largest toothed whale.",
        "qas": [
            {"id": "a", "question": "Which whale is the largest toothed whale?",
             "answers": [{"text": "The sperm whale", "answer_start": 0}], "is_impossible": False},
            {"id": "b", "question": "Which whale is the smallest?", "answers": [], "is_impossible": True,
             "plausible_answers": [{"text": "sperm whale", "answer_start": 4}]},
        ],
    }]}],
}


def test_reads_the_allennlp_fixture():
    examples = read_squad(FIXTURE)
    assert [e.id for e in examples][:2] == ["5733be284776f41900661182", "5733be284776f4190066117e"]
    assert len(examples) == 5 and not any(e.is_impossible for e in examples)
    first = examples[0]
    assert first.title == "University_of_Notre_Dame"
    assert first.answers == [{"text": "Saint Bernadette Soubirous", "answer_start": 515}]
    assert first.context[515:515 + 26] == "Saint Bernadette Soubirous"
    assert len(examples[1].answers) == 3  # several gold answers are kept
    # Two paragraphs: the questions of one paragraph share its context.
    assert len({e.context for e in examples}) == 2


def test_reads_v2_and_ignores_plausible_answers():
    answerable, impossible = read_squad(V2)
    assert answerable == SquadExample("a", "Which whale is the largest toothed whale?", V2["data"][0]["paragraphs"][0]
                                      ["context"], [{"text": "The sperm whale", "answer_start": 0}], False, "Whales")
    assert impossible.is_impossible and impossible.answers == []


def test_write_then_read_round_trip(tmp_path):
    examples = read_squad(V2)
    write_squad(examples, tmp_path / "out.json")
    assert read_squad(tmp_path / "out.json") == examples
    assert json.loads((tmp_path / "out.json").read_text())["version"] == "v2.0"


def _edited(edit):
    data = copy.deepcopy(V2)
    edit(data["data"][0]["paragraphs"][0])
    return data


@pytest.mark.parametrize("edit, message", [
    (lambda p: p["qas"][0].pop("question"), "Question 'a' has no 'question'"),
    (lambda p: p["qas"][1].pop("id"), "Article 0, paragraph 0, question 1 has no 'id'"),
    (lambda p: p.pop("context"), "Article 0, paragraph 0 has no 'context'"),
    (lambda p: p["qas"][0]["answers"][0].pop("answer_start"), "An answer of question 'a' has no 'answer_start'"),
    (lambda p: p["qas"][0]["answers"][0].update(answer_start=40), "Question 'a': answer_start 40 .* out of range"),
    (lambda p: p["qas"][0]["answers"][0].update(answer_start="0"), "'answer_start' must be of type int"),
    (lambda p: p["qas"][0]["answers"][0].update(answer_start=1), "Question 'a': the answer 'The sperm whale' differs"),
    (lambda p: p["qas"][1]["answers"].append({"text": "The", "answer_start": 0}), "'b' is marked is_impossible but"),
    (lambda p: p["qas"][0].update(answers=[]), "'a' has no answers and is not marked is_impossible"),
    (lambda p: p["qas"][1].update(id="a"), "'a' appears twice"),
])
def test_malformed_entries_are_named(edit, message):
    with pytest.raises(ValueError, match=message):
        read_squad(_edited(edit))


def test_shifted_answers_can_be_kept_for_evaluation():
    shifted = _edited(lambda p: p["qas"][0]["answers"][0].update(answer_start=1))
    assert read_squad(shifted, check_answer_spans=False)[0].answers[0]["answer_start"] == 1


def test_not_a_squad_file():
    with pytest.raises(ValueError, match="'data' list"):
        read_squad({"version": "1.1"})


def test_as_examples_accepts_dicts_and_checks_them():
    answers = [{"text": "c", "answer_start": 0}]
    examples = as_examples([{"id": "x", "question": "q?", "context": "c", "answers": answers}])
    assert examples[0] == SquadExample("x", "q?", "c", [{"text": "c", "answer_start": 0}])
    unlabelled = as_examples([{"id": "y", "question": "q?", "context": "c"}], labelled=False)
    assert unlabelled[0].answers == []
    with pytest.raises(ValueError, match="has no answers"):
        as_examples([{"id": "y", "question": "q?", "context": "c"}])
    with pytest.raises(ValueError, match=r"keys id, question, context.*\['context', 'question'\]"):
        as_examples([{"question": "q?", "context": "c"}])
    with pytest.raises(ValueError, match="non-empty list"):
        as_examples([])
    with pytest.raises(ValueError, match="question must be a str"):
        as_examples([{"id": "z", "question": 3, "context": "c"}], labelled=False)
