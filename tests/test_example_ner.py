"""Smoke test of examples/finetune_ner.py on a small CoNLL file written here."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parents[1] / "examples"))

PEOPLE = ["Ada Lovelace", "Alan Turing", "Grace Hopper", "Herman Melville"]
PLACES = ["London", "New York", "Nantucket", "Paris"]


def conll_file(path):
    """Twenty sentences "<person> lives in <place> ." tagged in BIO, one token a line."""
    lines = []
    for index in range(20):
        person, place = PEOPLE[index % 4].split(), PLACES[(index // 4) % 4].split()
        for position, word in enumerate(person):
            lines.append(f"{word}\t{'B' if position == 0 else 'I'}-PER")
        lines += ["lives\tO", "in\tO"]
        for position, word in enumerate(place):
            lines.append(f"{word}\t{'B' if position == 0 else 'I'}-LOC")
        lines += [".\tO", ""]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_finetune_ner_smoke(tmp_path):
    from finetune_ner import main

    result = main(["--size", "smoke", "--data", str(conll_file(tmp_path / "ner.txt")),
                   "--output", str(tmp_path / "out")])
    scores, baseline = result["scores"], result["baseline"]
    assert 0 <= scores["f1"] <= 1 and 0 <= scores["accuracy"] <= 1
    assert scores["true_entities"] == 4  # 2 held-out sentences, a person and a place each
    assert baseline["f1"] == 0.0 and baseline["predicted_entities"] == 0
    assert (tmp_path / "out" / "preset.json").is_file()
