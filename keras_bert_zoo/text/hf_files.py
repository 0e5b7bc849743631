"""What a Hugging Face BERT tokenizer directory says: its vocabulary and its options (both ways).

Plain JSON (no TensorFlow); `BertTokenizer.from_hf_dir` and the checkpoint reader
(`convert.hf_import`) both go through `tokenizer_files`, and the exporter through
`tokenizer_config`, its inverse.
"""

import json
import os
import pathlib


def load_json(path, what):
    """The JSON of the file `path`; a ValueError naming it (a `what` file) when it holds no JSON.
    Every tokenizer-files module reads its Hugging Face files through it."""
    try:
        return json.loads(pathlib.Path(path).read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise ValueError(f"{os.fspath(path)!r} is not a JSON {what.lower()} file ({error}).") from None


def _read_json(path):
    path = pathlib.Path(path)
    return json.loads(path.read_text("utf-8")) if path.is_file() else {}


def wordpiece_vocabulary(path):
    """The tokens, in id order, of the WordPiece model of a Hugging Face tokenizer.json."""
    model = _read_json(path).get("model") or {}
    vocab = model.get("vocab")
    if model.get("type", "WordPiece") != "WordPiece" or not isinstance(vocab, dict) \
            or sorted(vocab.values()) != list(range(len(vocab))):
        raise ValueError(f"{os.fspath(path)!r} holds no WordPiece vocabulary (model type "
                         f"{model.get('type')!r}).")
    return sorted(vocab, key=vocab.get)


# Where a Hugging Face BERT directory keeps its vocabulary, in order of preference.
VOCABULARY_FILES = ("vocab.txt", "tokenizer.json")
FILE_SETS = VOCABULARY_FILES  # what an error names when a directory has none


def tokenizer_files(directory):
    """({"vocabulary": file name}, `BertTokenizer` options) of a Hugging Face BERT tokenizer
    directory, or None when it has neither vocab.txt nor tokenizer.json (transformers 5 saves only
    the latter).

    The options are those of tokenizer.json's BertNormalizer and WordPiece model (what the
    `tokenizers` library runs); tokenizer_config.json's keys fill in what it lacks (a transformers 5
    tokenizer_config.json may hold no `do_lower_case`), then Hugging Face's defaults. A tokenizer
    that `BertTokenizer` cannot reproduce is a ValueError naming what differs.
    """
    directory = pathlib.Path(directory)
    names = [name for name in VOCABULARY_FILES if (directory / name).is_file()]
    if not names:
        return None
    config, tokenizer = _read_json(directory / "tokenizer_config.json"), _read_json(directory / "tokenizer.json")
    normalizer, model = tokenizer.get("normalizer") or {}, tokenizer.get("model") or {}
    found = {"normalizer": normalizer.get("type", "BertNormalizer"), "clean_text": normalizer.get("clean_text", True),
             "continuing_subword_prefix": model.get("continuing_subword_prefix", "##")}
    wanted = {"normalizer": "BertNormalizer", "clean_text": True, "continuing_subword_prefix": "##"}
    if found != wanted:
        raise ValueError(f"{directory / 'tokenizer.json'} is not a tokenizer that BertTokenizer reproduces: "
                         f"it has {found}, BertTokenizer {wanted}.")
    unk = model.get("unk_token") or config.get("unk_token") or "[UNK]"
    return {"vocabulary": names[0]}, {
        "lowercase": bool(normalizer.get("lowercase", config.get("do_lower_case", True))),
        "strip_accents": normalizer.get("strip_accents", config.get("strip_accents")),
        "tokenize_chinese_chars": bool(normalizer.get("handle_chinese_chars",
                                                      config.get("tokenize_chinese_chars", True))),
        "unknown_token": unk["content"] if isinstance(unk, dict) else unk,  # dict: an AddedToken
        "max_chars_per_word": int(model.get("max_input_chars_per_word", 100)),
    }


def tokenizer_config(options, model_max_length):
    """The tokenizer_config.json of a `BertTokenizer` with `options` (its config): what
    `tokenizer_files` reads back, and what `transformers.AutoTokenizer` builds a BertTokenizer from
    next to vocab.txt."""
    return {"tokenizer_class": "BertTokenizer", "do_lower_case": options["lowercase"],
            "strip_accents": options["strip_accents"], "tokenize_chinese_chars": options["tokenize_chinese_chars"],
            "unk_token": options["unknown_token"], "sep_token": "[SEP]", "pad_token": "[PAD]",
            "cls_token": "[CLS]", "mask_token": "[MASK]", "model_max_length": model_max_length}
