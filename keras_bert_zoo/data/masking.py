"""BERT's masked-LM masking in TensorFlow ops, deterministic per example and fresh every epoch.

Google's original `create_pretraining_data.py` masks each sequence once, when the data is
written (static masking). `MaskedLMMasker` does the same selection in `tf.data` instead, so
every pass over the data can draw new masks (RoBERTa's dynamic masking) while staying
reproducible: the random numbers of an example come from `tf.random.stateless_uniform` keyed
by `(seed, example_index)`. A pipeline that numbers its examples after `.repeat()` (see
`pretraining_dataset`) gives each epoch new indices, hence new masks, and a resumed run that
skips the examples it has seen gets the very masks of an uninterrupted run.

The rules are original BERT's:
  * `[CLS]`, `[SEP]` and `[PAD]` (padding) are never selected;
  * min(max_predictions_per_seq, max(1, round(length * masking_rate))) tokens are to be
    predicted, `length` counting every non-padding token, `[CLS]` and `[SEP]` included;
  * candidates are taken in a random order; with whole-word masking a candidate is a word (a
    piece and the "##" pieces that follow it) and a word whose pieces would exceed the
    remaining budget is skipped, so the next words in the order may still fill it;
  * each selected token becomes `[MASK]` with probability `mask_token_rate` (0.8), a random
    token with probability `random_token_rate` (0.1), else stays unchanged.
One difference: the random token is drawn uniformly from the vocabulary *without* its special
tokens ([PAD], [UNK], [CLS], [SEP], [MASK]); original BERT draws from the whole vocabulary,
which can put a [PAD] or [SEP] inside a sequence and confuse anything that finds padding or
segments by id.

N-gram masking (`max_ngram` > 1) is ALBERT's (Lan et al., 2019; its `create_pretraining_data.py`
read for the facts): the units above (words with whole-word masking, else pieces) are taken
in a random order of their positions, each as the start of a span of n consecutive units, n
drawn from 1..max_ngram with probability proportional to 1/n (for 3: 6/11, 3/11, 2/11); a span
whose pieces exceed the remaining budget falls back to n - 1, n - 2, ... units and is skipped
if even its first unit does not fit; a span that overlaps one taken before is skipped. ALBERT
masks with `whole_word_masking=True, max_ngram=3`. Differences, and why:
  * A span never runs over a special token: one that would is cut short before it (the `[SEP]`
    between A and B, the last `[SEP]`, padding), as ALBERT cuts spans at the end of the
    sequence. ALBERT's candidate list leaves `[CLS]` and `[SEP]` out, so its spans can join the
    end of A to the start of B, a "phrase" that is none.
  * n is drawn stateless per (seed, example, position), like every other draw here; ALBERT
    draws it from numpy's global generator, unseeded, so its masks are not reproducible.

Why not tensorflow-text's `mask_language_model`: its `MaskValuesChooser` draws with unseeded
`tf.random.uniform`, and the `shuffle_fn` of its `RandomItemSelector` sees positions but not
which example they belong to, so masks cannot be made a function of (seed, example); the
selector also sizes the budget as ceil(rate * selectable items), not original BERT's
round(rate * sequence length), and with whole words counts words, not pieces, against it; it
has no n-grams either. The selection below is vectorized over the batch; only the per-example
random draw is a `tf.map_fn` (one stateless op per example).
"""

from keras_bert_zoo.text.tokenizer_base import check_tokenizer


def check_rate(name, value):
    """Raises ValueError unless `value` is a number in [0, 1]."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value <= 1:
        raise ValueError(f"`{name}` must be a number in [0, 1], got {value!r}")


def check_int(name, value, minimum):
    """Raises ValueError unless `value` is an int >= `minimum`."""
    if type(value) is not int or value < minimum:
        raise ValueError(f"`{name}` must be an int >= {minimum}, got {value!r}")


def check_seed(seed):
    """Raises ValueError unless `seed` is an int in [0, 2**63) (numpy seeds and tf int64 alike)."""
    if type(seed) is not int or not 0 <= seed < 2**63:
        raise ValueError(f"`seed` must be an int in [0, 2**63), got {seed!r}")


class MaskedLMMasker:
    """Selects and corrupts tokens for masked-LM pretraining; call it in `tf.data.Dataset.map`.

    Args:
        tokenizer: the tokenizer of the ids (special ids, vocabulary, where words start).
        max_predictions_per_seq: at most this many predictions per sequence (the `P` of the
            outputs, which are padded to it).
        masking_rate: the fraction of tokens to predict (BERT: 0.15).
        whole_word_masking: select all pieces of a word together.
        seed: the int keying every random draw with the example index.
        mask_token_rate: the share of selected tokens replaced by [MASK].
        random_token_rate: the share of selected tokens replaced by a random non-special token.
        max_ngram: select spans of 1 to `max_ngram` consecutive words (pieces without whole-word
            masking), n with probability proportional to 1/n (ALBERT: 3, with whole-word
            masking); 1 selects single words or pieces, as BERT.

    Example:
        >>> masker = MaskedLMMasker(tokenizer, max_predictions_per_seq=20, seed=1)
        >>> ds = ds.enumerate().map(lambda i, ids: masker(ids, i))   # one example or a batch
        >>> albert = MaskedLMMasker(tokenizer, whole_word_masking=True, max_ngram=3)
    """

    def __init__(self, tokenizer, max_predictions_per_seq=20, masking_rate=0.15, whole_word_masking=False,
                 seed=0, mask_token_rate=0.8, random_token_rate=0.1, max_ngram=1):
        check_tokenizer(tokenizer)
        check_int("max_predictions_per_seq", max_predictions_per_seq, 1)
        for name, rate in (("masking_rate", masking_rate), ("mask_token_rate", mask_token_rate),
                           ("random_token_rate", random_token_rate)):
            check_rate(name, rate)
        if mask_token_rate + random_token_rate > 1:
            raise ValueError(f"`mask_token_rate` + `random_token_rate` must be <= 1, got "
                             f"{mask_token_rate} + {random_token_rate}")
        if not isinstance(whole_word_masking, bool):
            raise TypeError(f"`whole_word_masking` must be a bool, got {whole_word_masking!r}")
        check_seed(seed)
        check_int("max_ngram", max_ngram, 1)
        self.max_predictions_per_seq, self.masking_rate = max_predictions_per_seq, masking_rate
        self.whole_word_masking, self.seed, self.max_ngram = whole_word_masking, seed, max_ngram
        self.mask_token_rate, self.random_token_rate = mask_token_rate, random_token_rate
        self.mask_token_id, self.pad_token_id = tokenizer.mask_token_id, tokenizer.pad_token_id
        self._unselectable = sorted({*tokenizer.layout.ids, tokenizer.pad_token_id})
        specials = set(tokenizer.special_token_ids)
        self._random_ids = [i for i in range(tokenizer.vocabulary_size) if i not in specials]
        self._continuation = [not start for start in tokenizer.word_starts()]
        # P(n) proportional to 1/n; a uniform u gives n = 1 + the number of these bounds <= u.
        weights = [1 / n for n in range(1, max_ngram + 1)]
        self._ngram_bounds = [sum(weights[:n]) / sum(weights) for n in range(1, max_ngram)]

    def __call__(self, token_ids, example_index):
        """Masks one example or a batch.

        Args:
            token_ids: int ids, (L,) or (B, L), padded with [PAD] (`tokenizer.pad_token_id`).
            example_index: int, scalar or (B,): the example's number in the stream; with
                `seed` it fixes all random choices of the example.

        Returns:
            A dict of `token_ids` (the corrupted ids, the input's dtype and shape),
            `mask_positions` (int32, ascending, padded with 0), `mask_ids` (int32, the original
            ids there, padded with 0) and `mask_weights` (float32, 1.0 for a prediction, 0.0 for
            padding), each (P,) or (B, P) with P = `max_predictions_per_seq`.
        """
        import tensorflow as tf

        token_ids = tf.convert_to_tensor(token_ids)
        example_index = tf.cast(example_index, tf.int64)
        if token_ids.shape.rank not in (1, 2) or example_index.shape.rank != token_ids.shape.rank - 1:
            raise ValueError(f"`token_ids` must be (L,) or (B, L) with `example_index` () or (B,), got shapes "
                             f"{token_ids.shape} and {example_index.shape}")
        if token_ids.shape.rank == 1:
            return {key: value[0] for key, value in self(token_ids[None], example_index[None]).items()}
        ids = tf.cast(token_ids, tf.int32)
        length = tf.shape(ids)[1]
        # Draws per position (priority, replacement kind, random token, and with n-grams the
        # span length), stacked last, so a position's values do not depend on how far the
        # example is padded. The fourth only with n-grams: unigram masks stay those of before.
        draws = 3 if self.max_ngram == 1 else 4
        seed = tf.constant(self.seed, tf.int64)
        uniform = tf.map_fn(lambda i: tf.random.stateless_uniform(tf.stack([length, draws]), tf.stack([seed, i])),
                            example_index, fn_output_signature=tf.float32)
        real = ids != self.pad_token_id
        eligible = ~tf.reduce_any(ids[:, :, None] == tf.constant(self._unselectable)[None, None], axis=-1)
        budget = tf.cast(tf.round(tf.cast(tf.reduce_sum(tf.cast(real, tf.int32), 1), tf.float64)
                                  * self.masking_rate), tf.int32)
        budget = tf.minimum(self.max_predictions_per_seq, tf.maximum(1, budget))
        selected = self._select(ids, eligible, uniform[:, :, 0], uniform[:, :, 3] if draws == 4 else None, budget)

        kind = uniform[:, :, 1]
        to_mask = selected & (kind < self.mask_token_rate)
        to_random = selected & ~to_mask & (kind < self.mask_token_rate + self.random_token_rate)
        count = len(self._random_ids)
        pick = tf.minimum(tf.cast(uniform[:, :, 2] * count, tf.int32), count - 1)
        corrupted = tf.where(to_mask, self.mask_token_id,
                             tf.where(to_random, tf.gather(tf.constant(self._random_ids, tf.int32), pick), ids))

        # Selected positions first, in ascending order, then the others; keep P of them.
        positions = tf.broadcast_to(tf.range(length)[None], tf.shape(ids))
        order = tf.argsort(tf.where(selected, positions, positions + length), axis=1)
        order = order[:, :self.max_predictions_per_seq]
        weights = tf.gather(selected, order, batch_dims=1)
        padding = [[0, 0], [0, self.max_predictions_per_seq - tf.shape(order)[1]]]  # when L < P
        outputs = {
            "token_ids": tf.cast(corrupted, token_ids.dtype),
            "mask_positions": tf.pad(tf.where(weights, order, 0), padding),
            "mask_ids": tf.pad(tf.where(weights, tf.gather(ids, order, batch_dims=1), 0), padding),
            "mask_weights": tf.pad(tf.cast(weights, tf.float32), padding),
        }
        for key in ("mask_positions", "mask_ids", "mask_weights"):
            outputs[key].set_shape([token_ids.shape[0], self.max_predictions_per_seq])
        return outputs

    def _select(self, ids, eligible, priority, ngram_draw, budget):
        """Bool (B, L): the selected positions. Works on units (words with whole-word masking,
        else pieces): unit w of row b is entry (b, w)."""
        import tensorflow as tf

        batch, length = tf.shape(ids)[0], tf.shape(ids)[1]
        start = eligible
        if self.whole_word_masking:
            # A "##" piece continues the word of the piece before it, unless that is a special token.
            continues = tf.gather(tf.constant(self._continuation), ids)
            start = eligible & ~(continues & tf.pad(eligible[:, :-1], [[0, 0], [1, 0]]))
        word = tf.cumsum(tf.cast(start, tf.int32), axis=1) - 1
        # Segment b * L + w collects the pieces of word w of row b; ineligible tokens go to a spare one.
        segment = tf.where(eligible, word + tf.range(batch)[:, None] * length, batch * length)
        segments = batch * length + 1

        def per_word(values):  # a word's value: the sum over its pieces
            return tf.reshape(tf.math.unsorted_segment_sum(values, segment, segments)[:-1], [batch, length])

        def at_start(values, default):  # a word's value: its first piece's
            return per_word(tf.where(start, values, default))

        size = per_word(tf.cast(eligible, tf.int32))
        priority = tf.where(size > 0, at_start(priority, 0.0), 2.0)
        if self.max_ngram == 1 and not self.whole_word_masking:  # the budget's worth of lowest priorities
            rank = tf.argsort(tf.argsort(priority, axis=1), axis=1)
            chosen = (rank < budget[:, None]) & (size > 0)
        else:
            if self.max_ngram == 1:
                ngram = run = None
            else:
                ngram = 1 + tf.reduce_sum(tf.cast(at_start(ngram_draw, 0.0)[:, :, None]
                                                  >= tf.constant(self._ngram_bounds), tf.int32), axis=2)
                # Tokens between two special tokens share a run number: a span stays in one run.
                run = at_start(tf.cumsum(tf.cast(~eligible, tf.int32), axis=1), 0)
            chosen = self._greedy(size, priority, budget, ngram, run)
        return eligible & tf.gather(chosen, tf.maximum(word, 0), batch_dims=1)

    def _greedy(self, size, priority, budget, ngram, run):
        """Bool (B, W): the words of the spans taken, ALBERT's sequential rule vectorized.

        Sequentially, the words are visited in priority order, each starting the longest span
        of at most its n words that fits in what is left of the budget, unless there is none or
        it overlaps a span taken before. Between two taken spans nothing changes, so the next
        span taken is that of the first word, in priority order after the last taken start,
        whose span is acceptable now: one step per taken span, at most P steps, each vectorized
        over the batch. (With single words a skipped word stays too large as the budget
        shrinks, so "after the last taken start" changes nothing; with spans a shorter fallback
        can make a skipped start acceptable later, which the sequential rule never revisits.)

        Args:
            size: int (B, W), the pieces of each word (0: no such word).
            priority: float (B, W), lower first.
            budget: int (B,), the pieces to select.
            ngram: int (B, W), the drawn span length of each start word; None: single words.
            run: int (B, W), the word's run between special tokens; None when `ngram` is.
        """
        import tensorflow as tf

        width = tf.shape(size)[1]

        def ahead(values, k, fill):  # values[:, w + k] at w
            return tf.pad(values[:, k:], [[0, 0], [0, k]], constant_values=fill)

        # [..., m - 1]: the pieces of the span of words w .. w + m - 1, and whether it may be taken.
        sizes, allowed = [size], [size > 0]
        for k in range(1, self.max_ngram):
            allowed.append(allowed[-1] & (ahead(run, k, -1) == run) & (ahead(size, k, 0) > 0))
            sizes.append(sizes[-1] + ahead(size, k, 0))
        sizes, allowed = tf.stack(sizes, axis=2), tf.stack(allowed, axis=2)
        if ngram is not None:
            allowed &= tf.range(1, self.max_ngram + 1)[None, None] <= ngram[:, :, None]
        rank = tf.argsort(tf.argsort(priority, axis=1, stable=True), axis=1, stable=True)
        positions = tf.range(width)[None]

        def step(taken, left, last, _):
            # Spans are prefixes of one another, so the longest that fits is the count that fit.
            span = tf.reduce_sum(tf.cast(allowed & (sizes <= left[:, None, None]), tf.int32), axis=2)
            overlap = tf.stack([ahead(taken, k, False) for k in range(self.max_ngram)], axis=2)
            overlap = tf.reduce_any(overlap & (tf.range(self.max_ngram)[None, None] < span[:, :, None]), axis=2)
            candidates = (span > 0) & ~overlap & (rank > last[:, None])
            found = tf.reduce_any(candidates, axis=1)
            best = tf.argmin(tf.where(candidates, rank, width), axis=1, output_type=tf.int32)
            end = best + tf.where(found, tf.gather(span, best, batch_dims=1), 0)
            take = (positions >= best[:, None]) & (positions < end[:, None])
            left -= tf.reduce_sum(tf.where(take, size, 0), axis=1)
            return taken | take, left, tf.where(found, tf.gather(rank, best, batch_dims=1), last), tf.reduce_any(found)

        start = (tf.zeros_like(size, tf.bool), budget, tf.fill(tf.shape(budget), -1), tf.constant(True))
        taken, *_ = tf.while_loop(lambda *state: state[-1], step, start)
        return taken
