"""The data files of `bert-zoo finetune | evaluate | predict`: formats, reading, clear errors.

Every error raised while reading names the file and the format the task
expects, so the CLI's one-line `error: ...` says what to fix.
"""

import os
import pathlib
import textwrap

TASKS = ("classify", "pair", "regress", "ner", "qa", "choice")
TABLE_TASKS = {"classify": "class", "pair": "class", "regress": "float"}
DEFAULT_TEXT_COLUMNS = {"pair": ["sentence1", "sentence2"]}
TEXT_EXTENSIONS = (".txt",)
NER_FORMATS = ("auto", "conll", "text")

FORMATS = {
    "classify": "a .tsv/.csv file with a header row, or .jsonl records: a text column (--text-columns, "
                "default sentence) and a class label column (--label-column, default label)",
    "pair": "a .tsv/.csv file with a header row, or .jsonl records: two text columns (default sentence1 "
            "sentence2) and a class label column",
    "regress": "a .tsv/.csv file with a header row, or .jsonl records: one or two text columns and a "
               "numeric label column",
    "ner": "a CoNLL column file: one token per line with its tag in the last column (--token-column, "
           "--tag-column), a blank line between sentences",
    "qa": 'SQuAD v1.1/v2.0 JSON: {"data": [{"paragraphs": [{"context": ..., "qas": [{"id", "question", '
          '"answers": [{"text", "answer_start"}]}]}]}]}',
    "choice": 'JSON Lines, one {"context": ..., "choices": [...], "label": i} per line',
}

FORMATS_HELP = "Tasks and the files they read:\n" + "\n".join(
    textwrap.fill(text, 79, initial_indent=f"  {task:<9} ", subsequent_indent=" " * 12)
    for task, text in FORMATS.items()) + """

Files to predict on need no labels. For `predict --task ner` models, --format
decides how the file is read: "text" is one sentence per line, split on
whitespace; "conll" is the CoNLL layout above (only the token column is read;
every token line must have the same number of fields, so a plain-text file
given as CoNLL is refused instead of read as one token per line); "auto"
(the default) is "text" for a .txt file and "conll" for any other."""


def read(task, path, options, labels=None, labelled=True, text_format="auto"):
    """`(x, y, labels)` of a data file for `task`; `labels` fixes the class ids (a trained model's).

    With `labelled=False` nothing needs a label (files to predict on); a
    token classifier's file is then read as `text_format` says (see FORMATS_HELP).

    Raises:
        FileNotFoundError: for a missing file.
        ValueError: for a file that does not hold the task's format, naming the
            file and that format.
    """
    path = pathlib.Path(path)
    if not path.is_file():
        raise FileNotFoundError(2, "No such data file", os.fspath(path))
    try:
        return _read(task, path, options, labels, labelled, text_format)
    except (ValueError, TypeError, KeyError, UnicodeDecodeError) as error:
        message = str(error).strip().rstrip(".")
        where = "" if os.fspath(path) in message else f"{os.fspath(path)}: "
        raise ValueError(f"{where}{message}. --task {task} reads {FORMATS[task]}.") from error


def _read(task, path, options, labels, labelled, text_format):
    if task in TABLE_TASKS:
        from keras_bert_zoo.data.tables import read_table

        columns = options.get("text_columns") or DEFAULT_TEXT_COLUMNS.get(task, ["sentence"])
        label_column = options.get("label_column", "label") if labelled else None
        return read_table(path, text_columns=tuple(columns), label_column=label_column,
                          label_type=TABLE_TASKS[task], labels=labels)
    if task == "ner":
        return _read_ner(path, options, labels, labelled, text_format)
    if task == "qa":
        from keras_bert_zoo.data.squad import read_squad

        return read_squad(path), None, None
    from keras_bert_zoo.data.multiple_choice import read_multiple_choice

    x, y = read_multiple_choice(path)
    return x, y, None


def _read_ner(path, options, labels, labelled, text_format):
    token_column = options.get("token_column", 0)
    if not labelled:
        if text_format not in NER_FORMATS:
            raise ValueError(f"format must be one of {NER_FORMATS}, got {text_format!r}")
        if text_format == "text" or (text_format == "auto" and path.suffix.lower() in TEXT_EXTENSIONS):
            return _text_sentences(path), None, labels
        return _conll_tokens(path, token_column), None, labels
    from keras_bert_zoo.data.conll import read_conll, tag_names

    words, tags = read_conll(path, token_column=token_column, tag_column=options.get("tag_column", -1))
    return words, tags, labels or tag_names(tags)


def _text_sentences(path):
    """One sentence per non-blank line, split on whitespace."""
    with open(path, encoding="utf-8") as lines:
        sentences = [line.split() for line in lines if line.strip()]
    if not sentences:
        raise ValueError(f"{os.fspath(path)} holds no sentence")
    return sentences


def _conll_tokens(path, token_column):
    """The token column of a CoNLL file (tags, if present, are ignored), one list per sentence.

    Refuses lines whose number of fields differs from the first token line's:
    CoNLL columns are fixed, while the lines of plain text vary in length.
    """
    from keras_bert_zoo.data.conll import DOCSTART

    sentences, words, width = [], [], None
    with open(path, encoding="utf-8") as lines:
        for number, line in enumerate(lines, start=1):
            fields = line.split()
            if not fields or fields[0].startswith(DOCSTART):
                if words and not fields:
                    sentences.append(words)
                    words = []
                continue
            width = width or len(fields)
            if len(fields) != width or not -width <= token_column < width:
                raise ValueError(f"{os.fspath(path)}:{number}: {len(fields)} field(s) where CoNLL token lines "
                                 f"have {width} (token column {token_column}); for plain text, one sentence "
                                 f"per line, use a .txt file or --format text")
            words.append(fields[token_column])
    if words:
        sentences.append(words)
    if not sentences:
        raise ValueError(f"{os.fspath(path)} holds no sentence")
    return sentences


def example_count(x):
    """Examples in `x` as `read` returns it: a list, or a tuple of two parallel lists."""
    return len(x[0]) if isinstance(x, tuple) else len(x)
