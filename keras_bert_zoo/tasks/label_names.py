"""Class names of classification heads: checked once, saved with the task, mapped both ways."""

import numpy as np


def check_label_names(labels, num_classes):
    """`(labels, num_classes)` checked: names in class-id order (or None) and the class count.

    `num_classes` defaults to `len(labels)`; a ValueError says what is wrong.
    """
    if labels is not None:
        if not isinstance(labels, (list, tuple)) or not labels or not all(
                isinstance(name, str) and name for name in labels):
            raise ValueError(f"labels must be a non-empty list of class names (str), got {labels!r:.80}.")
        if len(set(labels)) != len(labels):
            raise ValueError(f"labels must be distinct, got {list(labels)}.")
        labels = list(labels)
        num_classes = len(labels) if num_classes is None else num_classes
    if isinstance(num_classes, bool) or not isinstance(num_classes, (int, np.integer)) or num_classes < 1:
        raise ValueError(f"num_classes must be an integer >= 1 (or give labels), got {num_classes!r}.")
    if labels is not None and num_classes != len(labels):
        raise ValueError(f"num_classes={num_classes} but {len(labels)} labels {labels}; give one name per class.")
    return labels, int(num_classes)


def names_to_ids(values, labels):
    """Class names (an array of str) -> int32 ids by `labels`; unknown names raise a ValueError."""
    if not labels:
        raise ValueError(f"Labels such as {values.flat[0]!r} are names, but the task has no label names; "
                         "build it with labels=[...] (names in class-id order) or give class ids.")
    index_of = {name: i for i, name in enumerate(labels)}
    unknown = sorted({str(value) for value in values.flat if value not in index_of})
    if unknown:
        raise ValueError(f"Unknown label name(s) {unknown[:5]}; the task's labels are {labels}.")
    return np.vectorize(index_of.__getitem__, otypes=["int32"])(values)
