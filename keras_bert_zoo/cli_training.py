"""How `bert-zoo finetune` trains: BERT's schedule, mixed precision, accumulation, best epoch.

Kept apart from the command code so each piece can be tested without a
training run; nothing here imports Keras before it is called.
"""

import contextlib
import math

from keras_bert_zoo.training.runs import MIXED_PRECISION, RunConfig

MIXED_PRECISION_CHOICES = RunConfig.CHOICES["mixed_precision"]
KEEP_BEST_METRIC = "val_loss"  # every task reports it, and lower is always better


def add_arguments(parser):
    """The training flags of `finetune`."""
    parser.add_argument("--learning-rate", type=float, default=5e-5,
                        help="peak learning rate (BERT recommends 5e-5, 3e-5 or 2e-5)")
    parser.add_argument("--warmup-ratio", type=float, default=0.1,
                        help="fraction of the optimizer updates spent warming the learning rate up "
                             "linearly from 0; it then decays linearly to 0 at the last update")
    parser.add_argument("--gradient-accumulation-steps", type=int, default=1,
                        help="batches whose gradients are averaged into one update (an effective batch "
                             "of batch-size x this, in the memory of one batch)")
    parser.add_argument("--mixed-precision", choices=MIXED_PRECISION_CHOICES, default=None,
                        help="compute in bfloat16, or float16 with dynamic loss scaling; weights stay "
                             "float32 (default: float32 throughout)")
    parser.add_argument("--keep-best", action="store_true",
                        help=f"save the weights of the epoch with the lowest {KEEP_BEST_METRIC} on "
                             f"--validation instead of the last epoch's (needs --validation)")


def check_arguments(args):
    """Refuse inconsistent flags before any data is read or model built."""
    if args.keep_best and not args.validation:
        raise ValueError(f"--keep-best picks the epoch with the lowest {KEEP_BEST_METRIC}, which needs "
                         f"--validation FILE.")
    if args.gradient_accumulation_steps < 1:
        raise ValueError(f"--gradient-accumulation-steps must be >= 1, got {args.gradient_accumulation_steps}.")
    if not 0 <= args.warmup_ratio <= 1:
        raise ValueError(f"--warmup-ratio must be in [0, 1], got {args.warmup_ratio}.")
    for name in ("epochs", "batch_size"):
        if getattr(args, name) < 1:
            raise ValueError(f"--{name.replace('_', '-')} must be >= 1, got {getattr(args, name)}.")


def total_updates(examples, batch_size, epochs, gradient_accumulation_steps=1):
    """Optimizer updates of a run: Keras' batches (the last one may be partial) over all epochs,
    grouped by `gradient_accumulation_steps` (a last incomplete group counts as one)."""
    batches = math.ceil(examples / batch_size) * epochs
    return max(1, math.ceil(batches / gradient_accumulation_steps))


def optimizer(args, examples):
    """BERT's fine-tuning optimizer for `examples` training examples under `args`' flags."""
    from keras_bert_zoo.tasks.task import fine_tuning_optimizer

    updates = total_updates(examples, args.batch_size, args.epochs, args.gradient_accumulation_steps)
    return fine_tuning_optimizer(args.learning_rate, total_steps=updates, warmup_ratio=args.warmup_ratio,
                                 gradient_accumulation_steps=args.gradient_accumulation_steps)


@contextlib.contextmanager
def precision(mixed_precision):
    """The dtype policy of `--mixed-precision` while models are built and trained, restored after.

    The policy is process-wide in Keras; restoring it keeps a caller (a test,
    a notebook calling `main`) unaffected. Under "mixed_float16" Keras'
    `compile` wraps the optimizer in a `LossScaleOptimizer`, as in pretraining.
    """
    if mixed_precision is None:
        yield
        return
    import keras

    previous = keras.config.dtype_policy()
    keras.config.set_dtype_policy(MIXED_PRECISION[mixed_precision])
    try:
        yield
    finally:
        keras.config.set_dtype_policy(previous)


def callbacks(args):
    """Keras callbacks of the run: with `--keep-best`, one that restores the best epoch's weights.

    EarlyStopping with a patience of all epochs never stops early; it only
    remembers the weights of the epoch with the lowest validation loss and
    sets them back when training ends.
    """
    if not args.keep_best:
        return []
    import keras

    return [keras.callbacks.EarlyStopping(monitor=KEEP_BEST_METRIC, mode="min", patience=args.epochs,
                                          restore_best_weights=True)]


def report_best(callback_list):
    """A line saying which epoch `--keep-best` kept, or None without it."""
    for callback in callback_list:
        if getattr(callback, "restore_best_weights", False) and callback.best_weights is not None:
            return (f"kept the weights of epoch {callback.best_epoch + 1} "
                    f"({KEEP_BEST_METRIC} {float(callback.best):.4f})")
    return None
