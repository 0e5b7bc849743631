"""A resumable pretraining run (BERT, DistilBERT, RoBERTa, ALBERT): shards in, checkpoints, curves and a preset out.

    config = PretrainingConfig(data="data/shards", output="runs/tiny", total_steps=2000)
    summary = run_pretraining(config)   # kill it at any time; run it again to resume

The run directory holds `config.json`, `checkpoints/step-*/`, `history.csv`,
`curves.png` and, at the end, `preset/` (loadable by every task's
`from_preset`, e.g. `BertClassifier.from_preset("runs/tiny/preset", num_classes=2)`).
"""

import dataclasses
import json
import pathlib

from keras_bert_zoo.training.runs import RunConfig

# What the pretrainer's second output (`nsp_logits`) learns, by the shards' `objective`.
OBJECTIVES = {"nsp": "masked LM + next-sentence prediction", "sop": "masked LM + sentence-order prediction",
              None: "masked LM only"}


@dataclasses.dataclass
class PretrainingConfig(RunConfig):
    """Everything a pretraining run depends on (saved as the run's config.json).

    Args:
        data: a shard directory written by `bert-zoo prepare` (holds vocab.txt).
        output: the run directory.
        preset: the architecture (random initialisation), e.g. "bert_tiny"; the
            vocabulary size comes from the data's vocabulary.
        validation_data: an optional held-out shard directory.
        batch_size: examples per batch.
        total_steps: batches of the whole run.
        steps_per_checkpoint: batches between checkpoints (and history rows).
        learning_rate: the peak learning rate.
        warmup_steps: batches of linear warmup (None: 10% of total_steps); the
            rate then decays linearly to 0 at total_steps.
        optimizer: "adamw" or "lamb" (see `pretraining_optimizer`).
        weight_decay: decoupled weight decay (not on biases and LayerNorm).
        gradient_accumulation_steps: batches averaged into one update.
        max_predictions_per_seq: the most masked tokens per example.
        masking_rate: the share of tokens masked.
        whole_word_masking: mask all pieces of a word together.
        max_ngram: mask spans of 1 to max_ngram consecutive words (pieces without
            whole_word_masking), n with probability proportional to 1/n (ALBERT: 3, with
            whole_word_masking).
        dropout: the dropout rate while pretraining (None: the preset's). Small,
            short runs learn faster without it (Geiping & Goldstein, 2022, "Cramming");
            the saved preset keeps the preset's rate for fine-tuning.
        mixed_precision: None, "bf16" or "fp16" (with dynamic loss scaling).
        seed: seeds initialisation, dropout, shuffling and masking.
        validation_steps: held-out batches per evaluation.
        verbose: Keras progress-bar verbosity.
    """

    data: str
    output: str
    preset: str = "bert_tiny"
    validation_data: str = None
    batch_size: int = 32
    total_steps: int = 1000
    steps_per_checkpoint: int = 100
    learning_rate: float = 1e-4
    warmup_steps: int = None
    optimizer: str = "adamw"
    weight_decay: float = 0.01
    gradient_accumulation_steps: int = 1
    max_predictions_per_seq: int = 20
    masking_rate: float = 0.15
    whole_word_masking: bool = False
    max_ngram: int = 1
    dropout: float = None
    mixed_precision: str = None
    seed: int = 0
    validation_steps: int = 20
    verbose: int = 1

    def __post_init__(self):
        from keras_bert_zoo.data.masking import check_int  # it imports Keras, which `bert-zoo --help` must not

        self.check_common()
        if self.dropout is not None and not 0 <= self.dropout < 1:
            raise ValueError(f"dropout must be in [0, 1), got {self.dropout!r}")
        check_int("max_ngram", self.max_ngram, 1)


def build_pretrainer(config, tokenizer):
    """A randomly initialised pretrainer of `config.preset`'s architecture, compiled with the recipe.

    `BertPretrainer` (masked LM + the shards' pair objective, next-sentence or sentence-order
    prediction, on the backbone's second head), or `BertMaskedLM` when `config.data` has no
    pair labels.
    """
    from keras_bert_zoo.data.pretraining_dataset import read_manifest
    from keras_bert_zoo import BertPretrainer, BertMaskedLM, Backbone
    from keras_bert_zoo.text import BertPreprocessor
    from keras_bert_zoo.training.optimizers import pretraining_optimizer

    _, manifest = read_manifest(config.data)
    config.start_keras()
    overrides = {} if config.dropout is None else {"dropout": config.dropout}
    backbone = Backbone.from_preset(config.preset, load_weights=False,
                                    vocabulary_size=tokenizer.vocabulary_size, **overrides)
    preprocessor = BertPreprocessor(tokenizer, sequence_length=manifest["max_sequence_length"])
    task_class = BertMaskedLM if manifest["objective"] is None else BertPretrainer
    task = task_class(backbone, preprocessor=preprocessor)
    updates = config.total_steps // config.gradient_accumulation_steps
    task.compile(optimizer=pretraining_optimizer(
        total_steps=updates, learning_rate=config.learning_rate, optimizer=config.optimizer,
        warmup_steps=None if config.warmup_steps is None else config.warmup_steps // config.gradient_accumulation_steps,
        weight_decay=config.weight_decay, gradient_accumulation_steps=config.gradient_accumulation_steps))
    return task


def pretraining_data(config, directory, tokenizer, skip_examples=0, repeat=True, segment_ids=True):
    """The batches of the shards in `directory` as `config` masks and batches them (without
    `segment_ids` for a backbone that takes none)."""
    from keras_bert_zoo.data.pretraining_dataset import pretraining_dataset, read_manifest

    _, manifest = read_manifest(directory)
    return pretraining_dataset(
        directory, tokenizer, config.batch_size, manifest["max_sequence_length"],
        max_predictions_per_seq=config.max_predictions_per_seq, masking_rate=config.masking_rate,
        whole_word_masking=config.whole_word_masking, max_ngram=config.max_ngram,
        next_sentence_prediction=manifest["objective"] is not None, seed=config.seed,
        repeat=repeat, skip_examples=skip_examples, segment_ids=segment_ids)


def held_out_data(config, tokenizer, segment_ids=True):
    """The fixed held-out batches (`validation_steps` of them, same masks every time), or None."""
    import tensorflow as tf

    from keras_bert_zoo.data.pretraining_dataset import read_manifest

    if not config.validation_data:
        return None
    held_out, training = read_manifest(config.validation_data)[1], read_manifest(config.data)[1]
    if held_out["objective"] != training["objective"]:
        raise ValueError(f"{config.validation_data} holds {OBJECTIVES[held_out['objective']]} examples, "
                         f"{config.data} {OBJECTIVES[training['objective']]} ones; prepare both alike.")
    count = held_out["count"]
    steps = min(config.validation_steps, count // config.batch_size)  # batches are full ones only
    if not steps:
        raise ValueError(f"{config.validation_data} holds {count} examples, fewer than one batch of "
                         f"{config.batch_size}; use more held-out text or a smaller batch_size.")
    batches = pretraining_data(config, config.validation_data, tokenizer, repeat=False,
                               segment_ids=segment_ids).take(steps)
    # A known length lets Keras stop at the last batch instead of warning that the data ran out.
    return batches.apply(tf.data.experimental.assert_cardinality(steps))


def _fine_tuning_backbone_config(config):
    """The backbone arguments the saved preset records instead of the run's: the preset's dropout."""
    if config.dropout is None:
        return {}
    from keras_bert_zoo import presets

    return {"dropout": presets.resolve(config.preset, need_weights=False).spec["backbone"]["config"]["dropout"]}


def run_pretraining(config):
    """Pretrain (or resume pretraining) as `config` says; returns a summary dict.

    Safe to interrupt at any point: run it again with the same config and it
    continues from the newest checkpoint with the same step, learning rate,
    optimizer state, data position and dropout state. The summary holds the
    last history row, the held-out metrics, the objective ("nsp", "sop" or None: the
    shards') and the saved preset's path. With "sop" the `nsp_logits` output and its
    history keys (`nsp_logits_loss`, `nsp_logits_accuracy`) are sentence-order prediction's.
    """
    from keras_bert_zoo.data.prepare import load_tokenizer
    from keras_bert_zoo.data.pretraining_dataset import read_manifest
    from keras_bert_zoo.training.runs import check_resumable, fit_resumably

    run = pathlib.Path(config.output)
    check_resumable(config, run)
    objective = read_manifest(config.data)[1]["objective"]
    print(f"pretraining: {OBJECTIVES[objective]} ({config.data})")
    tokenizer = load_tokenizer(config.data)
    task = build_pretrainer(config, tokenizer)
    segment_ids = "segment_ids" in task.backbone.input
    validation = held_out_data(config, tokenizer, segment_ids)
    history = fit_resumably(
        task, run, lambda skip: pretraining_data(config, config.data, tokenizer, skip_examples=skip,
                                                 segment_ids=segment_ids),
        config.total_steps, config.steps_per_checkpoint, examples_per_step=config.batch_size,
        validation=validation, verbose=config.verbose)
    task.save_to_preset(run / "preset", **_fine_tuning_backbone_config(config))
    summary = {"steps": config.total_steps, "objective": objective, "history": history[-1] if history else {},
               "preset": str(run / "preset")}
    if validation is not None:
        summary["held_out"] = task.evaluate(validation, verbose=0, return_dict=True)
    (run / "summary.json").write_text(json.dumps(summary, indent=2))
    return summary
