"""Table readers: GLUE-style TSV, CSV and JSON Lines into BertClassifier inputs."""

import csv
import json

import numpy as np
import pytest

from keras_bert_zoo.data.tables import read_table, table_dataset


def write(path, lines):
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_glue_tsv_single_sentences(tmp_path):
    path = write(tmp_path / "train.tsv", ["sentence\tlabel", "a fine film\t1", "dull\t0", "superb\t1"])
    x, y, labels = read_table(path)
    assert x == ["a fine film", "dull", "superb"]
    assert y.dtype == np.int32 and y.tolist() == [1, 0, 1] and labels == ["0", "1"]


def test_mrpc_style_pairs_keep_quotes_and_ignore_the_byte_order_mark(tmp_path):
    path = tmp_path / "mrpc.tsv"
    # MRPC: a BOM, named pair columns, and quote characters that are text.
    path.write_text('\ufeffQuality\t#1 ID\t#2 ID\t#1 String\t#2 String\n'
                    '1\t1\t2\t"Yes," he said\tHe agreed\n'
                    '0\t3\t4\tIt rained.\t"Sunny" all day\n', encoding="utf-8")
    x, y, labels = read_table(path, text_columns=("#1 String", "#2 String"), label_column="Quality")
    assert x == (['"Yes," he said', "It rained."], ["He agreed", '"Sunny" all day'])
    assert y.tolist() == [1, 0]
    # Standard CSV quoting would silently eat the quote characters.
    quoted = read_table(path, ("#1 String", "#2 String"), "Quality", quoting=csv.QUOTE_MINIMAL)
    assert quoted.x[0][0] == "Yes, he said"


def test_qqp_style_short_rows_are_named_or_skipped(tmp_path, caplog):
    path = write(tmp_path / "qqp.tsv", ["id\tqid1\tqid2\tquestion1\tquestion2\tis_duplicate",
                                        "0\t1\t2\tHow?\tWhy?\t0",
                                        "1\t3\t4\tbroken row",
                                        "2\t5\t6\tWhat?\tWhat is it?\t1"])
    columns = ("question1", "question2")
    with pytest.raises(ValueError, match=r"qqp\.tsv:3: expected 6 fields as the header has, found 4"):
        read_table(path, columns, "is_duplicate")
    with caplog.at_level("WARNING"):
        x, y, _ = read_table(path, columns, "is_duplicate", skip_bad_rows=True)
    assert x == (["How?", "What?"], ["Why?", "What is it?"]) and y.tolist() == [0, 1]
    assert "skipped 1 malformed row" in caplog.text


def test_headerless_tsv_by_column_number(tmp_path):
    # CoLA's layout: source, label, original label, sentence; no header.
    path = write(tmp_path / "cola.tsv", ["gj04\t1\t\tThe book is red.", "gj04\t0\t*\tBook the red is."])
    x, y, _ = read_table(path, text_columns=3, label_column=1, header=False)
    assert x == ["The book is red.", "Book the red is."] and y.tolist() == [1, 0]
    with pytest.raises(ValueError, match="columns are numbers"):
        read_table(path, text_columns="sentence", header=False)


def test_float_labels_and_csv_quoting(tmp_path):
    path = write(tmp_path / "sts.csv", ['sentence1,sentence2,score', '"A man, a plan",A plan,4.2', 'x,y,0'])
    x, y, labels = read_table(path, ("sentence1", "sentence2"), "score", label_type="float")
    assert x == (["A man, a plan", "x"], ["A plan", "y"]) and labels is None
    assert y.dtype == np.float32 and y.tolist() == pytest.approx([4.2, 0.0])


def test_passed_labels_fix_ids_and_unknown_labels_are_named(tmp_path):
    path = write(tmp_path / "nli.tsv", ["sentence1\tsentence2\tlabel", "a\tb\tneutral", "c\td\tentailment"])
    names = ["entailment", "neutral", "contradiction"]
    _, y, labels = read_table(path, ("sentence1", "sentence2"), labels=names)
    assert y.tolist() == [1, 0] and labels == names
    with pytest.raises(ValueError, match=r"nli\.tsv:3: label 'entailment' is not one of"):
        read_table(path, ("sentence1", "sentence2"), labels=["neutral"])


def test_inferred_integer_labels_sort_numerically(tmp_path):
    path = write(tmp_path / "stars.tsv", ["sentence\tlabel"] + [f"s{n}\t{n}" for n in (10, 2, 1)])
    _, y, labels = read_table(path)
    assert labels == ["1", "2", "10"] and y.tolist() == [2, 1, 0]


def test_jsonl_with_multi_label_lists_and_strings(tmp_path):
    rows = [{"text": "goal and a red card", "tags": ["sport", "drama"]},
            {"text": "budget vote", "tags": "politics"},
            {"text": "quiet day", "tags": []}]
    path = write(tmp_path / "news.jsonl", [json.dumps(row) for row in rows])
    x, y, labels = read_table(path, "text", "tags", label_type="multi_label")
    assert x == ["goal and a red card", "budget vote", "quiet day"]
    assert labels == ["drama", "politics", "sport"]
    np.testing.assert_array_equal(y, [[1, 0, 1], [0, 1, 0], [0, 0, 0]])


def test_unlabelled_files_give_no_y(tmp_path):
    path = write(tmp_path / "test.tsv", ["index\tsentence", "0\tunseen"])
    x, y, labels = read_table(path, label_column=None)
    assert x == ["unseen"] and y is None and labels is None


@pytest.mark.parametrize("lines, kwargs, message", [
    (["sentence\tlabel", "a\t1"], {"text_columns": "text"}, r"t\.tsv:1: no column 'text'; the header has"),
    (["sentence\tlabel", "a\t"], {}, r"t\.tsv:2: expected one class label, found ''"),
    (["sentence\tlabel", "a\tmany"], {"label_type": "float"}, r"t\.tsv:2: expected a finite number"),
    (["sentence\tlabel"], {}, "no rows"),
    ([], {}, "empty"),
])
def test_bad_files_are_named_with_their_line(tmp_path, lines, kwargs, message):
    path = tmp_path / "t.tsv"
    path.write_text("\n".join(lines), encoding="utf-8")
    with pytest.raises(ValueError, match=message):
        read_table(path, **kwargs)


def test_bad_jsonl_records_and_arguments(tmp_path):
    path = write(tmp_path / "r.jsonl", ['{"sentence": "ok", "label": 1}', "[1, 2]"])
    with pytest.raises(ValueError, match=r"r\.jsonl:2: not a JSON object record"):
        read_table(path)
    path = write(tmp_path / "m.jsonl", ['{"sentence": "ok"}'])
    with pytest.raises(ValueError, match=r"m\.jsonl:1: no field 'label'"):
        read_table(path)
    with pytest.raises(ValueError, match="format="):
        read_table(tmp_path / "data.txt")
    with pytest.raises(ValueError, match="label_type"):
        read_table(path, label_type="ordinal")


def test_table_dataset_feeds_the_classifier(tmp_path):
    """Pairs from a TSV become a string dataset that BertClassifier tokenizes (as fit does)."""
    import harness
    from keras_bert_zoo import BertBackbone, BertPreprocessor, BertTokenizer
    from keras_bert_zoo.tasks.classifier import BertClassifier

    path = write(tmp_path / "pairs.tsv", ["sentence1\tsentence2\tlabel"]
                 + [f"the film {i}\ta film\t{['no', 'yes'][i % 2]}" for i in range(6)])
    dataset, labels = table_dataset(path, ("sentence1", "sentence2"), batch_size=3, shuffle=True, seed=0)
    assert labels == ["no", "yes"]
    (first, second), y = next(iter(dataset))
    assert first.shape == (3,) and second.dtype.name == "string" and y.dtype.name == "int32"
    assert sorted(np.concatenate([batch[1].numpy() for batch in dataset])) == [0, 0, 0, 1, 1, 1]
    tokenizer = BertTokenizer(harness.small_vocabulary(harness.TINY_BERT["vocabulary_size"]))
    classifier = BertClassifier(BertBackbone(**harness.TINY_BERT), len(labels),
                                preprocessor=BertPreprocessor(tokenizer, sequence_length=12))
    loss, accuracy = classifier.evaluate(dataset, verbose=0)
    assert np.isfinite(loss) and 0 <= accuracy <= 1
