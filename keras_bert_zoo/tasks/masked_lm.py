"""Masked language modelling on any backbone of the zoo."""

import keras
import numpy as np

from keras_bert_zoo.tasks.task import Task, fine_tuning_optimizer

PRETRAINING_LEARNING_RATE = 1e-4  # BERT's pretraining peak rate (Devlin et al., 2019).


def masked_inputs(backbone):
    """The backbone's inputs plus `mask_positions`, int32 `(batch, predictions)`."""
    positions = keras.Input((None,), dtype="int32", name="mask_positions")
    return {**backbone.input, "mask_positions": positions}


def default_compile_arguments(optimizer, loss, weighted_metrics, output_names=None):
    """Fill in the "auto" compile arguments of the masked-LM style tasks.

    AdamW at BERT's pretraining rate; for each output (every one of
    `output_names`, or the single output when None) a cross-entropy averaged
    over the sample weights, so padded prediction slots (weight 0) count for
    nothing, and a weighted accuracy.
    """

    def per_output(make):
        return make() if output_names is None else {name: make() for name in output_names}

    def weighted_mean_loss():
        return keras.losses.SparseCategoricalCrossentropy(
            from_logits=True, reduction="mean_with_sample_weight"
        )

    def accuracy():
        return [keras.metrics.SparseCategoricalAccuracy("accuracy")]

    return {
        "optimizer": fine_tuning_optimizer(PRETRAINING_LEARNING_RATE)
        if optimizer == "auto"
        else optimizer,
        "loss": per_output(weighted_mean_loss) if loss == "auto" else loss,
        "weighted_metrics": per_output(accuracy)
        if weighted_metrics == "auto"
        else weighted_metrics,
    }


@keras.saving.register_keras_serializable(package="keras_bert_zoo")
class BertMaskedLM(Task):
    """Predict the tokens hidden behind `[MASK]` (BERT's masked-LM objective alone).

    The backbone chooses its masked-LM head (BERT: dense, GELU, LayerNorm,
    then the token embedding matrix, tied). Outputs are float32 logits
    `(batch, predictions, vocabulary)` at `mask_positions`.

    Training data is `(x, mask_ids, mask_weights)`: `x` holds the backbone
    inputs and `mask_positions` (int32 `(batch, predictions)`), `mask_ids`
    the original token ids there and `mask_weights` 1.0 on real predictions
    and 0.0 on padded slots, which then affect neither loss nor accuracy.

    Args:
        backbone: a `Backbone`, e.g. `BertBackbone.from_preset("base")`.
        preprocessor: optional `BertPreprocessor`; `fill_mask` needs it.

    Example:
    >>> mlm = BertMaskedLM.from_preset("base")
    >>> mlm.fill_mask("the capital of france is [MASK].", top_k=3)  # [(token, probability)] * 3
    """

    def __init__(self, backbone, preprocessor=None, **kwargs):
        head = backbone.masked_lm_head()
        inputs = masked_inputs(backbone)
        outputs = backbone({name: inputs[name] for name in backbone.input})
        logits = head(outputs, inputs["mask_positions"])
        super().__init__(inputs=inputs, outputs=logits, **kwargs)
        self._attach(backbone, preprocessor)
        self.masked_lm_head = head
        self.compile()

    def head_config(self):
        return {}

    def compile(self, optimizer="auto", loss="auto", weighted_metrics="auto", **kwargs):
        """Defaults: AdamW (lr 1e-4, decay 0.01), weighted-mean cross-entropy, weighted accuracy."""
        arguments = default_compile_arguments(optimizer, loss, weighted_metrics)
        super().compile(**arguments, **kwargs)

    def fill_mask(self, texts, top_k=5):
        """The `top_k` most likely tokens for every `[MASK]` of every text.

        Args:
            texts: a string or a list of strings (run as one batch), each with at least
                one `[MASK]`.
            top_k: number of candidates per mask.

        Returns:
            For a list: one list per text, holding for each `[MASK]` (in order) a
            list of `(token, probability)` pairs, most likely first. For a
            single string: that text's list.
        """
        self._require_preprocessor("fill_mask")
        single = isinstance(texts, str)
        texts = [texts] if single else list(texts)
        if not texts:
            raise ValueError("fill_mask needs at least one text.")
        tokenizer = self.preprocessor.tokenizer
        if not 1 <= top_k <= tokenizer.vocabulary_size:
            raise ValueError(f"top_k must be in [1, {tokenizer.vocabulary_size}], got {top_k}.")
        features = self.preprocessor(texts)
        features = {key: np.asarray(value).astype("int32") for key, value in features.items()}
        is_mask = features["token_ids"] == tokenizer.mask_token_id
        counts = is_mask.sum(axis=1)
        if not counts.all():
            index = int(np.argmin(counts))
            raise ValueError(
                f"Text {index} ({texts[index]!r:.80}) has no [MASK] within the first "
                f"{self.preprocessor.sequence_length} tokens."
            )
        # Rows with fewer masks are padded with position 0; those predictions are dropped below.
        positions = np.zeros((len(texts), counts.max()), "int32")
        for row, mask in enumerate(is_mask):
            positions[row, : counts[row]] = np.flatnonzero(mask)
        # A direct call, not predict(): predict compiles anew for every new number of masks.
        logits = self({**features, "mask_positions": positions}, training=False)
        probabilities = keras.ops.convert_to_numpy(keras.ops.softmax(logits, axis=-1))
        results = []
        for row, count in enumerate(counts):
            results.append([
                [(tokenizer.id_to_token(i), float(p[i])) for i in np.argsort(-p)[:top_k]]
                for p in probabilities[row, :count]
            ])
        return results[0] if single else results
