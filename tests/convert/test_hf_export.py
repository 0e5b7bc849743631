"""Export to Hugging Face beyond the weights (which tests/convert/test_hf_families.py checks for
every family and head): labels and problem types, the tokenizer's files, sentence-transformers
modules, the CLI."""

import json

import numpy as np
import pytest

import harness
from keras_bert_zoo import BertBackbone, BertClassifier, BertTextEmbedder, BertTokenizer
from keras_bert_zoo import cli
from keras_bert_zoo.text import BertPreprocessor

torch = pytest.importorskip("torch")
transformers = pytest.importorskip("transformers")

TOLERANCE = 1e-5
# Models built here have no preprocessor, and a checkpoint without tokenizer files says so on loading.
pytestmark = pytest.mark.filterwarnings("ignore:.*has no tokenizer")
VOCABULARY = harness.small_vocabulary(harness.TINY_BERT["vocabulary_size"])


def randomized(model):
    """`model` with every weight drawn at random, so that zero biases and unit LayerNorm scales
    cannot hide a weight exported under the wrong name."""
    rng = np.random.default_rng(1)
    for variable in model.weights:
        variable.assign(rng.normal(0, 0.2, variable.shape).astype("float32"))
    return model


def backbone():
    return BertBackbone(**harness.TINY_BERT)


def torch_inputs(inputs):
    return {"input_ids": torch.tensor(inputs["token_ids"], dtype=torch.long),
            "token_type_ids": torch.tensor(inputs["segment_ids"], dtype=torch.long),
            "attention_mask": torch.tensor(inputs["padding_mask"], dtype=torch.long)}


def test_labels_and_problem_types_reach_the_config(tmp_path):
    for model, problem in ((BertClassifier(backbone(), num_classes=3, labels=["neg", "neu", "pos"]),
                            "single_label_classification"),
                           (BertClassifier(backbone(), num_classes=1), "regression"),
                           (BertClassifier(backbone(), num_classes=2, multi_label=True), "multi_label_classification")):
        config = json.loads(model.save_to_huggingface(tmp_path / problem).joinpath("config.json").read_text())
        assert config["problem_type"] == problem and config["architectures"] == ["BertForSequenceClassification"]
    assert config["id2label"] == {"0": "LABEL_0", "1": "LABEL_1"}
    restored = BertClassifier.from_preset(tmp_path / "single_label_classification")
    assert restored.labels == ["neg", "neu", "pos"]
    assert BertClassifier.from_preset(tmp_path / "multi_label_classification").multi_label


TEXTS = ["Hello World, the naïve man!", "HELLO Café?", "中文 and the world", "", "a [MASK] b"]


@pytest.mark.parametrize("lowercase", [True, False])
def test_exported_tokenizer_gives_the_same_ids_in_transformers(lowercase, tmp_path):
    tokenizer = BertTokenizer(VOCABULARY + ["café", "Café", "中", "##é"], lowercase=lowercase)
    classifier = BertClassifier(BertBackbone(**{**harness.TINY_BERT, "vocabulary_size": tokenizer.vocabulary_size}),
                                num_classes=2, preprocessor=BertPreprocessor(tokenizer, sequence_length=24))
    classifier.save_to_huggingface(tmp_path / "hf")
    reference = transformers.AutoTokenizer.from_pretrained(tmp_path / "hf")
    assert reference.model_max_length == 24
    for x in (TEXTS, (TEXTS, TEXTS[::-1])):
        harness.assert_preprocessed_as_hf(classifier.preprocessor(x), reference,
                                          *(x if isinstance(x, tuple) else (x,)), length=24)


def test_embedder_exports_its_sentence_transformers_modules(tmp_path):
    embedder = randomized(BertTextEmbedder(backbone(), pooling="cls", normalize=True))
    embedder.save_to_huggingface(tmp_path / "hf")
    modules = json.loads((tmp_path / "hf" / "modules.json").read_text())
    assert [module["type"].rsplit(".", 1)[-1] for module in modules] == ["Transformer", "Pooling", "Normalize"]
    restored = BertTextEmbedder.from_preset(tmp_path / "hf")
    assert (restored.pooling, restored.normalize) == ("cls", True)
    inputs = harness.backbone_inputs(harness.TINY_BERT["vocabulary_size"])
    harness.assert_same_outputs(embedder, restored, inputs, atol=1e-6)
    reference = transformers.AutoModel.from_pretrained(tmp_path / "hf").eval()
    with torch.no_grad():
        first = reference(**torch_inputs(inputs)).last_hidden_state[:, 0].numpy()
    expected = first / np.linalg.norm(first, axis=-1, keepdims=True)
    assert harness.max_abs_diff(harness.numpy_tree(embedder(inputs)), expected) <= TOLERANCE


def test_cli_exports_a_saved_task_preset(tmp_path, capsys):
    tokenizer = BertTokenizer(VOCABULARY)
    classifier = randomized(BertClassifier(backbone(), num_classes=2,
                                           preprocessor=BertPreprocessor(tokenizer, sequence_length=16)))
    classifier.save_to_preset(tmp_path / "preset")
    cli.main(["export-hf", str(tmp_path / "preset"), str(tmp_path / "hf")])
    assert "BertClassifier" in capsys.readouterr().out
    reference = transformers.AutoModelForSequenceClassification.from_pretrained(tmp_path / "hf").eval()
    texts = ["the world", "a b c d"]
    with torch.no_grad():
        logits = reference(**transformers.AutoTokenizer.from_pretrained(tmp_path / "hf")(
            texts, padding=True, return_tensors="pt")).logits
    assert harness.max_abs_diff(classifier.predict(texts, verbose=0), logits) <= TOLERANCE
