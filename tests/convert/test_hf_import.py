"""Numeric parity with `transformers` and strict loading of Hugging Face checkpoints."""

import json

import numpy as np
import pytest
from safetensors.numpy import load_file, save_file

import harness
from keras_bert_zoo import BertBackbone, BertClassifier

torch = pytest.importorskip("torch")

TOLERANCE = 1e-5


def hf_outputs(model, inputs):
    with torch.no_grad():
        return model(
            input_ids=torch.tensor(inputs["token_ids"], dtype=torch.long),
            token_type_ids=torch.tensor(inputs["segment_ids"], dtype=torch.long),
            attention_mask=torch.tensor(inputs["padding_mask"], dtype=torch.long),
        )


@pytest.mark.parametrize("length", [7, 16])
def test_backbone_matches_transformers(hf_bert_model, length):
    directory, reference = hf_bert_model
    backbone = BertBackbone.from_preset(directory)
    inputs = harness.backbone_inputs(99, batch=3, length=length)  # pairs + padding
    expected = hf_outputs(reference, inputs)
    out = harness.numpy_tree(backbone(inputs))
    assert harness.max_abs_diff(out["sequence_output"], expected.last_hidden_state) <= TOLERANCE
    assert harness.max_abs_diff(out["pooled_output"], expected.pooler_output) <= TOLERANCE


def test_classifier_matches_transformers(hf_bert_classifier):
    directory, reference = hf_bert_classifier
    classifier = BertClassifier.from_preset(directory)
    assert classifier.num_classes == 3
    inputs = harness.backbone_inputs(99, batch=3, length=12)
    expected = hf_outputs(reference, inputs).logits
    assert harness.max_abs_diff(harness.numpy_tree(classifier(inputs)), expected) <= TOLERANCE


def test_pytorch_bin_is_read_with_weights_only(hf_bert_model, tmp_path):
    directory, reference = hf_bert_model
    state = {name: torch.from_numpy(value) for name, value in load_file(directory / "model.safetensors").items()}
    torch.save(state, tmp_path / "pytorch_model.bin")
    (tmp_path / "config.json").write_text((directory / "config.json").read_text())
    backbone = BertBackbone.from_preset(tmp_path)
    inputs = harness.backbone_inputs(99)
    expected = hf_outputs(reference, inputs).last_hidden_state
    assert harness.max_abs_diff(harness.numpy_tree(backbone(inputs))["sequence_output"], expected) <= TOLERANCE


def _rewrite(directory, tmp_path, edit):
    tensors = load_file(directory / "model.safetensors")
    edit(tensors)
    save_file(tensors, tmp_path / "model.safetensors")
    (tmp_path / "config.json").write_text((directory / "config.json").read_text())
    return tmp_path


def test_prefixed_names_load_into_backbone(hf_bert_model, tmp_path):
    """A BertFor* checkpoint names its weights 'bert.…'; a backbone load accepts both."""
    directory, reference = hf_bert_model

    def add_prefix(tensors):
        for name in list(tensors):
            tensors["bert." + name] = tensors.pop(name)

    backbone = BertBackbone.from_preset(_rewrite(directory, tmp_path, add_prefix))
    inputs = harness.backbone_inputs(99)
    expected = hf_outputs(reference, inputs).last_hidden_state
    assert harness.max_abs_diff(harness.numpy_tree(backbone(inputs))["sequence_output"], expected) <= TOLERANCE


def test_missing_weight_is_named(hf_bert_model, tmp_path):
    directory, _ = hf_bert_model
    path = _rewrite(directory, tmp_path, lambda t: t.pop("encoder.layer.1.output.dense.weight"))
    with pytest.raises(ValueError, match=r"encoder\.layer\.1\.output\.dense\.weight"):
        BertBackbone.from_preset(path)


def test_wrong_shape_is_named(hf_bert_model, tmp_path):
    directory, _ = hf_bert_model

    def shrink(tensors):
        tensors["pooler.dense.bias"] = tensors["pooler.dense.bias"][:-1].copy()

    with pytest.raises(ValueError, match=r"pooler\.dense\.bias.*\(31,\)"):
        BertBackbone.from_preset(_rewrite(directory, tmp_path, shrink))


def test_unexpected_weight_is_named(hf_bert_model, tmp_path):
    directory, _ = hf_bert_model

    def add_layer(tensors):
        tensors["encoder.layer.2.output.dense.bias"] = np.zeros(32, "float32")

    with pytest.raises(ValueError, match=r"encoder\.layer\.2\.output\.dense\.bias"):
        BertBackbone.from_preset(_rewrite(directory, tmp_path, add_layer))


def test_unused_head_is_reported(hf_bert_classifier, caplog):
    directory, _ = hf_bert_classifier
    with caplog.at_level("WARNING"):
        BertBackbone.from_preset(directory)
    assert "classifier.weight" in caplog.text


def test_unsupported_activation_is_refused(hf_bert_model, tmp_path):
    directory, _ = hf_bert_model
    config = json.loads((directory / "config.json").read_text())
    config["hidden_act"] = "relu"
    (tmp_path / "config.json").write_text(json.dumps(config))
    with pytest.raises(ValueError, match="hidden_act='relu'"):
        BertBackbone.from_preset(tmp_path)


def test_hf_config_inverts_backbone_spec():
    import transformers

    from keras_bert_zoo.convert.hf_bert import backbone_spec, hf_config

    ours = {"vocabulary_size": 99, "num_layers": 2, "num_heads": 2, "hidden_dim": 16, "intermediate_dim": 32,
            "max_sequence_length": 64, "num_segments": 3, "layer_norm_epsilon": 1e-6,
            "initializer_range": 0.05, "dropout": 0.2}
    assert backbone_spec(hf_config(ours))["config"] == ours
    # transformers builds the same architecture from it (BertModel has a pooler too).
    reference = transformers.BertModel(transformers.BertConfig(**hf_config(ours)))
    assert sum(p.numel() for p in reference.parameters()) == BertBackbone(**ours).count_params()
