"""Run the test suite once per Keras backend (TensorFlow, JAX, PyTorch).

    python tests/run_all_backends.py [pytest arguments]

Each backend runs in its own process because Keras fixes the backend at
import. The three processes run at the same time (much of a test's time is
single-threaded Python and tracing, so a small machine's cores are better
used that way); each one's output is printed when it ends. Tests marked
`once` (tokenization, data readers, metrics, the README, the examples and the
CLI: see tests/conftest.py) run once: under torch, whose own tests end first (no
tracing or XLA compilation), except those also marked `once_on_tensorflow`
(tokenization, readers, metrics: TensorFlow or numpy code whatever the backend),
which go to tensorflow; this evens out the three processes. Exits non-zero if any
backend fails.
"""

import os
import subprocess
import sys
import tempfile
import time

BACKENDS = ("tensorflow", "jax", "torch")
# Which of the tests marked `once` (backend-independent) each backend runs.
ONCE_SHARE = {"tensorflow": ["-m", "not once or once_on_tensorflow"], "jax": ["-m", "not once"],
              "torch": ["-m", "not once_on_tensorflow"]}


def main(pytest_args):
    runs = {}
    with tempfile.TemporaryDirectory() as logs:
        for backend in BACKENDS:
            env = {**os.environ, "KERAS_BACKEND": backend}
            log = open(os.path.join(logs, f"{backend}.log"), "w+")
            process = subprocess.Popen([sys.executable, "-m", "pytest", "-q", *ONCE_SHARE[backend], *pytest_args],
                                       env=env, stdout=log, stderr=subprocess.STDOUT)
            runs[backend] = (process, log, time.time())
        results = {}
        while len(results) < len(runs):  # note each backend's time when it ends, not when read
            for backend, (process, _, start) in runs.items():
                if backend not in results and process.poll() is not None:
                    results[backend] = (process.returncode, time.time() - start)
            time.sleep(1)
        for backend, (_, log, _) in runs.items():
            log.seek(0)
            print(f"\n===== KERAS_BACKEND={backend} =====\n{log.read()}", flush=True)
            log.close()
    print("\n===== summary =====")
    for backend, (code, seconds) in results.items():
        print(f"{backend:<11} {'passed' if code == 0 else f'FAILED (exit {code})'} in {seconds:.0f} s")
    return max(code for code, _ in results.values())


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
