"""BertQuestionAnswerer: Hugging Face parity, training on examples, decoding, saving, errors."""

import shutil

import keras
import numpy as np
import pytest

import harness
from keras_bert_zoo import BertBackbone, BertTokenizer
from keras_bert_zoo.data.squad import SquadExample
from keras_bert_zoo.tasks.question_answerer import BertQuestionAnswerer
from keras_bert_zoo.text.span_preprocessor import BertSpanPreprocessor

CONFIG = harness.TINY_BERT
# Long enough for several windows at sequence length 24.
CONTEXT = "the whale swam in the sea. the ship sailed from the port at dawn and the men sang on the way home."
SHORT = "the whale swam in the sea and the men sang at home."  # one window


def example(id, question, answer=None, context=CONTEXT):
    answers = [{"text": answer, "answer_start": context.index(answer)}] if answer else []
    return SquadExample(id, question, context, answers, is_impossible=answer is None)


EXAMPLES = [
    example("q1", "what swam in the sea?", "the whale"),
    example("q2", "when did the ship sail?", "at dawn"),
    example("q3", "who sang on the way?", "the men"),
    example("q4", "what did the king say?"),
]


@pytest.fixture(scope="module")
def tokenizer():
    return BertTokenizer(harness.small_vocabulary(CONFIG["vocabulary_size"]))


@pytest.fixture
def answerer(tokenizer):
    # Not the default stride and question length: the preset round trip must keep them.
    preprocessor = BertSpanPreprocessor(tokenizer, sequence_length=24, doc_stride=5, max_question_length=9)
    return BertQuestionAnswerer(BertBackbone(**CONFIG), preprocessor=preprocessor)


@pytest.fixture(scope="module")
def hf_question_answering(tmp_path_factory):
    from conftest import _save_hf_randomised

    return _save_hf_randomised("BertForQuestionAnswering", tmp_path_factory)


def test_outputs_shape_and_dtype(answerer):
    for length in (10, 13):
        out = harness.numpy_tree(answerer(harness.backbone_inputs(CONFIG["vocabulary_size"], length=length)))
        assert set(out) == {"start_logits", "end_logits"}
        assert all(v.shape == (3, length) and v.dtype == np.float32 for v in out.values())


def test_mixed_precision_outputs_float32_logits(tokenizer):
    answerer = BertQuestionAnswerer(BertBackbone(**CONFIG, dtype="mixed_bfloat16"))
    out = harness.numpy_tree(answerer(harness.backbone_inputs(CONFIG["vocabulary_size"])))
    assert all(v.dtype == np.float32 and np.isfinite(v).all() for v in out.values())


def test_matches_transformers(hf_question_answering):
    import torch

    directory, reference = hf_question_answering
    answerer = BertQuestionAnswerer.from_preset(directory)
    inputs = harness.backbone_inputs(99, batch=3, length=12)
    with torch.no_grad():
        expected = reference(**{name: torch.tensor(inputs[key], dtype=torch.long) for name, key in (
            ("input_ids", "token_ids"), ("token_type_ids", "segment_ids"), ("attention_mask", "padding_mask"))})
    out = harness.numpy_tree(answerer(inputs))
    assert harness.max_abs_diff(out["start_logits"], expected.start_logits) <= 1e-5
    assert harness.max_abs_diff(out["end_logits"], expected.end_logits) <= 1e-5


def test_hf_checkpoint_with_vocabulary_gets_a_span_preprocessor(hf_question_answering, tmp_path):
    directory, _ = hf_question_answering
    shutil.copytree(directory, tmp_path / "checkpoint")
    (tmp_path / "checkpoint" / "vocab.txt").write_text("\n".join(harness.small_vocabulary(99)) + "\n")
    answerer = BertQuestionAnswerer.from_preset(tmp_path / "checkpoint", sequence_length=32)
    assert isinstance(answerer.preprocessor, BertSpanPreprocessor) and answerer.preprocessor.sequence_length == 32
    answer = answerer.predict_answers("who?", "the men sang.")
    assert answer["text"] == "the men sang."[answer["start"]:answer["end"]]


def test_fit_evaluate_on_examples_and_the_loss(answerer):
    history = harness.check_fit_one_step(answerer, EXAMPLES, None, batch_size=4, validation_data=EXAMPLES)
    assert np.isfinite(history.history["val_loss"][-1])
    results = answerer.evaluate(EXAMPLES, batch_size=4, verbose=0, return_dict=True)
    assert 0 <= results["start_logits_accuracy"] <= 1
    # The loss is the mean of the start and end position cross-entropies over all windows.
    features = answerer.features(EXAMPLES, labelled=True)
    logits = harness.numpy_tree(answerer(features.inputs))

    def cross_entropy(values, positions):
        values = values - values.max(axis=1, keepdims=True)
        log_probabilities = values - np.log(np.exp(values).sum(axis=1, keepdims=True))
        return -log_probabilities[np.arange(len(positions)), positions].mean()

    expected = 0.5 * sum(cross_entropy(logits[k], features.labels[k]) for k in ("start_logits", "end_logits"))
    assert results["loss"] == pytest.approx(expected, rel=1e-4)


def test_learns_to_answer(tokenizer):
    """A random tiny model memorises three questions: labels, decoding and scoring agree."""
    from keras_bert_zoo.tasks.task import fine_tuning_optimizer

    preprocessor = BertSpanPreprocessor(tokenizer, sequence_length=24)
    answerer = BertQuestionAnswerer(BertBackbone(**CONFIG, dropout=0.0), preprocessor=preprocessor)
    answerable = [example("s1", "what swam in the sea?", "the whale", SHORT),
                  example("s2", "where did they sing?", "at home", SHORT),
                  example("s3", "who sang?", "the men", SHORT)]
    # 5e-5 suits pretrained weights; a random tiny model needs a larger step.
    answerer.compile(optimizer=fine_tuning_optimizer(1e-2))
    history = answerer.fit(answerable + [example("s4", "what did the king say?", None, SHORT)], epochs=25,
                           batch_size=4, verbose=0)
    assert history.history["loss"][-1] < 0.5 * history.history["loss"][0]
    assert [a["text"] for a in answerer.predict_answers(answerable)] == ["the whale", "at home", "the men"]
    assert answerer.score(answerable) == {"exact_match": 100.0, "f1": 100.0, "total": 3}


def test_score_with_no_answer_questions_reports_both_groups(answerer):
    result = answerer.score(EXAMPLES)
    assert (result["total"], result["HasAns_total"], result["NoAns_total"]) == (4, 3, 1)
    assert all(0 <= result[key] <= 100 for key in ("exact_match", "f1", "HasAns_f1", "NoAns_f1"))
    always_abstains = answerer.score(EXAMPLES, null_score_threshold=float("-inf"))
    assert (always_abstains["HasAns_exact_match"], always_abstains["NoAns_exact_match"]) == (0.0, 100.0)


def test_predict_answers_forms(answerer):
    single = answerer.predict_answers("what swam?", CONTEXT, n_best=3)
    assert set(single) == {"id", "text", "start", "end", "score", "null_score", "n_best"}
    assert single["text"] == CONTEXT[single["start"]:single["end"]] and len(single["n_best"]) == 3
    batch = answerer.predict_answers(["what swam?", "who sang?"], [CONTEXT, "the men sang."])
    assert [a["id"] for a in batch] == ["0", "1"]
    dicts = answerer.predict_answers([{"id": "x", "question": "who?", "context": CONTEXT}])
    assert dicts[0]["id"] == "x"


def test_predict_gives_window_logits_for_unlabelled_examples(answerer):
    unlabelled = [{"id": "u", "question": "what swam?", "context": CONTEXT}]
    logits = answerer.predict(unlabelled, verbose=0)
    windows = len(answerer.features(unlabelled).example_index)
    assert windows > 1 and logits["start_logits"].shape == (windows, 24)


def test_config_round_trip(answerer):
    harness.check_config_round_trip(answerer)
    clone = BertQuestionAnswerer.from_config(answerer.get_config())
    assert clone.preprocessor.get_config() == answerer.preprocessor.get_config()


def test_keras_file_round_trip(answerer, tmp_path):
    harness.check_keras_file_round_trip(answerer, harness.backbone_inputs(CONFIG["vocabulary_size"]), tmp_path)
    restored = keras.saving.load_model(tmp_path / "model.keras")
    assert restored.preprocessor.get_config() == answerer.preprocessor.get_config()


def test_preset_round_trip(answerer, tmp_path):
    kernel = answerer.head.dense.kernel  # a non-zero bias too: the head's weights must travel
    answerer.head.dense.bias.assign(np.random.default_rng(0).normal(size=2).astype("float32"))
    kernel.assign(np.random.default_rng(1).normal(size=kernel.shape).astype("float32"))
    restored = harness.check_preset_round_trip(answerer, harness.backbone_inputs(CONFIG["vocabulary_size"]), tmp_path)
    assert isinstance(restored.preprocessor, BertSpanPreprocessor)
    assert restored.preprocessor.get_config() == answerer.preprocessor.get_config()
    assert restored.predict_answers(EXAMPLES) == answerer.predict_answers(EXAMPLES)


def test_errors(answerer, tokenizer):
    shifted = SquadExample("bad-1", "what swam?", CONTEXT, [{"text": "the whale", "answer_start": 1}])
    with pytest.raises(ValueError, match="'bad-1'.*differs from the context"):
        answerer.fit([shifted], verbose=0)
    with pytest.raises(ValueError, match="y and sample_weight must be None"):
        answerer.fit(EXAMPLES, np.zeros(4))
    with pytest.raises(ValueError, match="not on plain strings"):
        answerer.fit(["what swam?"], np.zeros(1))
    with pytest.raises(ValueError, match="2 questions but 1 contexts"):
        answerer.predict_answers(["a?", "b?"], [CONTEXT])
    with pytest.raises(ValueError, match="one question with one context"):
        answerer.predict_answers("a?", [CONTEXT])
    with pytest.raises(ValueError, match="batch_size"):
        answerer.predict_answers("a?", CONTEXT, batch_size=0)
    with pytest.raises(ValueError, match="ids must be unique"):
        answerer.score(EXAMPLES + EXAMPLES[:1])
    bare = BertQuestionAnswerer(BertBackbone(**CONFIG))
    with pytest.raises(ValueError, match="needs a preprocessor"):
        bare.predict_answers("a?", CONTEXT)
