"""Entity-level precision, recall and F1 of tagged sentences, counted as CoNLL's `conlleval` does.

An entity is a maximal span of tokens with one type; a predicted entity is correct when its
type, first token and last token all equal those of a gold entity. Spans are decoded with
conlleval's lenient rules, so ill-formed sequences still give entities:

- IOB2 ("BIO", every entity opens with `B-`) and IOB1 (`B-` only between two touching entities
  of one type) decode the same way: `I-X` continues an entity only right after `B-X` or
  `I-X`; after `O` or another type it opens a new entity, as conlleval does.
- IOBES (also "BIOES"): `S-X` is a one-token entity and `E-X` closes one; `I-X` and `E-X`
  continue only right after `B-X` or `I-X`, otherwise they open a new entity. (conlleval
  itself does not know `S-`; this follows the scheme's meaning.)

Entities never cross sentences; one that runs to the last token ends there. Precision is 0
when nothing is predicted, recall 0 when there is no gold entity, F1 0 when both are 0, as in
conlleval (no division errors). Token accuracy counts identical tags over all tokens.

Example:
>>> entity_spans(["B-PER", "I-PER", "O", "I-LOC"])
[('PER', 0, 2), ('LOC', 3, 4)]
>>> entity_scores([["B-PER", "I-PER", "O"]], [["B-PER", "O", "O"]])["f1"]
0.0
"""

import collections

# Tag prefixes that may continue the entity of the previous token, and the prefixes after
# which an entity is still open, per scheme.
_SCHEMES = {
    "IOB2": ({"I"}, {"B", "I"}),
    "IOB1": ({"I"}, {"B", "I"}),
    "IOBES": ({"I", "E"}, {"B", "I"}),
}
_ALIASES = {"BIO": "IOB2", "BIOES": "IOBES"}
OUTSIDE = "O"


def _scheme(scheme):
    name = _ALIASES.get(str(scheme).upper(), str(scheme).upper())
    if name not in _SCHEMES:
        raise ValueError(f"Unknown tagging scheme {scheme!r}; expected one of "
                         f"{sorted(_SCHEMES) + sorted(_ALIASES)}.")
    return name


def infer_scheme(tags):
    """"IOBES" if any tag starts with `S-` or `E-`, else "IOB2"."""
    return "IOBES" if any(tag[:2] in ("S-", "E-") for tag in tags) else "IOB2"


def _split(tag, scheme):
    """(prefix, type) of a tag; ValueError for a tag the scheme does not have."""
    if tag == OUTSIDE:
        return OUTSIDE, ""
    prefix, dash, kind = str(tag).partition("-")
    allowed = "BIES" if scheme == "IOBES" else "BI"
    if not dash or not kind or prefix not in allowed:
        raise ValueError(f"Tag {tag!r} is not valid in the {scheme} scheme: expected 'O' or "
                         f"'<{'|'.join(allowed)}>-<type>'.")
    return prefix, kind


def entity_spans(tags, scheme="IOB2"):
    """The entities of one tagged sentence as `(type, start, end)`, `end` exclusive, in order.

    Args:
        tags: a list of tag strings, one per token.
        scheme: "IOB2" (alias "BIO"), "IOB1" or "IOBES" (alias "BIOES").
    """
    scheme = _scheme(scheme)
    continuing, open_after = _SCHEMES[scheme]
    spans, previous = [], (OUTSIDE, "")
    for index, tag in enumerate(tags):
        prefix, kind = _split(tag, scheme)
        if prefix in continuing and previous[0] in open_after and previous[1] == kind:
            spans[-1][2] = index + 1
        elif prefix != OUTSIDE:
            spans.append([kind, index, index + 1])
        previous = (prefix, kind)
    return [tuple(span) for span in spans]


def _sentences(tags, name):
    """A list of tag lists; a flat list of str is one sentence."""
    tags = list(tags)
    if tags and all(isinstance(tag, str) for tag in tags):
        return [tags]
    if not all(isinstance(sentence, (list, tuple)) for sentence in tags):
        raise ValueError(f"`{name}` must be a list of tag lists (one per sentence), or one tag list.")
    return [list(sentence) for sentence in tags]


def _prf(correct, predicted, gold):
    precision = correct / predicted if predicted else 0.0
    recall = correct / gold if gold else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": precision, "recall": recall, "f1": f1}


def entity_scores(true_tags, predicted_tags, scheme=None):
    """conlleval's scores of predicted tags against gold tags.

    Args:
        true_tags, predicted_tags: lists of tag lists, one per sentence, of equal lengths
            (or one tag list each, for a single sentence).
        scheme: "IOB2", "IOB1" or "IOBES"; None infers it from the tags (`infer_scheme`).

    Returns:
        A dict: micro `precision`, `recall`, `f1` over entities, token `accuracy`, the counts
        `true_entities`, `predicted_entities`, `correct_entities`, and `per_type`: for each type
        seen in either, `{"precision", "recall", "f1", "support" (gold count), "predicted"}`.
    """
    true_tags, predicted_tags = _sentences(true_tags, "true_tags"), _sentences(predicted_tags, "predicted_tags")
    if len(true_tags) != len(predicted_tags):
        raise ValueError(f"{len(true_tags)} gold sentences but {len(predicted_tags)} predicted ones.")
    for index, (gold, guess) in enumerate(zip(true_tags, predicted_tags)):
        if len(gold) != len(guess):
            raise ValueError(f"Sentence {index}: {len(gold)} gold tags but {len(guess)} predicted tags.")
    if scheme is None:
        scheme = infer_scheme([tag for sentence in true_tags + predicted_tags for tag in sentence])
    gold_count, guess_count, correct_count = (collections.Counter() for _ in range(3))
    tokens = same = 0
    for gold, guess in zip(true_tags, predicted_tags):
        gold_spans, guess_spans = set(entity_spans(gold, scheme)), set(entity_spans(guess, scheme))
        gold_count.update(span[0] for span in gold_spans)
        guess_count.update(span[0] for span in guess_spans)
        correct_count.update(span[0] for span in gold_spans & guess_spans)
        tokens += len(gold)
        same += sum(a == b for a, b in zip(gold, guess))
    totals = [sum(counter.values()) for counter in (correct_count, guess_count, gold_count)]
    per_type = {kind: {**_prf(correct_count[kind], guess_count[kind], gold_count[kind]),
                       "support": gold_count[kind], "predicted": guess_count[kind]}
                for kind in sorted(set(gold_count) | set(guess_count))}
    return {**_prf(*totals), "accuracy": same / tokens if tokens else 0.0,
            "true_entities": totals[2], "predicted_entities": totals[1], "correct_entities": totals[0],
            "per_type": per_type}
