"""Export to Hugging Face: transformers' Auto classes load what `save_to_huggingface` writes, to the
same outputs, and the zoo reads it back."""

import json

import numpy as np
import pytest

import harness
from keras_bert_zoo import (BertBackbone, BertClassifier, BertMaskedLM, BertMultipleChoice, BertPretrainer,
                            BertQuestionAnswerer, BertTextEmbedder, BertTokenClassifier, BertTokenizer)
from keras_bert_zoo import cli
from keras_bert_zoo.text import BertPreprocessor

torch = pytest.importorskip("torch")
transformers = pytest.importorskip("transformers")

TOLERANCE = 1e-5
# Models built here have no preprocessor, and a checkpoint without tokenizer files says so on loading.
pytestmark = pytest.mark.filterwarnings("ignore:.*has no tokenizer")
VOCABULARY = harness.small_vocabulary(harness.TINY_BERT["vocabulary_size"])
MASK_POSITIONS = np.array([[1, 4, 6], [0, 7, 0], [3, 0, 0]], "int32")


def randomized(model):
    """`model` with every weight drawn at random, so that zero biases and unit LayerNorm scales
    cannot hide a weight exported under the wrong name."""
    rng = np.random.default_rng(1)
    for variable in model.weights:
        variable.assign(rng.normal(0, 0.2, variable.shape).astype("float32"))
    return model


def backbone():
    return BertBackbone(**harness.TINY_BERT)


# zoo model, transformers Auto class, (ours -> comparable arrays), (theirs -> the same)
CASES = {
    "backbone": (backbone, "AutoModel", lambda out: [out["sequence_output"], out["pooled_output"]],
                 lambda out: [out.last_hidden_state, out.pooler_output]),
    "classifier": (lambda: BertClassifier(backbone(), num_classes=3, labels=["neg", "neu", "pos"]),
                   "AutoModelForSequenceClassification", lambda out: [out], lambda out: [out.logits]),
    "regression": (lambda: BertClassifier(backbone(), num_classes=1), "AutoModelForSequenceClassification",
                   lambda out: [out], lambda out: [out.logits]),
    "multi_label": (lambda: BertClassifier(backbone(), num_classes=4, multi_label=True),
                    "AutoModelForSequenceClassification", lambda out: [out], lambda out: [out.logits]),
    "token_classifier": (lambda: BertTokenClassifier(backbone(), num_classes=5), "AutoModelForTokenClassification",
                         lambda out: [out], lambda out: [out.logits]),
    "question_answerer": (lambda: BertQuestionAnswerer(backbone()), "AutoModelForQuestionAnswering",
                          lambda out: [out["start_logits"], out["end_logits"]],
                          lambda out: [out.start_logits, out.end_logits]),
    "masked_lm": (lambda: BertMaskedLM(backbone()), "AutoModelForMaskedLM", lambda out: [out],
                  lambda out: [np.take_along_axis(out.logits.numpy(), MASK_POSITIONS[:, :, None], axis=1)]),
    "pretrainer": (lambda: BertPretrainer(backbone()), "AutoModelForPreTraining",
                   lambda out: [out["mlm_logits"], out["nsp_logits"]],
                   lambda out: [np.take_along_axis(out.prediction_logits.numpy(), MASK_POSITIONS[:, :, None], axis=1),
                                out.seq_relationship_logits]),
}


def torch_inputs(inputs):
    return {"input_ids": torch.tensor(inputs["token_ids"], dtype=torch.long),
            "token_type_ids": torch.tensor(inputs["segment_ids"], dtype=torch.long),
            "attention_mask": torch.tensor(inputs["padding_mask"], dtype=torch.long)}


@pytest.mark.parametrize("case", sorted(CASES))
def test_transformers_loads_the_export_to_the_same_outputs_and_the_zoo_reads_it_back(case, tmp_path):
    build, auto_class, ours, theirs = CASES[case]
    model = randomized(build())
    inputs = harness.backbone_inputs(harness.TINY_BERT["vocabulary_size"], batch=3, length=12)
    if case in ("masked_lm", "pretrainer"):
        inputs["mask_positions"] = MASK_POSITIONS
    expected = harness.numpy_tree(model(inputs))
    model.save_to_huggingface(tmp_path / "hf")
    reference = getattr(transformers, auto_class).from_pretrained(tmp_path / "hf").eval()
    with torch.no_grad():
        out = reference(**torch_inputs(inputs))
    for mine, reference_value in zip(ours(expected), theirs(out)):
        assert harness.max_abs_diff(mine, reference_value) <= TOLERANCE
    restored = type(model).from_preset(tmp_path / "hf")
    harness.assert_same_outputs(model, restored, inputs, atol=1e-6)


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


def test_multiple_choice_export_matches_transformers(tmp_path):
    model = randomized(BertMultipleChoice(backbone()))
    flat = harness.backbone_inputs(harness.TINY_BERT["vocabulary_size"], batch=6, length=10)
    inputs = {key: value.reshape(3, 2, 10) for key, value in flat.items()}  # 3 questions, 2 choices
    expected = harness.numpy_tree(model(inputs))
    model.save_to_huggingface(tmp_path / "hf")
    reference = transformers.AutoModelForMultipleChoice.from_pretrained(tmp_path / "hf").eval()
    with torch.no_grad():
        logits = reference(**torch_inputs(inputs)).logits
    assert harness.max_abs_diff(expected, logits) <= TOLERANCE


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
