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
    logits = classifier.predict(TEXTS, verbose=0)
    assert logits.shape == (4, 2)
    predicted = classifier.predict_labels(TEXTS)
    np.testing.assert_array_equal(predicted, logits.argmax(-1))
    scores = classifier.score(TEXTS, LABELS)
    assert set(scores) == {"accuracy", "macro_f1", "matthews_correlation", "f1"}
    assert scores["accuracy"] == pytest.approx(np.mean(predicted == LABELS)) == pytest.approx(accuracy)


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


@pytest.mark.parametrize("kwargs, message", [
    (dict(num_classes=0), "num_classes must be an integer >= 1"),
    (dict(num_classes=2.0), "num_classes must be an integer"),
    (dict(num_classes=True), "num_classes must be an integer"),
    (dict(num_classes=1, multi_label=True), "multi_label=True needs num_classes >= 2"),
    (dict(num_classes=3, multi_label="yes"), "multi_label must be True or False"),
])
def test_constructor_arguments_are_checked(kwargs, message):
    with pytest.raises(ValueError, match=message):
        BertClassifier(BertBackbone(**CONFIG), **kwargs)


@pytest.mark.parametrize("num_classes, multi_label, labels, message", [
    (2, False, [0, 1, 2, 1], r"Class ids must be in \[0, 2\).*got 2"),
    (2, False, [0, -1, 1, 1], r"got -1"),
    (2, False, [0.0, 0.5, 1.0, 1.0], "got float labels such as 0.5; for regression use num_classes=1"),
    (2, False, ["pos", "neg", "pos", "neg"], "are names, but the task has no label names"),
    (2, False, np.zeros((4, 2)), r"one label per example, shape \(samples,\), got \(4, 2\)"),
    (1, False, [0.5, np.nan, 1.0, 2.0], "finite"),
    (3, True, [0, 1, 2, 1], r"multi-hot labels of shape \(samples, 3\), got \(4,\)"),
    (3, True, np.full((4, 3), 2), "must be 0 or 1"),
])
def test_bad_labels_are_refused_before_the_backend(tokenizer, num_classes, multi_label, labels, message):
    classifier = BertClassifier(BertBackbone(**CONFIG), num_classes, multi_label=multi_label,
                                preprocessor=BertPreprocessor(tokenizer, sequence_length=12))
    with pytest.raises(ValueError, match=message):
        classifier.fit(TEXTS, labels)
    with pytest.raises(ValueError, match=message):
        classifier.evaluate(TEXTS, labels)
    with pytest.raises(ValueError, match=message):
        classifier.score(TEXTS, labels)


def test_validation_labels_are_checked(classifier):
    with pytest.raises(ValueError, match="Class ids must be in"):
        classifier.fit(TEXTS, LABELS, validation_data=(TEXTS, [0, 1, 5, 0]))


def test_integral_float_and_column_labels_are_accepted(classifier):
    np.testing.assert_array_equal(classifier.check_labels(np.array([[1.0], [0.0]])), [1, 0])


def test_score_reads_a_labelled_dataset_in_order(classifier):
    import tensorflow as tf

    dataset = tf.data.Dataset.from_tensor_slices((TEXTS, LABELS)).batch(3)
    assert classifier.score(dataset) == pytest.approx(classifier.score(TEXTS, LABELS))
    with pytest.raises(ValueError, match="needs a tf.data.Dataset"):
        classifier.score(TEXTS)


def test_regression_on_sentence_pairs(tokenizer):
    regressor = BertClassifier(BertBackbone(**CONFIG), 1, preprocessor=BertPreprocessor(tokenizer, sequence_length=16))
    pairs, scores = (TEXTS, TEXTS[::-1]), [3.5, -1.0, 2.25, 0.0]
    assert regressor.problem_type == "regression"
    harness.check_fit_one_step(regressor, pairs, scores, batch_size=2)
    loss, mean_absolute_error = regressor.evaluate(pairs, scores, verbose=0)
    predicted = regressor.predict_labels(pairs)
    assert predicted.shape == (4,) and predicted.dtype == np.float32
    assert mean_absolute_error == pytest.approx(np.mean(np.abs(predicted - scores)), abs=1e-5)
    result = regressor.score(pairs, scores)
    assert set(result) == {"pearson", "spearman", "mse"}
    assert result["mse"] == pytest.approx(loss, rel=1e-4)


def test_multi_label_fit_and_multi_hot_predictions(tokenizer):
    tagger = BertClassifier(BertBackbone(**CONFIG), 3, multi_label=True,
                            preprocessor=BertPreprocessor(tokenizer, sequence_length=12))
    multi_hot = np.array([[1, 0, 1], [0, 1, 0], [1, 1, 0], [0, 0, 0]])
    harness.check_fit_one_step(tagger, TEXTS, multi_hot, batch_size=2)
    logits = tagger.predict(TEXTS, verbose=0)
    np.testing.assert_array_equal(tagger.predict_labels(TEXTS), logits > 0)
    result = tagger.score(TEXTS, multi_hot)
    assert set(result) == {"micro_f1", "exact_match"} and 0 <= result["exact_match"] <= 1


def test_config_round_trip(classifier):
    clone = BertClassifier.from_config(classifier.get_config())
    assert clone.num_classes == 2 and clone.preprocessor.sequence_length == 12
    assert clone.get_config()["multi_label"] is False
    tagger = BertClassifier(BertBackbone(**CONFIG), 4, multi_label=True)
    assert BertClassifier.from_config(tagger.get_config()).problem_type == "multi_label_classification"


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
