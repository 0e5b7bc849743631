"""Pretraining instances on disk: TFRecord shards of `tf.train.Example`s plus a JSON manifest.

A directory holds `examples-XXXXX-of-YYYYY.tfrecord` shards and `manifest.json`:
the example count, the longest sequence, the `objective` of the pair labels ("nsp": next-sentence
labels, "sop": sentence-order labels, null: single segments), the vocabulary's size and SHA-256
(so a reader with another vocabulary fails loudly), the masking settings of statically masked
shards, and free-form `options` (e.g. the `create_instances` arguments).
Instances go to the shards round-robin, so each shard is a stride through the corpus and
reading the shards one after the other mixes documents far apart.

Features: `token_ids` and `segment_ids` (int64, unpadded), `next_sentence_label` or
`sentence_order_label` (int64, pairs only); statically masked shards also hold
`mask_positions`, `mask_ids` (int64) and `mask_weights` (float), each of length
`max_predictions_per_seq`, and masked `token_ids`.
"""

import hashlib
import json
import pathlib

import numpy as np

from keras_bert_zoo.data.masking import MaskedLMMasker, check_int
from keras_bert_zoo.data.pretraining_examples import PAIR_LABELS
from keras_bert_zoo.text.tokenizer_base import check_tokenizer

MANIFEST = "manifest.json"
FORMAT = "keras_bert_zoo.pretraining_examples/2"
# Before sentence-order labels: a bool `next_sentence_prediction` instead of `objective`.
_FORMAT_1 = "keras_bert_zoo.pretraining_examples/1"
_FEATURES = ("token_ids", "segment_ids", *PAIR_LABELS.values(), "mask_positions", "mask_ids", "mask_weights")
# Instances masked per call of the masker when writing static shards.
_MASKING_CHUNK = 256


def vocabulary_fingerprint(tokenizer):
    """{"vocabulary_size", "vocabulary_sha256"} of a tokenizer's vocabulary."""
    digest = hashlib.sha256("\n".join(tokenizer.vocabulary).encode("utf-8")).hexdigest()
    return {"vocabulary_size": tokenizer.vocabulary_size, "vocabulary_sha256": digest}


def load_manifest(path):
    """The manifest at `path`; one of format 1 (before sentence-order labels and n-gram masks) is
    read as format 2.

    Raises:
        ValueError: for a manifest of another format.
    """
    manifest = json.loads(pathlib.Path(path).read_text(encoding="utf-8"))
    if manifest.get("format") == _FORMAT_1:
        manifest = {**manifest, "format": FORMAT}
        manifest["objective"] = "nsp" if manifest.pop("next_sentence_prediction") else None
        if manifest["static_masking"]:
            manifest["static_masking"] = {**manifest["static_masking"], "max_ngram": 1}
    if manifest.get("format") != FORMAT:
        raise ValueError(f"{str(path)!r} has format {manifest.get('format')!r}, expected {FORMAT!r}.")
    return manifest


def write_instances(instances, directory, tokenizer, num_shards=8, options=None):
    """Writes instances (as from `create_instances`) unmasked, for masking in the input pipeline.

    Args:
        instances: an iterable of dicts with `token_ids`, `segment_ids` and, for all or none
            of them, one pair label (`next_sentence_label` or `sentence_order_label`, the same
            for all; the manifest's `objective` records which); read once.
        directory: a new or empty directory.
        tokenizer: the tokenizer of the ids (recorded as a vocabulary fingerprint).
        num_shards: the number of TFRecord files.
        options: a JSON-serializable dict stored in the manifest as is.

    Returns:
        The manifest, a dict.

    Example:
        >>> write_instances(create_instances(documents, tokenizer), "data/pretraining", tokenizer)
    """
    with _ShardWriter(directory, tokenizer, num_shards, options, static_masking=None) as writer:
        for index, instance in enumerate(instances):
            writer.check(instance, index)
            writer.write(instance, index % num_shards)
    return writer.manifest


def write_masked_examples(instances, directory, tokenizer, dupe_factor=10, seed=0, max_predictions_per_seq=20,
                          masking_rate=0.15, whole_word_masking=False, num_shards=8, options=None, max_ngram=1):
    """Writes `dupe_factor` differently masked copies of each instance (original BERT's static masking).

    Copy c of instance i is masked with example index `i * dupe_factor + c` and goes to shard
    `(i + c) % num_shards`, so the copies of an instance are far apart when read.

    Args:
        instances, directory, tokenizer, num_shards, options: as in `write_instances`.
        dupe_factor: copies per instance, each with its own masks.
        seed, max_predictions_per_seq, masking_rate, whole_word_masking, max_ngram: as in
            `MaskedLMMasker` (ALBERT's static masks: `whole_word_masking=True, max_ngram=3`).

    Returns:
        The manifest, a dict.

    Example:
        >>> write_masked_examples(create_instances(documents, tokenizer, objective="sop"), "data/albert",
        ...                       tokenizer, whole_word_masking=True, max_ngram=3)
    """
    import tensorflow as tf

    check_int("dupe_factor", dupe_factor, 1)
    masker = MaskedLMMasker(tokenizer, max_predictions_per_seq, masking_rate, whole_word_masking, seed,
                            max_ngram=max_ngram)
    mask = tf.function(masker.__call__, input_signature=[tf.TensorSpec([None, None], tf.int32),
                                                         tf.TensorSpec([None], tf.int64)], autograph=False)
    static = {"dupe_factor": dupe_factor, "seed": seed, "max_predictions_per_seq": max_predictions_per_seq,
              "masking_rate": masking_rate, "whole_word_masking": whole_word_masking, "max_ngram": max_ngram}
    with _ShardWriter(directory, tokenizer, num_shards, options, static) as writer:
        chunk = []
        for item in enumerate(instances):
            chunk.append(item)
            if len(chunk) == _MASKING_CHUNK:
                _write_masked(writer, chunk, dupe_factor, mask, tokenizer.pad_token_id)
                chunk = []
        _write_masked(writer, chunk, dupe_factor, mask, tokenizer.pad_token_id)
    return writer.manifest


def _write_masked(writer, chunk, dupe_factor, mask, pad_id):
    rows = [(index, instance, copy) for index, instance in chunk for copy in range(dupe_factor)]
    if not rows:
        return
    for index, instance in chunk:
        writer.check(instance, index)
    ids = np.full((len(rows), max(len(row[1]["token_ids"]) for row in rows)), pad_id, np.int32)
    for r, (_, instance, _) in enumerate(rows):
        ids[r, :len(instance["token_ids"])] = instance["token_ids"]
    masked = mask(ids, np.array([index * dupe_factor + copy for index, _, copy in rows], np.int64))
    masked = {key: value.numpy() for key, value in masked.items()}
    for r, (index, instance, copy) in enumerate(rows):
        fields = {key: masked[key][r] for key in ("mask_positions", "mask_ids", "mask_weights")}
        fields["token_ids"] = masked["token_ids"][r, :len(instance["token_ids"])]
        writer.write({**instance, **fields}, (index + copy) % writer.num_shards)


def _label_name(objective):
    return f"`{PAIR_LABELS[objective]}`" if objective else "no pair label"


class _ShardWriter:
    """Opens the shards, checks and writes examples, writes the manifest when all went well."""

    def __init__(self, directory, tokenizer, num_shards, options, static_masking):
        import tensorflow as tf

        check_tokenizer(tokenizer)
        check_int("num_shards", num_shards, 1)
        self.directory = pathlib.Path(directory)
        if self.directory.exists() and (not self.directory.is_dir() or any(self.directory.iterdir())):
            raise ValueError(f"{str(self.directory)!r} must be a new or empty directory.")
        json.dumps(options)  # fails now, not after writing everything, if it cannot be stored
        self.directory.mkdir(parents=True, exist_ok=True)
        self.num_shards, self.vocabulary_size, self._checked = num_shards, tokenizer.vocabulary_size, False
        self.manifest = {"format": FORMAT, "count": 0, "max_sequence_length": 0, "objective": None,
                         **vocabulary_fingerprint(tokenizer), "static_masking": static_masking, "options": options,
                         "files": [f"examples-{i:05d}-of-{num_shards:05d}.tfrecord" for i in range(num_shards)]}
        self._writers = [tf.io.TFRecordWriter(str(self.directory / name)) for name in self.manifest["files"]]

    def __enter__(self):
        return self

    def __exit__(self, error_type, error, traceback):
        for shard in self._writers:
            shard.close()
        if error_type is None:  # no manifest for an interrupted write: readers refuse the shards
            (self.directory / MANIFEST).write_text(json.dumps(self.manifest, indent=2) + "\n", encoding="utf-8")

    def check(self, instance, index):
        """Raises ValueError for a malformed instance; records its length and label kind."""
        if not isinstance(instance, dict) or "token_ids" not in instance or "segment_ids" not in instance:
            raise ValueError(f"Instance {index} must be a dict with `token_ids` and `segment_ids`, "
                             f"got {instance!r:.120}")
        ids, segments = instance["token_ids"], instance["segment_ids"]
        if len(ids) != len(segments) or not ids:
            raise ValueError(f"Instance {index}: `token_ids` ({len(ids)}) and `segment_ids` ({len(segments)}) "
                             f"must be non-empty and of the same length.")
        if not 0 <= min(ids) <= max(ids) < self.vocabulary_size:
            raise ValueError(f"Instance {index} has token ids outside [0, {self.vocabulary_size}).")
        objectives = [objective for objective, key in PAIR_LABELS.items() if key in instance]
        if len(objectives) > 1:
            raise ValueError(f"Instance {index} has more than one pair label: {sorted(PAIR_LABELS.values())}.")
        objective = objectives[0] if objectives else None
        if self._checked and objective != self.manifest["objective"]:
            raise ValueError(f"Instance {index} has {_label_name(objective)}, unlike the instances before it "
                             f"({_label_name(self.manifest['objective'])}): all must have the same kind or none.")
        self.manifest["objective"], self._checked = objective, True
        self.manifest["max_sequence_length"] = max(self.manifest["max_sequence_length"], len(ids))

    def write(self, example, shard):
        import tensorflow as tf

        self.manifest["count"] += 1
        features = {}
        for key in _FEATURES:
            if key not in example:
                continue
            value = np.asarray(example[key]).reshape(-1)
            if value.dtype.kind == "f":
                features[key] = tf.train.Feature(float_list=tf.train.FloatList(value=value))
            else:
                features[key] = tf.train.Feature(int64_list=tf.train.Int64List(value=value))
        example = tf.train.Example(features=tf.train.Features(feature=features))
        self._writers[shard].write(example.SerializeToString())
