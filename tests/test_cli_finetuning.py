"""`bert-zoo finetune | evaluate | predict` on small files of every task's format, with a tiny model."""

import json

import pytest

import harness
from keras_bert_zoo import BertBackbone, BertTokenizer
from keras_bert_zoo.cli import main

SQUAD_FIXTURE = harness.REPO / "examples" / "data" / "squad_fixtures" / "squad.json"


@pytest.fixture(scope="module")
def tiny_preset(tmp_path_factory):
    """A random tiny backbone with a real (truncated) uncased vocabulary, saved as a preset."""
    directory = tmp_path_factory.mktemp("tiny")
    config = {**harness.TINY_BERT, "vocabulary_size": 1000, "max_sequence_length": 64}
    BertBackbone(**config).save_to_preset(directory, tokenizer=BertTokenizer(harness.small_vocabulary(1000)))
    return directory


def _write(path, lines):
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _table(tmp_path):
    rows = ["sentence\tlabel", "a fine film\tpos", "a dull film\tneg", "great fun\tpos", "so boring\tneg"]
    return _write(tmp_path / "train.tsv", rows)


def _conll(tmp_path):
    rows = ["-DOCSTART- O", "", "John B-PER", "lives O", "in O", "Paris B-LOC", "", "Mary B-PER", "left O"]
    return _write(tmp_path / "train.conll", rows)


def _choices(tmp_path):
    rows = [json.dumps({"context": "the sea is", "choices": ["wet", "dry"], "label": 0}),
            json.dumps({"context": "fire is", "choices": ["cold", "hot"], "label": 1})]
    return _write(tmp_path / "train.jsonl", rows)


def _run(task, train, tiny_preset, tmp_path, *extra):
    model = tmp_path / "model"
    main(["finetune", "--task", task, "--train", str(train), "--validation", str(train), "--preset",
          str(tiny_preset), "--output", str(model), "--epochs", "1", "--batch-size", "2",
          "--sequence-length", "32", "--verbose", "0", *extra])
    main(["evaluate", "--model", str(model), "--data", str(train)])
    main(["predict", "--model", str(model), "--data", str(train), "--output", str(tmp_path / "out.jsonl")])
    metrics = json.loads((model / f"metrics-{train.stem}.json").read_text())
    assert metrics == json.loads((model / "validation_metrics.json").read_text())
    predictions = [json.loads(line) for line in (tmp_path / "out.jsonl").read_text().splitlines()]
    return metrics, predictions


def test_classify(tiny_preset, tmp_path):
    metrics, predictions = _run("classify", _table(tmp_path), tiny_preset, tmp_path)
    assert 0 <= metrics["accuracy"] <= 1
    assert len(predictions) == 4 and {p["label"] for p in predictions} <= {"neg", "pos"}
    # Each row carries its input and the class probabilities, keyed by label name.
    assert predictions[0]["text"] == "a fine film"
    assert sorted(predictions[0]["probabilities"]) == ["neg", "pos"]
    assert sum(predictions[0]["probabilities"].values()) == pytest.approx(1, abs=1e-5)
    assert all(p["label"] == max(p["probabilities"], key=p["probabilities"].get) for p in predictions)


def test_a_saved_classifier_keeps_its_names_and_fine_tunes_as_a_regressor(tiny_preset, tmp_path):
    from keras_bert_zoo import BertClassifier

    _run("classify", _table(tmp_path), tiny_preset, tmp_path)
    assert BertClassifier.from_preset(tmp_path / "model").labels == ["neg", "pos"]
    scores = _write(tmp_path / "scores.tsv", ["sentence\tlabel", "a fine film\t3.5", "a dull film\t-2",
                                              "great fun\t3", "so boring\t-3"])
    with pytest.warns(UserWarning, match="num_classes=1 differs from the saved 2.*newly initialised"):
        main(["finetune", "--task", "regress", "--train", str(scores), "--preset", str(tmp_path / "model"),
              "--output", str(tmp_path / "regressor"), "--epochs", "1", "--batch-size", "2", "--verbose", "0"])
    assert BertClassifier.from_preset(tmp_path / "regressor").num_classes == 1


def test_ner(tiny_preset, tmp_path):
    metrics, predictions = _run("ner", _conll(tmp_path), tiny_preset, tmp_path)
    assert 0 <= metrics["f1"] <= 1
    assert [len(p["tags"]) for p in predictions] == [4, 2]


def test_qa_on_the_squad_fixture(tiny_preset, tmp_path):
    metrics, predictions = _run("qa", SQUAD_FIXTURE, tiny_preset, tmp_path)
    assert 0 <= metrics["f1"] <= 100 and len(predictions) == metrics["total"]
    assert all(p["id"] and p["question"].strip() for p in predictions)


def test_choice(tiny_preset, tmp_path):
    metrics, predictions = _run("choice", _choices(tmp_path), tiny_preset, tmp_path)
    assert 0 <= metrics["accuracy"] <= 1 and [len(p["scores"]) for p in predictions] == [2, 2]
    assert [p["context"] for p in predictions] == ["the sea is", "fire is"]
    assert sum(predictions[0]["probabilities"]) == pytest.approx(1, abs=1e-5)


def test_evaluate_needs_a_finetuned_directory(tiny_preset, tmp_path, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["evaluate", "--model", str(tiny_preset), "--data", str(_table(tmp_path))])
    assert exit_info.value.code == 2 and "task.json" in capsys.readouterr().err
