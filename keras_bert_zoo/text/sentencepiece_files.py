"""The files of an ALBERT tokenizer: spiece.model (a SentencePiece Unigram model), tokenizer.json
and tokenizer_config.json, read and written as Hugging Face does.

Plain Python, JSON and protocol buffers (no TensorFlow): `AlbertTokenizer` reads its model through
`read_model`; `tokenizer_files` tells what a Hugging Face directory holds (the file and the
options), for `AlbertTokenizer.from_hf_dir` and a checkpoint reader alike; `tokenizer_config` is
its inverse for the exporter. A tokenizer.json holds no spiece.model, but all that the tokenizer
runs on: the pieces, their scores, the added tokens and the character map, from which
`read_model` builds the equivalent SentencePiece model.
"""

import base64
import binascii
import json
import os
import pathlib

from keras_bert_zoo.text.hf_files import load_json

# ALBERT's special tokens, by their role.
SPECIAL_TOKENS = {"start": "[CLS]", "end": "[SEP]", "pad": "<pad>", "mask": "[MASK]", "unknown": "<unk>"}
SPIECE_FILE, TOKENIZER_FILE, CONFIG_FILE = "spiece.model", "tokenizer.json", "tokenizer_config.json"
FILE_SETS = (SPIECE_FILE, TOKENIZER_FILE)  # in order of preference; what an error names when a directory has none
# `ModelProto.SentencePiece.Type` values; `UNIGRAM` is `TrainerSpec.ModelType`'s.
NORMAL, UNKNOWN, CONTROL, USER_DEFINED = 1, 2, 3, 4
UNIGRAM = 1


def model_pb2():
    """The `sentencepiece_model_pb2` module of the `sentencepiece` package (its protocol buffers)."""
    try:
        from sentencepiece import sentencepiece_model_pb2
    except ImportError as error:
        raise ImportError("ALBERT's tokenizer needs the `sentencepiece` package (pip install sentencepiece).") \
            from error
    return sentencepiece_model_pb2


def read_model(proto):
    """The SentencePiece `ModelProto` of `proto`: the path of a spiece.model or of a Hugging Face
    tokenizer.json (Unigram), the serialized model (bytes), or those bytes base64-encoded (str)."""
    if isinstance(proto, (bytes, bytearray)):
        data, source = bytes(proto), "The given bytes are"
    elif isinstance(proto, (str, os.PathLike)):
        path = os.fspath(proto)
        if os.path.isfile(path):
            if path.endswith(".json"):
                return _model_from_tokenizer_json(load_json(path, "tokenizer"), path)
            data, source = pathlib.Path(path).read_bytes(), f"{path!r} is"
        else:
            try:  # the form `AlbertTokenizer.get_config` gives
                data, source = base64.b64decode(path, validate=True), "The base64 string is"
            except (binascii.Error, ValueError):
                raise ValueError(f"SentencePiece model file not found: {path!r}") from None
    else:
        raise TypeError(f"`proto` must be a spiece.model or tokenizer.json path, or a serialized SentencePiece "
                        f"model (bytes), got {proto!r:.80}")
    model = model_pb2().ModelProto()
    try:
        model.ParseFromString(data)
    except Exception as error:  # protobuf's DecodeError, whose module path varies by implementation
        raise ValueError(f"{source} not a SentencePiece model ({error}).") from None
    if not model.pieces:
        raise ValueError(f"{source} not a SentencePiece model (it has no pieces).")
    if model.trainer_spec.model_type != UNIGRAM:
        kind = model_pb2().TrainerSpec.ModelType.Name(model.trainer_spec.model_type)
        raise ValueError(f"{source} a SentencePiece {kind} model; ALBERT's tokenizer is a UNIGRAM model.")
    return model


def _unigram(tokenizer, path):
    """The Unigram model of a tokenizer.json, checked to be one `AlbertTokenizer` reproduces."""
    model = tokenizer.get("model") or {}
    vocab = model.get("vocab")
    if model.get("type") != "Unigram" or model.get("byte_fallback") or not isinstance(vocab, list) or not vocab \
            or not isinstance(model.get("unk_id"), int):
        raise ValueError(f"{os.fspath(path)!r} holds no Unigram model that AlbertTokenizer reproduces: it has type "
                         f"{model.get('type')!r}, byte_fallback {model.get('byte_fallback')!r}, unk_id "
                         f"{model.get('unk_id')!r}; AlbertTokenizer a Unigram model with a vocabulary and an "
                         f"unknown token, without byte fallback.")
    return model


def _added_tokens(tokenizer, path, size):
    """id -> added token of a tokenizer.json, checked to be tokens of the model's vocabulary that are
    matched in the text as they are written (as `AlbertTokenizer` matches them)."""
    added = {token["id"]: token for token in tokenizer.get("added_tokens") or []}
    vocab = tokenizer["model"]["vocab"]
    for id, token in added.items():
        if not isinstance(id, int) or not 0 <= id < size or vocab[id][0] != token["content"]:
            raise ValueError(f"{os.fspath(path)!r} adds the token {token['content']!r} as id {id!r}, which is not "
                             f"that piece of its Unigram vocabulary.")
        if token.get("normalized") or token.get("single_word"):
            raise ValueError(f"{os.fspath(path)!r} adds {token['content']!r} as a normalized or single-word token; "
                             f"AlbertTokenizer matches its added tokens as written, anywhere.")
    return added


def _model_from_tokenizer_json(tokenizer, path):
    """The SentencePiece model of a Hugging Face tokenizer.json: its pieces and scores, the added
    tokens as control symbols (special) or user-defined symbols (the others), its character map."""
    pb2 = model_pb2()
    unigram = _unigram(tokenizer, path)
    _normalizer_options(tokenizer, path)
    vocab, unk_id = unigram["vocab"], unigram["unk_id"]
    added = _added_tokens(tokenizer, path, len(vocab))
    model = pb2.ModelProto()
    for id, (piece, score) in enumerate(vocab):
        kind = NORMAL
        if id == unk_id:
            kind = UNKNOWN
        elif id in added:
            kind = CONTROL if added[id].get("special") else USER_DEFINED
        model.pieces.add(piece=piece, score=score, type=kind)
    pieces = [piece for piece, _ in vocab]
    spec = model.trainer_spec
    spec.model_type, spec.vocab_size, spec.unk_id, spec.bos_id, spec.eos_id = UNIGRAM, len(vocab), unk_id, -1, -1
    spec.pad_id = pieces.index(SPECIAL_TOKENS["pad"]) if SPECIAL_TOKENS["pad"] in pieces else -1
    spec.unk_piece = pieces[unk_id]
    charsmap = _precompiled_charsmap(tokenizer)
    normalizer = model.normalizer_spec
    normalizer.name = "nmt_nfkc" if charsmap else "identity"
    normalizer.precompiled_charsmap = charsmap
    normalizer.add_dummy_prefix = normalizer.remove_extra_whitespaces = normalizer.escape_whitespaces = True
    return model


def _normalizer_steps(tokenizer):
    normalizer = tokenizer.get("normalizer") or {}
    if normalizer.get("type") == "Sequence":
        return normalizer.get("normalizers") or []
    return [normalizer] if normalizer else []


def _precompiled_charsmap(tokenizer):
    for step in _normalizer_steps(tokenizer):
        if step.get("type") == "Precompiled":
            return base64.b64decode(step.get("precompiled_charsmap") or "")
    return b""


def _step_name(step):
    """A normalizer step of a tokenizer.json as `AlbertTokenizer` names it, or its JSON."""
    kind, pattern, content = step.get("type"), step.get("pattern") or {}, step.get("content")
    if kind == "Replace" and pattern.get("String") in ("``", "''") and content == '"':
        return pattern["String"]
    if kind == "Replace" and pattern.get("Regex") == " {2,}" and content == " ":
        return "spaces"  # transformers 4 collapsed runs of spaces, which the words drop anyway
    return kind if kind in ("NFKD", "StripAccents", "Lowercase", "Precompiled") else json.dumps(step)[:80]


def _normalizer_options(tokenizer, path):
    """`lowercase` and `keep_accents` of a tokenizer.json's normalizer, with a ValueError for a
    normalizer or a pre-tokenizer that `AlbertTokenizer` does not reproduce."""
    steps = [_step_name(step) for step in _normalizer_steps(tokenizer)]
    options = {"lowercase": "Lowercase" in steps, "keep_accents": "NFKD" not in steps}
    expected = ["``", "''", *([] if options["keep_accents"] else ["NFKD", "StripAccents"]),
                *(["Lowercase"] if options["lowercase"] else []), *(["Precompiled"] if "Precompiled" in steps else [])]
    pre = tokenizer.get("pre_tokenizer") or {}
    pre = (pre.get("pretokenizers") or []) if pre.get("type") == "Sequence" else [pre]
    metaspace = pre[-1] if pre else {}
    words = [step.get("type") for step in pre] in (["WhitespaceSplit", "Metaspace"], ["Metaspace"]) and \
        metaspace.get("replacement") == "▁" and metaspace.get("split", True) and \
        metaspace.get("prepend_scheme", "always" if metaspace.get("add_prefix_space", True) else "never") == "always"
    if [step for step in steps if step != "spaces"] != expected or not words:
        raise ValueError(f"{os.fspath(path)!r} is not an ALBERT tokenizer that AlbertTokenizer reproduces: it has "
                         f"the normalizers {steps} and the pre-tokenizers {pre}; AlbertTokenizer normalizes with "
                         f"{expected} and cuts words at whitespace with a '▁' in front of each (WhitespaceSplit, "
                         f"Metaspace).")
    return options


def tokenizer_files(directory):
    """`(files, options)` of a Hugging Face ALBERT tokenizer directory, or None when it has neither
    spiece.model nor tokenizer.json.

    `files` maps the `AlbertTokenizer` argument to the file: `{"proto": "spiece.model"}` (which
    holds the whole SentencePiece model), else `{"proto": "tokenizer.json"}` (transformers 5 saves
    only that). `options` (`lowercase`, `keep_accents`) come from tokenizer_config.json's
    `do_lower_case` and `keep_accents`, which transformers' AlbertTokenizer builds its normalizer
    from; else from tokenizer.json's normalizer; else ALBERT's defaults (lowercase, no accents).
    A tokenizer.json that `AlbertTokenizer` does not reproduce is a ValueError naming what differs.
    """
    directory = pathlib.Path(directory)
    names = [name for name in FILE_SETS if (directory / name).is_file()]
    if not names:
        return None
    config_path = directory / CONFIG_FILE
    config = load_json(config_path, "tokenizer config") if config_path.is_file() else {}
    found = {"lowercase": True, "keep_accents": False}
    if TOKENIZER_FILE in names:
        path = directory / TOKENIZER_FILE
        tokenizer = load_json(path, "tokenizer")
        _unigram(tokenizer, path)
        found = _normalizer_options(tokenizer, path)
    return {"proto": names[0]}, {"lowercase": bool(config.get("do_lower_case", found["lowercase"])),
                                 "keep_accents": bool(config.get("keep_accents", found["keep_accents"]))}


def tokenizer_config(options, model_max_length):
    """The tokenizer_config.json of an `AlbertTokenizer` with `options` (its config): what
    `tokenizer_files` reads back, and what `transformers.AutoTokenizer` builds the same ALBERT
    tokenizer from next to spiece.model."""
    return {"tokenizer_class": "AlbertTokenizer", "do_lower_case": options["lowercase"],
            "keep_accents": options["keep_accents"], "bos_token": SPECIAL_TOKENS["start"],
            "cls_token": SPECIAL_TOKENS["start"], "eos_token": SPECIAL_TOKENS["end"],
            "sep_token": SPECIAL_TOKENS["end"], "unk_token": SPECIAL_TOKENS["unknown"],
            "pad_token": SPECIAL_TOKENS["pad"], "mask_token": SPECIAL_TOKENS["mask"],
            "model_max_length": model_max_length}
