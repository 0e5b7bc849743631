"""`bert-zoo finetune | evaluate | predict`: task models on data files.

    bert-zoo finetune --task ner --train train.conll --validation dev.conll --preset base --output runs/ner
    bert-zoo evaluate --model runs/ner --data test.conll          # metrics printed and saved as JSON
    bert-zoo predict --model runs/ner --data new.txt --output predictions.jsonl

A fine-tuned model directory is a preset (`from_preset` loads it) plus
`task.json` (the task, its label names and reading options), so `evaluate`
and `predict` need only `--model`. File formats: `cli_data.FORMATS_HELP`,
printed by each subcommand's `--help`.
"""

import json
import pathlib

from keras_bert_zoo import cli_training
from keras_bert_zoo.cli_data import FORMATS_HELP, NER_FORMATS, TABLE_TASKS, TASKS, example_count, read
from keras_bert_zoo.cli_help import add_subcommand
from keras_bert_zoo.cli_predictions import PREDICTION_FIELDS, predictions

TASK_FILE = "task.json"
DEFAULT_SEQUENCE_LENGTH = 128  # fits most sentences and pairs; BERT's 512 costs 4x on every batch
_EXAMPLES = __doc__.split("\n\n")[1]


def _task_class(task):
    import keras_bert_zoo as kbz

    return {"ner": kbz.BertTokenClassifier, "qa": kbz.BertQuestionAnswerer,
            "choice": kbz.BertMultipleChoice}.get(task, kbz.BertClassifier)


def _sequence_length(preset, given):
    """`--sequence-length`, else the length the preset was saved with, else 128 (at most the
    model's positions)."""
    if given is not None:
        return given
    from keras_bert_zoo import presets

    resolved = presets.resolve(preset, need_weights=False)
    positions = resolved.spec["backbone"]["config"]["max_sequence_length"]
    return resolved.sequence_length(default=min(DEFAULT_SEQUENCE_LENGTH, positions))


def _build(task, preset, labels, sequence_length, load_weights=True):
    cls = _task_class(task)
    options = {"sequence_length": _sequence_length(preset, sequence_length), "load_weights": load_weights}
    if task == "regress":
        return cls.from_preset(preset, num_classes=1, **options)
    if task in TABLE_TASKS or task == "ner":  # the model keeps the class names too
        return cls.from_preset(preset, labels=list(labels), **options)
    return cls.from_preset(preset, **options)


def _build_or_advise(args, labels):
    """The model to fine-tune; a failed weight download says which flag avoids it."""
    try:
        return _build(args.task, args.preset, labels, args.sequence_length, load_weights=not args.random_init)
    except (OSError, ImportError) as error:  # presets.download_hf: offline, no huggingface_hub, ...
        if args.random_init or pathlib.Path(args.preset).exists():
            raise
        raise ValueError(f"{error} Here: --random-init gives random weights of {args.preset}'s "
                         f"architecture without a download.") from error


def _training_data(model, task, x, y):
    """`(x, y, count)` to fit on. QA trains on the windows of its examples, computed here once so
    that the schedule counts the batches `fit` will really run."""
    if task != "qa":
        return x, y, example_count(x)
    features = model.features(x, labelled=True)
    return features.inputs, features.labels, len(features.example_index)


def score(model, task, x, y):
    """The task's standard metrics over a whole labelled file, as a dict of floats."""
    if task == "qa":
        return model.score(x)
    if y is None:
        raise ValueError("The file has no labels to evaluate against.")
    return model.score(x, y)


def _write_json(path, value):
    path = pathlib.Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(value, indent=2) + "\n")


def _finetune(args):
    cli_training.check_arguments(args)
    import keras

    options = {"text_columns": args.text_columns, "label_column": args.label_column,
               "token_column": args.token_column, "tag_column": args.tag_column}
    keras.utils.set_random_seed(args.seed)
    x, y, labels = read(args.task, args.train, options)
    validation = read(args.task, args.validation, options, labels)[:2] if args.validation else None
    with cli_training.precision(args.mixed_precision):
        model = _build_or_advise(args, labels)
        x, y, count = _training_data(model, args.task, x, y)
        if validation is not None:
            validation = _training_data(model, args.task, *validation)[:2]
        model.compile(optimizer=cli_training.optimizer(args, count))
        callbacks = cli_training.callbacks(args)
        model.fit(x, y, batch_size=args.batch_size, epochs=args.epochs, verbose=args.verbose,
                  validation_data=validation, callbacks=callbacks)
    kept = cli_training.report_best(callbacks)
    if kept:
        print(kept)
    output = pathlib.Path(args.output)
    model.save_to_preset(output)
    _write_json(output / TASK_FILE, {"task": args.task, "labels": labels, "options": options})
    print(f"saved the fine-tuned {type(model).__name__} to {output}")
    if args.validation:
        _report(model, args.task, args.validation, options, labels, output / "validation_metrics.json")


def _load(model_directory):
    directory = pathlib.Path(model_directory)
    if not (directory / TASK_FILE).is_file():
        raise SystemExit(f"{directory} has no {TASK_FILE}; give a directory written by `bert-zoo finetune`.")
    saved = json.loads((directory / TASK_FILE).read_text())
    model = _task_class(saved["task"]).from_preset(directory)
    return model, saved


def _report(model, task, path, options, labels, metrics_path):
    x, y, _ = read(task, path, options, labels)
    metrics = score(model, task, x, y)
    _write_json(metrics_path, metrics)
    print(json.dumps(metrics, indent=2))
    print(f"metrics saved to {metrics_path}")
    return metrics


def _evaluate(args):
    model, saved = _load(args.model)
    metrics_path = args.metrics_output or pathlib.Path(args.model) / f"metrics-{pathlib.Path(args.data).stem}.json"
    _report(model, saved["task"], args.data, saved["options"], saved["labels"], metrics_path)


def _predict(args):
    model, saved = _load(args.model)
    x, _, _ = read(saved["task"], args.data, saved["options"], saved["labels"], labelled=False,
                   text_format=args.format)
    rows = predictions(model, saved["task"], x, saved["labels"])
    output = pathlib.Path(args.output)
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text("".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows), encoding="utf-8")
    print(f"wrote {len(rows):,} predictions to {output}")


def add_commands(commands):
    """Register the fine-tuning subcommands on an argparse subparsers object."""
    finetune = add_subcommand(commands, "finetune", "fine-tune a task model on a data file",
                              f"Fine-tune a task model on a data file.\n\n{_EXAMPLES}\n\n{FORMATS_HELP}\n\n"
                              f"The learning rate warms up linearly over --warmup-ratio of the updates, then\n"
                              f"decays linearly to 0 (BERT's fine-tuning schedule), with AdamW that does not\n"
                              f"decay biases and LayerNorm parameters.")
    finetune.add_argument("--task", choices=TASKS, required=True, help="what to learn (formats above)")
    finetune.add_argument("--train", required=True, help="training file, in the task's format")
    finetune.add_argument("--validation", help="held-out file in the same format: evaluated after training "
                                               "(metrics saved), and each epoch's val_loss reported")
    finetune.add_argument("--preset", default="base", help="preset name, preset directory or Hugging Face "
                                                           "checkpoint (`bert-zoo presets` lists the names)")
    finetune.add_argument("--random-init", action="store_true",
                          help="random weights of the preset's architecture instead of its pretrained ones "
                               "(no download: works offline with a built-in preset whose vocabulary ships "
                               "with the package, e.g. bert_tiny)")
    finetune.add_argument("--output", required=True, help="directory for the fine-tuned model")
    finetune.add_argument("--epochs", type=int, default=3, help="passes over the training file")
    finetune.add_argument("--batch-size", type=int, default=32, help="examples per batch (QA: windows)")
    cli_training.add_arguments(finetune)
    finetune.add_argument("--sequence-length", type=int, help="tokens per example, longer ones are "
                          f"truncated (default: the preset's saved length, else {DEFAULT_SEQUENCE_LENGTH})")
    finetune.add_argument("--text-columns", nargs="+", help="table tasks: text column name(s) "
                                                            "(default: sentence; pair: sentence1 sentence2)")
    finetune.add_argument("--label-column", default="label", help="table tasks: label column")
    finetune.add_argument("--token-column", type=int, default=0, help="ner: token column (0 = first)")
    finetune.add_argument("--tag-column", type=int, default=-1, help="ner: tag column (-1 = last)")
    finetune.add_argument("--seed", type=int, default=0, help="seeds initialisation, dropout and shuffling")
    finetune.add_argument("--verbose", type=int, default=1, choices=(0, 1, 2),
                          help="Keras progress output: 0 none, 1 bars, 2 one line per epoch")
    finetune.set_defaults(run=_finetune)

    evaluate = add_subcommand(commands, "evaluate", "score a fine-tuned model on a labelled file",
                              f"Score a fine-tuned model on a labelled file in the format it was trained on; "
                              f"the metrics are printed and saved as JSON.\n\n{FORMATS_HELP}")
    evaluate.add_argument("--model", required=True, help="directory written by `finetune`")
    evaluate.add_argument("--data", required=True, help="labelled file, in the model's task format")
    evaluate.add_argument("--metrics-output", help="JSON file to write (default: MODEL/metrics-<data>.json)")
    evaluate.set_defaults(run=_evaluate)

    predict = add_subcommand(commands, "predict", "predict with a fine-tuned model, one JSON line per example",
                             f"Predict with a fine-tuned model: one JSON line per example.\n\n{FORMATS_HELP}"
                             f"\n\n{PREDICTION_FIELDS}")
    predict.add_argument("--model", required=True, help="directory written by `finetune`")
    predict.add_argument("--data", required=True, help="file in the model's task format; labels not needed")
    predict.add_argument("--output", required=True, help="JSON Lines file to write")
    predict.add_argument("--format", choices=NER_FORMATS, default="auto",
                         help="ner models only: how --data is read (see above)")
    predict.set_defaults(run=_predict)
