"""CoNLL column files -> words and tags per sentence, the inputs of `BertTokenClassifier`.

The format (CoNLL-2002/2003, WNUT): one token per line, its fields separated by whitespace or
tabs; a blank (or whitespace-only) line ends a sentence; `-DOCSTART-` lines mark documents
and are skipped. CoNLL-2003 English has four columns (`token POS chunk NER`), so the token is
column 0 and the tag the last column, the defaults.

`read_conll` loads a file into lists; `conll_dataset` streams it as a `tf.data.Dataset` of
`(words, tags)` string vectors, one element per sentence. Either goes straight to
`BertTokenClassifier.fit`/`evaluate`/`score`: the task maps tag names to ids, tokenizes each
word, aligns the tags to first word pieces and batches, inside its own `tf.data` pipeline.

Example:
    >>> words, tags = read_conll("wnut16/train.tsv")
    >>> labels = tag_names(tags)  # ["O", "B-company", ...]
    >>> ner = BertTokenClassifier.from_preset(checkpoint, labels=labels, sequence_length=64)
    >>> ner.fit(words, tags, batch_size=32)
    >>> ner.fit(conll_dataset("big/train.txt"), batch_size=32)  # streamed, never all in memory
"""

import os

DOCSTART = "-DOCSTART-"
OUTSIDE = "O"


def iter_conll(path, token_column=0, tag_column=-1, separator=None, encoding="utf-8"):
    """Yields `(words, tags)`, two lists of str, per sentence of a CoNLL file.

    Args:
        path: the file.
        token_column, tag_column: field indices (negative counts from the end).
        separator: None splits fields on any run of whitespace; "\\t" on tabs only (for
            tokens that contain spaces).
        encoding: the file's text encoding.

    Raises:
        ValueError: naming `file:line` for a line without separate token and tag fields, or with
            an empty token or tag.
    """
    words, tags = [], []
    with open(path, encoding=encoding) as lines:
        for number, line in enumerate(lines, start=1):
            if not line.strip():
                if words:
                    yield words, tags
                words, tags = [], []
                continue
            fields = line.rstrip("\r\n").split(separator)
            if fields[0].startswith(DOCSTART):
                continue
            count = len(fields)
            if not (-count <= token_column < count and -count <= tag_column < count) \
                    or token_column % count == tag_column % count:
                raise ValueError(f"{os.fspath(path)}:{number}: expected a token (column {token_column}) and a tag "
                                 f"(column {tag_column}) in separate fields, got {count} field(s): "
                                 f"{line.rstrip()!r:.80}")
            word, tag = fields[token_column], fields[tag_column].strip()
            if not word.strip() or not tag:
                raise ValueError(f"{os.fspath(path)}:{number}: empty token or tag in {line.rstrip()!r:.80}")
            words.append(word)
            tags.append(tag)
    if words:  # the last sentence needs no blank line after it
        yield words, tags


def read_conll(path, token_column=0, tag_column=-1, separator=None, encoding="utf-8"):
    """`(sentences_words, sentences_tags)`: lists of lists of str, see `iter_conll`."""
    sentences = list(iter_conll(path, token_column, tag_column, separator, encoding))
    if not sentences:
        raise ValueError(f"{os.fspath(path)} holds no sentence.")
    words, tags = zip(*sentences)
    return list(words), list(tags)


def tag_names(sentences_tags):
    """The distinct tags, "O" first then sorted by entity type and prefix: a stable label list."""
    distinct = {tag for sentence in sentences_tags for tag in sentence}
    return sorted(distinct, key=lambda tag: (tag != OUTSIDE, tag.partition("-")[2], tag))


def conll_dataset(path, token_column=0, tag_column=-1, separator=None, encoding="utf-8"):
    """An unbatched `tf.data.Dataset` of `(words, tags)` 1-D string tensors, read lazily from `path`.

    Nothing is held in memory beyond the pipeline's buffers; pass it to
    `BertTokenClassifier.fit` with `batch_size`, after `.shuffle(n)` if wanted.
    """
    import tensorflow as tf

    path = os.fspath(path)
    if not os.path.isfile(path):
        raise ValueError(f"CoNLL file not found: {path!r}")
    spec = tf.TensorSpec([None], tf.string)
    return tf.data.Dataset.from_generator(
        lambda: iter_conll(path, token_column, tag_column, separator, encoding), output_signature=(spec, spec))
