"""Sentence embeddings (Sentence-BERT style) from any backbone of the zoo."""

import keras
import numpy as np
from keras import ops

from keras_bert_zoo.tasks import inputs as task_inputs
from keras_bert_zoo.tasks.task import Task, fine_tuning_optimizer

POOLING_MODES = ("mean", "cls")


def l2_normalize(x, epsilon=1e-12):
    """`x / max(||x||, epsilon)` along the last axis (as torch's `F.normalize`)."""
    norm = ops.sqrt(ops.sum(ops.square(x), axis=-1, keepdims=True))
    return x / ops.maximum(norm, epsilon)


def cosine_similarity(x, y):
    """Cosine similarity of every row of `x` with every row of `y` (numpy).

    `x` is `(n, dim)` or `(dim,)`, `y` `(m, dim)` or `(dim,)`; the result is
    `(n, m)`, without the axis of a 1-D argument (two vectors give a float).

    Example:
    >>> cosine_similarity([1.0, 0.0], [[1.0, 0.0], [1.0, 1.0]])  # array([1., 0.7071])
    """
    x, y = np.asarray(x, "float64"), np.asarray(y, "float64")
    if x.shape[-1:] != y.shape[-1:] or x.ndim not in (1, 2) or y.ndim not in (1, 2):
        raise ValueError(f"Need vectors or (rows, dim) matrices of one dim, got shapes {x.shape}, {y.shape}.")

    def unit(v):
        return v / np.maximum(np.linalg.norm(v, axis=-1, keepdims=True), 1e-12)

    similarity = np.atleast_2d(unit(x)) @ np.atleast_2d(unit(y)).T
    return similarity[0 if x.ndim == 1 else slice(None), 0 if y.ndim == 1 else slice(None)]


@keras.saving.register_keras_serializable(package="keras_bert_zoo")
class SentencePooling(keras.layers.Layer):
    """Token vectors -> one float32 vector per text: mean over real tokens, or `[CLS]`'s.

    Call arguments:
        sequence_output: `(batch, sequence, hidden)`.
        padding_mask: `(batch, sequence)`, 1/True on real tokens; padding is
            left out of the mean, so extra padding changes nothing.
    """

    def __init__(self, pooling="mean", normalize=False, **kwargs):
        super().__init__(**kwargs)
        self.pooling = pooling
        self.normalize = normalize

    def call(self, sequence_output, padding_mask):
        sequence = ops.cast(sequence_output, "float32")
        if self.pooling == "cls":
            pooled = sequence[:, 0, :]
        else:
            mask = ops.cast(padding_mask, "float32")[:, :, None]
            # The floor only guards an all-padding row (sentence-transformers clamps at 1e-9 too).
            pooled = ops.sum(sequence * mask, axis=1) / ops.maximum(ops.sum(mask, axis=1), 1e-9)
        return l2_normalize(pooled) if self.normalize else pooled

    def compute_output_shape(self, sequence_output_shape, padding_mask_shape):
        return (sequence_output_shape[0], sequence_output_shape[-1])

    def get_config(self):
        return {**super().get_config(), "pooling": self.pooling, "normalize": self.normalize}


@keras.saving.register_keras_serializable(package="keras_bert_zoo")
class BertTextEmbedder(Task):
    """One vector per text, for semantic search, clustering and similarity.

    The backbone's token vectors are pooled (mean over real tokens, or the
    `[CLS]` token's vector) and optionally scaled to unit length, giving
    float32 embeddings `(batch, hidden)`.

    `from_preset` of a sentence-transformers checkpoint directory (or of the
    preset `bert-zoo import-hf` makes of it) reads its pooling, its Normalize
    module and its `max_seq_length` (the checkpoint reader puts them in the
    spec); all-MiniLM-L6-v2, for instance, loads with mean pooling,
    `normalize=True` and 256 tokens.
    For other checkpoints, pass `normalize=True` when the model was trained
    to compare unit vectors (its `modules.json` lists a `Normalize` module):
    cosine similarity is then a dot product.

    Training: `fit(texts, target_vectors)` regresses the embeddings onto
    given vectors (mean squared error; distilling a teacher's embeddings).
    To fine-tune on scored sentence pairs, wrap the embedder in a
    `CosineSimilarityTrainer` (`keras_bert_zoo.tasks.similarity_trainer`),
    which shares its weights.

    Args:
        backbone: a `Backbone`.
        preprocessor: optional `BertPreprocessor`; `embed`, `similarity`
            and `predict` on raw strings need it.
        pooling: "mean" (over the padding mask) or "cls".
        normalize: scale every embedding to unit L2 norm.

    Example:
    >>> embedder = BertTextEmbedder.from_preset(minilm_checkpoint())
    >>> embedder.similarity(["A man is eating food."], ["A man eats.", "It is raining."])
    """

    def __init__(self, backbone, preprocessor=None, pooling="mean", normalize=False, **kwargs):
        if pooling not in POOLING_MODES:
            raise ValueError(f"pooling must be one of {POOLING_MODES}, got {pooling!r}.")
        if not isinstance(normalize, bool):
            raise ValueError(f"normalize must be True or False, got {normalize!r}.")
        inputs = backbone.input
        pool = SentencePooling(pooling, normalize, dtype="float32", name="sentence_pooling")
        embeddings = pool(backbone(inputs)["sequence_output"], inputs["padding_mask"])
        super().__init__(inputs=inputs, outputs=embeddings, **kwargs)
        self._attach(backbone, preprocessor)
        self.pooling = pooling
        self.normalize = normalize
        self.compile()

    def head_config(self):
        return {"pooling": self.pooling, "normalize": self.normalize}

    def compile(self, optimizer="auto", loss="auto", **kwargs):
        """Defaults: AdamW (lr 5e-5, decay 0.01), mean squared error to target vectors."""
        super().compile(
            optimizer=fine_tuning_optimizer() if optimizer == "auto" else optimizer,
            loss=keras.losses.MeanSquaredError() if loss == "auto" else loss,
            **kwargs,
        )

    def _adapt(self, x, y=None, sample_weight=None, batch_size=None, shuffle=False):
        _refuse_pairs(x)
        return super()._adapt(x, y, sample_weight, batch_size, shuffle)

    def _text_featurizer(self, x):
        _refuse_pairs(x)
        return super()._text_featurizer(x)

    def embed(self, texts, batch_size=32):
        """Embeddings of raw strings as numpy float32: `(len(texts), hidden)`, or `(hidden,)` for one str.

        As sentence-transformers does, texts run longest first and each batch
        is padded to its longest (`predict` on text; see `text.padding`):
        embeddings do not depend on padding, so this only saves the work that
        padded positions would cost.
        """
        self._require_preprocessor("embed")
        single = isinstance(texts, str)
        texts = [texts] if single else list(texts)
        if not texts or not all(isinstance(text, str) for text in texts):
            raise ValueError("embed takes a str or a non-empty list of str.")
        embeddings = np.asarray(self.predict(texts, batch_size=batch_size, verbose=0), "float32")
        return embeddings[0] if single else embeddings

    def similarity(self, a, b, batch_size=32):
        """Cosine similarities of texts `a` with texts `b`: numpy `(len(a), len(b))` (see `cosine_similarity`)."""
        return cosine_similarity(self.embed(a, batch_size), self.embed(b, batch_size))


def _refuse_pairs(x):
    if isinstance(x, tuple) and task_inputs.is_raw_text(x):
        raise ValueError("BertTextEmbedder embeds single texts, not sentence pairs. Compare two lists with "
                         "similarity(a, b); fine-tune on scored pairs with CosineSimilarityTrainer(embedder).")
