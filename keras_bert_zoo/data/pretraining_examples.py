"""BERT pretraining instances (next-sentence or sentence-order pairs, or single segments) from a
stream of documents.

The logic is that of Google's original `create_pretraining_data.py` (read for its facts):
sentences of a document fill a chunk up to a target length (the maximum, or with probability
`short_seq_prob` a random length from 2 up, so the model also sees short sequences); the
chunk is split at a random sentence boundary into segments A and B; with probability 0.5 (and
always for a one-sentence chunk) B is instead read from a random other document from a random
sentence on, labelled 1 ("random"), and the chunk's sentences it did not use go back to the
document for the next instance; a pair too long loses tokens from its longer segment, one at
a time, each from the front or the back at random. Labels follow Hugging Face's
`next_sentence_label`: 0 = B is the actual continuation, 1 = B is random.

Deviations, and why:
  * Streaming: the corpus may not fit in memory, so the random other document comes from a
    window of `random_document_buffer` documents around the current one (half of them read
    ahead, so the first documents have others to draw from), not from the whole corpus; and
    documents are not shuffled globally (shuffle the written examples instead). Original
    BERT retries ten times to draw a document other than the current one; here it never is.
    Where a window holds a single document (a one-document corpus) a one-sentence chunk
    cannot get a B and is dropped.
  * The short target length is drawn again for every instance; original BERT draws it once
    per document, so one draw made every instance of a long document short.
  * Truncation draws how many of a segment's removed tokens come off the front in one
    binomial draw: the same distribution as one coin per removed token, fewer draws.
  * `dupe_factor` (several passes with different choices) is not here: masks are drawn in
    the input pipeline (`pretraining_dataset`) or per copy (`write_masked_examples`).
  * `objective=None` gives single segments `[CLS] sentences [SEP]` of contiguous sentences of
    one document (RoBERTa's DOC-SENTENCES), without a label; with `cross_documents=True` the
    sentences run on across document boundaries with an end token between two documents
    (RoBERTa's FULL-SENTENCES, which its paper trained with).

Sentence-order prediction (`objective="sop"`, ALBERT: Lan et al., 2019; Google's ALBERT
`create_pretraining_data.py` read for its facts) splits chunks as above, and with probability
0.5 swaps A and B instead of replacing B: both segments are always consecutive text of one
document, so the label is about order and coherence, not topic. Labels follow Hugging Face's
`sentence_order_label`: 0 = A then B as in the document, 1 = swapped; truncation comes after
the swap, as in ALBERT. ALBERT's script is the NSP one with the random B replaced by the swap
(its `random_next_sentence=True` gives NSP back, here `objective="nsp"`). Deviation, and why:
  * ALBERT still gives a one-sentence chunk a B from a random other document, labelled 1 like
    a swap, so that label also means "unrelated text", the topic cue SOP exists to remove.
    Here a chunk that reached its target length with one sentence takes the next sentence
    too (truncation then fits the pair into the sequence, as for any chunk that overshoots),
    and a document's last sentence left alone in a chunk is not used (nor a one-sentence
    document): every pair is two segments of one document. Nor does SOP need other documents,
    so `random_document_buffer` plays no part.
"""

import collections
import itertools
import weakref

import numpy as np

from keras_bert_zoo.data.masking import check_int, check_rate, check_seed
from keras_bert_zoo.text.tokenizer_base import check_tokenizer

# Sentences per tokenizer call: one call over many documents costs little more than over one.
_SENTENCES_PER_CALL = 2048
# Each tokenizer's compiled call, traced once (seconds) and then ~3x faster than eager calls.
_COMPILED = weakref.WeakKeyDictionary()
# The pair objectives and the key of their label (Hugging Face's names); None: single segments.
PAIR_LABELS = {"nsp": "next_sentence_label", "sop": "sentence_order_label"}


def resolve_objective(objective="nsp", next_sentence_prediction=None):
    """The pair objective that `objective` and the older `next_sentence_prediction` flag give.

    `next_sentence_prediction=True` is `objective="nsp"`, False is `objective=None`; when the
    flag is given it overrides the default objective and must agree with any other one.

    Args:
        objective: "nsp", "sop" or None.
        next_sentence_prediction: None (not given), or a bool.

    Returns:
        "nsp", "sop" or None.

    Example:
        >>> resolve_objective("sop"), resolve_objective(next_sentence_prediction=False)
        ('sop', None)
    """
    if objective is not None and objective not in PAIR_LABELS:
        raise ValueError(f"`objective` must be one of {[*PAIR_LABELS, None]}, got {objective!r}")
    if next_sentence_prediction is None:
        return objective
    if not isinstance(next_sentence_prediction, bool):
        raise TypeError(f"`next_sentence_prediction` must be a bool, got {next_sentence_prediction!r}")
    flagged = "nsp" if next_sentence_prediction else None
    if objective not in ("nsp", flagged):
        raise ValueError(f"next_sentence_prediction={next_sentence_prediction} contradicts "
                         f"objective={objective!r}; give `objective` alone.")
    return flagged


def create_instances(documents, tokenizer, max_sequence_length=128, short_seq_prob=0.1,
                     next_sentence_prediction=None, seed=0, random_document_buffer=1000, cross_documents=False,
                     objective="nsp"):
    """Yields pretraining instances, reading `documents` once, lazily.

    Args:
        documents: an iterable of documents, each a list of sentence strings (any size of
            corpus: documents are read as they are needed).
        tokenizer: a `BertTokenizer`.
        max_sequence_length: the longest instance, special tokens included (>= 5 for pairs,
            else >= 4).
        short_seq_prob: the probability of a shorter random target length.
        next_sentence_prediction: the older spelling of `objective`: True is "nsp", False is
            None (see `resolve_objective`).
        seed: seeds the numpy Generator of every choice: the same inputs and seed give the
            same instances.
        random_document_buffer: how many documents (the current one included) the random B
            can come from (NSP only).
        cross_documents: (single segments only) fill each instance with sentences across
            document boundaries, the tokenizer's end token between two documents, instead of
            starting each document afresh: RoBERTa's FULL-SENTENCES packing, which wastes no
            room on short documents.
        objective: "nsp": next-sentence pairs (BERT), "sop": sentence-order pairs (ALBERT),
            None: single segments (RoBERTa).

    Returns:
        An iterator of dicts: `token_ids` (list of int, `[CLS] A [SEP] B [SEP]` or
        `[CLS] A [SEP]`, unpadded), `segment_ids` (0 up to the first [SEP], 1 after it) and,
        for pairs, `next_sentence_label` (NSP: 0 actual next, 1 random) or
        `sentence_order_label` (SOP: 0 in the document's order, 1 swapped).

    Example:
        >>> documents = [["The cat sat.", "It purred."], ["Rain fell all day.", "Roads flooded."]]
        >>> for instance in create_instances(documents, tokenizer, max_sequence_length=64):
        ...     print(tokenizer.detokenize(instance["token_ids"]), instance["next_sentence_label"])
        >>> albert = create_instances(documents, tokenizer, objective="sop")  # sentence_order_label
    """
    check_tokenizer(tokenizer)
    objective = resolve_objective(objective, next_sentence_prediction)
    # Room for [CLS], the [SEP]s and a target of at least 2 tokens (1 per segment).
    check_int("max_sequence_length", max_sequence_length, 4 if objective is None else 5)
    check_rate("short_seq_prob", short_seq_prob)
    check_seed(seed)
    check_int("random_document_buffer", random_document_buffer, 2)
    if not isinstance(cross_documents, bool):
        raise TypeError(f"`cross_documents` must be a bool, got {cross_documents!r}")
    if cross_documents and objective is not None:
        raise ValueError("cross_documents packs single segments: set objective=None "
                         "(next_sentence_prediction=False).")
    builder = _Builder(tokenizer, max_sequence_length, short_seq_prob, np.random.default_rng(seed))
    documents = tokenize_documents(documents, tokenizer)
    if cross_documents:
        return builder.full_sentences(documents)
    if objective == "sop":
        return itertools.chain.from_iterable(map(builder.sentence_order_pairs, documents))
    windows = _windows(documents, random_document_buffer)
    if objective == "nsp":
        return itertools.chain.from_iterable(builder.pairs(w, i) for w, i in windows)
    return itertools.chain.from_iterable(builder.singles(w[i]) for w, i in windows)


def tokenize_documents(documents, tokenizer):
    """Yields each non-empty document as a list of its non-empty sentences' token-id lists.

    Sentences of many documents go through one compiled tokenizer call (per-call overhead
    dominates small calls).

    Args:
        documents: an iterable of lists of sentence strings.
        tokenizer: a `BertTokenizer`.

    Example:
        >>> list(tokenize_documents([["Hello world.", ""], []], tokenizer))
        [[[7592, 2088, 1012]]]
    """
    import tensorflow as tf

    if tokenizer not in _COMPILED:
        call = weakref.WeakMethod(tokenizer.__call__)  # the cache must not keep the tokenizer alive
        _COMPILED[tokenizer] = tf.function(lambda text: call()(text),
                                           input_signature=[tf.TensorSpec([None], tf.string)], autograph=False)
    tokenize = _COMPILED[tokenizer]
    pending, count = [], 0
    for number, document in enumerate(documents):
        if not isinstance(document, (list, tuple)) or not all(isinstance(s, str) for s in document):
            raise TypeError(f"Document {number} must be a list of sentence strings, got {document!r:.80}")
        pending.append(document)
        count += len(document)
        if count >= _SENTENCES_PER_CALL:
            yield from _tokenized(pending, tokenize)
            pending, count = [], 0
    yield from _tokenized(pending, tokenize)


def _tokenized(documents, tokenize):
    sentences = [sentence for document in documents for sentence in document]
    if not sentences:
        return
    ragged = tokenize(sentences)
    values, splits = ragged.flat_values.numpy().tolist(), ragged.row_splits.numpy().tolist()
    row = 0
    for document in documents:
        tokenized = [values[splits[k]:splits[k + 1]] for k in range(row, row + len(document))]
        row += len(document)
        tokenized = [sentence for sentence in tokenized if sentence]
        if tokenized:
            yield tokenized


def _windows(documents, size):
    """Yields (window, index): each document as `window[index]` among up to `size` documents,
    up to `size // 2` of them read ahead. The window is reused: use it before the next one."""
    window, index, ahead = collections.deque(), 0, size // 2
    for document in documents:
        window.append(document)
        if len(window) > size:  # the oldest document was processed: index > 0 here
            window.popleft()
            index -= 1
        while len(window) - 1 - index >= ahead:
            yield window, index
            index += 1
    for index in range(index, len(window)):
        yield window, index


def _concat(sentences):
    return list(itertools.chain.from_iterable(sentences))


class _Builder:
    """Instances of one document at a time; holds the options and the random generator."""

    def __init__(self, tokenizer, max_sequence_length, short_seq_prob, rng):
        self.layout = tokenizer.layout
        self.max_sequence_length, self.short_seq_prob, self.rng = max_sequence_length, short_seq_prob, rng

    def pairs(self, window, index):
        """NSP instances of `window[index]`, random B segments from the other documents of `window`."""
        document = window[index]
        room = self.max_sequence_length - self.layout.special_tokens(2)
        chunk, length, target, i = [], 0, self._target(room), 0
        while i < len(document):
            chunk.append(document[i])
            length += len(document[i])
            if i == len(document) - 1 or length >= target:
                a_end = int(self.rng.integers(1, len(chunk))) if len(chunk) > 1 else 1
                a = _concat(chunk[:a_end])
                random_next = len(window) > 1 and (len(chunk) == 1 or self.rng.random() < 0.5)
                if random_next:
                    b = self._random_segment(window, index, target - len(a))
                    i -= len(chunk) - a_end  # the unused sentences start the next chunk
                else:
                    b = _concat(chunk[a_end:])
                if b:
                    yield self._instance(a, b, room, {"next_sentence_label": int(random_next)})
                chunk, length, target = [], 0, self._target(room)
            i += 1

    def sentence_order_pairs(self, document):
        """SOP instances of `document`: each chunk of two or more sentences split into A and B,
        swapped with probability 1/2."""
        room = self.max_sequence_length - self.layout.special_tokens(2)
        chunk, length, target = [], 0, self._target(room)
        for number, sentence in enumerate(document):
            chunk.append(sentence)
            length += len(sentence)
            if number == len(document) - 1 or (length >= target and len(chunk) > 1):
                if len(chunk) > 1:  # a lone last sentence has no partner in its document
                    a_end = int(self.rng.integers(1, len(chunk)))
                    a, b = _concat(chunk[:a_end]), _concat(chunk[a_end:])
                    swapped = bool(self.rng.random() < 0.5)
                    yield self._instance(*((b, a) if swapped else (a, b)), room,
                                         {"sentence_order_label": int(swapped)})
                chunk, length, target = [], 0, self._target(room)

    def singles(self, document):
        """Single-segment instances: contiguous sentences of `document` up to the target length."""
        room = self.max_sequence_length - self.layout.special_tokens(1)
        chunk, target = [], self._target(room)
        for number, sentence in enumerate(document):
            chunk.extend(sentence)
            if len(chunk) >= target or number == len(document) - 1:
                yield self._instance(chunk, [], room)
                chunk, target = [], self._target(room)

    def full_sentences(self, documents):
        """Single-segment instances of whole contiguous sentences that run on from one document
        into the next, an end token between them; a sentence that does not fit starts the next
        instance (only a sentence longer than an instance is cut)."""
        room = self.max_sequence_length - self.layout.special_tokens(1)
        chunk, target = [], self._target(room)
        for document in documents:
            for number, sentence in enumerate(document):
                piece = [self.layout.end_id, *sentence] if chunk and number == 0 else sentence
                if chunk and len(chunk) + len(piece) > target:
                    yield self._instance(chunk, [], room)
                    chunk, target, piece = [], self._target(room), sentence
                chunk.extend(piece)
                if len(chunk) >= target:
                    yield self._instance(chunk, [], room)
                    chunk, target = [], self._target(room)
        if chunk:
            yield self._instance(chunk, [], room)

    def _target(self, room):
        return int(self.rng.integers(2, room + 1)) if self.rng.random() < self.short_seq_prob else room

    def _random_segment(self, window, index, target):
        """Sentences of a random other document of `window`, from a random one on, up to `target` tokens."""
        other = int(self.rng.integers(len(window) - 1))
        document = window[other + (other >= index)]  # any index but `index`
        segment = []
        for sentence in itertools.islice(document, int(self.rng.integers(len(document))), None):
            segment.extend(sentence)
            if len(segment) >= target:
                break
        return segment

    def _instance(self, a, b, room, label=None):
        """The packed, truncated instance of segments `a` and `b` (empty: a single segment),
        `label` ({key: value}) added."""
        a, b = self._truncate(a, b, room)
        token_ids, segment_ids = self.layout.pack_lists([a, b] if b else [a])
        return {"token_ids": token_ids, "segment_ids": segment_ids, **(label or {})}

    def _truncate(self, a, b, room):
        """Original BERT's truncate_seq_pair, in closed form: tokens leave the longer segment
        (B on a tie) one at a time until the pair fits, so the lengths end as even as the
        shorter segment allows, A keeping the odd token; each removed token is from the front
        or the back with probability 1/2."""
        if len(a) + len(b) <= room:
            return a, b
        keep_a = min(len(a), max(room - len(b), (room + 1) // 2))
        return self._cut(a, keep_a), self._cut(b, room - keep_a)

    def _cut(self, tokens, keep):
        if keep == len(tokens):
            return tokens
        front = int(self.rng.binomial(len(tokens) - keep, 0.5))
        return tokens[front:front + keep]
