import numpy as np
import pytest

import harness
from keras_bert_zoo import BertBackbone, BertClassifier, BertPretrainer
from keras_bert_zoo.layers import MaskedLMHead

CONFIG = harness.TINY_BERT
VOCABULARY = CONFIG["vocabulary_size"]


def pretraining_batch(batch=4, length=10, predictions=3):
    """(x, y, sample_weight) in the data pipeline's format; row i has 3 - i % 3 real predictions."""
    rng = np.random.default_rng(1)
    x = harness.backbone_inputs(VOCABULARY, batch=batch, length=length)
    x["mask_positions"] = rng.integers(1, 4, (batch, predictions)).astype("int32")
    real = np.arange(predictions)[None, :] < (predictions - np.arange(batch) % predictions)[:, None]
    y = {
        "mlm_logits": rng.integers(0, VOCABULARY, (batch, predictions)).astype("int32"),
        "nsp_logits": rng.integers(0, 2, batch).astype("int32"),
    }
    weights = {"mlm_logits": real.astype("float32"), "nsp_logits": np.ones(batch, "float32")}
    return x, y, weights


@pytest.fixture
def pretrainer():
    return BertPretrainer(BertBackbone(**CONFIG))


def test_output_shapes_and_dtypes(pretrainer):
    x, _, _ = pretraining_batch()
    out = harness.numpy_tree(pretrainer(x))
    assert out["mlm_logits"].shape == (4, 3, VOCABULARY) and out["mlm_logits"].dtype == np.float32
    assert out["nsp_logits"].shape == (4, 2) and out["nsp_logits"].dtype == np.float32


def test_decoder_is_tied_to_the_token_embeddings(pretrainer):
    backbone = pretrainer.backbone
    head_params = sum(int(np.prod(v.shape)) for v in pretrainer.head_weights())
    assert pretrainer.count_params() == backbone.count_params() + head_params
    embedding = backbone.embeddings.token_embedding.embeddings
    assert all(variable is not embedding for variable in pretrainer.head_weights())
    x, _, _ = pretraining_batch()
    before = harness.numpy_tree(pretrainer(x))["mlm_logits"]
    embedding.assign(embedding * 2.0)
    assert harness.max_abs_diff(before, harness.numpy_tree(pretrainer(x))["mlm_logits"]) > 1e-3


def test_fit_on_arrays_and_on_a_dataset_of_the_pipeline_format(pretrainer):
    import tensorflow as tf

    x, y, weights = pretraining_batch()
    history = harness.check_fit_one_step(pretrainer, x, y, sample_weight=weights, batch_size=2)
    assert set(history.history) == {
        "loss", "mlm_logits_loss", "mlm_logits_accuracy", "nsp_logits_loss", "nsp_logits_accuracy"
    }
    dataset = tf.data.Dataset.from_tensor_slices((x, y, weights)).batch(2)
    assert np.isfinite(pretrainer.fit(dataset, epochs=1, verbose=0).history["loss"][-1])


def test_loss_is_the_weighted_mean_and_padded_slots_are_ignored(pretrainer):
    x, y, weights = pretraining_batch()
    real = weights["mlm_logits"] > 0
    logits = harness.numpy_tree(pretrainer(x))["mlm_logits"]
    log_probs = logits - np.log(np.exp(logits).sum(-1, keepdims=True))
    nll = -np.take_along_axis(log_probs, y["mlm_logits"][..., None], -1)[..., 0]
    result = pretrainer.evaluate(x, y, sample_weight=weights, batch_size=4, verbose=0, return_dict=True)
    assert abs(result["mlm_logits_loss"] - nll[real].mean()) < 1e-5
    # Padded slots now point elsewhere and hold the predicted token: were they counted,
    # accuracy and loss would move.
    shifted = {**x, "mask_positions": np.where(real, x["mask_positions"], 7).astype("int32")}
    predicted = harness.numpy_tree(pretrainer(shifted))["mlm_logits"].argmax(-1)
    labels = {**y, "mlm_logits": np.where(real, y["mlm_logits"], predicted).astype("int32")}
    again = pretrainer.evaluate(
        shifted, labels, sample_weight=weights, batch_size=4, verbose=0, return_dict=True
    )
    for key in ("mlm_logits_loss", "mlm_logits_accuracy"):
        assert abs(result[key] - again[key]) < 1e-6


def test_mixed_precision_gives_float32_logits():
    x, _, _ = pretraining_batch()
    def build(**config):
        return BertPretrainer(BertBackbone(**config))

    out = harness.check_mixed_precision(build, CONFIG, x)
    assert all(value.dtype == np.float32 for value in out.values())


def test_config_round_trip(pretrainer):
    harness.check_config_round_trip(pretrainer)


def test_keras_file_round_trip(pretrainer, tmp_path):
    harness.check_keras_file_round_trip(pretrainer, pretraining_batch()[0], tmp_path)


def test_preset_round_trip_and_fine_tuning_from_it(pretrainer, tmp_path):
    for variable in pretrainer.head_weights():  # away from their (zero, one) initial values
        variable.assign(np.random.normal(size=variable.shape))
    x = pretraining_batch()[0]
    harness.check_preset_round_trip(pretrainer, x, tmp_path)
    classifier = BertClassifier.from_preset(tmp_path / "preset", num_classes=2)
    for ours, theirs in zip(classifier.backbone.weights, pretrainer.backbone.weights):
        np.testing.assert_array_equal(harness.numpy_tree(ours), harness.numpy_tree(theirs))
    assert not np.any(harness.numpy_tree(classifier.head.dense.bias))  # a fresh head


def test_bad_mask_positions_are_refused(pretrainer):
    x, _, _ = pretraining_batch()
    outputs = pretrainer.backbone({key: x[key] for key in ("token_ids", "segment_ids", "padding_mask")})
    with pytest.raises(ValueError, match="mask_positions"):
        pretrainer.masked_lm_head(outputs, np.ones((4, 3, 1), "int32"))
    with pytest.raises(ValueError, match="mask_positions"):
        pretrainer.masked_lm_head(outputs, np.ones((4, 3), "float32"))


def test_head_config_leaves_the_tied_embedding_to_the_builder(pretrainer):
    config = pretrainer.masked_lm_head.get_config()
    assert "token_embedding" not in config
    # Keras re-raises the ValueError of a failing from_config as a TypeError.
    with pytest.raises((TypeError, ValueError), match="needs `token_embedding`"):
        MaskedLMHead.from_config(config)
    embedding = pretrainer.backbone.embeddings.token_embedding
    assert MaskedLMHead.from_config({**config, "token_embedding": embedding}).get_config() == config
