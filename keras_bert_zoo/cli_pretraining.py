"""`bert-zoo vocab | prepare | pretrain`: pretraining from raw text."""

import dataclasses
import json


def _vocab(args):
    from keras_bert_zoo.data.prepare import build_vocabulary

    tokenizer = build_vocabulary(args.corpus, args.output, vocabulary_size=args.size,
                                 lowercase=not args.cased)
    print(f"wrote {tokenizer.vocabulary_size:,} tokens to {args.output}/vocab.txt")


def _prepare(args):
    from keras_bert_zoo.data.prepare import prepare_pretraining_data

    options = {name: getattr(args, name) for name in (
        "max_sequence_length", "short_seq_prob", "static_masking", "dupe_factor", "max_predictions_per_seq",
        "masking_rate", "whole_word_masking", "num_shards", "seed")}
    manifest = prepare_pretraining_data(args.corpus, args.output, args.vocabulary,
                                        next_sentence_prediction=not args.no_nsp, **options)
    print(f"wrote {manifest['count']:,} examples (longest {manifest['max_sequence_length']} tokens) "
          f"to {args.output}")


def _pretrain(args):
    from keras_bert_zoo.training.pretraining_run import PretrainingConfig, run_pretraining

    given = {field.name: getattr(args, field.name) for field in dataclasses.fields(PretrainingConfig)
             if getattr(args, field.name) is not None}
    config = PretrainingConfig.from_json(args.config, **given) if args.config else PretrainingConfig(**given)
    summary = run_pretraining(config)
    print(json.dumps(summary, indent=2))


def add_commands(commands):
    """Register the pretraining subcommands on an argparse subparsers object."""
    vocab = commands.add_parser("vocab", help="learn a WordPiece vocabulary from text files")
    vocab.add_argument("corpus", nargs="+", help="text files, directories or globs")
    vocab.add_argument("--output", required=True, help="directory for vocab.txt and tokenizer.json")
    vocab.add_argument("--size", type=int, default=8000, help="vocabulary size (default 8000)")
    vocab.add_argument("--cased", action="store_true", help="keep case and accents")
    vocab.set_defaults(run=_vocab)

    prepare = commands.add_parser("prepare", help="turn text files into pretraining shards")
    prepare.add_argument("corpus", nargs="+", help="text files, directories or globs")
    prepare.add_argument("--output", required=True, help="new shard directory")
    prepare.add_argument("--vocabulary", required=True, help="directory with vocab.txt (from `vocab`)")
    prepare.add_argument("--max-sequence-length", type=int, default=128)
    prepare.add_argument("--short-seq-prob", type=float, default=0.1)
    prepare.add_argument("--no-nsp", action="store_true", help="single segments, no next-sentence labels")
    prepare.add_argument("--static-masking", action="store_true", help="mask once, write dupe-factor copies")
    prepare.add_argument("--dupe-factor", type=int, default=5)
    prepare.add_argument("--max-predictions-per-seq", type=int, default=20)
    prepare.add_argument("--masking-rate", type=float, default=0.15)
    prepare.add_argument("--whole-word-masking", action="store_true")
    prepare.add_argument("--num-shards", type=int, default=4)
    prepare.add_argument("--seed", type=int, default=0)
    prepare.set_defaults(run=_prepare)

    from keras_bert_zoo.training.pretraining_run import PretrainingConfig

    pretrain = commands.add_parser("pretrain", help="pretrain (or resume) a model on shards",
                                   description=PretrainingConfig.__doc__)
    pretrain.add_argument("--config", help="JSON file of the options below; flags override it")
    for field in dataclasses.fields(PretrainingConfig):
        flag = "--" + field.name.replace("_", "-")
        if field.type is bool:
            pretrain.add_argument(flag, dest=field.name, action="store_const", const=True, default=None)
        else:  # None means "not given", so a config file's value is kept
            required = field.default is dataclasses.MISSING
            pretrain.add_argument(flag, dest=field.name, type=field.type, default=None,
                                  help="required unless in --config" if required else f"default: {field.default}")
    pretrain.set_defaults(run=_pretrain)
