"""Knowledge distillation: the student built from the teacher, each loss term by hand, fit."""

import numpy as np
import pytest

import harness
from keras_bert_zoo import BertBackbone, BertClassifier, BertTextEmbedder, BertTokenizer
from keras_bert_zoo.text import BertPreprocessor
from keras_bert_zoo.training.distillation import Distiller, student_backbone

TEXTS = ["the world is good", "a bad day", "the good world", "bad bad", "good"]


def log_softmax(x):
    x = x - x.max(-1, keepdims=True)
    return x - np.log(np.exp(x).sum(-1, keepdims=True))


@pytest.fixture
def teacher():
    return BertBackbone(**{**harness.TINY_BERT, "num_layers": 4})


def test_student_holds_exactly_the_chosen_teacher_layers(teacher):
    student = student_backbone(teacher, layers=(0, 2))
    assert len(student.transformer_layers) == 2 and type(student) is type(teacher)
    for ours, index in zip(student.transformer_layers, (0, 2)):
        for a, b in zip(ours.weights, teacher.transformer_layers[index].weights):
            np.testing.assert_array_equal(harness.numpy_tree(a), harness.numpy_tree(b))
    for part in ("embeddings", "pooler"):
        for a, b in zip(getattr(student, part).weights, getattr(teacher, part).weights):
            np.testing.assert_array_equal(harness.numpy_tree(a), harness.numpy_tree(b))
    with pytest.raises(ValueError, match="indices of the teacher's 4 blocks"):
        student_backbone(teacher, layers=(0, 4))


def test_each_loss_term_equals_a_hand_computation(teacher):
    teacher_task = BertClassifier(teacher, num_classes=3)
    student = BertClassifier(BertBackbone(**{**harness.TINY_BERT, "hidden_dim": 8, "num_heads": 2}), num_classes=3)
    rng = np.random.default_rng(0)
    for task in (teacher_task, student):  # logits far enough apart for the soft term to be sizable
        task.head.dense.kernel.assign(rng.normal(0, 3, task.head.dense.kernel.shape).astype("float32"))
    distiller = Distiller(teacher_task, student, temperature=2.0)
    assert distiller.projection is not None  # widths 8 -> 16
    x = harness.backbone_inputs(harness.TINY_BERT["vocabulary_size"], batch=3, length=6)
    y = np.array([0, 2, 1])
    y_pred = harness.numpy_tree(distiller(x))
    terms = harness.numpy_tree(distiller.loss_terms(x, y, distiller(x)))
    s, t = y_pred["student"], y_pred["teacher"]
    kl = (np.exp(log_softmax(t["logits"] / 2)) * (log_softmax(t["logits"] / 2) - log_softmax(s["logits"] / 2))).sum(-1)
    assert terms["soft"] > 1e-2
    np.testing.assert_allclose(terms["soft"], 4 * kl.mean(), rtol=1e-4)
    np.testing.assert_allclose(terms["hard"], -log_softmax(s["logits"])[np.arange(3), y].mean(), rtol=1e-4)
    unit = [h / np.linalg.norm(h, axis=-1, keepdims=True) for h in (s["hidden"], t["hidden"])]
    mask = x["padding_mask"].astype(bool)
    np.testing.assert_allclose(terms["cosine"], (1 - (unit[0] * unit[1]).sum(-1))[mask].mean(), rtol=1e-4)
    total = harness.numpy_tree(distiller.compute_loss(x, y, distiller(x)))
    np.testing.assert_allclose(total, 5 * terms["soft"] + 2 * terms["hard"] + terms["cosine"], rtol=1e-5)


def test_a_student_equal_to_its_teacher_has_no_distillation_loss(teacher):
    teacher_task = BertClassifier(teacher, num_classes=2)
    student = BertClassifier(student_backbone(teacher, layers=range(4)), num_classes=2)
    student.head.set_weights(teacher_task.head.get_weights())
    terms = harness.numpy_tree(Distiller(teacher_task, student).loss_terms(
        harness.backbone_inputs(120), None, Distiller(teacher_task, student)(harness.backbone_inputs(120))))
    assert terms["soft"] < 1e-6 and terms["cosine"] < 1e-6 and terms["hard"] == 0


def test_fit_on_raw_text_trains_the_student_only(teacher):
    tokenizer = BertTokenizer(harness.small_vocabulary(harness.TINY_BERT["vocabulary_size"]))
    teacher_embedder = BertTextEmbedder(teacher, preprocessor=BertPreprocessor(tokenizer, sequence_length=16))
    student = BertTextEmbedder(student_backbone(teacher, layers=(1, 3)))
    distiller = Distiller(teacher_embedder, student, soft_weight=0, hard_weight=0)
    distiller.compile(optimizer="adam")
    before = [harness.numpy_tree(w) for w in teacher.weights]
    history = distiller.fit(TEXTS * 4, epochs=3, batch_size=4, verbose=0)
    losses = history.history["cosine_loss"]
    assert losses[-1] < losses[0] and np.isfinite(history.history["loss"]).all()
    for a, b in zip(before, teacher.weights):
        np.testing.assert_array_equal(a, harness.numpy_tree(b))


def test_soft_targets_need_logits(teacher):
    with pytest.raises(ValueError, match="soft_weight > 0 needs logits"):
        Distiller(teacher, student_backbone(teacher, layers=(0,)))
