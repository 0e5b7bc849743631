"""Feed raw strings to `fit`/`evaluate`/`predict` through a tf.data pipeline.

Keras accepts a `tf.data.Dataset` on every backend, so strings are tokenized
by the preprocessor inside tf.data (TensorFlow is imported only here, and
only when raw text actually arrives) and the model sees integer tensors.
"""

import numpy as np

BY_LENGTH = "by_length"  # the `shuffle` that `fit(group_by_length=True)` passes to `_adapt`
# Examples sorted together for length grouping, in batches (transformers' group_by_length uses 50).
GROUP_WINDOW_BATCHES = 50


def _is_string_list(x):
    if isinstance(x, str):
        return True
    if isinstance(x, np.ndarray):
        return x.dtype.kind in ("U", "S", "O")
    if isinstance(x, list):
        return bool(x) and all(isinstance(item, str) for item in x)
    return type(x).__name__ in ("EagerTensor", "Tensor") and x.dtype.name == "string"


def is_raw_text(x):
    """Strings, or sentence pairs given as a tuple of two string lists."""
    if isinstance(x, tuple):
        return len(x) == 2 and all(_is_string_list(part) for part in x)
    return _is_string_list(x)


def _is_string_spec(spec):
    import tensorflow as tf

    if isinstance(spec, tuple):
        return len(spec) == 2 and all(_is_string_spec(part) for part in spec)
    return isinstance(spec, tf.TensorSpec) and spec.dtype == tf.string


def _features_spec(element_spec):
    """The feature part of a dataset element: `x` of `x`, `(x, y)` or `(x, y, w)`."""
    if isinstance(element_spec, tuple) and not _is_string_spec(element_spec):
        return element_spec[0], True
    return element_spec, False


def dataset_needs_preprocessing(dataset):
    if not hasattr(dataset, "element_spec"):  # not a tf.data.Dataset; TensorFlow stays unimported
        return False
    import tensorflow as tf

    if not isinstance(dataset, tf.data.Dataset):
        return False
    return _is_string_spec(_features_spec(dataset.element_spec)[0])


def preprocess_dataset(preprocessor, dataset, batch_size=None):
    """Map `preprocessor` over the features of a dataset of strings."""
    import tensorflow as tf

    features, has_labels = _features_spec(dataset.element_spec)
    first = features[0] if isinstance(features, tuple) else features
    if first.shape.rank == 0:
        # Unbatched strings: batch here so the model receives (batch, sequence).
        dataset = dataset.batch(batch_size or 32)
    preprocessor = traced(preprocessor)
    if has_labels:
        dataset = dataset.map(
            lambda x, *rest: (preprocessor(x), *rest), num_parallel_calls=tf.data.AUTOTUNE
        )
    else:
        # tf.data spreads a pair's two parts over two arguments; regroup them.
        dataset = dataset.map(
            lambda *parts: preprocessor(parts if len(parts) == 2 else parts[0]),
            num_parallel_calls=tf.data.AUTOTUNE,
        )
    return dataset.prefetch(tf.data.AUTOTUNE)


def traced(preprocessor):
    """`preprocessor` as a `tf.function` traced once per input structure and kept on it: each
    `fit`, `evaluate` or `predict` builds a new `tf.data` map, which would otherwise trace the
    whole tokenizer graph again (seconds, a single text's `predict` included)."""
    import tensorflow as tf

    function = getattr(preprocessor, "_traced_call", None)
    if function is None:
        function = tf.function(preprocessor, reduce_retracing=True, autograph=False)
        try:
            preprocessor._traced_call = function
        except AttributeError:  # a bound method (e.g. a trainer's encoding of pairs): traced per call
            pass
    return function


def text_to_dataset(preprocessor, x, y=None, sample_weight=None, batch_size=None, shuffle=False):
    """A batched, preprocessed dataset from in-memory strings (and labels)."""
    import tensorflow as tf

    features = tuple(np.asarray(part) for part in x) if isinstance(x, tuple) else np.asarray(x)
    if isinstance(x, str):
        features = np.asarray([x])
    count = check_pair_lengths(features)
    parts = [features]
    for name, values in (("y", y), ("sample_weight", sample_weight)):
        if values is not None:
            values = np.asarray(values)
            if len(values) != count:
                raise ValueError(f"{count} texts but {len(values)} entries in {name}.")
            parts.append(values)
    dataset = tf.data.Dataset.from_tensor_slices(tuple(parts) if len(parts) > 1 else features)
    return preprocess_dataset(preprocessor, shuffled_batches(dataset, x, batch_size or 32, shuffle))


def check_pair_lengths(x):
    """The number of examples of texts or pairs `x`; a ValueError for pairs of unequal lists."""
    if not isinstance(x, tuple):
        return len(x)
    if len(x[1]) != len(x[0]):
        raise ValueError(f"Sentence pairs need two lists of the same length, got {len(x[0])} and {len(x[1])}.")
    return len(x[0])


def text_sizes(x):
    """Characters per example of raw text, pairs, `(contexts, choices)` or word lists: the key that
    length grouping and length-sorted inference order by. It ranks examples nearly as their
    token counts do and needs no tokenization pass of its own."""
    if isinstance(x, str):
        return np.array([len(x)])
    if isinstance(x, tuple):
        return sum(text_sizes(part) for part in x)
    # A list item is a text, or the texts of one example (a sentence's words, a context's choices).
    return np.array([len(item) if isinstance(item, str) else sum(map(len, item)) for item in x])


def shuffled_batches(dataset, x, batch_size, shuffle, seed=None):
    """`dataset`, one element per example of `x`, in batches (ragged where examples differ in shape).

    `shuffle=False` keeps the order; `True` shuffles anew every epoch; `BY_LENGTH` groups by
    length as transformers' `group_by_length` does: the examples are shuffled, sorted by
    `text_sizes` within windows of `GROUP_WINDOW_BATCHES` batches, batched, and the batches
    shuffled, so each batch holds texts of similar length and pads little while the order
    still changes every epoch. Shuffles draw from `seed` when given (the same orders in every
    process: a resumed run skips into the same stream), else from TensorFlow's global seed,
    which `keras.utils.set_random_seed` sets.
    """
    import tensorflow as tf

    count = int(dataset.cardinality())
    if shuffle != BY_LENGTH:
        if shuffle:
            dataset = dataset.shuffle(count, seed=seed, reshuffle_each_iteration=True)
        return dataset.ragged_batch(batch_size)
    window = batch_size * GROUP_WINDOW_BATCHES
    sized = tf.data.Dataset.zip((dataset, tf.data.Dataset.from_tensor_slices(text_sizes(x))))
    windows = sized.shuffle(count, seed=seed, reshuffle_each_iteration=True).ragged_batch(window)

    def longest_first(element, sizes):
        order = tf.argsort(sizes, direction="DESCENDING", stable=True)
        return tf.nest.map_structure(lambda part: tf.gather(part, order), element)

    batches = windows.map(longest_first).unbatch().ragged_batch(batch_size)
    # Unbatching loses the count, which Keras needs to end the epoch without a warning.
    batches = batches.apply(tf.data.experimental.assert_cardinality(-(-count // batch_size)))
    return batches.shuffle(GROUP_WINDOW_BATCHES, seed=seed, reshuffle_each_iteration=True)


def predict_text(model, featurize, x, batch_size, verbose="auto", forward=None):
    """`forward` (default `model.predict_on_batch`) over in-memory raw text `x` (texts, pairs,
    `(contexts, choices)`), longest first so that each batch pads little (`text_sizes`),
    outputs in the input order."""
    import keras
    import tensorflow as tf

    forward = forward or model.predict_on_batch

    if isinstance(x, str) or (isinstance(x, tuple) and isinstance(x[0], str)):  # one example
        x = tuple([part] for part in x) if isinstance(x, tuple) else [x]
    check_pair_lengths(x)
    order = np.argsort(-text_sizes(x), kind="stable")
    starts = range(0, len(order), batch_size)
    progress = keras.utils.Progbar(len(starts)) if verbose in ("auto", 1, True) and len(starts) > 1 else None
    chunks = []
    for step, start in enumerate(starts):
        batch = take(x, order[start:start + batch_size])
        features = featurize(tuple(map(tf.constant, batch)) if isinstance(batch, tuple) else tf.constant(batch))
        chunks.append(keras.tree.map_structure(keras.ops.convert_to_numpy, forward(
            keras.tree.map_structure(np.asarray, features))))
        if progress is not None:
            progress.update(step + 1)
    inverse = np.argsort(order)
    return keras.tree.map_structure(lambda *parts: np.concatenate(parts)[inverse], *chunks)


def take(x, order):
    """Raw text `x` (texts, pairs or `(contexts, choices)`) in the order `order`."""
    if isinstance(x, tuple):
        return tuple(take(part, order) for part in x)
    return [x[i] for i in order] if isinstance(x, list) else np.asarray(x)[order]


def describe(x):
    """A short account of what `x` is, for errors that say what an input was."""
    if x is None:
        return "None"
    if isinstance(x, (list, tuple)):
        kind = type(x).__name__
        if not x:
            return f"an empty {kind} (no examples)"
        types = sorted({type(item).__name__ for item in x})
        if len(types) == 1:
            return f"a {kind} of {len(x)} {types[0]}"
        odd = next(index for index, item in enumerate(x) if type(item) is not type(x[0]))
        return f"a {kind} mixing {', '.join(types)} (item {odd} is {x[odd]!r:.40})"
    if isinstance(x, dict):
        return f"a dict with keys {sorted(map(str, x))}"
    shape = getattr(x, "shape", None)
    if shape is not None:
        return f"a {type(x).__name__} of shape {tuple(shape)} and dtype {getattr(x, 'dtype', '?')}"
    return f"a {type(x).__name__} ({x!r:.40})"


def _is_stream(x):
    """Inputs Keras reads batch by batch itself: tf.data, PyDataset, torch DataLoader, generators."""
    import keras

    return (hasattr(x, "element_spec") or isinstance(x, keras.utils.PyDataset)
            or type(x).__name__ == "DataLoader" or hasattr(x, "__next__"))


def check_model_inputs(model, x, expected):
    """Refuse `x` unless Keras can feed it to `model` as it is: a ValueError saying what
    `model` takes (`expected`) and what `x` was, instead of an error deep inside Keras."""
    if _is_stream(x):
        return
    names = sorted(model.input) if isinstance(model.input, dict) else None
    if isinstance(x, dict) and names is not None:
        missing = [name for name in names if name not in x]
        empty = [name for name in names if name in x and np.shape(x[name])[:1] == (0,)]
        if not missing and not empty:
            return
        problem = f"missing {missing}" if missing else f"with no examples in {empty}"
        raise ValueError(f"{type(model).__name__} takes {expected}; got a dict {problem}.")
    hint = ""
    if isinstance(x, (list, tuple)) and any(isinstance(item, bytes) for item in x):
        hint = " Decode bytes to str first."
    elif isinstance(x, (list, tuple)) and any(item is None for item in x):
        hint = " Every text must be a str."
    raise ValueError(f"{type(model).__name__} takes {expected}; got {describe(x)}.{hint}")
