"""`bert-zoo distill`: a smaller student learns from a teacher on unlabelled text, resumably."""

import json

from keras_bert_zoo.cli_help import add_config_options, add_subcommand, config_from_options


def _distill(args):
    from keras_bert_zoo.training.distillation_run import DistillationConfig, run_distillation

    summary = run_distillation(config_from_options(args, DistillationConfig))
    print(json.dumps(summary, indent=2))


def add_commands(commands):
    """Register `distill` on an argparse subparsers object."""
    from keras_bert_zoo.training.distillation_run import DistillationConfig

    distill = add_subcommand(
        commands, "distill", "distil a teacher into a smaller student (resumable)",
        "Train a student that starts from every other block of the teacher (or --student-layers) to "
        "reproduce the teacher on unlabelled text files: the cosine of the last hidden states, and the "
        "teacher's soft targets when it has logits (a classifier or tagger). Writes checkpoints, "
        "history.csv, curves.png and OUTPUT/student/, a preset of the teacher's kind.\n\n"
        "Run it again with the same options to resume from the newest checkpoint.\n"
        "Options given as flags override those of --config.")
    add_config_options(distill, DistillationConfig, item_types={"student_layers": int})
    distill.set_defaults(run=_distill)
