"""Worker side of `finetune_throughput.py`: fine-tune one side on real text, time it, print JSON.

Each worker runs in a fresh subprocess started by the driver (`KERAS_BACKEND`
is set before Keras is imported; threads are pinned first). See the driver's
docstring for exactly what is timed.
"""

import resource
import statistics
import sys
import time
from pathlib import Path

from shared import PEER, emit_result, set_torch_threads

REPO = Path(__file__).resolve().parents[1]
PRECISIONS = ("fp32", "bf16")
LEARNING_RATE, WEIGHT_DECAY = 5e-5, 0.01


def load_data(train_size, eval_size, seed):
    """(train texts, train labels, held-out texts, held-out labels) as Python lists.

    The non-neutral VADER movie-review snippets (label 1: positive score), read
    and shuffled with `examples/finetune_sentiment.py`'s own `load_snippets` and
    `split`; the first `train_size` train, the next `eval_size` are held out.
    """
    sys.path.insert(0, str(REPO / "examples"))
    from finetune_sentiment import load_snippets, split

    (texts, labels), _ = split(*load_snippets(), test_fraction=0.0, seed=seed)
    if train_size + eval_size > len(texts):
        raise SystemExit(f"--train-size + --eval-size exceed the {len(texts)} snippets.")
    held = slice(train_size, train_size + eval_size)
    return ([str(t) for t in texts[:train_size]], [int(y) for y in labels[:train_size]],
            [str(t) for t in texts[held]], [int(y) for y in labels[held]])


class Clock:
    """Wall and process-CPU time since `start()`; `busy()` is CPU over wall: the cores used."""

    def start(self):
        self.wall, self.cpu = time.perf_counter(), time.process_time()
        return self

    def seconds(self):
        return time.perf_counter() - self.wall

    def busy(self):
        return (time.process_time() - self.cpu) / max(self.seconds(), 1e-9)


def accuracy(logits, labels):
    import numpy as np

    return float(np.mean(np.argmax(np.asarray(logits, dtype="float32"), axis=-1) == np.asarray(labels)))


def zoo_side(args, data):
    """keras-bert-zoo's BertClassifier on KERAS_BACKEND, fed the raw strings."""
    import keras

    import keras_bert_zoo as kbz

    train_x, train_y, held_x, held_y = data
    keras.utils.set_random_seed(args.seed)
    if args.precision == "bf16":
        keras.mixed_precision.set_global_policy("mixed_bfloat16")
    model = kbz.BertClassifier.from_preset(args.checkpoint, num_classes=2, sequence_length=args.sequence_length)
    if args.padding != "default":
        pre = model.preprocessor
        model.preprocessor = type(pre)(**{**pre.get_config(), "tokenizer": pre.tokenizer, "padding": args.padding})
    if args.jit_compile != "default":
        model.compile(jit_compile=args.jit_compile == "on")
    expected = {"fp32": "float32", "bf16": "bfloat16"}[args.precision]
    assert model.compute_dtype == expected, (model.compute_dtype, expected)
    fit_options = {} if args.group_by_length == "default" else {"group_by_length": args.group_by_length == "on"}

    ends, losses = [], []

    class EpochEnds(keras.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            losses.append(float(logs["loss"]))  # a Python float: the epoch's work has finished
            ends.append(time.perf_counter())

    clock = Clock().start()
    model.fit(train_x, train_y, batch_size=args.batch_size, epochs=args.epochs, verbose=0,
              callbacks=[EpochEnds()], **fit_options)
    train_busy = clock.busy()

    def predict_all():
        return model.predict(held_x, batch_size=args.batch_size, verbose=0)

    def predict_one(text):
        return model.predict(text, verbose=0)  # one raw string, as a user would

    return (model.count_params(), clock.wall, ends, losses, train_busy), predict_all, predict_one, held_y


def peer_side(args, data):
    """transformers' AutoModelForSequenceClassification on PyTorch eager, the usual recipe."""
    import torch
    import transformers

    train_x, train_y, held_x, held_y = data
    torch.manual_seed(args.seed)
    tokenizer = transformers.AutoTokenizer.from_pretrained(str(args.checkpoint))
    model = transformers.AutoModelForSequenceClassification.from_pretrained(str(args.checkpoint), num_labels=2)
    # Same decay rule as the zoo's fine_tuning_optimizer: none on biases and LayerNorm.
    named = list(model.named_parameters())
    exempt = [n.endswith("bias") or "LayerNorm" in n for n, _ in named]
    optimizer = torch.optim.AdamW(
        [{"params": [p for (_, p), e in zip(named, exempt) if not e], "weight_decay": WEIGHT_DECAY},
         {"params": [p for (_, p), e in zip(named, exempt) if e], "weight_decay": 0.0}],
        lr=LEARNING_RATE,
    )
    collator = transformers.DataCollatorWithPadding(tokenizer)  # pads each batch to its longest
    bf16 = args.precision == "bf16"

    def autocast():
        return torch.autocast("cpu", dtype=torch.bfloat16, enabled=bf16)

    def encode(texts, **options):
        return tokenizer(texts, truncation=True, max_length=args.sequence_length, **options)

    ends, losses = [], []
    clock = Clock().start()
    encoded = encode(train_x)
    features = [{**{key: values[i] for key, values in encoded.items()}, "label": train_y[i]}
                for i in range(len(train_x))]
    loader = torch.utils.data.DataLoader(features, batch_size=args.batch_size, shuffle=True, collate_fn=collator,
                                         generator=torch.Generator().manual_seed(args.seed))
    model.train()
    for _ in range(args.epochs):
        total, steps = 0.0, 0
        for batch in loader:
            with autocast():
                loss = model(**batch).loss
            loss.backward()
            optimizer.step()
            optimizer.zero_grad()
            total, steps = total + loss.item(), steps + 1
        losses.append(total / steps)
        ends.append(time.perf_counter())
    train_busy = clock.busy()
    model.eval()

    def forward(batch):
        with torch.no_grad(), autocast():
            return model(**batch).logits.float().numpy()

    def predict_all():
        import numpy as np

        size = args.batch_size
        return np.concatenate([forward(encode(held_x[i:i + size], padding="longest", return_tensors="pt"))
                               for i in range(0, len(held_x), size)])

    def predict_one(text):
        return forward(encode([text], return_tensors="pt"))

    params = sum(p.numel() for p in model.parameters())
    return (params, clock.wall, ends, losses, train_busy), predict_all, predict_one, held_y


def run_worker(args):
    """Worker mode: fine-tune, then time inference and batch-1 latency; print one JSON line."""
    if args.worker in (PEER, "torch"):
        set_torch_threads(args.threads)
    data = load_data(args.train_size, args.eval_size, args.seed)
    side = peer_side if args.worker == PEER else zoo_side
    (params, start, ends, losses, train_busy), predict_all, predict_one, held_y = side(args, data)
    epoch_seconds = [end - begin for begin, end in zip([start, *ends], ends)]

    warm = Clock().start()
    predict_all()  # warm-up: tracing / compilation of the predict step
    warm_seconds = warm.seconds()
    clock = Clock().start()
    logits = predict_all()
    predict_seconds, predict_busy = clock.seconds(), clock.busy()

    texts = data[2]
    for text in texts[:args.latency_warmup]:
        predict_one(text)
    latencies = []
    for index in range(args.latency_runs):
        text = texts[(args.latency_warmup + index) % len(texts)]
        begin = time.perf_counter()
        predict_one(text)
        latencies.append(time.perf_counter() - begin)

    emit_result({
        "side": args.worker,
        "precision": args.precision,
        "params": params,
        "train_size": len(data[0]),
        "eval_size": len(texts),
        "epoch_seconds": epoch_seconds,
        "train_examples_per_s": [len(data[0]) / s for s in epoch_seconds],
        "train_losses": losses,
        "train_busy_cores": train_busy,
        "predict_warmup_seconds": warm_seconds,
        "predict_seconds": predict_seconds,
        "predict_sentences_per_s": len(texts) / predict_seconds,
        "predict_busy_cores": predict_busy,
        "held_out_accuracy": accuracy(logits, held_y),
        "latency_seconds": latencies,
        "latency_ms_median": 1000 * statistics.median(latencies),
        # Linux reports kilobytes (macOS bytes; the bench targets Linux).
        "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    })
