"""Every family's backbone (the family matrix of tests/harness.py): shapes, padding, saving,
mixed precision, dropout, attention paths; and the built-in presets' sizes."""

import pytest

import harness
from keras_bert_zoo import AlbertBackbone, BertBackbone, DistilBertBackbone, RobertaBackbone, list_presets


@pytest.fixture(params=harness.FAMILIES, ids=lambda family: family.name)
def family(request):
    return request.param


@pytest.fixture
def backbone(family):
    return family.backbone()


def test_weights_exist_at_construction(backbone):
    harness.check_weights_exist_at_construction(backbone)


def test_output_shapes_for_several_lengths(backbone, family):
    harness.check_backbone_shapes(backbone, family)
    assert sorted(backbone.input) == sorted(family.input_names)


def test_padding_does_not_change_real_tokens(backbone, family):
    harness.check_padding_invariance(backbone, family)


def test_config_round_trip(backbone, family):
    harness.check_config_round_trip(backbone)
    assert backbone.get_config()["num_layers"] == family.config["num_layers"]


def test_keras_file_round_trip(backbone, family, tmp_path):
    harness.check_keras_file_round_trip(backbone, family.inputs(), tmp_path)


def test_preset_round_trip(backbone, family, tmp_path):
    harness.check_preset_round_trip(backbone, family.inputs(), tmp_path)


def test_mixed_precision(backbone, family):
    out = harness.check_mixed_precision(type(backbone), family.config, family.inputs())
    assert out["sequence_output"].dtype.name == "bfloat16"


def test_training_dropout_changes_outputs_inference_does_not(backbone, family):
    inputs = family.inputs()
    first = harness.numpy_tree(backbone(inputs, training=False))["sequence_output"]
    again = harness.numpy_tree(backbone(inputs, training=False))["sequence_output"]
    trained = harness.numpy_tree(backbone(inputs, training=True))["sequence_output"]
    assert harness.max_abs_diff(first, again) == 0
    assert harness.max_abs_diff(first, trained) > 0


def test_explicit_and_fused_attention_agree(backbone, family):
    """The float32 inference path (fused op) equals the explicit path used in training."""
    inputs = family.inputs()
    no_dropout = family.backbone(dropout=0.0)
    no_dropout.set_weights(backbone.get_weights())
    fused = harness.numpy_tree(no_dropout(inputs, training=False))
    # With dropout 0, training=True still takes the fused path; force the explicit one.
    block = no_dropout.transformer_layers[0].attention
    block.dropout = 1e-12
    explicit = harness.numpy_tree(no_dropout(inputs, training=True))
    assert harness.max_abs_diff(fused["sequence_output"], explicit["sequence_output"]) < 1e-4


def test_hidden_dim_must_divide_into_heads(family):
    with pytest.raises(ValueError, match="divisible"):
        family.backbone(num_heads=3)


# Parameter counts of DESIGN.md's table, as transformers counts them.
EXPECTED_PARAMS = {
    "bert_tiny": (BertBackbone, 4_385_920),
    "bert_mini": (BertBackbone, 11_170_560),
    "bert_small": (BertBackbone, 28_763_648),
    "bert_medium": (BertBackbone, 41_373_184),
    "bert_base_en_uncased": (BertBackbone, 109_482_240),
    "distil_bert_base_en_uncased": (DistilBertBackbone, 66_362_880),
    "distil_roberta_base_en": (RobertaBackbone, 82_118_400),
    "albert_base_en_uncased": (AlbertBackbone, 11_683_584),
    "albert_large_en_uncased": (AlbertBackbone, 17_683_968),
}
# Building BERT-large takes about a minute on two CPU cores, so its count
# (335,141,888) is checked through the formulas below, which the built models
# above confirm; so are ALBERT-xlarge's and -xxlarge's (58,724,864 and 222,595,584).


@pytest.mark.parametrize("name", sorted(EXPECTED_PARAMS))
def test_preset_parameter_counts(name):
    cls, expected = EXPECTED_PARAMS[name]
    assert cls.from_preset(name, load_weights=False).count_params() == expected


def encoder_params(config, segments):
    """Embeddings (token, position, `segments` segment rows, LayerNorm; ALBERT's narrower, then
    projected) and the distinct blocks."""
    hidden, inter, layers = config["hidden_dim"], config["intermediate_dim"], config["num_layers"]
    width = config.get("embedding_dim") or hidden
    embeddings = (config["vocabulary_size"] + config["max_sequence_length"] + segments + 2) * width
    if config.get("embedding_dim"):
        embeddings += width * hidden + hidden
    if config.get("num_layer_groups"):
        layers = config["num_layer_groups"] * config.get("layers_per_group", 1)
    block = 4 * (hidden * hidden + hidden) + 2 * (hidden * inter) + inter + hidden + 4 * hidden
    return embeddings + layers * block


# Backbone class -> its parameter count from the preset config, without allocating large models.
PARAMETER_FORMULAS = {
    "BertBackbone": lambda c: encoder_params(c, c["num_segments"]) + c["hidden_dim"] ** 2 + c["hidden_dim"],  # pooler
    "AlbertBackbone": lambda c: encoder_params(c, c["num_segments"]) + c["hidden_dim"] ** 2 + c["hidden_dim"],
    "DistilBertBackbone": lambda c: encoder_params(c, 0),
    # Positions past the padding id (max_sequence_length + padding_id + 1 rows), one segment, a pooler.
    "RobertaBackbone": lambda c: (encoder_params({**c, "max_sequence_length": c["max_sequence_length"] + c["padding_id"] + 1}, 1)
                                  + c["hidden_dim"] ** 2 + c["hidden_dim"]),
}


def test_every_builtin_preset_declares_its_true_size():
    import json

    from keras_bert_zoo.presets import builtin_directory

    for name in list_presets():
        spec = json.loads((builtin_directory() / f"{name}.json").read_text())
        formula = PARAMETER_FORMULAS[spec["backbone"]["class_name"]]
        assert formula(spec["backbone"]["config"]) == spec["params"], name


def test_aliases_resolve():
    from keras_bert_zoo.presets import builtin_spec

    assert builtin_spec("base")["name"] == "bert_base_en_uncased"
    assert builtin_spec("large")["params"] == 335_141_888


def test_unknown_preset_lists_valid_names():
    with pytest.raises(ValueError, match="bert_base_en_uncased.*bert_tiny"):
        BertBackbone.from_preset("bert_gigantic", load_weights=False)
