"""Streaming reader of plain-text corpora: documents as lists of sentences.

Format: UTF-8 text; a blank line ends a document, and the lines of a document are joined with
one space (so hard-wrapped paragraphs read as one text). With `document_per_file=True` a file
is one document and its blank lines separate paragraphs. Files are read a line at a time, so
corpora bigger than memory work; only the current document is held.

Sentences are split by pysbd (rule-based, pure Python, MIT; the "Golden Rules" port of Ruby's
pragmatic_segmenter). Checked on Moby-Dick and State of the Union text against the offline
alternatives: tensorflow-text's `StateBasedSentenceBreaker` splits "Mr.", "e.g.", "p.m." and
decimals ("3.5"); blingfire (a 100 MB x86-64-only wheel) splits "Mr. Starbuck" after a sentence
and cuts dialogue attributions ('"Where to?" she asked.') off; nltk's punkt needs data files
that no package here ships. pysbd keeps all of these and ellipses ("Wait... what?") together;
two fixes are ours: it can detach a closing quote that follows the period ('whales." —Job'),
and it is quadratic in the text length (a 70 kB speech: 4 s), so long texts go through it in
windows (`_WINDOW_CHARACTERS`) that each restart after the last whole sentence of the previous
one; this gives the same sentences, 6 times faster on such a speech.
"""

import codecs
import glob
import os
import re
from pathlib import Path

_WINDOW_CHARACTERS = 1000
# A quote or bracket followed by a space (or nothing) closes the sentence before it.
_LEADING_CLOSER = re.compile(r"""^(["'\u201d\u2019)\]]+)(?=\s|$)""")
_segmenter = None


def split_sentences(text):
    """The sentences of `text` (one paragraph or more), stripped, in order.

    Args:
        text: a str.

    Returns:
        A list of str; empty for a blank text.

    Example:
        >>> split_sentences('Mr. Smith paid $3.50, e.g. in the U.S. Senate. "Really?" she asked. Yes...')
        ['Mr. Smith paid $3.50, e.g. in the U.S. Senate.', '"Really?" she asked.', 'Yes...']
    """
    global _segmenter
    if not isinstance(text, str):
        raise TypeError(f"`text` must be a str, got {type(text).__name__}")
    if _segmenter is None:
        import pysbd  # imported on first use: a sentence splitter is only needed for corpora

        _segmenter = pysbd.Segmenter(language="en", clean=False)
    text, sentences, start, window = text.strip(), [], 0, _WINDOW_CHARACTERS
    while start < len(text):
        pieces = _segmenter.segment(text[start:start + window])
        if start + window >= len(text):
            sentences += pieces
            break
        if len(pieces) < 2:  # a sentence longer than the window: widen it
            window *= 2
            continue
        # The last piece may be cut by the window's end: it is read again in the next window.
        sentences += pieces[:-1]
        start = _skip(text, start, "".join(pieces[:-1]))
        window = _WINDOW_CHARACTERS
    merged = []
    for sentence in (s.strip() for s in sentences):
        closer = _LEADING_CLOSER.match(sentence)
        if closer and merged:
            merged[-1] += closer.group(1)
            sentence = sentence[closer.end():].strip()
        if sentence:
            merged.append(sentence)
    return merged


def _skip(text, start, taken):
    """The index of the first non-space after `taken` in `text[start:]`. pysbd's pieces join back
    to the text it was given except for some spaces (between runs of periods in tables, say):
    so this counts the other characters."""
    remaining = len(taken) - sum(c.isspace() for c in taken)
    while start < len(text) and (remaining or text[start].isspace()):
        remaining -= not text[start].isspace()
        start += 1
    return start


def resolve_paths(paths):
    """The files named by `paths`, in order, each at most once.

    Args:
        paths: a file, a directory (its files, recursively, sorted; hidden ones skipped), a glob
            pattern ("corpus/*.txt"), or a list of these; str or os.PathLike; "~" is expanded.

    Returns:
        A list of `pathlib.Path`.

    Raises:
        FileNotFoundError: naming a path that does not exist or a pattern that matches no file.
    """
    if isinstance(paths, (str, os.PathLike)):
        paths = [paths]
    elif not isinstance(paths, (list, tuple)) or not paths:
        raise TypeError(f"`paths` must be a path, a glob pattern or a non-empty list of them, got {paths!r:.80}")
    files, seen = [], set()
    for entry in paths:
        if not isinstance(entry, (str, os.PathLike)):
            raise TypeError(f"A corpus path must be a str or os.PathLike, got {entry!r:.80}")
        path = Path(entry).expanduser()
        if path.is_dir():
            found = sorted(p for p in path.rglob("*") if p.is_file() and not any(
                part.startswith(".") for part in p.relative_to(path).parts))
        elif path.is_file():
            found = [path]
        elif glob.has_magic(str(path)):
            found = sorted(Path(p) for p in glob.glob(str(path), recursive=True) if os.path.isfile(p))
        else:
            raise FileNotFoundError(f"Corpus path not found: {str(path)!r}")
        if not found:
            raise FileNotFoundError(f"No files in corpus path {str(path)!r}")
        files += [p for p in found if not (p in seen or seen.add(p))]
    return files


def _paragraphs(path, encoding, errors):
    """Yields the paragraphs of a file (its lines joined, stripped) and None at each blank line."""
    lines, offset = [], 0
    first_encoding = "utf-8-sig" if encoding == "utf-8" else encoding  # drops a byte-order mark
    with open(path, "rb") as f:  # bytes, to name the byte offset of an undecodable line
        for number, raw in enumerate(f, 1):
            try:
                line = raw.decode(first_encoding if number == 1 else encoding, errors)
            except UnicodeDecodeError as e:
                raise UnicodeDecodeError(
                    e.encoding, e.object, e.start, e.end,
                    f"{e.reason} in {str(path)!r} at byte {offset + e.start} (line {number}); "
                    f"pass errors='replace' to read such bytes as U+FFFD") from None
            offset += len(raw)
            line = line.strip()
            if line:
                lines.append(line)
            elif lines:
                yield " ".join(lines)
                lines = []
                yield None
    if lines:
        yield " ".join(lines)


def read_documents(paths, document_per_file=False, split_into_sentences=True, encoding="utf-8",
                   errors="strict"):
    """Streams the documents of plain-text files, each as a list of sentences.

    Args:
        paths: a file, a directory, a glob pattern or a list of these (see `resolve_paths`).
        document_per_file: one document per file (blank lines separate its paragraphs) instead
            of one document per blank-line-separated block.
        split_into_sentences: split into sentences; if False, a document is a list of its
            paragraphs (one str per block of lines), which is all vocabulary learning needs.
        encoding: an ASCII-compatible encoding (lines are split on b"\\n" before decoding).
        errors: "strict" raises `UnicodeDecodeError` naming the file and byte offset;
            "replace" reads undecodable bytes as U+FFFD.

    Returns:
        A generator of documents (non-empty lists of str). The paths are checked at once; the
        files are read lazily, as the generator is consumed.

    Example:
        >>> documents = read_documents("examples/data/moby_dick/train.txt")
        >>> next(documents)[:2]
        ['ETYMOLOGY.', '(Supplied by a Late Consumptive Usher to a Grammar School.)']
    """
    files = resolve_paths(paths)
    encoding = codecs.lookup(encoding).name  # an unknown encoding fails now; "UTF8" -> "utf-8"
    if "\n".encode(encoding) != b"\n":
        raise ValueError(f"Encoding {encoding!r} is not ASCII-compatible: convert the files to UTF-8 first.")
    if errors not in ("strict", "replace"):
        raise ValueError(f"`errors` must be 'strict' or 'replace', got {errors!r}")

    def finish(paragraphs):
        if not split_into_sentences:
            return paragraphs
        return [sentence for paragraph in paragraphs for sentence in split_sentences(paragraph)]

    def documents():
        for path in files:
            paragraphs = []
            for paragraph in _paragraphs(path, encoding, errors):
                if paragraph is not None:
                    paragraphs.append(paragraph)
                elif not document_per_file and paragraphs:
                    yield finish(paragraphs)
                    paragraphs = []
            if paragraphs:
                yield finish(paragraphs)

    return documents()


def write_documents(documents, path):
    """Writes documents in the format `read_documents` reads: one paragraph a line, a blank
    line after each document. Returns the number of documents written.

    Args:
        documents: an iterable of documents, each a list of paragraphs (str); whitespace inside
            a paragraph (newlines included) becomes one space; empty paragraphs are dropped.
        path: the file to write (UTF-8, "\\n" line ends).
    """
    count = 0
    with open(Path(path).expanduser(), "w", encoding="utf-8", newline="\n") as f:
        for paragraphs in documents:
            lines = [" ".join(p.split()) for p in paragraphs if p.strip()]
            if lines:
                f.write("\n".join(lines) + "\n\n")
                count += 1
    return count
