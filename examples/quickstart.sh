#!/usr/bin/env bash
# Set up .venv, then the main job on the embedded data: all-MiniLM-L6-v2
# fine-tuned on real sentiment and distilled into 3 blocks on the unlabelled
# snippets; random init, the undistilled student, the distilled student and
# the teacher fine-tuned the same way over 3 seeds; prints the comparison.
set -euo pipefail
cd "$(dirname "$0")/.."
bash .ci/setup
# PyTorch: the fastest backend for fine-tuning on 2 CPU cores (README, Benchmarks).
export TF_CPP_MIN_LOG_LEVEL=3 KERAS_BACKEND=${KERAS_BACKEND:-torch}
exec .venv/bin/python examples/distil_and_finetune.py --size quick "$@"
