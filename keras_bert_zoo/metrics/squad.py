"""SQuAD exact match and F1, with the answer normalization of the official scripts.

The official evaluation scripts (v1.1 and v2.0, https://rajpurkar.github.io/SQuAD-explorer/)
compare answers after normalizing them: lowercase, drop every ASCII punctuation character
(`string.punctuation`), replace the whole words "a", "an" and "the" by a space, and collapse
whitespace. Exact match is 1 when the normalized strings are equal; F1 is the harmonic mean of
precision and recall over the bag (multiset) of normalized whitespace tokens. A question scores
the best value over its gold answers, and the totals are percentages.

The two versions differ only on empty answers:

- v1.1 scores against every gold answer, and F1 is 0 whenever no token is shared (so two
  empty answers score F1 0, though exact match 1).
- v2.0 drops gold answers that normalize to "", and a question left with none (a no-answer
  question) has the single gold answer "". F1 is then 1 when both token lists are empty and 0
  when only one is: the empty prediction is the right answer to a no-answer question.

Example:
    >>> evaluate({"q1": "the Eiffel Tower", "q2": ""}, {"q1": ["Eiffel Tower!"], "q2": []})
    {'exact_match': 100.0, 'f1': 100.0, 'total': 2, 'HasAns_exact_match': 100.0, 'HasAns_f1': 100.0,
     'HasAns_total': 1, 'NoAns_exact_match': 100.0, 'NoAns_f1': 100.0, 'NoAns_total': 1}
"""

import collections
import re
import string

VERSIONS = ("1.1", "2.0")
_ARTICLES = re.compile(r"\b(a|an|the)\b", re.UNICODE)
_PUNCTUATION = str.maketrans("", "", string.punctuation)


def normalize_answer(text):
    """Lowercase, remove punctuation, remove the articles a/an/the, collapse whitespace.

    >>> normalize_answer("  The  Cat's hat, a RED one.")
    'cats hat red one'
    """
    # The order matters: punctuation goes before articles are matched ("the-end" -> "theend").
    text = text.lower().translate(_PUNCTUATION)
    return " ".join(_ARTICLES.sub(" ", text).split())


def exact_match(prediction, gold):
    """1 if the normalized answers are equal, else 0."""
    return int(normalize_answer(prediction) == normalize_answer(gold))


def f1(prediction, gold, version="2.0"):
    """Token-bag F1 of two answers; see the module docstring for the versions' empty-answer rules."""
    _check_version(version)
    predicted, expected = normalize_answer(prediction).split(), normalize_answer(gold).split()
    if version == "2.0" and not (predicted and expected):
        return float(predicted == expected)
    shared = sum((collections.Counter(predicted) & collections.Counter(expected)).values())
    if shared == 0:
        return 0.0
    precision, recall = shared / len(predicted), shared / len(expected)
    return 2 * precision * recall / (precision + recall)


def gold_answers(answers, version="2.0"):
    """The gold answer texts a prediction is compared with (v2.0: [""] for a no-answer question)."""
    _check_version(version)
    answers = list(answers)
    if version == "1.1":
        if not answers:
            raise ValueError("SQuAD v1.1 scoring needs at least one gold answer per question; "
                             "score no-answer questions with version='2.0'.")
        return answers
    return [text for text in answers if normalize_answer(text)] or [""]


def question_scores(prediction, answers, version="2.0"):
    """(exact match, F1) of one prediction: the best over the question's gold answers."""
    golds = gold_answers(answers, version)
    return (max(exact_match(prediction, gold) for gold in golds),
            max(f1(prediction, gold, version) for gold in golds))


def evaluate(predictions, answers, version="2.0"):
    """Percent exact match and F1 over questions, as the official scripts report them.

    Args:
        predictions: {question id: predicted answer text} ("" for no answer).
        answers: {question id: list of gold answer texts} ([] for a no-answer question).
        version: "2.0" (also fine for v1.1 data without empty answers) or "1.1".

    Returns:
        {"exact_match", "f1", "total"}, and for v2.0 the same three keys prefixed "HasAns_"
        (questions with gold answers) and "NoAns_" (without) for the groups that occur.

    Raises:
        ValueError: if a question of `answers` has no prediction (v1.1's script scores it 0 and
        v2.0's drops it from the total; a silent choice either way hides a bug upstream).
    """
    _check_version(version)
    missing = [key for key in answers if key not in predictions]
    if missing:
        raise ValueError(f"No prediction for {len(missing)} of {len(answers)} questions, e.g. {missing[:3]}.")
    if not answers:
        raise ValueError("No questions to score.")
    scores = {key: question_scores(predictions[key], golds, version) for key, golds in answers.items()}
    result = _totals(scores, list(scores))
    if version == "2.0":
        # As the official script: a question "has an answer" when its answer list is not empty.
        for prefix, wanted in (("HasAns_", True), ("NoAns_", False)):
            keys = [key for key in scores if bool(answers[key]) is wanted]
            if keys:
                result.update({prefix + name: value for name, value in _totals(scores, keys).items()})
    return result


def _totals(scores, keys):
    return {
        "exact_match": 100.0 * sum(scores[key][0] for key in keys) / len(keys),
        "f1": 100.0 * sum(scores[key][1] for key in keys) / len(keys),
        "total": len(keys),
    }


def _check_version(version):
    if version not in VERSIONS:
        raise ValueError(f"version must be one of {VERSIONS}, got {version!r}.")
