"""Parity with `transformers` of the pretraining heads, and strict loading of their weights."""

import re

import numpy as np
import pytest

import harness
from keras_bert_zoo import BertBackbone, BertMaskedLM, BertPretrainer

pytest.importorskip("torch")
from test_hf_import import _rewrite, hf_outputs  # noqa: E402  (tests/convert is on sys.path)

TOLERANCE = 1e-5
VOCABULARY = 99


def masked_inputs(length=12):
    """Pairs with padding; rows predict at 3, 2 and 1 real positions (the rest padded slots)."""
    inputs = harness.backbone_inputs(VOCABULARY, batch=3, length=length)
    inputs["mask_positions"] = np.array([[1, 4, length - 5], [0, 7, 0], [3, 0, 0]], "int32")
    return inputs


def hf_logits(model, inputs):
    """The reference's MLM logits at the mask positions, and its NSP logits (or None)."""
    out = hf_outputs(model, inputs)
    mlm = out.prediction_logits if hasattr(out, "prediction_logits") else out.logits
    positions = inputs["mask_positions"][:, :, None]
    mlm = np.take_along_axis(mlm.numpy(), positions, axis=1)
    nsp = out.seq_relationship_logits.numpy() if hasattr(out, "seq_relationship_logits") else None
    return mlm, nsp


def test_pretrainer_matches_bert_for_pretraining(hf_bert_pretraining):
    directory, reference = hf_bert_pretraining
    pretrainer = BertPretrainer.from_preset(directory)
    inputs = masked_inputs()
    expected_mlm, expected_nsp = hf_logits(reference, inputs)
    out = harness.numpy_tree(pretrainer(inputs))
    assert out["mlm_logits"].shape == (3, 3, VOCABULARY)
    assert harness.max_abs_diff(out["mlm_logits"], expected_mlm) <= TOLERANCE
    assert harness.max_abs_diff(out["nsp_logits"], expected_nsp) <= TOLERANCE


def test_masked_lm_matches_bert_for_masked_lm(hf_bert_masked_lm, caplog):
    directory, reference = hf_bert_masked_lm
    with caplog.at_level("WARNING"):
        masked_lm = BertMaskedLM.from_preset(directory)
    # Hugging Face builds BertForMaskedLM without a pooler; ours stays initialised, said out loud.
    assert "pooler.dense.weight" in caplog.text
    inputs = masked_inputs(length=16)
    expected, _ = hf_logits(reference, inputs)
    assert harness.max_abs_diff(harness.numpy_tree(masked_lm(inputs)), expected) <= TOLERANCE


def test_converted_head_survives_save_to_preset(hf_bert_pretraining, tmp_path):
    directory, _ = hf_bert_pretraining
    harness.check_preset_round_trip(BertPretrainer.from_preset(directory), masked_inputs(), tmp_path)


def test_backbone_only_checkpoint_gives_fresh_heads(hf_bert_model):
    directory, _ = hf_bert_model
    pretrainer = BertPretrainer.from_preset(directory)
    backbone = BertBackbone.from_preset(directory)
    harness.assert_same_outputs(pretrainer.backbone, backbone, harness.backbone_inputs(VOCABULARY), atol=0)
    assert not np.any(harness.numpy_tree(pretrainer.masked_lm_head.output_bias))


def test_heads_are_reported_when_loading_a_backbone(hf_bert_pretraining, caplog):
    directory, _ = hf_bert_pretraining
    with caplog.at_level("WARNING"):
        BertBackbone.from_preset(directory)
    assert "cls.seq_relationship.weight" in caplog.text and "cls.predictions.bias" in caplog.text


def test_stored_tied_copies_are_checked_and_accepted(hf_bert_pretraining, tmp_path):
    """Older checkpoints store the decoder (a copy of the word embeddings) and its bias."""
    directory, reference = hf_bert_pretraining

    def store_copies(tensors):
        tensors["cls.predictions.decoder.weight"] = tensors["bert.embeddings.word_embeddings.weight"]
        tensors["cls.predictions.decoder.bias"] = tensors.pop("cls.predictions.bias")

    pretrainer = BertPretrainer.from_preset(_rewrite(directory, tmp_path, store_copies))
    inputs = masked_inputs()
    expected_mlm, _ = hf_logits(reference, inputs)
    out = harness.numpy_tree(pretrainer(inputs))
    assert harness.max_abs_diff(out["mlm_logits"], expected_mlm) <= TOLERANCE


def test_untied_decoder_is_refused(hf_bert_pretraining, tmp_path):
    directory, _ = hf_bert_pretraining

    def untie(tensors):
        embeddings = tensors["bert.embeddings.word_embeddings.weight"]
        tensors["cls.predictions.decoder.weight"] = embeddings + 1.0

    with pytest.raises(ValueError, match=r"cls\.predictions\.decoder\.weight differs"):
        BertPretrainer.from_preset(_rewrite(directory, tmp_path, untie))


# The pooler too: BertForPreTraining has one, so it may not be missing.
@pytest.mark.parametrize("name", ["cls.predictions.transform.dense.weight", "bert.pooler.dense.weight"])
def test_missing_weight_is_named(hf_bert_pretraining, tmp_path, name):
    directory, _ = hf_bert_pretraining
    with pytest.raises(ValueError, match=re.escape(name.removeprefix("bert."))):
        BertPretrainer.from_preset(_rewrite(directory, tmp_path, lambda tensors: tensors.pop(name)))
