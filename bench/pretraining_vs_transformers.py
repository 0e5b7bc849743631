"""Held-out masked-LM learning curve of our pretraining against transformers' own BERT.

Both models get the same batches (our `pretraining_data`: the same examples, masks and
order), the same architecture (`--preset`, random init), the same recipe (AdamW, no
weight decay on LayerNorm and biases, 10% linear warmup then linear decay, global-norm
clipping at 1.0, epsilon 1e-6) and are evaluated on the same held-out batches. If our
pretraining lost signal anywhere (labels, masks, tied decoder, schedule), its curve would
fall below transformers' `BertForPreTraining`; random init and dropout differ, so the
curves agree to within noise, not exactly.

Usage (the Keras backend of our run is KERAS_BACKEND's; the reference always runs PyTorch):
    python bench/pretraining_vs_transformers.py                 # Moby-Dick, 1,000 steps
    python bench/pretraining_vs_transformers.py --steps 2000 --learning-rate 1e-3
"""

import argparse
import csv
import os
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

REPO = Path(__file__).resolve().parents[1]
CORPUS = REPO / "examples/data/moby_dick"


def prepare(run, vocabulary_size, sequence_length):
    """Vocabulary and train/held-out shards in `run`, built once."""
    from keras_bert_zoo.data.prepare import build_vocabulary, prepare_pretraining_data

    if not (run / "vocabulary/vocab.txt").is_file():
        build_vocabulary(CORPUS / "train.txt", run / "vocabulary", vocabulary_size=vocabulary_size)
    for part in ("train", "held_out"):
        if not (run / part / "manifest.json").is_file():
            prepare_pretraining_data(CORPUS / f"{part}.txt", run / part, run / "vocabulary",
                                     max_sequence_length=sequence_length)


def ours(config):
    """Held-out MLM accuracy after every `steps_per_checkpoint` steps, from the run's history."""
    from keras_bert_zoo.training.pretraining_run import run_pretraining

    run_pretraining(config)
    with open(Path(config.output) / "history.csv") as rows:
        return {int(row["step"]): float(row["val_mlm_logits_accuracy"]) for row in csv.DictReader(rows)}


def _torch_batch(batch):
    """Our (inputs, labels, weights) batch as `BertForPreTraining` keyword arguments."""
    import numpy as np
    import torch

    x, y, weights = ({key: np.asarray(value) for key, value in tree.items()} for tree in batch)
    labels = np.full(x["token_ids"].shape, -100)  # -100: not predicted
    rows, slots = np.nonzero(weights["mlm_logits"])
    labels[rows, x["mask_positions"][rows, slots]] = y["mlm_logits"][rows, slots]
    as_long = lambda a: torch.tensor(a, dtype=torch.long)  # noqa: E731 (copies: the arrays are read-only)
    return dict(input_ids=as_long(x["token_ids"]), token_type_ids=as_long(x["segment_ids"]),
                attention_mask=as_long(x["padding_mask"]), labels=as_long(labels),
                next_sentence_label=as_long(y["nsp_logits"]))


def reference(config, tokenizer):
    """The same curve from transformers' `BertForPreTraining` (PyTorch)."""
    import torch
    import transformers

    from keras_bert_zoo import presets
    from keras_bert_zoo.convert.hf_bert import hf_config
    from keras_bert_zoo.training.pretraining_run import held_out_data, pretraining_data

    torch.manual_seed(config.seed)
    spec = presets.resolve(config.preset, need_weights=False).spec["backbone"]["config"]
    model = transformers.BertForPreTraining(transformers.BertConfig(
        **hf_config({**spec, "vocabulary_size": tokenizer.vocabulary_size})))
    groups = {True: [], False: []}  # decayed or not: LayerNorm and biases are not
    for name, parameter in model.named_parameters():
        groups["LayerNorm" not in name and not name.endswith("bias")].append(parameter)
    optimizer = torch.optim.AdamW([{"params": groups[True], "weight_decay": config.weight_decay},
                                   {"params": groups[False], "weight_decay": 0.0}], lr=config.learning_rate, eps=1e-6)
    schedule = transformers.get_linear_schedule_with_warmup(optimizer, config.total_steps // 10, config.total_steps)
    held_out = [_torch_batch(batch) for batch in held_out_data(config, tokenizer)]

    def accuracy():
        model.eval()
        hits = total = 0
        with torch.no_grad():
            for batch in held_out:
                inputs = {k: v for k, v in batch.items() if k not in ("labels", "next_sentence_label")}
                predicted = model(**inputs).prediction_logits.argmax(-1)
                scored = batch["labels"] != -100
                hits += (predicted[scored] == batch["labels"][scored]).sum().item()
                total += scored.sum().item()
        model.train()
        return hits / total

    curve = {}
    model.train()
    for step, batch in enumerate(pretraining_data(config, config.data, tokenizer).take(config.total_steps), 1):
        model(**_torch_batch(batch)).loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        schedule.step()
        optimizer.zero_grad()
        if step % config.steps_per_checkpoint == 0:
            curve[step] = accuracy()
    return curve


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--output", default="runs/bench-pretraining-vs-transformers")
    parser.add_argument("--preset", default="bert_tiny")
    parser.add_argument("--steps", type=int, default=1000)
    parser.add_argument("--eval-every", type=int, default=100)
    parser.add_argument("--learning-rate", type=float, default=3e-3)
    parser.add_argument("--vocabulary-size", type=int, default=4000)
    parser.add_argument("--sequence-length", type=int, default=64)
    args = parser.parse_args(argv)

    from keras_bert_zoo.data.prepare import load_tokenizer
    from keras_bert_zoo.training.pretraining_run import PretrainingConfig

    run = Path(args.output)
    prepare(run, args.vocabulary_size, args.sequence_length)
    config = PretrainingConfig(data=str(run / "train"), output=str(run / "ours"), validation_data=str(run / "held_out"),
                               preset=args.preset, total_steps=args.steps, steps_per_checkpoint=args.eval_every,
                               learning_rate=args.learning_rate, verbose=0)
    started = time.time()
    our_curve = ours(config)
    our_seconds = time.time() - started
    started = time.time()
    their_curve = reference(config, load_tokenizer(config.data))
    their_seconds = time.time() - started
    print(f"held-out masked-LM accuracy, {args.preset}, lr {args.learning_rate}, batch {config.batch_size}, "
          f"sequence {args.sequence_length}")
    print(f"{'step':>6} {'keras-bert-zoo':>15} {'transformers':>13}")
    for step in sorted(their_curve):
        print(f"{step:>6} {our_curve.get(step, float('nan')):>15.4f} {their_curve[step]:>13.4f}")
    print(f"wall time: ours {our_seconds:.0f} s ({os.environ.get('KERAS_BACKEND', 'tensorflow')}), "
          f"transformers {their_seconds:.0f} s (torch)")


if __name__ == "__main__":
    main()
