"""What `from_preset` keeps and what it starts afresh: heads whose shaping arguments changed,
class names, a backbone preset's tokenizer, and checkpoints without a tokenizer."""

import json
import warnings

import numpy as np
import pytest

import harness
from keras_bert_zoo import BertBackbone, BertClassifier, BertPreprocessor, BertTokenClassifier, BertTokenizer
from keras_bert_zoo.text.word_preprocessor import BertTokenClassifierPreprocessor

CONFIG = {**harness.TINY_BERT, "vocabulary_size": 200}
TEXTS = ["a fine film", "a dull film", "great fun", "so boring"]


@pytest.fixture(scope="module")
def tokenizer():
    return BertTokenizer(harness.small_vocabulary(CONFIG["vocabulary_size"]))


@pytest.fixture(scope="module")
def saved_classifier(tokenizer, tmp_path_factory):
    """A 2-class classifier with class names, trained a step so no weight is at its initial value."""
    directory = tmp_path_factory.mktemp("classifier")
    classifier = BertClassifier(BertBackbone(**CONFIG), labels=["neg", "pos"],
                                preprocessor=BertPreprocessor(tokenizer, sequence_length=16))
    classifier.fit(TEXTS, ["pos", "neg", "pos", "neg"], epochs=1, verbose=0)
    classifier.save_to_preset(directory)
    return directory, classifier


def _backbones_equal(a, b):
    return all(np.array_equal(x, y) for x, y in zip(harness.numpy_tree(a.backbone.weights),
                                                    harness.numpy_tree(b.backbone.weights)))


def test_same_head_arguments_load_the_head_and_its_class_names(saved_classifier):
    directory, original = saved_classifier
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # nothing to warn about
        restored = BertClassifier.from_preset(directory, num_classes=2)
    assert restored.labels == ["neg", "pos"]
    np.testing.assert_allclose(restored.predict(TEXTS, verbose=0), original.predict(TEXTS, verbose=0), atol=1e-6)
    assert restored.predict_labels(TEXTS) == original.predict_labels(TEXTS)
    assert set(restored.predict_labels(TEXTS)) <= {"neg", "pos"}


@pytest.mark.parametrize("arguments, num_classes", [(dict(num_classes=3), 3), (dict(num_classes=1), 1),
                                                    (dict(labels=["a", "b", "c", "d"]), 4)])
def test_other_head_arguments_start_a_fresh_head_with_a_warning(saved_classifier, arguments, num_classes):
    directory, original = saved_classifier
    with pytest.warns(UserWarning, match=r"differs from the saved .*newly initialised \(not loaded: "
                                         r"classification_head/dense/kernel, classification_head/dense/bias\)"):
        reheaded = BertClassifier.from_preset(directory, **arguments)
    assert reheaded.num_classes == num_classes and reheaded.labels == arguments.get("labels")
    assert _backbones_equal(reheaded, original)
    assert reheaded.predict(TEXTS, verbose=0).shape == (4, num_classes)


def test_a_head_of_another_task_is_not_loaded_and_is_named(saved_classifier):
    directory, original = saved_classifier
    with pytest.warns(UserWarning, match="the preset's head is a BertClassifier's"):
        tagger = BertTokenClassifier.from_preset(directory, labels=["O", "B-X"])
    assert _backbones_equal(tagger, original)


def test_token_classifier_with_other_labels_gets_a_fresh_head(tokenizer, tmp_path):
    tagger = BertTokenClassifier(BertBackbone(**CONFIG), labels=["O", "B-PER"],
                                 preprocessor=BertTokenClassifierPreprocessor(tokenizer, sequence_length=16))
    tagger.save_to_preset(tmp_path)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert BertTokenClassifier.from_preset(tmp_path).labels == ["O", "B-PER"]
    with pytest.warns(UserWarning, match=r"labels=\['O', 'B-LOC'\] differs from the saved \['O', 'B-PER'\]"):
        other = BertTokenClassifier.from_preset(tmp_path, labels=["O", "B-LOC"])
    assert other.labels == ["O", "B-LOC"]


def test_hf_checkpoint_with_other_num_labels_is_reheaded(hf_bert_classifier):
    directory, _ = hf_bert_classifier  # 3 labels
    with pytest.warns(UserWarning, match="num_classes=5 differs from the saved 3"):
        classifier = BertClassifier.from_preset(directory, num_classes=5)
    assert classifier.num_classes == 5


def test_hf_id2label_becomes_the_class_names(tmp_path):
    transformers = pytest.importorskip("transformers")
    config = transformers.BertConfig(vocab_size=99, hidden_size=16, num_hidden_layers=1, num_attention_heads=2,
                                     intermediate_size=32, id2label={0: "negative", 1: "positive"})
    transformers.BertForSequenceClassification(config).save_pretrained(tmp_path)
    assert BertClassifier.from_preset(tmp_path).labels == ["negative", "positive"]


def test_class_names_are_checked(tokenizer):
    classifier = BertClassifier(BertBackbone(**CONFIG), labels=["neg", "pos"],
                                preprocessor=BertPreprocessor(tokenizer, sequence_length=16))
    with pytest.raises(ValueError, match=r"Unknown label name\(s\) \['meh'\]"):
        classifier.fit(TEXTS[:2], ["pos", "meh"])
    with pytest.raises(ValueError, match="num_classes=3 but 2 labels"):
        BertClassifier(BertBackbone(**CONFIG), num_classes=3, labels=["neg", "pos"])
    with pytest.raises(ValueError, match="Regression"):
        BertClassifier(BertBackbone(**CONFIG), num_classes=1, labels=["score"])


def test_a_backbone_from_a_preset_keeps_its_tokenizer(tmp_path):
    backbone = BertBackbone.from_preset("bert_tiny", load_weights=False)
    backbone.save_to_preset(tmp_path)
    assert json.loads((tmp_path / "preset.json").read_text())["tokenizer"]["files"] == {"vocabulary": "vocab.txt"}
    classifier = BertClassifier.from_preset(tmp_path, num_classes=2, sequence_length=16)
    assert classifier.preprocessor.tokenizer.vocabulary == backbone.tokenizer.vocabulary
    assert classifier.predict(["a text"], verbose=0).shape == (1, 2)


def test_a_checkpoint_without_tokenizer_warns_and_text_says_how_to_attach_one(hf_bert_classifier):
    directory, _ = hf_bert_classifier  # model files only
    with pytest.warns(UserWarning, match="has no tokenizer"):
        classifier = BertClassifier.from_preset(directory)
    with pytest.raises(ValueError, match="has none. Attach one"):
        classifier.predict(["some text"])
