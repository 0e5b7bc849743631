"""Smoke tests of the runnable examples, on a few real snippets."""

import shutil
import sys
from pathlib import Path

import numpy as np
import pytest

import harness

EXAMPLES = Path(__file__).parents[1] / "examples"
sys.path.insert(0, str(EXAMPLES))


def test_sentiment_data_is_the_real_vader_set():
    from finetune_sentiment import load_snippets

    texts, labels = load_snippets()
    assert len(texts) == 10_605 - 37  # all snippets but the neutral ones
    assert 0.49 < labels.mean() < 0.51


def test_finetune_sentiment_smoke(tmp_path, hf_bert_model):
    """The script runs end to end (a tiny random checkpoint stands in for MiniLM)."""
    from finetune_sentiment import main

    directory, _ = hf_bert_model
    # The tiny checkpoint has no vocabulary: give it a slice of the real one.
    checkpoint = tmp_path / "checkpoint"
    shutil.copytree(directory, checkpoint)
    (checkpoint / "vocab.txt").write_text("\n".join(harness.small_vocabulary(99)) + "\n")
    accuracy = main(["--preset", str(checkpoint), "--limit", "64", "--epochs", "1",
                     "--sequence-length", "16", "--output", str(tmp_path / "out")])
    assert 0 <= accuracy <= 1
    assert (tmp_path / "out" / "preset.json").is_file()


@pytest.mark.parametrize("corpus, recipe", [("moby-dick", "bert"), ("snippets", "short-run")])
def test_pretrain_and_finetune_smoke(tmp_path, corpus, recipe):
    """The whole story (vocabulary, shards, pretraining, both fine-tunings) runs and reports."""
    from pretrain_and_finetune import main

    result = main(["--size", "smoke", "--corpus", corpus, "--recipe", recipe, "--output", str(tmp_path)])
    for key in ("held_out_before", "held_out_after"):
        assert 0 <= result[key]["mlm_accuracy"] <= 1
        if corpus == "moby-dick":
            assert 0 <= result[key]["nsp_accuracy"] <= 1
        else:  # unrelated snippets: masked LM only
            assert result[key]["nsp_accuracy"] is None
    assert 0 <= result["sentiment_accuracy_pretrained"] <= 1
    assert 0 <= result["sentiment_accuracy_random_init"] <= 1
    assert (tmp_path / "pretraining" / "preset" / "preset.json").is_file()


def test_distil_and_finetune_smoke(tmp_path):
    """The main job runs end to end and reports every comparison (a tiny random 6-block teacher
    with a slice of the real vocabulary stands in for MiniLM)."""
    from distil_and_finetune import main

    from keras_bert_zoo import BertBackbone, BertTextEmbedder, BertTokenizer
    from keras_bert_zoo.text import BertPreprocessor

    backbone = BertBackbone(**{**harness.TINY_BERT, "vocabulary_size": 1000, "num_layers": 6})
    preprocessor = BertPreprocessor(BertTokenizer(harness.small_vocabulary(1000)), sequence_length=32)
    BertTextEmbedder(backbone, preprocessor, normalize=True).save_to_preset(tmp_path / "teacher")
    summary = main(["--size", "smoke", "--teacher", str(tmp_path / "teacher"), "--output", str(tmp_path / "run")])
    results = summary["results"]
    assert list(results) == ["random init", "student, not distilled", "student, distilled", "teacher"]
    for row in results.values():
        assert len(row["accuracy"]) == 2 and all(0 <= accuracy <= 1 for accuracy in row["accuracy"])
    assert results["student, distilled"]["parameters"] < results["teacher"]["parameters"]
    gain = summary["distillation_gain"]["over undistilled"]
    assert gain["gains"] == pytest.approx(np.subtract(results["student, distilled"]["accuracy"],
                                                      results["student, not distilled"]["accuracy"]))
    assert summary["student_speedup"] > 0 and summary["accuracy_kept"] > 0
    for saved in ("teacher", "undistilled", "distillation/student"):  # what a rerun resumes from
        assert (tmp_path / "run" / saved / "preset.json").is_file()


def test_pretraining_recipes_smoke(tmp_path):
    """The RoBERTa and ALBERT recipes run end to end, each in a process of its own, and report their
    size, held-out masked-LM accuracy, speed and peak memory (the BERT arm is the recipe that
    test_pretrain_and_finetune_smoke runs; three arms here would cost CI a minute more)."""
    from pretraining_recipes import SIZES, main

    rows = main(["--size", "smoke", "--recipes", "roberta", "albert", "--output", str(tmp_path)])
    by_recipe = {row["recipe"]: row for row in rows}
    assert {recipe: row["tokenizer"] for recipe, row in by_recipe.items()} == {
        "albert": "AlbertTokenizer", "roberta": "RobertaTokenizer"}
    assert by_recipe["roberta"]["nsp_accuracy"] is None  # RoBERTa: MLM only
    assert by_recipe["albert"]["nsp_accuracy"] is not None
    assert by_recipe["roberta"]["updates"] == SIZES["smoke"]["total_steps"] // 4  # 4 batches to an update
    assert by_recipe["albert"]["parameters"] < 0.6 * by_recipe["roberta"]["parameters"]  # one block, narrow embeddings
    for row in rows:
        assert 0 <= row["mlm_accuracy"] <= 1 and row["examples_per_second"] > 0 and row["peak_mib"] > 0
