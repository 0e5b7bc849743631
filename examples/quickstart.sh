#!/usr/bin/env bash
# Set up .venv, then fine-tune the real all-MiniLM-L6-v2 checkpoint on the
# embedded Rotten Tomatoes sentiment snippets and print held-out accuracy.
set -euo pipefail
cd "$(dirname "$0")/.."
bash .ci/setup
export TF_CPP_MIN_LOG_LEVEL=3 KERAS_BACKEND=${KERAS_BACKEND:-jax}
exec .venv/bin/python examples/finetune_sentiment.py "$@"
