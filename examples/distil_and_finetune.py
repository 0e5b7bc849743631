"""Distil a fine-tuned all-MiniLM-L6-v2 into a 3-block student on unlabelled text, then show what
distillation buys.

DistilBERT's recipe at laptop scale, on the embedded data, with few labels and more unlabelled text:
1. teacher: the real all-MiniLM-L6-v2 (6 blocks, hidden 384, from its PyPI wheel), fine-tuned on
   the labelled sentiment snippets (Rotten Tomatoes, examples/data/vader);
2. student: 3 blocks, copies of the teacher's blocks 0, 2 and 4, its embeddings and its head;
3. distil the student on the text of every training snippet without its label: the teacher's
   soft targets (its classifier's logits at temperature 2) and the cosine of the last hidden
   states. all-MiniLM-L6-v2 has no masked-LM head, so DistilBERT's masked-LM terms have nothing
   to distil; the fine-tuned teacher's logits are the task knowledge to pass on;
4. fine-tune on the labelled snippets, same recipe and seeds, and report held-out accuracy for:
   random init (the student's architecture), the student before distillation (blocks 0, 2, 4 of
   the pretrained MiniLM), the distilled student and the teacher. Also: parameters, the student's
   inference speed relative to the teacher's, and the share of the teacher's accuracy it keeps.

    python examples/distil_and_finetune.py                 # 531 s measured on 2 cores (README)
    python examples/distil_and_finetune.py --size smoke    # seconds, for the example's test

The distillation is a resumable run (`bert-zoo distill` runs the same): interrupt the example and
run it again; the teacher it distils from is kept in --output (default runs/distil-<size>), and
summary.json there holds the numbers.
"""

import argparse
import json
import pathlib
import time

import numpy as np

from finetune_sentiment import load_snippets, split

SIZES = {
    "quick": dict(distil_steps=120, steps_per_checkpoint=40, sequence_length=64, train_snippets=500,
                  held_out_snippets=1000, epochs=2, seeds=3),
    # Seconds, for the example's own test (a tiny random teacher stands in for MiniLM there).
    "smoke": dict(distil_steps=4, steps_per_checkpoint=2, sequence_length=32, train_snippets=64,
                  held_out_snippets=64, epochs=1, seeds=2),
}
STUDENT_LAYERS = [0, 2, 4]
BATCH_SIZE = 32
# Twice the library's default (BERT's 5e-5): at 5e-5, 32 updates leave the undistilled student
# predicting one class on every seed (0.503), which would flatter distillation.
LEARNING_RATE = 1e-4


def write_snippet_text(texts, path):
    """The snippets as a text file of one document each (a blank line between them)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n\n".join(text.replace("\n", " ") for text in texts) + "\n", encoding="utf-8")
    return path


def fine_tune(preset, data, size, seed, load_weights=True):
    """(classifier, held-out accuracy, held-out sentences per second) of a classifier fine-tuned
    from `preset` (random weights with `load_weights=False`)."""
    import keras

    from keras_bert_zoo import BertClassifier
    from keras_bert_zoo.tasks.task import fine_tuning_optimizer

    (train_x, train_y), (test_x, test_y) = data
    keras.utils.set_random_seed(seed)
    classifier = BertClassifier.from_preset(preset, num_classes=2, load_weights=load_weights,
                                            sequence_length=size["sequence_length"])
    classifier.compile(optimizer=fine_tuning_optimizer(LEARNING_RATE))
    classifier.fit(train_x, train_y, batch_size=BATCH_SIZE, epochs=size["epochs"], verbose=0)
    classifier.predict(test_x[:BATCH_SIZE], batch_size=BATCH_SIZE, verbose=0)  # compile outside the clock
    started = time.perf_counter()
    predictions = classifier.predict(test_x, batch_size=BATCH_SIZE, verbose=0).argmax(-1)
    speed = len(test_x) / (time.perf_counter() - started)
    return classifier, float((predictions == test_y).mean()), speed


def summarize(rows, parameters):
    accuracies = [accuracy for _, accuracy, _ in rows]
    return {"accuracy": accuracies, "mean": float(np.mean(accuracies)),
            "std": float(np.std(accuracies, ddof=1)) if len(rows) > 1 else 0.0,
            "sentences_per_second": float(np.median([speed for _, _, speed in rows])), "parameters": parameters}


def paired_gain(results, better, worse):
    """Mean and std over seeds of the accuracy difference between two rows fine-tuned on the same
    seeds (the seed's share of the noise cancels)."""
    gains = np.subtract(results[better]["accuracy"], results[worse]["accuracy"])
    return {"gains": gains.tolist(), "mean": float(gains.mean()),
            "std": float(gains.std(ddof=1)) if len(gains) > 1 else 0.0}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size", choices=sorted(SIZES), default="quick")
    parser.add_argument("--teacher", default=None, help="pretrained teacher preset or checkpoint "
                        "(default: real MiniLM)")
    parser.add_argument("--output", default=None, help="run directory (default: runs/distil-<size>)")
    parser.add_argument("--seed", type=int, default=0, help="the data split and the first fine-tuning seed")
    args = parser.parse_args(argv)
    size = SIZES[args.size]
    output = pathlib.Path(args.output or f"runs/distil-{args.size}")

    import keras

    from keras_bert_zoo import presets
    from keras_bert_zoo.data.assets import minilm_checkpoint
    from keras_bert_zoo.training.distillation import student_model
    from keras_bert_zoo.training.distillation_run import DistillationConfig, run_distillation

    started = time.perf_counter()
    texts, labels = load_snippets()
    (train_x, train_y), (test_x, test_y) = split(texts, labels, test_fraction=0.2, seed=args.seed)
    data = ((train_x[:size["train_snippets"]], train_y[:size["train_snippets"]]),
            (test_x[:size["held_out_snippets"]], test_y[:size["held_out_snippets"]]))
    pretrained = str(args.teacher or minilm_checkpoint())
    seeds = range(args.seed, args.seed + size["seeds"])

    # The teacher, fine-tuned on each seed; the first seed's is the one the student learns from
    # (kept, so that an interrupted distillation resumes against the same teacher).
    teacher = output / "teacher"
    rows = []
    for seed in seeds:
        rows.append(fine_tune(pretrained, data, size, seed))
        if seed == args.seed and not (teacher / "preset.json").is_file():
            rows[0][0].save_to_preset(teacher)
        print(f"teacher, seed {seed}: accuracy {rows[-1][1]:.4f}", flush=True)
    results = {"teacher": summarize(rows, rows[0][0].backbone.count_params())}

    # The student before distillation: blocks of the pretrained model, not of the fine-tuned one.
    undistilled = output / "undistilled"
    if not (undistilled / "preset.json").is_file():
        model, _ = presets.load_model(pretrained, sequence_length=size["sequence_length"])
        student_model(model, STUDENT_LAYERS).save_to_preset(undistilled)
    # Unlabelled text: every training snippet without its label (the held-out ones stay unseen).
    snippets = write_snippet_text(train_x, output / "unlabelled_snippets.txt")
    config = DistillationConfig(
        teacher=str(teacher), texts=[str(snippets)], output=str(output / "distillation"),
        student_layers=STUDENT_LAYERS, sequence_length=size["sequence_length"], batch_size=BATCH_SIZE,
        total_steps=size["distil_steps"], steps_per_checkpoint=size["steps_per_checkpoint"],
        learning_rate=LEARNING_RATE, soft_weight=5.0, cosine_weight=1.0, seed=args.seed, verbose=2)
    distilled = run_distillation(config)
    losses = ", ".join(f"{name} {value:.4f}" for name, value in distilled["history"].items() if name.endswith("loss"))
    print(f"distilled {config.total_steps} steps of {BATCH_SIZE} of the snippets' {distilled['sentences']:,} "
          f"sentences; last losses: {losses}", flush=True)

    runs = {"random init": (str(undistilled), False), "student, not distilled": (str(undistilled), True),
            "student, distilled": (distilled["student"], True)}
    for name, (preset, load_weights) in runs.items():
        rows = [fine_tune(preset, data, size, seed, load_weights) for seed in seeds]
        results[name] = summarize(rows, rows[0][0].backbone.count_params())
        print(f"{name}: accuracy {', '.join(f'{a:.4f}' for a in results[name]['accuracy'])}", flush=True)
    results = {name: results[name] for name in [*runs, "teacher"]}

    student, teacher_row = results["student, distilled"], results["teacher"]
    summary = {
        "size": args.size, "backend": keras.backend.backend(), "seconds": time.perf_counter() - started,
        "fine_tuning": {"train_snippets": len(data[0][0]), "held_out_snippets": len(data[1][0]),
                        "epochs": size["epochs"], "seeds": size["seeds"], "learning_rate": LEARNING_RATE},
        "distillation": {"steps": config.total_steps, "sentences": distilled["sentences"],
                         "last": distilled["history"]},
        "results": results,
        "distillation_gain": {"over undistilled": paired_gain(results, "student, distilled", "student, not distilled"),
                              "over random init": paired_gain(results, "student, distilled", "random init")},
        "student_speedup": student["sentences_per_second"] / teacher_row["sentences_per_second"],
        "accuracy_kept": student["mean"] / teacher_row["mean"],
    }
    (output / "summary.json").write_text(json.dumps(summary, indent=2))
    majority = max(data[1][1].mean(), 1 - data[1][1].mean())
    print(f"\n== all-MiniLM-L6-v2 (6 blocks) distilled into 3 blocks, {args.size} size, "
          f"{keras.backend.backend()} ==")
    print(f"sentiment held-out accuracy, {len(data[1][0])} snippets (majority class {majority:.4f}), "
          f"fine-tuned on {len(data[0][0])}, mean +- std over {size['seeds']} seeds:")
    for name, row in results.items():
        print(f"  {name:24s} {row['mean']:.4f} +- {row['std']:.4f}   {row['parameters']:>11,} parameters")
    for name, gain in summary["distillation_gain"].items():
        print(f"distilled student {name}: {gain['mean']:+.4f} +- {gain['std']:.4f} "
              f"(same seeds: {', '.join(f'{g:+.4f}' for g in gain['gains'])})")
    print(f"student: {student['parameters'] / teacher_row['parameters']:.0%} of the teacher's parameters, "
          f"{summary['student_speedup']:.2f}x its inference speed, {summary['accuracy_kept']:.1%} of its accuracy; "
          f"{summary['seconds']:.0f} s in all")
    return summary


if __name__ == "__main__":
    main()
