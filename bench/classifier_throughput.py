"""Training throughput and forward latency: `BertClassifier` vs `transformers`.

Compares keras-bert-zoo's `BertClassifier` on each Keras backend (tensorflow,
jax, torch) with `transformers`' `BertForSequenceClassification` on PyTorch,
both built from the same config, on CPU in float32, and prints a Markdown
table of ratios measured in the same run (ratio > 1: keras-bert-zoo is faster).

Usage:
    python bench/classifier_throughput.py                       # full default run
    python bench/classifier_throughput.py --sizes minilm --steps 3 --warmup 1
    python bench/classifier_throughput.py --device-info         # machine info only

Each measurement runs in its own subprocess (the script calls itself with
`--worker`): `KERAS_BACKEND` must be set before Keras is imported, and a fresh
process keeps one framework's thread pools and caches out of another's timing.

What one training step is, on each side:
  * keras-bert-zoo: `model.train_on_batch(x, y)` with the task's default
    compile (AdamW lr 5e-5, weight decay 0.01 except biases and LayerNorm,
    sparse cross-entropy on logits, plus the accuracy metric it tracks). This
    includes Keras's step overhead: numpy-to-tensor conversion of the batch,
    the compiled (tf.function / jax.jit) or eager (torch) train step, the
    optimizer update and returning the logs as Python floats.
  * transformers: forward with `labels` (cross-entropy) in train mode,
    `loss.backward()`, `torch.optim.AdamW.step()` (same lr, decay and no-decay
    groups), `zero_grad()`; inputs are torch tensors made once, outside the
    timed loop (torch's numpy conversion is zero-copy anyway).
  * Same shapes, random token ids with a full padding mask, dropout 0.1 in
    hidden states and attention probabilities on both sides, exact GELU,
    LayerNorm epsilon 1e-12, same parameter count (printed as a check).
Forward latency: batch 1, same sequence length; keras-bert-zoo through
`predict_on_batch` (inference mode, compiled on tf/jax), transformers in
`eval()` mode under `torch.no_grad()`.

Not included: tokenization and input pipelines, data loading, learning-rate
schedules, mixed precision, GPUs. The first calls (tracing, XLA compilation,
allocator warm-up) are excluded through `--warmup` steps and reported
separately; the table reports the median of the timed steps.

Interference: on a shared machine other processes can take cores mid-run.
Before each worker the driver waits (up to `--wait-idle` s) for a quiet CPU;
afterwards it reports the cores other processes used meanwhile (from
/proc/stat) and marks rows where that exceeded 0.3 cores with (!).

Threads: every worker is pinned to the first `--threads` cores
(`sched_setaffinity`) before any framework is imported, and `torch`, TF and
OpenMP are told the same count, so all sides use the same cores.
"""

import argparse
import os
import statistics
import sys
import time

# The worker modules sit next to this script, whose folder is on sys.path when run.
from classifier_workers import SIZES, run_worker
from shared import (BACKENDS, PEER, add_run_arguments, disturbed, dispatch, format_cores, machine_info,
                    print_footer, run_each, run_worker_process)


def spawn(impl, size, args):
    """Run one worker subprocess; return its result dict or an error string."""
    command = [sys.executable, os.path.abspath(__file__), "--worker", impl, "--size", size]
    for flag in ("batch", "seq", "steps", "warmup", "threads", "latency_runs", "latency_warmup"):
        value = getattr(args, flag)
        if value is not None:
            command += [f"--{flag.replace('_', '-')}", str(value)]
    return run_worker_process(command, f"{impl}/{size}", backend=None if impl == PEER else impl,
                              timeout=args.timeout, wait_idle=args.wait_idle)


def summarize(zoo, peer, batch):
    """One table row's numbers from two worker results."""
    zoo_step, peer_step = statistics.median(zoo["train_times"]), statistics.median(peer["train_times"])
    zoo_ms = 1000 * statistics.median(zoo["forward_times"])
    peer_ms = 1000 * statistics.median(peer["forward_times"])
    return batch / zoo_step, batch / peer_step, peer_step / zoo_step, zoo_ms, peer_ms, peer_ms / zoo_ms


def detail(result):
    """A line of spread, first-call, interference and sanity numbers for one worker."""
    t, f, losses = result["train_times"], result["forward_times"], result["losses"]
    first = result["train_warmup_times"][0] if result["train_warmup_times"] else float("nan")
    return (
        f"- {result['size']}/{result['impl']}: params {result['params']:,}; "
        f"train step s min/median/max {min(t):.2f}/{statistics.median(t):.2f}/{max(t):.2f} "
        f"over {len(t)} (first step {first:.1f} s, busy cores {result['train_busy_cores']:.2f}); "
        f"fwd ms min/median {1000 * min(f):.1f}/{1000 * statistics.median(f):.1f} over {len(f)} "
        f"(busy cores {result['forward_busy_cores']:.2f}); "
        f"loss {losses[0]:.3f} -> {losses[-1]:.3f}; worker wall {result['wall_s']:.0f} s "
        f"(after waiting {result['waited_s']:.0f} s for a quiet machine); "
        f"other processes used {format_cores(result['other_cores'])} cores meanwhile"
    )


def run_driver(args):
    """Driver mode: run every worker, then print machine info and the table."""
    start = time.perf_counter()
    sizes, backends = args.sizes.split(","), args.backends.split(",")
    for name in sizes:
        if name not in SIZES:
            sys.exit(f"Unknown size {name!r}; choose from {sorted(SIZES)}.")
    for name in backends:
        if name not in BACKENDS:
            sys.exit(f"Unknown backend {name!r}; choose from {list(BACKENDS)}.")
    results, errors = run_each([(size, impl) for size in sizes for impl in (PEER, *backends)],
                               lambda size, impl: spawn(impl, size, args), detail)
    print("\n".join(machine_info(args.threads)))
    print(f"Batch {args.batch}, sequence {args.seq}; forward latency at batch 1, sequence {args.seq}; "
          f"untimed warm-up: {args.warmup} train step(s), {args.latency_warmup} forward call(s); "
          f"medians over timed steps. Ratios: zoo / transformers speed (>1: keras-bert-zoo faster).")
    print("Busy cores (in Details) is CPU time / wall time while timing: below the thread count "
          "means the worker did not have the cores to itself.\n")
    print("| model | backend | zoo train ex/s | HF train ex/s | train ratio "
          "| zoo fwd ms (b=1) | HF fwd ms (b=1) | fwd ratio |")
    print("|---|---|---:|---:|---:|---:|---:|---:|")
    for size in sizes:
        for backend in backends:
            zoo, peer = results.get((size, backend)), results.get((size, PEER))
            if zoo is None or peer is None:
                print(f"| {size} | {backend} | failed | | | | | |")
                continue
            zx, px, tr, zm, pm, fr = summarize(zoo, peer, args.batch)
            mark = " (!)" if disturbed(zoo, peer) else ""
            print(f"| {size} | {backend} | {zx:.2f} | {px:.2f} | {tr:.2f}{mark} "
                  f"| {zm:.1f} | {pm:.1f} | {fr:.2f}{mark} |")
    return print_footer(results, errors, detail, start, "one of the row's workers ran; rerun that row "
                        "(--sizes S --backends B) before trusting it.")


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="minilm,base", help=f"comma list of {sorted(SIZES)}")
    parser.add_argument("--backends", default=",".join(BACKENDS), help="comma list of Keras backends")
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--seq", type=int, default=128)
    parser.add_argument("--steps", type=int, default=None,
                        help="timed train steps (default: " + ", ".join(f"{k} {v[4]}" for k, v in SIZES.items()) + ")")
    parser.add_argument("--warmup", type=int, default=1, help="untimed train steps first (compilation)")
    add_run_arguments(parser, "forward call")
    parser.add_argument("--worker", choices=(*BACKENDS, PEER), help=argparse.SUPPRESS)
    parser.add_argument("--size", choices=sorted(SIZES), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.steps is not None and args.steps < 1:
        parser.error("--steps must be >= 1")
    return args


def main(argv=None):
    return dispatch(parse_args(argv), run_worker, run_driver)


if __name__ == "__main__":
    sys.exit(main())
