#!/usr/bin/env bash
# Set up .venv, then the pretraining story at a quick size on the embedded
# data: vocabulary, BERT-tiny pretraining (MLM + NSP), fine-tuning on real
# sentiment from the pretrained weights and from random init; prints a summary.
set -euo pipefail
cd "$(dirname "$0")/.."
bash .ci/setup
export TF_CPP_MIN_LOG_LEVEL=3 KERAS_BACKEND=${KERAS_BACKEND:-jax}
exec .venv/bin/python examples/pretrain_and_finetune.py --size quick "$@"
