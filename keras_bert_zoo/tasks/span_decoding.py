"""Start/end logits of context windows -> answer texts (numpy, any backend).

A span of context tokens `i..j` (i <= j, at most `max_answer_length` tokens, both inside the
context part of one window) scores `start_logits[i] + end_logits[j]`. The windows of one
example are pooled: the same characters found in two overlapping windows count once, with
their better score. The no-answer score of a window is its `[CLS]` score
`start_logits[0] + end_logits[0]`; an example's is the minimum over its windows (as Google's
BERT `run_squad.py`: the window that sees the answer best says so with a low null score).

Example:
    >>> answers = decode_answers(features, contexts, start_logits, end_logits, n_best=5)
    >>> answers[0]["text"], answers[0]["start"], answers[0]["score"]
"""

import numpy as np


def window_spans(start_logits, end_logits, offsets, n_best, max_answer_length):
    """The `n_best` best `(score, char_start, char_end)` spans of one window, best first.

    Args:
        start_logits, end_logits: float `(sequence,)`.
        offsets: int `(sequence, 2)` code-point offsets, -1 outside the context.
    """
    in_context = offsets[:, 0] >= 0
    positions = np.arange(len(in_context))
    length = positions[None, :] - positions[:, None] + 1  # [start, end]
    valid = in_context[:, None] & in_context[None, :] & (length >= 1) & (length <= max_answer_length)
    # Every valid (start, end) pair is scored exactly; windows are at most a few hundred tokens.
    scores = np.where(valid, start_logits[:, None].astype("float64") + end_logits[None, :], -np.inf)
    count = min(n_best, int(valid.sum()))
    if count == 0:
        return []
    flat = np.argpartition(-scores, count - 1, axis=None)[:count]
    starts, ends = np.unravel_index(flat, scores.shape)
    spans = [(float(scores[s, e]), int(offsets[s, 0]), int(offsets[e, 1])) for s, e in zip(starts, ends)]
    return sorted(spans, reverse=True)


def decode_answers(features, contexts, start_logits, end_logits, n_best=20, max_answer_length=30,
                   null_score_threshold=None, ids=None):
    """The answer of every example from the logits of its windows.

    Args:
        features: the `SpanFeatures` the logits were computed on.
        contexts: the examples' context strings (answers are sliced from them).
        start_logits, end_logits: float `(windows, sequence)`.
        n_best: how many answers to keep per example.
        max_answer_length: the longest answer, in tokens.
        null_score_threshold: None always answers (SQuAD v1.1). A float answers "" when the
            null score exceeds the best span score by more than it (SQuAD v2.0; 0.0 compares
            them plainly, higher values answer more often).
        ids: example ids to put in the results (default: indices).

    Returns:
        One dict per example: `id`, `text` (the best answer, "" for none), `start`/`end`
        (its code-point span in the context, None for none), `score` (the best span's score,
        None if the context offers no span), `null_score`, and `n_best` (a list of dicts
        `text`, `start`, `end`, `score`, best first, no-answer not included).
    """
    if type(n_best) is not int or n_best < 1:
        raise ValueError(f"n_best must be a positive int, got {n_best!r}.")
    if type(max_answer_length) is not int or max_answer_length < 1:
        raise ValueError(f"max_answer_length must be a positive int, got {max_answer_length!r}.")
    start_logits, end_logits = np.asarray(start_logits), np.asarray(end_logits)
    if start_logits.shape != end_logits.shape or start_logits.shape != features.offsets.shape[:2]:
        raise ValueError(f"Logits of shapes {start_logits.shape} and {end_logits.shape} do not match the "
                         f"{features.offsets.shape[:2]} windows of the features.")
    spans = [dict() for _ in contexts]
    null_scores = np.full(len(contexts), np.inf)
    for window, example in enumerate(features.example_index):
        null_scores[example] = min(null_scores[example], start_logits[window, 0] + end_logits[window, 0])
        found = window_spans(start_logits[window], end_logits[window], features.offsets[window], n_best,
                             max_answer_length)
        for score, first, last in found:
            key = (first, last)
            spans[example][key] = max(score, spans[example].get(key, -np.inf))
    results = []
    for example, context in enumerate(contexts):
        ranked = sorted(spans[example].items(), key=lambda item: -item[1])[:n_best]
        n_best_list = [{"text": context[a:b], "start": a, "end": b, "score": s} for (a, b), s in ranked]
        best = n_best_list[0] if n_best_list else None
        null_score = float(null_scores[example])
        abstain = best is None or (null_score_threshold is not None
                                   and null_score - best["score"] > null_score_threshold)
        results.append({
            "id": ids[example] if ids is not None else example,
            "text": "" if abstain else best["text"],
            "start": None if abstain else best["start"],
            "end": None if abstain else best["end"],
            "score": None if best is None else best["score"],
            "null_score": null_score,
            "n_best": n_best_list,
        })
    return results
