"""`bert-zoo finetune | evaluate | predict`: task models on data files.

    bert-zoo finetune --task ner --train train.conll --validation dev.conll --preset base --output runs/ner
    bert-zoo evaluate --model runs/ner --data test.conll          # metrics printed and saved as JSON
    bert-zoo predict --model runs/ner --data new.conll --output predictions.jsonl

Tasks and the files they read:
  classify  TSV/CSV/JSONL, one text column (--text-columns) and a class label column
  pair      TSV/CSV/JSONL, two text columns (default sentence1 sentence2) and a class label
  regress   TSV/CSV/JSONL, one or two text columns and a float label
  ner       CoNLL column files (token first, tag last; --token-column/--tag-column)
  qa        SQuAD v1.1/v2.0 JSON
  choice    JSONL lines {"context": ..., "choices": [...], "label": i}

A fine-tuned model directory is a preset (`from_preset` loads it) plus
`task.json` (the task, its label names and reading options), so `evaluate`
and `predict` need only `--model`.
"""

import json
import pathlib

TASK_FILE = "task.json"
TASKS = ("classify", "pair", "regress", "ner", "qa", "choice")
TABLE_TASKS = {"classify": "class", "pair": "class", "regress": "float"}
DEFAULT_TEXT_COLUMNS = {"pair": ["sentence1", "sentence2"]}


def _task_class(task):
    import keras_bert_zoo as kbz

    return {"ner": kbz.BertTokenClassifier, "qa": kbz.BertQuestionAnswerer,
            "choice": kbz.BertMultipleChoice}.get(task, kbz.BertClassifier)


def read(task, path, options, labels=None, labelled=True):
    """`(x, y, labels)` of a data file for `task`; `labels` fixes the class ids (a trained model's).

    With `labelled=False` a table needs no label column (files to predict on).
    """
    if task in TABLE_TASKS:
        from keras_bert_zoo.data.tables import read_table

        columns = options.get("text_columns") or DEFAULT_TEXT_COLUMNS.get(task, ["sentence"])
        label_column = options.get("label_column", "label") if labelled else None
        return read_table(path, text_columns=tuple(columns), label_column=label_column,
                          label_type=TABLE_TASKS[task], labels=labels)
    if task == "ner":
        from keras_bert_zoo.data.conll import read_conll, tag_names

        words, tags = read_conll(path, token_column=options.get("token_column", 0),
                                 tag_column=options.get("tag_column", -1))
        return words, tags, labels or tag_names(tags)
    if task == "qa":
        from keras_bert_zoo.data.squad import read_squad

        return read_squad(path), None, None
    from keras_bert_zoo.data.multiple_choice import read_multiple_choice

    x, y = read_multiple_choice(path)
    return x, y, None


def _build(task, preset, labels, sequence_length):
    cls = _task_class(task)
    if task in TABLE_TASKS:
        num_classes = 1 if task == "regress" else len(labels)
        return cls.from_preset(preset, num_classes=num_classes, sequence_length=sequence_length)
    if task == "ner":
        return cls.from_preset(preset, labels=list(labels), sequence_length=sequence_length)
    return cls.from_preset(preset, sequence_length=sequence_length)


def _fit(model, task, x, y, args, validation):
    if task == "qa":  # the answers inside the examples are the labels
        model.fit(x, batch_size=args.batch_size, epochs=args.epochs, verbose=args.verbose)
    else:
        model.fit(x, y, batch_size=args.batch_size, epochs=args.epochs, verbose=args.verbose,
                  validation_data=validation)


def score(model, task, x, y):
    """The task's standard metrics over a whole labelled file, as a dict of floats."""
    if task == "qa":
        return model.score(x)
    if y is None:
        raise ValueError("The file has no labels to evaluate against.")
    return model.score(x, y)


def predictions(model, task, x, labels):
    """One JSON-serialisable prediction per example of `x`."""
    if task == "qa":
        return [{"id": answer["id"], "answer": answer["text"], "start": answer["start"], "end": answer["end"],
                 "score": float(answer["score"])} for answer in model.predict_answers(x)]
    if task == "ner":
        return [{"words": words, "tags": tags} for words, tags in zip(x, model.predict(x))]
    if task == "choice":
        import numpy as np

        scores = np.asarray(model.predict(x, verbose=0))
        return [{"choice": int(row.argmax()), "scores": row.tolist()} for row in scores]
    predicted = model.predict_labels(x)
    if task == "regress":
        return [{"score": float(value)} for value in predicted]
    return [{"label": labels[int(value)]} for value in predicted]


def _write_json(path, value):
    path = pathlib.Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(value, indent=2) + "\n")


def _finetune(args):
    import keras

    options = {"text_columns": args.text_columns, "label_column": args.label_column,
               "token_column": args.token_column, "tag_column": args.tag_column}
    keras.utils.set_random_seed(args.seed)
    x, y, labels = read(args.task, args.train, options)
    validation = None
    if args.validation and args.task != "qa":
        validation_x, validation_y, _ = read(args.task, args.validation, options, labels)
        validation = (validation_x, validation_y)
    model = _build(args.task, args.preset, labels, args.sequence_length)
    if args.learning_rate is not None:
        from keras_bert_zoo.tasks.task import fine_tuning_optimizer

        model.compile(optimizer=fine_tuning_optimizer(args.learning_rate))
    _fit(model, args.task, x, y, args, validation)
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
    x, _, _ = read(saved["task"], args.data, saved["options"], saved["labels"], labelled=False)
    rows = predictions(model, saved["task"], x, saved["labels"])
    output = pathlib.Path(args.output)
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text("".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows), encoding="utf-8")
    print(f"wrote {len(rows):,} predictions to {output}")


def add_commands(commands):
    """Register the fine-tuning subcommands on an argparse subparsers object."""
    finetune = commands.add_parser("finetune", help="fine-tune a task model on a data file")
    finetune.add_argument("--task", choices=TASKS, required=True)
    finetune.add_argument("--train", required=True, help="training file (format: see `bert-zoo --help`)")
    finetune.add_argument("--validation", help="held-out file: evaluated after training, metrics saved")
    finetune.add_argument("--preset", default="base", help="preset name, preset directory or checkpoint")
    finetune.add_argument("--output", required=True, help="directory for the fine-tuned model")
    finetune.add_argument("--epochs", type=int, default=3)
    finetune.add_argument("--batch-size", type=int, default=32)
    finetune.add_argument("--learning-rate", type=float, default=None, help="default: the task's (5e-5)")
    finetune.add_argument("--sequence-length", type=int, default=128)
    finetune.add_argument("--text-columns", nargs="+", help="table tasks: text column name(s)")
    finetune.add_argument("--label-column", default="label", help="table tasks: label column")
    finetune.add_argument("--token-column", type=int, default=0, help="ner: token column")
    finetune.add_argument("--tag-column", type=int, default=-1, help="ner: tag column")
    finetune.add_argument("--seed", type=int, default=0)
    finetune.add_argument("--verbose", type=int, default=1, help="Keras progress bars: 0, 1 or 2")
    finetune.set_defaults(run=_finetune)

    evaluate = commands.add_parser("evaluate", help="score a fine-tuned model on a labelled file")
    evaluate.add_argument("--model", required=True, help="directory written by `finetune`")
    evaluate.add_argument("--data", required=True)
    evaluate.add_argument("--metrics-output", help="JSON file (default MODEL/metrics-<data>.json)")
    evaluate.set_defaults(run=_evaluate)

    predict = commands.add_parser("predict", help="predict with a fine-tuned model, one JSON line per example")
    predict.add_argument("--model", required=True, help="directory written by `finetune`")
    predict.add_argument("--data", required=True)
    predict.add_argument("--output", required=True, help="JSON Lines file to write")
    predict.set_defaults(run=_predict)
