"""WordPiece tokenizer on tensorflow-text that reproduces Hugging Face's BERT tokenizer.

TensorFlow is imported on first use only (see `_tf`), so this module imports on
machines that have just JAX or torch.

The pipeline mirrors `transformers.BertTokenizerFast` (the Rust `tokenizers`
BertNormalizer + BertPreTokenizer + WordPiece) step by step:

1. Normalize every character on its own: drop control/format/private-use
   characters, map whitespace to " ", pad CJK ideographs with spaces, strip
   accents (NFD, then drop non-spacing marks), lowercase. Working per character
   is what the Rust normalizer does too, and it lets us map every normalized
   byte back to the original character it came from (for offsets).
2. Split on whitespace and isolate punctuation (`regex_split_with_offsets`).
3. WordPiece each word (`FastWordpieceTokenizer`); words longer than
   `max_chars_per_word` characters become one unknown token.

Known differences from Hugging Face (all in scripts the BERT vocabularies do not
cover; `tests/text/test_tokenizer.py` checks every other code point):
* Lowercasing uses TensorFlow's ICU, which predates Unicode 14: the 40 capital
  letters added then (Vithkuqi, U+2C2F, U+A7C0, U+A7D0, U+A7D6, U+A7D8) are not
  lowercased. Words containing them are unknown in both unless the vocabulary
  holds these letters.
* With accent stripping, TensorFlow's NFD knows a few newer decompositions
  (U+11938 and some Unicode 16 letters) that Hugging Face's tables do not.
* Text normalization is per character, so combining marks that survive accent
  stripping are not canonically reordered (Hugging Face reorders them).
* Special-token strings inside the text ("[MASK]") are tokenized as plain text
  (e.g. "[", "mask", "]"); Hugging Face matches them as special tokens.
"""

import json
import os

import keras

from keras_bert_zoo.text import _unicode

SPECIAL_TOKENS = ("[CLS]", "[SEP]", "[PAD]", "[MASK]")


def _tf():
    """Imports TensorFlow and tensorflow-text on first use (never at import)."""
    import tensorflow as tf
    import tensorflow_text as tf_text

    return tf, tf_text


def _read_vocabulary(vocabulary):
    """Returns the vocabulary as a list of str from a path or a list of str."""
    if isinstance(vocabulary, (str, os.PathLike)):
        if not os.path.isfile(vocabulary):
            raise ValueError(f"Vocabulary file not found: {os.fspath(vocabulary)!r}")
        with open(vocabulary, encoding="utf-8") as f:
            lines = f.read().split("\n")
        if lines and lines[-1] == "":  # the newline that ends the last token
            lines.pop()
        vocabulary = [line[:-1] if line.endswith("\r") else line for line in lines]
    elif isinstance(vocabulary, (list, tuple)):
        vocabulary = list(vocabulary)
        bad = [t for t in vocabulary if not isinstance(t, str)]
        if bad:
            raise TypeError(f"Vocabulary entries must be str, got {type(bad[0]).__name__}: {bad[0]!r}")
    else:
        raise TypeError(
            "`vocabulary` must be a path to a vocab.txt file or a list of str, "
            f"got {type(vocabulary).__name__}"
        )
    if not vocabulary:
        raise ValueError("The vocabulary is empty.")
    seen = {}
    for i, token in enumerate(vocabulary):
        if token == "" or token != token.strip():
            raise ValueError(f"Vocabulary entry {i} ({token!r}) is empty or has surrounding whitespace.")
        if token in seen:
            raise ValueError(f"Vocabulary token {token!r} appears twice (ids {seen[token]} and {i}).")
        seen[token] = i
    return vocabulary


def to_string_tensor(inputs, name="inputs"):
    """Converts str / list of str / numpy / tf string tensor to a tf string tensor of rank 0 or 1."""
    tf, _ = _tf()
    if isinstance(inputs, (str, bytes)):
        inputs = tf.constant(inputs)
    elif isinstance(inputs, (list, tuple)):
        bad = [x for x in inputs if not isinstance(x, (str, bytes))]
        if bad:
            raise TypeError(f"`{name}` must contain only strings, found {type(bad[0]).__name__}: {bad[0]!r}")
        inputs = tf.constant(list(inputs), dtype=tf.string)
    elif type(inputs).__module__ == "numpy" and hasattr(inputs, "dtype"):
        if inputs.dtype.kind not in "USO":
            raise TypeError(f"`{name}` must be an array of strings, got dtype {inputs.dtype}")
        if inputs.dtype.kind == "O" and not all(isinstance(x, (str, bytes)) for x in inputs.flat):
            raise TypeError(f"`{name}` must be an array of strings")
        inputs = tf.constant(inputs.tolist() if inputs.dtype.kind == "O" else inputs, dtype=tf.string)
    elif not isinstance(inputs, tf.Tensor):
        raise TypeError(
            f"`{name}` must be a str, a list of str, a numpy array or a tf string tensor, "
            f"got {type(inputs).__name__}"
        )
    if inputs.dtype != tf.string:
        raise TypeError(f"`{name}` must have dtype string, got {inputs.dtype.name}")
    if inputs.shape.rank is None or inputs.shape.rank > 1:
        raise ValueError(f"`{name}` must be a scalar string or a 1-D batch of strings, got shape {inputs.shape}")
    return inputs


@keras.saving.register_keras_serializable(package="keras_bert_zoo")
class BertTokenizer:
    """WordPiece tokenizer on tensorflow-text.

    Produces the same ids as `transformers.BertTokenizerFast` with
    `add_special_tokens=False` (see the module docstring for the exotic
    differences). No special tokens are added.

    Args:
        vocabulary: path to a vocab.txt (one token per line) or a list of str.
        lowercase: lowercase the text (Hugging Face `do_lower_case`).
        strip_accents: remove accents; None means "strip iff lowercase".
        tokenize_chinese_chars: split CJK ideographs into single characters.
        unknown_token: token for words that cannot be tokenized.
        max_chars_per_word: longer words (in characters) become `unknown_token`.
    """

    def __init__(self, vocabulary, lowercase=True, strip_accents=None, tokenize_chinese_chars=True,
                 unknown_token="[UNK]", max_chars_per_word=100):
        for arg, value in (("lowercase", lowercase), ("tokenize_chinese_chars", tokenize_chinese_chars)):
            if not isinstance(value, bool):
                raise TypeError(f"`{arg}` must be a bool, got {value!r}")
        if strip_accents is not None and not isinstance(strip_accents, bool):
            raise TypeError(f"`strip_accents` must be None or a bool, got {strip_accents!r}")
        if isinstance(max_chars_per_word, bool) or not isinstance(max_chars_per_word, int) or max_chars_per_word < 1:
            raise ValueError(f"`max_chars_per_word` must be a positive int, got {max_chars_per_word!r}")
        self._vocabulary = _read_vocabulary(vocabulary)
        self._ids = {token: i for i, token in enumerate(self._vocabulary)}
        missing = [t for t in (*SPECIAL_TOKENS, unknown_token) if t not in self._ids]
        if missing:
            raise ValueError(f"The vocabulary lacks the special token(s) {missing}; a BERT vocabulary needs "
                             f"{[*SPECIAL_TOKENS, unknown_token]}.")
        self.lowercase = lowercase
        self.strip_accents = strip_accents
        self.tokenize_chinese_chars = tokenize_chinese_chars
        self.unknown_token = unknown_token
        self.max_chars_per_word = max_chars_per_word
        self._wordpiece = None  # built on first use, so construction needs no TensorFlow

    # ----------------------------------------------------------------- vocabulary
    @property
    def vocabulary(self):
        return list(self._vocabulary)

    @property
    def vocabulary_size(self):
        return len(self._vocabulary)

    def token_to_id(self, token):
        if token not in self._ids:
            raise ValueError(f"Token {token!r} is not in the vocabulary.")
        return self._ids[token]

    def id_to_token(self, id):
        if isinstance(id, bool) or not isinstance(id, int) and not hasattr(id, "__index__"):
            raise TypeError(f"Token id must be an int, got {id!r}")
        if not 0 <= int(id) < len(self._vocabulary):
            raise ValueError(f"Token id {id} is out of range [0, {len(self._vocabulary)}).")
        return self._vocabulary[int(id)]

    cls_token_id = property(lambda self: self._ids["[CLS]"])
    sep_token_id = property(lambda self: self._ids["[SEP]"])
    pad_token_id = property(lambda self: self._ids["[PAD]"])
    mask_token_id = property(lambda self: self._ids["[MASK]"])
    unk_token_id = property(lambda self: self._ids[self.unknown_token])

    # ----------------------------------------------------------------- tokenizing
    def __call__(self, inputs):
        """Token ids: a RaggedTensor (batch, None) for a batch, a 1-D tensor for one string."""
        return self.tokenize_with_offsets(inputs)[0]

    def tokenize_with_offsets(self, inputs):
        """Returns (ids, starts, ends); offsets are code-point offsets into the original strings.

        `text[start:end]` in Python is the source span of each piece (the span of
        the whole word for an unknown word). All three are int32 and shaped like
        the output of `__call__`.
        """
        text = to_string_tensor(inputs)
        if text.shape.rank == 0:
            ids, starts, ends = self._tokenize(text[None])
            return ids.values, starts.values, ends.values
        return self._tokenize(text)

    def _normalize(self, chars):
        """Normalizes a 1-D tensor of single characters the way BertNormalizer does."""
        tf, tf_text = _tf()
        chars = tf.strings.regex_replace(chars, _unicode.WHITESPACE, " ")
        chars = tf.strings.regex_replace(chars, _unicode.CONTROL, r"\1")
        if self.tokenize_chinese_chars:
            chars = tf.strings.regex_replace(chars, _unicode.CJK, r" \0 ")
        if self.lowercase if self.strip_accents is None else self.strip_accents:
            chars = tf_text.normalize_utf8(chars, "NFD")
            chars = tf.strings.regex_replace(chars, _unicode.NONSPACING_MARK, r"\1")
        if self.lowercase:
            chars = tf.strings.lower(chars, encoding="utf-8")
        return chars

    def _build_wordpiece(self):
        tf, tf_text = _tf()
        if self._wordpiece is None:
            with tf.init_scope():  # an eager model tensor, reusable from any graph
                self._wordpiece = tf_text.FastWordpieceTokenizer(
                    self._vocabulary, suffix_indicator="##", unknown_token=self.unknown_token,
                    # Bytes, not characters: long words are found by character count below.
                    max_bytes_per_word=4 * self.max_chars_per_word,
                    token_out_type=tf.int32, no_pretokenization=True)
        return self._wordpiece

    def _tokenize(self, text):
        """Tokenizes a 1-D string tensor into ragged (batch, None) ids, starts, ends."""
        tf, tf_text = _tf()
        chars = tf.strings.unicode_split(text, "UTF-8", errors="replace")
        normalized = chars.with_flat_values(self._normalize(chars.flat_values))
        text = tf.strings.reduce_join(normalized, axis=-1)
        words, word_starts, _ = tf_text.regex_split_with_offsets(text, _unicode.SPLIT, _unicode.PUNCTUATION)

        flat_words = words.flat_values
        ids, starts, ends = self._build_wordpiece().tokenize_with_offsets(flat_words)
        # Hugging Face turns words of more than max_chars_per_word *characters*
        # into one unknown token spanning the word; tf-text only counts bytes.
        too_long = tf.strings.length(flat_words, unit="UTF8_CHAR") > self.max_chars_per_word
        per_piece = tf.repeat(too_long, ids.row_lengths())
        ids = ids.with_flat_values(tf.where(per_piece, self.unk_token_id, ids.flat_values))
        word_bytes = tf.repeat(tf.cast(tf.strings.length(flat_words), tf.int64), ids.row_lengths())
        ends = ends.with_flat_values(tf.where(per_piece, word_bytes, ends.flat_values))
        keep = ids.with_flat_values(tf.logical_or(
            tf.logical_not(per_piece), tf.ragged.range(ids.row_lengths()).flat_values == 0))
        ids, starts, ends = (tf.ragged.boolean_mask(t, keep) for t in (ids, starts, ends))

        # Byte offsets into the normalized text of each example ...
        word_starts = tf.repeat(word_starts.flat_values, ids.row_lengths())
        ids, starts, ends = (words.with_flat_values(t).merge_dims(1, 2) for t in (ids, starts, ends))
        starts = starts.flat_values + word_starts
        ends = ends.flat_values + word_starts
        # ... mapped back to the original character each normalized byte came
        # from, through the byte position where each character's piece starts.
        piece_starts = tf.cumsum(tf.cast(tf.strings.length(normalized.flat_values), tf.int64), exclusive=True)
        char_splits = chars.row_splits
        example = ids.value_rowids()
        text_base = tf.gather(tf.concat([piece_starts, [0]], 0), tf.gather(char_splits, example))
        total = tf.reduce_sum(tf.strings.length(normalized.flat_values))
        # The concat above gives examples without characters a base of 0; they have no tokens.
        del total

        def to_char(byte):
            return tf.searchsorted(piece_starts, text_base + byte, side="right") - 1 - tf.gather(char_splits, example)

        starts = to_char(starts)
        ends = to_char(ends - 1) + 1
        return (ids.with_flat_values(tf.cast(ids.flat_values, tf.int32)),
                ids.with_flat_values(tf.cast(starts, tf.int32)),
                ids.with_flat_values(tf.cast(ends, tf.int32)))
