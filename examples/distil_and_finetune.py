"""Distil all-MiniLM-L6-v2 into a 3-block student on unlabelled text, then show what distillation buys.

DistilBERT's recipe at laptop scale, on the embedded data:
1. teacher: the real all-MiniLM-L6-v2 (6 blocks, hidden 384), from its PyPI wheel;
2. student: 3 blocks, copies of the teacher's blocks 0, 2 and 4 and its embeddings;
3. distil the student on unlabelled text: Moby-Dick (examples/data/moby_dick) and the training
   sentiment snippets without their labels. all-MiniLM-L6-v2 has no masked-LM head, so there are
   no soft targets and no masked-LM loss: the student learns to reproduce the teacher's last hidden
   states (DistilBERT's cosine term), which is what a sentence encoder's users consume;
4. fine-tune on the Rotten Tomatoes sentiment split (examples/data/vader), same recipe and seeds,
   and report held-out accuracy for: random init (the student's architecture), the student before
   distillation, the distilled student, and the teacher. Also: parameters, the student's inference
   speed relative to the teacher's, and the share of the teacher's accuracy the student keeps.

    python examples/distil_and_finetune.py                 # 1,893 s measured on 2 cores (torch)
    python examples/distil_and_finetune.py --size smoke    # seconds, for the example's test

The distillation is a resumable run (`bert-zoo distill` runs the same): interrupt it and run the
same command again. Everything lands in --output (default runs/distil-<size>); summary.json holds
the numbers.
"""

import argparse
import json
import pathlib
import time

import numpy as np

from finetune_sentiment import load_snippets, split

MOBY_DICK = pathlib.Path(__file__).parent / "data" / "moby_dick"
SIZES = {
    # The issue asks for under 10 minutes on 2 CPU cores; this took 1,893 s (README).
    "quick": dict(distil_steps=300, steps_per_checkpoint=50, sequence_length=64, train_snippets=800,
                  held_out_snippets=1000, epochs=2, seeds=3),
    # Seconds, for the example's own test (a tiny random teacher stands in for MiniLM there).
    "smoke": dict(distil_steps=4, steps_per_checkpoint=2, sequence_length=32, train_snippets=64,
                  held_out_snippets=64, epochs=1, seeds=2),
}
STUDENT_LAYERS = [0, 2, 4]
BATCH_SIZE = 32


def write_snippet_text(texts, path):
    """The snippets as a text file of one document each (a blank line between them)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n\n".join(text.replace("\n", " ") for text in texts) + "\n", encoding="utf-8")
    return path


def fine_tune(preset, data, size, seed, load_weights=True):
    """Held-out accuracy, training seconds and held-out sentences per second of a classifier
    fine-tuned from `preset` (random weights with `load_weights=False`)."""
    import keras

    from keras_bert_zoo import BertClassifier

    (train_x, train_y), (test_x, test_y) = data
    keras.utils.set_random_seed(seed)
    classifier = BertClassifier.from_preset(preset, num_classes=2, load_weights=load_weights,
                                            sequence_length=size["sequence_length"])
    started = time.perf_counter()
    classifier.fit(train_x, train_y, batch_size=BATCH_SIZE, epochs=size["epochs"], verbose=0)
    trained = time.perf_counter() - started
    classifier.predict(test_x[:BATCH_SIZE], batch_size=BATCH_SIZE, verbose=0)  # compile outside the clock
    started = time.perf_counter()
    predictions = classifier.predict(test_x, batch_size=BATCH_SIZE, verbose=0).argmax(-1)
    speed = len(test_x) / (time.perf_counter() - started)
    return float((predictions == test_y).mean()), trained, speed, classifier.backbone.count_params()


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size", choices=sorted(SIZES), default="quick")
    parser.add_argument("--teacher", default=None, help="teacher preset or checkpoint (default: real MiniLM)")
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
    teacher = str(args.teacher or minilm_checkpoint())

    # The student before distillation, saved so that it fine-tunes exactly as the distilled one.
    undistilled = output / "undistilled"
    if not (undistilled / "preset.json").is_file():
        model, _ = presets.load_model(teacher, sequence_length=size["sequence_length"])
        student_model(model, STUDENT_LAYERS).save_to_preset(undistilled)
    # Unlabelled text: Moby-Dick and every training snippet (the held-out ones stay unseen).
    snippets = write_snippet_text(train_x, output / "unlabelled_snippets.txt")
    config = DistillationConfig(
        teacher=teacher, texts=[str(MOBY_DICK / "train.txt"), str(snippets)], output=str(output / "distillation"),
        validation_texts=[str(MOBY_DICK / "held_out.txt")], validation_steps=4,
        student_layers=STUDENT_LAYERS, sequence_length=size["sequence_length"], batch_size=BATCH_SIZE,
        total_steps=size["distil_steps"], steps_per_checkpoint=size["steps_per_checkpoint"],
        soft_weight=0.0, cosine_weight=1.0, seed=args.seed, verbose=2)
    distilled = run_distillation(config)
    print(f"distilled {config.total_steps} steps of {BATCH_SIZE} sentences ({distilled['sentences']:,} in all): "
          f"held-out cosine loss {distilled['held_out']['cosine_loss']:.4f}")

    runs = {"random init": (str(undistilled), False), "student, not distilled": (str(undistilled), True),
            "student, distilled": (distilled["student"], True), "teacher": (teacher, True)}
    results = {}
    for name, (preset, load_weights) in runs.items():
        seeds = range(args.seed, args.seed + size["seeds"])
        rows = [fine_tune(preset, data, size, seed, load_weights) for seed in seeds]
        accuracies = [row[0] for row in rows]
        results[name] = {"accuracy": accuracies, "mean": float(np.mean(accuracies)),
                         "std": float(np.std(accuracies, ddof=1)) if len(rows) > 1 else 0.0,
                         "train_seconds": float(np.mean([row[1] for row in rows])),
                         "sentences_per_second": float(np.median([row[2] for row in rows])),
                         "parameters": rows[0][3]}
        print(f"{name:24s} accuracy {results[name]['mean']:.4f} +- {results[name]['std']:.4f} "
              f"({', '.join(f'{a:.4f}' for a in accuracies)})", flush=True)

    student, teacher_row = results["student, distilled"], results["teacher"]
    summary = {
        "size": args.size, "backend": keras.backend.backend(), "seconds": time.perf_counter() - started,
        "fine_tuning": {"train_snippets": len(data[0][0]), "held_out_snippets": len(data[1][0]),
                        "epochs": size["epochs"], "seeds": size["seeds"]},
        "distillation": {"steps": config.total_steps, "sentences": distilled["sentences"],
                         "last": distilled["history"]},
        "results": results,
        "student_speedup": student["sentences_per_second"] / teacher_row["sentences_per_second"],
        "accuracy_kept": student["mean"] / teacher_row["mean"],
    }
    (output / "summary.json").write_text(json.dumps(summary, indent=2))
    majority = max(data[1][1].mean(), 1 - data[1][1].mean())
    print(f"\n== distilling all-MiniLM-L6-v2 (6 blocks) into 3 blocks, {args.size} size, "
          f"{keras.backend.backend()} ==")
    print(f"sentiment held-out accuracy, {len(data[1][0])} snippets (majority class {majority:.4f}), "
          f"fine-tuned on {len(data[0][0])}, mean +- std over {size['seeds']} seeds:")
    for name, row in results.items():
        print(f"  {name:24s} {row['mean']:.4f} +- {row['std']:.4f}   {row['parameters']:>11,} parameters")
    print(f"student: {student['parameters'] / teacher_row['parameters']:.0%} of the teacher's parameters, "
          f"{summary['student_speedup']:.2f}x its inference speed, {summary['accuracy_kept']:.1%} of its accuracy; "
          f"{summary['seconds']:.0f} s in all")
    return summary


if __name__ == "__main__":
    main()
