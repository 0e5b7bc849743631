"""TFRecord shards and the pretraining tf.data pipeline: round trip, contract, determinism, resume."""

import json
from pathlib import Path

import numpy as np
import pytest

tf = pytest.importorskip("tensorflow")
pytest.importorskip("tensorflow_text")

import harness  # noqa: E402
from keras_bert_zoo.data.pretraining_dataset import (pretraining_dataset, read_manifest,  # noqa: E402
                                                     write_instances, write_masked_examples)
from keras_bert_zoo.data.pretraining_examples import create_instances  # noqa: E402
from keras_bert_zoo.text import BertTokenizer  # noqa: E402
from test_pretraining_examples import DOCUMENTS  # noqa: E402  (same folder)

BATCH, LENGTH = 8, 40


@pytest.fixture(scope="module")
def tokenizer():
    return BertTokenizer(harness.small_vocabulary(2000))


@pytest.fixture(scope="module")
def instances(tokenizer):
    return list(create_instances(DOCUMENTS, tokenizer, max_sequence_length=32, seed=0))


@pytest.fixture(scope="module")
def shards(tmp_path_factory, tokenizer, instances):
    directory = tmp_path_factory.mktemp("shards") / "pairs"
    write_instances(instances, directory, tokenizer, num_shards=3, options={"max_sequence_length": 32})
    return directory


def records(files):
    features = {key: tf.io.VarLenFeature(tf.int64) for key in ("token_ids", "segment_ids")}
    features["next_sentence_label"] = tf.io.FixedLenFeature([], tf.int64, default_value=-1)
    for serialized in tf.data.TFRecordDataset(files):
        parsed = tf.io.parse_single_example(serialized, features)
        yield {key: (tf.sparse.to_dense(v).numpy().tolist() if isinstance(v, tf.SparseTensor) else int(v))
               for key, v in parsed.items()}


def batches(dataset, count):
    return [tf.nest.map_structure(lambda t: t.numpy(), b) for b in dataset.take(count)]


def assert_same(a, b):
    tf.nest.assert_same_structure(a, b)
    for x, y in zip(tf.nest.flatten(a), tf.nest.flatten(b)):
        np.testing.assert_array_equal(x, y)


def test_round_trip_and_manifest(shards, tokenizer, instances):
    files, manifest = read_manifest(shards)
    assert [Path(f).name for f in files] == [f"examples-{i:05d}-of-00003.tfrecord" for i in range(3)]
    assert manifest["count"] == len(instances) and manifest["objective"] == "nsp"
    assert manifest["max_sequence_length"] == max(len(i["token_ids"]) for i in instances) <= 32
    assert manifest["vocabulary_size"] == 2000 and manifest["static_masking"] is None
    assert manifest["options"] == {"max_sequence_length": 32}
    assert json.loads((shards / "manifest.json").read_text())["count"] == len(instances)
    # Round-robin: shard s holds instances s, s + 3, s + 6, ...
    expected = [instances[i] for s in range(3) for i in range(s, len(instances), 3)]
    assert list(records(files)) == expected
    assert read_manifest(files[1:])[0] == files[1:]


def test_contract(shards, tokenizer):
    dataset = pretraining_dataset(shards, tokenizer, BATCH, LENGTH, max_predictions_per_seq=6)
    ints, P = tf.int32, 6
    expected = (
        {"token_ids": ((BATCH, LENGTH), ints), "segment_ids": ((BATCH, LENGTH), ints),
         "padding_mask": ((BATCH, LENGTH), tf.bool), "mask_positions": ((BATCH, P), ints)},
        {"mlm_logits": ((BATCH, P), ints), "nsp_logits": ((BATCH,), ints)},
        {"mlm_logits": ((BATCH, P), tf.float32), "nsp_logits": ((BATCH,), tf.float32)},
    )
    specs = tf.nest.map_structure(lambda s: (tuple(s.shape), s.dtype), dataset.element_spec)
    assert specs == expected
    x, y, weights = batches(dataset, 1)[0]
    lengths = x["padding_mask"].sum(1)
    assert np.all(x["padding_mask"] == (np.arange(LENGTH) < lengths[:, None]))
    assert np.all(x["token_ids"][~x["padding_mask"]] == tokenizer.pad_token_id)
    assert np.all(x["token_ids"][np.arange(BATCH), lengths - 1] == tokenizer.sep_token_id)
    assert np.all(x["segment_ids"][~x["padding_mask"]] == 0) and x["segment_ids"].max() == 1
    assert np.all(x["mask_positions"] < lengths[:, None]) and np.all(weights["mlm_logits"].sum(1) >= 1)
    assert set(y["nsp_logits"]) <= {0, 1} and np.all(weights["nsp_logits"] == 1)
    masked = np.take_along_axis(x["token_ids"], x["mask_positions"], 1)[weights["mlm_logits"] > 0]
    assert np.mean(masked == tokenizer.mask_token_id) > 0.5

    mlm_only = pretraining_dataset(shards, tokenizer, BATCH, LENGTH, next_sentence_prediction=False)
    x, mask_ids, mask_weights = mlm_only.element_spec
    assert set(x) == {"token_ids", "segment_ids", "padding_mask", "mask_positions"}
    assert (tuple(mask_ids.shape), mask_ids.dtype, tuple(mask_weights.shape)) == ((BATCH, 20), ints, (BATCH, 20))


def test_resume_sees_the_same_batches(shards, tokenizer, instances):
    def make(skip=0, seed=0):
        return pretraining_dataset(shards, tokenizer, BATCH, LENGTH, seed=seed, shuffle_buffer=16,
                                   skip_examples=skip)

    per_epoch = len(instances) / BATCH
    fresh = batches(make(), int(per_epoch) + 3)
    assert_same(fresh, batches(make(), len(fresh)))  # deterministic
    for k in (2, int(per_epoch), int(per_epoch) + 1):  # the last two straddle the epoch boundary
        assert_same(batches(make(skip=k * BATCH), 2), fresh[k:k + 2])
    other = batches(make(seed=1), 1)[0]
    assert not np.array_equal(other[0]["token_ids"], fresh[0][0]["token_ids"])


def test_each_epoch_gets_new_masks(shards, tokenizer, instances):
    count = len(instances)
    dataset = pretraining_dataset(shards, tokenizer, 1, LENGTH, shuffle_buffer=0)
    examples = batches(dataset, count + 10)
    changed = 0
    for first, second in zip(examples[:10], examples[count:]):  # the same instance, one epoch apart
        np.testing.assert_array_equal(first[0]["segment_ids"], second[0]["segment_ids"])
        changed += not np.array_equal(first[0]["mask_positions"], second[0]["mask_positions"])
    assert changed >= 8


def test_static_masking(tmp_path, tokenizer, instances):
    directory = tmp_path / "static"
    manifest = write_masked_examples(instances[:12], directory, tokenizer, dupe_factor=2, seed=5,
                                     max_predictions_per_seq=5, num_shards=2)
    assert manifest["count"] == 24 and manifest["static_masking"]["dupe_factor"] == 2

    def read(seed):
        dataset = pretraining_dataset(directory, tokenizer, 4, LENGTH, max_predictions_per_seq=5, seed=seed,
                                      shuffle_buffer=0, repeat=False)
        return batches(dataset, 100)

    first = read(0)
    assert len(first) == 6
    assert_same(first, read(1))  # read as written, not masked again
    x, y, weights = first[0]
    masked = np.take_along_axis(x["token_ids"], x["mask_positions"], 1)[weights["mlm_logits"] > 0]
    assert np.mean(masked == tokenizer.mask_token_id) > 0.5
    # Copy 0 of instance 0 opens shard 0 and copy 1 opens shard 1 (the 4th batch): other masks.
    copy0, copy1 = first[0][0], first[3][0]
    np.testing.assert_array_equal(copy0["segment_ids"][0], copy1["segment_ids"][0])
    assert not np.array_equal(copy0["mask_positions"][0], copy1["mask_positions"][0])
    with pytest.raises(ValueError, match="masked already"):
        pretraining_dataset(directory, tokenizer, 4, LENGTH)


def test_errors(tmp_path, shards, tokenizer, instances):
    with pytest.raises(ValueError, match="another vocabulary"):
        pretraining_dataset(shards, BertTokenizer(harness.small_vocabulary(1000)), BATCH, LENGTH)
    with pytest.raises(ValueError, match="shorter than the longest"):
        pretraining_dataset(shards, tokenizer, BATCH, 16)
    with pytest.raises(ValueError, match="No such shard"):
        pretraining_dataset(tmp_path / "missing", tokenizer, BATCH, LENGTH)
    stray = tmp_path / "stray.tfrecord"
    stray.write_bytes(b"")
    with pytest.raises(ValueError, match="has no manifest.json"):
        pretraining_dataset([stray], tokenizer, BATCH, LENGTH)
    with pytest.raises(ValueError, match="new or empty directory"):
        write_instances(instances, shards, tokenizer)
    singles = create_instances(DOCUMENTS[:3], tokenizer, max_sequence_length=32, next_sentence_prediction=False)
    write_instances(singles, tmp_path / "singles", tokenizer, num_shards=1)
    with pytest.raises(ValueError, match="no next-sentence labels"):
        pretraining_dataset(tmp_path / "singles", tokenizer, BATCH, LENGTH)
    for kwargs, name in (({"batch_size": 0}, "batch_size"), ({"masking_rate": 2.0}, "masking_rate"),
                         ({"max_predictions_per_seq": 0}, "max_predictions_per_seq"),
                         ({"skip_examples": -1}, "skip_examples")):
        arguments = {"batch_size": BATCH, "sequence_length": LENGTH, **kwargs}
        with pytest.raises(ValueError, match=name):
            pretraining_dataset(shards, tokenizer, **arguments)


def shards_of(tmp_path, tokenizer):
    """NSP shards of the first documents, in a new directory under `tmp_path`."""
    directory = tmp_path / "nsp"
    write_instances(create_instances(DOCUMENTS[:4], tokenizer, max_sequence_length=32), directory, tokenizer,
                    num_shards=1)
    return directory


def test_sentence_order_labels_feed_the_second_output(tmp_path, tokenizer):
    instances = list(create_instances(DOCUMENTS, tokenizer, max_sequence_length=32, objective="sop", seed=3))
    manifest = write_instances(instances, tmp_path / "sop", tokenizer, num_shards=1)
    assert manifest["objective"] == "sop" and read_manifest(tmp_path / "sop")[1]["objective"] == "sop"
    dataset = pretraining_dataset(tmp_path / "sop", tokenizer, len(instances), LENGTH, shuffle_buffer=0,
                                  repeat=False)
    x, y, weights = batches(dataset, 1)[0]
    np.testing.assert_array_equal(y["nsp_logits"], [i["sentence_order_label"] for i in instances])
    assert 0 < y["nsp_logits"].mean() < 1 and np.all(weights["nsp_logits"] == 1)
    with pytest.raises(ValueError, match="disagree on \\['objective'\\]"):
        read_manifest([*read_manifest(tmp_path / "sop")[0], *read_manifest(shards_of(tmp_path, tokenizer))[0]])
    mixed = [instances[0], {key: value for key, value in instances[1].items() if key != "sentence_order_label"}]
    with pytest.raises(ValueError, match="Instance 1 has no pair label, unlike .*`sentence_order_label`"):
        write_instances(mixed, tmp_path / "mixed", tokenizer)
    both = [{**instances[0], "next_sentence_label": 0}]
    with pytest.raises(ValueError, match="more than one pair label"):
        write_instances(both, tmp_path / "both", tokenizer)


def test_manifests_before_sentence_order_labels_are_read(tmp_path, tokenizer, instances):
    """Format 1 said `next_sentence_prediction: bool` instead of `objective`, and its static masks
    were all unigram ones."""
    write_masked_examples(instances[:4], tmp_path / "old", tokenizer, dupe_factor=1, max_predictions_per_seq=5,
                          num_shards=1)
    path = tmp_path / "old" / "manifest.json"
    manifest = json.loads(path.read_text())
    del manifest["objective"], manifest["static_masking"]["max_ngram"]
    path.write_text(json.dumps({**manifest, "format": "keras_bert_zoo.pretraining_examples/1",
                                "next_sentence_prediction": True}))
    upgraded = read_manifest(tmp_path / "old")[1]
    assert upgraded["objective"] == "nsp" and upgraded["static_masking"]["max_ngram"] == 1
    assert "next_sentence_prediction" not in upgraded
    assert len(batches(pretraining_dataset(tmp_path / "old", tokenizer, 4, LENGTH, max_predictions_per_seq=5,
                                           repeat=False), 2)) == 1
    path.write_text(json.dumps({**manifest, "format": "keras_bert_zoo.pretraining_examples/0"}))
    with pytest.raises(ValueError, match="has format"):
        read_manifest(tmp_path / "old")


def test_ngram_masks_dynamic_and_static(tmp_path, shards, tokenizer, instances):
    def adjacent_masked(dataset):
        x, _, weights = batches(dataset, 1)[0]
        selected = np.zeros(x["token_ids"].shape, bool)
        for row, (positions, weight) in enumerate(zip(x["mask_positions"], weights["mlm_logits"])):
            selected[row, positions[weight > 0]] = True
        return np.sum(selected[:, 1:] & selected[:, :-1])

    options = dict(max_predictions_per_seq=8, shuffle_buffer=0)
    unigrams = adjacent_masked(pretraining_dataset(shards, tokenizer, 64, LENGTH, **options))
    trigrams = adjacent_masked(pretraining_dataset(shards, tokenizer, 64, LENGTH, max_ngram=3, **options))
    assert trigrams > 2 * unigrams  # spans mask neighbours (measured: 116 pairs against 44)
    manifest = write_masked_examples(instances, tmp_path / "static", tokenizer, dupe_factor=1, num_shards=1,
                                     max_predictions_per_seq=8, max_ngram=3)
    assert manifest["static_masking"]["max_ngram"] == 3
    options.pop("shuffle_buffer")
    static = adjacent_masked(pretraining_dataset(tmp_path / "static", tokenizer, 64, LENGTH, max_ngram=3, **options))
    assert static > 2 * unigrams
    with pytest.raises(ValueError, match="masked already"):
        pretraining_dataset(tmp_path / "static", tokenizer, 64, LENGTH, **options)
    with pytest.raises(ValueError, match="max_ngram"):
        pretraining_dataset(shards, tokenizer, 64, LENGTH, max_ngram=0)
