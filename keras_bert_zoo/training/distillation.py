"""Knowledge distillation through `fit`, on every backend (Hinton et al., 2015; Sanh et al., 2019).

A frozen teacher runs in inference mode next to a trainable student on the same batch. DistilBERT's
loss is a weighted sum of three terms, each switched off by a zero weight:

- soft targets: `T² · KL(softmax(teacher / T) || softmax(student / T))`, on the logits of tasks
  (classifier, tagger, masked LM); T² keeps its gradients on the scale of the other terms;
- hard targets: the student's own cross-entropy on labels, when the data has labels;
- hidden states: `1 - cos(student, teacher)` of the last hidden states, averaged over real tokens
  (through a learned projection when the widths differ). It needs no head, so it distils a bare
  encoder such as all-MiniLM-L6-v2, which has no masked-LM head.

A student can start from the teacher: `student_backbone(teacher, layers=(0, 2, 4))` copies the
embeddings and the chosen blocks, as DistilBERT took one layer out of two from BERT
(`student_model` does the same for a task and copies its head). `distillation_run` runs it all
from text files, resumably.
"""

import keras
from keras import ops

from keras_bert_zoo.models.backbone import Backbone
from keras_bert_zoo.tasks import inputs as task_inputs
from keras_bert_zoo.tasks.task import InputAdaptingModel, fine_tuning_optimizer

LOSS_TERMS = ("soft", "hard", "cosine")
# Tasks whose `head` maps the backbone's outputs to logits (masked LMs take mask positions too).
LOGIT_HEAD_TASKS = ("BertClassifier", "BertTokenClassifier")


def student_backbone(teacher, layers):
    """A backbone of the teacher's class and config with `len(layers)` blocks, holding copies of the
    teacher's embeddings, of its blocks `layers` (in that order) and of its pooler, if it has one."""
    teacher = teacher if isinstance(teacher, Backbone) else teacher.backbone
    count = len(teacher.transformer_layers)
    layers = list(layers)
    if not layers or any(type(index) is not int or not 0 <= index < count for index in layers):
        raise ValueError(f"`layers` must be indices of the teacher's {count} blocks, got {layers!r}")
    config = {**teacher.get_config(), "num_layers": len(layers), "name": f"{teacher.name}_student"}
    student = type(teacher).from_config(config)
    pairs = [(student.embeddings, teacher.embeddings)]
    pairs += [(student.transformer_layers[i], teacher.transformer_layers[index]) for i, index in enumerate(layers)]
    if hasattr(teacher, "pooler"):
        pairs.append((student.pooler, teacher.pooler))
    for target, source in pairs:
        _copy_weights(target.weights, source.weights)
    student.tokenizer = teacher.tokenizer
    return student


def student_model(teacher, layers):
    """A student of the teacher's kind: for a backbone, `student_backbone(teacher, layers)`; for a
    task, the same task class with that backbone, the teacher's head arguments, preprocessor and
    a copy of its head's weights (a fine-tuned classifier's student starts with its classifier)."""
    backbone = student_backbone(teacher, layers)
    if isinstance(teacher, Backbone):
        return backbone
    student = type(teacher)(backbone=backbone, preprocessor=teacher.preprocessor, **teacher.head_config())
    _copy_weights(student.head_weights(), teacher.head_weights())
    return student


def _copy_weights(targets, sources):
    for variable, value in zip(targets, sources, strict=True):
        # A copy: on JAX, assigning the variable itself would share one buffer, which a
        # training step that donates its buffers then donates twice.
        variable.assign(ops.convert_to_numpy(value))


def has_logits(model):
    """Whether text alone gives `model` logits to distil (a classifier or a tagger)."""
    return type(model).__name__ in LOGIT_HEAD_TASKS


def _view(model):
    """A functional model from `model`'s inputs to `{"hidden"}` (its last hidden states) and, for a
    task with logits, `"logits"`; it shares `model`'s layers and weights."""
    backbone = model if isinstance(model, Backbone) else model.backbone
    inputs = dict(model.input)
    outputs = backbone({name: inputs[name] for name in backbone.input})
    view = {"hidden": outputs["sequence_output"]}
    kind = "Backbone" if isinstance(model, Backbone) else type(model).__name__
    if kind in ("BertMaskedLM", "BertPretrainer"):
        view["logits"] = model.masked_lm_head(outputs, inputs["mask_positions"])
    elif kind in LOGIT_HEAD_TASKS:
        view["logits"] = model.head(outputs)
    elif kind not in ("Backbone", "BertTextEmbedder"):
        raise ValueError(f"Distillation takes backbones, embedders, classifiers, taggers and masked LMs, not "
                         f"{type(model).__name__}.")
    return keras.Model(inputs, view, name=f"{model.name}_view")


class Distiller(InputAdaptingModel):
    """Train `student` to reproduce a frozen `teacher`, with plain `fit`.

    Args:
        teacher: a zoo backbone or task (kept frozen, run with `training=False`).
        student: a model of the same kind and vocabulary (its inputs may be fewer: a DistilBERT
            student takes no `segment_ids`).
        temperature: T of the soft targets.
        soft_weight, hard_weight, cosine_weight: the weights of the terms (DistilBERT: 5, 2, 1).
        preprocessor: what turns raw text into both models' inputs (default: the teacher's, or
            the student's); with one, `fit` takes strings and pairs.

    `fit(x, y=None)`: labels are optional (without them the hard term is 0). The logs show the
    total `loss` and each term. Save the student afterwards (`distiller.student.save_to_preset`).

    Example:
    >>> student = BertTextEmbedder(student_backbone(teacher.backbone, layers=(0, 2, 4)))
    >>> distiller = Distiller(teacher, student, soft_weight=0, hard_weight=0, cosine_weight=1)
    >>> distiller.fit(unlabelled_texts, epochs=1)
    """

    def __init__(self, teacher, student, temperature=2.0, soft_weight=5.0, hard_weight=2.0, cosine_weight=1.0,
                 preprocessor=None, **kwargs):
        if not temperature > 0:
            raise ValueError(f"`temperature` must be > 0, got {temperature!r}")
        weights = {"soft": soft_weight, "hard": hard_weight, "cosine": cosine_weight}
        if any(not weight >= 0 for weight in weights.values()) or not any(weights.values()):
            raise ValueError(f"Loss weights must be >= 0 and not all 0, got {weights}")
        teacher.trainable = False
        teacher_view, student_view = _view(teacher), _view(student)
        if weights["soft"] and "logits" not in student_view.output:
            raise ValueError(f"soft_weight > 0 needs logits: {type(student).__name__} has none; use the hidden "
                             f"states only (soft_weight=0, hard_weight=0).")
        inputs = {**student_view.input, **teacher_view.input}
        inputs = {name: keras.Input(tensor.shape[1:], dtype=tensor.dtype, name=name) for name, tensor in inputs.items()}
        student_out = dict(student_view({name: inputs[name] for name in student_view.input}))
        # The teacher always runs in inference mode (no dropout), and no gradient reaches it.
        teacher_out = teacher_view({name: inputs[name] for name in teacher_view.input}, training=False)
        teacher_out = {key: ops.stop_gradient(value) for key, value in teacher_out.items()}
        widths = [out["hidden"].shape[-1] for out in (teacher_out, student_out)]
        projection = None
        if widths[0] != widths[1]:  # a learned map of the student's states to the teacher's width
            projection = keras.layers.Dense(widths[0], use_bias=False, name="hidden_projection")
            student_out["hidden"] = projection(student_out["hidden"])
        super().__init__(inputs=inputs, outputs={"student": student_out, "teacher": teacher_out}, **kwargs)
        self.teacher, self.student, self.projection = teacher, student, projection
        self.temperature, self.weights_of_terms = temperature, weights
        self.preprocessor = preprocessor or getattr(teacher, "preprocessor", None) or getattr(
            student, "preprocessor", None)
        self.terms = {term: keras.metrics.Mean(name=f"{term}_loss") for term in LOSS_TERMS if weights[term]}

    def loss_terms(self, x, y, y_pred, sample_weight=None):
        """{term: scalar} of one batch (`y_pred` from `call`); see the module docstring."""
        student, teacher = y_pred["student"], y_pred["teacher"]
        terms = {}
        if self.weights_of_terms["cosine"]:
            mask = ops.cast(x["padding_mask"], "float32")
            cosine = ops.sum(_unit(student["hidden"]) * _unit(teacher["hidden"]), axis=-1)
            terms["cosine"] = ops.sum((1.0 - cosine) * mask) / ops.maximum(ops.sum(mask), 1.0)
        logits = student.get("logits")
        weight = self._example_weights(x, logits, sample_weight) if logits is not None else None
        if self.weights_of_terms["soft"]:
            t = self.temperature
            teacher_log_p = ops.log_softmax(ops.cast(teacher["logits"], "float32") / t, axis=-1)
            student_log_p = ops.log_softmax(ops.cast(logits, "float32") / t, axis=-1)
            kl = ops.sum(ops.exp(teacher_log_p) * (teacher_log_p - student_log_p), axis=-1)
            terms["soft"] = t * t * _weighted_mean(kl, weight)
        if self.weights_of_terms["hard"]:
            if y is None or logits is None:
                terms["hard"] = ops.zeros(())
            else:
                log_p = ops.log_softmax(ops.cast(logits, "float32"), axis=-1)
                picked = ops.take_along_axis(log_p, ops.cast(y, "int32")[..., None], axis=-1)[..., 0]
                terms["hard"] = _weighted_mean(-picked, weight)
        return terms

    def _example_weights(self, x, logits, sample_weight):
        """Weights of the logits' rows: the given sample weights (a masked LM's `mask_weights`), else
        a tagger's padding mask, else None (all rows)."""
        if sample_weight is not None:
            return ops.cast(sample_weight, "float32")
        if len(logits.shape) == 3 and "mask_positions" not in x:  # per token
            return ops.cast(x["padding_mask"], "float32")
        return None

    def compute_loss(self, x=None, y=None, y_pred=None, sample_weight=None, training=True):
        terms = self.loss_terms(x, y, y_pred, sample_weight)
        for term, value in terms.items():
            self.terms[term].update_state(value)
        return sum(self.weights_of_terms[term] * value for term, value in terms.items())

    def compile(self, optimizer="auto", **kwargs):
        """Default: AdamW as fine-tuning uses it (lr 5e-5, no decay on biases and LayerNorm)."""
        super().compile(optimizer=fine_tuning_optimizer() if optimizer == "auto" else optimizer, **kwargs)

    def _adapt(self, x, y=None, sample_weight=None, batch_size=None, shuffle=False):
        if task_inputs.is_raw_text(x):
            if self.preprocessor is None:
                raise ValueError("Distilling on raw text needs a preprocessor: give one, or teacher or student "
                                 "models that have one.")
            return task_inputs.text_to_dataset(self.preprocessor, x, y, sample_weight, batch_size, shuffle)
        return None

    def checkpoint_variables(self):
        """What a training checkpoint holds (`training.checkpoints`): every variable but the frozen
        teacher's, which never change and come from the teacher's preset."""
        teacher = {id(variable) for variable in self.teacher.variables}
        return [variable for variable in self.variables if id(variable) not in teacher]

    def get_config(self):
        raise NotImplementedError("A Distiller is not saved itself: save its student "
                                  "(`distiller.student.save_to_preset(...)`).")


def _unit(x):
    x = ops.cast(x, "float32")
    return x / ops.maximum(ops.norm(x, axis=-1, keepdims=True), 1e-12)


def _weighted_mean(values, weight):
    if weight is None:
        return ops.mean(values)
    return ops.sum(values * weight) / ops.maximum(ops.sum(weight), 1e-12)
