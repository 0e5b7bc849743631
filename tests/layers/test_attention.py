"""SelfAttention: the fused kernel and the explicit (dropout) path agree, padding gets no
weight, and bfloat16 reaches the fused kernel in inference and dropout-free training.

Every model here takes its dtype policy as an argument; the global policy is never set.
"""

import numpy as np
import pytest
import keras
from keras import ops

import harness
from keras_bert_zoo import BertBackbone, BertClassifier
from keras_bert_zoo.layers.attention import SelfAttention

HEADS, HEAD_DIM, LENGTH = 4, 8, 16
LENGTHS = np.array([LENGTH, LENGTH - 5, 3])
PADDING_MASK = np.arange(LENGTH)[None] < LENGTHS[:, None]
REAL = PADDING_MASK[:, :, None, None]  # real query rows of (batch, length, heads, head_dim)


def bf16_rounded_qkv(seed=0):
    """Random q, k, v, rounded to bfloat16, so that a float32 computation on them is the
    reference for the bf16 arithmetic alone."""
    rng = np.random.default_rng(seed)
    shape = (len(LENGTHS), LENGTH, HEADS, HEAD_DIM)
    return [
        ops.convert_to_numpy(ops.cast(ops.cast(rng.normal(0, 1.5, shape), "bfloat16"), "float32"))
        for _ in range(3)
    ]


def both_paths(q, k, v, dtype):
    """(fused, explicit) attention context, as float32 numpy, computed in `dtype`."""
    layer = SelfAttention(HEADS * HEAD_DIM, HEADS, dropout=0.0, dtype=dtype)
    q, k, v = (ops.cast(x, layer.compute_dtype) for x in (q, k, v))
    mask = ops.convert_to_tensor(PADDING_MASK)[:, None, None, :]
    fused = ops.dot_product_attention(q, k, v, mask=mask)
    explicit = layer._explicit_attention(q, k, v, mask, training=False)
    return [np.asarray(ops.convert_to_numpy(ops.cast(x, "float32"))) for x in (fused, explicit)]


def real_rows_error(a, b):
    return harness.max_abs_diff(a[np.broadcast_to(REAL, a.shape)], b[np.broadcast_to(REAL, b.shape)])


def test_paths_agree_in_float32_and_bfloat16():
    q, k, v = bf16_rounded_qkv()
    reference, explicit32 = both_paths(q, k, v, "float32")
    assert real_rows_error(reference, explicit32) < 1e-5
    fused, explicit = both_paths(q, k, v, "mixed_bfloat16")
    fused_error, explicit_error = real_rows_error(fused, reference), real_rows_error(explicit, reference)
    # bf16 has 8 significant bits; the context is an average of unit-scale values. The fused
    # op's softmax runs in float32 on every backend, as the explicit path's does; JAX and
    # torch also accumulate q.k in float32, so there it is the more accurate of the two.
    assert fused_error < 0.05 and explicit_error < 0.1
    # TensorFlow's fused op is the explicit ops in another order: on a 2-core AVX2 EPYC (no
    # bf16 units) it came out 1.58x the explicit path's error (0.045 vs 0.028), so allow 2x.
    assert fused_error <= 2 * explicit_error


@pytest.mark.parametrize("dtype", ["float32", "mixed_bfloat16"])
def test_padded_keys_get_no_weight(dtype):
    q, k, v = bf16_rounded_qkv()
    changed_k, changed_v = k.copy(), v.copy()
    padded = ~PADDING_MASK
    changed_k[padded] = 7.0
    changed_v[padded] = -9.0
    for before, after in zip(both_paths(q, k, v, dtype), both_paths(q, changed_k, changed_v, dtype)):
        assert real_rows_error(before, after) == 0


def test_layer_padding_does_not_leak():
    """Through the layer (projections included): what sits at padded positions is ignored."""
    layer = SelfAttention(HEADS * HEAD_DIM, HEADS, dtype="mixed_bfloat16")
    x = np.random.default_rng(1).normal(size=(len(LENGTHS), LENGTH, HEADS * HEAD_DIM)).astype("float32")
    changed = np.where(PADDING_MASK[..., None], x, 5.0).astype("float32")
    before, after = (harness.numpy_tree(layer(inputs, PADDING_MASK)) for inputs in (x, changed))
    mask = PADDING_MASK[..., None]
    assert harness.max_abs_diff(before * mask, after * mask) == 0


def count_explicit_calls(monkeypatch):
    calls = []
    explicit = SelfAttention._explicit_attention

    def counting(self, *args):
        calls.append(self.compute_dtype)
        return explicit(self, *args)

    monkeypatch.setattr(SelfAttention, "_explicit_attention", counting)
    return calls


@pytest.mark.parametrize("dtype", ["float32", "mixed_bfloat16"])
def test_only_training_with_attention_dropout_takes_the_explicit_path(dtype, monkeypatch):
    calls = count_explicit_calls(monkeypatch)
    x = np.ones((2, LENGTH, HEADS * HEAD_DIM), "float32")
    SelfAttention(HEADS * HEAD_DIM, HEADS, dropout=0.1, dtype=dtype)(x, PADDING_MASK[:2])
    SelfAttention(HEADS * HEAD_DIM, HEADS, dropout=0.0, dtype=dtype)(x, PADDING_MASK[:2], training=True)
    assert calls == []
    SelfAttention(HEADS * HEAD_DIM, HEADS, dropout=0.1, dtype=dtype)(x, PADDING_MASK[:2], training=True)
    assert len(calls) == 1


def test_mixed_bfloat16_backbone_is_fused_and_close_to_float32(monkeypatch):
    calls = count_explicit_calls(monkeypatch)
    inputs = harness.backbone_inputs(harness.TINY_BERT["vocabulary_size"])
    out = harness.check_mixed_precision(BertBackbone, harness.TINY_BERT, inputs)
    assert out["sequence_output"].dtype.name == "bfloat16"
    assert calls == []


def test_mixed_bfloat16_fit_step_is_close_to_float32():
    """One dropout-free step (fused forward and backward) in bf16 tracks float32."""
    config = {**harness.TINY_BERT, "dropout": 0.0}
    inputs = harness.backbone_inputs(config["vocabulary_size"], batch=4, length=12)
    labels = np.array([0, 1, 1, 0])
    results = []
    for dtype in ("float32", "mixed_bfloat16"):
        classifier = BertClassifier(BertBackbone(**config, dtype=dtype), 2, dropout=0.0)
        if results:
            classifier.set_weights(results[0][-1])
        weights = classifier.get_weights()
        loss = harness.check_fit_one_step(classifier, inputs, labels, batch_size=4).history["loss"][0]
        logits = np.asarray(classifier.predict(inputs, verbose=0), "float32")
        sequence = np.asarray(harness.numpy_tree(classifier.backbone(inputs))["sequence_output"], "float32")
        assert np.all(np.isfinite(logits)) and np.all(np.isfinite(sequence))
        results.append((loss, logits, sequence, weights))
    (loss32, logits32, sequence32, _), (loss16, logits16, sequence16, _) = results
    assert abs(loss32 - loss16) < 0.01
    # Fresh heads give small logits, so their tolerance is relative.
    assert harness.max_abs_diff(logits32, logits16) < 0.05 * np.abs(logits32).max()
    assert harness.max_abs_diff(sequence32, sequence16) < 0.1
    assert keras.config.dtype_policy().name == "float32"
