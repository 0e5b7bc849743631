"""The pretraining run end to end: shards, training, curves, preset, and exact resume after a kill."""

import json
import os
import subprocess
import sys

import numpy as np
import pytest

import harness
from keras_bert_zoo.data.prepare import prepare_pretraining_data
from keras_bert_zoo.text import BertTokenizer

CORPUS = harness.REPO / "examples" / "data" / "moby_dick" / "held_out.txt"
OPTIONS = ["--preset", "bert_tiny", "--batch-size", "4", "--total-steps", "40", "--steps-per-checkpoint", "2",
           "--learning-rate", "1e-3", "--verbose", "0"]


@pytest.fixture(scope="module")
def shards(tmp_path_factory):
    directory = tmp_path_factory.mktemp("shards") / "train"
    tokenizer = BertTokenizer(harness.small_vocabulary(1000))
    first_chapters = tmp_path_factory.mktemp("corpus") / "text.txt"
    first_chapters.write_text("\n\n".join(CORPUS.read_text().split("\n\n")[:40]))
    prepare_pretraining_data(first_chapters, directory, tokenizer, max_sequence_length=32, num_shards=2)
    return directory


def _pretrain(shards, output, *extra):
    command = [sys.executable, "-m", "keras_bert_zoo.cli", "pretrain", "--data", str(shards),
               "--output", str(output), *OPTIONS, *extra]
    return subprocess.Popen(command, env=os.environ.copy(), stdout=subprocess.PIPE, stderr=subprocess.STDOUT)


def _weights(run):
    from safetensors.numpy import load_file

    return load_file(str(run / "preset" / "backbone.safetensors"))


# The run's plumbing (config, data position, history) is the same on every backend; what differs
# by backend, saving and restoring the model, optimizer and dropout state, is tested on each one in
# test_checkpoints.py. So these run once.
@pytest.mark.once
def test_killed_run_resumes_exactly(shards, tmp_path):
    harness.killed_and_resumed(lambda run: _pretrain(shards, run), tmp_path)

    expected, actual = _weights(tmp_path / "reference"), _weights(tmp_path / "interrupted")
    assert expected.keys() == actual.keys()
    for name in expected:
        np.testing.assert_allclose(actual[name], expected[name], atol=1e-6, err_msg=name)
    history = [row["step"] for row in _csv_rows(tmp_path / "interrupted" / "history.csv")]
    assert history == list(range(2, 41, 2))  # no gap, no repeated row
    assert (tmp_path / "interrupted" / "curves.png").stat().st_size > 0


def _csv_rows(path):
    import csv

    with open(path) as f:
        return [{key: float(value) for key, value in row.items() if value} for row in csv.DictReader(f)]


def test_run_learns_and_its_preset_fine_tunes(shards, tmp_path):
    from keras_bert_zoo import BertClassifier
    from keras_bert_zoo.training.pretraining_run import PretrainingConfig, run_pretraining

    config = PretrainingConfig(data=str(shards), output=str(tmp_path / "run"), validation_data=str(shards),
                               batch_size=8, total_steps=30, steps_per_checkpoint=10, learning_rate=2e-3,
                               validation_steps=4, verbose=0)
    summary = run_pretraining(config)
    rows = _csv_rows(tmp_path / "run" / "history.csv")
    assert rows[-1]["mlm_logits_loss"] < rows[0]["mlm_logits_loss"]
    assert 0 < summary["held_out"]["mlm_logits_accuracy"] <= 1
    assert json.loads((tmp_path / "run" / "summary.json").read_text())["steps"] == 30
    classifier = BertClassifier.from_preset(summary["preset"], num_classes=2)
    harness.check_fit_one_step(classifier, ["a calm sea", "a furious storm"], np.array([1, 0]))


@pytest.mark.once  # see test_killed_run_resumes_exactly
def test_changed_settings_refuse_to_resume(shards, tmp_path):
    from keras_bert_zoo.training.pretraining_run import PretrainingConfig, run_pretraining

    run_pretraining(PretrainingConfig(data=str(shards), output=str(tmp_path), total_steps=2,
                                      steps_per_checkpoint=2, batch_size=4, verbose=0))
    with pytest.raises(ValueError, match="batch_size"):
        run_pretraining(PretrainingConfig(data=str(shards), output=str(tmp_path), total_steps=2,
                                          steps_per_checkpoint=2, batch_size=8, verbose=0))


def test_held_out_data_smaller_than_a_batch_is_refused(shards, tmp_path):
    from keras_bert_zoo.data.pretraining_dataset import read_manifest
    from keras_bert_zoo.training.pretraining_run import PretrainingConfig, run_pretraining

    count = read_manifest(shards)[1]["count"]
    with pytest.raises(ValueError, match=f"holds {count} examples, fewer than one batch of {count + 1}"):
        run_pretraining(PretrainingConfig(data=str(shards), output=str(tmp_path), validation_data=str(shards),
                                          total_steps=2, steps_per_checkpoint=2, batch_size=count + 1, verbose=0))


@pytest.mark.once  # see test_killed_run_resumes_exactly
def test_dropout_option_applies_to_pretraining_only(shards, tmp_path):
    import keras

    from keras_bert_zoo import BertClassifier
    from keras_bert_zoo.data.prepare import load_tokenizer
    from keras_bert_zoo.training.pretraining_run import (PretrainingConfig, build_pretrainer, pretraining_data,
                                                         run_pretraining)

    def training_logits_twice(dropout):
        config = PretrainingConfig(data=str(shards), output=str(tmp_path / f"run-{dropout}"), total_steps=2,
                                   steps_per_checkpoint=2, batch_size=4, dropout=dropout, verbose=0)
        tokenizer = load_tokenizer(config.data)
        task = build_pretrainer(config, tokenizer)
        x = next(iter(pretraining_data(config, config.data, tokenizer)))[0]
        return config, [keras.ops.convert_to_numpy(task(x, training=True)["mlm_logits"]) for _ in range(2)]

    _, (first, second) = training_logits_twice(None)
    assert not np.allclose(first, second)  # the preset's dropout (0.1) is on
    config, (first, second) = training_logits_twice(0.0)
    np.testing.assert_array_equal(first, second)

    preset = run_pretraining(config)["preset"]
    assert json.loads((tmp_path / "run-0.0" / "preset" / "preset.json").read_text())["backbone"]["config"][
        "dropout"] == 0.1  # fine-tuning gets the architecture's rate back
    assert BertClassifier.from_preset(preset, num_classes=2).backbone.get_config()["dropout"] == 0.1
    with pytest.raises(ValueError, match="dropout"):
        PretrainingConfig(data=str(shards), output=str(tmp_path), dropout=1.0)


@pytest.mark.once  # see test_killed_run_resumes_exactly
def test_resume_says_where_it_resumes(shards, tmp_path, capsys):
    from keras_bert_zoo.training.pretraining_run import PretrainingConfig, run_pretraining

    options = dict(data=str(shards), output=str(tmp_path), steps_per_checkpoint=2, batch_size=4, verbose=0)
    run_pretraining(PretrainingConfig(total_steps=2, **options))
    assert "resuming" not in capsys.readouterr().out  # a fresh run
    run_pretraining(PretrainingConfig(total_steps=4, **options))  # a longer run continues the first
    assert "resuming from step 2 of 4" in capsys.readouterr().out


@pytest.mark.once  # see test_killed_run_resumes_exactly
def test_roberta_recipe_pretrains_a_roberta_backbone(tmp_path):
    """RoBERTa's recipe end to end: a byte-level BPE vocabulary, FULL-SENTENCES shards without
    next-sentence labels, masked-LM pretraining of a RobertaBackbone; the preset reads text."""
    from keras_bert_zoo import BertMaskedLM, RobertaBackbone
    from keras_bert_zoo.data.prepare import load_tokenizer, save_tokenizer
    from keras_bert_zoo.data.vocabulary import train_bpe_vocabulary
    from keras_bert_zoo.text import RobertaTokenizer
    from keras_bert_zoo.training.pretraining_run import PretrainingConfig, run_pretraining

    text = tmp_path / "text.txt"
    text.write_text("\n\n".join(CORPUS.read_text().split("\n\n")[:40]))
    save_tokenizer(train_bpe_vocabulary(text, 400, verbose=False), tmp_path / "vocabulary")
    tokenizer = load_tokenizer(tmp_path / "vocabulary")
    assert isinstance(tokenizer, RobertaTokenizer)
    manifest = prepare_pretraining_data(text, tmp_path / "shards", tokenizer, max_sequence_length=32, num_shards=1,
                                        next_sentence_prediction=False, cross_documents=True)
    assert manifest["options"]["cross_documents"] and manifest["objective"] is None
    RobertaBackbone(**{**harness.TINY_BERT, "vocabulary_size": 400}).save_to_preset(tmp_path / "architecture")
    summary = run_pretraining(PretrainingConfig(data=str(tmp_path / "shards"), output=str(tmp_path / "run"),
                                                preset=str(tmp_path / "architecture"), total_steps=4,
                                                steps_per_checkpoint=2, batch_size=4, verbose=0))
    assert "nsp_loss" not in summary["history"] and np.isfinite(summary["history"]["loss"])
    masked_lm = BertMaskedLM.from_preset(summary["preset"])
    assert isinstance(masked_lm.backbone, RobertaBackbone)
    assert isinstance(masked_lm.preprocessor.tokenizer, RobertaTokenizer)
    assert len(masked_lm.fill_mask("the <mask> whale", top_k=2)[0]) == 2


@pytest.mark.once  # see test_killed_run_resumes_exactly
def test_albert_recipe_pretrains_an_albert_backbone(tmp_path, shards, capsys):
    """ALBERT's recipe end to end: a SentencePiece vocabulary, sentence-order pairs, n-gram
    whole-word masking, both heads of an AlbertBackbone with shared layers; the preset reads text."""
    from keras_bert_zoo import AlbertBackbone, BertMaskedLM
    from keras_bert_zoo.data.vocabulary import train_sentencepiece_vocabulary
    from keras_bert_zoo.text import AlbertTokenizer
    from keras_bert_zoo.training.pretraining_run import PretrainingConfig, held_out_data, run_pretraining

    text = tmp_path / "text.txt"
    text.write_text("\n\n".join(CORPUS.read_text().split("\n\n")[:10]))
    tokenizer = train_sentencepiece_vocabulary(text, 400, verbose=False)
    manifest = prepare_pretraining_data(text, tmp_path / "sop", tokenizer, max_sequence_length=32, num_shards=1,
                                        objective="sop")
    assert manifest["objective"] == "sop"
    AlbertBackbone(**{**harness.TINY_BERT, "vocabulary_size": 400, "embedding_dim": 8, "num_layers": 4,
                      "num_layer_groups": 1}).save_to_preset(tmp_path / "architecture")
    options = dict(data=str(tmp_path / "sop"), preset=str(tmp_path / "architecture"), total_steps=2,
                   steps_per_checkpoint=2, batch_size=4, verbose=0, whole_word_masking=True, max_ngram=3)
    summary = run_pretraining(PretrainingConfig(output=str(tmp_path / "run"), **options))
    assert "pretraining: masked LM + sentence-order prediction" in capsys.readouterr().out
    assert summary["objective"] == "sop" and np.isfinite(summary["history"]["nsp_logits_loss"])
    with pytest.warns(UserWarning, match="BertPretrainer's, so the head is newly initialised"):
        masked_lm = BertMaskedLM.from_preset(summary["preset"])  # the pretrained backbone, a new head
    assert isinstance(masked_lm.backbone, AlbertBackbone) and len(masked_lm.backbone.transformer_layers) == 1
    assert isinstance(masked_lm.preprocessor.tokenizer, AlbertTokenizer)
    assert len(masked_lm.fill_mask("the [MASK] whale", top_k=2)[0]) == 2
    mismatch = PretrainingConfig(output=str(tmp_path / "mismatch"), validation_data=str(shards), **options)
    with pytest.raises(ValueError, match="next-sentence prediction examples.*sentence-order prediction ones"):
        held_out_data(mismatch, tokenizer)
    with pytest.raises(ValueError, match="max_ngram"):
        PretrainingConfig(output=str(tmp_path / "bad"), **{**options, "max_ngram": 0})
