"""Every task refuses empty, missing and malformed inputs with an error saying what it takes and
what it got, before Keras sees them; and refuses a preprocessor longer than the backbone's positions."""

import numpy as np
import pytest

import harness
from keras_bert_zoo import (BertBackbone, BertClassifier, BertMaskedLM, BertMultipleChoice, BertPreprocessor,
                            BertQuestionAnswerer, BertTextEmbedder, BertTokenClassifier, BertTokenizer)

CONFIG = {**harness.TINY_BERT, "vocabulary_size": 200}
# (bad input, a word the error must contain to say what it got)
BAD_INPUTS = [([], "empty"), (None, "None"), ([1, 2], "int"), ([b"x"], "bytes"), (["a", None], "None"),
              ({"token_ids": np.zeros((2, 4), "int32")}, "dict")]
TASKS = {
    "classifier": lambda backbone, **kwargs: BertClassifier(backbone, num_classes=2, **kwargs),
    "token_classifier": lambda backbone, **kwargs: BertTokenClassifier(backbone, labels=["O", "B-X"], **kwargs),
    "question_answerer": BertQuestionAnswerer,
    "multiple_choice": BertMultipleChoice,
    "text_embedder": BertTextEmbedder,
    "masked_lm": BertMaskedLM,
}
CALLS = {
    "fit": lambda task, x, y: task.fit(x, y, verbose=0),
    "evaluate": lambda task, x, y: task.evaluate(x, y, verbose=0),
    "predict": lambda task, x, y: task.predict(x),
}


@pytest.fixture(scope="module")
def tokenizer():
    return BertTokenizer(harness.small_vocabulary(CONFIG["vocabulary_size"]))


@pytest.fixture(scope="module")
def tasks(tokenizer):
    built = {}
    for name, build in TASKS.items():
        task = build(BertBackbone(**CONFIG))
        task.preprocessor = task.preprocessor_class()(tokenizer, sequence_length=16)
        built[name] = task
    return built


@pytest.mark.parametrize("bad, got", BAD_INPUTS, ids=lambda value: repr(value)[:20])
@pytest.mark.parametrize("method", sorted(CALLS))
@pytest.mark.parametrize("name", sorted(TASKS))
def test_bad_inputs_are_refused_saying_what_was_given(tasks, name, method, bad, got):
    task, labels = tasks[name], [0, 1]
    if name == "question_answerer":  # examples carry their answers; any list is one of examples
        labels = None
        got = "Example 0 must be a SquadExample or a dict" if isinstance(bad, list) and bad else got
    with pytest.raises(ValueError, match=got) as error:
        CALLS[method](task, bad, labels)
    assert "takes" in str(error.value) or "must be" in str(error.value)


@pytest.mark.parametrize("name", ["classifier", "multiple_choice", "token_classifier", "question_answerer"])
def test_score_refuses_empty_inputs(tasks, name):
    task = tasks[name]
    with pytest.raises(ValueError, match="empty|non-empty"):
        if name == "question_answerer":
            task.score([])
        elif name == "multiple_choice":
            task.score(([], []), [])
        else:
            task.score([], [])


def test_text_without_a_preprocessor_says_how_to_attach_one(tokenizer):
    classifier = BertClassifier(BertBackbone(**CONFIG), num_classes=2)
    with pytest.raises(ValueError, match="has none. Attach one.*BertPreprocessor"):
        classifier.predict(["a text"])
    classifier.preprocessor = BertPreprocessor(tokenizer, sequence_length=8)
    assert classifier.predict(["a text"], verbose=0).shape == (1, 2)


@pytest.mark.parametrize("name", sorted(TASKS))
def test_a_preprocessor_longer_than_the_positions_is_refused(tokenizer, name):
    task = TASKS[name](BertBackbone(**CONFIG))
    too_long = task.preprocessor_class()(tokenizer, sequence_length=CONFIG["max_sequence_length"] + 1)
    with pytest.raises(ValueError, match="sequence_length=33 is longer than the 32 positions"):
        task.preprocessor = too_long
    with pytest.raises(ValueError, match="sequence_length=33 is longer than the 32 positions"):
        TASKS[name](BertBackbone(**CONFIG), preprocessor=too_long)


def test_from_preset_refuses_a_length_beyond_the_positions(tmp_path):
    BertBackbone.from_preset("bert_tiny", load_weights=False).save_to_preset(tmp_path)
    with pytest.raises(ValueError, match="sequence_length=1000 is longer than the 512 positions"):
        BertClassifier.from_preset(tmp_path, num_classes=2, sequence_length=1000)
    assert BertClassifier.from_preset(tmp_path, num_classes=2).preprocessor.sequence_length == 512
