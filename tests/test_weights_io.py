"""Safetensors files: damaged ones are named, written ones get the umask's mode."""

import json
import os
import shutil

import pytest
from safetensors import SafetensorError
from safetensors.numpy import load_file, save_file

import harness
from keras_bert_zoo import BertBackbone, BertClassifier, weights_io


def truncate(path, keep=0.5):
    """Cut a file short, as an interrupted download or copy leaves it."""
    data = path.read_bytes()
    path.write_bytes(data[:int(len(data) * keep)])


def assert_damaged(error, name):
    assert name in str(error.value) and "damaged or incomplete" in str(error.value)
    assert isinstance(error.value.__cause__, SafetensorError)


def test_truncated_hf_checkpoint_is_named(hf_bert_model, tmp_path):
    shutil.copytree(hf_bert_model[0], tmp_path / "hf")
    truncate(tmp_path / "hf" / "model.safetensors")
    with pytest.raises(ValueError) as error:
        BertBackbone.from_preset(tmp_path / "hf")
    assert_damaged(error, "model.safetensors")


def sharded(directory, tmp_path):
    """The checkpoint split into two shards with a model.safetensors.index.json."""
    target = tmp_path / "sharded"
    target.mkdir()
    shutil.copy(directory / "config.json", target)
    tensors = load_file(directory / "model.safetensors")
    names = sorted(tensors)
    weight_map = {}
    for index, part in enumerate((names[::2], names[1::2])):
        shard = f"model-{index + 1:05d}-of-00002.safetensors"
        save_file({name: tensors[name] for name in part}, target / shard)
        weight_map.update({name: shard for name in part})
    (target / "model.safetensors.index.json").write_text(json.dumps({"weight_map": weight_map}))
    return target


def test_shards_load_and_a_damaged_or_missing_shard_is_named(hf_bert_model, tmp_path):
    directory, _ = hf_bert_model
    target = sharded(directory, tmp_path)
    harness.assert_same_outputs(BertBackbone.from_preset(directory), BertBackbone.from_preset(target),
                                harness.backbone_inputs(99), atol=0)
    shard = target / "model-00002-of-00002.safetensors"
    truncate(shard)
    with pytest.raises(ValueError) as error:
        BertBackbone.from_preset(target)
    assert_damaged(error, shard.name)
    shard.unlink()
    with pytest.raises(FileNotFoundError, match=shard.name):
        BertBackbone.from_preset(target)


@pytest.mark.parametrize("damaged", ["backbone.safetensors", "task.safetensors"])
def test_truncated_preset_weights_are_named(tmp_path, damaged):
    classifier = BertClassifier(BertBackbone(**harness.TINY_BERT), num_classes=2)
    classifier.save_to_preset(tmp_path / "preset")
    truncate(tmp_path / "preset" / damaged)
    with pytest.raises(ValueError) as error:
        BertClassifier.from_preset(tmp_path / "preset")
    assert_damaged(error, damaged)


def test_truncated_variables_file_is_named(tmp_path):
    backbone = BertBackbone(**harness.TINY_BERT)
    path = tmp_path / "variables.safetensors"  # as training checkpoints name theirs
    weights_io.save_variables(path, backbone.weights)
    truncate(path, keep=0.99)
    with pytest.raises(ValueError) as error:
        weights_io.load_variables(path, backbone.weights)
    assert_damaged(error, str(path))


@pytest.mark.parametrize("umask", [0o022, 0o027, 0o002])
def test_saved_weights_get_the_umask_default_mode(tmp_path, umask):
    backbone = BertBackbone(**harness.TINY_BERT)
    previous = os.umask(umask)
    try:
        weights_io.save_variables(tmp_path / "weights.safetensors", backbone.weights)
    finally:
        os.umask(previous)
    assert (tmp_path / "weights.safetensors").stat().st_mode & 0o777 == 0o666 & ~umask
