"""A resumable distillation run: a teacher and text files in; checkpoints, curves and a student out.

    config = DistillationConfig(teacher="runs/sentiment", texts=["corpus.txt"], output="runs/distil")
    summary = run_distillation(config)   # kill it at any time; run it again to resume

The student starts from the teacher (`student_model`: its embeddings, the blocks
`student_layers`, a task's head) and learns on unlabelled text: the soft targets of a
teacher with logits, and the cosine of the last hidden states (see `training.distillation`).
The run directory holds `config.json`, `checkpoints/step-*/`, `history.csv`, `curves.png`,
`summary.json` and, at the end, `student/`, a preset of the teacher's kind
(`BertClassifier.from_preset("runs/distil/student")` for a classifier teacher).
"""

import dataclasses
import json
import os
import pathlib

from keras_bert_zoo.training.runs import RunConfig


@dataclasses.dataclass
class DistillationConfig(RunConfig):
    """Everything a distillation run depends on (saved as the run's config.json).

    Args:
        teacher: a preset name or directory, or a Hugging Face checkpoint directory, holding a
            backbone, an embedder, a classifier or a tagger, with its tokenizer.
        texts: unlabelled text files, directories or globs; every sentence is one example.
        output: the run directory.
        validation_texts: optional held-out text files; the losses on them are logged at
            each checkpoint.
        student_layers: the teacher blocks the student starts from, in order (None: every
            other block from the first, as DistilBERT took from BERT).
        sequence_length: tokens per example (longer sentences are truncated).
        batch_size: examples per batch.
        total_steps: batches of the whole run.
        steps_per_checkpoint: batches between checkpoints (and history rows).
        learning_rate: the peak learning rate (linear warmup over 10% of the steps, then
            linear decay to 0).
        weight_decay: decoupled weight decay (not on biases and LayerNorm).
        temperature: the softmax temperature of the soft targets.
        soft_weight: the weight of the soft targets (None: 5, DistilBERT's, when the teacher
            has logits, else 0).
        cosine_weight: the weight of the hidden-state cosine term.
        mixed_precision: None, "bf16" or "fp16".
        seed: seeds the data order and dropout.
        validation_steps: the most held-out batches per evaluation.
        verbose: Keras progress-bar verbosity.
    """

    teacher: str
    texts: list
    output: str
    validation_texts: list = None
    student_layers: list = None
    sequence_length: int = 128
    batch_size: int = 32
    total_steps: int = 1000
    steps_per_checkpoint: int = 100
    learning_rate: float = 1e-4
    weight_decay: float = 0.01
    temperature: float = 2.0
    soft_weight: float = None
    cosine_weight: float = 1.0
    mixed_precision: str = None
    seed: int = 0
    validation_steps: int = 20
    verbose: int = 1

    def __post_init__(self):
        self.check_common()
        if isinstance(self.texts, (str, os.PathLike)) or not self.texts:
            raise ValueError(f"texts must be a non-empty list of files, directories or globs, got {self.texts!r}")
        # As config.json records them, so that a resumed run compares equal: str, not paths; lists.
        self.teacher, self.output = os.fspath(self.teacher), os.fspath(self.output)
        self.texts = [os.fspath(path) for path in self.texts]
        if self.validation_texts is not None:
            self.validation_texts = [os.fspath(path) for path in self.validation_texts]
        if self.student_layers is not None:
            self.student_layers = list(self.student_layers)


def read_sentences(paths):
    """Every sentence of the text files `paths` (see `data.corpus.read_documents`), in order."""
    from keras_bert_zoo.data.corpus import read_documents

    return [sentence for document in read_documents(paths) for sentence in document]


def text_batches(preprocessor, texts, batch_size, seed, skip_batches=0, repeat=True):
    """Preprocessed batches of `texts`: grouped by length and shuffled from `seed`, endlessly
    (each pass in a new order), without the first `skip_batches`; `repeat=False`: one pass in
    the given order, for held-out losses that compare across checkpoints."""
    import numpy as np
    import tensorflow as tf

    from keras_bert_zoo.tasks import inputs

    dataset = tf.data.Dataset.from_tensor_slices(np.asarray(texts, dtype=object))
    if not repeat:
        return inputs.preprocess_dataset(preprocessor, dataset.batch(batch_size))
    batches = inputs.shuffled_batches(dataset, texts, batch_size, inputs.BY_LENGTH, seed=seed)
    # Skipping string batches costs no tokenization: the preprocessor maps only what is kept.
    return inputs.preprocess_dataset(preprocessor, batches.repeat().skip(skip_batches))


def build_distiller(config):
    """(distiller, teacher): the teacher of `config` and its student, compiled with the recipe."""
    from keras_bert_zoo import presets
    from keras_bert_zoo.tasks.task import fine_tuning_optimizer
    from keras_bert_zoo.text import BertPreprocessor
    from keras_bert_zoo.training.distillation import Distiller, has_logits, student_model

    config.start_keras()
    teacher, backbone = presets.load_model(config.teacher, sequence_length=config.sequence_length)
    preprocessor = getattr(teacher, "preprocessor", None)
    if preprocessor is None:
        if getattr(backbone, "tokenizer", None) is None:
            raise ValueError(f"The teacher {config.teacher} has no tokenizer, so it cannot read text.")
        preprocessor = BertPreprocessor(backbone.tokenizer, sequence_length=config.sequence_length)
    layers = config.student_layers
    student = student_model(teacher, range(0, len(backbone.transformer_layers), 2) if layers is None else layers)
    soft_weight = (5.0 if has_logits(teacher) else 0.0) if config.soft_weight is None else config.soft_weight
    distiller = Distiller(teacher, student, temperature=config.temperature, soft_weight=soft_weight,
                          hard_weight=0.0, cosine_weight=config.cosine_weight, preprocessor=preprocessor)
    distiller.compile(optimizer=fine_tuning_optimizer(config.learning_rate, config.weight_decay,
                                                      total_steps=config.total_steps))
    return distiller, teacher


def held_out_batches(config, preprocessor):
    """At most `validation_steps` batches of the held-out sentences, in order, or None."""
    import tensorflow as tf

    if not config.validation_texts:
        return None
    texts = read_sentences(config.validation_texts)
    steps = min(config.validation_steps, -(-len(texts) // config.batch_size))
    batches = text_batches(preprocessor, texts[:steps * config.batch_size], config.batch_size, config.seed,
                           repeat=False)
    # A known length lets Keras stop at the last batch instead of warning that the data ran out.
    return batches.apply(tf.data.experimental.assert_cardinality(steps))


def run_distillation(config):
    """Distil (or resume distilling) as `config` says; returns a summary dict.

    Safe to interrupt at any point: run it again with the same config and it continues from
    the newest checkpoint with the same step, learning rate, optimizer state, data position
    and dropout state. The summary holds the last history row, the held-out losses, both
    models' parameter counts and the saved student's path.
    """
    from keras_bert_zoo.training.runs import check_resumable, fit_resumably

    run = pathlib.Path(config.output)
    check_resumable(config, run)
    texts = read_sentences(config.texts)
    if not texts:
        raise ValueError(f"{config.texts} hold no text.")
    distiller, teacher = build_distiller(config)
    validation = held_out_batches(config, distiller.preprocessor)
    history = fit_resumably(
        distiller, run,
        lambda skip: text_batches(distiller.preprocessor, texts, config.batch_size, config.seed,
                                  skip_batches=skip // config.batch_size),
        config.total_steps, config.steps_per_checkpoint, examples_per_step=config.batch_size,
        validation=validation, verbose=config.verbose)
    distiller.student.save_to_preset(run / "student")
    summary = {"steps": config.total_steps, "history": history[-1] if history else {}, "student": str(run / "student"),
               "teacher_parameters": teacher.count_params(), "student_parameters": distiller.student.count_params(),
               "sentences": len(texts)}
    if validation is not None:
        summary["held_out"] = distiller.evaluate(validation, verbose=0, return_dict=True)
    (run / "summary.json").write_text(json.dumps(summary, indent=2))
    return summary
