"""The BERT pretraining input pipeline: shards -> shuffled, masked, padded batches of fixed shape.

Every random choice is a function of `seed` (and of nothing global such as TensorFlow's
global seed): the shuffle permutes blocks of `shuffle_buffer` records with
`tf.random.stateless_uniform` keyed by the block's number, and the masks of an example are
keyed by its number in the stream (see `MaskedLMMasker`). Both numbers are counted after
`.repeat()`, so each epoch is shuffled and masked afresh, and a run resumed with
`skip_examples` (the examples consumed so far) gets exactly the batches an uninterrupted run
would have got.
"""

import os
import pathlib

from keras_bert_zoo.data.masking import MaskedLMMasker, check_int, check_rate, check_seed
from keras_bert_zoo.data.pretraining_examples import PAIR_LABELS
from keras_bert_zoo.data.pretraining_shards import (MANIFEST, load_manifest, vocabulary_fingerprint,
                                                    write_instances, write_masked_examples)
from keras_bert_zoo.text.tokenizer_base import check_tokenizer

__all__ = ["pretraining_dataset", "read_manifest", "write_instances", "write_masked_examples"]

# Manifest entries on which shards read together must agree.
_SHARED = ("vocabulary_size", "vocabulary_sha256", "objective", "static_masking")


def read_manifest(files_or_directory):
    """The shard paths and the manifest of a directory written by `write_instances` or
    `write_masked_examples`, or of a list of shard files (from one or more such directories,
    which must agree on vocabulary, pair objective and static masking).

    Returns:
        (files, manifest): a list of str, and the manifest (with the largest
        `max_sequence_length` and the total `count` of the directories involved).
    """
    if isinstance(files_or_directory, (str, os.PathLike)) and os.path.isdir(files_or_directory):
        wanted = {pathlib.Path(files_or_directory): None}  # all of its shards
    else:
        paths = [files_or_directory] if isinstance(files_or_directory, (str, os.PathLike)) else files_or_directory
        wanted = {}
        for path in map(pathlib.Path, paths):
            if not path.is_file():
                raise ValueError(f"No such shard file or directory: {str(path)!r}")
            wanted.setdefault(path.parent, []).append(path.name)
    if not wanted:
        raise ValueError("No shard files given.")
    files, manifests = [], []
    for directory, names in wanted.items():
        manifest_path = directory / MANIFEST
        if not manifest_path.is_file():
            raise ValueError(f"{str(directory)!r} has no {MANIFEST}: not written by write_instances or "
                             f"write_masked_examples, or the writing was interrupted.")
        manifest = load_manifest(manifest_path)
        unknown = sorted(set(names or ()) - set(manifest["files"]))
        if unknown:
            raise ValueError(f"{unknown} are not shards listed in {str(manifest_path)!r}.")
        for name in names or manifest["files"]:
            if not (directory / name).is_file():
                raise ValueError(f"Shard {str(directory / name)!r} of {str(manifest_path)!r} is missing.")
            files.append(str(directory / name))
        manifests.append(manifest)
    for manifest in manifests[1:]:
        differing = [key for key in _SHARED if manifest[key] != manifests[0][key]]
        if differing:
            raise ValueError(f"The shards' manifests disagree on {differing}; read them separately.")
    merged = {**manifests[0], "files": files, "count": sum(m["count"] for m in manifests),
              "max_sequence_length": max(m["max_sequence_length"] for m in manifests)}
    return files, merged


def pretraining_dataset(files_or_directory, tokenizer, batch_size, sequence_length, max_predictions_per_seq=20,
                        masking_rate=0.15, whole_word_masking=False, next_sentence_prediction=True, seed=0,
                        shuffle_buffer=10000, repeat=True, skip_examples=0, segment_ids=True, max_ngram=1):
    """A batched `tf.data.Dataset` for BERT pretraining (masked LM, and by default the shards' pair
    objective: next-sentence or, for ALBERT, sentence-order prediction).

    Elements, B = `batch_size`, L = `sequence_length`, P = `max_predictions_per_seq`:
    `(x, y, sample_weight)` with
    `x = {"token_ids": int32 (B, L), "segment_ids": int32 (B, L), "padding_mask": bool (B, L),
    "mask_positions": int32 (B, P)}`, `y = {"mlm_logits": mask ids int32 (B, P),
    "nsp_logits": the pair label int32 (B,)}` (the shards' `next_sentence_label`, or their
    `sentence_order_label` when the manifest's `objective` is "sop": ALBERT's sentence-order head
    takes the next-sentence head's place) and
    `sample_weight = {"mlm_logits": mask weights float32 (B, P), "nsp_logits": float32 ones (B,)}`;
    with `next_sentence_prediction=False`, `(x, mask_ids, mask_weights)`. Sequences are padded
    with `tokenizer.pad_token_id`; the last incomplete batch is dropped, so shapes never change.

    Args:
        files_or_directory: a directory of shards, or a list of shard files (see `read_manifest`).
        tokenizer: the tokenizer the shards were written with (checked on the manifest).
        batch_size: examples per batch.
        sequence_length: L; at least the longest example of the shards.
        max_predictions_per_seq, masking_rate, whole_word_masking, max_ngram: as in
            `MaskedLMMasker`; for statically masked shards they must equal the ones they were
            written with.
        next_sentence_prediction: give the shards' pair labels, next-sentence or sentence-order
            ones (the shards must have them); False: masked LM only.
        seed: the int all shuffling and masking derives from.
        shuffle_buffer: records permuted together (0 or 1: file order).
        repeat: loop over the data forever (each epoch shuffled and masked anew).
        skip_examples: examples to skip, e.g. `steps_done * batch_size` to resume training.
        segment_ids: give `segment_ids` in `x`; False for backbones without segment inputs
            (DistilBERT, RoBERTa).

    Example:
        >>> ds = pretraining_dataset("data/pretraining", tokenizer, batch_size=32, sequence_length=128)
        >>> pretrainer.fit(ds, steps_per_epoch=1000, epochs=10)
        >>> albert = pretraining_dataset("data/sop", tokenizer, 32, 128, whole_word_masking=True, max_ngram=3)
    """
    import tensorflow as tf

    check_tokenizer(tokenizer)
    check_int("batch_size", batch_size, 1)
    check_int("sequence_length", sequence_length, 3)
    check_int("max_predictions_per_seq", max_predictions_per_seq, 1)
    check_rate("masking_rate", masking_rate)
    check_seed(seed)
    check_int("shuffle_buffer", shuffle_buffer, 0)
    check_int("skip_examples", skip_examples, 0)
    check_int("max_ngram", max_ngram, 1)
    for name, flag in (("whole_word_masking", whole_word_masking), ("repeat", repeat),
                       ("next_sentence_prediction", next_sentence_prediction)):
        if not isinstance(flag, bool):
            raise TypeError(f"`{name}` must be a bool, got {flag!r}")
    files, manifest = read_manifest(files_or_directory)
    if {key: manifest[key] for key in ("vocabulary_size", "vocabulary_sha256")} != vocabulary_fingerprint(tokenizer):
        raise ValueError(f"The shards were written with another vocabulary ({manifest['vocabulary_size']} "
                         f"tokens) than the tokenizer's ({tokenizer.vocabulary_size} tokens).")
    if sequence_length < manifest["max_sequence_length"]:
        raise ValueError(f"`sequence_length` ({sequence_length}) is shorter than the longest example of the "
                         f"shards ({manifest['max_sequence_length']}).")
    if next_sentence_prediction and manifest["objective"] is None:
        raise ValueError("The shards have no next-sentence labels nor sentence-order labels (written with "
                         "objective=None); pass next_sentence_prediction=False.")
    static = manifest["static_masking"]
    if static is not None:
        asked = {"max_predictions_per_seq": max_predictions_per_seq, "masking_rate": masking_rate,
                 "whole_word_masking": whole_word_masking, "max_ngram": max_ngram}
        if any(static[key] != value for key, value in asked.items()):
            raise ValueError(f"The shards are masked already, with {static}; the masking arguments "
                             f"{asked} must match.")
    masker = None if static else MaskedLMMasker(tokenizer, max_predictions_per_seq, masking_rate,
                                                whole_word_masking, seed, max_ngram=max_ngram)
    label = PAIR_LABELS[manifest["objective"]] if next_sentence_prediction else None
    parse = _Parser(tokenizer.pad_token_id, batch_size, sequence_length, max_predictions_per_seq, label, masker)

    def to_model_inputs(example_index, serialized):
        example = parse(example_index, serialized)
        keys = ("token_ids", "segment_ids", "padding_mask", "mask_positions") if segment_ids else (
            "token_ids", "padding_mask", "mask_positions")
        x = {key: example[key] for key in keys}
        if not next_sentence_prediction:
            return x, example["mask_ids"], example["mask_weights"]
        y = {"mlm_logits": example["mask_ids"], "nsp_logits": example[label]}
        return x, y, {"mlm_logits": example["mask_weights"], "nsp_logits": tf.ones([batch_size], tf.float32)}

    examples = _records(files, shuffle_buffer, seed, repeat).enumerate().skip(skip_examples)
    batches = examples.batch(batch_size, drop_remainder=True)
    # Plain TensorFlow ops throughout: autograph's conversion of the masker would only cost seconds.
    to_model_inputs = tf.autograph.experimental.do_not_convert(to_model_inputs)
    batches = batches.map(to_model_inputs, num_parallel_calls=tf.data.AUTOTUNE, deterministic=True)
    return batches.prefetch(tf.data.AUTOTUNE)


def _records(files, shuffle_buffer, seed, repeat):
    """Serialized records, block-shuffled, repeated.

    Not `Dataset.shuffle`: its order also depends on TensorFlow's global seed (set by
    `keras.utils.set_random_seed`), which a resumed run may not reproduce. Here each block of
    `shuffle_buffer` consecutive records is permuted by stateless keys.
    """
    import tensorflow as tf

    records = tf.data.TFRecordDataset(files)  # one file after the other: a fixed order
    if shuffle_buffer <= 1:
        return records.repeat() if repeat else records
    blocks = records.batch(shuffle_buffer)
    blocks = blocks.repeat() if repeat else blocks
    seed = tf.constant(seed, tf.int64)

    def permute(block_index, block):
        # Negative counters: never the (seed, example index >= 0) keys of the masks.
        keys = tf.random.stateless_uniform(tf.shape(block), tf.stack([seed, -1 - block_index]))
        return tf.gather(block, tf.argsort(keys))

    return blocks.enumerate().map(permute).unbatch()


class _Parser:
    """A batch of serialized examples -> padded int32 tensors, masked (or as masked on disk)."""

    def __init__(self, pad_id, batch_size, sequence_length, max_predictions, label, masker):
        self.pad_id, self.shape = pad_id, [batch_size, sequence_length]
        self.max_predictions, self.label, self.masker = max_predictions, label, masker

    def __call__(self, example_index, serialized):
        import tensorflow as tf

        features = {key: tf.io.RaggedFeature(tf.int64) for key in ("token_ids", "segment_ids")}
        if self.label:
            features[self.label] = tf.io.FixedLenFeature([], tf.int64)
        if self.masker is None:
            for key, dtype in (("mask_positions", tf.int64), ("mask_ids", tf.int64), ("mask_weights", tf.float32)):
                features[key] = tf.io.FixedLenFeature([self.max_predictions], dtype)
        parsed = tf.io.parse_example(serialized, features)
        example = {
            "token_ids": tf.cast(parsed["token_ids"].to_tensor(self.pad_id, shape=self.shape), tf.int32),
            "segment_ids": tf.cast(parsed["segment_ids"].to_tensor(0, shape=self.shape), tf.int32),
            "padding_mask": tf.sequence_mask(parsed["token_ids"].row_lengths(), self.shape[1]),
        }
        if self.label:
            example[self.label] = tf.cast(parsed[self.label], tf.int32)
        if self.masker is None:
            example.update({key: tf.cast(parsed[key], tf.int32) for key in ("mask_positions", "mask_ids")})
            example["mask_weights"] = parsed["mask_weights"]
        else:
            example.update(self.masker(example["token_ids"], example_index))
        return example
