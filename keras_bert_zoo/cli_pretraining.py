"""`bert-zoo vocab | prepare | pretrain`: pretraining from raw text."""

import json

from keras_bert_zoo.cli_help import add_config_options, add_subcommand, config_from_options


def _vocab(args):
    if args.kind == "wordpiece":
        from keras_bert_zoo.data.prepare import build_vocabulary

        tokenizer = build_vocabulary(args.corpus, args.output, vocabulary_size=args.size, lowercase=not args.cased)
        print(f"wrote {tokenizer.vocabulary_size:,} tokens to {args.output}/vocab.txt")
        return
    import pathlib

    from keras_bert_zoo.data import vocabulary
    from keras_bert_zoo.data.corpus import read_documents
    from keras_bert_zoo.data.prepare import save_tokenizer

    documents = read_documents(args.corpus, split_into_sentences=False)
    if args.kind == "bpe":  # byte-level BPE is cased
        tokenizer = vocabulary.train_bpe_vocabulary(documents, args.size)
    else:
        tokenizer = vocabulary.train_sentencepiece_vocabulary(documents, args.size, lowercase=not args.cased,
                                                              keep_accents=args.cased)
    pathlib.Path(args.output).mkdir(parents=True, exist_ok=True)
    files = save_tokenizer(tokenizer, args.output)["files"].values()
    print(f"wrote {tokenizer.vocabulary_size:,} tokens to {', '.join(f'{args.output}/{name}' for name in files)}")


def _prepare(args):
    from keras_bert_zoo.data.prepare import prepare_pretraining_data

    options = {name: getattr(args, name) for name in (
        "max_sequence_length", "short_seq_prob", "static_masking", "dupe_factor", "max_predictions_per_seq",
        "masking_rate", "whole_word_masking", "max_ngram", "num_shards", "seed")}
    if args.no_nsp and args.objective not in (None, "none"):
        raise SystemExit(f"bert-zoo prepare: --no-nsp is --objective none, not --objective {args.objective}.")
    objective = args.objective or ("none" if args.no_nsp else "nsp")
    if args.full_sentences and objective != "none":
        raise SystemExit("bert-zoo prepare: --full-sentences packs single segments; add --objective none.")
    manifest = prepare_pretraining_data(args.corpus, args.output, args.vocabulary,
                                        objective=None if objective == "none" else objective,
                                        cross_documents=args.full_sentences, **options)
    labels = {"nsp": ", next-sentence labels", "sop": ", sentence-order labels"}.get(manifest["objective"], "")
    print(f"wrote {manifest['count']:,} examples (longest {manifest['max_sequence_length']} tokens{labels}) "
          f"to {args.output}")


def _pretrain(args):
    from keras_bert_zoo.training.pretraining_run import PretrainingConfig, run_pretraining

    summary = run_pretraining(config_from_options(args, PretrainingConfig))
    print(json.dumps(summary, indent=2))


def add_commands(commands):
    """Register the pretraining subcommands on an argparse subparsers object."""
    vocab = add_subcommand(commands, "vocab", "learn a WordPiece, byte-level BPE or SentencePiece vocabulary from "
                                              "text files",
                           "Learn a WordPiece vocabulary (tensorflow-text's learner, BERT's special tokens) "
                           "from plain-text files and write vocab.txt; or, with --kind bpe, "
                           "a byte-level BPE vocabulary (the tokenizers library's trainer; RoBERTa's special "
                           "tokens <s> 0, <pad> 1, </s> 2, <unk> 3, <mask> last) and write vocab.json and "
                           "merges.txt, which RobertaTokenizer loads; or, with --kind sentencepiece, a "
                           "SentencePiece Unigram model (the sentencepiece library's trainer; ALBERT's <pad> 0, "
                           "<unk> 1, [CLS] 2, [SEP] 3, [MASK] 4) and write spiece.model, which AlbertTokenizer "
                           "loads (and tokenizer_record.json, the tokenizer's class and options, in every case).")
    vocab.add_argument("corpus", nargs="+", help="text files, directories or globs")
    vocab.add_argument("--output", required=True, help="directory for the vocabulary files")
    vocab.add_argument("--kind", choices=("wordpiece", "bpe", "sentencepiece"), default="wordpiece",
                       help="WordPiece (BERT), byte-level BPE (RoBERTa) or SentencePiece (ALBERT)")
    vocab.add_argument("--size", type=int, default=8000, help="vocabulary size")
    vocab.add_argument("--cased", action="store_true", help="WordPiece and SentencePiece: keep case and accents "
                                                            "(default: lowercase, accents stripped, as uncased "
                                                            "BERT and ALBERT); byte-level "
                                                            "BPE always keeps the text as it is")
    vocab.set_defaults(run=_vocab)

    prepare = add_subcommand(commands, "prepare", "turn text files into pretraining shards",
                             "Turn plain-text files (one sentence per line, a blank line between documents) "
                             "into shards of pretraining examples for `bert-zoo pretrain`: BERT's "
                             "next-sentence pairs, ALBERT's sentence-order pairs (--objective sop) or "
                             "RoBERTa's single segments (--objective none).")
    prepare.add_argument("corpus", nargs="+", help="text files, directories or globs")
    prepare.add_argument("--output", required=True, help="new shard directory")
    prepare.add_argument("--vocabulary", required=True,
                         help="directory with vocab.txt, or vocab.json and merges.txt (from `vocab`)")
    prepare.add_argument("--max-sequence-length", type=int, default=128, help="tokens per example")
    prepare.add_argument("--short-seq-prob", type=float, default=0.1,
                         help="share of examples made shorter than the maximum (as BERT, so that the "
                              "model also sees short inputs)")
    prepare.add_argument("--objective", choices=("nsp", "sop", "none"),
                         help="the objective besides masked LM: nsp, next-sentence prediction (BERT: B follows A "
                              "or comes from another document, label 0/1); sop, sentence-order prediction "
                              "(ALBERT: A and B are consecutive text of one document, swapped half the "
                              "time, label 0 in order, 1 swapped); none, single segments for masked LM "
                              "only (RoBERTa) (default: nsp)")
    prepare.add_argument("--no-nsp", action="store_true", help="the same as --objective none")
    prepare.add_argument("--full-sentences", action="store_true",
                         help="with --objective none: sentences run on across documents, an end token "
                              "between them (RoBERTa's FULL-SENTENCES; default: each document starts afresh)")
    prepare.add_argument("--static-masking", action="store_true",
                         help="mask once, write dupe-factor copies (default: mask anew each epoch)")
    prepare.add_argument("--dupe-factor", type=int, default=5,
                         help="copies of the corpus with different masks (static masking only)")
    prepare.add_argument("--max-predictions-per-seq", type=int, default=20, help="most masked tokens per example")
    prepare.add_argument("--masking-rate", type=float, default=0.15, help="share of tokens masked")
    prepare.add_argument("--whole-word-masking", action="store_true",
                         help="mask all pieces of a word together")
    prepare.add_argument("--max-ngram", type=int, default=1, metavar="N",
                         help="mask spans of 1 to N consecutive words (pieces without --whole-word-masking), "
                              "n with probability proportional to 1/n (ALBERT: 3, with --whole-word-masking); "
                              "static masking only, as the other masking flags here (`pretrain` masks "
                              "dynamic shards with its own)")
    prepare.add_argument("--num-shards", type=int, default=4, help="output files")
    prepare.add_argument("--seed", type=int, default=0, help="seeds pairing, truncation and masking")
    prepare.set_defaults(run=_prepare)

    from keras_bert_zoo.training.pretraining_run import PretrainingConfig

    summary = PretrainingConfig.__doc__.split("Args:", 1)[0].strip()
    pretrain = add_subcommand(commands, "pretrain", "pretrain (or resume) a model on shards",
                              f"{summary}\n\nRun it again with the same options to resume from the newest checkpoint.\n"
                              f"Options given as flags override those of --config.")
    add_config_options(pretrain, PretrainingConfig)
    pretrain.set_defaults(run=_pretrain)
