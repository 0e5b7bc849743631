"""The pretraining recipes of BERT, RoBERTa and ALBERT against each other, on the embedded Moby-Dick.

Each arm pretrains a 2-layer, 128-wide encoder (BERT-tiny's shape) from random weights on
examples/data/moby_dick/train.txt for the same number of batches of 32 sequences, and is measured
on held_out.txt:
- bert: a WordPiece vocabulary, sentence pairs with next-sentence prediction plus masked LM, 10%
  short sequences, one update per batch;
- roberta: a byte-level BPE vocabulary of the same size, masked LM only on FULL-SENTENCES (whole
  sentences running on across documents), full-length sequences, and larger batches by gradient
  accumulation (4 batches of 32 per update) at a higher peak learning rate: the same tokens
  through the same model, so the same compute as bert;
- albert: a SentencePiece vocabulary of the same size, sentence-order prediction plus masked LM
  with n-gram (up to 3) whole-word masking, and ALBERT's architecture at BERT-tiny's width:
  64-wide factorized embeddings and both layers running one shared block, without dropout
  (ALBERT v2's): the same steps as bert, with fewer parameters.
Masks are dynamic in every arm. Each arm runs in a process of its own, so that its peak resident
memory is its own.

Printed: parameters, held-out masked-LM accuracy (each arm on its own tokens: the vocabularies
cut text differently, so the numbers compare what each model can fill in, not identical tasks),
the pair objective's accuracy, training examples per second and the arm's peak memory.

    python examples/pretraining_recipes.py --recipes bert roberta   # 8 min 46 s on 2 cores (README)
    python examples/pretraining_recipes.py --recipes bert albert    # README, ALBERT
    python examples/pretraining_recipes.py --size smoke             # seconds, for the example's test
"""

import argparse
import json
import pathlib
import resource
import subprocess
import sys
import time

from pretrain_and_finetune import CORPUS, _accuracies, _chapters, _shards

SIZES = {
    "quick": dict(vocabulary_size=8000, sequence_length=64, total_steps=800, steps_per_checkpoint=200),
    "smoke": dict(vocabulary_size=400, sequence_length=32, total_steps=8, steps_per_checkpoint=4, chapters=6),
}
BATCH_SIZE = 32
TINY = dict(num_layers=2, num_heads=2, hidden_dim=128, intermediate_dim=512)  # BERT-tiny's shape
# Recipe -> its backbone class and options, shard options, and training options.
RECIPES = {
    "bert": dict(backbone=("BertBackbone", {}), shards=dict(objective="nsp", short_seq_prob=0.1),
                 training=dict(learning_rate=1e-3)),
    "roberta": dict(backbone=("RobertaBackbone", {}),
                    shards=dict(objective=None, cross_documents=True, short_seq_prob=0.0),
                    training=dict(learning_rate=2e-3, gradient_accumulation_steps=4)),
    "albert": dict(backbone=("AlbertBackbone", dict(embedding_dim=64, num_layer_groups=1, dropout=0.0)),
                   shards=dict(objective="sop", short_seq_prob=0.1),
                   training=dict(learning_rate=1e-3, whole_word_masking=True, max_ngram=3)),
}
TRAINERS = {"bert": "build_vocabulary", "roberta": "train_bpe_vocabulary", "albert": "train_sentencepiece_vocabulary"}


def vocabulary(recipe, corpus, directory, size):
    """Learn the recipe's vocabulary (once; a rerun reuses it) and return its tokenizer."""
    from keras_bert_zoo.data import vocabulary
    from keras_bert_zoo.data.prepare import build_vocabulary, load_tokenizer, save_tokenizer

    if not (directory / "tokenizer_record.json").is_file():
        if recipe == "bert":
            build_vocabulary(corpus, directory, vocabulary_size=size, verbose=False)
        else:
            directory.mkdir(parents=True, exist_ok=True)
            save_tokenizer(getattr(vocabulary, TRAINERS[recipe])(corpus, size, verbose=False), directory)
    return load_tokenizer(directory)


def architecture(recipe, tokenizer, directory, sequence_length):
    """A preset directory of the recipe's backbone at BERT-tiny's shape (random weights), and its
    parameter count."""
    import keras_bert_zoo

    name, options = RECIPES[recipe]["backbone"]
    backbone = getattr(keras_bert_zoo, name)(vocabulary_size=tokenizer.vocabulary_size,
                                             max_sequence_length=sequence_length, **TINY, **options)
    backbone.save_to_preset(directory)
    return directory, backbone.count_params()


def pretrain(recipe, run, size, seed):
    from keras_bert_zoo.training.pretraining_run import PretrainingConfig, run_pretraining

    options = RECIPES[recipe]
    corpus = {part: _chapters(CORPUS / f"{part}.txt", run, size.get("chapters")) for part in ("train", "held_out")}
    tokenizer = vocabulary(recipe, corpus["train"], run / "vocabulary", size["vocabulary_size"])
    train, held_out = (_shards(part, corpus[part], run, run / "vocabulary", size["sequence_length"],
                               **options["shards"]) for part in ("train", "held_out"))
    preset, parameters = architecture(recipe, tokenizer, run / "architecture", size["sequence_length"])
    config = PretrainingConfig(
        data=str(train), validation_data=str(held_out), output=str(run / "pretraining"), preset=str(preset),
        batch_size=BATCH_SIZE, total_steps=size["total_steps"], steps_per_checkpoint=size["steps_per_checkpoint"],
        seed=seed, verbose=2, **options["training"])
    started = time.perf_counter()
    summary = run_pretraining(config)
    return {"recipe": recipe, "tokenizer": type(tokenizer).__name__, "vocabulary": tokenizer.vocabulary_size,
            "parameters": parameters, "updates": size["total_steps"] // config.gradient_accumulation_steps,
            "learning_rate": config.learning_rate, **_accuracies(summary["held_out"]),
            "examples_per_second": summary["history"]["examples_per_second"],
            "seconds": round(time.perf_counter() - started),
            # Linux reports the peak resident set in KiB.
            "peak_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size", choices=sorted(SIZES), default="quick")
    parser.add_argument("--recipes", nargs="+", choices=sorted(RECIPES), default=sorted(RECIPES))
    parser.add_argument("--output", default=None, help="run directory (default: runs/pretraining-recipes-<size>)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--arm", choices=sorted(RECIPES), help=argparse.SUPPRESS)  # a child process's one arm
    args = parser.parse_args(argv)
    size = SIZES[args.size]
    output = pathlib.Path(args.output or f"runs/pretraining-recipes-{args.size}")
    if args.arm:
        row = pretrain(args.arm, output / args.arm, size, args.seed)
        (output / args.arm / "row.json").write_text(json.dumps(row, indent=2))
        return [row]

    import keras

    rows = []
    for recipe in args.recipes:
        subprocess.run([sys.executable, __file__, "--arm", recipe, "--size", args.size, "--output", str(output),
                        "--seed", str(args.seed)], check=True)
        rows.append(json.loads((output / recipe / "row.json").read_text()))
    (output / "summary.json").write_text(json.dumps({"size": args.size, "backend": keras.backend.backend(),
                                                     "rows": rows}, indent=2))
    print(f"\n== pretraining recipes, {size['total_steps']} batches of {BATCH_SIZE} x {size['sequence_length']} "
          f"tokens each, {keras.backend.backend()} ==")
    for row in rows:
        pair = "" if row["nsp_accuracy"] is None else f", pair objective {row['nsp_accuracy']:.3f}"
        print(f"  {row['recipe']:8s} {row['parameters']:>10,} parameters, {row['tokenizer']:17s} "
              f"{row['vocabulary']:>6,} tokens, {row['updates']:>4} updates at lr {row['learning_rate']:g}: held-out "
              f"masked-LM accuracy {row['mlm_accuracy']:.3f}{pair}; {row['examples_per_second']:.1f} examples/s, "
              f"peak {row['peak_mib']:,} MiB, {row['seconds']} s")
    return rows


if __name__ == "__main__":
    main()
