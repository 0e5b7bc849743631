"""Smoke tests of the runnable examples, on a few real snippets."""

import shutil
import sys
from pathlib import Path

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
