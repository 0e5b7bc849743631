"""BertPreprocessor against Hugging Face's BertTokenizerFast with padding and truncation."""

import json
import random
from pathlib import Path

import numpy as np
import pytest

import harness

tf = pytest.importorskip("tensorflow")
pytest.importorskip("tensorflow_text")
transformers = pytest.importorskip("transformers")

from keras_bert_zoo.text import BertPreprocessor, BertTokenizer  # noqa: E402

VOCAB = Path(__file__).parents[2] / "presets/bert_en_uncased_vocab.txt"
WORDS = "the quick brown fox jumps over a lazy dog naïve café unaffable 中文 ! , tokenization".split()


@pytest.fixture(scope="module")
def tokenizer():
    return BertTokenizer(VOCAB)


@pytest.fixture(scope="module")
def hf():
    tokens = VOCAB.read_text(encoding="utf-8").split("\n")[:-1]
    if int(transformers.__version__.split(".")[0]) >= 5:  # v5 ignores vocab_file silently
        return transformers.BertTokenizerFast(vocab={t: i for i, t in enumerate(tokens)})
    return transformers.BertTokenizerFast(vocab_file=str(VOCAB))


def sentences(count, seed, max_words=25):
    rng = random.Random(seed)
    return [" ".join(rng.choice(WORDS) for _ in range(rng.randint(0, max_words))) for _ in range(count)]


@pytest.mark.parametrize("padding", ["longest", "max_length"])
@pytest.mark.parametrize("length", [3, 4, 5, 8, 16, 64])
def test_single_segment_matches_hugging_face(tokenizer, hf, length, padding):
    texts = sentences(100, seed=length)
    outputs = BertPreprocessor(tokenizer, sequence_length=length, padding=padding)(texts)
    assert outputs["token_ids"].shape[0] == 100
    assert (outputs["token_ids"].dtype, outputs["segment_ids"].dtype, outputs["padding_mask"].dtype) == (
        tf.int32, tf.int32, tf.bool)
    harness.assert_preprocessed_as_hf(outputs, hf, texts, length=length, padding=padding)


@pytest.mark.parametrize("length", [3, 4, 5, 8, 9, 16, 33, 64])
def test_pairs_match_hugging_face_longest_first(tokenizer, hf, length):
    # Random lengths cover every truncation case: none, only the first or only the second
    # segment, both (with odd and even budgets), and empty segments.
    a, b = sentences(200, seed=length), sentences(200, seed=length + 1000)
    outputs = BertPreprocessor(tokenizer, sequence_length=length)((a, b))
    harness.assert_preprocessed_as_hf(outputs, hf, a, b, length=length)


def test_pair_truncation_cases_spelled_out(tokenizer, hf):
    long, short = "a b c d e f g h i j", "x y"
    pre = BertPreprocessor(tokenizer, sequence_length=10)  # budget of 7 tokens
    cases = [(long, short), (short, long), (long, long), (long, long[:13]), (short, short)]
    a, b = [c[0] for c in cases], [c[1] for c in cases]
    outputs = pre((a, b))
    harness.assert_preprocessed_as_hf(outputs, hf, a, b, length=10)
    first = (outputs["segment_ids"].numpy() == 0) & outputs["padding_mask"].numpy()
    second = outputs["segment_ids"].numpy() == 1
    # [CLS] and the first [SEP] are in the first segment, the last [SEP] in the second.
    kept = list(zip(first.sum(axis=1) - 2, second.sum(axis=1) - 1))
    assert kept == [(5, 2), (2, 5), (3, 4), (4, 3), (2, 2)]


def test_single_strings_give_unbatched_outputs(tokenizer, hf):
    pre = BertPreprocessor(tokenizer, sequence_length=12, padding="max_length")
    single = pre("Hello world!")
    assert single["token_ids"].shape == (12,)
    harness.assert_preprocessed_as_hf(single, hf, "Hello world!", length=12, padding="max_length")
    pair = pre(("How old are you?", "I am six."))
    assert pair["token_ids"].shape == (12,) and pair["segment_ids"].shape == (12,)
    harness.assert_preprocessed_as_hf(pair, hf, "How old are you?", "I am six.", length=12, padding="max_length")
    np.testing.assert_array_equal(pre(["Hello world!"])["token_ids"][0], single["token_ids"])


def test_works_inside_tf_data_map(tokenizer):
    pre = BertPreprocessor(tokenizer, sequence_length=16, padding="max_length")
    a, b = sentences(10, seed=1), sentences(10, seed=2)
    labels = np.arange(10)
    eager_single, eager_pair = pre(a), pre((a, b))

    single = tf.data.Dataset.from_tensor_slices((a, labels)).batch(4).map(lambda x, y: (pre(x), y))
    pairs = tf.data.Dataset.from_tensor_slices(((a, b), labels)).batch(4).map(lambda x, y: (pre(x), y))
    unbatched = tf.data.Dataset.from_tensor_slices((a, labels)).map(lambda x, y: (pre(x), y))
    for dataset, expected in ((single, eager_single), (pairs, eager_pair)):
        batches = list(dataset.as_numpy_iterator())
        assert batches[0][0]["token_ids"].shape == (4, 16)
        for key in expected:
            np.testing.assert_array_equal(np.concatenate([x[key] for x, _ in batches]), expected[key])
        np.testing.assert_array_equal(np.concatenate([y for _, y in batches]), labels)
    rows = list(unbatched.as_numpy_iterator())
    assert rows[0][0]["token_ids"].shape == (16,)
    np.testing.assert_array_equal(np.stack([x["token_ids"] for x, _ in rows]), eager_single["token_ids"])


def test_config_round_trip_gives_identical_outputs(tokenizer):
    import keras

    pre = BertPreprocessor(tokenizer, sequence_length=24, truncate="waterfall", length_buckets=(5, 10))
    config = pre.get_config()
    json.dumps(config)
    assert config["sequence_length"] == 24 and config["truncate"] == "waterfall"
    assert config["padding"] == "longest" and config["length_buckets"] == [5, 10]
    a, b = sentences(20, seed=3), sentences(20, seed=4)
    restored = [BertPreprocessor.from_config(config),
                keras.saving.deserialize_keras_object(keras.saving.serialize_keras_object(pre))]
    for other in restored:
        assert isinstance(other, BertPreprocessor) and other.sequence_length == 24
        for inputs in (a, (a, b)):
            for key, value in pre(inputs).items():
                np.testing.assert_array_equal(other(inputs)[key], value)


def test_waterfall_cuts_the_last_segment_first(tokenizer):
    outputs = BertPreprocessor(tokenizer, sequence_length=8, truncate="waterfall")((["a b c d"], ["x y z"]))
    tokens = [tokenizer.id_to_token(i) for i in outputs["token_ids"][0].numpy()]
    assert tokens == ["[CLS]", "a", "b", "c", "d", "[SEP]", "x", "[SEP]"]


def test_from_preset(tokenizer):
    pre = BertPreprocessor.from_preset("bert_base_en_uncased", sequence_length=16)
    assert pre.sequence_length == 16 and pre.tokenizer.vocabulary == tokenizer.vocabulary
    np.testing.assert_array_equal(pre(["Hi there"])["token_ids"],
                                  BertPreprocessor(tokenizer, sequence_length=16)(["Hi there"])["token_ids"])


def test_bad_inputs_raise_clear_errors(tokenizer):
    with pytest.raises(ValueError, match="sequence_length"):
        BertPreprocessor(tokenizer, sequence_length=2)
    with pytest.raises(ValueError, match="truncate"):
        BertPreprocessor(tokenizer, truncate="only_second")
    with pytest.raises(TypeError, match="BertTokenizer"):
        BertPreprocessor("vocab.txt")
    pre = BertPreprocessor(tokenizer, sequence_length=8)
    with pytest.raises(ValueError, match="same batch size"):
        pre((["a", "b"], ["c"]))
    with pytest.raises(ValueError, match="pair"):
        pre(("a", ["b"]))
    with pytest.raises(ValueError, match="tuple of two"):
        pre((["a"], ["b"], ["c"]))
    with pytest.raises(TypeError, match="string"):
        pre([1, 2])
    with pytest.raises(TypeError, match="dict"):
        pre({"text": ["a"]})


@pytest.mark.parametrize("buckets, widths", [(16, [16, 32, 48, 48]), ((8, 20), [8, 20, 48, 48]), (1, [3, 20, 40, 48])])
def test_batches_pad_to_their_longest_rounded_up_to_a_bucket(tokenizer, buckets, widths):
    # Texts of 1, 18 and 38 pieces plus [CLS] and [SEP]; 60 pieces are cut to the 48 positions.
    pre = BertPreprocessor(tokenizer, sequence_length=48, length_buckets=buckets)
    fixed = BertPreprocessor(tokenizer, sequence_length=48, padding="max_length")
    for count, width in zip([1, 18, 38, 60], widths):
        text = " ".join(["fox"] * count)
        outputs = pre(["dog", text])
        assert outputs["token_ids"].shape == (2, width)
        assert outputs["padding_mask"].numpy().sum(axis=1).tolist() == [3, min(count + 2, 48)]
        for key, value in fixed(["dog", text]).items():  # the same tokens, less padding
            np.testing.assert_array_equal(outputs[key], value[:, :width])
            assert not value.numpy()[:, width:].any()


def test_dynamic_padding_inside_tf_data_gives_each_batch_its_own_width(tokenizer):
    pre = BertPreprocessor(tokenizer, sequence_length=64)
    texts = ["a", "b", " ".join(["fox"] * 30), "c"]
    dataset = tf.data.Dataset.from_tensor_slices(texts).batch(2).map(pre)
    assert dataset.element_spec["token_ids"].shape.as_list() == [None, None]
    assert [batch["token_ids"].shape for batch in dataset.as_numpy_iterator()] == [(2, 16), (2, 32)]


def test_bad_padding_options_raise_clear_errors(tokenizer):
    with pytest.raises(ValueError, match="padding"):
        BertPreprocessor(tokenizer, padding="dynamic")
    for bad in (0, (16, 8), (), ("a",), 2.5):
        with pytest.raises(ValueError, match="length_buckets"):
            BertPreprocessor(tokenizer, length_buckets=bad)
