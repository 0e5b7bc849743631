"""The rows `bert-zoo predict` writes: each input with what the model says about it.

A row repeats its input, so the output can be read (and joined back) without
the input file, and carries the model's confidence, not only its answer
(PREDICTION_FIELDS, shown in `bert-zoo predict --help`).
"""

import numpy as np

PREDICTION_FIELDS = """Each output line is one JSON object:
  classify  {"text", "label", "probabilities": {label: p}}
  pair      {"text", "text_pair", "label", "probabilities"}
  regress   {"text" (and "text_pair"), "score"}
  ner       {"words", "tags"}
  qa        {"id", "question", "answer", "start", "end", "score"}
  choice    {"context", "choices", "choice", "scores", "probabilities"}

Class names that are all integers (a 0/1 label column) are written as JSON
integers, as they were in the training file, not as strings."""


def _softmax(logits):
    logits = np.asarray(logits, "float64")
    exp = np.exp(logits - logits.max(axis=-1, keepdims=True))
    return exp / exp.sum(axis=-1, keepdims=True)


def _label_values(labels):
    """The JSON value of each class name: int for integer names (read_table keeps names as str)."""
    names = [str(label) for label in labels]
    if all(name.lstrip("-").isdigit() for name in names):
        return [int(name) for name in names]
    return names


def _inputs(x):
    """One `{"text"}` or `{"text", "text_pair"}` dict per example of a table's x."""
    if isinstance(x, tuple):
        return [{"text": a, "text_pair": b} for a, b in zip(*x)]
    return [{"text": text} for text in x]


def predictions(model, task, x, labels):
    """One JSON-serialisable prediction per example of `x` (as `cli_data.read` returns it)."""
    if task == "qa":
        questions = {example.id: example.question for example in x}
        return [{"id": answer["id"], "question": questions[answer["id"]], "answer": answer["text"],
                 "start": answer["start"], "end": answer["end"], "score": float(answer["score"])}
                for answer in model.predict_answers(x)]
    if task == "ner":
        return [{"words": words, "tags": tags} for words, tags in zip(x, model.predict(x))]
    logits = np.asarray(model.predict(x, verbose=0), "float32")
    if task == "choice":
        contexts, choices = x
        return [{"context": context, "choices": options, "choice": int(row.argmax()), "scores": row.tolist(),
                 "probabilities": probabilities.tolist()}
                for context, options, row, probabilities in zip(contexts, choices, logits, _softmax(logits))]
    rows = _inputs(x)
    if task == "regress":
        return [{**row, "score": float(value)} for row, value in zip(rows, logits[:, 0])]
    values = _label_values(labels)
    names = [str(label) for label in labels]
    return [{**row, "label": values[int(p.argmax())], "probabilities": dict(zip(names, p.round(6).tolist()))}
            for row, p in zip(rows, _softmax(logits))]
