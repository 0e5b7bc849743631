import json
import shutil

import keras
import numpy as np
import pytest

import harness
from conftest import _save_hf_randomised
from keras_bert_zoo import BertBackbone, BertPreprocessor, BertTokenizer
from keras_bert_zoo.data.multiple_choice import read_multiple_choice
from keras_bert_zoo.tasks.multiple_choice import BertMultipleChoice
from keras_bert_zoo.text.choice_preprocessor import MultipleChoicePreprocessor

CONFIG = harness.TINY_BERT
# Words of the tiny vocabulary (harness.small_vocabulary), so that every choice tokenizes differently.
CONTEXTS = ["he went back to the school", "she said that it was new"]
CHOICES = [["and made some time", "then down to the world", "over the city"],
           ["and he was there", "but it was not", "they were two"]]
LABELS = np.array([0, 1])


def choice_inputs(vocabulary_size, batch=2, num_choices=3, length=10):
    """Backbone inputs with a choice axis: (batch, num_choices, length), ragged padding."""
    flat = harness.backbone_inputs(vocabulary_size, batch=batch * num_choices, length=length)
    return {key: value.reshape(batch, num_choices, length) for key, value in flat.items()}


@pytest.fixture(scope="module")
def tokenizer():
    return BertTokenizer(harness.small_vocabulary(CONFIG["vocabulary_size"]))


@pytest.fixture
def model(tokenizer):
    preprocessor = MultipleChoicePreprocessor(tokenizer, sequence_length=12)
    return BertMultipleChoice(BertBackbone(**CONFIG), preprocessor=preprocessor)


@pytest.fixture(scope="module")
def hf_multiple_choice(tmp_path_factory):
    return _save_hf_randomised("BertForMultipleChoice", tmp_path_factory)


def test_scores_shape_dtype_and_variable_number_of_choices(model):
    for num_choices in (3, 2, 5):
        scores = harness.numpy_tree(model(choice_inputs(CONFIG["vocabulary_size"], num_choices=num_choices)))
        assert scores.shape == (2, num_choices) and scores.dtype == np.float32


def test_mixed_precision_scores_are_float32():
    model = BertMultipleChoice(BertBackbone(**CONFIG, dtype="mixed_bfloat16"))
    scores = harness.numpy_tree(model(choice_inputs(CONFIG["vocabulary_size"])))
    assert scores.dtype == np.float32 and np.all(np.isfinite(scores))


def test_matches_transformers(hf_multiple_choice):
    torch = pytest.importorskip("torch")
    directory, reference = hf_multiple_choice
    model = BertMultipleChoice.from_preset(directory)
    inputs = choice_inputs(99, batch=2, num_choices=4, length=12)
    with torch.no_grad():
        expected = reference(
            input_ids=torch.tensor(inputs["token_ids"], dtype=torch.long),
            token_type_ids=torch.tensor(inputs["segment_ids"], dtype=torch.long),
            attention_mask=torch.tensor(inputs["padding_mask"], dtype=torch.long),
        ).logits.numpy()
    assert expected.shape == (2, 4)
    assert harness.max_abs_diff(harness.numpy_tree(model(inputs)), expected) <= 1e-5


def test_preprocessor_pairs_each_choice_with_its_context(tokenizer):
    choice_pre = MultipleChoicePreprocessor(tokenizer, sequence_length=12)
    pair_pre = BertPreprocessor(tokenizer, sequence_length=12)
    out = harness.numpy_tree(choice_pre((CONTEXTS, CHOICES)))
    flat = harness.numpy_tree(pair_pre(([c for c in CONTEXTS for _ in range(3)], sum(CHOICES, []))))
    for key, value in out.items():
        assert value.shape == (2, 3, 12)
        np.testing.assert_array_equal(value.reshape(6, 12), flat[key])
    single = harness.numpy_tree(choice_pre((CONTEXTS[1], CHOICES[1])))
    np.testing.assert_array_equal(single["token_ids"], out["token_ids"][1])
    with pytest.raises(ValueError, match="same number of choices"):
        choice_pre((CONTEXTS, [CHOICES[0], CHOICES[1][:2]]))


def test_fit_predict_score_on_raw_choices(model):
    watched = (model.head.dense.kernel, model.backbone.embeddings.token_embedding.embeddings)
    before = [keras.ops.convert_to_numpy(w) for w in watched]
    harness.check_fit_one_step(model, (CONTEXTS, CHOICES), LABELS, batch_size=2,
                               validation_data=((CONTEXTS, CHOICES), LABELS))
    # Gradients reach the head and the encoder through the choice reshapes.
    assert all(not np.array_equal(b, keras.ops.convert_to_numpy(w)) for b, w in zip(before, watched))
    assert model.predict((CONTEXTS, CHOICES), verbose=0).shape == (2, 3)
    two_choices = [row[:2] for row in CHOICES]
    assert model.predict((CONTEXTS, two_choices), verbose=0).shape == (2, 2)
    result = model.score((CONTEXTS, CHOICES), LABELS)
    assert set(result) == {"accuracy"} and result["accuracy"] in (0.0, 0.5, 1.0)
    loss, accuracy = model.evaluate((CONTEXTS, CHOICES), LABELS, verbose=0)
    assert np.isfinite(loss) and accuracy == result["accuracy"]


def test_bad_inputs_are_reported(model):
    with pytest.raises(ValueError, match=r"out of range.*\[0, 2\]"):
        model.fit((CONTEXTS, CHOICES), [0, 3])
    with pytest.raises(ValueError, match="out of range"):
        model.score((CONTEXTS, CHOICES), [-1, 0])
    with pytest.raises(ValueError, match="out of range"):
        model.fit(choice_inputs(CONFIG["vocabulary_size"], num_choices=2), [0, 2])
    with pytest.raises(ValueError, match="integer choice indices"):
        model.fit((CONTEXTS, CHOICES), [0.0, 1.0])
    with pytest.raises(ValueError, match=r"same number of choices, got \[2, 3\]"):
        model.predict((CONTEXTS, [CHOICES[0], CHOICES[1][:2]]))
    with pytest.raises(ValueError, match="2 contexts but 1 lists"):
        model.predict((CONTEXTS, CHOICES[:1]))
    with pytest.raises(ValueError, match="non-empty list of str"):
        model.predict((CONTEXTS, ["a choice", "another"]))  # a sentence pair, not choices
    with pytest.raises(ValueError, match="not plain strings"):
        model.predict(CONTEXTS)
    without_preprocessor = BertMultipleChoice(model.backbone)
    with pytest.raises(ValueError, match="needs a preprocessor"):
        without_preprocessor.predict((CONTEXTS, CHOICES))


def test_config_round_trip(model):
    harness.check_config_round_trip(model)
    clone = BertMultipleChoice.from_config(model.get_config())
    assert isinstance(clone.preprocessor, MultipleChoicePreprocessor)
    assert clone.preprocessor.sequence_length == 12 and clone.dropout == 0.1


def test_keras_file_round_trip(model, tmp_path):
    harness.check_keras_file_round_trip(model, choice_inputs(CONFIG["vocabulary_size"]), tmp_path)


def test_preset_round_trip_keeps_head_and_preprocessor(model, tmp_path):
    restored = harness.check_preset_round_trip(model, choice_inputs(CONFIG["vocabulary_size"]), tmp_path)
    assert isinstance(restored.preprocessor, MultipleChoicePreprocessor)
    assert restored.preprocessor.sequence_length == 12
    features = restored.preprocessor((CONTEXTS, CHOICES))
    np.testing.assert_array_equal(features["token_ids"], model.preprocessor((CONTEXTS, CHOICES))["token_ids"])


def test_hf_checkpoint_with_vocabulary_takes_raw_choices(hf_multiple_choice, tmp_path):
    directory, _ = hf_multiple_choice
    checkpoint = tmp_path / "checkpoint"
    shutil.copytree(directory, checkpoint)
    (checkpoint / "vocab.txt").write_text("\n".join(harness.small_vocabulary(99)) + "\n")
    model = BertMultipleChoice.from_preset(checkpoint, sequence_length=16)
    assert isinstance(model.preprocessor, MultipleChoicePreprocessor)
    features = model.preprocessor((CONTEXTS, CHOICES))
    assert harness.numpy_tree(model(harness.numpy_tree(features))).shape == (2, 3)


def write_lines(path, records):
    path.write_text("\n".join(r if isinstance(r, str) else json.dumps(r) for r in records) + "\n")
    return path


def test_reader(tmp_path):
    path = write_lines(tmp_path / "mc.jsonl", [
        {"context": CONTEXTS[0], "choices": CHOICES[0], "label": 0},
        "",
        {"question": CONTEXTS[1], "choices": CHOICES[1], "label": 1, "id": "q2"},
    ])
    (contexts, choices), labels = read_multiple_choice(path)
    assert contexts == CONTEXTS and choices == CHOICES
    np.testing.assert_array_equal(labels, LABELS)
    unlabelled = write_lines(tmp_path / "test.jsonl", [{"context": "c", "choices": ["a", "b"]}])
    assert read_multiple_choice(unlabelled) == ((["c"], [["a", "b"]]), None)


@pytest.mark.parametrize("record, message", [
    ({"context": "c", "choices": ["a", "b"], "label": 2}, r"mc\.jsonl:1: 'label'.*\[0, 1\], got 2"),
    ({"context": "c", "choices": ["a", "b"], "label": True}, "'label'"),
    ({"context": "c", "choices": [], "label": 0}, "'choices' must be a non-empty list"),
    ({"choices": ["a"], "label": 0}, r"'context' \(or 'question'\)"),
    ("{not json", "not valid JSON"),
])
def test_reader_errors_name_the_line(tmp_path, record, message):
    with pytest.raises(ValueError, match=message):
        read_multiple_choice(write_lines(tmp_path / "mc.jsonl", [record]))


def test_reader_refuses_partly_labelled_files(tmp_path):
    path = write_lines(tmp_path / "mc.jsonl", [{"context": "c", "choices": ["a"], "label": 0},
                                               {"context": "d", "choices": ["b"]}])
    with pytest.raises(ValueError, match="example 2 has no 'label'"):
        read_multiple_choice(path)
