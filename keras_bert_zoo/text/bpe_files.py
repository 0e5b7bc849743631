"""The files of a byte-level BPE (RoBERTa) tokenizer: vocab.json, merges.txt, tokenizer.json and
tokenizer_config.json, read and written as Hugging Face does.

Plain JSON and text (no TensorFlow). `RobertaTokenizer` reads its vocabulary and merges through
`read_vocabulary` / `read_merges`; `tokenizer_files` tells what a Hugging Face directory holds
(the files and the options), for `RobertaTokenizer.from_hf_dir` and a checkpoint reader alike;
`tokenizer_config` is its inverse for the exporter.
"""

import json
import os
import pathlib

from keras_bert_zoo.text.hf_files import load_json

# RoBERTa's special tokens, by their role.
SPECIAL_TOKENS = {"start": "<s>", "end": "</s>", "pad": "<pad>", "mask": "<mask>", "unknown": "<unk>"}
VOCABULARY_FILE, MERGES_FILE, TOKENIZER_FILE = "vocab.json", "merges.txt", "tokenizer.json"
MERGES_HEADER = "#version: 0.2"
FILE_SETS = (TOKENIZER_FILE, f"{VOCABULARY_FILE} + {MERGES_FILE}")  # what an error names when a directory has none


def _check_path(path, what):
    if not os.path.isfile(path):
        raise ValueError(f"{what} file not found: {os.fspath(path)!r}")


def read_vocabulary(vocabulary):
    """The tokens in id order, from a token -> id dict or the path of a vocab.json or tokenizer.json."""
    if isinstance(vocabulary, (str, os.PathLike)):
        _check_path(vocabulary, "Vocabulary")
        loaded = load_json(vocabulary, "Vocabulary")
        if not isinstance(loaded, dict):
            raise ValueError(f"{os.fspath(vocabulary)!r} holds no vocabulary (a JSON object token -> id).")
        vocabulary = _tokenizer_json_vocabulary(loaded, vocabulary) if "model" in loaded else loaded
    if not isinstance(vocabulary, dict):
        raise TypeError(f"`vocabulary` must be a vocab.json or tokenizer.json path or a dict token -> id, "
                        f"got {vocabulary!r:.80}")
    bad = next(((t, i) for t, i in vocabulary.items()
                if not isinstance(t, str) or not t or isinstance(i, bool) or not isinstance(i, int)), None)
    if bad:
        raise ValueError(f"Vocabulary entries must be non-empty str -> int, found {bad[0]!r} -> {bad[1]!r}.")
    if not vocabulary:
        raise ValueError("The vocabulary is empty.")
    tokens = sorted(vocabulary, key=vocabulary.get)
    if [vocabulary[t] for t in tokens] != list(range(len(tokens))):
        gap = next(i for i, t in enumerate(tokens) if vocabulary[t] != i)
        found = vocabulary[tokens[gap]]
        raise ValueError(f"Vocabulary ids must be 0, 1, ..., {len(tokens) - 1}, each once: "
                         + (f"id {gap} is missing." if found > gap else f"id {found} is repeated."))
    return tokens


def read_merges(merges):
    """The merge rules, as (left, right) pairs in rank order, from a merges.txt path, a list of
    "left right" strings or of pairs, or a tokenizer.json path."""
    if isinstance(merges, (str, os.PathLike)):
        _check_path(merges, "Merges")
        path = os.fspath(merges)
        if path.endswith(".json"):
            loaded = load_json(path, "Tokenizer")
            if not isinstance(loaded, dict) or "model" not in loaded:
                raise ValueError(f"{path!r} is not a tokenizer.json (it has no model); give the merges (merges.txt) "
                                 f"as `merges`.")
            return read_merges(_tokenizer_json_model(loaded, path).get("merges", []))
        lines = pathlib.Path(path).read_text(encoding="utf-8").split("\n")
        # The "#version" header of GPT-2's and RoBERTa's files is not a rule; nor is the last "".
        numbered = [(n, line.rstrip("\r")) for n, line in enumerate(lines, 1) if line.strip()]
        if numbered and numbered[0][1].startswith("#version"):
            numbered = numbered[1:]
        pairs = []
        for number, line in numbered:
            parts = line.split(" ")
            if len(parts) != 2 or not all(parts):
                raise ValueError(f"{path}:{number}: a merge rule is two tokens and one space, got {line!r:.80}")
            pairs.append(tuple(parts))
        return pairs
    if not isinstance(merges, (list, tuple)):
        raise TypeError(f"`merges` must be a merges.txt path or a list of 'a b' strings or pairs, got {merges!r:.80}")
    pairs = []
    for index, merge in enumerate(merges):
        parts = merge.split(" ") if isinstance(merge, str) else merge
        # Byte-level tokens hold no space (it is "Ġ"), so "a b" always reads back as the pair.
        if not isinstance(parts, (list, tuple)) or len(parts) != 2 or not all(
                isinstance(p, str) and p and " " not in p for p in parts):
            raise ValueError(f"Merge rule {index} must be 'a b' or a pair of non-empty str without spaces, got "
                             f"{merge!r:.80}")
        pairs.append(tuple(parts))
    return pairs


def _tokenizer_json_model(tokenizer, path):
    """The BPE model of a tokenizer.json, checked to be one `RobertaTokenizer` reproduces."""
    model = tokenizer.get("model") or {}
    found = {"model": model.get("type"), "dropout": model.get("dropout"),
             "continuing_subword_prefix": model.get("continuing_subword_prefix") or "",
             "end_of_word_suffix": model.get("end_of_word_suffix") or "",
             "byte_fallback": bool(model.get("byte_fallback")), "ignore_merges": bool(model.get("ignore_merges"))}
    wanted = {"model": "BPE", "dropout": None, "continuing_subword_prefix": "", "end_of_word_suffix": "",
              "byte_fallback": False, "ignore_merges": False}
    if found != wanted or not isinstance(model.get("vocab"), dict):
        raise ValueError(f"{os.fspath(path)!r} holds no byte-level BPE model that RobertaTokenizer reproduces: it "
                         f"has {found}, RobertaTokenizer {wanted}.")
    return model


def _tokenizer_json_vocabulary(tokenizer, path):
    """The model's vocabulary plus the added (special) tokens, which may lie outside it."""
    vocabulary = dict(_tokenizer_json_model(tokenizer, path)["vocab"])
    for added in tokenizer.get("added_tokens") or []:
        vocabulary.setdefault(added["content"], added["id"])
    return vocabulary


def _tokenizer_json_options(tokenizer, path):
    """`RobertaTokenizer` options of a tokenizer.json; ValueError for what it cannot reproduce."""
    _tokenizer_json_model(tokenizer, path)
    pre = tokenizer.get("pre_tokenizer") or {}
    if tokenizer.get("normalizer") or pre.get("type") != "ByteLevel" or not pre.get("use_regex", True):
        raise ValueError(f"{os.fspath(path)!r} is not a byte-level BPE tokenizer that RobertaTokenizer reproduces: "
                         f"it has normalizer {tokenizer.get('normalizer')!r} and pre-tokenizer {pre!r}; "
                         f"RobertaTokenizer has none and ByteLevel with GPT-2's regex.")
    added = {token["content"]: token for token in tokenizer.get("added_tokens") or []}
    unexpected = sorted(set(added) - set(SPECIAL_TOKENS.values()))
    stripping = sorted(t for t, token in added.items() if token.get("rstrip") or token.get("single_word")
                       or (token.get("lstrip") and t != SPECIAL_TOKENS["mask"]))
    if unexpected or stripping:
        raise ValueError(f"{os.fspath(path)!r} adds tokens RobertaTokenizer does not reproduce: "
                         f"{unexpected or stripping} (it reads {sorted(SPECIAL_TOKENS.values())} in text, "
                         f"only {SPECIAL_TOKENS['mask']!r} taking the spaces before it).")
    mask = added.get(SPECIAL_TOKENS["mask"], {})
    return {"add_prefix_space": bool(pre.get("add_prefix_space", False)),
            "mask_token_lstrip": bool(mask.get("lstrip", True))}


def _config_mask_lstrip(config):
    """Whether tokenizer_config.json makes `<mask>` take the spaces before it (True when unsaid)."""
    for entry in (config.get("added_tokens_decoder") or {}).values():
        if isinstance(entry, dict) and entry.get("content") == SPECIAL_TOKENS["mask"]:
            return bool(entry.get("lstrip", True))
    mask = config.get("mask_token")
    return bool(mask.get("lstrip", True)) if isinstance(mask, dict) else True


def tokenizer_files(directory):
    """`(files, options)` of a Hugging Face byte-level BPE tokenizer directory, or None when it has
    neither tokenizer.json nor vocab.json with merges.txt.

    `files` maps `RobertaTokenizer` arguments to file names: `{"vocabulary": "tokenizer.json"}`
    (transformers 5 saves only that; it is what transformers loads first) or
    `{"vocabulary": "vocab.json", "merges": "merges.txt"}`. `options` (`add_prefix_space`,
    `mask_token_lstrip`) come from tokenizer.json, else tokenizer_config.json, else RoBERTa's
    defaults (no prefix space; `<mask>` takes the spaces before it, as RoBERTa's published
    tokenizer and transformers 4 do).
    """
    directory = pathlib.Path(directory)
    config_path = directory / "tokenizer_config.json"
    config = load_json(config_path, "Tokenizer config") if config_path.is_file() else {}
    if (directory / TOKENIZER_FILE).is_file():
        path = directory / TOKENIZER_FILE
        options = _tokenizer_json_options(load_json(path, "Tokenizer"), path)
        return {"vocabulary": TOKENIZER_FILE}, options
    if (directory / VOCABULARY_FILE).is_file() and (directory / MERGES_FILE).is_file():
        options = {"add_prefix_space": bool(config.get("add_prefix_space", False)),
                   "mask_token_lstrip": _config_mask_lstrip(config)}
        return {"vocabulary": VOCABULARY_FILE, "merges": MERGES_FILE}, options
    return None


def write_files(directory, tokens, merges):
    """Writes `directory/vocab.json` (token -> id) and `directory/merges.txt` (with GPT-2's header);
    returns their record for a preset, `{"vocabulary": "vocab.json", "merges": "merges.txt"}`."""
    directory = pathlib.Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    vocabulary = json.dumps({token: i for i, token in enumerate(tokens)}, ensure_ascii=False)
    (directory / VOCABULARY_FILE).write_text(vocabulary + "\n", encoding="utf-8")
    lines = [MERGES_HEADER, *(f"{a} {b}" for a, b in merges)]
    (directory / MERGES_FILE).write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    return {"vocabulary": VOCABULARY_FILE, "merges": MERGES_FILE}


def tokenizer_config(options, model_max_length):
    """The tokenizer_config.json of a `RobertaTokenizer` with `options`: what `tokenizer_files` reads
    back, and what `transformers.AutoTokenizer` builds the same RoBERTa tokenizer from next to
    vocab.json and merges.txt (the mask token as an AddedToken, for its `lstrip`)."""
    mask = {"__type": "AddedToken", "content": SPECIAL_TOKENS["mask"], "lstrip": options["mask_token_lstrip"],
            "rstrip": False, "normalized": False, "single_word": False, "special": True}
    return {"tokenizer_class": "RobertaTokenizer", "add_prefix_space": options["add_prefix_space"],
            "trim_offsets": True, "errors": "replace", "bos_token": SPECIAL_TOKENS["start"],
            "cls_token": SPECIAL_TOKENS["start"], "eos_token": SPECIAL_TOKENS["end"],
            "sep_token": SPECIAL_TOKENS["end"], "unk_token": SPECIAL_TOKENS["unknown"],
            "pad_token": SPECIAL_TOKENS["pad"], "mask_token": mask, "model_max_length": model_max_length}
