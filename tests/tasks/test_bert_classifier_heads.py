"""Regression and multi-label BertClassifier heads against Hugging Face's BertForSequenceClassification."""

import numpy as np
import pytest

import harness
from conftest import _save_hf
from keras_bert_zoo.tasks.classifier import BertClassifier

torch = pytest.importorskip("torch")

TOLERANCE = 1e-5
# transformers picks the loss from num_labels and problem_type.
HEADS = {
    "regression": dict(num_labels=1),
    "multi_label": dict(num_labels=3, problem_type="multi_label_classification"),
}
# What the importer must build from each: (problem_type, num_classes, multi_label).
EXPECTED = {"regression": ("regression", 1, False), "multi_label": ("multi_label_classification", 3, True)}


@pytest.fixture(scope="module", params=list(HEADS))
def hf_head(request, tmp_path_factory):
    """(kind, directory, model): a random tiny checkpoint with a perturbed classifier bias
    (a fresh zero bias could hide a mapping error)."""
    directory = tmp_path_factory.mktemp(request.param)
    model = _save_hf("BertForSequenceClassification", directory, **HEADS[request.param])
    with torch.no_grad():
        model.classifier.bias.add_(torch.randn_like(model.classifier.bias))
    model.save_pretrained(directory)
    return request.param, directory, model


def labels_for(kind, batch):
    rng = np.random.default_rng(0)
    if kind == "regression":
        return rng.uniform(-4, 4, batch).astype("float32")
    return rng.integers(0, 2, (batch, 3)).astype("float32")


def hf_forward(model, inputs, labels):
    with torch.no_grad():
        return model(
            input_ids=torch.tensor(inputs["token_ids"], dtype=torch.long),
            token_type_ids=torch.tensor(inputs["segment_ids"], dtype=torch.long),
            attention_mask=torch.tensor(inputs["padding_mask"], dtype=torch.long),
            labels=torch.tensor(labels),
        )


def test_logits_and_loss_match_transformers(hf_head):
    kind, directory, reference = hf_head
    classifier = BertClassifier.from_preset(directory)
    assert (classifier.problem_type, classifier.num_classes, classifier.multi_label) == EXPECTED[kind]
    inputs = harness.backbone_inputs(99, batch=4, length=12)
    labels = labels_for(kind, 4)
    expected = hf_forward(reference, inputs, labels)
    logits = harness.numpy_tree(classifier(inputs))
    assert logits.shape == tuple(expected.logits.shape) and logits.dtype == np.float32
    assert harness.max_abs_diff(logits, expected.logits) <= TOLERANCE
    # The default loss is the one transformers trains this head with (MSE or BCE with logits).
    loss = classifier.evaluate(inputs, labels, batch_size=4, verbose=0)[0]
    assert abs(loss - float(expected.loss)) <= TOLERANCE


def test_fit_one_step_and_preset_round_trip(hf_head, tmp_path):
    kind, directory, _ = hf_head
    classifier = BertClassifier.from_preset(directory)
    inputs = harness.backbone_inputs(99, batch=4, length=8)
    harness.check_fit_one_step(classifier, inputs, labels_for(kind, 4), batch_size=2)
    restored = harness.check_preset_round_trip(classifier, inputs, tmp_path)
    assert restored.head_config() == classifier.head_config()
