"""Labelled text tables (GLUE-style TSV, CSV, JSON Lines) -> inputs of `BertClassifier`.

GLUE's conventions, which the defaults follow:
- TSV files have a header row naming the columns (SST-2: `sentence`,
  `label`; MRPC: `Quality`, `#1 String`, `#2 String`; QQP: `question1`,
  `question2`, `is_duplicate`; STS-B: `sentence1`, `sentence2`, `score`).
  CoLA's files have no header: pass `header=False` and column numbers.
- Quote characters in TSV files are text, not field delimiters (the GLUE
  loaders read with `csv.QUOTE_NONE`): MRPC and QQP sentences hold stray
  `"` characters that standard CSV quoting would swallow across lines.
  CSV files use standard quoting. `quoting=` overrides either.
- A few QQP training rows lack fields; common loaders drop them.
  `skip_bad_rows=True` does so (and reports how many); the default is an
  error naming `file:line`.
- MRPC's original files start with a byte-order mark; it is ignored.

Example:
    >>> x, y, labels = read_table("glue/MRPC/train.tsv", text_columns=("#1 String", "#2 String"),
    ...                           label_column="Quality")
    >>> clf = BertClassifier.from_preset("base", num_classes=len(labels))
    >>> clf.fit(x, y)  # x is a pair of string lists, y int32 class ids
    >>> dataset, labels = table_dataset("glue/STS-B/train.tsv", ("sentence1", "sentence2"), "score",
    ...                                 label_type="float", shuffle=True)
    >>> BertClassifier.from_preset("base", num_classes=1).fit(dataset)
"""

import collections
import csv
import json
import logging
import math
from pathlib import Path

import numpy as np

FORMATS = {".tsv": "tsv", ".csv": "csv", ".jsonl": "jsonl", ".ndjson": "jsonl"}
LABEL_TYPES = ("class", "float", "multi_label")
DEFAULT_QUOTING = {"tsv": csv.QUOTE_NONE, "csv": csv.QUOTE_MINIMAL}

Table = collections.namedtuple("Table", ["x", "y", "labels"])
Table.__doc__ = """x: a list of str, or a tuple of two lists (pairs); y: a numpy array or None;
labels: the class names in id order (None for float labels)."""


class _Row:
    """One record and where it came from, for `file:line` errors."""

    def __init__(self, path, line, values, columns):
        self.path, self.line, self.values, self.columns = path, line, values, columns

    def error(self, message):
        return ValueError(f"{self.path}:{self.line}: {message}")

    def get(self, column):
        if isinstance(self.values, dict):
            if column not in self.values:
                raise self.error(f"no field {column!r}; the record has {sorted(self.values)}.")
            return self.values[column]
        return self.values[self.columns[column]]


def _delimited_rows(path, delimiter, quoting, header, columns, skip_bad_rows):
    # utf-8-sig drops a leading byte-order mark (MRPC's files have one).
    with open(path, newline="", encoding="utf-8-sig") as file:
        reader = csv.reader(file, delimiter=delimiter, quoting=quoting)
        names = next(reader, None) if header else None
        if header and names is None:
            raise ValueError(f"{path}: the file is empty; expected a header row.")
        if header:
            missing = [column for column in columns if column not in names]
            if missing:
                raise ValueError(f"{path}:1: no column {missing[0]!r}; the header has {names}.")
            positions = {column: names.index(column) for column in columns}
        else:
            if not all(isinstance(column, int) and column >= 0 for column in columns):
                raise ValueError(f"Without a header row, columns are numbers (0 = first), got {list(columns)}.")
            positions = {column: column for column in columns}
        width = len(names) if header else max(positions.values()) + 1
        for values in reader:
            if not values:
                continue
            if len(values) != width and (header or len(values) < width):
                if skip_bad_rows:
                    yield None
                    continue
                expected = f"{width} fields as the header has" if header else f"at least {width} fields"
                raise ValueError(f"{path}:{reader.line_num}: expected {expected}, found {len(values)}.")
            yield _Row(path, reader.line_num, values, positions)


def _json_rows(path, skip_bad_rows):
    with open(path, encoding="utf-8-sig") as file:
        for line_number, line in enumerate(file, 1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
                if not isinstance(record, dict):
                    raise ValueError(f"expected a JSON object, found {type(record).__name__}")
            except ValueError as error:
                if skip_bad_rows:
                    yield None
                    continue
                raise ValueError(f"{path}:{line_number}: not a JSON object record: {error}") from None
            yield _Row(path, line_number, record, None)


def _names(row, value, label_type, separator):
    """The class names of one label field."""
    if label_type == "class":
        if isinstance(value, (list, dict)) or value is None or value == "":
            raise row.error(f"expected one class label, found {value!r}.")
        return [str(value)]
    if isinstance(value, list):
        return [str(name) for name in value]
    if not isinstance(value, str):
        raise row.error(f"expected a list of labels or a {separator!r}-separated string, found {value!r}.")
    return [name.strip() for name in value.split(separator) if name.strip()]


def _float(row, value):
    try:
        number = float(value)
    except (TypeError, ValueError):
        number = math.nan
    if isinstance(value, bool) or not math.isfinite(number):
        raise row.error(f"expected a finite number as label, found {value!r}.")
    return number


def _sorted_names(names):
    # "0", "1", ..., "10" in numeric order, not "0", "1", "10", "2".
    if all(name.lstrip("-").isdigit() for name in names):
        return sorted(names, key=int)
    return sorted(names)


def read_table(path, text_columns=("sentence",), label_column="label", format=None, label_type="class",
               labels=None, header=True, quoting=None, skip_bad_rows=False, label_separator=","):
    """Read a labelled text table into `(x, y, labels)` for `BertClassifier.fit`.

    Args:
        path: a `.tsv`, `.csv` or `.jsonl` file.
        text_columns: one column name (single sentences) or two (pairs);
            numbers when `header=False`.
        label_column: the label's column, or None for unlabelled files (y is None).
        format: "tsv", "csv" or "jsonl"; default: from the file extension.
        label_type: "class" (one name or id per row -> int32 ids), "float"
            (regression -> float32) or "multi_label" (a JSON list, or names
            joined by `label_separator` -> float32 multi-hot rows).
        labels: the class names in id order. Default: the names found,
            sorted (numerically when they are all integers). Pass them to
            match a checkpoint's ids; a name outside them is an error.
        header: whether a TSV/CSV file starts with a header row.
        quoting: a `csv.QUOTE_*` constant; default `QUOTE_NONE` for TSV (as
            GLUE), `QUOTE_MINIMAL` for CSV.
        skip_bad_rows: drop rows with the wrong number of fields (or bad
            JSON) with a warning instead of raising.

    Returns:
        `Table(x, y, labels)`: x a list of str or a tuple of two lists; y a
        numpy array or None; labels the class names in id order, or None.
    """
    path = Path(path)
    format = format or FORMATS.get(path.suffix.lower())
    if format not in DEFAULT_QUOTING and format != "jsonl":
        raise ValueError(f"Cannot tell the format of {path.name}: pass format= one of tsv, csv, jsonl.")
    if label_type not in LABEL_TYPES:
        raise ValueError(f"label_type must be one of {LABEL_TYPES}, got {label_type!r}.")
    text_columns = (text_columns,) if isinstance(text_columns, (str, int)) else tuple(text_columns)
    if len(text_columns) not in (1, 2):
        raise ValueError(f"text_columns names one column, or two for sentence pairs; got {text_columns}.")
    columns = text_columns + ((label_column,) if label_column is not None else ())
    if format == "jsonl":
        rows = _json_rows(path, skip_bad_rows)
    else:
        quoting = DEFAULT_QUOTING[format] if quoting is None else quoting
        rows = _delimited_rows(path, "\t" if format == "tsv" else ",", quoting, header, columns, skip_bad_rows)

    texts, raw_labels, skipped = [[] for _ in text_columns], [], 0
    known = {name: index for index, name in enumerate(labels)} if labels is not None else None
    for row in rows:
        if row is None:
            skipped += 1
            continue
        for column, values in zip(text_columns, texts):
            text = row.get(column)
            if not isinstance(text, str):
                raise row.error(f"expected text in {column!r}, found {text!r}.")
            values.append(text)
        if label_column is None:
            continue
        value = row.get(label_column)
        if label_type == "float":
            raw_labels.append(_float(row, value))
            continue
        names = _names(row, value, label_type, label_separator)
        unknown = [name for name in names if known is not None and name not in known]
        if unknown:
            raise row.error(f"label {unknown[0]!r} is not one of labels={list(labels)}.")
        raw_labels.append(names)
    if skipped:
        logging.getLogger(__name__).warning("%s: skipped %d malformed row(s).", path, skipped)
    if not texts[0]:
        raise ValueError(f"{path}: no rows to read.")
    x = texts[0] if len(texts) == 1 else tuple(texts)
    if label_column is None:
        return Table(x, None, list(labels) if labels is not None else None)
    if label_type == "float":
        return Table(x, np.asarray(raw_labels, "float32"), None)
    if labels is None:
        labels = _sorted_names({name for names in raw_labels for name in names})
        known = {name: index for index, name in enumerate(labels)}
    if label_type == "class":
        y = np.asarray([known[names[0]] for names in raw_labels], "int32")
    else:
        y = np.zeros((len(raw_labels), len(labels)), "float32")
        for row_index, names in enumerate(raw_labels):
            y[row_index, [known[name] for name in names]] = 1
    return Table(x, y, list(labels))


def table_dataset(path, text_columns=("sentence",), label_column="label", batch_size=32, shuffle=False,
                  seed=None, **read_options):
    """A batched `tf.data.Dataset` of `(strings, labels)` from a table, and the class names.

    `BertClassifier.fit`, `evaluate` and `score` take it directly (they
    tokenize string datasets). The table is read into memory with
    `read_table` (same options); `shuffle=True` reshuffles every epoch.

    Returns:
        `(dataset, labels)`; pairs arrive as a tuple of two string tensors.
    """
    import tensorflow as tf

    table = read_table(path, text_columns, label_column, **read_options)
    features = tuple(table.x) if isinstance(table.x, tuple) else table.x
    dataset = tf.data.Dataset.from_tensor_slices(features if table.y is None else (features, table.y))
    if shuffle:
        count = len(features[0]) if isinstance(features, tuple) else len(features)
        dataset = dataset.shuffle(count, seed=seed, reshuffle_each_iteration=True)
    return dataset.batch(batch_size), table.labels
