"""The `bert-zoo` command.

    bert-zoo presets                       list the built-in presets
    bert-zoo vocab CORPUS --output DIR     learn a WordPiece vocabulary
    bert-zoo prepare CORPUS --output DIR --vocabulary DIR
                                           write pretraining shards (NSP pairs)
    bert-zoo pretrain --data DIR --output RUN [--config FILE]
                                           pretrain, resumable after interruption
    bert-zoo import-hf CHECKPOINT OUTPUT   convert a Hugging Face checkpoint
                                           directory (or hf://org/name) to a
                                           keras-bert-zoo preset directory
    bert-zoo finetune --task T --train FILE --output DIR [--validation FILE]
                                           fine-tune: classify, pair, regress,
                                           ner, qa or choice
    bert-zoo evaluate --model DIR --data FILE
                                           metrics printed and saved as JSON
    bert-zoo predict --model DIR --data FILE --output PREDICTIONS.jsonl
"""

import argparse
import sys

from keras_bert_zoo import cli_finetuning, cli_pretraining


def _presets(args):
    from keras_bert_zoo.presets import builtin_spec, list_presets

    print(f"{'name':<24}{'layers/hidden/heads':<22}{'parameters':>14}  weights")
    for name in list_presets():
        spec = builtin_spec(name)
        config = spec["backbone"]["config"]
        shape = f"{config['num_layers']}/{config['hidden_dim']}/{config['num_heads']}"
        aliases = f" (= {', '.join(spec['aliases'])})" if spec.get("aliases") else ""
        print(f"{name + aliases:<24}{shape:<22}{spec['params']:>14,}  hf://{spec['weights']['hf_repo']}")


def _import_hf(args):
    import keras

    from keras_bert_zoo import presets

    resolved = presets.resolve(args.checkpoint)
    if resolved.checkpoint is None:
        raise SystemExit(f"{args.checkpoint} is not a Hugging Face checkpoint.")
    task_entry = resolved.spec.get("task")
    if task_entry:
        task_class = keras.saving.get_registered_object(f"keras_bert_zoo>{task_entry['class_name']}")
        model = task_class.from_preset(resolved.directory, sequence_length=args.sequence_length)
        model.save_to_preset(args.output)
        backbone = model.backbone
    else:
        model = backbone = resolved.build_backbone()
        resolved.load_weights(backbone)
        tokenizer = resolved.build_tokenizer() if resolved.spec.get("tokenizer") else None
        backbone.save_to_preset(args.output, tokenizer=tokenizer)
    print(f"wrote {type(model).__name__} ({backbone.count_params():,} backbone parameters) "
          f"to {args.output}")


def main(argv=None):
    parser = argparse.ArgumentParser(prog="bert-zoo", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("presets", help="list the built-in presets").set_defaults(run=_presets)
    convert = commands.add_parser("import-hf", help="convert a Hugging Face checkpoint")
    convert.add_argument("checkpoint", help="checkpoint directory or hf://org/name")
    convert.add_argument("output", help="preset directory to write")
    convert.add_argument("--sequence-length", type=int, default=512)
    convert.set_defaults(run=_import_hf)
    cli_pretraining.add_commands(commands)
    cli_finetuning.add_commands(commands)
    args = parser.parse_args(argv)
    args.run(args)


if __name__ == "__main__":
    sys.exit(main())
