"""Run the test suite once per Keras backend (TensorFlow, JAX, PyTorch).

    python tests/run_all_backends.py [pytest arguments]

Each backend runs in its own process because Keras fixes the backend at
import. Exits non-zero if any backend fails.
"""

import os
import subprocess
import sys
import time

BACKENDS = ("tensorflow", "jax", "torch")


def main(pytest_args):
    results = {}
    for backend in BACKENDS:
        print(f"\n===== KERAS_BACKEND={backend} =====", flush=True)
        start = time.time()
        env = {**os.environ, "KERAS_BACKEND": backend}
        code = subprocess.call([sys.executable, "-m", "pytest", "-q", *pytest_args], env=env)
        results[backend] = (code, time.time() - start)
    print("\n===== summary =====")
    for backend, (code, seconds) in results.items():
        print(f"{backend:<11} {'passed' if code == 0 else f'FAILED (exit {code})'} in {seconds:.0f} s")
    return max(code for code, _ in results.values())


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
