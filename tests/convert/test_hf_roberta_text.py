"""A RoBERTa checkpoint with its byte-level BPE tokenizer, both ways: what transformers 5 saves
(tokenizer.json only) imports as a task that reads text as transformers does, and what the zoo
exports loads in transformers' Auto classes to the same ids and logits."""

import numpy as np
import pytest

import harness
from keras_bert_zoo import BertClassifier
from keras_bert_zoo.text import RobertaTokenizer

torch = pytest.importorskip("torch")
transformers = pytest.importorskip("transformers")

ROBERTA = next(family for family in harness.FAMILIES if family.name == "roberta")
TEXTS = ["Call me Ishmael.", "  the whale, the   sea!", "a <mask> of it", "Queequeg's harpoon 42", ""]
PAIRS = (["Call me Ishmael.", "the sea"], ["Some years ago", "never mind how long precisely"])


@pytest.fixture(scope="module")
def checkpoint(tmp_path_factory):
    """A random tiny RobertaForSequenceClassification and its fast tokenizer, save_pretrained together."""
    ours = ROBERTA.tokenizer()
    vocab = {token: index for index, token in enumerate(ours.vocabulary)}
    merges = [tuple(merge.split(" ")) for merge in ours.merges]
    tokenizer = transformers.RobertaTokenizerFast(vocab=vocab, merges=merges)
    torch.manual_seed(0)
    model = transformers.RobertaForSequenceClassification(ROBERTA.hf_config(num_labels=3)).eval()
    directory = tmp_path_factory.mktemp("roberta") / "checkpoint"
    model.save_pretrained(directory)
    tokenizer.save_pretrained(directory)
    return directory, model, tokenizer


def transformers_logits(model, tokenizer, x):
    batch = tokenizer(*(x if isinstance(x, tuple) else (x,)), padding=True, return_tensors="pt")
    with torch.no_grad():
        return model(**batch).logits.numpy()


def test_imported_checkpoint_reads_text_as_transformers(checkpoint):
    directory, model, reference = checkpoint
    assert not (directory / "vocab.json").exists() and (directory / "tokenizer.json").is_file()
    classifier = BertClassifier.from_preset(directory, sequence_length=24)
    assert isinstance(classifier.preprocessor.tokenizer, RobertaTokenizer)
    for x in (TEXTS, PAIRS):
        outputs = dict(classifier.preprocessor(x))
        assert "segment_ids" not in outputs  # RoBERTa's one segment type
        outputs["segment_ids"] = np.zeros_like(outputs["token_ids"])  # transformers gives none either
        harness.assert_preprocessed_as_hf(outputs, reference, *(x if isinstance(x, tuple) else (x,)), length=24)
        assert harness.max_abs_diff(classifier.predict(x, verbose=0), transformers_logits(model, reference, x)) <= 1e-5


def test_exported_classifier_loads_in_transformers_with_its_tokenizer(checkpoint, tmp_path):
    directory, model, _ = checkpoint
    classifier = BertClassifier.from_preset(directory, sequence_length=24)
    classifier.save_to_huggingface(tmp_path / "exported")
    tokenizer = transformers.AutoTokenizer.from_pretrained(tmp_path / "exported")
    exported = transformers.AutoModelForSequenceClassification.from_pretrained(tmp_path / "exported").eval()
    assert tokenizer(TEXTS)["input_ids"] == checkpoint[2](TEXTS)["input_ids"]
    assert harness.max_abs_diff(transformers_logits(exported, tokenizer, TEXTS),
                                transformers_logits(model, checkpoint[2], TEXTS)) <= 1e-5
