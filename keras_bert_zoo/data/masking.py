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

Why not tensorflow-text's `mask_language_model`: its `MaskValuesChooser` draws with unseeded
`tf.random.uniform`, and the `shuffle_fn` of its `RandomItemSelector` sees positions but not
which example they belong to, so masks cannot be made a function of (seed, example); the
selector also sizes the budget as ceil(rate * selectable items), not original BERT's
round(rate * sequence length), and with whole words counts words, not pieces, against it. The selection below is vectorized over
the batch; only the per-example random draw is a `tf.map_fn` (one stateless op per example).
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

    Example:
        >>> masker = MaskedLMMasker(tokenizer, max_predictions_per_seq=20, seed=1)
        >>> ds = ds.enumerate().map(lambda i, ids: masker(ids, i))   # one example or a batch
    """

    def __init__(self, tokenizer, max_predictions_per_seq=20, masking_rate=0.15, whole_word_masking=False,
                 seed=0, mask_token_rate=0.8, random_token_rate=0.1):
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
        self.max_predictions_per_seq, self.masking_rate = max_predictions_per_seq, masking_rate
        self.whole_word_masking, self.seed = whole_word_masking, seed
        self.mask_token_rate, self.random_token_rate = mask_token_rate, random_token_rate
        self.mask_token_id, self.pad_token_id = tokenizer.mask_token_id, tokenizer.pad_token_id
        self._unselectable = sorted({*tokenizer.layout.ids, tokenizer.pad_token_id})
        specials = set(tokenizer.special_token_ids)
        self._random_ids = [i for i in range(tokenizer.vocabulary_size) if i not in specials]
        self._continuation = [not start for start in tokenizer.word_starts()]

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
        # Draws per position (priority, replacement kind, random token), stacked last, so a
        # position's values do not depend on how far the example is padded.
        seed = tf.constant(self.seed, tf.int64)
        uniform = tf.map_fn(lambda i: tf.random.stateless_uniform(tf.stack([length, 3]), tf.stack([seed, i])),
                            example_index, fn_output_signature=tf.float32)
        real = ids != self.pad_token_id
        eligible = ~tf.reduce_any(ids[:, :, None] == tf.constant(self._unselectable)[None, None], axis=-1)
        budget = tf.cast(tf.round(tf.cast(tf.reduce_sum(tf.cast(real, tf.int32), 1), tf.float64)
                                  * self.masking_rate), tf.int32)
        budget = tf.minimum(self.max_predictions_per_seq, tf.maximum(1, budget))
        selected = self._select(ids, eligible, uniform[:, :, 0], budget)

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

    def _select(self, ids, eligible, priority, budget):
        """Bool (B, L): the selected positions. Works on words: word w of row b is entry (b, w)."""
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

        def per_word(values):
            return tf.reshape(tf.math.unsorted_segment_sum(values, segment, segments)[:-1], [batch, length])

        size = per_word(tf.cast(eligible, tf.int32))
        priority = tf.where(size > 0, per_word(tf.where(start, priority, 0.0)), 2.0)  # a word's first piece's
        if self.whole_word_masking:
            chosen = self._greedy(size, priority, budget)
        else:  # one piece per word: the budget's worth of lowest priorities
            rank = tf.argsort(tf.argsort(priority, axis=1), axis=1)
            chosen = (rank < budget[:, None]) & (size > 0)
        return eligible & tf.gather(chosen, tf.maximum(word, 0), batch_dims=1)

    @staticmethod
    def _greedy(size, priority, budget):
        """Words in priority order, each taken if it fits in what is left of the budget.

        Sequentially, a word skipped for being too large stays too large as the budget only
        shrinks, so the next word taken is always the lowest-priority word not yet taken that
        fits: one step per taken word, at most P steps, each vectorized over the batch.
        """
        import tensorflow as tf

        def fits(taken, left):
            return (size > 0) & ~taken & (size <= left[:, None])

        def step(taken, left):
            candidates = fits(taken, left)
            best = tf.argmin(tf.where(candidates, priority, 2.0), axis=1, output_type=tf.int32)
            take = candidates & (tf.range(tf.shape(size)[1])[None] == best[:, None])
            return taken | take, left - tf.reduce_sum(tf.where(take, size, 0), axis=1)

        taken, _ = tf.while_loop(lambda taken, left: tf.reduce_any(fits(taken, left)), step,
                                 (tf.zeros_like(size, tf.bool), budget))
        return taken
