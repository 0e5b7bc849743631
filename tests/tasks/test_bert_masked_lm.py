import numpy as np
import pytest

import harness
from keras_bert_zoo import BertBackbone, BertMaskedLM, BertPreprocessor, BertTokenizer

CONFIG = harness.TINY_BERT
VOCABULARY = CONFIG["vocabulary_size"]


def masked_lm_batch(batch=4, length=10):
    """(x, mask_ids, mask_weights); rows 1 and 3 have a padded prediction slot."""
    x = harness.backbone_inputs(VOCABULARY, batch=batch, length=length)
    x["mask_positions"] = np.tile(np.array([[1, 3]], "int32"), (batch, 1))
    mask_ids = np.arange(2 * batch, dtype="int32").reshape(batch, 2) + 5
    mask_weights = np.ones((batch, 2), "float32")
    mask_weights[1::2, 1] = 0.0
    return x, mask_ids, mask_weights


@pytest.fixture(scope="module")
def tokenizer():
    return BertTokenizer(harness.small_vocabulary(VOCABULARY))


@pytest.fixture
def masked_lm(tokenizer):
    preprocessor = BertPreprocessor(tokenizer, sequence_length=12)
    return BertMaskedLM(BertBackbone(**CONFIG), preprocessor=preprocessor)


def test_logits_shape_and_dtype(masked_lm):
    logits = harness.numpy_tree(masked_lm(masked_lm_batch()[0]))
    assert logits.shape == (4, 2, VOCABULARY) and logits.dtype == np.float32


def test_fit_one_step(masked_lm):
    x, mask_ids, mask_weights = masked_lm_batch()
    history = harness.check_fit_one_step(masked_lm, x, mask_ids, sample_weight=mask_weights)
    assert set(history.history) == {"loss", "accuracy"}


def test_padded_prediction_slots_are_ignored(masked_lm):
    x, mask_ids, mask_weights = masked_lm_batch()
    result = masked_lm.evaluate(x, mask_ids, sample_weight=mask_weights, batch_size=4, verbose=0)
    padded = mask_weights == 0
    predicted = harness.numpy_tree(masked_lm(x)).argmax(-1)
    relabelled = np.where(padded, predicted, mask_ids).astype("int32")
    again = masked_lm.evaluate(x, relabelled, sample_weight=mask_weights, batch_size=4, verbose=0)
    np.testing.assert_allclose(again, result, atol=1e-6)


def test_mixed_precision_gives_float32_logits():
    x = masked_lm_batch()[0]
    def build(**config):
        return BertMaskedLM(BertBackbone(**config))

    out = harness.check_mixed_precision(build, CONFIG, x)
    assert out.dtype == np.float32


def test_config_round_trip(masked_lm):
    harness.check_config_round_trip(masked_lm)


def test_keras_file_round_trip(masked_lm, tmp_path):
    harness.check_keras_file_round_trip(masked_lm, masked_lm_batch()[0], tmp_path)


def test_preset_round_trip_keeps_head_and_tokenizer(masked_lm, tmp_path):
    for variable in masked_lm.head_weights():  # away from their (zero, one) initial values
        variable.assign(np.random.normal(size=variable.shape))
    restored = harness.check_preset_round_trip(masked_lm, masked_lm_batch()[0], tmp_path)
    assert restored.fill_mask("a [MASK]") == masked_lm.fill_mask("a [MASK]")


def test_fill_mask_ranks_the_model_probabilities(masked_lm, tokenizer):
    texts = ["the [MASK] of the [MASK] .", "[MASK] is here"]
    results = masked_lm.fill_mask(texts, top_k=3)
    assert [len(masks) for masks in results] == [2, 1]
    features = {k: np.asarray(v).astype("int32") for k, v in masked_lm.preprocessor(texts).items()}
    positions = np.array([[2, 5], [1, 0]], "int32")  # after [CLS]
    assert np.all(features["token_ids"][[0, 0, 1], [2, 5, 1]] == tokenizer.mask_token_id)
    logits = harness.numpy_tree(masked_lm({**features, "mask_positions": positions}))
    probabilities = np.exp(logits) / np.exp(logits).sum(-1, keepdims=True)
    for row, masks in enumerate(results):
        for slot, candidates in enumerate(masks):
            best = np.argsort(-probabilities[row, slot])[:3]
            assert [token for token, _ in candidates] == [tokenizer.id_to_token(i) for i in best]
            scores = [probability for _, probability in candidates]
            np.testing.assert_allclose(scores, probabilities[row, slot, best], rtol=1e-5)


def test_fill_mask_reads_tokens_from_the_vocabulary(masked_lm, tokenizer):
    bias = np.zeros(VOCABULARY, "float32")
    bias[tokenizer.token_to_id("the")] = 50.0
    masked_lm.masked_lm_head.output_bias.assign(bias)
    (token, probability), *_ = masked_lm.fill_mask("[MASK] cat sat", top_k=2)[0]
    assert token == "the" and probability > 0.99


def test_fill_mask_errors(masked_lm):
    with pytest.raises(ValueError, match=r"Text 1 \('no mask here'\) has no \[MASK\]"):
        masked_lm.fill_mask(["a [MASK]", "no mask here"])
    with pytest.raises(ValueError, match="top_k"):
        masked_lm.fill_mask("a [MASK]", top_k=0)
    with pytest.raises(ValueError, match="needs a preprocessor"):
        BertMaskedLM(masked_lm.backbone).fill_mask("a [MASK]")
