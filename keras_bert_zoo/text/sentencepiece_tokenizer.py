"""ALBERT's SentencePiece (Unigram) tokenizer on tensorflow-text, with transformers' ids and offsets.

As in `transformers.AlbertTokenizer` (transformers 5; the `tokenizers` library): the added tokens
(the special tokens "[CLS]", "[SEP]", "[MASK]", "<pad>", "<unk>" and the model's other control
symbols, and its user-defined symbols, ALBERT's "(", ")", '"', "-", ".", "–", "£" and "€") are
split out of the text first, as they are written. Each other part is normalized ("``" and "''"
become '"'; unless `keep_accents`, NFKD with the marks removed; with `lowercase`, lowercasing; then
the model's own character map, NFKC for ALBERT), cut into words at whitespace, and each word, with
"▁" in front, is segmented by the Unigram model (a run of unknown characters is one `<unk>`).

Here the first normalization steps run per character on TensorFlow ops, so that every normalized
byte traces back to its source character (for offsets); whitespace, and "▁" (on which the words
are cut too), become " ". tensorflow-text's `SentencepieceTokenizer` (the `sentencepiece` library)
then applies the character map, the words and the Unigram model.

Where this differs from transformers (compared on every code point):
* Lowercasing runs on ICU's tables, which leave about 95 capitals of Unicode 14 and 16 as they
  are (U+2C2F, U+A7C0, U+A7CB, U+10570-10595, U+10D50-10D65, U+16EA0-16EB8...) that transformers
  lowercases: their ids differ where the vocabulary holds their lowercase letters (ALBERT's does
  not). NFKD and accent stripping follow transformers' older tables (`_UNDECOMPOSED`).
* With `keep_accents`, offsets around characters that the character map composes or expands:
  "e" + U+0301, composed to "é", spans both characters here, only the "e" in transformers; a piece
  that starts before a character the map expands and ends inside it ("aŀ" -> "al" "·") ends
  before that character here (SentencePiece's offsets), after it in transformers. Ids are equal.
* An added token that transformers strips the whitespace around (`lstrip`, as the tokenizer.json
  files that transformers 4 saved have it for "[MASK]"): the ids are the same (whitespace gives
  no piece), but transformers' span of the token takes in that whitespace, this one does not.
"""

import base64
import re
import types

import keras

from keras_bert_zoo.text import sentencepiece_files
from keras_bert_zoo.text.packer import SegmentLayout
from keras_bert_zoo.text.tokenizer import _char_class, _tf, to_string_tensor
from keras_bert_zoo.text.tokenizer_base import Tokenizer

SPECIALS = sentencepiece_files.SPECIAL_TOKENS
_METASPACE = "▁"  # SentencePiece's character for a space: pieces that begin a word start with it
# Unicode's White_Space (Rust's `char::is_whitespace`), where transformers cuts words after normalization.
_WHITE_SPACE = ("\t\n\x0b\x0c\r \x85\xa0\u1680" + "".join(map(chr, range(0x2000, 0x200B)))
                + "\u2028\u2029\u202f\u205f\u3000")
WORD_BREAK = f"[{_WHITE_SPACE}{_METASPACE}]"  # what `normalize_characters` makes spaces by default
# The characters that the `tokenizers` library's older Unicode tables neither decompose (NFKD) nor
# strip as marks, and TensorFlow's do: they are kept as they are. And two that were marks (Mc)
# before Unicode 15 and are stripped there.
_UNDECOMPOSED = "[%s]" % _char_class(
    "7FD 898-89F 8CA-8D3 9FE AFA-AFF B55 C04 C3C CF3 D00 D3B-D3C D81 EBA ECE 1715 180F 1ABF-1ACE 1CF7 1DF6-1DFA "
    "32FF A7F2-A7F4 A82C A8FF AB69 105C9 105E4 10781-10785 10787-107B0 107B2-107BA 10D24-10D27 10EAB-10EAC "
    "10EFD-10EFF 10F46-10F50 10F82-10F85 11070 11073-11074 110C2 11145-11146 111C9 111CE-111CF 11241 1133B 11383 "
    "11385 1138E 11391 113C5 113C7-113C8 1145E 1182C-1183A 11930-11935 11937-11938 1193B-1193E 11940 11942-11943 "
    "119D1-119D7 119DA-119E0 119E4 11A01-11A0A 11A33-11A39 11A3B-11A3E 11A47 11A51-11A5B 11A8A-11A99 11D31-11D36 "
    "11D3A 11D3C-11D3D 11D3F-11D45 11D47 11D8A-11D8E 11D90-11D91 11D93-11D97 11EF3-11EF6 11F00-11F01 11F03 "
    "11F34-11F3A 11F3E-11F42 13440 13447-13455 16121-16128 16D68-16D6A 16F4F 16F7F-16F87 16FE4 16FF0-16FF1 "
    "1CCD6-1CCF9 1CF00-1CF2D 1CF30-1CF46 1E030-1E06D 1E08F 1E130-1E136 1E2AE 1E2EC-1E2EF 1E4EC-1E4EF 1F16C "
    "1FBF0-1FBF9")
_MARK = r"[\p{M}\x{1CF2}\x{1CF3}]"
# Pieces that begin a word in ALBERT's whole-word masking (its create_pretraining_data.py) besides
# those starting with "▁": ASCII punctuation.
_PUNCTUATION = frozenset("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~")


@keras.saving.register_keras_serializable(package="keras_bert_zoo")
class AlbertTokenizer(Tokenizer):
    """ALBERT's SentencePiece (Unigram) tokenizer on tensorflow-text.

    Gives the ids of `transformers.AlbertTokenizer.from_pretrained(...)(text,
    add_special_tokens=False)` and its offsets, and packs `[CLS] a [SEP] b [SEP]`.

    Args:
        proto: the SentencePiece model: the path of a spiece.model, or of a Hugging Face
            tokenizer.json holding a Unigram model; or the serialized model (bytes, or base64 as
            `get_config` gives it). Its vocabulary must hold "<pad>", "<unk>", "[CLS]", "[SEP]"
            and "[MASK]".
        lowercase: lowercase the text (transformers' `do_lower_case`).
        keep_accents: keep accents; otherwise the text is NFKD-decomposed and its marks removed.

    Example:
    >>> tokenizer = AlbertTokenizer("spiece.model")
    >>> ids = tokenizer(["Call me Ishmael."])  # int32 RaggedTensor, one row per text
    >>> tokenizer.detokenize(ids)
    ['call me ishmael.']
    """

    def __init__(self, proto, lowercase=True, keep_accents=False):
        for arg, value in (("lowercase", lowercase), ("keep_accents", keep_accents)):
            if not isinstance(value, bool):
                raise TypeError(f"`{arg}` must be a bool, got {value!r}")
        model = sentencepiece_files.read_model(proto)
        self._proto = model.SerializeToString()
        self._vocabulary = [piece.piece for piece in model.pieces]
        self._ids = {token: i for i, token in enumerate(self._vocabulary)}  # SentencePiece's pieces are distinct
        missing = [token for token in SPECIALS.values() if token not in self._ids]
        if missing:
            raise ValueError(f"The SentencePiece vocabulary lacks {missing}; ALBERT needs the tokens "
                             f"{list(SPECIALS.values())}.")
        # What transformers adds to its Unigram model and splits out of the text as written.
        added = (sentencepiece_files.UNKNOWN, sentencepiece_files.CONTROL, sentencepiece_files.USER_DEFINED)
        self._added = sorted({*SPECIALS.values(), *(piece.piece for piece in model.pieces if piece.type in added)},
                             key=lambda token: (-len(token), token))  # longest first, as transformers matches
        self.lowercase, self.keep_accents = lowercase, keep_accents
        self._resources = None  # built on first use: construction needs no TensorFlow

    start_token_id = property(lambda self: self._ids[SPECIALS["start"]])
    end_token_id = property(lambda self: self._ids[SPECIALS["end"]])
    pad_token_id = property(lambda self: self._ids[SPECIALS["pad"]])
    mask_token_id = property(lambda self: self._ids[SPECIALS["mask"]])
    unk_token_id = property(lambda self: self._ids[SPECIALS["unknown"]])
    layout = property(lambda self: SegmentLayout(self.start_token_id, self.end_token_id, ()))
    proto = property(lambda self: self._proto)  # the serialized SentencePiece model
    HF_FILES = sentencepiece_files

    def word_starts(self):
        """Per vocabulary id: whether the token begins a word: it starts with "▁", or it is an added
        token (special or user-defined, which the text is split at), or an ASCII punctuation mark
        (as ALBERT's whole-word masking has it)."""
        added = set(self._added)
        return [token.startswith(_METASPACE) or token in added or token in _PUNCTUATION
                for token in self._vocabulary]

    def tokenize_with_offsets(self, inputs):
        """(ids, starts, ends), int32, shaped like `__call__`'s output. Offsets count code points of
        the original string: `text[start:end]` is the source span of a token, without the spaces
        before it; a lone "▁" spans the first character of the word it begins, as in transformers."""
        tf, _ = _tf()
        inputs = to_string_tensor(inputs)
        outputs = self._encode(inputs[None] if inputs.shape.rank == 0 else inputs)
        return tuple(tf.cast(t.values if inputs.shape.rank == 0 else t, tf.int32) for t in outputs)

    def _model(self):
        """The model as it runs here (`_runtime_proto`) and the regex of the characters to read as
        spaces, made once."""
        if self._resources is None:
            import sentencepiece

            proto = self._runtime_proto()
            # SentencePiece cuts words at spaces only, transformers at any whitespace that the
            # character map keeps (NFKC keeps U+0085), and at "▁": those become spaces first.
            processor = sentencepiece.SentencePieceProcessor(model_proto=proto)
            kept = [c for c in _WHITE_SPACE if c != " " and processor.normalize(f"a{c}a") == f"{_METASPACE}a{c}a"]
            self._resources = types.SimpleNamespace(proto=proto, word_break=f"[{''.join(kept)}{_METASPACE}]")
        return self._resources

    def _runtime_proto(self):
        """The model as transformers runs it, whatever its own settings: a "▁" in front of the text,
        whitespace stripped and collapsed (transformers drops it when cutting words), no byte
        fallback."""
        model = sentencepiece_files.model_pb2().ModelProto.FromString(self._proto)
        normalizer = model.normalizer_spec
        normalizer.add_dummy_prefix = normalizer.remove_extra_whitespaces = normalizer.escape_whitespaces = True
        model.trainer_spec.treat_whitespace_as_suffix = model.trainer_spec.byte_fallback = False
        return model.SerializeToString()

    def _encode(self, text):
        """Ragged (batch, None) int64 (ids, starts, ends) of a 1-D string tensor."""
        tf, tf_text = _tf()
        # The added tokens are split out first. regex_split stops at a NUL byte: the split runs on a
        # copy with U+0001 in its place (the same length), and the parts are read from the text.
        pattern = "|".join(re.escape(token) for token in self._added)
        split, split_starts, split_ends = tf_text.regex_split_with_offsets(
            tf.strings.regex_replace(text, "\x00", "\x01"), pattern, pattern)
        row, start = split.value_rowids(), split_starts.flat_values
        source = tf.gather(text, row)
        part = tf.strings.substr(source, start, split_ends.flat_values - start)
        match = tf.equal(part[:, None], tf.constant(self._added)[None, :])
        special = tf.reduce_any(match, axis=1)
        before = tf.strings.substr(source, tf.zeros_like(start), start)
        first = tf.cast(tf.strings.length(before, unit="UTF8_CHAR"), tf.int64)  # each part's first character

        # Per part: its tokens, or its added token; then per text.
        ids, starts, ends = self._encode_parts(tf.where(special, "", part))
        shift = tf.gather(first, ids.value_rowids())
        per_part = ids.with_flat_values(tf.stack([tf.cast(ids.flat_values, tf.int64), starts.flat_values + shift,
                                                   ends.flat_values + shift], 1))
        which = tf.argmax(tf.cast(tf.boolean_mask(match, special), tf.int32), axis=1, output_type=tf.int64)
        special_id = tf.gather(tf.constant([self._ids[token] for token in self._added], tf.int64), which)
        special_start = tf.boolean_mask(first, special)
        special_end = special_start + tf.gather(tf.constant([len(token) for token in self._added], tf.int64), which)
        singles = tf.RaggedTensor.from_row_lengths(tf.stack([special_id, special_start, special_end], 1),
                                                   tf.cast(special, tf.int64))
        parts = tf.concat([per_part, singles], axis=1)
        rows = tf.RaggedTensor.from_value_rowids(parts, row, tf.size(text, tf.int64)).merge_dims(1, 2)
        return tuple(rows.with_flat_values(rows.flat_values[:, i]) for i in range(3))

    def _encode_parts(self, parts):
        """Ragged (parts, None) ids and int64 code-point offsets of parts of texts without added
        tokens."""
        tf, tf_text = _tf()
        model = self._model()
        # Made in the current context each time, not once eagerly: its model lives in the op's kernel,
        # which `tf.random.set_seed` (clearing TensorFlow's kernel cache) deletes in eager mode. In a
        # graph (`tf.function`, `tf.data`) it lives as long as the graph; eagerly it costs under 1 ms.
        tokenizer = tf_text.SentencepieceTokenizer(model.proto, out_type=tf.int32)
        chars = tf.strings.unicode_decode(parts, "UTF-8", errors="replace")
        # Per-character normalization runs on distinct characters only (string ops are slow per
        # item). A character is blank if it normalizes to nothing or to whitespace (no pieces).
        distinct, index = tf.unique(chars.flat_values)
        normalized = normalize_characters(tf.strings.unicode_encode(distinct[:, None], "UTF-8"), self.lowercase,
                                          self.keep_accents, model.word_break)
        blank = tf.gather(tf.equal(tokenizer.tokenize(normalized).row_lengths(), 0), index)
        normalized = tf.gather(normalized, index)
        dropped, quote = _quote_pairs(chars)  # "``" and "''" become '"'
        normalized = tf.where(quote, '"', tf.where(dropped, "", normalized))
        blank = (blank | dropped) & ~quote
        ids, byte_starts, byte_ends = tokenizer.tokenize_with_offsets(
            tf.strings.reduce_join(chars.with_flat_values(normalized), axis=1))
        starts, ends = _char_spans(chars.row_splits, tf.strings.length(normalized), blank, ids.value_rowids(),
                                   byte_starts.flat_values, byte_ends.flat_values)
        return ids, ids.with_flat_values(starts), ids.with_flat_values(ends)

    def detokenize(self, ids):
        """The text of the ids: the pieces joined, "▁" read as a space (the first one dropped), added
        tokens written out, `<pad>` skipped; a str, or a list of str for a batch. It is the
        normalized text (lowercased with `lowercase`) with the spaces the pieces have."""
        return self._detokenize_rows(ids, self._detokenize_row)

    def _detokenize_row(self, ids):
        pieces = [self.id_to_token(i) for i in ids if int(i) != self.pad_token_id]  # checks ids
        text = "".join(pieces).replace(_METASPACE, " ")
        return text[1:] if text.startswith(" ") else text

    def get_config(self):
        return {"proto": base64.b64encode(self._proto).decode("ascii"), "lowercase": self.lowercase,
                "keep_accents": self.keep_accents}

    def save_assets(self, directory):
        """Writes `directory/spiece.model`; returns the preset's record of it, `{"proto": "spiece.model"}`."""
        import pathlib

        path = pathlib.Path(directory) / sentencepiece_files.SPIECE_FILE
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(self._proto)
        return {"proto": path.name}


def normalize_characters(chars, lowercase, keep_accents, word_break=WORD_BREAK):
    """`AlbertTokenizer`'s normalization before the model's character map, on single characters.

    Args:
        chars: a 1-D string tensor, one character each.
        lowercase, keep_accents: as in `AlbertTokenizer`.
        word_break: the regex of the characters that become spaces: by default all whitespace and
            "▁" (the tokenizer's: "▁" and the whitespace that its character map keeps).

    Returns:
        The normalized strings (NFKD may give several characters, accent stripping none).

    Example:
        >>> normalize_characters(tf.constant(["É", "ﬁ", "\u3000"]), True, False).numpy()
        array([b'e', b'fi', b' '], dtype=object)
    """
    tf, tf_text = _tf()
    if not keep_accents:
        stripped = tf.strings.regex_replace(tf_text.normalize_utf8(chars, "NFKD"), _MARK, "")
        chars = tf.where(tf.strings.regex_full_match(chars, _UNDECOMPOSED), chars, stripped)
    if lowercase:  # (which stops at a NUL byte)
        chars = tf.where(tf.equal(chars, "\x00"), chars, tf.strings.lower(chars, encoding="utf-8"))
    return tf.strings.regex_replace(chars, word_break, " ")


def _char_spans(row_splits, char_bytes, blank, part, byte_starts, byte_ends):
    """Tokens' byte spans in their normalized parts -> (start, end), int64, in the parts' characters.

    Args:
        row_splits: the parts' characters (their row splits).
        char_bytes: how many normalized bytes each character gave.
        blank: per character, whether it normalizes to nothing or to whitespace.
        part, byte_starts, byte_ends: per token, its part and its bytes there.
    """
    tf, _ = _tf()
    # Byte -> the character holding it: the last one whose normalized bytes start at or before it.
    char_starts = tf.cumsum(tf.cast(char_bytes, tf.int64), exclusive=True)
    first = tf.gather(row_splits, part)  # parts with tokens have characters
    base = tf.gather(char_starts, first)

    def char_at(byte):
        return tf.searchsorted(char_starts, base + byte, side="right", out_type=tf.int64) - 1

    begin, last = char_at(byte_starts), char_at(tf.maximum(byte_ends - 1, byte_starts))
    # A token spans its characters without the blank ones around it (the space that its "▁" stands
    # for, characters that the character map drops); a lone "▁" spans the next character.
    filled = tf.where(~blank)[:, 0]
    after = tf.searchsorted(filled, begin, side="left", out_type=tf.int64)
    start = tf.gather(filled, tf.minimum(after, tf.size(filled, tf.int64) - 1))
    before = tf.searchsorted(filled, last, side="right", out_type=tf.int64) - 1
    end = tf.maximum(tf.gather(filled, tf.maximum(before, 0)) + 1, start + 1)
    return start - first, end - first


def _quote_pairs(chars):
    """Where transformers' `Replace("``", '"')` and `Replace("''", '"')` act on ragged code points:
    the masks of the first character of each pair (dropped) and of the second (which becomes '"',
    keeping its span, as in transformers), pairs taken left to right in each run of one quote."""
    tf, _ = _tf()
    codes, rows = chars.flat_values, chars.value_rowids()
    quote = tf.equal(codes, ord("`")) | tf.equal(codes, ord("'"))
    continued = quote[1:] & tf.equal(codes[1:], codes[:-1]) & tf.equal(rows[1:], rows[:-1])
    run_start = quote & ~tf.concat([[False], continued], 0)
    position = tf.range(tf.size(codes, tf.int64))
    run_starts = tf.concat([[0], tf.boolean_mask(position, run_start)], 0)  # [0]: gather needs an entry
    odd = tf.equal((position - tf.gather(run_starts, tf.cumsum(tf.cast(run_start, tf.int64)))) % 2, 1)
    return quote & ~odd & tf.concat([continued, [False]], 0), quote & odd
