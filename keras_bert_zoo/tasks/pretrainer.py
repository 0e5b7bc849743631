"""BERT pretraining: masked language modelling plus next-sentence (or ALBERT's sentence-order) prediction."""

import keras

from keras_bert_zoo.tasks.masked_lm import default_compile_arguments, masked_inputs
from keras_bert_zoo.tasks.task import Task


@keras.saving.register_keras_serializable(package="keras_bert_zoo")
class BertPretrainer(Task):
    """BERT's two pretraining objectives on any backbone of the zoo.

    The backbone chooses both heads (BERT: the tied masked-LM head and a
    2-way next-sentence classifier on the pooled output; ALBERT's
    sentence-order head takes the second place). Outputs are a dict of
    float32 logits: `mlm_logits` `(batch, predictions, vocabulary)` at
    `mask_positions`, and `nsp_logits` `(batch, 2)`.

    Training data is `(x, y, sample_weight)`:
      x = {"token_ids", "segment_ids", "padding_mask", "mask_positions"}
      y = {"mlm_logits": mask_ids (batch, predictions) int32,
           "nsp_logits": label (batch,) int32: next-sentence pairs 0 = B follows A, 1 = B is
                         random; sentence-order pairs (ALBERT) 0 = A, B in their order,
                         1 = swapped}
      sample_weight = {"mlm_logits": mask_weights (batch, predictions) float32,
                       0.0 on padded slots, "nsp_logits": ones (batch,)}
    The loss is the sum of both weight-averaged cross-entropies; padded slots
    affect neither loss nor accuracy. History keys (Keras prefixes each output's
    own with its name): `loss`, `mlm_logits_loss`, `mlm_logits_accuracy`,
    `nsp_logits_loss`, `nsp_logits_accuracy`.

    Args:
        backbone: a `Backbone`, e.g. `BertBackbone.from_preset("base")`.
        preprocessor: optional `BertPreprocessor`, kept with the model and its presets.

    Example:
    >>> pretrainer = BertPretrainer(BertBackbone.from_preset("bert_tiny", load_weights=False))
    >>> pretrainer.fit(dataset)  # elements (x, y, sample_weight) as above
    """

    def __init__(self, backbone, preprocessor=None, **kwargs):
        masked_lm_head = backbone.masked_lm_head()
        next_sentence_head = backbone.next_sentence_head()
        inputs = masked_inputs(backbone)
        outputs = backbone({name: inputs[name] for name in backbone.input})
        logits = {
            "mlm_logits": masked_lm_head(outputs, inputs["mask_positions"]),
            "nsp_logits": next_sentence_head(outputs),
        }
        super().__init__(inputs=inputs, outputs=logits, **kwargs)
        self._attach(backbone, preprocessor)
        self.masked_lm_head = masked_lm_head
        self.next_sentence_head = next_sentence_head
        self.compile()

    def head_config(self):
        return {}

    def compile(self, optimizer="auto", loss="auto", weighted_metrics="auto", **kwargs):
        """Defaults: AdamW (lr 1e-4, decay 0.01); per output weighted-mean cross-entropy, accuracy."""
        arguments = default_compile_arguments(
            optimizer, loss, weighted_metrics, output_names=("mlm_logits", "nsp_logits")
        )
        super().compile(**arguments, **kwargs)
