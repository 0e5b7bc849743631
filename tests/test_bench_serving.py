"""Smoke test of bench/serving_latency.py: one snippet, one backend, beside transformers, on the real MiniLM."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from test_real_minilm import checkpoint  # noqa: F401,F811 (a fixture)

pytestmark = [pytest.mark.once, pytest.mark.real_checkpoint]

SCRIPT = Path(__file__).parents[1] / "bench" / "serving_latency.py"


def test_serving_benchmark_prints_a_row_per_side(checkpoint):  # noqa: F811
    pytest.importorskip("transformers")
    backend = os.environ.get("KERAS_BACKEND", "torch")
    command = [sys.executable, str(SCRIPT), "--checkpoint", str(checkpoint), "--backends", backend,
               "--precision", "fp32", "--latency-runs", "2", "--wait-idle", "0"]
    run = subprocess.run(command, capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stdout[-2000:] + run.stderr[-3000:]
    rows = [[cell.strip() for cell in line.strip("|").split("|")] for line in run.stdout.splitlines()
            if line.startswith("| ") and "| fp32 |" in line]
    zoo = next(cells for cells in rows if cells[0].startswith(f"keras-bert-zoo / {backend}"))
    peer = next(cells for cells in rows if cells[0].startswith("transformers"))
    assert all(float(value) > 0 for value in zoo[2:]), zoo
    assert float(peer[2]) > 0, peer
    assert "CPU flags:" in run.stdout
