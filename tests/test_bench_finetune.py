"""Smoke test of bench/finetune_throughput.py: a tiny run of both sides on the real MiniLM.

The benchmark needs the real all-MiniLM-L6-v2 checkpoint; the `checkpoint`
fixture of test_real_minilm.py fetches it or skips (outside CI) without it.
"""

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from test_real_minilm import checkpoint  # noqa: F401 (a fixture)

pytestmark = [pytest.mark.once, pytest.mark.real_checkpoint]

SCRIPT = Path(__file__).parents[1] / "bench" / "finetune_throughput.py"


def test_finetune_benchmark_prints_a_row_per_side(checkpoint, tmp_path):  # noqa: F811
    pytest.importorskip("transformers")
    backend = os.environ.get("KERAS_BACKEND", "torch")
    command = [sys.executable, str(SCRIPT), "--checkpoint", str(checkpoint), "--backends", backend,
               "--precision", "fp32", "--train-size", "32", "--eval-size", "32", "--epochs", "1",
               "--latency-runs", "1", "--latency-warmup", "0", "--wait-idle", "0",
               "--json", str(tmp_path / "raw.json")]
    run = subprocess.run(command, capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stdout[-2000:] + run.stderr[-3000:]
    rows = {}
    for line in run.stdout.splitlines():
        cells = [cell.strip() for cell in line.strip("|").split("|")]
        if line.startswith("| ") and len(cells) == 8 and cells[1] == "fp32":
            rows[re.sub(r" \(!\)$", "", cells[0])] = cells
    assert set(rows) == {f"keras-bert-zoo / {backend}", "transformers (torch eager)"}, run.stdout
    for cells in rows.values():
        epoch_1, later, _, inference, latency_ms, peak_mib = cells[2:]
        assert later == "n/a"  # one epoch: no steady-state number
        assert all(float(value) > 0 for value in (epoch_1, inference, latency_ms, peak_mib)), cells
    assert "CPU flags:" in run.stdout
    raw = json.loads((tmp_path / "raw.json").read_text())
    assert {result["side"] for result in raw["results"]} == {backend, "transformers"}
    assert all(result["train_size"] == 32 and result["eval_size"] == 32 for result in raw["results"])
