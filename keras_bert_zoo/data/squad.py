"""SQuAD v1.1 / v2.0 JSON <-> a list of `SquadExample` records.

The format: `{"version", "data": [{"title", "paragraphs": [{"context", "qas": [{"id",
"question", "answers": [{"text", "answer_start"}], "is_impossible"}]}]}]}`. v2.0 adds
`is_impossible` (with `answers` empty) and `plausible_answers`, which are ignored: they are
not answers, and training on them would teach the model to answer unanswerable questions.

Answers are checked against their context. `answer_start` outside the context is always an
error. An answer whose text differs from `context[answer_start:answer_start + len(text)]` is
an error by default too, because training labels come from that position and a shifted one
teaches a wrong span; pass `check_answer_spans=False` to read data whose offsets are only
approximate for evaluation, which compares answer texts only (`BertQuestionAnswerer.fit`
still refuses to train on such an answer). Every error names the question id.

`BertQuestionAnswerer.fit(examples)`, `.evaluate(examples)` and `.score(examples)` take the
list directly; the task builds the windows and its `tf.data` pipeline.

Example:
    >>> examples = read_squad("examples/data/squad_fixtures/squad.json")
    >>> examples[0].question, examples[0].answers[0]["text"]
    ('To whom did the Virgin Mary allegedly appear in 1858 in Lourdes France?', 'Saint Bernadette Soubirous')
"""

import dataclasses
import json
import os
from pathlib import Path


@dataclasses.dataclass
class SquadExample:
    """One question about a context.

    Attributes:
        id: the question id (unique in a data set).
        question, context: str.
        answers: list of `{"text": str, "answer_start": int}` (character index in `context`);
            empty for a question without an answer.
        is_impossible: True for a SQuAD v2.0 question that the context does not answer.
        title: the article title ("" when unknown).
    """

    id: str
    question: str
    context: str
    answers: list = dataclasses.field(default_factory=list)
    is_impossible: bool = False
    title: str = ""


def read_squad(source, check_answer_spans=True):
    """The examples of a SQuAD JSON file (a path) or of its parsed content (a dict).

    Raises:
        ValueError: for a file that is not JSON or not SQuAD-shaped, naming the file; on a
            malformed entry, naming the question id (or the article and paragraph index when
            the id itself is missing); see the module docstring.
    """
    name = "A SQuAD file"
    if isinstance(source, (str, os.PathLike)):
        name = os.fspath(source)
        with open(source, encoding="utf-8") as f:
            try:
                source = json.load(f)
            except json.JSONDecodeError as error:  # say which file, and what it should hold
                raise ValueError(f"{name} is not SQuAD JSON ({error}); expected a JSON object with a "
                                 f"'data' list of articles.") from None
    if not isinstance(source, dict) or not isinstance(source.get("data"), list):
        raise ValueError(f"{name} is not SQuAD data: expected a JSON object with a 'data' list of articles.")
    examples, seen = [], set()
    for a, article in enumerate(source["data"]):
        for p, paragraph in enumerate(_field(article, "paragraphs", list, f"article {a}")):
            where = f"article {a}, paragraph {p}"
            context = _field(paragraph, "context", str, where)
            for q, qa in enumerate(_field(paragraph, "qas", list, where)):
                qid = _field(qa, "id", str, f"{where}, question {q}")
                if qid in seen:
                    raise ValueError(f"Question id {qid!r} appears twice.")
                seen.add(qid)
                example = SquadExample(
                    id=qid,
                    question=_field(qa, "question", str, f"question {qid!r}"),
                    context=context,
                    answers=[{key: answer[key] for key in ("text", "answer_start") if key in answer}
                             if isinstance(answer, dict) else answer
                             for answer in _field(qa, "answers", list, f"question {qid!r}")],
                    is_impossible=qa.get("is_impossible", False),
                    title=article.get("title", ""),
                )
                validate_example(example, check_answer_spans)
                examples.append(example)
    return examples


def validate_example(example, check_answer_spans=True, labelled=True):
    """Raise a ValueError naming `example.id` if the example is inconsistent. `labelled=False`
    accepts a question with neither answers nor `is_impossible` (to be answered by a model)."""
    name = f"Question {example.id!r}"
    for key in ("id", "question", "context"):
        if not isinstance(getattr(example, key), str):
            raise ValueError(f"{name}: {key} must be a str, got {getattr(example, key)!r:.60}.")
    if not isinstance(example.answers, (list, tuple)):
        raise ValueError(f"{name}: answers must be a list of {{text, answer_start}}, got {example.answers!r:.60}.")
    if not isinstance(example.is_impossible, bool):
        raise ValueError(f"{name}: is_impossible must be true or false, got {example.is_impossible!r}.")
    if example.is_impossible and example.answers:
        raise ValueError(f"{name} is marked is_impossible but has answers (plausible answers belong in "
                         f"'plausible_answers').")
    if labelled and not example.is_impossible and not example.answers:
        raise ValueError(f"{name} has no answers and is not marked is_impossible.")
    for answer in example.answers:
        text = _field(answer, "text", str, f"an answer of question {example.id!r}")
        start = _field(answer, "answer_start", int, f"an answer of question {example.id!r}")
        if not 0 <= start <= len(example.context) - len(text):
            raise ValueError(f"{name}: answer_start {start!r} of {text!r:.60} is out of range for a "
                             f"context of {len(example.context)} characters.")
        found = example.context[start:start + len(text)]
        if check_answer_spans and found != text:
            raise ValueError(f"{name}: the answer {text!r:.60} differs from the context at answer_start "
                             f"{start} ({found!r:.60}); pass check_answer_spans=False to keep it for "
                             f"evaluation only.")


def as_examples(items, check_answer_spans=True, labelled=True):
    """`SquadExample`s from a list of them or of dicts with the same keys, validated by
    `validate_example`."""
    if not isinstance(items, (list, tuple)) or not items:
        raise ValueError("Expected a non-empty list of SquadExample or dicts with keys id, question, "
                         "context, answers, is_impossible.")
    examples = []
    for index, item in enumerate(items):
        if isinstance(item, dict):
            unknown = set(item) - {f.name for f in dataclasses.fields(SquadExample)}
            if unknown or not {"id", "question", "context"} <= set(item):
                raise ValueError(f"Example {index} must have keys id, question, context (and answers, "
                                 f"is_impossible, title), got {sorted(item)}.")
            item = SquadExample(**item)
        elif not isinstance(item, SquadExample):
            raise ValueError(f"Example {index} must be a SquadExample or a dict, got {type(item).__name__}.")
        validate_example(item, check_answer_spans, labelled)
        examples.append(item)
    return examples


def write_squad(examples, path, version="v2.0", note=None):
    """Write examples as a SQuAD JSON file (questions grouped by title, then by context), with
    an optional top-level `note` saying where the data come from (readers ignore it)."""
    articles = {}
    for example in examples:
        paragraphs = articles.setdefault(example.title, {})
        qa = {"id": example.id, "question": example.question, "answers": list(example.answers)}
        if version.lstrip("v").startswith("2"):
            qa["is_impossible"] = example.is_impossible
        paragraphs.setdefault(example.context, []).append(qa)
    data = [{"title": title, "paragraphs": [{"context": context, "qas": qas} for context, qas in paragraphs.items()]}
            for title, paragraphs in articles.items()]
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    content = {"version": version, **({"note": note} if note else {}), "data": data}
    Path(path).write_text(json.dumps(content, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")


def _field(entry, key, kind, where):
    """`entry[key]`, checked to be a `kind` (bools are not ints)."""
    if not isinstance(entry, dict) or key not in entry:
        raise ValueError(f"{where[0].upper()}{where[1:]} has no {key!r}.")
    value = entry[key]
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise ValueError(f"{where[0].upper()}{where[1:]}: {key!r} must be of type {kind.__name__}, got {value!r:.60}.")
    return value
