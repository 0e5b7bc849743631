"""Smoke test of examples/finetune_sentiment_regression.py on a few real VADER snippets."""

import shutil
import sys
from pathlib import Path

import numpy as np

import harness

sys.path.insert(0, str(Path(__file__).parents[1] / "examples"))


def test_scores_are_the_real_vader_ratings():
    from finetune_sentiment_regression import load_scores

    texts, scores = load_scores()
    assert len(texts) == len(scores) == 10_605
    assert texts[2] == "Effective but too tepid biopic" and scores[2] == np.float32(-0.6)
    assert -4 <= scores.min() < -3.5 and 3.5 < scores.max() <= 4


def test_built_pairs_respect_the_margin_and_the_order():
    from finetune_sentiment_regression import build_pairs

    texts = np.array(["a", "b", "c", "d"], dtype=object)
    scores = np.array([-2.0, -1.5, 1.0, 3.0], dtype="float32")
    (left, right), labels, (first, second) = build_pairs(texts, scores, 50, 1.0, np.random.default_rng(0))
    assert len(left) == len(right) == len(labels) == 50
    assert np.all(np.abs(scores[first] - scores[second]) >= 1.0)
    np.testing.assert_array_equal(labels, scores[first] > scores[second])
    assert {("a", "b"), ("b", "a")}.isdisjoint(zip(left, right))  # 0.5 apart: below the margin


def test_regression_example_smoke(tmp_path, hf_bert_model):
    """The script runs end to end (a tiny random checkpoint stands in for MiniLM)."""
    from finetune_sentiment_regression import main

    directory, _ = hf_bert_model
    checkpoint = tmp_path / "checkpoint"
    shutil.copytree(directory, checkpoint)
    (checkpoint / "vocab.txt").write_text("\n".join(harness.small_vocabulary(99)) + "\n")
    results = main(["--size", "smoke", "--preset", str(checkpoint)])
    assert set(results["regression"]) == {"pearson", "spearman", "mse"}
    assert results["regression"]["mse"] > 0 and results["regression_mean_baseline_mse"] > 0
    assert 0 <= results["pairs"]["accuracy"] <= 1 and results["test_pairs"] == 16
