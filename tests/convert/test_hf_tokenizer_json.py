"""Checkpoints saved by transformers 5 carry their vocabulary only in tokenizer.json."""

import json

import numpy as np
import pytest

import harness
from keras_bert_zoo import BertClassifier, BertTokenizer
from keras_bert_zoo.text import hf_files

torch = pytest.importorskip("torch")
transformers = pytest.importorskip("transformers")

# Words the tiny vocabulary needs for accents, case and CJK to change the ids.
EXTRA = ["Café", "café", "cafe", "naïve", "naive", "Hello", "hello", "##é", "中", "文", "中文", "東京", "!", "?"]
VOCABULARY = harness.small_vocabulary(90) + EXTRA
TEXTS = ["Hello café, the naïve man!", "HELLO Café?", "中文 and 東京 are in the text", "cafe [MASK] naive",
         "the world's   end... (or not)", "Ünïcödé ñ wörds", ""]
PAIRS = (["Hello there", "中文?"], ["a café for the man", "the naïve NAIVE Naïve"])
OPTIONS = [dict(do_lower_case=False, strip_accents=True, tokenize_chinese_chars=False),
           dict(do_lower_case=True, strip_accents=False, tokenize_chinese_chars=True),
           dict(do_lower_case=False)]


def save_transformers5_checkpoint(directory, **options):
    """A random tiny BertForSequenceClassification and its fast tokenizer, save_pretrained together."""
    vocab = {token: index for index, token in enumerate(VOCABULARY)}
    tokenizer = transformers.BertTokenizerFast(vocab=vocab, **options)
    torch.manual_seed(0)
    config = transformers.BertConfig(vocab_size=len(VOCABULARY), hidden_size=32, num_hidden_layers=2,
                                     num_attention_heads=4, intermediate_size=37, num_labels=3)
    model = transformers.BertForSequenceClassification(config).eval()
    model.save_pretrained(directory / "checkpoint")
    tokenizer.save_pretrained(directory / "checkpoint")
    return directory / "checkpoint", model, tokenizer


@pytest.mark.parametrize("options", OPTIONS, ids=["cased-strip-nocjk", "uncased-keep-accents", "cased"])
def test_checkpoint_without_vocab_txt_tokenizes_and_predicts_as_transformers(tmp_path, options):
    checkpoint, model, reference = save_transformers5_checkpoint(tmp_path, **options)
    assert not (checkpoint / "vocab.txt").exists() and (checkpoint / "tokenizer.json").is_file()
    classifier = BertClassifier.from_preset(checkpoint, sequence_length=24)
    assert classifier.preprocessor is not None
    for x in (TEXTS, PAIRS):
        harness.assert_preprocessed_as_hf(classifier.preprocessor(x), reference,
                                          *(x if isinstance(x, tuple) else (x,)), length=24)
    # Not all [UNK]: the options above decide which words are found.
    assert len(set(np.asarray(classifier.preprocessor(TEXTS)["token_ids"]).ravel())) > 10
    batch = reference(TEXTS, padding=True, return_tensors="pt")
    with torch.no_grad():
        logits = model(**batch).logits.numpy()
    assert harness.max_abs_diff(classifier.predict(TEXTS, verbose=0), logits) <= 1e-5


def test_saved_preset_of_such_a_checkpoint_writes_vocab_txt(tmp_path):
    checkpoint, _, reference = save_transformers5_checkpoint(tmp_path, **OPTIONS[0])
    classifier = BertClassifier.from_preset(checkpoint, sequence_length=24)
    classifier.save_to_preset(tmp_path / "preset")
    spec = json.loads((tmp_path / "preset" / "preset.json").read_text())
    assert spec["tokenizer"]["files"] == {"vocabulary": "vocab.txt"}
    assert (tmp_path / "preset" / "vocab.txt").read_text().splitlines() == VOCABULARY
    restored = BertClassifier.from_preset(tmp_path / "preset")
    harness.assert_preprocessed_as_hf(restored.preprocessor(TEXTS), reference, TEXTS, length=24)


def test_normalizer_options_win_over_a_config_without_them(tmp_path):
    """A tokenizer_config.json need not hold do_lower_case: tokenizer.json's BertNormalizer decides,
    as the `tokenizers` library runs it."""
    tokenizers = pytest.importorskip("tokenizers")
    checkpoint, _, _ = save_transformers5_checkpoint(tmp_path, **OPTIONS[0])
    config = json.loads((checkpoint / "tokenizer_config.json").read_text())
    for key in ("do_lower_case", "strip_accents", "tokenize_chinese_chars"):
        config.pop(key)
    (checkpoint / "tokenizer_config.json").write_text(json.dumps(config))
    reference = tokenizers.Tokenizer.from_file(str(checkpoint / "tokenizer.json"))
    ours = BertTokenizer.from_hf_dir(checkpoint)
    assert (ours.lowercase, ours.strip_accents, ours.tokenize_chinese_chars) == (False, True, False)
    assert ours(TEXTS).to_list() == [reference.encode(text, add_special_tokens=False).ids for text in TEXTS]


def test_a_tokenizer_we_cannot_reproduce_is_named(tmp_path, caplog):
    checkpoint, _, _ = save_transformers5_checkpoint(tmp_path, **OPTIONS[0])
    tokenizer = json.loads((checkpoint / "tokenizer.json").read_text())
    tokenizer["normalizer"] = {"type": "NFKC"}
    (checkpoint / "tokenizer.json").write_text(json.dumps(tokenizer))
    with pytest.raises(ValueError, match="NFKC"):
        hf_files.tokenizer_files(checkpoint)
    with caplog.at_level("WARNING"):  # the weights still load; the missing tokenizer is explained
        assert BertClassifier.from_preset(checkpoint).preprocessor is None
    assert "NFKC" in caplog.text


def test_no_tokenizer_files_means_no_tokenizer(hf_bert_classifier):
    from keras_bert_zoo.convert.hf_import import HFCheckpoint

    assert HFCheckpoint(hf_bert_classifier[0]).spec()["tokenizer"] is None
