import harness
from keras_bert_zoo import BertBackbone, BertClassifier
from keras_bert_zoo.cli import main


def test_presets_lists_names_and_sizes(capsys):
    main(["presets"])
    out = capsys.readouterr().out
    assert "bert_base_en_uncased (= base)" in out and "109,482,240" in out


def test_import_hf_classifier(hf_bert_classifier, tmp_path, capsys):
    directory, _ = hf_bert_classifier
    main(["import-hf", str(directory), str(tmp_path / "out")])
    assert "BertClassifier" in capsys.readouterr().out
    inputs = harness.backbone_inputs(99)
    harness.assert_same_outputs(
        BertClassifier.from_preset(directory), BertClassifier.from_preset(tmp_path / "out"), inputs
    )


def test_import_hf_backbone(hf_bert_model, tmp_path):
    directory, _ = hf_bert_model
    main(["import-hf", str(directory), str(tmp_path / "out")])
    harness.assert_same_outputs(
        BertBackbone.from_preset(directory), BertBackbone.from_preset(tmp_path / "out"),
        harness.backbone_inputs(99),
    )


def test_presets_columns_line_up_with_alias_names(capsys):
    main(["presets"])
    lines = capsys.readouterr().out.splitlines()
    alias_row = next(line for line in lines if "(= base)" in line)
    # Each column starts at the same offset on every row, alias rows included.
    shape_column = lines[0].index("layers/hidden/heads")
    assert all(line[shape_column - 2:shape_column] == "  " and line[shape_column] != " " for line in lines)
    weights_column = lines[0].index("weights")
    assert all(line[weights_column:].startswith(("weights", "hf://")) for line in lines)
    assert alias_row.index("12/768/12") == shape_column
