"""`Task.serving_function`: the inference pass called directly and compiled per shape gives
`predict`'s outputs, sees later training, compiles each padded shape once and refuses streams."""

import keras
import numpy as np
import pytest

import harness
from keras_bert_zoo import BertBackbone, BertClassifier, BertMultipleChoice, BertPreprocessor, BertTokenizer

CONFIG = {**harness.TINY_BERT, "vocabulary_size": 200, "max_sequence_length": 64}



@pytest.fixture(scope="module")
def classifier():
    keras.utils.set_random_seed(0)
    tokenizer = BertTokenizer(harness.small_vocabulary(CONFIG["vocabulary_size"]))
    return BertClassifier(BertBackbone(**CONFIG), num_classes=3,
                          preprocessor=BertPreprocessor(tokenizer, sequence_length=64))


def test_serving_gives_predicts_outputs_on_text_pairs_and_token_ids(classifier):
    serve = classifier.serving_function(batch_size=4)
    x = harness.random_texts(10)
    np.testing.assert_allclose(serve(x), classifier.predict(x, verbose=0), atol=1e-5)
    np.testing.assert_allclose(serve(x[3]), classifier.predict(x[3], verbose=0), atol=1e-5)
    assert serve(x[3]).shape == (1, 3)
    pairs = (x[:5], x[5:])
    np.testing.assert_allclose(serve(pairs), classifier.predict(pairs, verbose=0), atol=1e-5)
    ids = harness.numpy_tree(classifier.preprocessor(x[:2]))
    np.testing.assert_allclose(serve(ids), keras.ops.convert_to_numpy(classifier.predict_on_batch(ids)), atol=1e-5)


def test_serving_reads_the_weights_at_each_call(classifier):
    serve = classifier.serving_function()
    x = harness.random_texts(3, seed=1)
    before = serve(x)
    bias = classifier.head_weights()[-1]
    saved = keras.ops.convert_to_numpy(bias)
    try:
        bias.assign(saved + 1.0)
        np.testing.assert_allclose(serve(x), before + 1.0, atol=1e-5)
    finally:
        bias.assign(saved)


@pytest.mark.skipif(keras.backend.backend() == "torch", reason="eager on torch: nothing is compiled")
def test_serving_compiles_each_padded_shape_once(classifier, monkeypatch):
    traces = []
    call = classifier.call
    monkeypatch.setattr(classifier, "call", lambda *args, **kwargs: traces.append(1) or call(*args, **kwargs))
    serve = classifier.serving_function()
    # 60 single texts of 1-60 words: padded to multiples of 16 pieces, at most 64.
    for text in harness.random_texts(60, seed=2, most=60):
        serve(text)
    buckets = CONFIG["max_sequence_length"] // classifier.preprocessor.length_buckets
    assert 1 < len(traces) <= buckets, len(traces)


def test_serving_refuses_streams_and_unknown_inputs(classifier):
    tf = pytest.importorskip("tensorflow")
    serve = classifier.serving_function()
    with pytest.raises(ValueError, match="one batch in memory"):
        serve(tf.data.Dataset.from_tensor_slices(harness.random_texts(2)))
    with pytest.raises(ValueError, match="missing"):
        serve({"token_ids": np.ones((1, 4), "int32")})


def test_multiple_choice_serves_contexts_and_choices():
    keras.utils.set_random_seed(1)
    tokenizer = BertTokenizer(harness.small_vocabulary(CONFIG["vocabulary_size"]))
    preprocessor = BertMultipleChoice.preprocessor_class()(tokenizer, sequence_length=32)
    model = BertMultipleChoice(BertBackbone(**CONFIG), preprocessor=preprocessor)
    x = (harness.random_texts(3, seed=3), [harness.random_texts(2, seed=4 + i) for i in range(3)])
    np.testing.assert_allclose(model.serving_function()(x), model.predict(x, verbose=0), atol=1e-5)
