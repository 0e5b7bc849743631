"""Classification and regression metrics over a whole evaluation set (GLUE's metrics).

Accuracy, F1 (binary, macro, micro), Matthews correlation, Pearson and
Spearman correlations and mean squared error, in numpy on labels already
decoded from logits. They follow scikit-learn's and scipy's definitions:

- F1 of a class is 2·TP / (2·TP + FP + FN), and 0 when that class never
  occurs in the labels nor in the predictions of a binary score (sklearn's
  `zero_division=0`). Macro F1 averages over the classes present in the
  labels or the predictions (or over `labels` when given). Micro F1 pools
  the counts of every class; on multi-hot (samples, classes) arrays it is the
  F1 of all label cells, as used for multi-label classification.
- Matthews correlation uses the multiclass form (Gorodkin's R_K), which
  equals the binary phi coefficient on two classes; it is 0 when undefined.
- Spearman is the Pearson correlation of ranks, tied values getting their
  average rank (scipy's `rankdata(method="average")`). A correlation with a
  constant input is undefined and returned as nan, as scipy does.

Example:
    >>> round(matthews_correlation([1, 1, 0, 0], [1, 0, 0, 0]), 4)
    0.5774
    >>> spearman([1, 2, 2, 3], [10, 20, 30, 40])
    0.9486832980505138
"""

import numpy as np

AVERAGES = ("binary", "macro", "micro")


def _pair(y_true, y_pred, ndims=(1,), min_size=1):
    """Labels and predictions as arrays of the same shape, of one of `ndims` dimensions."""
    y_true, y_pred = np.asarray(y_true), np.asarray(y_pred)
    if y_true.shape != y_pred.shape:
        raise ValueError(f"Labels and predictions need the same shape, got {y_true.shape} and {y_pred.shape}.")
    shapes = " or ".join(("(samples,)", "(samples, classes)")[ndim - 1] for ndim in ndims)
    if y_true.ndim not in ndims:
        raise ValueError(f"Expected labels of shape {shapes}, got {y_true.shape}.")
    if len(y_true) < min_size:
        raise ValueError(f"Need at least {min_size} labelled example(s), got {len(y_true)}.")
    return y_true, y_pred


def _numbers(y_true, y_pred, min_size):
    y_true, y_pred = _pair(y_true, y_pred, min_size=min_size)
    y_true, y_pred = y_true.astype("float64"), y_pred.astype("float64")
    if not (np.all(np.isfinite(y_true)) and np.all(np.isfinite(y_pred))):
        raise ValueError("Labels and predictions must be finite numbers (no nan or inf).")
    return y_true, y_pred


def accuracy(y_true, y_pred):
    """Fraction of exactly right predictions; on multi-hot 2-D arrays, of rows
    right on every label (the exact-match ratio)."""
    y_true, y_pred = _pair(y_true, y_pred, ndims=(1, 2))
    right = y_true == y_pred
    return float(np.mean(right.reshape(len(right), -1).all(axis=1)))


def _class_counts(y_true, y_pred, labels):
    """Per-class (true positives, false positives, false negatives)."""
    if y_true.ndim == 2:  # multi-hot: one column per class
        y_true, y_pred = y_true.astype(bool), y_pred.astype(bool)
    else:
        y_true = y_true[:, None] == np.asarray(labels)[None, :]
        y_pred = y_pred[:, None] == np.asarray(labels)[None, :]
    return ((y_true & y_pred).sum(0), (~y_true & y_pred).sum(0), (y_true & ~y_pred).sum(0))


def _f1(true_positives, false_positives, false_negatives):
    denominator = 2 * true_positives + false_positives + false_negatives
    return np.where(denominator > 0, 2 * true_positives / np.maximum(denominator, 1), 0.0)


def f1_score(y_true, y_pred, average="binary", positive_label=1, labels=None):
    """F1 score.

    Args:
        y_true, y_pred: class ids (samples,), or multi-hot arrays
            (samples, classes) for `average="micro"` or `"macro"` over labels.
        average: "binary" (F1 of `positive_label`), "macro" (unweighted mean
            over classes) or "micro" (pooled counts of every class).
        positive_label: the positive class of a binary score.
        labels: the classes to average class ids over (default: those that
            occur); multi-hot columns are the classes.

    >>> f1_score([1, 1, 0, 0], [1, 0, 1, 0])
    0.5
    """
    if average not in AVERAGES:
        raise ValueError(f"average must be one of {AVERAGES}, got {average!r}.")
    y_true, y_pred = _pair(y_true, y_pred, ndims=(1,) if average == "binary" else (1, 2))
    if average == "binary":
        labels = [positive_label]
    elif labels is None and y_true.ndim == 1:
        labels = np.union1d(y_true, y_pred)
    counts = _class_counts(y_true, y_pred, labels)
    if average == "micro":
        counts = [count.sum() for count in counts]
    return float(np.mean(_f1(*counts)))


def matthews_correlation(y_true, y_pred):
    """Matthews correlation coefficient of class ids, binary or multiclass, in [-1, 1]."""
    y_true, y_pred = _pair(y_true, y_pred)
    classes, codes = np.unique(np.concatenate([y_true, y_pred]), return_inverse=True)
    true_codes, pred_codes = codes[: len(y_true)], codes[len(y_true):]
    confusion = np.zeros((len(classes), len(classes)), "float64")
    np.add.at(confusion, (true_codes, pred_codes), 1)
    total, correct = confusion.sum(), np.trace(confusion)
    true_counts, pred_counts = confusion.sum(1), confusion.sum(0)
    covariance = correct * total - pred_counts @ true_counts
    scale = (total**2 - pred_counts @ pred_counts) * (total**2 - true_counts @ true_counts)
    return float(covariance / np.sqrt(scale)) if scale > 0 else 0.0


def pearson(x, y):
    """Pearson correlation of two 1-D arrays; nan when one is constant."""
    x, y = _numbers(x, y, min_size=2)
    x, y = x - x.mean(), y - y.mean()
    scale = np.sqrt((x @ x) * (y @ y))
    # Clip: rounding can push a perfect correlation a hair past 1.
    return float(np.clip(x @ y / scale, -1.0, 1.0)) if scale > 0 else float("nan")


def average_ranks(values):
    """1-based ranks of a 1-D array, tied values sharing the mean of their ranks.

    >>> average_ranks([10, 30, 20, 30])
    array([1. , 3.5, 2. , 3.5])
    """
    values = np.asarray(values)
    order = np.argsort(values, kind="stable")
    ordered = values[order]
    starts_group = np.concatenate([[True], ordered[1:] != ordered[:-1]])
    group = np.cumsum(starts_group) - 1
    starts = np.flatnonzero(starts_group)
    ends = np.append(starts[1:], len(values))  # one past each group's last position
    ranks = np.empty(len(values), "float64")
    ranks[order] = ((starts + ends - 1) / 2 + 1)[group]
    return ranks


def spearman(x, y):
    """Spearman rank correlation of two 1-D arrays (ties get average ranks)."""
    x, y = _numbers(x, y, min_size=2)
    return pearson(average_ranks(x), average_ranks(y))


def mean_squared_error(y_true, y_pred):
    y_true, y_pred = _numbers(y_true, y_pred, min_size=1)
    return float(np.mean((y_true - y_pred) ** 2))
