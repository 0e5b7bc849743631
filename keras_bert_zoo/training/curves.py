"""Training curves: the per-checkpoint history as CSV and as a PNG plot."""

import csv
import os
import pathlib

PANELS = (
    ("loss", ("loss", "val_loss")),
    ("masked-LM accuracy", ("mlm_logits_accuracy", "val_mlm_logits_accuracy")),
    ("next-sentence or sentence-order accuracy", ("nsp_logits_accuracy", "val_nsp_logits_accuracy")),
    # Distillation's terms (the total is the loss panel).
    ("soft-target loss", ("soft_loss", "val_soft_loss")),
    ("hidden-state cosine loss", ("cosine_loss", "val_cosine_loss")),
)


def write_csv(history, path):
    """Write rows (dicts) to `path` atomically, with the union of their keys as columns."""
    path = pathlib.Path(path)
    columns = list(dict.fromkeys(key for row in history for key in row))
    partial = path.with_name(path.name + ".partial")
    with open(partial, "w", newline="") as f:
        writer = csv.DictWriter(f, columns)
        writer.writeheader()
        writer.writerows(history)
    os.replace(partial, path)


def plot(history, path):
    """Plot each of `PANELS` that the history holds (loss, masked-LM and next-sentence accuracy,
    distillation's terms) against the step to a PNG.

    Returns False (and writes nothing) when matplotlib is not installed.
    """
    try:
        import matplotlib

        matplotlib.use("Agg")  # no display on servers
        import matplotlib.pyplot as plt
    except ImportError:
        return False
    panels = [(title, keys) for title, keys in PANELS if any(keys[0] in row for row in history)]
    figure, axes = plt.subplots(1, len(panels), figsize=(5 * len(panels), 3.6), squeeze=False)
    for axis, (title, keys) in zip(axes[0], panels):
        for key in keys:
            points = [(row["step"], row[key]) for row in history if key in row]
            if points:
                axis.plot(*zip(*points), marker=".", label="held-out" if key.startswith("val_") else "train")
        axis.set_title(title)
        axis.set_xlabel("step")
        axis.grid(alpha=0.3)
        axis.legend()
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)
    return True
