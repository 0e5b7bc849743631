"""Smoke test of examples/sentence_similarity.py on real snippets.

A tiny random checkpoint stands in for MiniLM; the real run is the script's default.
"""

import shutil
import sys
from pathlib import Path

import harness

sys.path.insert(0, str(Path(__file__).parents[1] / "examples"))


def test_sentence_similarity_smoke(tmp_path, hf_bert_model, capsys):
    from sentence_similarity import main

    directory, _ = hf_bert_model
    checkpoint = tmp_path / "checkpoint"
    shutil.copytree(directory, checkpoint)
    (checkpoint / "vocab.txt").write_text("\n".join(harness.small_vocabulary(99)) + "\n")
    result = main(["--size", "smoke", "--preset", str(checkpoint), "--k", "1", "5"])
    assert result["num_snippets"] == 160 and 0.5 <= result["majority_baseline"] <= 1
    assert set(result["knn_accuracy"]) == {1, 5}
    assert all(0 <= accuracy <= 1 for accuracy in result["knn_accuracy"].values())
    assert result["sentences_per_second"] > 0
    printed = capsys.readouterr().out
    assert "most  similar" in printed and "k=5" in printed
