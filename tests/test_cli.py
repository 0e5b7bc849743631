from pathlib import Path

import pytest

import harness
from keras_bert_zoo import BertBackbone, BertClassifier
from keras_bert_zoo.cli import main

MOBY_DICK = Path(__file__).parent.parent / "examples" / "data" / "moby_dick" / "train.txt"


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


@pytest.mark.once  # vocabulary learning and tokenization never touch the Keras backend
def test_vocab_bpe_writes_a_vocabulary_roberta_tokenizer_loads(tmp_path, capsys):
    transformers = pytest.importorskip("transformers")
    from keras_bert_zoo.data.prepare import load_tokenizer
    from keras_bert_zoo.text import RobertaTokenizer

    corpus = tmp_path / "corpus.txt"
    corpus.write_text(MOBY_DICK.read_text(encoding="utf-8")[:50_000], encoding="utf-8")
    main(["vocab", str(corpus), "--output", str(tmp_path / "bpe"), "--kind", "bpe", "--size", "500"])
    assert "500 tokens" in capsys.readouterr().out
    assert sorted(p.name for p in (tmp_path / "bpe").iterdir()) == ["merges.txt", "tokenizer_record.json",
                                                                     "vocab.json"]
    tokenizer = load_tokenizer(tmp_path / "bpe")  # what `bert-zoo prepare --vocabulary` reads
    assert isinstance(tokenizer, RobertaTokenizer)
    assert tokenizer.vocabulary[:4] == ["<s>", "<pad>", "</s>", "<unk>"] and tokenizer.vocabulary[-1] == "<mask>"
    assert tokenizer.vocabulary_size == 500
    files = {"vocab": str(tmp_path / "bpe" / "vocab.json"), "merges": str(tmp_path / "bpe" / "merges.txt")}
    if int(transformers.__version__.split(".")[0]) < 5:
        files = {"vocab_file": files["vocab"], "merges_file": files["merges"]}
    hf = transformers.RobertaTokenizerFast(**files)
    text = "Call me Ishmael. Whenever I find myself growing grim about the mouth"
    assert tokenizer(text).numpy().tolist() == hf(text, add_special_tokens=False)["input_ids"]


@pytest.mark.once  # the data pipeline never touches the Keras backend
def test_prepare_objective_sop_writes_sentence_order_shards(tmp_path, capsys):
    import json

    import tensorflow as tf

    from keras_bert_zoo.data.prepare import load_tokenizer
    from keras_bert_zoo.text import AlbertTokenizer

    corpus = tmp_path / "corpus.txt"
    corpus.write_text("\n\n".join(MOBY_DICK.read_text(encoding="utf-8").split("\n\n")[:10]), encoding="utf-8")
    # ALBERT's data from raw text: a SentencePiece vocabulary, then sentence-order pairs.
    main(["vocab", str(corpus), "--output", str(tmp_path / "spiece"), "--kind", "sentencepiece", "--size", "400"])
    assert "400 tokens" in capsys.readouterr().out
    assert sorted(p.name for p in (tmp_path / "spiece").iterdir()) == ["spiece.model", "tokenizer_record.json"]
    tokenizer = load_tokenizer(tmp_path / "spiece")
    assert isinstance(tokenizer, AlbertTokenizer) and tokenizer.vocabulary[:5] == [
        "<pad>", "<unk>", "[CLS]", "[SEP]", "[MASK]"]
    assert AlbertTokenizer(tmp_path / "spiece" / "spiece.model").get_config() == tokenizer.get_config()
    prepare = ["prepare", str(corpus), "--vocabulary", str(tmp_path / "spiece"), "--max-sequence-length", "32",
               "--num-shards", "1"]
    main([*prepare, "--output", str(tmp_path / "sop"), "--objective", "sop"])
    assert "sentence-order labels" in capsys.readouterr().out
    manifest = json.loads((tmp_path / "sop" / "manifest.json").read_text())
    assert manifest["objective"] == "sop"
    features = {"sentence_order_label": tf.io.FixedLenFeature([], tf.int64)}
    labels = [int(tf.io.parse_single_example(record, features)["sentence_order_label"])
              for record in tf.data.TFRecordDataset(str(tmp_path / "sop" / manifest["files"][0]))]
    assert len(labels) == manifest["count"] > 50 and set(labels) == {0, 1}


@pytest.mark.once  # see test_prepare_objective_sop_writes_sentence_order_shards
def test_prepare_objective_flags(monkeypatch, capsys):
    from keras_bert_zoo.data import prepare

    calls = []
    monkeypatch.setattr(prepare, "prepare_pretraining_data", lambda *args, **kwargs: calls.append(kwargs) or {
        "count": 1, "max_sequence_length": 8, "objective": kwargs["objective"]})
    command = ["prepare", "corpus.txt", "--output", "out", "--vocabulary", "vocabulary"]
    for flags, objective in (([], "nsp"), (["--objective", "sop"], "sop"), (["--objective", "none"], None),
                             (["--no-nsp"], None), (["--no-nsp", "--objective", "none", "--full-sentences"], None)):
        main([*command, *flags])
        assert calls[-1]["objective"] == objective
    assert calls[-1]["cross_documents"] and calls[-1]["max_ngram"] == 1
    main([*command, "--static-masking", "--whole-word-masking", "--max-ngram", "3"])
    assert calls[-1]["max_ngram"] == 3 and calls[-1]["whole_word_masking"] and calls[-1]["static_masking"]
    for flags, message in ((["--no-nsp", "--objective", "sop"], "--no-nsp is --objective none"),
                           (["--full-sentences"], "--full-sentences packs single segments")):
        with pytest.raises(SystemExit):
            main([*command, *flags])
        assert message in capsys.readouterr().err
    assert len(calls) == 6
