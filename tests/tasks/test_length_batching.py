"""Raw text is batched by length: training batches of similar lengths in a new, seeded order each
epoch (`fit(group_by_length=True)`), and `predict` run longest first with its outputs returned in
the input order; neither changes what the model computes."""

import keras
import numpy as np
import pytest

import harness
from keras_bert_zoo import BertBackbone, BertClassifier, BertMultipleChoice, BertPreprocessor, BertTokenizer
from keras_bert_zoo.tasks import inputs

tf = pytest.importorskip("tensorflow")

CONFIG = {**harness.TINY_BERT, "vocabulary_size": 200, "max_sequence_length": 64}



@pytest.fixture(scope="module")
def tokenizer():
    return BertTokenizer(harness.small_vocabulary(CONFIG["vocabulary_size"]))


def epoch_batches(x, shuffle, batch_size=8):
    dataset = tf.data.Dataset.from_tensor_slices(np.asarray(x))
    batches = inputs.shuffled_batches(dataset, x, batch_size, shuffle)
    return [[text.decode() for text in batch] for batch in batches.as_numpy_iterator()]


def test_length_grouping_batches_similar_lengths_in_a_seeded_order_that_changes_every_epoch():
    x = harness.random_texts(800)
    tf.random.set_seed(3)
    dataset = tf.data.Dataset.from_tensor_slices(np.asarray(x))
    batches = inputs.shuffled_batches(dataset, x, 8, inputs.BY_LENGTH)
    first, second = ([[t.decode() for t in b] for b in batches.as_numpy_iterator()] for _ in range(2))
    for epoch in (first, second):  # every text once per epoch
        assert sorted(t for batch in epoch for t in batch) == sorted(x)
    assert first != second
    tf.random.set_seed(3)
    assert epoch_batches(x, inputs.BY_LENGTH) == first  # the same seed, the same order

    def spread(epoch):  # mean (longest - shortest) characters within a batch
        return np.mean([max(map(len, batch)) - min(map(len, batch)) for batch in epoch])

    shuffled = epoch_batches(x, True)
    assert spread(first) < 0.2 * spread(shuffled), (spread(first), spread(shuffled))
    assert epoch_batches(x, False) == [x[i:i + 8] for i in range(0, 800, 8)]


def test_grouped_batches_pad_less_and_fit_trains(tokenizer):
    keras.utils.set_random_seed(0)
    model = BertClassifier(BertBackbone(**CONFIG), num_classes=2,
                           preprocessor=BertPreprocessor(tokenizer, sequence_length=64))
    x, y = harness.random_texts(96), np.arange(96) % 2
    widths = {}
    for group in (True, False):
        dataset = model._adapted(x, y, batch_size=16, shuffle=inputs.BY_LENGTH if group else True)
        widths[group] = sum(batch[0]["token_ids"].shape[1] for batch in dataset.as_numpy_iterator())
    assert widths[True] < widths[False]
    harness.check_fit_one_step(model, x, y, batch_size=16)


def test_predict_on_raw_text_keeps_the_input_order_and_the_outputs_of_fixed_padding(tokenizer):
    keras.utils.set_random_seed(1)
    backbone = BertBackbone(**CONFIG)
    model = BertClassifier(backbone, num_classes=3, preprocessor=BertPreprocessor(tokenizer, sequence_length=64))
    fixed = BertClassifier(backbone, num_classes=3,
                           preprocessor=BertPreprocessor(tokenizer, sequence_length=64, padding="max_length"))
    fixed.set_weights(model.get_weights())
    x = harness.random_texts(40, seed=2)
    expected = np.concatenate([fixed.predict([text], verbose=0) for text in x])
    np.testing.assert_allclose(model.predict(x, batch_size=8, verbose=0), expected, atol=1e-5)
    pairs = (x, harness.random_texts(40, seed=3))
    np.testing.assert_allclose(model.predict(pairs, batch_size=8, verbose=0),
                               fixed.predict(pairs, batch_size=40, verbose=0), atol=1e-5)


def test_multiple_choice_predict_keeps_the_input_order(tokenizer):
    keras.utils.set_random_seed(2)
    model = BertMultipleChoice(BertBackbone(**CONFIG))
    model.preprocessor = model.preprocessor_class()(tokenizer, sequence_length=48)
    contexts, choices = harness.random_texts(12, seed=4), [harness.random_texts(3, seed=i, most=12) for i in range(12)]
    together = model.predict((contexts, choices), batch_size=4, verbose=0)
    one_by_one = np.concatenate([model.predict(([c], [row]), verbose=0) for c, row in zip(contexts, choices)])
    np.testing.assert_allclose(together, one_by_one, atol=1e-5)
