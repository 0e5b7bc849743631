"""Pretrain a BERT-tiny-size model from raw text, then show that pretraining helps fine-tuning.

The whole story on the embedded data, on any backend:
1. learn a WordPiece vocabulary from the pretraining text: Moby-Dick
   (examples/data/moby_dick, public domain) or, with `--corpus snippets`, the
   training sentiment snippets without their labels (task-adaptive pretraining);
2. build masked-LM examples (with next-sentence pairs for Moby-Dick; the
   snippets are unrelated sentences, so masked LM only) for the training and
   the held-out text;
3. measure held-out MLM (and NSP) accuracy of the random model;
4. pretrain (resumable: interrupt it and run the same command again);
5. measure held-out MLM (and NSP) accuracy again;
6. fine-tune on the real Rotten Tomatoes sentiment snippets (examples/data/vader)
   from the pretrained weights and, with identical settings, from random
   initialisation; report both held-out accuracies.

    python examples/pretrain_and_finetune.py --size quick   # 292 s measured on 2 cores (JAX)
    python examples/pretrain_and_finetune.py --size full    # 4,000 steps at sequence 128
    python examples/pretrain_and_finetune.py --size long --corpus snippets --recipe short-run

Everything lands in --output (default runs/pretrain-<size>); summary.json holds the numbers.
"""

import argparse
import json
import pathlib
import time

import numpy as np

from finetune_sentiment import load_snippets, split

CORPUS = pathlib.Path(__file__).parent / "data" / "moby_dick"
SIZES = {
    # The quick size fits the whole story in minutes on a laptop; the full one
    # gives the model time to learn more than word frequencies.
    "quick": dict(vocabulary_size=4000, sequence_length=64, total_steps=800, steps_per_checkpoint=100,
                  learning_rate=1e-3, finetune_epochs=3),
    "full": dict(vocabulary_size=8000, sequence_length=128, total_steps=4000, steps_per_checkpoint=250,
                 learning_rate=1e-3, finetune_epochs=3),
    # About 20 minutes of pretraining on 2 cores.
    "long": dict(vocabulary_size=4000, sequence_length=64, total_steps=12000, steps_per_checkpoint=500,
                 learning_rate=2e-3, finetune_epochs=3),
    # Seconds, for the example's own test: a few chapters and snippets only (enough snippets for
    # one held-out batch of 32 when they are the pretraining text).
    "smoke": dict(vocabulary_size=800, sequence_length=32, total_steps=4, steps_per_checkpoint=2,
                  learning_rate=1e-3, finetune_epochs=1, chapters=6, snippets=320),
}
RECIPES = {
    "bert": dict(masking_rate=0.15, max_predictions_per_seq=20, dropout=None, weight_decay=0.01),
    # For short runs: more masking and no dropout learn faster (Wettig et al., 2023, "Should You
    # Mask 15%"; Geiping & Goldstein, 2022, "Cramming"); stronger decay keeps weights smaller.
    "short-run": dict(masking_rate=0.4, max_predictions_per_seq=32, dropout=0.0, weight_decay=0.1),
}
# Unrelated snippets packed four to a "document" fill a 64-token sequence.
SNIPPETS_PER_DOCUMENT = 4


def _snippet_text(texts, path):
    path.parent.mkdir(parents=True, exist_ok=True)
    documents = ("\n".join(texts[i:i + SNIPPETS_PER_DOCUMENT]) for i in range(0, len(texts), SNIPPETS_PER_DOCUMENT))
    path.write_text("\n\n".join(documents) + "\n", encoding="utf-8")
    return path


def _corpus(args, run, size, data):
    """The training and held-out text files; snippets come from the fine-tuning split, labels unused."""
    if args.corpus == "snippets":
        return {part: _snippet_text(list(texts), run / "corpus" / f"snippets_{part}.txt")
                for part, (texts, _) in zip(("train", "held_out"), data)}
    return {part: _chapters(CORPUS / f"{part}.txt", run, size.get("chapters")) for part in ("train", "held_out")}


def _chapters(path, run, count):
    """`path`, or a file of its first `count` documents (chapters) in `run`."""
    if count is None:
        return path
    subset = run / "corpus" / path.name
    subset.parent.mkdir(parents=True, exist_ok=True)
    subset.write_text("\n\n".join(path.read_text(encoding="utf-8").split("\n\n")[:count]), encoding="utf-8")
    return subset


def _shards(name, corpus, run, vocabulary, sequence_length, **options):
    """Build a shard directory once (`options`: of `prepare_pretraining_data`); a rerun (e.g. after
    an interruption) reuses it."""
    from keras_bert_zoo.data.prepare import prepare_pretraining_data

    directory = run / name
    if not (directory / "manifest.json").is_file():
        if directory.exists():  # an interrupted write: start it again
            import shutil

            shutil.rmtree(directory)
        manifest = prepare_pretraining_data(corpus, directory, vocabulary, max_sequence_length=sequence_length,
                                            **options)
        print(f"{name}: {manifest['count']:,} examples")
    return directory


def _accuracies(metrics):
    """Held-out MLM and NSP accuracy from a BertPretrainer's or (no NSP: None) a BertMaskedLM's metrics."""
    if "nsp_logits_accuracy" not in metrics:
        return {"mlm_accuracy": metrics["accuracy"], "nsp_accuracy": None}
    return {"mlm_accuracy": metrics["mlm_logits_accuracy"], "nsp_accuracy": metrics["nsp_logits_accuracy"]}


def _fine_tune(preset, load_weights, data, args, size):
    import keras

    from keras_bert_zoo import BertClassifier
    from keras_bert_zoo.tasks.task import fine_tuning_optimizer

    (train_x, train_y), (test_x, test_y) = data
    keras.utils.set_random_seed(args.seed)  # the same head init and batch order for both runs
    classifier = BertClassifier.from_preset(preset, num_classes=2, load_weights=load_weights,
                                            sequence_length=size["sequence_length"])
    # 5e-5 suits BERT-base; a 2-layer, 128-wide model fine-tunes better with larger steps.
    classifier.compile(optimizer=fine_tuning_optimizer(args.finetune_learning_rate))
    classifier.fit(train_x, train_y, batch_size=32, epochs=size["finetune_epochs"], verbose=2)
    return float(classifier.evaluate(test_x, test_y, batch_size=128, verbose=0)[1])


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size", choices=sorted(SIZES), default="quick")
    parser.add_argument("--corpus", choices=["moby-dick", "snippets"], default="moby-dick",
                        help="pretraining text: the embedded novel, or the training snippets without labels")
    parser.add_argument("--recipe", choices=sorted(RECIPES), default="bert",
                        help="masking, dropout and weight decay: BERT's, or one for short runs")
    parser.add_argument("--output", default=None, help="run directory (default runs/pretrain-<size>)")
    parser.add_argument("--total-steps", type=int, default=None, help="override the size's pretraining steps")
    parser.add_argument("--finetune-learning-rate", type=float, default=2e-4)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    size = dict(SIZES[args.size])
    if args.total_steps:
        size["total_steps"] = args.total_steps
        size["steps_per_checkpoint"] = min(size["steps_per_checkpoint"], args.total_steps)
    run = pathlib.Path(args.output or f"runs/pretrain-{args.size}")
    started = time.time()

    from keras_bert_zoo.data.prepare import build_vocabulary, load_tokenizer
    from keras_bert_zoo.training.pretraining_run import (PretrainingConfig, build_pretrainer, held_out_data,
                                                         run_pretraining)

    texts, labels = load_snippets()
    texts, labels = texts[:size.get("snippets")], labels[:size.get("snippets")]
    data = split(texts, labels, test_fraction=0.2, seed=args.seed)
    corpus = _corpus(args, run, size, data)
    next_sentence_prediction = args.corpus == "moby-dick"
    vocabulary = run / "vocabulary"
    if not (vocabulary / "vocab.txt").is_file():
        build_vocabulary(corpus["train"], vocabulary, vocabulary_size=size["vocabulary_size"])
    tokenizer = load_tokenizer(vocabulary)
    print(f"vocabulary: {tokenizer.vocabulary_size:,} WordPiece tokens")
    train, held_out = (_shards(part, corpus[part], run, vocabulary, size["sequence_length"],
                               next_sentence_prediction=next_sentence_prediction)
                       for part in ("train", "held_out"))

    config = PretrainingConfig(
        data=str(train), output=str(run / "pretraining"), validation_data=str(held_out), preset="bert_tiny",
        total_steps=size["total_steps"], steps_per_checkpoint=size["steps_per_checkpoint"],
        learning_rate=size["learning_rate"], seed=args.seed, verbose=2, **RECIPES[args.recipe])
    before = _accuracies(build_pretrainer(config, tokenizer).evaluate(
        held_out_data(config, tokenizer), verbose=0, return_dict=True))

    pretraining_started = time.time()
    summary = run_pretraining(config)
    pretraining_seconds = time.time() - pretraining_started
    after = _accuracies(summary["held_out"])

    pretrained = _fine_tune(summary["preset"], True, data, args, size)
    from_scratch = _fine_tune(summary["preset"], False, data, args, size)

    result = {"size": args.size, "corpus": args.corpus, "recipe": args.recipe,
              "vocabulary_size": tokenizer.vocabulary_size, **size,
              "held_out_before": before, "held_out_after": after,
              "pretraining_seconds": round(pretraining_seconds), "sentiment_accuracy_pretrained": pretrained,
              "sentiment_accuracy_random_init": from_scratch, "total_seconds": round(time.time() - started)}
    (run / "summary.json").write_text(json.dumps(result, indent=2))
    print(f"\n== BERT-tiny ({args.size}, {args.corpus}, {args.recipe} recipe) on {run} ==")
    print(f"held-out masked-LM accuracy  {before['mlm_accuracy']:.3f} -> {after['mlm_accuracy']:.3f}")
    if next_sentence_prediction:
        print(f"held-out next-sentence acc.  {before['nsp_accuracy']:.3f} -> {after['nsp_accuracy']:.3f}")
    print(f"sentiment held-out accuracy  pretrained {pretrained:.4f}  vs random init {from_scratch:.4f}")
    print(f"pretraining {pretraining_seconds:.0f} s; whole story {time.time() - started:.0f} s")
    if pretrained <= from_scratch:
        print("pretraining did not help at this compute; README 'Pretraining from raw text' measures why")
    return result


if __name__ == "__main__":
    main()
