"""The `bert-zoo` command.

    bert-zoo presets                       list the built-in presets
    bert-zoo vocab CORPUS --output DIR     learn a WordPiece vocabulary (--kind bpe:
                                           byte-level BPE, RoBERTa's)
    bert-zoo prepare CORPUS --output DIR --vocabulary DIR
                                           write pretraining shards (NSP pairs)
    bert-zoo pretrain --data DIR --output RUN [--config FILE]
                                           pretrain, resumable after interruption
    bert-zoo distill --teacher MODEL --texts FILES --output RUN
                                           distil a smaller student, resumable
    bert-zoo import-hf CHECKPOINT OUTPUT   convert a Hugging Face checkpoint
                                           directory (or hf://org/name) to a
                                           keras-bert-zoo preset directory
    bert-zoo finetune --task T --train FILE --output DIR [--validation FILE]
                                           fine-tune: classify, pair, regress,
                                           ner, qa or choice
    bert-zoo evaluate --model DIR --data FILE
                                           metrics printed and saved as JSON
    bert-zoo predict --model DIR --data FILE --output PREDICTIONS.jsonl

`bert-zoo COMMAND --help` describes a command's files and every option.
"""

import argparse
import sys

from keras_bert_zoo import cli_distillation, cli_finetuning, cli_pretraining
from keras_bert_zoo.cli_help import HelpFormatter, add_subcommand

# Errors a user causes with bad input; anything else is a bug, shown in full.
USER_ERRORS = (ValueError, TypeError, OSError)
USAGE_ERROR = 2  # argparse's exit status for a bad command line


def preset_table(rows):
    """The lines of `bert-zoo presets`: columns as wide as their widest cell, so alias names fit."""
    header = ("name", "layers/hidden/heads", "parameters", "weights")
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(3)]
    return [f"{name:<{widths[0]}}  {shape:<{widths[1]}}  {params:>{widths[2]}}  {weights}"
            for name, shape, params, weights in [header, *rows]]


def _presets(args):
    from keras_bert_zoo.presets import builtin_spec, list_presets

    rows = []
    for name in list_presets():
        spec = builtin_spec(name)
        config = spec["backbone"]["config"]
        aliases = f" (= {', '.join(spec['aliases'])})" if spec.get("aliases") else ""
        rows.append((name + aliases, f"{config['num_layers']}/{config['hidden_dim']}/{config['num_heads']}",
                     f"{spec['params']:,}", f"hf://{spec['weights']['hf_repo']}"))
    print("\n".join(preset_table(rows)))


def _import_hf(args):
    from keras_bert_zoo import presets

    if presets.resolve(args.checkpoint).checkpoint is None:  # before any weights are read
        raise SystemExit(f"{args.checkpoint} is not a Hugging Face checkpoint.")
    model, backbone = presets.load_model(args.checkpoint, args.sequence_length)
    model.save_to_preset(args.output)
    print(f"wrote {type(model).__name__} ({backbone.count_params():,} backbone parameters) "
          f"to {args.output}")


def _export_hf(args):
    from keras_bert_zoo import presets

    model, backbone = presets.load_model(args.model)
    model.save_to_huggingface(args.output)
    print(f"wrote {type(model).__name__} ({backbone.count_params():,} backbone parameters) as a "
          f"Hugging Face checkpoint to {args.output}")


def parser():
    """The argument parser of `bert-zoo`. Building it imports neither Keras nor TensorFlow."""
    result = argparse.ArgumentParser(prog="bert-zoo", description=__doc__, formatter_class=HelpFormatter)
    result.add_argument("--debug", action="store_true",
                        help="on an error, print the full traceback instead of one line")
    commands = result.add_subparsers(dest="command", required=True)
    add_subcommand(commands, "presets", "list the built-in presets",
                   "List the built-in presets: name (aliases), shape, backbone parameters and the "
                   "Hugging Face repository their weights come from.").set_defaults(run=_presets)
    convert = add_subcommand(commands, "import-hf", "convert a Hugging Face checkpoint",
                             "Convert a Hugging Face checkpoint (a directory with config.json and "
                             "model.safetensors, or hf://org/name) to a keras-bert-zoo preset directory. "
                             "A checkpoint with a task head (e.g. BertForSequenceClassification) becomes "
                             "that task's preset.")
    convert.add_argument("checkpoint", help="checkpoint directory or hf://org/name")
    convert.add_argument("output", help="preset directory to write")
    convert.add_argument("--sequence-length", type=int, default=None,
                         help="the preprocessor's sequence length saved in the preset")
    convert.set_defaults(run=_import_hf)
    export = add_subcommand(commands, "export-hf", "write a Hugging Face checkpoint",
                            "Write a keras-bert-zoo preset or model directory as a Hugging Face checkpoint "
                            "(config.json, model.safetensors, the tokenizer's files) that transformers' "
                            "AutoModel classes load: a task becomes its architecture (a classifier "
                            "BertForSequenceClassification, ...), a backbone BertModel.")
    export.add_argument("model", help="preset name or directory (saved by save_to_preset or fine-tuning)")
    export.add_argument("output", help="checkpoint directory to write")
    export.set_defaults(run=_export_hf)
    cli_pretraining.add_commands(commands)
    cli_distillation.add_commands(commands)
    cli_finetuning.add_commands(commands)
    return result


def _one_line(error):
    """A user error's message on one line (FileNotFoundError's str() repeats its errno)."""
    if isinstance(error, OSError) and error.filename is not None:
        message = f"{error.strerror}: {error.filename}"
    else:
        message = str(error) or type(error).__name__
    return " ".join(message.split())


def main(argv=None):
    """Run `bert-zoo` with `argv` (default: the command line).

    A user error (bad input, a missing file) prints `error: MESSAGE` on one
    line to stderr and exits with status 2, as argparse does for a bad
    command line; `--debug` shows the traceback instead.
    """
    args = parser().parse_args(argv)
    try:
        return args.run(args)
    except SystemExit as error:
        if args.debug or error.code is None or isinstance(error.code, int):
            raise
        message = error.code
    except USER_ERRORS as error:
        if args.debug:
            raise
        message = _one_line(error)
    print(f"error: {' '.join(str(message).split())}", file=sys.stderr)
    raise SystemExit(USAGE_ERROR)


if __name__ == "__main__":
    sys.exit(main())
