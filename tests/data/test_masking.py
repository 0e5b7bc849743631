"""MaskedLMMasker: BERT's masking statistics, whole words, ALBERT's n-grams, determinism per (seed, example)."""

import hashlib

import numpy as np
import pytest

tf = pytest.importorskip("tensorflow")
pytest.importorskip("tensorflow_text")

from keras_bert_zoo.data.masking import MaskedLMMasker  # noqa: E402
from keras_bert_zoo.text import BertTokenizer  # noqa: E402

SPECIALS = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
WORDS = ["the", "cat", "sat", "on", "mat", "play", "walk", "un", "believ", "talk", "house", "river"]
PIECES = ["##s", "##ed", "##ing", "##able", "##er"]
PAD, CLS, SEP, MASK = 0, 2, 3, 4


@pytest.fixture(scope="module")
def tokenizer():
    return BertTokenizer(SPECIALS + WORDS + PIECES)


def batch(tokenizer, rows=400, length=64, seed=0):
    """Pairs [CLS] A [SEP] B [SEP] of random words and pieces, then padding; row lengths vary."""
    rng = np.random.default_rng(seed)
    ids = np.full((rows, length), PAD, np.int32)
    for row in range(rows):
        used = int(rng.integers(8, length + 1))
        ids[row, :used] = rng.integers(len(SPECIALS), tokenizer.vocabulary_size, used)
        ids[row, [0, used // 2, used - 1]] = [CLS, SEP, SEP]
    return ids


def to_numpy(outputs):
    return {key: value.numpy() for key, value in outputs.items()}


def selected_mask(outputs, shape):
    """Bool (B, L) of the predicted positions."""
    selected = np.zeros(shape, bool)
    for row, (positions, weights) in enumerate(zip(outputs["mask_positions"], outputs["mask_weights"])):
        selected[row, positions[weights > 0]] = True
    return selected


def test_statistics_and_output_format(tokenizer):
    ids = batch(tokenizer)
    out = to_numpy(MaskedLMMasker(tokenizer, max_predictions_per_seq=20, seed=7)(ids, np.arange(len(ids))))
    assert out["mask_positions"].dtype == np.int32 and out["mask_ids"].dtype == np.int32
    assert out["mask_weights"].dtype == np.float32 and out["token_ids"].dtype == np.int32
    assert out["mask_positions"].shape == out["mask_ids"].shape == out["mask_weights"].shape == (len(ids), 20)
    lengths = (ids != PAD).sum(1)
    counts = out["mask_weights"].sum(1)
    # Original BERT's count: round(length * rate), [CLS] and [SEP] counted, at least 1, at most P.
    np.testing.assert_array_equal(counts, np.minimum(20, np.maximum(1, np.round(lengths * 0.15))))
    for row in range(len(ids)):
        n = int(counts[row])
        positions = out["mask_positions"][row]
        assert np.all(np.diff(positions[:n]) > 0) and np.all(positions[n:] == 0)
        assert np.all(out["mask_weights"][row, :n] == 1) and np.all(out["mask_ids"][row, n:] == 0)
        np.testing.assert_array_equal(out["mask_ids"][row, :n], ids[row, positions[:n]])
    selected = selected_mask(out, ids.shape)
    assert not np.any(selected & np.isin(ids, [CLS, SEP, PAD]))
    np.testing.assert_array_equal(out["token_ids"][~selected], ids[~selected])  # the rest is untouched
    eligible = ~np.isin(ids, [CLS, SEP, PAD])
    assert 0.15 < selected.sum() / eligible.sum() < 0.19  # 15% of all tokens, fewer eligible ones

    before, after = ids[selected], out["token_ids"][selected]
    masked, kept = np.mean(after == MASK), np.mean(after == before)
    assert abs(masked - 0.8) < 0.03 and abs(kept - 0.1) < 0.02 and abs(1 - masked - kept - 0.1) < 0.02
    random = after[(after != MASK) & (after != before)]
    assert np.all(random >= len(SPECIALS))  # random replacements are never special tokens
    assert len(np.unique(random)) == tokenizer.vocabulary_size - len(SPECIALS)  # uniform over the rest


def test_max_predictions_and_short_sequences(tokenizer):
    ids = batch(tokenizer, rows=50, length=64)
    out = to_numpy(MaskedLMMasker(tokenizer, max_predictions_per_seq=3)(ids, np.arange(50)))
    counts, lengths = out["mask_weights"].sum(1), (ids != PAD).sum(1)
    assert np.all(counts <= 3) and np.all(counts[lengths >= 24] == 3)  # round(24 * 0.15) = 4
    short = np.array([[CLS, 10, SEP, PAD]], np.int32)  # L=4 < P=6, one eligible token
    out = to_numpy(MaskedLMMasker(tokenizer, max_predictions_per_seq=6, masking_rate=1.0)(short, [0]))
    np.testing.assert_array_equal(out["mask_positions"], [[1, 0, 0, 0, 0, 0]])
    np.testing.assert_array_equal(out["mask_weights"], [[1, 0, 0, 0, 0, 0]])


def word_starts(ids, tokenizer):
    continuation = np.array([t.startswith("##") for t in tokenizer.vocabulary])[ids]
    eligible = ~np.isin(ids, [CLS, SEP, PAD])
    previous = np.pad(eligible[:, :-1], ((0, 0), (1, 0)))
    return eligible & ~(continuation & previous), eligible


def test_whole_word_masking(tokenizer):
    ids = batch(tokenizer, rows=300, length=48, seed=1)
    out = to_numpy(MaskedLMMasker(tokenizer, max_predictions_per_seq=8, whole_word_masking=True,
                                  masking_rate=0.2)(ids, np.arange(len(ids))))
    selected = selected_mask(out, ids.shape)
    starts, eligible = word_starts(ids, tokenizer)
    budgets = np.minimum(8, np.maximum(1, np.round((ids != PAD).sum(1) * 0.2)))
    multi_piece_words = 0
    for row in range(len(ids)):
        word = np.cumsum(starts[row]) - 1
        words = {}
        for position in np.flatnonzero(eligible[row]):
            words.setdefault(word[position], []).append(position)
        chosen = [w for w, positions in words.items() if selected[row, positions].any()]
        for w in chosen:  # every piece of a selected word is selected
            assert selected[row, words[w]].all()
            multi_piece_words += len(words[w]) > 1
        # Greedy with skipping: whatever budget is left, no unselected word fits in it.
        left = budgets[row] - selected[row].sum()
        assert left >= 0
        assert all(len(positions) > left for w, positions in words.items() if w not in chosen)
    assert multi_piece_words > 50
    assert not np.any(selected & np.isin(ids, [CLS, SEP, PAD]))


@pytest.mark.parametrize("options", [{}, {"whole_word_masking": True, "max_ngram": 3}])
def test_deterministic_per_seed_and_example(tokenizer, options):
    ids = batch(tokenizer, rows=6, length=32)
    masker = MaskedLMMasker(tokenizer, seed=3, **options)
    first = to_numpy(masker(ids, np.arange(6)))
    again = to_numpy(MaskedLMMasker(tokenizer, seed=3, **options)(ids, np.arange(6)))
    other_epoch = to_numpy(masker(ids, np.arange(6) + 6))
    other_seed = to_numpy(MaskedLMMasker(tokenizer, seed=4, **options)(ids, np.arange(6)))
    for key in first:
        np.testing.assert_array_equal(first[key], again[key])
    assert not np.array_equal(first["mask_positions"], other_epoch["mask_positions"])
    assert not np.array_equal(first["mask_positions"], other_seed["mask_positions"])
    # An example's masks depend on its index only: not on its batch, row or padding.
    single = to_numpy(masker(ids[2], 2))
    longer = to_numpy(masker(np.pad(ids[::-1], ((0, 0), (0, 9))), np.arange(6)[::-1]))
    for key in ("mask_positions", "mask_ids", "mask_weights"):
        np.testing.assert_array_equal(single[key], first[key][2])
        np.testing.assert_array_equal(longer[key][::-1], first[key])
    np.testing.assert_array_equal(single["token_ids"], first["token_ids"][2])


@pytest.mark.parametrize("max_ngram", [1, 3])
def test_in_a_dataset_map(tokenizer, max_ngram):
    ids = batch(tokenizer, rows=8, length=16)
    masker = MaskedLMMasker(tokenizer, max_predictions_per_seq=4, whole_word_masking=True, max_ngram=max_ngram)
    dataset = tf.data.Dataset.from_tensor_slices(ids).enumerate().map(lambda i, x: masker(x, i))
    rows = list(dataset.as_numpy_iterator())
    batched = to_numpy(masker(ids, np.arange(8)))
    for key in batched:
        np.testing.assert_array_equal(np.stack([row[key] for row in rows]), batched[key])


@pytest.mark.parametrize("kwargs, message", [
    ({"masking_rate": 1.2}, "masking_rate"),
    ({"masking_rate": -0.1}, "masking_rate"),
    ({"max_predictions_per_seq": 0}, "max_predictions_per_seq"),
    ({"mask_token_rate": 0.95, "random_token_rate": 0.1}, "mask_token_rate"),
    ({"seed": 2**64}, "seed"),
    ({"seed": -1}, "seed"),
    ({"max_ngram": 0}, "max_ngram"),
    ({"max_ngram": 2.0}, "max_ngram"),
])
def test_bad_arguments(tokenizer, kwargs, message):
    with pytest.raises(ValueError, match=message):
        MaskedLMMasker(tokenizer, **kwargs)


def test_bad_shapes(tokenizer):
    with pytest.raises(ValueError, match="example_index"):
        MaskedLMMasker(tokenizer)(np.ones((2, 5), np.int32), 0)


def albert_reference(ids, uniform, budget, max_ngram, tokenizer, whole_word_masking=True, cut_at_specials=True):
    """ALBERT's n-gram selection, one row, in plain Python on the masker's own draws (priority in
    column 0 and span length in column 3 at a unit's first piece). Returns (selected positions,
    [(drawn n, taken n or 0 if skipped, the longest n that would fit)] of the starts in the order
    visited)."""
    continuation = [token.startswith("##") for token in tokenizer.vocabulary]
    units, runs, run, previous_eligible = [], [], 0, False
    for position, token in enumerate(ids):
        if token in (CLS, SEP, PAD):
            run, previous_eligible = run + 1, False
            continue
        if whole_word_masking and continuation[token] and previous_eligible:
            units[-1].append(position)
        else:
            units.append([position])
            runs.append(run if cut_at_specials else 0)
        previous_eligible = True
    weights = np.array([1 / n for n in range(1, max_ngram + 1)])
    bounds = (np.cumsum(weights) / weights.sum())[:-1].astype(np.float32)
    covered, visited = set(), []
    for unit in sorted(range(len(units)), key=lambda u: (uniform[units[u][0], 0], u)):
        if len(covered) >= budget:
            break

        def longest(limit):  # the longest span of at most `limit` units here that fits the budget
            n = min(limit, sum(1 for r in runs[unit:unit + limit] if r == runs[unit]))
            while n and len(covered) + sum(len(u) for u in units[unit:unit + n]) > budget:
                n -= 1  # fall back to a shorter span, down to none
            return n

        drawn = 1 + int(np.sum(uniform[units[unit][0], 3] >= bounds))
        n, room = longest(drawn), longest(max_ngram)
        span = [position for u in units[unit:unit + n] for position in u]
        taken = n if n and not covered.intersection(span) else 0
        covered.update(span if taken else ())
        visited.append((drawn, taken, room))
    return covered, visited


@pytest.mark.parametrize("whole_word_masking", [True, False])
def test_ngram_masking_is_albert_selection(tokenizer, whole_word_masking):
    """The vectorized selection is ALBERT's sequential one exactly, spans cut at special tokens;
    so the span lengths measured on the reference are the masker's."""
    rows, length, seed, max_ngram, rate = 1000, 48, 5, 3, 0.3  # budgets with room for long spans
    ids = batch(tokenizer, rows=rows, length=length, seed=2)
    masker = MaskedLMMasker(tokenizer, max_predictions_per_seq=20, masking_rate=rate,
                            whole_word_masking=whole_word_masking, max_ngram=max_ngram, seed=seed)
    selected = selected_mask(to_numpy(tf.function(masker.__call__)(ids, np.arange(rows))), ids.shape)
    # The masker's draws: (L, 4) uniforms keyed by (seed, example index).
    uniform = tf.function(lambda indices: tf.map_fn(
        lambda i: tf.random.stateless_uniform([length, 4], tf.stack([tf.constant(seed, tf.int64), i])),
        indices, fn_output_signature=tf.float32))(tf.range(rows, dtype=tf.int64)).numpy()
    budgets = np.minimum(20, np.maximum(1, np.round((ids != PAD).sum(1) * rate))).astype(int)
    first_spans, crossing_differs = [], 0
    for row in range(rows):
        expected, visited = albert_reference(ids[row], uniform[row], budgets[row], max_ngram, tokenizer,
                                             whole_word_masking)
        assert set(np.flatnonzero(selected[row])) == expected, row
        crossing, _ = albert_reference(ids[row], uniform[row], budgets[row], max_ngram, tokenizer,
                                       whole_word_masking, cut_at_specials=False)
        crossing_differs += crossing != expected
        first_spans.append(visited[0])
    assert not np.any(selected & np.isin(ids, [CLS, SEP, PAD]))
    assert crossing_differs > rows // 50  # cutting spans at [SEP] is a real difference
    # The first start of a row where the budget and the run allow a span of 3 takes what it drew;
    # whether they allow it does not depend on the draw. The lengths follow 1/n: 6/11, 3/11, 2/11,
    # within 3 binomial sigmas.
    taken = np.array([taken for drawn, taken, longest in first_spans if longest == max_ngram])
    drawn = np.array([drawn for drawn, taken, longest in first_spans if longest == max_ngram])
    np.testing.assert_array_equal(taken, drawn)
    assert len(taken) > rows // 2
    counts, share = np.bincount(taken, minlength=4)[1:], np.array([6, 3, 2]) / 11
    sigma = np.sqrt(len(taken) * share * (1 - share))
    assert np.all(np.abs(counts - len(taken) * share) < 3 * sigma), counts


def test_ngram_spans_are_whole_words(tokenizer):
    ids = batch(tokenizer, rows=300, length=48, seed=3)
    out = to_numpy(MaskedLMMasker(tokenizer, whole_word_masking=True, max_ngram=3)(ids, np.arange(300)))
    selected = selected_mask(out, ids.shape)
    starts, eligible = word_starts(ids, tokenizer)
    word = np.cumsum(starts, axis=1)
    for row in range(len(ids)):
        chosen = np.unique(word[row][selected[row]])
        assert selected[row][eligible[row] & np.isin(word[row], chosen)].all()  # no word in part
    # Spans of several words: selected neighbours across a word boundary are common.
    assert np.sum(selected[:, 1:] & selected[:, :-1] & starts[:, 1:]) > 300
    np.testing.assert_array_equal(out["token_ids"][~selected], ids[~selected])


@pytest.mark.parametrize("whole_word_masking, digest", [
    # The outputs of the masker before n-gram masking existed (as of commit 8fdbbc3).
    (False, "f2cca679fdfac7ee13b7a47b6fe808ec0cd01c7c891d0df13ac5242961735f40"),
    (True, "5deb1aaf5f71fc8223b5d4c7e70c48256380b2dfd8aaf7dd472522edc8f5af4b"),
], ids=["pieces", "whole_words"])
def test_unigrams_keep_the_masks_of_before(tokenizer, whole_word_masking, digest):
    ids = batch(tokenizer, rows=300, length=48, seed=1)
    out = MaskedLMMasker(tokenizer, max_predictions_per_seq=8, whole_word_masking=whole_word_masking,
                         masking_rate=0.2, seed=11, max_ngram=1)(ids, np.arange(len(ids)))
    hashed = hashlib.sha256()
    for key in ("token_ids", "mask_positions", "mask_ids", "mask_weights"):
        hashed.update(np.ascontiguousarray(out[key].numpy()).tobytes())
    assert hashed.hexdigest() == digest
