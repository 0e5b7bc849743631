"""Smoke test of examples/finetune_qa.py and checks of its BUILT cloze data."""

import random
import shutil
import sys
from pathlib import Path

import harness
from keras_bert_zoo.data.cloze_squad import QUESTION, build_cloze_examples, cloze_question, read_paragraphs

EXAMPLES = Path(__file__).parents[1] / "examples"
sys.path.insert(0, str(EXAMPLES))
MOBY_DICK = EXAMPLES / "data" / "moby_dick"


def test_cloze_questions_follow_the_rule():
    paragraphs = read_paragraphs(MOBY_DICK / "held_out.txt", 20, 90)
    assert len(paragraphs) == 100 and all(20 <= len(p.split()) <= 90 for _, p in paragraphs)
    examples = build_cloze_examples(paragraphs, questions_per_paragraph=3, seed=1)
    assert 0.15 < sum(e.is_impossible for e in examples) / len(examples) < 0.35
    prefix, suffix = QUESTION.split("{}")
    for example in examples:
        assert example.question.startswith(prefix) and example.question.endswith(suffix)
        left, right = example.question[len(prefix):-len(suffix)].split("_____")
        if example.is_impossible:
            assert left not in example.context and not example.answers
            continue
        (answer,) = example.answers
        start, text = answer["answer_start"], answer["text"]
        assert example.context[start:start + len(text)] == text and 1 <= len(text.split()) <= 3
        # The blank sits exactly where the answer is, between the paragraph's own words.
        assert example.context[:start].endswith(left) and example.context[start + len(text):].startswith(right)
        assert example.context.count(left) == 1


def test_cloze_question_is_deterministic_per_seed():
    paragraph = read_paragraphs(MOBY_DICK / "train.txt")[5][1]
    assert cloze_question(paragraph, random.Random(3)) == cloze_question(paragraph, random.Random(3))


def test_finetune_qa_smoke(tmp_path, hf_bert_model):
    """The script runs end to end (a tiny random checkpoint stands in for MiniLM)."""
    from finetune_qa import main

    directory, _ = hf_bert_model
    checkpoint = tmp_path / "checkpoint"
    shutil.copytree(directory, checkpoint)
    (checkpoint / "vocab.txt").write_text("\n".join(harness.small_vocabulary(99)) + "\n")
    result = main(["--size", "smoke", "--preset", str(checkpoint), "--output", str(tmp_path / "out")])
    assert result["train_questions"] == 8 and result["train_windows"] > 8  # long paragraphs: windows
    for scores in (result["held_out"], result["squad_fixture_v1.1"]):
        assert 0 <= scores["exact_match"] <= scores["f1"] + 1e-9 <= 100 + 1e-9
    assert result["squad_fixture_v1.1"]["total"] == 5
    assert (tmp_path / "out" / "preset" / "preset.json").is_file()
    assert (tmp_path / "out" / "cloze_train-v2.0.json").is_file()
