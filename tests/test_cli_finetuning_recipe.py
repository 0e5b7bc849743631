"""`bert-zoo finetune`'s training recipe and first-hour paths: BERT's schedule, --keep-best,
--random-init offline, mixed precision, predictions with inputs and probabilities, NER on plain text."""

import json

import numpy as np
import pytest

from keras_bert_zoo import cli_training
from keras_bert_zoo.cli import main, parser

# The CLI's recipe, flags and file handling do not depend on the backend (test_cli_finetuning runs
# every task end to end on each one), so these run once.
pytestmark = pytest.mark.once


def _args(*extra):
    return parser().parse_args(["finetune", "--task", "classify", "--train", "t.csv", "--output", "o", *extra])


def _schedule(optimizer):
    import keras

    return keras.optimizers.schedules.deserialize(optimizer.get_config()["learning_rate"])


def test_learning_rate_warms_up_from_zero_then_decays_to_zero():
    import keras

    # 100 examples, batch 10, 2 epochs: 20 updates, 2 of warmup.
    optimizer = cli_training.optimizer(_args("--batch-size", "10", "--epochs", "2", "--learning-rate", "1e-4"), 100)
    assert float(keras.ops.convert_to_numpy(optimizer.learning_rate)) == 0.0  # step 0
    schedule = _schedule(optimizer)
    rates = [float(keras.ops.convert_to_numpy(schedule(step))) for step in range(21)]
    assert rates[0] == 0 and rates[1] == pytest.approx(5e-5) and max(rates) == pytest.approx(1e-4)
    assert int(np.argmax(rates)) == 2 and rates[20] == 0
    assert isinstance(optimizer, keras.optimizers.AdamW)


def test_gradient_accumulation_counts_the_schedule_in_batches():
    import keras

    optimizer = cli_training.optimizer(_args("--batch-size", "10", "--epochs", "2", "--warmup-ratio", "0.5",
                                             "--gradient-accumulation-steps", "2"), 100)
    assert optimizer.gradient_accumulation_steps == 2
    schedule = _schedule(optimizer)  # 20 batches = 10 updates, 5 of them warmup = 10 batches
    assert schedule.warmup_steps == 10 and schedule.total_steps == 20
    assert float(keras.ops.convert_to_numpy(schedule(10))) == pytest.approx(5e-5)


def test_keep_best_restores_the_best_epoch():
    import keras

    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
    [callback] = cli_training.callbacks(_args("--keep-best", "--validation", "v.csv", "--epochs", "3"))
    callback.set_model(model)
    callback.on_train_begin()
    for epoch, val_loss in enumerate([0.5, 0.2, 0.9]):  # epoch 2 (index 1) is the best
        model.layers[0].kernel.assign(np.full((2, 1), float(epoch)))
        callback.on_epoch_end(epoch, {"loss": 1.0, "val_loss": val_loss})
        assert not getattr(model, "stop_training", False)  # the patience is the whole run: no early stop
    callback.on_train_end()
    np.testing.assert_array_equal(keras.ops.convert_to_numpy(model.layers[0].kernel), np.full((2, 1), 1.0))
    assert cli_training.report_best([callback]) == "kept the weights of epoch 2 (val_loss 0.2000)"


def _csv(path, rows):
    path.write_text("sentence,label\n" + "".join(f"{text},{label}\n" for text, label in rows))
    return path


def test_bert_tiny_random_init_offline_with_integer_labels(tmp_path, capsys):
    """The first hour: a built-in preset, no download, a CSV with 0/1 labels, all three commands."""
    train = _csv(tmp_path / "train.csv", [("a fine film", 1), ("a dull film", 0), ("great fun", 1), ("so boring", 0)])
    model = tmp_path / "model"
    main(["finetune", "--task", "classify", "--train", str(train), "--validation", str(train), "--preset",
          "bert_tiny", "--random-init", "--output", str(model), "--epochs", "2", "--batch-size", "2",
          "--sequence-length", "32", "--verbose", "0", "--keep-best"])
    assert "kept the weights of epoch" in capsys.readouterr().out
    main(["evaluate", "--model", str(model), "--data", str(train)])
    main(["predict", "--model", str(model), "--data", str(train), "--output", str(tmp_path / "out.jsonl")])
    rows = [json.loads(line) for line in (tmp_path / "out.jsonl").read_text().splitlines()]
    assert [row["text"] for row in rows] == ["a fine film", "a dull film", "great fun", "so boring"]
    assert all(row["label"] in (0, 1) for row in rows)  # integers, as in the file, not "0"/"1"
    assert all(sorted(row["probabilities"]) == ["0", "1"] for row in rows)
    assert sum(rows[0]["probabilities"].values()) == pytest.approx(1, abs=1e-5)


def test_mixed_precision_trains_and_restores_the_policy(tmp_path):
    import keras

    train = _csv(tmp_path / "train.csv", [("good", "pos"), ("bad", "neg")])
    main(["finetune", "--task", "classify", "--train", str(train), "--preset", "bert_tiny", "--random-init",
          "--output", str(tmp_path / "model"), "--epochs", "1", "--sequence-length", "16", "--verbose", "0",
          "--mixed-precision", "bf16"])
    assert keras.config.dtype_policy().name == "float32"
    assert (tmp_path / "model" / "task.json").is_file()


@pytest.fixture(scope="module")
def tagger(tmp_path_factory):
    directory = tmp_path_factory.mktemp("tagger")
    train = directory / "train.conll"
    train.write_text("John B-PER\nlives O\nin O\nParis B-LOC\n\nMary B-PER\nleft O\n")
    main(["finetune", "--task", "ner", "--train", str(train), "--preset", "bert_tiny", "--random-init",
          "--output", str(directory / "model"), "--epochs", "1", "--sequence-length", "16", "--verbose", "0"])
    return directory / "model"


def _predict_ner(tagger, data, *extra):
    output = data.with_suffix(".jsonl")
    main(["predict", "--model", str(tagger), "--data", str(data), "--output", str(output), *extra])
    return [json.loads(line) for line in output.read_text().splitlines()]


def test_ner_predict_reads_a_txt_file_as_one_sentence_per_line(tagger, tmp_path):
    text = tmp_path / "new.txt"
    text.write_text("John lives in Paris\nMary left\n")
    rows = _predict_ner(tagger, text)
    assert [row["words"] for row in rows] == [["John", "lives", "in", "Paris"], ["Mary", "left"]]
    assert [len(row["tags"]) for row in rows] == [4, 2]
    other = tmp_path / "new.data"
    other.write_text(text.read_text())
    assert [row["words"] for row in _predict_ner(tagger, other, "--format", "text")] == [row["words"] for row in rows]


def test_ner_predict_on_conll_reads_tokens_with_or_without_tags(tagger, tmp_path):
    tokens = tmp_path / "tokens.conll"
    tokens.write_text("John\nleft\n\nMary\n")
    assert [row["words"] for row in _predict_ner(tagger, tokens)] == [["John", "left"], ["Mary"]]
    tagged = tmp_path / "tagged.conll"
    tagged.write_text("John B-PER\nleft O\n")
    assert [row["words"] for row in _predict_ner(tagger, tagged)] == [["John", "left"]]


def test_ner_predict_refuses_plain_text_given_as_conll(tagger, tmp_path, capsys):
    text = tmp_path / "new.conll"
    text.write_text("John lives in Paris\nMary left\n")
    with pytest.raises(SystemExit) as exit_info:
        _predict_ner(tagger, text)
    err = capsys.readouterr().err
    assert exit_info.value.code == 2 and "new.conll:2" in err and "--format text" in err
