"""Worker side of `classifier_throughput.py`: build one model, time it, print JSON.

Each function here runs inside a fresh subprocess started by the driver, so
that `KERAS_BACKEND` is set before Keras is imported and one framework's
thread pools never share a process with another's. See the driver's
docstring for what a step includes.
"""

import time

from shared import PEER, emit_result, set_torch_threads

SIZES = {
    # name: (layers, hidden, heads, intermediate, default timed training steps)
    "minilm": (6, 384, 12, 1536, 8),
    "base": (12, 768, 12, 3072, 3),
}
VOCABULARY_SIZE = 30522
LEARNING_RATE, WEIGHT_DECAY, DROPOUT = 5e-5, 0.01, 0.1


def make_batch(batch, seq, seed=0):
    """A fixed preprocessed batch: random ids, one segment, a full padding mask."""
    import numpy as np

    rng = np.random.default_rng(seed)
    x = {
        "token_ids": rng.integers(0, VOCABULARY_SIZE, (batch, seq), dtype="int32"),
        "segment_ids": np.zeros((batch, seq), "int32"),
        "padding_mask": np.ones((batch, seq), "int32"),
    }
    return x, rng.integers(0, 2, (batch,), dtype="int32")


def time_calls(fn, warmup, runs):
    """Call `fn` warmup + runs times.

    Returns (warmup wall seconds, timed wall seconds, cores busy during the
    timed calls). The last is process CPU time over wall time: about
    `--threads` when the cores were ours, lower when another process competed
    for them, so it flags timings that interference perturbed.
    """
    times = []
    for index in range(warmup + runs):
        if index == warmup:
            cpu_start, wall_start = time.process_time(), time.perf_counter()
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    busy = (time.process_time() - cpu_start) / (time.perf_counter() - wall_start)
    return times[:warmup], times[warmup:], busy


def zoo_worker(size, args):
    """keras-bert-zoo's BertClassifier on the backend in KERAS_BACKEND.

    Returns (parameter count, list the losses go to, train-step fn, batch-1 forward fn).
    """
    import keras
    import keras_bert_zoo as kbz

    layers, hidden, heads, intermediate, _ = SIZES[size]
    keras.utils.set_random_seed(0)
    backbone = kbz.BertBackbone(
        vocabulary_size=VOCABULARY_SIZE,
        num_layers=layers,
        num_heads=heads,
        hidden_dim=hidden,
        intermediate_dim=intermediate,
        dropout=DROPOUT,
    )
    model = kbz.BertClassifier(backbone, num_classes=2, dropout=DROPOUT)
    assert keras.config.floatx() == "float32" and model.compute_dtype == "float32"
    x, y = make_batch(args.batch, args.seq)
    losses = []
    x1, _ = make_batch(1, args.seq, seed=1)

    def train():
        # The logs come back as numpy, so the step has finished when this returns.
        losses.append(float(model.train_on_batch(x, y, return_dict=True)["loss"]))

    def forward():
        return model.predict_on_batch(x1)  # numpy out: synchronous on every backend

    return model.count_params(), losses, train, forward


def peer_worker(size, args):
    """transformers' BertForSequenceClassification with the same config; returns as `zoo_worker`."""
    import torch
    import transformers

    layers, hidden, heads, intermediate, _ = SIZES[size]
    torch.manual_seed(0)
    config = transformers.BertConfig(
        vocab_size=VOCABULARY_SIZE,
        hidden_size=hidden,
        num_hidden_layers=layers,
        num_attention_heads=heads,
        intermediate_size=intermediate,
        hidden_act="gelu",  # exact (erf) GELU, as the zoo
        hidden_dropout_prob=DROPOUT,
        attention_probs_dropout_prob=DROPOUT,
        layer_norm_eps=1e-12,
        num_labels=2,
    )
    model = transformers.BertForSequenceClassification(config).float()
    # Same decay rule as the zoo's fine_tuning_optimizer: none on biases and LayerNorm.
    no_decay = [p for n, p in model.named_parameters() if n.endswith("bias") or "LayerNorm" in n]
    decay = [p for n, p in model.named_parameters() if not (n.endswith("bias") or "LayerNorm" in n)]
    optimizer = torch.optim.AdamW(
        [{"params": decay, "weight_decay": WEIGHT_DECAY}, {"params": no_decay, "weight_decay": 0.0}],
        lr=LEARNING_RATE,
    )
    x, y = make_batch(args.batch, args.seq)
    batch = dict(
        input_ids=torch.from_numpy(x["token_ids"]).long(),
        token_type_ids=torch.from_numpy(x["segment_ids"]).long(),
        attention_mask=torch.from_numpy(x["padding_mask"]).long(),
        labels=torch.from_numpy(y).long(),
    )
    x1, _ = make_batch(1, args.seq, seed=1)
    single = dict(
        input_ids=torch.from_numpy(x1["token_ids"]).long(),
        token_type_ids=torch.from_numpy(x1["segment_ids"]).long(),
        attention_mask=torch.from_numpy(x1["padding_mask"]).long(),
    )
    losses = []

    def train():
        model.train()
        loss = model(**batch).loss
        loss.backward()
        optimizer.step()
        optimizer.zero_grad()
        losses.append(loss.item())

    def forward():
        model.eval()
        with torch.no_grad():
            return model(**single).logits

    return sum(p.numel() for p in model.parameters()), losses, train, forward


def run_worker(args):
    """Worker mode: build one model, time it, print one JSON result line."""
    size, impl = args.size, args.worker
    steps = args.steps or SIZES[size][4]
    if impl in (PEER, "torch"):
        set_torch_threads(args.threads)
    build = peer_worker if impl == PEER else zoo_worker
    params, losses, train, forward = build(size, args)
    train_warm, train_times, train_busy = time_calls(train, args.warmup, steps)
    fwd_warm, fwd_times, fwd_busy = time_calls(forward, args.latency_warmup, args.latency_runs)
    result = {
        "size": size,
        "impl": impl,
        "params": params,
        "train_times": train_times,
        "train_warmup_times": train_warm,
        "forward_times": fwd_times,
        "forward_warmup_times": fwd_warm,
        "train_busy_cores": train_busy,
        "forward_busy_cores": fwd_busy,
        "losses": losses,
    }
    emit_result(result)
