"""RoBERTa's pretraining recipe against BERT's, at the same compute, on the embedded Moby-Dick.

Both arms pretrain a 2-block, 128-wide encoder (BERT-tiny's shape) from random weights on
examples/data/moby_dick/train.txt and are measured on held_out.txt:
- BERT: a WordPiece vocabulary, sentence pairs with next-sentence prediction plus masked LM,
  10% short sequences, batch 32 with one update per batch;
- RoBERTa: a byte-level BPE vocabulary of the same size, masked LM only on FULL-SENTENCES
  (whole sentences running on across documents), full-length sequences, and larger batches by
  gradient accumulation (4 batches of 32 per update) at a higher peak learning rate.
Same sequence length, same batches of 32 sequences and the same number of them, so the same
tokens pass through the same model: the compute is equal. Masks are dynamic in both.

Printed: held-out masked-LM accuracy (each arm on its own tokens: the two vocabularies cut text
differently, so the numbers compare what each model can fill in, not identical tasks) and the
training examples per second of each arm.

    python examples/roberta_vs_bert_pretraining.py                # 8 min 46 s on 2 cores (README, RoBERTa)
    python examples/roberta_vs_bert_pretraining.py --size smoke   # seconds, for the example's test
"""

import argparse
import json
import pathlib
import time

from pretrain_and_finetune import CORPUS, _accuracies, _chapters, _shards

SIZES = {
    "quick": dict(vocabulary_size=8000, sequence_length=64, total_steps=800, steps_per_checkpoint=200),
    "smoke": dict(vocabulary_size=400, sequence_length=32, total_steps=8, steps_per_checkpoint=4, chapters=6),
}
BATCH_SIZE = 32
TINY = dict(num_layers=2, num_heads=2, hidden_dim=128, intermediate_dim=512)  # BERT-tiny's shape
RECIPES = {
    "bert": dict(shards=dict(next_sentence_prediction=True, short_seq_prob=0.1), learning_rate=1e-3,
                 gradient_accumulation_steps=1),
    "roberta": dict(shards=dict(next_sentence_prediction=False, cross_documents=True, short_seq_prob=0.0),
                    learning_rate=2e-3, gradient_accumulation_steps=4),
}


def vocabulary(recipe, corpus, directory, size):
    """Learn the recipe's vocabulary (once; a rerun reuses it) and return its tokenizer."""
    from keras_bert_zoo.data.prepare import build_vocabulary, load_tokenizer, save_tokenizer
    from keras_bert_zoo.data.vocabulary import train_bpe_vocabulary

    if not (directory / "tokenizer_record.json").is_file():
        if recipe == "bert":
            build_vocabulary(corpus, directory, vocabulary_size=size, verbose=False)
        else:
            directory.mkdir(parents=True, exist_ok=True)
            save_tokenizer(train_bpe_vocabulary(corpus, size, verbose=False), directory)
    return load_tokenizer(directory)


def architecture(recipe, tokenizer, directory, sequence_length):
    """A preset directory of the recipe's backbone at BERT-tiny's shape (random weights)."""
    from keras_bert_zoo import BertBackbone, RobertaBackbone

    cls = BertBackbone if recipe == "bert" else RobertaBackbone
    cls(vocabulary_size=tokenizer.vocabulary_size, max_sequence_length=sequence_length, **TINY).save_to_preset(
        directory)
    return directory


def pretrain(recipe, run, size, seed):
    from keras_bert_zoo.training.pretraining_run import PretrainingConfig, run_pretraining

    options = RECIPES[recipe]
    corpus = {part: _chapters(CORPUS / f"{part}.txt", run, size.get("chapters")) for part in ("train", "held_out")}
    tokenizer = vocabulary(recipe, corpus["train"], run / "vocabulary", size["vocabulary_size"])
    train, held_out = (_shards(part, corpus[part], run, run / "vocabulary", size["sequence_length"],
                               **options["shards"]) for part in ("train", "held_out"))
    config = PretrainingConfig(
        data=str(train), validation_data=str(held_out), output=str(run / "pretraining"),
        preset=str(architecture(recipe, tokenizer, run / "architecture", size["sequence_length"])),
        batch_size=BATCH_SIZE, total_steps=size["total_steps"], steps_per_checkpoint=size["steps_per_checkpoint"],
        learning_rate=options["learning_rate"], gradient_accumulation_steps=options["gradient_accumulation_steps"],
        seed=seed, verbose=2)
    started = time.perf_counter()
    summary = run_pretraining(config)
    return {"recipe": recipe, "tokenizer": type(tokenizer).__name__, "vocabulary": tokenizer.vocabulary_size,
            "updates": size["total_steps"] // options["gradient_accumulation_steps"],
            "learning_rate": options["learning_rate"], **_accuracies(summary["held_out"]),
            "examples_per_second": summary["history"]["examples_per_second"],
            "seconds": round(time.perf_counter() - started)}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size", choices=sorted(SIZES), default="quick")
    parser.add_argument("--output", default=None, help="run directory (default: runs/roberta-vs-bert-<size>)")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    size = SIZES[args.size]
    output = pathlib.Path(args.output or f"runs/roberta-vs-bert-{args.size}")

    import keras

    rows = [pretrain(recipe, output / recipe, size, args.seed) for recipe in RECIPES]
    (output / "summary.json").write_text(json.dumps({"size": args.size, "backend": keras.backend.backend(),
                                                     "rows": rows}, indent=2))
    print(f"\n== RoBERTa's recipe vs BERT's, {size['total_steps']} batches of {BATCH_SIZE} x "
          f"{size['sequence_length']} tokens each, {keras.backend.backend()} ==")
    for row in rows:
        nsp = "" if row["nsp_accuracy"] is None else f", next-sentence {row['nsp_accuracy']:.3f}"
        print(f"  {row['recipe']:8s} {row['tokenizer']:17s} {row['vocabulary']:>6,} tokens, {row['updates']:>4} updates "
              f"at lr {row['learning_rate']:g}: held-out masked-LM accuracy {row['mlm_accuracy']:.3f}{nsp}; "
              f"{row['examples_per_second']:.1f} examples/s, {row['seconds']} s")
    return rows


if __name__ == "__main__":
    main()
