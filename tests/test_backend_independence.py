"""The model core must run where TensorFlow is absent (JAX- or torch-only machines)."""

import os
import subprocess
import sys

import pytest

SCRIPT = """
import sys
import numpy as np
import keras_bert_zoo as kbz
backbone = kbz.BertBackbone(vocabulary_size=50, num_layers=1, num_heads=2, hidden_dim=8,
                            intermediate_dim=16)
ids = np.ones((2, 5), "int32")
out = backbone({"token_ids": ids, "segment_ids": ids * 0, "padding_mask": ids})
assert tuple(out["pooled_output"].shape) == (2, 8)
classifier = kbz.BertClassifier(backbone, num_classes=2)
classifier.train_on_batch({"token_ids": ids, "segment_ids": ids * 0, "padding_mask": ids}, np.array([0, 1]))
loaded = [name for name in sys.modules if name == "tensorflow" or name.startswith("tensorflow.")]
assert not loaded, loaded
print("ok")
"""


@pytest.mark.parametrize("backend", ["jax", "torch"])
def test_import_build_call_and_train_without_tensorflow(backend):
    pytest.importorskip(backend)
    env = {**os.environ, "KERAS_BACKEND": backend}
    result = subprocess.run([sys.executable, "-c", SCRIPT], env=env, capture_output=True, text=True)
    assert result.returncode == 0 and "ok" in result.stdout, result.stderr[-3000:]
