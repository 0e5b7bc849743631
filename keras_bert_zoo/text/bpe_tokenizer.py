"""Byte-level BPE tokenizer (RoBERTa's, GPT-2's encoding) on TensorFlow ops, with transformers' ids
and offsets.

As in `transformers.RobertaTokenizerFast` (the `tokenizers` library): special-token strings
("<s>", "<mask>") are split out first, `<mask>` taking the whitespace before it (its `lstrip`);
each other part gets a space in front with `add_prefix_space` (unless it starts with one), is cut
into words by GPT-2's regex, and each word's UTF-8 bytes, written as GPT-2's byte characters
("Ġ" for a space), are merged by the ranked merge rules (the ops: `text.bpe_ops`).

Where this differs from transformers:
* A byte whose character is missing from the vocabulary becomes `<unk>` (transformers drops it;
  RoBERTa's vocabulary and those of `bert-zoo vocab --kind bpe` hold all 256).
* With `add_prefix_space`, a part after a special token ("<s>hello") gets its space as in
  transformers (same ids), but its first token's offsets span its word ("hello" -> 3, 5):
  transformers trims a character off it (4, 5).
"""

import functools
import os
import types

import keras

from keras_bert_zoo.text import bpe_files, bpe_ops
from keras_bert_zoo.text.packer import SegmentLayout
from keras_bert_zoo.text.tokenizer import _tf, to_string_tensor
from keras_bert_zoo.text.tokenizer_base import Tokenizer

SPECIALS = bpe_files.SPECIAL_TOKENS
_SPACE_MARK = "Ġ"  # GPT-2's character for the byte of " "


@keras.saving.register_keras_serializable(package="keras_bert_zoo")
class RobertaTokenizer(Tokenizer):
    """Byte-level BPE tokenizer on TensorFlow ops (RoBERTa's).

    Gives the ids of `transformers.RobertaTokenizerFast(...)(text, add_special_tokens=False)`
    and its offsets (`trim_offsets=True`), and packs `<s> a </s></s> b </s>`.

    Args:
        vocabulary: path to a vocab.json (token -> id) or to a Hugging Face tokenizer.json (its
            BPE vocabulary and merges, and its added tokens), or a dict token -> id. It must hold
            "<s>", "</s>", "<pad>", "<mask>" and "<unk>".
        merges: path to a merges.txt, or a list of "left right" strings or (left, right) pairs,
            in rank order; None when `vocabulary` is a tokenizer.json.
        add_prefix_space: put a space in front of a text that does not start with one, so that
            its first word is tokenized like the others (RoBERTa was trained without).
        mask_token_lstrip: "<mask>" in a text takes the whitespace before it, as in RoBERTa's
            published tokenizer (transformers' `lstrip=True`).

    Example:
    >>> tokenizer = RobertaTokenizer("vocab.json", "merges.txt")
    >>> ids = tokenizer(["Call me Ishmael."])  # int32 RaggedTensor, one row per text
    >>> tokenizer.detokenize(ids)
    ['Call me Ishmael.']
    """

    def __init__(self, vocabulary, merges=None, add_prefix_space=False, mask_token_lstrip=True):
        for arg, value in (("add_prefix_space", add_prefix_space), ("mask_token_lstrip", mask_token_lstrip)):
            if not isinstance(value, bool):
                raise TypeError(f"`{arg}` must be a bool, got {value!r}")
        if merges is None:
            if not isinstance(vocabulary, (str, os.PathLike)) or not os.fspath(vocabulary).endswith(".json"):
                raise ValueError("`merges` (a merges.txt path or a list of rules) is needed unless `vocabulary` is "
                                 "a tokenizer.json, which holds them.")
            merges = vocabulary
        self._vocabulary = bpe_files.read_vocabulary(vocabulary)
        self._ids = {token: i for i, token in enumerate(self._vocabulary)}
        missing = [token for token in SPECIALS.values() if token not in self._ids]
        if missing:
            raise ValueError(f"The vocabulary lacks {missing}; RoBERTa needs the tokens {list(SPECIALS.values())}.")
        self._merges = bpe_files.read_merges(merges)
        for rank, (left, right) in enumerate(self._merges):
            unknown = [token for token in (left, right, left + right) if token not in self._ids]
            if unknown:
                raise ValueError(f"Merge rule {rank} ({left!r} {right!r}) needs {unknown}, which the vocabulary lacks.")
        self.add_prefix_space, self.mask_token_lstrip = add_prefix_space, mask_token_lstrip
        self._resources = None  # TensorFlow tables, built on first use: construction needs no TensorFlow
        self._token_bytes = None  # for detokenize

    merges = property(lambda self: [f"{left} {right}" for left, right in self._merges])
    start_token_id = property(lambda self: self._ids[SPECIALS["start"]])
    end_token_id = property(lambda self: self._ids[SPECIALS["end"]])
    pad_token_id = property(lambda self: self._ids[SPECIALS["pad"]])
    mask_token_id = property(lambda self: self._ids[SPECIALS["mask"]])
    unk_token_id = property(lambda self: self._ids[SPECIALS["unknown"]])
    layout = property(lambda self: SegmentLayout(self.start_token_id, self.end_token_id, (self.end_token_id,)))
    HF_FILES = bpe_files

    def word_starts(self):
        """Per vocabulary id: whether the token begins a word: it starts with a space ("Ġ"), or it is
        a special token (as fairseq's whole-word masking for RoBERTa has it). The first word of a
        text has no space, but follows `<s>`, which the masker never joins to a word."""
        specials = set(SPECIALS.values())
        return [token.startswith(_SPACE_MARK) or token in specials for token in self._vocabulary]

    def tokenize_with_offsets(self, inputs):
        """(ids, starts, ends), int32, shaped like `__call__`'s output. Offsets count code points of
        the original string: `text[start:end]` is the source span of a token, without the spaces
        that start it (transformers' `trim_offsets`); a token of part of a character's bytes spans
        that character."""
        tf, _ = _tf()
        inputs = to_string_tensor(inputs)
        outputs = self._encode(inputs[None] if inputs.shape.rank == 0 else inputs, self.add_prefix_space)
        return tuple(tf.cast(t.values if inputs.shape.rank == 0 else t, tf.int32) for t in outputs)

    def tokenize_words(self, words):
        """Ids of each word on its own with a space in front, as transformers tokenizes RoBERTa's
        `is_split_into_words=True` input (it requires `add_prefix_space=True` there)."""
        tf, _ = _tf()
        words = to_string_tensor(words, name="words")
        ids = self._encode(words[None] if words.shape.rank == 0 else words, True)[0]
        return tf.cast(ids.values if words.shape.rank == 0 else ids, tf.int32)

    def _tables(self):
        """The lookup tables and the merge function, made once, eagerly, so that any graph
        (`tf.function`, `tf.data`) can capture them."""
        if self._resources is None:
            tf, _ = _tf()
            size, ids = len(self._vocabulary), self._ids

            def table(keys, values, key_dtype, default):
                init = tf.lookup.KeyValueTensorInitializer(tf.constant(keys, key_dtype), tf.constant(values, tf.int64))
                return tf.lookup.StaticHashTable(init, default_value=default)

            with tf.init_scope():
                # A dict keeps a repeated rule's last rank, as the `tokenizers` library does.
                rules = {ids[a] * size + ids[b]: rank * size + ids[a + b] for rank, (a, b) in enumerate(self._merges)}
                rules = rules or {-1: -1}  # a table cannot be empty; no pair has key -1
                merges = table(list(rules), list(rules.values()), tf.int64, -1)
                byte_ids = [ids.get(c, self.unk_token_id) for c in bpe_ops.byte_characters()]
                lengths = [len(t) for t in self._vocabulary]
                lengths[self.unk_token_id] = 1  # in a merged word, <unk> stands for one byte
                leading = [len(t) - len(t.lstrip(_SPACE_MARK)) for t in self._vocabulary]
                trailing = [len(t) - len(t.rstrip(_SPACE_MARK)) for t in self._vocabulary]
                self._resources = types.SimpleNamespace(
                    bytes=table([bytes([b]) for b in range(256)], byte_ids, tf.string, self.unk_token_id),
                    merge=tf.function(functools.partial(bpe_ops.merge_words, merges, size),
                                      input_signature=[tf.TensorSpec([None], tf.int64)] * 2),
                    lengths=tf.constant(lengths, tf.int64), leading=tf.constant(leading, tf.int64),
                    trailing=tf.constant(trailing, tf.int64),
                    special_ids=tf.constant([ids[t] for t in SPECIALS.values()], tf.int64))
        return self._resources

    def _encode(self, text, prefix):
        """Ragged (batch, None) int64 (ids, starts, ends) of a 1-D string tensor; `prefix`: whether
        each part of a text (between special tokens) gets a space in front."""
        tf, _ = _tf()
        tables = self._tables()
        specials = list(SPECIALS.values())
        split = bpe_ops.split_words(text, specials, SPECIALS["mask"] if self.mask_token_lstrip else None, prefix)
        distinct, index = tf.unique(split.word)
        symbols = tf.strings.bytes_split(distinct)
        merged = tables.merge(tables.bytes.lookup(symbols.flat_values), tf.cast(symbols.row_splits, tf.int64))
        tokens = tf.gather(tf.RaggedTensor.from_row_splits(*merged, validate=False), index)
        ids, word = tokens.flat_values, tokens.value_rowids()

        # Each token's bytes in its part (the added space is byte 0), then in the texts, where the
        # added space has no width.
        length = tf.gather(tables.lengths, ids)
        total = tf.cumsum(length)
        begin = total - length - tf.gather(tf.concat([tf.zeros([1], tf.int64), total], 0),
                                           tf.gather(tokens.row_splits, word))
        begin += tf.gather(split.start, word)
        part = tf.gather(split.part, word)
        shift, origin = tf.gather(split.shift, part), tf.gather(split.origin, part)
        spans = bpe_ops.char_spans(text, split.row_bytes)
        start, end = spans(tf.gather(split.row, part), origin + tf.maximum(begin - shift, 0),
                           origin + tf.maximum(begin + length - shift, 0))
        # trim_offsets: the spaces a token starts or ends with are not its span, and the added space
        # is no character of the text. As in transformers, when spaces are added a token at the
        # text's start keeps one space of its own.
        leading = tf.gather(tables.leading, ids)
        spaces = tf.maximum(leading - shift * tf.cast(tf.equal(begin, 0), tf.int64), 0)
        if prefix:
            spaces = tf.where(tf.equal(start, 0) & tf.equal(leading, 1), tf.zeros_like(spaces), spaces)
        start = tf.minimum(start + spaces, end)
        trailing = tf.gather(tables.trailing, ids)
        end = tf.where((trailing > 0) & (end >= trailing), tf.maximum(end - trailing, start), end)

        # Per part: its tokens, or its special token; then per text.
        special = split.special >= 0
        special_start, special_end = spans(tf.boolean_mask(split.row, special), tf.boolean_mask(split.origin, special),
                                           tf.boolean_mask(split.origin + split.size, special))
        per_part = tf.RaggedTensor.from_value_rowids(tf.stack([ids, start, end], 1), part,
                                                     tf.size(special, tf.int64))
        singles = tf.RaggedTensor.from_row_lengths(
            tf.stack([tf.gather(tables.special_ids, tf.boolean_mask(split.special, special)), special_start,
                      special_end], 1), tf.cast(special, tf.int64))
        parts = tf.concat([per_part, singles], axis=1)
        rows = tf.RaggedTensor.from_value_rowids(parts, split.row, tf.size(text, tf.int64)).merge_dims(1, 2)
        return tuple(rows.with_flat_values(rows.flat_values[:, i]) for i in range(3))

    def detokenize(self, ids):
        """The text of the ids (special tokens written out, `<pad>` skipped): a str, or a list of str
        for a batch. The space that `add_prefix_space` adds is taken off again."""
        if self._token_bytes is None:
            byte_of = {c: bytes([b]) for b, c in enumerate(bpe_ops.byte_characters())}
            self._token_bytes = [b"".join(byte_of.get(c) or c.encode("utf-8") for c in token)
                                 for token in self._vocabulary]
        return self._detokenize_rows(ids, self._detokenize_row)

    def _detokenize_row(self, ids):
        pieces = [self._token_bytes[int(i)] for i in ids if self.id_to_token(i) != SPECIALS["pad"]]  # checks ids
        text = b"".join(pieces).decode("utf-8", errors="replace")
        return text[1:] if self.add_prefix_space and text.startswith(" ") else text

    def get_config(self):
        return {"vocabulary": {token: i for i, token in enumerate(self._vocabulary)}, "merges": self.merges,
                "add_prefix_space": self.add_prefix_space, "mask_token_lstrip": self.mask_token_lstrip}

    def save_assets(self, directory):
        """Writes `directory/vocab.json` and `directory/merges.txt`; returns the preset's record of
        them, `{"vocabulary": "vocab.json", "merges": "merges.txt"}`."""
        return bpe_files.write_files(directory, self._vocabulary, self._merges)

