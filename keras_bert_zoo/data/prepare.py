"""Corpus -> vocabulary -> pretraining shards: the steps behind `bert-zoo vocab` and `bert-zoo prepare`.

A shard directory is self-contained: besides the TFRecord shards and their
manifest it holds the tokenizer's files (vocab.txt, or vocab.json and
merges.txt) and `tokenizer_record.json` (its class and options), so
pretraining needs nothing else to rebuild the exact tokenizer.
"""

import json
import pathlib

from keras_bert_zoo.text import BertTokenizer
from keras_bert_zoo.text.tokenizer_base import Tokenizer

TOKENIZER_RECORD = "tokenizer_record.json"
# What directories written before the record held next to vocab.txt: the BertTokenizer options.
LEGACY_OPTIONS = "tokenizer.json"


def save_tokenizer(tokenizer, directory):
    """Write the tokenizer's files and `tokenizer_record.json` into `directory`; returns the record."""
    from keras_bert_zoo.presets import tokenizer_record

    directory = pathlib.Path(directory)
    record = tokenizer_record(tokenizer, directory)
    (directory / TOKENIZER_RECORD).write_text(json.dumps(record, indent=2) + "\n")
    return record


def load_tokenizer(directory):
    """The tokenizer saved by `save_tokenizer`, or the vocabulary of `bert-zoo vocab`: a vocab.txt
    (with the options file of older directories; alone, the uncased defaults), a byte-level BPE
    vocab.json and merges.txt, or a SentencePiece spiece.model (ALBERT's uncased defaults)."""
    from keras_bert_zoo.presets import tokenizer_from_record

    directory = pathlib.Path(directory)
    if (directory / TOKENIZER_RECORD).is_file():
        return tokenizer_from_record(json.loads((directory / TOKENIZER_RECORD).read_text()), directory)
    if (directory / "vocab.txt").is_file():
        legacy = directory / LEGACY_OPTIONS
        options = json.loads(legacy.read_text()) if legacy.is_file() else {}
        return BertTokenizer(directory / "vocab.txt", **options)
    if (directory / "vocab.json").is_file() and (directory / "merges.txt").is_file():
        from keras_bert_zoo.text import RobertaTokenizer

        return RobertaTokenizer.from_hf_dir(directory)
    if (directory / "spiece.model").is_file():
        from keras_bert_zoo.text import AlbertTokenizer

        return AlbertTokenizer(directory / "spiece.model")
    raise ValueError(f"{str(directory)!r} has no vocab.txt, vocab.json + merges.txt or spiece.model; make one with `bert-zoo "
                     f"vocab` or pass a directory written by `bert-zoo prepare`.")


def build_vocabulary(corpus, output, vocabulary_size=8000, lowercase=True, verbose=True):
    """Learn a WordPiece vocabulary from `corpus` and save it (with the options) into `output`.

    Returns the tokenizer built from it.
    """
    from keras_bert_zoo.data.corpus import read_documents
    from keras_bert_zoo.data.vocabulary import train_wordpiece_vocabulary

    documents = read_documents(corpus, split_into_sentences=False)
    vocabulary = train_wordpiece_vocabulary(documents, vocabulary_size, lowercase=lowercase, verbose=verbose)
    tokenizer = BertTokenizer(vocabulary, lowercase=lowercase)
    pathlib.Path(output).mkdir(parents=True, exist_ok=True)
    save_tokenizer(tokenizer, output)
    return tokenizer


def prepare_pretraining_data(corpus, output, tokenizer, max_sequence_length=128, short_seq_prob=0.1,
                             next_sentence_prediction=None, static_masking=False, dupe_factor=5,
                             max_predictions_per_seq=20, masking_rate=0.15, whole_word_masking=False,
                             num_shards=4, seed=0, cross_documents=False, objective="nsp", max_ngram=1):
    """Turn a corpus into pretraining shards in `output` (a new or empty directory).

    By default the shards hold unmasked sentence pairs and the input pipeline
    masks them afresh each epoch (dynamic masking); `static_masking=True`
    writes `dupe_factor` masked copies instead, as original BERT did.

    Args:
        corpus: text files (see `keras_bert_zoo.data.corpus.read_documents`).
        output: the shard directory.
        tokenizer: a `BertTokenizer`, or a directory holding vocab.txt.
        max_sequence_length, short_seq_prob, cross_documents: see `create_instances`
            (`cross_documents=True` with `objective=None` is RoBERTa's FULL-SENTENCES packing).
        objective: the pairs' objective, "nsp" (BERT), "sop" (ALBERT's sentence order) or None
            (single segments, masked LM only); the manifest records it.
        next_sentence_prediction: the older spelling of `objective` (True: "nsp", False: None).
        static_masking, dupe_factor, max_predictions_per_seq, masking_rate,
        whole_word_masking, max_ngram: see `write_masked_examples`.
        num_shards: TFRecord files to write.
        seed: seeds pairing and (static) masking.

    Returns:
        The manifest (a dict; `count` is the number of examples written).

    Example:
        >>> prepare_pretraining_data("corpus.txt", "data/albert", "runs/vocab", objective="sop")
    """
    from keras_bert_zoo.data.corpus import read_documents
    from keras_bert_zoo.data.pretraining_examples import create_instances, resolve_objective
    from keras_bert_zoo.data.pretraining_shards import write_instances, write_masked_examples

    objective = resolve_objective(objective, next_sentence_prediction)
    if not isinstance(tokenizer, Tokenizer):
        tokenizer = load_tokenizer(tokenizer)
    instances = create_instances(read_documents(corpus), tokenizer, max_sequence_length=max_sequence_length,
                                 short_seq_prob=short_seq_prob, objective=objective, seed=seed,
                                 cross_documents=cross_documents)
    options = {"corpus": [str(path) for path in ([corpus] if isinstance(corpus, (str, pathlib.Path)) else corpus)],
               "max_sequence_length": max_sequence_length, "short_seq_prob": short_seq_prob, "seed": seed,
               "cross_documents": cross_documents}
    if static_masking:
        manifest = write_masked_examples(instances, output, tokenizer, dupe_factor=dupe_factor, seed=seed,
                                         max_predictions_per_seq=max_predictions_per_seq,
                                         masking_rate=masking_rate, whole_word_masking=whole_word_masking,
                                         num_shards=num_shards, options=options, max_ngram=max_ngram)
    else:
        manifest = write_instances(instances, output, tokenizer, num_shards=num_shards, options=options)
    save_tokenizer(tokenizer, output)
    return manifest
