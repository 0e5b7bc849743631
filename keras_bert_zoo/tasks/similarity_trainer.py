"""Fine-tune a `BertTextEmbedder` on sentence pairs scored for similarity.

The idea of sentence-transformers' CosineSimilarityLoss (Reimers & Gurevych,
2019): embed both sentences with the same weights, take the cosine of the
two embeddings and regress it onto the pair's score with mean squared error.
Here it is a small functional Keras model around the embedder, so plain
`fit` trains it on every backend and the embedder's weights are the ones
that learn.
"""

import keras
import numpy as np
from keras import ops

from keras_bert_zoo.tasks import inputs as task_inputs
from keras_bert_zoo.tasks.task import InputAdaptingModel, fine_tuning_optimizer
from keras_bert_zoo.tasks.text_embedder import l2_normalize

SIDES = ("first", "second")


@keras.saving.register_keras_serializable(package="keras_bert_zoo")
class PairCosine(keras.layers.Layer):
    """Row-wise cosine of two batches of vectors: `(batch, dim)` x 2 -> `(batch,)`."""

    def call(self, first, second):
        return ops.sum(l2_normalize(first) * l2_normalize(second), axis=-1)

    def compute_output_shape(self, first_shape, second_shape):
        return (first_shape[0],)


def check_scores(scores):
    """Pair scores are targets for a cosine, so they must lie in [-1, 1]."""
    scores = np.asarray(scores, "float32")
    if scores.ndim != 1:
        raise ValueError(f"Pair scores must be a 1-D list of floats, got shape {scores.shape}.")
    if scores.size and not (np.all(np.isfinite(scores)) and -1 <= scores.min() and scores.max() <= 1):
        raise ValueError(
            f"Pair scores are targets for a cosine similarity and must lie in [-1, 1], got values "
            f"in [{scores.min()}, {scores.max()}]; rescale them (e.g. STS scores 0-5: divide by 5)."
        )
    return scores


@keras.saving.register_keras_serializable(package="keras_bert_zoo")
class CosineSimilarityTrainer(InputAdaptingModel):
    """Train an embedder so that the cosine of two sentences' embeddings matches a score.

    Inputs are `{"first": backbone inputs, "second": backbone inputs}` (or,
    with the embedder's preprocessor, raw `(texts_a, texts_b)` in `fit`,
    `evaluate` and `predict`); the output is the float32 cosine `(batch,)`.
    Both sides run through the same embedder, so training updates it; save
    the embedder afterwards (`trainer.embedder.save_to_preset(...)`).

    Args:
        embedder: a `BertTextEmbedder`.

    Example:
    >>> embedder = BertTextEmbedder.from_preset(minilm_checkpoint())
    >>> trainer = CosineSimilarityTrainer(embedder)
    >>> trainer.fit((["A man eats."], ["A man is eating food."]), [0.9], epochs=1)
    >>> embedder.save_to_preset("tuned_embedder")
    """

    def __init__(self, embedder, **kwargs):
        sides = {
            side: {name: keras.Input((None,), dtype=tensor.dtype, name=f"{side}_{name}")
                   for name, tensor in embedder.input.items()}
            for side in SIDES
        }
        pair_cosine = PairCosine(dtype="float32", name="cosine")
        cosine = pair_cosine(embedder(sides["first"]), embedder(sides["second"]))
        super().__init__(inputs=sides, outputs=cosine, **kwargs)
        self.embedder = embedder
        self.compile()

    def compile(self, optimizer="auto", loss="auto", **kwargs):
        """Defaults: AdamW (lr 5e-5, decay 0.01), mean squared error between cosine and score."""
        super().compile(
            optimizer=fine_tuning_optimizer() if optimizer == "auto" else optimizer,
            loss=keras.losses.MeanSquaredError() if loss == "auto" else loss,
            **kwargs,
        )

    def get_config(self):
        return {"name": self.name, "trainable": self.trainable,
                "embedder": keras.saving.serialize_keras_object(self.embedder)}

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        config["embedder"] = keras.saving.deserialize_keras_object(config["embedder"])
        return cls(**config)

    def _encode(self, pair):
        """(texts_a, texts_b) -> {"first": features, "second": features}; runs in tf.data."""
        preprocessor = self.embedder.preprocessor
        return {side: preprocessor(texts) for side, texts in zip(SIDES, pair)}

    def _adapt(self, x, y=None, sample_weight=None, batch_size=None, shuffle=False):
        """Raw pairs (or a tf.data set of them) -> a preprocessed dataset; else None."""
        raw = isinstance(x, tuple) and task_inputs.is_raw_text(x)
        if self.embedder.preprocessor is None:
            if raw:
                raise ValueError("Raw sentence pairs need the embedder to have a preprocessor.")
            return None
        if raw:
            y = check_scores(y) if y is not None else None
            return task_inputs.text_to_dataset(self._encode, x, y, sample_weight, batch_size, shuffle)
        if task_inputs.dataset_needs_preprocessing(x):
            if y is not None:
                raise ValueError("When x is a tf.data.Dataset, scores come from the dataset; y must be None.")
            return task_inputs.preprocess_dataset(self._encode, x, batch_size)
        return None
