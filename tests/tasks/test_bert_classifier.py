import numpy as np
import pytest

import harness
from keras_bert_zoo import BertBackbone, BertClassifier, BertPreprocessor, BertTokenizer

CONFIG = harness.TINY_BERT
TEXTS = ["a gripping, funny film", "dull and far too long", "I loved it!", "not worth the ticket"]
LABELS = np.array([1, 0, 1, 0])


@pytest.fixture(scope="module")
def tokenizer():
    return BertTokenizer(harness.small_vocabulary(CONFIG["vocabulary_size"]))


@pytest.fixture
def classifier(tokenizer):
    backbone = BertBackbone(**CONFIG)
    return BertClassifier(backbone, num_classes=2, preprocessor=BertPreprocessor(tokenizer, sequence_length=12))


def test_logits_shape_and_dtype(classifier):
    logits = harness.numpy_tree(classifier(harness.backbone_inputs(CONFIG["vocabulary_size"])))
    assert logits.shape == (3, 2) and logits.dtype == np.float32


def test_fit_evaluate_predict_on_raw_strings(classifier):
    harness.check_fit_one_step(classifier, TEXTS, LABELS, batch_size=2)
    loss, accuracy = classifier.evaluate(TEXTS, LABELS, verbose=0)
    assert np.isfinite(loss) and 0 <= accuracy <= 1
    assert classifier.predict(TEXTS, verbose=0).shape == (4, 2)


def test_fit_on_sentence_pairs(classifier):
    pairs = (TEXTS, TEXTS[::-1])
    harness.check_fit_one_step(classifier, pairs, LABELS, batch_size=2)
    assert classifier.predict(pairs, verbose=0).shape == (4, 2)


def test_fit_on_string_dataset_and_validation(classifier):
    import tensorflow as tf

    dataset = tf.data.Dataset.from_tensor_slices((TEXTS, LABELS)).batch(2)
    history = classifier.fit(dataset, validation_data=(TEXTS, LABELS), epochs=1, verbose=0)
    assert np.isfinite(history.history["val_loss"][-1])


def test_fit_on_preprocessed_dict(classifier):
    features = classifier.preprocessor(TEXTS)
    inputs = {key: np.asarray(value).astype("int32") for key, value in features.items()}
    harness.check_fit_one_step(classifier, inputs, LABELS, batch_size=2)


def test_training_learns_a_separable_toy_task(classifier):
    """A random tiny model memorises four sentences: gradients reach every part."""
    from keras_bert_zoo.tasks.task import fine_tuning_optimizer

    # 5e-5 suits pretrained weights; a random tiny model (weights of std 0.02) needs a larger step.
    classifier.compile(optimizer=fine_tuning_optimizer(1e-2))
    history = classifier.fit(TEXTS * 4, np.tile(LABELS, 4), epochs=20, batch_size=8, verbose=0)
    assert history.history["loss"][-1] < 0.3 < history.history["loss"][0]


def test_mismatched_lengths_are_reported(classifier):
    with pytest.raises(ValueError, match="4 texts but 3"):
        classifier.fit(TEXTS, LABELS[:3])
    with pytest.raises(ValueError, match="same length"):
        classifier.predict((TEXTS, TEXTS[:2]))


def test_num_classes_is_checked():
    with pytest.raises(ValueError, match="num_classes"):
        BertClassifier(BertBackbone(**CONFIG), num_classes=1)


def test_config_round_trip(classifier):
    clone = BertClassifier.from_config(classifier.get_config())
    assert clone.num_classes == 2 and clone.preprocessor.sequence_length == 12


def test_keras_file_round_trip(classifier, tmp_path):
    harness.check_keras_file_round_trip(classifier, harness.backbone_inputs(CONFIG["vocabulary_size"]), tmp_path)


def test_preset_round_trip_keeps_head_and_tokenizer(classifier, tmp_path):
    classifier.fit(TEXTS, LABELS, epochs=1, verbose=0)
    restored = harness.check_preset_round_trip(
        classifier, harness.backbone_inputs(CONFIG["vocabulary_size"]), tmp_path
    )
    assert restored.num_classes == 2
    np.testing.assert_allclose(
        restored.predict(TEXTS, verbose=0), classifier.predict(TEXTS, verbose=0), atol=1e-6
    )
    # The saved backbone alone loads too, e.g. for another task.
    backbone = BertBackbone.from_preset(tmp_path / "preset")
    assert backbone.count_params() == classifier.backbone.count_params()


def test_mixed_precision_fit(tokenizer):
    backbone = BertBackbone(**CONFIG, dtype="mixed_bfloat16")
    classifier = BertClassifier(backbone, 2, preprocessor=BertPreprocessor(tokenizer, sequence_length=12))
    harness.check_fit_one_step(classifier, TEXTS, LABELS, batch_size=2)
    assert classifier.predict(TEXTS, verbose=0).dtype == np.float32


def test_hf_classifier_checkpoint_fine_tunes(hf_bert_classifier):
    directory, _ = hf_bert_classifier
    classifier = BertClassifier.from_preset(directory)
    inputs = harness.backbone_inputs(99, batch=4, length=8)
    harness.check_fit_one_step(classifier, inputs, np.array([0, 1, 2, 1]))
