"""Cross-layer parameter sharing as an option of every family's encoder (ALBERT's, on a BERT here)."""

import numpy as np
import pytest

import harness
from keras_bert_zoo import BertBackbone, BertClassifier
from keras_bert_zoo.layers.encoder import group_schedule, transformer_stack

# Backbones built here have no tokenizer, and a preset round trip says so.
pytestmark = pytest.mark.filterwarnings("ignore:.*has no tokenizer")
SHARED = {**harness.TINY_BERT, "num_layers": 4, "num_layer_groups": 1}


def test_group_schedule_follows_albert():
    assert group_schedule(12, 1) == [0] * 12
    assert group_schedule(12, 3) == [0] * 4 + [1] * 4 + [2] * 4
    assert group_schedule(3, 2) == [0, 0, 1]
    assert group_schedule(10, 3) == [0, 0, 0, 0, 1, 1, 1, 2, 2, 2]
    assert group_schedule(4, 4) == [0, 1, 2, 3]


@pytest.mark.parametrize("arguments, message", [
    ({"num_layer_groups": 5}, "num_layer_groups"),  # a group no layer would run
    ({"num_layer_groups": 0}, "num_layer_groups"),
    ({"layers_per_group": 2}, "needs `num_layer_groups`"),
    ({"num_layer_groups": 1, "layers_per_group": 0}, "layers_per_group"),
])
def test_bad_sharing_is_refused(arguments, message):
    with pytest.raises(ValueError, match=message):
        transformer_stack(4, 16, 2, 32, **arguments)


def test_a_shared_bert_runs_one_block_at_every_layer():
    shared = BertBackbone(**SHARED)
    assert len(shared.transformer_layers) == 1 and len(shared.layers_in_call_order()) == 4
    assert shared.count_params() == BertBackbone(**{**harness.TINY_BERT, "num_layers": 1}).count_params()
    # An unshared BERT whose four blocks hold the same weights computes the same function.
    unshared = BertBackbone(**{**harness.TINY_BERT, "num_layers": 4})
    block = shared.transformer_layers[0].get_weights()
    for layer in unshared.transformer_layers:
        layer.set_weights(block)
    for name in ("embeddings", "pooler"):
        getattr(unshared, name).set_weights(getattr(shared, name).get_weights())
    inputs = harness.backbone_inputs(SHARED["vocabulary_size"])
    harness.assert_same_outputs(shared, unshared, inputs, atol=1e-5)


def test_a_shared_bert_trains_its_one_block(tmp_path):
    classifier = BertClassifier(BertBackbone(**SHARED), num_classes=2)
    before = [w.copy() for w in classifier.backbone.transformer_layers[0].get_weights()]
    inputs = harness.backbone_inputs(SHARED["vocabulary_size"], batch=4)
    harness.check_fit_one_step(classifier, inputs, np.array([0, 1, 0, 1]), batch_size=4)
    after = classifier.backbone.transformer_layers[0].get_weights()
    assert all(np.any(a != b) for a, b in zip(before, after) if a.ndim == 2)  # every kernel moved
    harness.check_preset_round_trip(classifier, inputs, tmp_path)


def test_a_shared_bert_exports_as_copies_and_imports_back(tmp_path):
    transformers = pytest.importorskip("transformers")
    torch = pytest.importorskip("torch")
    shared = BertBackbone(**SHARED)
    inputs = harness.backbone_inputs(SHARED["vocabulary_size"])
    expected = harness.numpy_tree(shared(inputs))["sequence_output"]
    shared.save_to_huggingface(tmp_path / "exported")
    reference = transformers.BertModel.from_pretrained(tmp_path / "exported").eval()
    assert reference.config.num_hidden_layers == 4  # the shared block, written once per layer
    with torch.no_grad():
        theirs = reference(input_ids=torch.tensor(inputs["token_ids"], dtype=torch.long),
                           token_type_ids=torch.tensor(inputs["segment_ids"], dtype=torch.long),
                           attention_mask=torch.tensor(inputs["padding_mask"], dtype=torch.long)).last_hidden_state
    assert harness.max_abs_diff(expected, theirs.numpy()) < 1e-5
    # Equal copies load back into one shared block; layers that differ cannot share one.
    restored = BertBackbone.from_preset(tmp_path / "exported", num_layer_groups=1)
    harness.assert_same_outputs(shared, restored, inputs, atol=1e-6)
    BertBackbone(**{**SHARED, "num_layer_groups": None}).save_to_huggingface(tmp_path / "unshared")
    with pytest.raises(ValueError, match="differ, but the backbone shares"):
        BertBackbone.from_preset(tmp_path / "unshared", num_layer_groups=1)
