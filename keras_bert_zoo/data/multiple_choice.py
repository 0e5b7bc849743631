"""Read multiple-choice questions (SWAG, ARC, RACE style) from JSON Lines.

Format: one JSON object per line,

    {"context": "She opened her umbrella because", "choices": ["it rained.", "she ate."], "label": 0}

- "context" (or "question", for ARC-like sets where the question is the
  whole context): the text every choice is paired with, as
  `[CLS] context [SEP] choice [SEP]`. A set with a passage and a question
  (RACE) joins them into one context string.
- "choices": a non-empty list of strings; a batch needs the same number of
  choices in every example (SWAG has 4, ARC mostly 4).
- "label": the index of the right choice (0-based). It may be left out on
  every line (unlabelled data, e.g. a test set); then labels is None.

Blank lines are skipped. Errors name the file and line.
"""

import json
from pathlib import Path

import numpy as np


def _parse(record, where):
    if not isinstance(record, dict):
        raise ValueError(f"{where}: expected a JSON object, got {type(record).__name__}.")
    context = record.get("context", record.get("question"))
    if not isinstance(context, str):
        raise ValueError(f"{where}: needs a string 'context' (or 'question'), got {context!r:.80}.")
    choices = record.get("choices")
    if not isinstance(choices, list) or not choices or not all(isinstance(c, str) for c in choices):
        raise ValueError(f"{where}: 'choices' must be a non-empty list of strings, got {choices!r:.80}.")
    label = record.get("label")
    if label is not None and (type(label) is not int or not 0 <= label < len(choices)):
        raise ValueError(
            f"{where}: 'label' must be the index of the right choice, an int in "
            f"[0, {len(choices) - 1}], got {label!r}."
        )
    return context, choices, label


def read_multiple_choice(path):
    """`((contexts, choices), labels)` from a JSON Lines file (format in the module docstring).

    Returns `contexts` (list of str), `choices` (list of lists of str) and
    `labels` (int32 array, or None when no line has a label), ready for
    `BertMultipleChoice.fit((contexts, choices), labels)`.

    Example:
    >>> (contexts, choices), labels = read_multiple_choice("swag_dev.jsonl")
    >>> model.score((contexts, choices), labels)
    """
    path = Path(path)
    contexts, choices, labels = [], [], []
    with path.open(encoding="utf-8") as lines:
        for number, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            where = f"{path}:{number}"
            try:
                record = json.loads(line)
            except json.JSONDecodeError as error:
                raise ValueError(f"{where}: not valid JSON ({error.msg}); expected one object per line: "
                                 f'{{"context": ..., "choices": [...], "label": i}}.') from error
            context, options, label = _parse(record, where)
            contexts.append(context)
            choices.append(options)
            labels.append(label)
    if not contexts:
        raise ValueError(f"{path} holds no examples.")
    labelled = [label is not None for label in labels]
    if all(labelled):
        return (contexts, choices), np.asarray(labels, "int32")
    if not any(labelled):
        return (contexts, choices), None
    missing = labelled.index(False)
    raise ValueError(
        f"{path}: example {missing + 1} has no 'label' but others do; label every example or none."
    )
