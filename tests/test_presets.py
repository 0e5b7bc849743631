"""Preset resolution: names, directories, hf:// handles and their errors."""

import pytest

from keras_bert_zoo import BertBackbone, BertClassifier, list_presets
from keras_bert_zoo.presets import builtin_directory


def test_list_presets_has_the_bert_family():
    names = list_presets()
    for name in ["bert_tiny", "bert_mini", "bert_small", "bert_medium", "bert_base_en_uncased",
                 "bert_large_en_uncased", "bert_base_en_cased", "bert_base_multi", "bert_base_zh"]:
        assert name in names


def test_offline_hf_handle_says_how_to_proceed():
    with pytest.raises(OSError, match="load_weights=False.*local directory"):
        BertBackbone.from_preset("hf://google-bert/bert-base-uncased")


def test_builtin_weights_offline_say_how_to_proceed():
    with pytest.raises(OSError, match="load_weights=False"):
        BertBackbone.from_preset("bert_tiny")


def test_missing_directory_is_reported(tmp_path):
    with pytest.raises(ValueError, match="does not exist"):
        BertBackbone.from_preset(str(tmp_path / "nowhere"))


def test_directory_without_a_model_is_reported(tmp_path):
    with pytest.raises(ValueError, match="neither preset.json"):
        BertBackbone.from_preset(tmp_path)


def test_vocabulary_not_shipped_is_explained():
    from keras_bert_zoo import BertPreprocessor

    with pytest.raises(ValueError, match=r"\(vocab.txt or tokenizer.json\) are not shipped"):
        BertPreprocessor.from_preset("bert_base_multi")
    with pytest.raises(ValueError, match=r"\(tokenizer.json or vocab.json \+ merges.txt\) are not shipped"):
        BertPreprocessor.from_preset("roberta_base_en")  # RoBERTa's vocabulary comes with its checkpoint


def test_uncased_presets_tokenize_offline():
    classifier = BertClassifier.from_preset("bert_tiny", num_classes=2, load_weights=False, sequence_length=16)
    features = classifier.preprocessor(["Hello world!"])
    assert features["token_ids"].shape == (1, 16)
    # [CLS] hello world ! [SEP] with the real bert-base-uncased vocabulary.
    assert list(features["token_ids"].numpy()[0, :5]) == [101, 7592, 2088, 999, 102]


def test_vocabulary_ships_with_its_licence():
    assert (builtin_directory() / "bert_en_uncased_vocab.txt").is_file()
    assert "Apache" in (builtin_directory() / "VOCABULARY_LICENSE.md").read_text()


def test_saved_task_loads_in_a_fresh_process(tmp_path):
    """Nothing but `import keras_bert_zoo` before from_preset: the tokenizer class must still be found."""
    import os
    import subprocess
    import sys

    import harness
    from keras_bert_zoo import BertTokenizer

    tokenizer = BertTokenizer(harness.small_vocabulary(harness.TINY_BERT["vocabulary_size"]))
    BertBackbone(**harness.TINY_BERT).save_to_preset(tmp_path, tokenizer=tokenizer)
    code = ("import keras_bert_zoo as kbz, sys; "
            "c = kbz.BertClassifier.from_preset(sys.argv[1], num_classes=2, sequence_length=8); "
            "print(c.predict(['a calm sea'], verbose=0).shape)")
    result = subprocess.run([sys.executable, "-c", code, str(tmp_path)], env=os.environ.copy(),
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip().endswith("(1, 2)")


def test_saved_backbone_config_overrides_are_checked(tmp_path):
    import harness

    classifier = BertClassifier(BertBackbone(**{**harness.TINY_BERT, "dropout": 0.0}), num_classes=2)
    classifier.save_to_preset(tmp_path / "ok", dropout=0.1)
    assert BertClassifier.from_preset(tmp_path / "ok").backbone.get_config()["dropout"] == 0.1
    with pytest.raises(ValueError, match="no constructor argument.*dropout_rate"):
        classifier.save_to_preset(tmp_path / "bad", dropout_rate=0.1)
