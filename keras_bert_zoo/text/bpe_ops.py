"""The TensorFlow ops of byte-level BPE: GPT-2's byte alphabet, its pre-tokenization (special
tokens, prefix space, words), the merge loop and the byte -> code point offsets.

They reproduce the `tokenizers` library (what `transformers.RobertaTokenizerFast` runs).
keras-hub's `BytePairTokenizer` does the same job but gives no offsets and approximates the
regex, so these are our own:

* GPT-2's regex looks ahead (`\\s+(?!\\S)`: a run of spaces leaves its last one to the next
  word), which RE2 cannot. The text is first cut into chunks, each a run of non-spaces with at
  most one space before it (`_CHUNK`); the spaces between chunks come out as chunks of their own.
  The regex without the lookahead (`_WORD`) then splits each chunk as the full regex splits the
  text, since no word crosses a chunk boundary.
* The `tokenizers` library's regex engine (Oniguruma) knows Unicode 16, TensorFlow's RE2 does
  not yet: the letters and numbers it lacks are listed, so words split alike on every code point
  (the tests sweep them).
* The merge loop runs on the distinct words of a call, all words in step: each step merges,
  in every word, all occurrences of its lowest-ranked pair (left to right, not overlapping).
  That is the `tokenizers` library's order whenever a rule's parts come from rules of lower
  rank, as in every learned merge list.
"""

import re
import types

from keras_bert_zoo.text.tokenizer import _char_class, _row_ids, _tf

# Unicode's White_Space: Oniguruma's `\s` (RE2's is ASCII).
_SPACE = r"\t-\r \x{85}\x{A0}\x{1680}\x{2000}-\x{200A}\x{2028}\x{2029}\x{202F}\x{205F}\x{3000}"
# Letters and numbers of Unicode 16, which Oniguruma has and TensorFlow's RE2 lacks.
_LETTER = r"\p{L}" + _char_class(
    "1C89-1C8A A7CB-A7CD A7DA-A7DC 105C0-105F3 10D4A-10D65 10D6F-10D85 10EC2-10EC4 11380-11389 1138B 1138E "
    "11390-113B5 113B7 113D1 113D3 11BC0-11BE0 13460-143FA 16100-1611D 16D40-16D6C 18CFF 1E5D0-1E5ED 1E5F0 "
    "2EBF0-2EE5D")
_NUMBER = r"\p{N}" + _char_class("10D40-10D49 116D0-116E3 11BF0-11BF9 16130-16139 16D70-16D79 1CCF0-1CCF9 1E5F1-1E5FA")
_CHUNK = f"[{_SPACE}]?[^{_SPACE}]+"
# GPT-2's `'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+`, lookahead dropped.
_WORD = (f"'s|'t|'re|'ve|'m|'ll|'d| ?[{_LETTER}]+| ?[{_NUMBER}]+| ?[^{_SPACE}{_LETTER}{_NUMBER}]+"
         f"|[{_SPACE}]+")


def byte_characters():
    """GPT-2's byte-level alphabet: the character that stands for each byte (the list's index).

    Printable Latin-1 bytes stand for themselves; the others (controls, space, no-break space,
    soft hyphen) take the characters from U+0100 on, in byte order, so that no token holds a
    space or a control character ("Ġ" is the space).
    """
    printable = {*range(ord("!"), ord("~") + 1), *range(ord("¡"), ord("¬") + 1), *range(ord("®"), ord("ÿ") + 1)}
    shifted = iter(range(256, 512))
    return [chr(byte) if byte in printable else chr(next(shifted)) for byte in range(256)]


def split_words(text, special_tokens, lstrip_token, prefix):
    """Pre-tokenization of a 1-D string tensor, as the `tokenizers` library's added-token split and
    its ByteLevel pre-tokenizer do it.

    Args:
        text: the texts.
        special_tokens: the strings read as tokens of their own where they occur.
        lstrip_token: the one of them that takes the whitespace before it, or None.
        prefix: whether each part of a text (between special tokens) that does not start with a
            space gets one in front.

    Returns:
        A namespace of flat tensors: per part of the texts (in order) `row` (its text),
        `special` (its index in `special_tokens`, -1 for text), `origin` and `size` (its bytes:
        the first one's position in all the texts' bytes one after another, and how many, without
        the whitespace `lstrip_token` took) and `shift` (1 where a space was put in front); per
        word `part`, `start` and `end` (its bytes in its part, the added space being byte 0) and
        `word` (its bytes, the added space included); `row_bytes`: each text's first byte.
    """
    tf, tf_text = _tf()
    # regex_split stops at a NUL byte: the splits run on a copy with U+0001 (the same regex class,
    # the same length) in its place, and the words' bytes are read from the text itself.
    work = tf.strings.regex_replace(text, "\x00", "\x01")
    pattern = "|".join(re.escape(t) for t in sorted(special_tokens, key=len, reverse=True))
    parts, part_starts, _ = tf_text.regex_split_with_offsets(work, pattern, pattern)
    flat, rows = parts.flat_values, parts.value_rowids()
    match = tf.equal(flat[:, None], tf.constant(list(special_tokens))[None, :])
    text_part = tf.constant(-1, tf.int64)
    special = tf.where(tf.reduce_any(match, axis=1), tf.argmax(tf.cast(match, tf.int32), axis=1), text_part)
    if lstrip_token is not None:  # the text before it loses its trailing whitespace
        before = tf.concat([tf.equal(special[1:], list(special_tokens).index(lstrip_token))
                            & tf.equal(rows[1:], rows[:-1]), [False]], 0)
        flat = tf.where(before, tf.strings.regex_replace(flat, f"[{_SPACE}]+$", ""), flat)
    size = tf.cast(tf.strings.length(flat), tf.int64)
    shifted = (special < 0) & (size > 0) & tf.not_equal(tf.strings.substr(flat, 0, 1), " ")
    shifted = shifted if prefix else tf.zeros_like(shifted)
    working = tf.where(special >= 0, "", tf.where(shifted, tf.strings.join([" ", flat]), flat))
    shift = tf.cast(shifted, tf.int64)

    chunks, chunk_starts, _ = tf_text.regex_split_with_offsets(working, _CHUNK, _CHUNK)
    words, word_starts, word_ends = tf_text.regex_split_with_offsets(chunks.flat_values, _WORD, _WORD)
    chunk = words.value_rowids()
    part = tf.gather(chunks.value_rowids(), chunk)
    start = word_starts.flat_values + tf.gather(chunk_starts.flat_values, chunk)
    end = word_ends.flat_values + tf.gather(chunk_starts.flat_values, chunk)

    # Byte b of working part j is byte origin[j] + b - shift[j] of the texts (or the added space).
    row_bytes = tf.cumsum(tf.cast(tf.strings.length(text), tf.int64), exclusive=True)
    origin = tf.gather(row_bytes, rows) + part_starts.flat_values
    text_bytes = tf.concat([tf.strings.bytes_split(text).flat_values, [" "]], 0)  # the added space last
    positions = tf.ragged.range(start, end)
    position_part = tf.gather(part, positions.value_rowids())
    at = positions.flat_values
    at = tf.where(at < tf.gather(shift, position_part), tf.size(text_bytes, tf.int64) - 1,
                  at + tf.gather(origin - shift, position_part))
    word = tf.strings.reduce_join(positions.with_flat_values(tf.gather(text_bytes, at)), axis=1)
    return types.SimpleNamespace(row=rows, special=special, origin=origin, size=size, shift=shift, part=part,
                                 start=start, end=end, word=word, row_bytes=row_bytes)


def merge_words(merges, size, values, splits):
    """The merge rules applied to words of symbol ids (ragged: int64 flat `values`, row `splits`).

    `merges` (a lookup table) maps `left * size + right` to `rank * size + merged id`, -1 without
    a rule. A step merges, in each word, every occurrence of its lowest-ranked pair; it loops
    until no word has a pair with a rule. Returns the merged `(values, splits)`.
    """
    tf, _ = _tf()
    never = tf.constant(2**62, tf.int64)

    def step(values, splits, _):
        rows, words = _row_ids(splits), tf.size(splits) - 1
        packed = merges.lookup(values[:-1] * size + values[1:])
        found = (packed >= 0) & tf.equal(rows[:-1], rows[1:])
        rank = tf.where(found, packed // size, never)
        chosen = found & tf.equal(rank, tf.gather(tf.math.unsorted_segment_min(rank, rows[:-1], words), rows[:-1]))
        # Chosen pairs overlap only in runs of one symbol ("a a a"): take the 1st, 3rd... of a run.
        run_start = chosen & ~tf.pad(chosen, [[1, 0]])[:-1]
        count = tf.cumsum(tf.cast(chosen, tf.int64))
        at_start = tf.concat([tf.zeros([1], tf.int64), tf.boolean_mask(count, run_start)], 0)
        take = chosen & tf.equal((count - tf.gather(at_start, tf.cumsum(tf.cast(run_start, tf.int64)))) % 2, 0)
        merged = tf.concat([tf.where(take, packed % size, values[:-1]), values[-1:]], 0)
        kept = ~tf.pad(take, [[1, 0]])[:tf.size(values)]  # the right symbol of a merged pair goes
        lengths = tf.math.unsorted_segment_sum(tf.cast(kept, tf.int64), rows, words)
        splits = tf.concat([tf.zeros([1], tf.int64), tf.cumsum(lengths)], 0)
        return tf.boolean_mask(merged, kept), splits, tf.reduce_any(chosen)

    values, splits, _ = tf.while_loop(lambda values, splits, more: more, step, (values, splits, tf.constant(True)))
    return values, splits


def char_spans(text, row_bytes):
    """A function `(row, start, end) -> (start, end)`: bytes [start, end) of the texts (all their
    bytes one after another) -> the code points, in text `row`, of the characters holding them
    (a zero-width span stays zero-width)."""
    tf, _ = _tf()
    chars = tf.strings.unicode_decode_with_offsets(text, "UTF-8", errors="replace")[1]
    char_bytes = chars.flat_values + tf.gather(row_bytes, chars.value_rowids())

    def spans(row, start, end):
        first = tf.gather(chars.row_splits, row)
        at = tf.searchsorted(char_bytes, start, side="right", out_type=tf.int64) - 1
        last = tf.searchsorted(char_bytes, end - 1, side="right", out_type=tf.int64)
        return at - first, tf.where(end > start, last, at) - first

    return spans
