"""Pieces the benchmark drivers and workers share: running one worker, describing the machine.

A driver runs each measurement in a fresh subprocess (its own Keras backend,
its own thread pools) with `run_worker_process`; the worker, started with
`--worker`, pins its threads (`pin_threads`) and prints one result line with
`emit_result`. `machine_info` describes the CPU and the library versions
without importing any framework. `add_run_arguments` and `dispatch` give the
scripts the same flags and entry point.
"""

import argparse
import json
import os
import platform
import subprocess
import sys
import time
from importlib import metadata

from cpu_load import LoadMeter, wait_for_idle

BACKENDS = ("tensorflow", "jax", "torch")  # the Keras backends each bench runs keras-bert-zoo on
PEER = "transformers"
RESULT_PREFIX = "BENCH_RESULT "  # Frameworks print to stdout too; this marks our line.
# Rows where other processes averaged more cores than this during a worker
# get a mark: their numbers are less trustworthy.
INTERFERENCE_CORES = 0.3
# CPU features that decide which float32 / bfloat16 kernels the frameworks can use.
CPU_FLAGS = ("avx2", "avx512f", "avx512_bf16", "amx_bf16")
PACKAGES = ("keras", "keras-bert-zoo", "tensorflow", "jax", "jaxlib", "torch", "transformers", "numpy")


def emit_result(result):
    """Worker side: print the result dict as the one line the driver reads."""
    print(RESULT_PREFIX + json.dumps(result), flush=True)


def run_worker_process(command, label, backend=None, timeout=3600, wait_idle=120):
    """Run one worker command on the CPU; return its result dict or an error string.

    Before starting, waits up to `wait_idle` s for a quiet machine; the result
    gains `wall_s`, `waited_s` and `other_cores` (cores other processes used
    while it ran, None where unknown). `backend` sets `KERAS_BACKEND`.
    """
    env = dict(os.environ, CUDA_VISIBLE_DEVICES="", JAX_PLATFORMS="cpu", TF_CPP_MIN_LOG_LEVEL="2")
    if backend is not None:
        env["KERAS_BACKEND"] = backend
    waited = wait_for_idle(wait_idle)
    meter, start = LoadMeter(), time.perf_counter()
    meter.start()
    try:
        proc = subprocess.run(command, env=env, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return f"{label} timed out after {timeout:.0f} s (raise --timeout)."
    for line in proc.stdout.splitlines():
        if line.startswith(RESULT_PREFIX):
            result = json.loads(line[len(RESULT_PREFIX):])
            result.update(wall_s=time.perf_counter() - start, waited_s=waited, other_cores=meter.stop())
            return result
    return f"{label} failed (exit {proc.returncode}):\n" + proc.stderr[-3000:]


def run_each(keys, spawn, detail):
    """`spawn(*key)` for each key in turn, reporting on stderr; returns (results by key, error strings).

    `spawn` returns a result dict or an error string (as `run_worker_process`);
    `detail(result)` is the line printed for a result.
    """
    results, errors = {}, []
    for key in keys:
        print(f"running {'/'.join(key)} ...", file=sys.stderr, flush=True)
        result = spawn(*key)
        if isinstance(result, str):
            errors.append(result)
            print(result, file=sys.stderr)
        else:
            results[key] = result
            print(detail(result), file=sys.stderr, flush=True)
    return results, errors


def print_footer(results, errors, detail, start, rerun):
    """After a driver's table: the interference note, a detail line per result, the wall time
    since `start` and the errors. `rerun` ends the note ("while ..."). Returns the exit status."""
    if any(disturbed(r) for r in results.values()):
        print(f"\n(!): other processes used over {INTERFERENCE_CORES} cores on average while {rerun}")
    print("\nDetails:")
    for result in results.values():
        print(detail(result))
    print(f"\nTotal wall time: {time.perf_counter() - start:.0f} s")
    for error in errors:
        print("\n" + error)
    return 1 if errors else 0


def format_cores(value):
    return "unknown" if value is None else f"{value:.2f}"


def disturbed(*results):
    """True when other processes took a noticeable share of the CPU during any result."""
    return any((r["other_cores"] or 0.0) > INTERFERENCE_CORES for r in results)


def cpu_description():
    """(model name, the `CPU_FLAGS` it has) from /proc/cpuinfo; flags None where unknown."""
    name = flags = None
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                key, _, value = (part.strip() for part in line.partition(":"))
                if key == "model name" and name is None:
                    name = value
                elif key == "flags" and flags is None:
                    flags = [flag for flag in CPU_FLAGS if flag in value.split()]
    except OSError:
        pass
    return name or platform.processor() or "unknown", flags


def machine_info(threads, precision="float32", packages=PACKAGES):
    """Lines describing the CPU and library versions, without importing frameworks."""
    cpu, flags = cpu_description()
    versions = []
    for package in packages:
        try:
            versions.append(f"{package} {metadata.version(package)}")
        except metadata.PackageNotFoundError:
            versions.append(f"{package} (not installed)")
    if flags is None:
        flag_line = "CPU flags: unknown (no /proc/cpuinfo)"
    else:
        flag_line = "CPU flags: " + ", ".join(f"{flag} {'yes' if flag in flags else 'no'}" for flag in CPU_FLAGS)
    return [
        f"CPU: {cpu}; {os.cpu_count()} logical cores; benchmark threads: {threads}",
        flag_line,
        f"Python {platform.python_version()} on {platform.system()} {platform.release()}",
        "Libraries: " + ", ".join(versions),
        f"Device: CPU only, {precision} (no GPU runs)",
    ]


def default_threads():
    """The cores this process may use."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()


def pin_threads(threads):
    """Restrict this process to `threads` cores before any framework starts its pools."""
    if hasattr(os, "sched_setaffinity"):
        cores = sorted(os.sched_getaffinity(0))[:threads]
        os.sched_setaffinity(0, cores)
    for name in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "TF_NUM_INTRAOP_THREADS"):
        os.environ[name] = str(threads)
    # Two inter-op threads at most: enough to overlap independent ops, and
    # the same for every side.
    os.environ["TF_NUM_INTEROP_THREADS"] = str(min(2, threads))


def set_torch_threads(threads):
    """torch sizes its pool from the cores at start-up; tell it the pinned count explicitly."""
    import torch

    torch.set_num_threads(threads)


def positive_int(text):
    """argparse type: an int >= 1."""
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be >= 1, got {value}")
    return value


def add_run_arguments(parser, latency_call):
    """The flags every driver takes: batch-1 latency runs, threads, timeouts, machine info."""
    parser.add_argument("--latency-runs", type=positive_int, default=20, help=f"timed batch-1 {latency_call}s")
    parser.add_argument("--latency-warmup", type=int, default=3, help=f"untimed batch-1 {latency_call}s first")
    parser.add_argument("--threads", type=positive_int, default=default_threads())
    parser.add_argument("--timeout", type=float, default=3600, help="seconds per worker")
    parser.add_argument("--wait-idle", type=float, default=120,
                        help="before each worker, wait up to this many seconds for other processes "
                        "to leave the CPU idle (0: do not wait)")
    parser.add_argument("--device-info", action="store_true", help="print machine info and exit")


def dispatch(args, run_worker, run_driver, precision="float32"):
    """The scripts' entry point: machine info, one worker (`--worker`), or the driver."""
    if args.device_info:
        print("\n".join(machine_info(args.threads, precision)))
        return 0
    if args.worker:
        pin_threads(args.threads)
        run_worker(args)
        return 0
    return run_driver(args)
