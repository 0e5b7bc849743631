"""(contexts, choices) -> one `[CLS] context [SEP] choice [SEP]` sequence per choice.

Multiple-choice models (SWAG, ARC, RACE style) score every choice of a
question against its context; the encoder sees each (context, choice) as a
sentence pair, so this is `BertPreprocessor`'s pair encoding with a choice
axis added: outputs are `(batch, num_choices, length)`, `length` as `padding` says.
"""

import keras
import numpy as np

from keras_bert_zoo.text.preprocessor import BertPreprocessor
from keras_bert_zoo.text.tokenizer import _tf, to_string_tensor


def check_choices(contexts, choices):
    """Validate Python/numpy `(contexts, choices)`; return the number of choices.

    Every context needs a list of the same number (>= 1) of strings: a batch
    is one `(batch, num_choices, sequence)` tensor, so ragged lists are refused
    here rather than deep inside TensorFlow.
    """
    contexts, choices = list(contexts), list(choices)
    if len(contexts) != len(choices):
        raise ValueError(
            f"Got {len(contexts)} contexts but {len(choices)} lists of choices; "
            f"each context needs one list of choices."
        )
    if not contexts:
        raise ValueError("Multiple-choice inputs are empty: need at least one (context, choices).")
    counts = set()
    for index, (context, row) in enumerate(zip(contexts, choices)):
        if not isinstance(context, str):
            raise ValueError(f"Context {index} must be a str, got {context!r:.80}.")
        is_list = isinstance(row, (list, tuple, np.ndarray))
        if not is_list or len(row) == 0 or not all(isinstance(c, str) for c in row):
            raise ValueError(
                f"The choices of example {index} must be a non-empty list of str, got {row!r:.80}."
            )
        counts.add(len(row))
    if len(counts) > 1:
        raise ValueError(
            f"Every example of a batch needs the same number of choices, got {sorted(counts)}; "
            f"pad the short lists with dummy choices or group examples by their number of choices."
        )
    return counts.pop()


@keras.saving.register_keras_serializable(package="keras_bert_zoo")
class MultipleChoicePreprocessor(BertPreprocessor):
    """`(contexts, choices)` -> dict of `(batch, num_choices, sequence_length)` backbone inputs.

    Each choice is encoded with its context as the pair
    `[CLS] context [SEP] choice [SEP]` (segment 0, then 1), truncated and
    padded as `BertPreprocessor` does for pairs. Works eagerly and in
    `tf.data.Dataset.map`.

    Args:
        tokenizer: a `BertTokenizer`.
        sequence_length: tokens per (context, choice) sequence, special tokens included.
        truncate: "longest_first" (Hugging Face's default) or "waterfall".
        padding, length_buckets: as for `BertPreprocessor`.

    Example:
    >>> pre = MultipleChoicePreprocessor(tokenizer, sequence_length=64)
    >>> out = pre((["She opened the umbrella because"],
    ...            [["it was raining.", "she was hungry.", "the sun set."]]))
    >>> out["token_ids"].shape  # (1, 3, 16): the longest pair, rounded up to 16 tokens
    """

    def __call__(self, x):
        """`x` is `(contexts, choices)`: contexts a string or a batch `(batch,)`,
        choices `(num_choices,)` or `(batch, num_choices)` strings."""
        tf, _ = _tf()
        if not isinstance(x, (tuple, list)) or len(x) != 2:
            raise ValueError("MultipleChoicePreprocessor takes a pair (contexts, choices).")
        contexts, choices = x
        if not isinstance(choices, tf.Tensor):
            single = isinstance(contexts, str)
            check_choices([contexts] if single else contexts, [choices] if single else choices)
            choices = tf.constant(list(choices) if single else [list(row) for row in choices], tf.string)
        contexts = to_string_tensor(contexts, name="contexts")
        if choices.shape.rank != contexts.shape.rank + 1:
            raise ValueError(
                f"choices must have one more axis than contexts (the choice axis), got shapes "
                f"{contexts.shape} and {choices.shape}."
            )
        num_choices = tf.shape(choices)[-1]
        # One pair per (example, choice): the context repeats across its choices.
        repeated = tf.repeat(tf.reshape(contexts, [-1]), num_choices)
        features = super().__call__((repeated, tf.reshape(choices, [-1])))
        # Every choice of the batch shares the length of the longest (see `padding`).
        shape = tf.concat([tf.shape(choices), tf.shape(features["token_ids"])[-1:]], axis=0)
        return {key: tf.reshape(value, shape) for key, value in features.items()}

    def __repr__(self):
        return (f"MultipleChoicePreprocessor(sequence_length={self.sequence_length}, "
                f"truncate={self.truncate!r}, padding={self.padding!r})")
