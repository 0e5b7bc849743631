"""The distillation run end to end: a teacher preset and text in, a student preset out, exact
resume after a kill, and `bert-zoo distill`."""

import json
import os
import subprocess
import sys

import numpy as np
import pytest

import harness
from keras_bert_zoo import BertBackbone, BertClassifier, BertTokenizer
from keras_bert_zoo.text import BertPreprocessor

CORPUS = harness.REPO / "examples" / "data" / "moby_dick" / "held_out.txt"
OPTIONS = ["--batch-size", "4", "--sequence-length", "24", "--total-steps", "8", "--steps-per-checkpoint", "2",
           "--learning-rate", "1e-3", "--verbose", "0"]


@pytest.fixture(scope="module")
def teacher(tmp_path_factory):
    """A 4-block classifier preset with a real (truncated) vocabulary, and a short text file."""
    directory = tmp_path_factory.mktemp("teacher")
    tokenizer = BertTokenizer(harness.small_vocabulary(1000))
    backbone = BertBackbone(**{**harness.TINY_BERT, "vocabulary_size": 1000, "num_layers": 4})
    BertClassifier(backbone, num_classes=3, preprocessor=BertPreprocessor(tokenizer, sequence_length=24)).save_to_preset(
        directory / "preset")
    text = directory / "text.txt"
    text.write_text("\n\n".join(CORPUS.read_text().split("\n\n")[:6]))
    return directory / "preset", text


def _distill(teacher, output, *extra):
    preset, text = teacher
    command = [sys.executable, "-m", "keras_bert_zoo.cli", "distill", "--teacher", str(preset), "--texts", str(text),
               "--output", str(output), *OPTIONS, *extra]
    return subprocess.Popen(command, env=os.environ.copy(), stdout=subprocess.PIPE, stderr=subprocess.STDOUT)


def _student_weights(run):
    from safetensors.numpy import load_file

    return {**load_file(str(run / "student" / "backbone.safetensors")),
            **{f"head/{k}": v for k, v in load_file(str(run / "student" / "task.safetensors")).items()}}


@pytest.mark.once  # the checkpoint machinery is tested on every backend in test_checkpoints.py
def test_killed_distillation_resumes_exactly(teacher, tmp_path):
    output = harness.killed_and_resumed(lambda run: _distill(teacher, run), tmp_path)
    assert "resuming from step" in output

    expected, actual = _student_weights(tmp_path / "reference"), _student_weights(tmp_path / "interrupted")
    assert expected.keys() == actual.keys()
    for name in expected:
        np.testing.assert_allclose(actual[name], expected[name], atol=1e-6, err_msg=name)
    assert json.loads((tmp_path / "interrupted" / "summary.json").read_text())["steps"] == 8
    assert (tmp_path / "interrupted" / "curves.png").stat().st_size > 0


def test_run_learns_and_its_student_is_a_smaller_classifier(teacher, tmp_path):
    from keras_bert_zoo.training.distillation_run import DistillationConfig, run_distillation

    preset, text = teacher
    config = DistillationConfig(teacher=preset, texts=[text], validation_texts=[text], output=tmp_path / "run",
                                batch_size=8, sequence_length=24, total_steps=30, steps_per_checkpoint=10,
                                learning_rate=2e-3, validation_steps=2, verbose=0)
    summary = run_distillation(config)
    history = summary["history"]
    assert {"soft_loss", "cosine_loss", "val_soft_loss", "val_cosine_loss"} <= set(history)  # soft: it has logits
    rows = [line.split(",") for line in (tmp_path / "run" / "history.csv").read_text().splitlines()]
    column = rows[0].index("loss")
    assert float(rows[-1][column]) < float(rows[1][column])
    student = BertClassifier.from_preset(summary["student"])
    assert len(student.backbone.transformer_layers) == 2 and student.num_classes == 3  # blocks 0 and 2 of 4
    assert summary["student_parameters"] == student.count_params() < summary["teacher_parameters"]
    assert np.isfinite(summary["held_out"]["loss"])
    # The checkpoint holds the student and the optimizer, not the frozen teacher.
    from safetensors.numpy import load_file

    saved = load_file(str(next((tmp_path / "run" / "checkpoints").glob("step-*")) / "variables.safetensors"))
    saved_values = sum(value.size for value in saved.values())
    teacher_values = BertClassifier.from_preset(preset).count_params()
    assert saved_values < 3 * summary["student_parameters"] + teacher_values // 2


@pytest.mark.once  # settings checks: the same on every backend
def test_changed_settings_refuse_to_resume_and_bad_options_are_named(teacher, tmp_path):
    from keras_bert_zoo.training.distillation_run import DistillationConfig, run_distillation

    preset, text = teacher
    options = dict(teacher=preset, texts=[text], output=tmp_path, sequence_length=24, total_steps=2,
                   steps_per_checkpoint=2, verbose=0)
    run_distillation(DistillationConfig(batch_size=4, **options))
    with pytest.raises(ValueError, match="batch_size"):
        run_distillation(DistillationConfig(batch_size=8, **options))
    with pytest.raises(ValueError, match="texts must be a non-empty list"):
        DistillationConfig(teacher=preset, texts=str(text), output=tmp_path)
    with pytest.raises(ValueError, match="multiple of steps_per_checkpoint"):
        DistillationConfig(teacher=preset, texts=[text], output=tmp_path, total_steps=3, steps_per_checkpoint=2)
    with pytest.raises(ValueError, match="indices of the teacher's 4 blocks"):
        run_distillation(DistillationConfig(**{**options, "output": tmp_path / "other"}, student_layers=[0, 4]))
