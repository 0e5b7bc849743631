"""Words and per-word tags -> checked label ids and the `tf.data` pipeline of `BertTokenClassifier`.

In-memory lists are checked in Python first, so a bad sentence raises a `ValueError` naming it
before anything reaches TensorFlow or the backend. Datasets are checked while they stream (an
unknown tag or an id out of range stops the pipeline with a message saying so), since reading
them ahead would defeat streaming.
"""

import re

import numpy as np

from keras_bert_zoo.tasks.inputs import describe, shuffled_batches
from keras_bert_zoo.text.word_preprocessor import to_ragged

_WORD = re.compile(r"\S+")


def split_text(text):
    """Whitespace-separated words of `text` and their `(start, end)` character spans."""
    matches = list(_WORD.finditer(text))
    return [m.group() for m in matches], [m.span() for m in matches]


def is_words(x):
    """A non-empty list (or tuple) of sentences, each a list (or tuple) of words."""
    return isinstance(x, (list, tuple)) and bool(x) and all(isinstance(s, (list, tuple)) for s in x)


def check_words(words):
    """Words as a list of lists of str; ValueError for an empty list, an empty sentence or a non-str."""
    if not is_words(words):
        raise ValueError("Words must be a non-empty list of sentences, each a list of str (for raw text pass "
                         f"str or a list of str), got {describe(words)}.")
    for index, sentence in enumerate(words):
        if not sentence:
            raise ValueError(f"Sentence {index} has no words; every sentence needs at least one.")
        bad = [word for word in sentence if not isinstance(word, str)]
        if bad:
            raise ValueError(f"Sentence {index}: words must be str, found {bad[0]!r:.80}.")
    return [list(sentence) for sentence in words]


def tag_ids(words, tags, labels, num_classes):
    """Per-word tags (names from `labels`, or integer ids) -> lists of int ids, or a ValueError."""
    if not isinstance(tags, (list, tuple)) or len(tags) != len(words):
        count = len(tags) if isinstance(tags, (list, tuple)) else type(tags).__name__
        raise ValueError(f"{len(words)} sentences but {count} tag lists; give one tag list per sentence.")
    index_of = {name: i for i, name in enumerate(labels or ())}
    ids = []
    for index, (sentence, sentence_tags) in enumerate(zip(words, tags)):
        if isinstance(sentence_tags, np.ndarray):
            sentence_tags = sentence_tags.tolist()
        if not isinstance(sentence_tags, (list, tuple)) or len(sentence_tags) != len(sentence):
            count = len(sentence_tags) if isinstance(sentence_tags, (list, tuple)) else repr(sentence_tags)[:40]
            raise ValueError(f"Sentence {index}: {len(sentence)} words but {count} tags; give one tag per word.")
        row = []
        for tag in sentence_tags:
            if isinstance(tag, str):
                if not labels:
                    raise ValueError(f"Sentence {index}: tag {tag!r} is a name, but the task has no label names; "
                                     "build it with labels=[...] or give integer ids.")
                if tag not in index_of:
                    raise ValueError(f"Sentence {index}: unknown tag {tag!r}; the task's labels are {list(labels)}.")
                row.append(index_of[tag])
            elif isinstance(tag, (int, np.integer)) and not isinstance(tag, bool):
                if not 0 <= tag < num_classes:
                    raise ValueError(f"Sentence {index}: label id {tag} is out of range [0, {num_classes}).")
                row.append(int(tag))
            else:
                raise ValueError(f"Sentence {index}: a tag must be a str or an int, got {tag!r:.40}.")
        ids.append(row)
    return ids


def list_dataset(words, ids=None, batch_size=None, shuffle=False):
    """A dataset of ragged batches `words` or `(words, ids)` from checked lists."""
    import tensorflow as tf

    parts = [to_ragged(words, tf.string)] + ([to_ragged(ids, tf.int32)] if ids is not None else [])
    dataset = tf.data.Dataset.from_tensor_slices(tuple(parts) if ids is not None else parts[0])
    return shuffled_batches(dataset, words, batch_size or 32, shuffle)


def is_word_dataset(dataset):
    """A `tf.data.Dataset` whose elements are words, or (words, tags): string vectors, batched or not."""
    import tensorflow as tf

    if not isinstance(dataset, tf.data.Dataset):
        return False
    spec = dataset.element_spec
    words = spec[0] if isinstance(spec, tuple) else spec
    return not isinstance(words, dict) and words.dtype == tf.string and words.shape.rank in (1, 2)


def stream_dataset(dataset, labels, num_classes, batch_size=None):
    """Ragged batches of a words (or (words, tags)) dataset, tags mapped to ids and checked in-graph."""
    import tensorflow as tf

    spec = dataset.element_spec
    if isinstance(spec, tuple) and len(spec) != 2:
        raise ValueError(f"A words dataset yields words or (words, tags), got {len(spec)} parts.")
    if (spec[0] if isinstance(spec, tuple) else spec).shape.rank == 1:
        dataset = dataset.ragged_batch(batch_size or 32)
    if not isinstance(spec, tuple):
        return dataset
    if spec[1].dtype == tf.string:
        if not labels:
            raise ValueError("The dataset's tags are names, but the task has no label names; build it with "
                             "labels=[...] or give integer ids.")
        table = tf.lookup.StaticHashTable(
            tf.lookup.KeyValueTensorInitializer(list(labels), tf.range(len(labels), dtype=tf.int64)), -1)
        lookup, problem = table.lookup, f"an unknown tag (the task's labels are {list(labels)})"
    elif spec[1].dtype.is_integer:
        lookup, problem = tf.identity, f"a label id out of range [0, {num_classes})"
    else:
        raise ValueError(f"Dataset tags must be strings or integers, got {spec[1].dtype.name}.")

    def ids_of(flat_tags):
        ids = tf.cast(lookup(flat_tags), tf.int32)
        check = tf.debugging.assert_equal(tf.reduce_all((ids >= 0) & (ids < num_classes)), True,
                                          message=f"The dataset has {problem}.")
        with tf.control_dependencies([check]):
            return tf.identity(ids)

    return dataset.map(lambda words, tags: (words, tf.ragged.map_flat_values(ids_of, tags)))
