"""Extractive question answering (SQuAD v1.1 and v2.0) on any backbone of the zoo."""

import keras
import numpy as np

from keras_bert_zoo.data.squad import as_examples
from keras_bert_zoo.metrics import squad
from keras_bert_zoo.tasks import inputs
from keras_bert_zoo.tasks.span_decoding import decode_answers
from keras_bert_zoo.tasks.task import Task, fine_tuning_optimizer
from keras_bert_zoo.text.padding import padded_lengths

OUTPUTS = ("start_logits", "end_logits")


@keras.saving.register_keras_serializable(package="keras_bert_zoo")
class BertQuestionAnswerer(Task):
    """Find the answer to a question as a span of its context.

    The backbone chooses its span head (BERT: one dense layer giving a start and an end logit
    per token, as `BertForQuestionAnswering`). Outputs are a dict of float32 `start_logits`
    and `end_logits`, each `(batch, sequence)`, over `[CLS] question [SEP] window [SEP]`.

    With a `BertSpanPreprocessor` attached (`from_preset` attaches one), `fit` and `evaluate`
    take a list of `SquadExample` (or dicts with their keys, see `keras_bert_zoo.data.squad`):
    long contexts become overlapping windows, and each window is trained to point at the
    answer's first and last tokens, or at `[CLS]` when it does not hold the answer or the
    question has none. Token id dicts and their datasets pass through unchanged, with
    `{"start_logits": positions, "end_logits": positions}` labels.

    Args:
        backbone: a `Backbone`, e.g. `BertBackbone.from_preset("base")`.
        preprocessor: optional `BertSpanPreprocessor`.

    Example:
    >>> qa = BertQuestionAnswerer.from_preset(checkpoint, sequence_length=256)
    >>> qa.fit(read_squad("train-v2.0.json"), batch_size=16, epochs=2)
    >>> qa.predict_answers("Who wrote Moby-Dick?", "Moby-Dick is a novel by Herman Melville.")["text"]
    >>> qa.score(read_squad("dev-v2.0.json"))  # {"exact_match": ..., "f1": ..., "HasAns_f1": ...}
    """

    def __init__(self, backbone, preprocessor=None, **kwargs):
        head = backbone.span_head()
        backbone_inputs = backbone.input
        outputs = head(backbone(backbone_inputs))
        super().__init__(inputs=backbone_inputs, outputs=outputs, **kwargs)
        self._attach(backbone, preprocessor)
        self.head = head
        self.compile()

    def head_config(self):
        return {}

    @classmethod
    def preprocessor_class(cls):
        from keras_bert_zoo.text.span_preprocessor import BertSpanPreprocessor

        return BertSpanPreprocessor

    def compile(self, optimizer="auto", loss="auto", metrics="auto", **kwargs):
        """Defaults: AdamW (lr 5e-5, decay 0.01); the loss is the mean of the start and end
        position cross-entropies (as BERT); start and end accuracy."""
        if loss == "auto":
            loss = {name: keras.losses.SparseCategoricalCrossentropy(from_logits=True) for name in OUTPUTS}
            kwargs.setdefault("loss_weights", {name: 0.5 for name in OUTPUTS})
        super().compile(
            optimizer=fine_tuning_optimizer() if optimizer == "auto" else optimizer,
            loss=loss,
            metrics={name: [keras.metrics.SparseCategoricalAccuracy("accuracy")] for name in OUTPUTS}
            if metrics == "auto"
            else metrics,
            **kwargs,
        )

    def _adapt(self, x, y=None, sample_weight=None, batch_size=None, shuffle=False):
        """Examples -> a dataset of windows and answer positions; token ids pass through."""
        if _is_examples(x):
            if y is not None or sample_weight is not None:
                raise ValueError("With examples as x, the answers are the labels: y and sample_weight "
                                 "must be None.")
            import tensorflow as tf

            features = self.features(x, labelled=True)
            dataset = tf.data.Dataset.from_tensor_slices((features.inputs, features.labels))
            if shuffle:
                dataset = dataset.shuffle(len(features.example_index), reshuffle_each_iteration=True)
            trim = self.preprocessor.trim
            return dataset.batch(batch_size or 32).map(lambda x, y: (trim(x), y)).prefetch(tf.data.AUTOTUNE)
        if inputs.is_raw_text(x) or inputs.dataset_needs_preprocessing(x):
            raise ValueError("BertQuestionAnswerer trains on a list of SquadExample (or dicts with id, "
                             "question, context, answers, is_impossible), not on plain strings; for "
                             "answers to (questions, contexts) call predict_answers.")
        return None

    def input_description(self):
        return ("a list of SquadExample (or dicts with id, question, context and, to train, answers), or "
                f"token ids: a dict of {sorted(self.input)} arrays (labels: start and end positions)")

    def predict(self, x, batch_size=None, **kwargs):
        """Logits per window. Examples need no answers here; their windows are those of
        `features(x)`, and `predict_answers` turns them into answers."""
        if _is_examples(x):
            x = self.features(x).inputs
        return super().predict(x, batch_size=batch_size, **kwargs)

    def features(self, examples, labelled=False):
        """The `SpanFeatures` (windows, offsets, and answer positions if `labelled`) of examples."""
        self._require_preprocessor("BertQuestionAnswerer (a BertSpanPreprocessor)")
        # Training needs each answer at its exact position; decoding only the texts.
        examples = as_examples(examples, check_answer_spans=labelled, labelled=labelled)
        answers = [None if e.is_impossible else (e.answers[0]["answer_start"], e.answers[0]["text"])
                   for e in examples] if labelled else None
        return self.preprocessor([e.question for e in examples], [e.context for e in examples],
                                 answers=answers, ids=[e.id for e in examples])

    def predict_answers(self, questions, contexts=None, n_best=20, max_answer_length=30,
                        null_score_threshold=None, batch_size=32):
        """The best answer span of every question in its context.

        Args:
            questions: a question (str) or a list of them, with `contexts` alike; or a list of
                `SquadExample` (or dicts) with `contexts` None.
            contexts: the passages to answer from.
            n_best: answers kept per question in `n_best`.
            max_answer_length: the longest answer, in tokens.
            null_score_threshold: None always answers (SQuAD v1.1); a float answers "" when
                the no-answer score beats the best span score by more than it (v2.0).
            batch_size: windows per model call.

        Returns:
            For each question a dict `id`, `text`, `start`, `end` (code points in the context),
            `score`, `null_score`, `n_best`; see `span_decoding.decode_answers`. A dict for a
            single question.
        """
        single = isinstance(questions, str)
        examples = _unlabelled_examples(questions, contexts)
        features = self.features(examples)
        logits = self._predict_windows(features.inputs, batch_size)
        results = decode_answers(features, [e.context for e in examples], logits["start_logits"],
                                 logits["end_logits"], n_best, max_answer_length, null_score_threshold,
                                 ids=[e.id for e in examples])
        return results[0] if single else results

    def _predict_windows(self, windows, batch_size):
        """Logits `(windows, sequence_length)` of every window, in batches of few distinct shapes.

        Windows are grouped by their padded length (the preprocessor's buckets) and each group
        is cut to it; a group is padded to whole batches (to a power of two below one batch),
        since JAX and TensorFlow compile once per input shape. Positions cut off get logits of
        -1e9, which decoding never reads (it reads context tokens and `[CLS]` only).
        """
        if type(batch_size) is not int or batch_size < 1:
            raise ValueError(f"batch_size must be a positive int, got {batch_size!r}.")
        count, full = windows["token_ids"].shape
        padded = padded_lengths(windows["padding_mask"].sum(axis=1), self.preprocessor.boundaries)
        logits = {name: np.full((count, full), -1e9, "float32") for name in OUTPUTS}
        for length in np.unique(padded):
            rows = np.flatnonzero(padded == length)
            group = {key: value[rows, :length] for key, value in windows.items()}
            size = min(batch_size, 1 << (len(rows) - 1).bit_length())
            extra = -len(rows) % size
            if extra:  # copies of a real window, so padded rows compute finite, discarded logits
                group = {key: np.concatenate([value, np.repeat(value[:1], extra, axis=0)])
                         for key, value in group.items()}
            predicted = self.predict(group, batch_size=size, verbose=0)
            for name in OUTPUTS:
                logits[name][rows, :length] = keras.ops.convert_to_numpy(predicted[name][:len(rows)])
        return logits

    def score(self, examples, null_score_threshold=0.0, max_answer_length=30, batch_size=32, version=None):
        """SQuAD exact match and F1 (percent) of the predicted answers to labelled examples.

        Args:
            examples: a list of `SquadExample` (or dicts) with answers.
            null_score_threshold: used when the examples include no-answer questions (v2.0):
                see `predict_answers`. Without them every question is answered.
            version: the official script to follow, "1.1" or "2.0"; default "2.0" if some
                question has no answer, else "1.1".

        Returns:
            `metrics.squad.evaluate`'s dict: `exact_match`, `f1`, `total`, and for v2.0 the
            `HasAns_*` and `NoAns_*` splits.
        """
        examples = as_examples(examples, check_answer_spans=False)
        ids = [e.id for e in examples]
        if len(set(ids)) != len(ids):
            raise ValueError(f"Question ids must be unique to be scored; {len(ids) - len(set(ids))} repeat.")
        has_unanswerable = any(e.is_impossible for e in examples)
        version = version or ("2.0" if has_unanswerable else "1.1")
        if not has_unanswerable:
            null_score_threshold = None  # every question has an answer: never abstain
        predictions = self.predict_answers(examples, max_answer_length=max_answer_length,
                                           null_score_threshold=null_score_threshold, batch_size=batch_size)
        return squad.evaluate({p["id"]: p["text"] for p in predictions},
                              {e.id: [a["text"] for a in e.answers] for e in examples}, version)


def _is_examples(x):
    """A list of examples (anything listed but strings, which are refused with a hint)."""
    return isinstance(x, (list, tuple)) and len(x) > 0 and not inputs.is_raw_text(x)


def _unlabelled_examples(questions, contexts):
    """Examples to answer from a list of examples, or from questions and contexts (ids "0", "1", ...)."""
    if contexts is None:
        return as_examples(questions, check_answer_spans=False, labelled=False)
    single = isinstance(questions, str)
    if single != isinstance(contexts, str):
        raise ValueError("Pass one question with one context, or a list of each.")
    questions, contexts = ([questions], [contexts]) if single else (list(questions), list(contexts))
    if len(questions) != len(contexts):
        raise ValueError(f"{len(questions)} questions but {len(contexts)} contexts.")
    pairs = enumerate(zip(questions, contexts))
    return as_examples([{"id": str(i), "question": q, "context": c} for i, (q, c) in pairs], labelled=False)
