"""Feed raw strings to `fit`/`evaluate`/`predict` through a tf.data pipeline.

Keras accepts a `tf.data.Dataset` on every backend, so strings are tokenized
by the preprocessor inside tf.data (TensorFlow is imported only here, and
only when raw text actually arrives) and the model sees integer tensors.
"""

import numpy as np


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


def text_to_dataset(preprocessor, x, y=None, sample_weight=None, batch_size=None, shuffle=False):
    """A batched, preprocessed dataset from in-memory strings (and labels)."""
    import tensorflow as tf

    features = tuple(np.asarray(part) for part in x) if isinstance(x, tuple) else np.asarray(x)
    if isinstance(x, str):
        features = np.asarray([x])
    count = len(features[0]) if isinstance(features, tuple) else len(features)
    if isinstance(features, tuple) and len(features[1]) != count:
        raise ValueError(
            f"Sentence pairs need two lists of the same length, got {count} and {len(features[1])}."
        )
    parts = [features]
    for name, values in (("y", y), ("sample_weight", sample_weight)):
        if values is not None:
            values = np.asarray(values)
            if len(values) != count:
                raise ValueError(f"{count} texts but {len(values)} entries in {name}.")
            parts.append(values)
    dataset = tf.data.Dataset.from_tensor_slices(tuple(parts) if len(parts) > 1 else features)
    if shuffle:
        dataset = dataset.shuffle(count, reshuffle_each_iteration=True)
    return preprocess_dataset(preprocessor, dataset.batch(batch_size or 32))


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
