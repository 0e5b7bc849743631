"""Classification/regression metrics: hand-computed cases, and scipy as a cross-check when installed."""

import math

import numpy as np
import pytest

from keras_bert_zoo.metrics.classification import (
    accuracy,
    average_ranks,
    f1_score,
    matthews_correlation,
    mean_squared_error,
    pearson,
    spearman,
)

# Binary case worked by hand: TP=2 (rows 0, 1), FN=1 (row 2), FP=1 (row 3), TN=2 (rows 4, 5).
TRUE = [1, 1, 1, 0, 0, 0]
PRED = [1, 1, 0, 1, 0, 0]


def test_accuracy_and_exact_match():
    assert accuracy(TRUE, PRED) == pytest.approx(4 / 6)
    multi_hot_true = [[1, 0, 1], [0, 1, 0]]
    assert accuracy(multi_hot_true, [[1, 0, 1], [0, 1, 1]]) == 0.5  # row 2 is wrong on one label


def test_binary_f1_by_hand():
    # precision 2/3, recall 2/3.
    assert f1_score(TRUE, PRED) == pytest.approx(2 / 3)
    # Class 0 as positive: TP=2, FP=1, FN=1.
    assert f1_score(TRUE, PRED, positive_label=0) == pytest.approx(2 / 3)
    assert f1_score([0, 0], [0, 0]) == 0.0  # no positives anywhere: 0, as sklearn's zero_division=0


def test_macro_and_micro_f1_by_hand():
    y_true = [0, 0, 1, 1, 2, 2]
    y_pred = [0, 1, 1, 1, 0, 0]
    # class 0: TP1 FP2 FN1 -> 2/5; class 1: TP2 FP1 FN0 -> 4/5; class 2: TP0 FP0 FN2 -> 0.
    assert f1_score(y_true, y_pred, average="macro") == pytest.approx((2 / 5 + 4 / 5 + 0) / 3)
    assert f1_score(y_true, y_pred, average="micro") == pytest.approx(accuracy(y_true, y_pred))
    # Averaging over given classes counts a class seen nowhere as 0.
    assert f1_score([0, 1], [0, 1], average="macro", labels=[0, 1, 2]) == pytest.approx(2 / 3)


def test_micro_f1_on_multi_hot_pools_every_cell():
    y_true = np.array([[1, 0, 1], [0, 1, 0]])
    y_pred = np.array([[1, 1, 0], [0, 1, 0]])
    # Cells: TP=2, FP=1, FN=1.
    assert f1_score(y_true, y_pred, average="micro") == pytest.approx(4 / 6)


def test_matthews_correlation_by_hand():
    # (TP·TN − FP·FN) / sqrt((TP+FP)(TP+FN)(TN+FP)(TN+FN)) = (4 − 1) / sqrt(3·3·3·3) = 1/3.
    assert matthews_correlation(TRUE, PRED) == pytest.approx(1 / 3)
    assert matthews_correlation([0, 1, 2], [0, 1, 2]) == pytest.approx(1.0)
    assert matthews_correlation([0, 1], [1, 0]) == pytest.approx(-1.0)
    assert matthews_correlation([1, 1, 0], [1, 1, 1]) == 0.0  # constant prediction: undefined -> 0


def test_pearson_and_spearman_by_hand():
    assert pearson([1, 2, 3], [2, 4, 6]) == pytest.approx(1.0)
    assert pearson([1, 2, 3], [3, 1, 2]) == pytest.approx(-0.5)
    # Monotone but not linear: Spearman 1, Pearson below 1.
    assert spearman([1, 2, 3, 4], [1, 4, 9, 100]) == pytest.approx(1.0)
    assert pearson([1, 2, 3, 4], [1, 4, 9, 100]) < 0.9
    assert math.isnan(pearson([1, 1, 1], [1, 2, 3]))


def test_average_ranks_share_ties():
    np.testing.assert_array_equal(average_ranks([10, 30, 20, 30]), [1, 3.5, 2, 3.5])
    np.testing.assert_array_equal(average_ranks([5, 5, 5]), [2, 2, 2])
    # Ranks 1..4 with the middle pair tied: Pearson of (1, 2.5, 2.5, 4) with (1, 2, 3, 4).
    expected = np.corrcoef([1, 2.5, 2.5, 4], [1, 2, 3, 4])[0, 1]
    assert spearman([1, 2, 2, 3], [1, 2, 3, 4]) == pytest.approx(expected)


def test_mean_squared_error():
    assert mean_squared_error([1.0, 2.0], [1.0, 4.0]) == pytest.approx(2.0)


def test_bad_inputs_are_named():
    with pytest.raises(ValueError, match="same shape"):
        accuracy([1, 0], [1])
    with pytest.raises(ValueError, match="average must be one of"):
        f1_score(TRUE, PRED, average="weighted")
    with pytest.raises(ValueError, match=r"shape \(samples,\)"):
        f1_score(np.eye(2), np.eye(2))  # a binary F1 takes class ids, not multi-hot rows
    with pytest.raises(ValueError, match="at least 2"):
        pearson([1.0], [2.0])
    with pytest.raises(ValueError, match="finite"):
        spearman([1.0, np.nan], [1.0, 2.0])
    with pytest.raises(ValueError, match="at least 1"):
        accuracy([], [])


def test_agrees_with_scipy_on_random_data_with_ties():
    stats = pytest.importorskip("scipy.stats")
    rng = np.random.default_rng(0)
    for _ in range(5):
        x = rng.integers(0, 6, 200).astype("float64")  # many ties
        y = x + rng.normal(0, 2, 200).round(1)
        assert spearman(x, y) == pytest.approx(stats.spearmanr(x, y)[0], abs=1e-12)
        assert pearson(x, y) == pytest.approx(stats.pearsonr(x, y)[0], abs=1e-12)
        np.testing.assert_allclose(average_ranks(y), stats.rankdata(y, method="average"))


def test_agrees_with_sklearn_when_installed():
    sklearn_metrics = pytest.importorskip("sklearn.metrics")
    rng = np.random.default_rng(1)
    y_true, y_pred = rng.integers(0, 4, 300), rng.integers(0, 4, 300)
    assert matthews_correlation(y_true, y_pred) == pytest.approx(sklearn_metrics.matthews_corrcoef(y_true, y_pred))
    assert f1_score(y_true, y_pred, average="macro") == pytest.approx(
        sklearn_metrics.f1_score(y_true, y_pred, average="macro"))
    multi_true, multi_pred = rng.integers(0, 2, (50, 5)), rng.integers(0, 2, (50, 5))
    assert f1_score(multi_true, multi_pred, average="micro") == pytest.approx(
        sklearn_metrics.f1_score(multi_true, multi_pred, average="micro"))
