"""`bert-zoo` on a user's mistakes: one `error:` line and exit status 2, the traceback only with --debug;
and `--help` that starts no TensorFlow."""

import os
import subprocess
import sys

import pytest

from keras_bert_zoo.cli import main

# Error reporting and --help (whose subprocesses pick their own backend) run once.
pytestmark = pytest.mark.once


def _error_line(capsys, argv):
    with pytest.raises(SystemExit) as exit_info:
        main(argv)
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1, err
    assert err.startswith("error: ")
    return err


def test_missing_file_is_one_line(tmp_path, capsys):
    err = _error_line(capsys, ["finetune", "--task", "classify", "--train", str(tmp_path / "nope.csv"),
                               "--output", str(tmp_path / "out")])
    assert "nope.csv" in err


def test_qa_on_a_csv_names_the_file_and_the_format(tmp_path, capsys):
    table = tmp_path / "train.csv"
    table.write_text("sentence,label\ngood,1\n")
    err = _error_line(capsys, ["finetune", "--task", "qa", "--train", str(table), "--output", str(tmp_path / "o")])
    assert "train.csv" in err and "SQuAD" in err


def test_choice_on_a_csv_names_the_file_and_the_format(tmp_path, capsys):
    table = tmp_path / "train.csv"
    table.write_text("sentence,label\ngood,1\n")
    err = _error_line(capsys, ["finetune", "--task", "choice", "--train", str(table), "--output", str(tmp_path)])
    assert "train.csv:1" in err and '"choices"' in err


def test_not_a_finetuned_directory_is_one_line(tmp_path, capsys):
    err = _error_line(capsys, ["evaluate", "--model", str(tmp_path), "--data", str(tmp_path / "x.csv")])
    assert "task.json" in err


def test_keep_best_needs_validation(tmp_path, capsys):
    table = tmp_path / "train.csv"
    table.write_text("sentence,label\ngood,1\n")
    err = _error_line(capsys, ["finetune", "--task", "classify", "--train", str(table), "--output", str(tmp_path),
                               "--keep-best"])
    assert "--validation" in err


def test_a_sequence_length_beyond_the_positions_is_one_line_and_trains_nothing(tmp_path, capsys):
    table = tmp_path / "train.csv"
    table.write_text("sentence,label\ngood,1\nbad,0\n")
    err = _error_line(capsys, ["finetune", "--task", "classify", "--train", str(table), "--preset", "bert_tiny",
                               "--random-init", "--sequence-length", "1000", "--output", str(tmp_path / "out")])
    assert "sequence_length=1000 is longer than the 512 positions" in err
    assert not (tmp_path / "out").exists()


def test_debug_shows_the_traceback(tmp_path):
    with pytest.raises(FileNotFoundError):
        main(["--debug", "finetune", "--task", "classify", "--train", str(tmp_path / "nope.csv"),
              "--output", str(tmp_path)])


HELP_WITHOUT_TENSORFLOW = """
import sys
from keras_bert_zoo.cli import main
for command in ([], ["finetune"], ["pretrain"], ["predict"]):
    try:
        main([*command, "--help"])
    except SystemExit as exit:
        assert exit.code == 0
loaded = sorted(name for name in sys.modules if name.split(".")[0] in ("tensorflow", "keras"))
assert not loaded, loaded[:5]
"""


def test_help_imports_neither_keras_nor_tensorflow():
    env = {**os.environ, "KERAS_BACKEND": "tensorflow", "TF_CPP_MIN_LOG_LEVEL": "3"}
    result = subprocess.run([sys.executable, "-c", HELP_WITHOUT_TENSORFLOW], env=env, capture_output=True,
                            text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stderr == ""
    assert "--random-init" in result.stdout


LAZY_PACKAGE = """
import sys
import keras_bert_zoo, keras_bert_zoo.training
assert "keras" not in sys.modules
import keras

keras_bert_zoo.BertClassifier  # the first model or task name registers them all, for deserialization
assert keras.saving.get_registered_object("keras_bert_zoo>BertBackbone") is keras_bert_zoo.BertBackbone
assert keras_bert_zoo.training.pretraining_optimizer.__name__ == "pretraining_optimizer"
assert set(keras_bert_zoo.__all__) <= set(dir(keras_bert_zoo))
"""


def test_package_imports_lazily_and_registers_its_classes_on_first_use():
    result = subprocess.run([sys.executable, "-c", LAZY_PACKAGE], capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]


def test_offline_builtin_preset_points_to_random_init(tmp_path, capsys):
    table = tmp_path / "train.csv"
    table.write_text("sentence,label\ngood,1\n")
    # conftest sets HF_HUB_OFFLINE=1: the download of bert_tiny's weights fails at once.
    err = _error_line(capsys, ["finetune", "--task", "classify", "--train", str(table), "--preset", "bert_tiny",
                               "--output", str(tmp_path / "out")])
    assert "--random-init" in err
