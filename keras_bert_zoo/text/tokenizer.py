"""WordPiece tokenizer on tensorflow-text with Hugging Face's BERT ids and offsets.

TensorFlow is imported on first use (`_tf`). As in `transformers.BertTokenizerFast`, special-token
strings ("[MASK]") are split out first; each other character is normalized on its own like the Rust
BertNormalizer does (so every normalized byte traces back to its source character, for offsets);
words split on spaces go through `FastWordpieceTokenizer`. Hugging Face's Unicode tables are older
than TensorFlow's RE2 and ICU; the characters they disagree on are listed below, so ids and offsets
match on every code point (the tests sweep them) except: 40 capitals of Unicode 14 (Vithkuqi,
U+2C2F, U+A7C0, U+A7D0, U+A7D6, U+A7D8) that ICU does not lowercase; U+11938 and a few Unicode 16
letters that TensorFlow's NFD splits; marks that survive accent stripping are not reordered. Words
with these are unknown either way in vocabularies without those letters.
"""

import os
import pathlib
import re

import keras

from keras_bert_zoo.text import hf_files
from keras_bert_zoo.text.packer import SegmentLayout
from keras_bert_zoo.text.tokenizer_base import Tokenizer


def _char_class(ranges):
    """'41-5A 5F' -> the RE2 class body '\\x{41}-\\x{5A}\\x{5F}'."""
    return "".join("-".join(f"\\x{{{c}}}" for c in r.split("-")) for r in ranges.split())


# RE2 patterns. `([listed])|[class]` replaced by `\1` removes the class except the listed
# characters: those that RE2's newer tables put in the class and Hugging Face's do not.
_WHITESPACE = r"[\t\n\r\p{Zs}\x{2028}\x{2029}]"
_CONTROL = r"([%s])|[\x{FFFD}\p{Cc}\p{Cf}\p{Co}]" % _char_class("890-891 8E2 110CD 13430-1343F")
_NONSPACING_MARK = r"([%s])|[\p{Mn}\x{1734}]" % _char_class(  # U+1734 was Mn before Unicode 14
    "7FD 898-89F 8CA-8E1 9FE AFA-AFF B55 C04 C3C D00 D3B-D3C D81 EBA ECE 180F 1885-1886 1ABF-1ACE 1DF6-1DFB "
    "A82C A8C5 A8FF A9BD 10D24-10D27 10EAB-10EAC 10EFD-10EFF 10F46-10F50 10F82-10F85 11070 11073-11074 110C2 "
    "111C9 111CF 1123E 11241 1133B 11438-1143F 11442-11444 11446 1145E 1182F-11837 11839-1183A 1193B-1193C "
    "1193E 11943 119D4-119D7 119DA-119DB 119E0 11A01-11A0A 11A33-11A38 11A3B-11A3E 11A47 11A51-11A56 "
    "11A59-11A5B 11A8A-11A96 11A98-11A99 11C30-11C36 11C38-11C3D 11C3F 11C92-11CA7 11CAA-11CB0 11CB2-11CB3 "
    "11CB5-11CB6 11D31-11D36 11D3A 11D3C-11D3D 11D3F-11D45 11D47 11D90-11D91 11D95 11D97 11EF3-11EF4 "
    "11F00-11F01 11F36-11F3A 11F40 11F42 13440 13447-13455 16F4F 16FE4 1CF00-1CF2D 1CF30-1CF46 1E000-1E006 "
    "1E008-1E018 1E01B-1E021 1E023-1E024 1E026-1E02A 1E08F 1E130-1E136 1E2AE 1E2EC-1E2EF 1E4EC-1E4EF "
    "1E944-1E94A")
# The ideograph blocks of the Rust BertNormalizer (Python BERT starts one at 2B820).
_CJK = "[%s]" % _char_class(
    "4E00-9FFF 3400-4DBF 20000-2A6DF 2A700-2B73F 2B740-2B81F 2B920-2CEAF F900-FAFF 2F800-2FA1F")
# All ASCII non-alphanumerics are punctuation to BERT, and so were U+166D and U+111C9.
_PUNCTUATION = r"[!-/:-@\[-`{-~\p{P}\x{166D}\x{111C9}]"
_NOT_PUNCTUATION = " ([%s]) " % _char_class(  # padded by _PUNCTUATION, to be unpadded
    "61D 9FD A76 C77 C84 1B7D-1B7E 2E43-2E4F 2E52-2E5D 10EAD 10F55-10F59 10F86-10F89 1144B-1144F 1145A-1145B "
    "1145D 11660-1166C 116B9 1183B 11944-11946 119E2 11A3F-11A46 11A9A-11A9C 11A9E-11AA2 11B00-11B09 "
    "11C41-11C45 11C70-11C71 11EF7-11EF8 11F43-11F4F 11FFF 12FF1-12FF2 16E97-16E9A 16FE2 1E95E-1E95F")


def _tf():
    """Imports TensorFlow and tensorflow-text on first use, never at module import."""
    import tensorflow as tf
    import tensorflow_text as tf_text

    return tf, tf_text


def _read_vocabulary(vocabulary):
    """The vocabulary as a list of str, from a vocab.txt or tokenizer.json path or a list of str."""
    if isinstance(vocabulary, (str, os.PathLike)):
        if not os.path.isfile(vocabulary):
            raise ValueError(f"Vocabulary file not found: {os.fspath(vocabulary)!r}")
        if os.fspath(vocabulary).endswith(".json"):
            return _read_vocabulary(hf_files.wordpiece_vocabulary(vocabulary))
        with open(vocabulary, encoding="utf-8") as f:
            vocabulary = f.read().split("\n")
        if vocabulary[-1] == "":  # after the newline that ends the last token
            vocabulary.pop()
    elif not isinstance(vocabulary, (list, tuple)) or not all(isinstance(t, str) for t in vocabulary):
        raise TypeError(f"`vocabulary` must be a vocab.txt or tokenizer.json path or a list of str, "
                        f"got {vocabulary!r:.80}")
    if not vocabulary:
        raise ValueError("The vocabulary is empty.")
    seen = {}
    for i, token in enumerate(vocabulary):
        if token == "" or token != token.strip():
            raise ValueError(f"Vocabulary entry {i} ({token!r}) is empty or has surrounding whitespace.")
        if seen.setdefault(token, i) != i:
            raise ValueError(f"Vocabulary token {token!r} appears twice (ids {seen[token]} and {i}).")
    return list(vocabulary)


def to_string_tensor(inputs, name="inputs"):
    """str / list of str / numpy array / tf string tensor -> a tf string tensor of rank 0 or 1."""
    tf, _ = _tf()
    if isinstance(inputs, (str, bytes)):
        inputs = tf.constant(inputs)
    elif isinstance(inputs, (list, tuple)) or type(inputs).__module__ == "numpy":
        items = inputs.tolist() if hasattr(inputs, "tolist") else list(inputs)
        bad = [x for x in (items if isinstance(items, list) else [items]) if not isinstance(x, (str, bytes))]
        if bad:
            raise TypeError(f"`{name}` must be a string or a flat list of strings, found {bad[0]!r:.80}")
        inputs = tf.constant(items, dtype=tf.string)
    if not isinstance(inputs, tf.Tensor) or inputs.dtype != tf.string:
        raise TypeError(f"`{name}` must be a str, a list of str, a numpy array or a tf string tensor, "
                        f"got {inputs!r:.80}")
    if inputs.shape.rank is None or inputs.shape.rank > 1:
        raise ValueError(f"`{name}` must be one string or a 1-D batch of strings, got shape {inputs.shape}")
    return inputs


def _row_ids(splits):
    """The row of each value of a ragged tensor with these row splits (cheaper in graphs than tf.repeat)."""
    tf, _ = _tf()
    return tf.searchsorted(splits[1:], tf.range(splits[-1]), side="right", out_type=splits.dtype)


def _merge(groups, pieces, single, ids, ends, shift):
    """Ragged (ids, starts, ends) of the rows of `groups.flat_values` -> rows of `groups`; rows
    flagged `single` become one piece (ids, 0, ends); offsets are shifted by `shift` per row."""
    tf, _ = _tf()
    splits = pieces[0].row_splits
    rows = _row_ids(splits)
    flag = tf.gather(single, rows)
    keep = tf.where(tf.where(flag, tf.range(splits[-1]) == tf.gather(splits, rows), True))[:, 0]  # indices
    lengths = tf.where(single, tf.minimum(splits[1:] - splits[:-1], 1), splits[1:] - splits[:-1])
    splits = tf.gather(tf.concat([[0], tf.cumsum(lengths)], 0), groups.row_splits)  # merged into groups
    out = []
    for p, value in zip(pieces, (ids, tf.zeros_like(ends), ends)):
        value = tf.gather(tf.where(flag, tf.cast(tf.gather(value, rows), p.dtype), p.flat_values), keep)
        if out:  # offsets, not ids
            value += tf.cast(tf.gather(shift, tf.gather(rows, keep)), p.dtype)
        out.append(tf.RaggedTensor.from_row_splits(value, splits, validate=False))
    return out


@keras.saving.register_keras_serializable(package="keras_bert_zoo")
class BertTokenizer(Tokenizer):
    """WordPiece tokenizer on tensorflow-text.

    Gives the ids of `transformers.BertTokenizerFast(...)(text, add_special_tokens=False)`.

    Args:
        vocabulary: path to a vocab.txt (one token per line) or to a Hugging Face
            tokenizer.json (its WordPiece vocabulary), or a list of str.
        lowercase: lowercase the text (Hugging Face's `do_lower_case`).
        strip_accents: remove accents; None means "strip iff lowercase".
        tokenize_chinese_chars: split CJK ideographs into single characters.
        unknown_token: the token of words that cannot be tokenized.
        max_chars_per_word: longer words (in characters) become `unknown_token`.
        special_tokens_in_strings: read "[CLS]", "[SEP]", "[PAD]", "[MASK]" and `unknown_token`
            written in the text (case-sensitively) as those tokens, as Hugging Face does.
    """

    def __init__(self, vocabulary, lowercase=True, strip_accents=None, tokenize_chinese_chars=True,
                 unknown_token="[UNK]", max_chars_per_word=100, special_tokens_in_strings=True):
        for arg, value in (("lowercase", lowercase), ("strip_accents", strip_accents),
                           ("tokenize_chinese_chars", tokenize_chinese_chars),
                           ("special_tokens_in_strings", special_tokens_in_strings)):
            if not isinstance(value, bool) and not (arg == "strip_accents" and value is None):
                raise TypeError(f"`{arg}` must be a bool, got {value!r}")
        if type(max_chars_per_word) is not int or max_chars_per_word < 1:
            raise ValueError(f"`max_chars_per_word` must be a positive int, got {max_chars_per_word!r}")
        self._vocabulary = _read_vocabulary(vocabulary)
        self._ids = {token: i for i, token in enumerate(self._vocabulary)}
        self._specials = sorted({"[CLS]", "[SEP]", "[PAD]", "[MASK]", unknown_token})
        missing = [t for t in self._specials if t not in self._ids]
        if missing:
            raise ValueError(f"The vocabulary lacks {missing}; BERT needs the tokens {self._specials}.")
        self.lowercase, self.strip_accents, self.unknown_token = lowercase, strip_accents, unknown_token
        self.tokenize_chinese_chars, self.max_chars_per_word = tokenize_chinese_chars, max_chars_per_word
        self.special_tokens_in_strings = special_tokens_in_strings
        self._wordpiece = None  # built on first use: construction needs no TensorFlow

    start_token_id = property(lambda self: self._ids["[CLS]"])
    end_token_id = property(lambda self: self._ids["[SEP]"])
    pad_token_id = property(lambda self: self._ids["[PAD]"])
    mask_token_id = property(lambda self: self._ids["[MASK]"])
    unk_token_id = property(lambda self: self._ids[self.unknown_token])
    layout = property(lambda self: SegmentLayout(self.start_token_id, self.end_token_id))
    HF_FILES = hf_files

    def word_starts(self):
        """Per vocabulary id: whether the token begins a word (WordPiece marks the others "##")."""
        return [not token.startswith("##") for token in self._vocabulary]

    def tokenize_with_offsets(self, inputs):
        """(ids, starts, ends), int32, shaped like `__call__`'s output. Offsets count code points of
        the original string: `text[start:end]` in Python is the source span of a piece (of the whole
        word for an unknown word)."""
        tf, tf_text = _tf()
        inputs = to_string_tensor(inputs)
        # regex_split stops at a NUL byte; U+0001 is dropped by normalization just the same.
        text = tf.strings.regex_replace(inputs[None] if inputs.shape.rank == 0 else inputs, r"\x00", "\x01")
        if self.special_tokens_in_strings:  # split them out first, then tokenize the other parts
            pattern = "|".join(re.escape(t) for t in self._specials)
            parts, part_starts, _ = tf_text.regex_split_with_offsets(text, pattern, pattern)
            flat, at = parts.flat_values, part_starts.flat_values
            match = tf.cast(tf.equal(flat[:, None], tf.constant(self._specials)[None, :]), tf.int32)
            ids = tf.gather([self._ids[t] for t in self._specials], tf.argmax(match, axis=1))
            prefix = tf.strings.substr(tf.gather(text, _row_ids(parts.row_splits)), tf.zeros_like(at), at)
            chars = [tf.strings.length(t, unit="UTF8_CHAR") for t in (flat, prefix)]
            outputs = _merge(parts, self._tokenize_text(flat), tf.reduce_any(match > 0, axis=1), ids, *chars)
        else:
            outputs = self._tokenize_text(text)
        return tuple(tf.cast(t.values if inputs.shape.rank == 0 else t, tf.int32) for t in outputs)

    def _normalize(self, chars):
        """BertNormalizer, then BertPreTokenizer's punctuation split, on single characters."""
        tf, tf_text = _tf()
        chars = tf.strings.regex_replace(chars, _WHITESPACE, " ")
        chars = tf.strings.regex_replace(chars, _CONTROL, r"\1")
        if self.tokenize_chinese_chars:
            chars = tf.strings.regex_replace(chars, _CJK, r" \0 ")
        if self.lowercase if self.strip_accents is None else self.strip_accents:
            chars = tf.strings.regex_replace(tf_text.normalize_utf8(chars, "NFD"), _NONSPACING_MARK, r"\1")
        if self.lowercase:
            chars = tf.strings.lower(chars, encoding="utf-8")
        chars = tf.strings.regex_replace(chars, _PUNCTUATION, r" \0 ")
        return tf.strings.regex_replace(chars, _NOT_PUNCTUATION, r"\1")

    def _tokenize_text(self, text):
        """Ragged (batch, None) ids, starts, ends (int64 code-point offsets) of a 1-D string tensor."""
        tf, tf_text = _tf()
        if self._wordpiece is None:
            with tf.init_scope():  # an eager model tensor that any graph can capture
                # It limits bytes per word; words of too many characters are found below.
                self._wordpiece = tf_text.FastWordpieceTokenizer(
                    self._vocabulary, unknown_token=self.unknown_token, token_out_type=tf.int64,
                    max_bytes_per_word=4 * self.max_chars_per_word, no_pretokenization=True)
        chars = tf.strings.unicode_decode(text, "UTF-8", errors="replace")
        # Per-character normalization runs on distinct characters only (string ops are slow per item).
        distinct, index = tf.unique(chars.flat_values)
        normalized = self._normalize(tf.strings.unicode_encode(distinct[:, None], "UTF-8"))
        char_bytes = tf.gather(tf.cast(tf.strings.length(normalized), tf.int64), index)
        words, word_starts, _ = tf_text.regex_split_with_offsets(
            tf.strings.reduce_join(chars.with_flat_values(tf.gather(normalized, index)), axis=-1), " +")
        flat_words = words.flat_values
        too_long = tf.strings.length(flat_words, unit="UTF8_CHAR") > self.max_chars_per_word
        pieces = self._wordpiece.tokenize_with_offsets(flat_words)
        ids, starts, ends = _merge(words, pieces, too_long, tf.fill(tf.shape(flat_words), self.unk_token_id),
                                   tf.strings.length(flat_words), word_starts.flat_values)
        # Normalized byte offset -> the last source character whose normalized bytes start at or before it.
        char_bytes = tf.cumsum(char_bytes, exclusive=True)
        first_char = tf.gather(chars.row_splits, _row_ids(ids.row_splits))  # rows with tokens have characters
        base = tf.gather(char_bytes, first_char)
        starts, ends = (tf.searchsorted(char_bytes, base + byte, side="right", out_type=tf.int64) - first_char
                        for byte in (starts.flat_values, ends.flat_values - 1))  # the last byte's character
        return ids, ids.with_flat_values(starts - 1), ids.with_flat_values(ends)

    def detokenize(self, ids):
        """Wordpieces joined ("##" glued, [PAD] skipped): a str, or a list of str for a batch."""
        return self._detokenize_rows(ids, self._detokenize_row)

    def _detokenize_row(self, ids):
        tokens = [self.id_to_token(i) for i in ids if int(i) != self.pad_token_id]
        return "".join(t[2:] if t.startswith("##") else " " + t for t in tokens).lstrip(" ")

    def get_config(self):
        names = ("lowercase", "strip_accents", "tokenize_chinese_chars", "unknown_token",
                 "max_chars_per_word", "special_tokens_in_strings")
        return {"vocabulary": list(self._vocabulary), **{name: getattr(self, name) for name in names}}

    def save_assets(self, directory):
        """Writes `directory/vocab.txt` (one token per line); returns the preset's record of it,
        `{"vocabulary": "vocab.txt"}`."""
        path = pathlib.Path(directory) / "vocab.txt"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("".join(token + "\n" for token in self._vocabulary), encoding="utf-8")
        return {"vocabulary": path.name}
