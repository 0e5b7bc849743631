import numpy as np
import pytest

import harness
from keras_bert_zoo import BertBackbone, BertTokenizer
from keras_bert_zoo.tasks.token_classifier import BertTokenClassifier
from keras_bert_zoo.text.word_preprocessor import BertTokenClassifierPreprocessor

CONFIG = harness.TINY_BERT
LABELS = ["O", "B-PER", "I-PER", "B-LOC", "I-LOC"]
# "melville" is two pieces (mel ##ville), "ishmael" two (ish ##mael), "moby-dick" three (moby - dick).
WORDS = [["herman", "melville", "wrote", "moby-dick"], ["call", "me", "ishmael", "."],
         ["the", "ship", "left", "nantucket"], ["ishmael", "was", "at", "sea", "in", "the", "south"]]
TAGS = [["B-PER", "I-PER", "O", "O"], ["O", "O", "B-PER", "O"],
        ["O", "O", "O", "B-LOC"], ["B-PER", "O", "O", "O", "O", "B-LOC", "I-LOC"]]


@pytest.fixture(scope="module")
def tokenizer():
    extra = ["herman", "mel", "##ville", "wrote", "moby", "-", "dick", "ish", "##mael", "call", "nantucket",
             "ship", "left", "sea", "south"]
    base = harness.small_vocabulary(CONFIG["vocabulary_size"] - len(extra))
    return BertTokenizer(base + [token for token in extra if token not in base])


def new_tagger(tokenizer, sequence_length=16, **kwargs):
    preprocessor = BertTokenClassifierPreprocessor(tokenizer, sequence_length=sequence_length)
    return BertTokenClassifier(BertBackbone(**CONFIG), preprocessor=preprocessor, **{"labels": LABELS, **kwargs})


@pytest.fixture(scope="module")
def tagger(tokenizer):
    """Shared by the tests that only need some weights: its compiled functions are reused."""
    return new_tagger(tokenizer)


def test_logits_shape_and_dtype(tagger):
    logits = harness.numpy_tree(tagger(harness.backbone_inputs(CONFIG["vocabulary_size"], length=10)))
    assert logits.shape == (3, 10, 5) and logits.dtype == np.float32


def test_first_piece_of_each_word_is_labelled(tagger):
    tokenizer = tagger.preprocessor.tokenizer
    features, label_ids, weights = harness.numpy_tree(tagger.preprocessor(WORDS[:1], [[1, 2, 0, 3]]))
    pieces = [tokenizer.id_to_token(i) for i in features["token_ids"][0][:9]]
    assert pieces == ["[CLS]", "herman", "mel", "##ville", "wrote", "moby", "-", "dick", "[SEP]"]
    np.testing.assert_array_equal(weights[0], [0, 1, 1, 0, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0])
    np.testing.assert_array_equal(label_ids[0][:6], [0, 1, 2, 0, 0, 3])
    assert features["padding_mask"][0].sum() == 9 and not features["segment_ids"].any()
    _, positions = tagger.preprocessor.encode(WORDS[:2])
    assert positions.to_list() == [[1, 2, 4, 5], [1, 2, 3, 5]]


def test_words_cut_by_the_sequence_length(tokenizer):
    pre = BertTokenClassifierPreprocessor(tokenizer, sequence_length=6)  # room for 4 pieces
    features, positions = pre.encode(WORDS[:1])
    assert positions.to_list() == [[1, 2, 4, -1]]  # moby-dick starts at piece 5: cut
    _, label_ids, weights = harness.numpy_tree(pre(WORDS[:1], [[1, 2, 0, 3]]))
    np.testing.assert_array_equal(weights[0], [0, 1, 1, 0, 1, 0])
    assert features["padding_mask"].numpy().all()


def test_preprocessor_in_tf_data_and_single_sentences(tagger):
    import tensorflow as tf

    pre = tagger.preprocessor
    words = tf.ragged.constant(WORDS)
    ids = tf.ragged.constant([[LABELS.index(t) for t in s] for s in TAGS])
    batched = next(iter(tf.data.Dataset.from_tensor_slices((words, ids)).ragged_batch(4).map(pre)))
    single = next(iter(tf.data.Dataset.from_tensor_slices((words, ids)).map(pre).batch(4)))
    eager = pre(WORDS, [[LABELS.index(t) for t in s] for s in TAGS])
    for a, b, c in zip(*(harness.numpy_tree(tf.nest.flatten(x)) for x in (batched, single, eager))):
        np.testing.assert_array_equal(a, b)
        np.testing.assert_array_equal(a, c)


def test_fit_on_words_with_tag_ids_and_validation_tag_names(tagger):
    ids = [[LABELS.index(t) for t in s] for s in TAGS]
    history = harness.check_fit_one_step(tagger, WORDS, ids, batch_size=2, validation_data=(WORDS, TAGS))
    assert np.isfinite(history.history["val_loss"][-1]) and 0 <= history.history["val_accuracy"][-1] <= 1


def test_fit_streams_a_dataset_of_string_tags(tagger):
    import tensorflow as tf

    def sentences():
        yield from zip(WORDS, TAGS)

    spec = tf.TensorSpec([None], tf.string)
    dataset = tf.data.Dataset.from_generator(sentences, output_signature=(spec, spec))
    harness.check_fit_one_step(tagger, dataset, None, batch_size=2)
    assert tagger.score(dataset) == tagger.score(WORDS, TAGS)
    bad = tf.data.Dataset.from_generator(lambda: iter([(["a"], ["B-ORG"])]), output_signature=(spec, spec))
    # Checked while streaming (reading the pipeline, not inside fit: an error raised midway
    # through a JAX fit leaves the model's variables detached).
    with pytest.raises(tf.errors.InvalidArgumentError, match="unknown tag"):
        list(tagger._adapt(bad))


def test_predict_gives_one_tag_per_word(tagger):
    predicted = tagger.predict(WORDS)
    assert [len(p) for p in predicted] == [len(w) for w in WORDS]
    assert all(tag in LABELS for sentence in predicted for tag in sentence)
    # The tags are the argmax of the logits at each word's first piece.
    logits = tagger.predict_logits(WORDS, verbose=0)
    _, positions = tagger.preprocessor.encode(WORDS)
    for row, sentence in enumerate(positions.to_list()):
        assert predicted[row] == [LABELS[np.argmax(logits[row, p])] for p in sentence]
    # Raw text is split on whitespace.
    assert tagger.predict("herman melville  wrote moby-dick") == predicted[:1]


def test_words_beyond_the_sequence_get_the_outside_tag(tokenizer):
    tagger = new_tagger(tokenizer, sequence_length=4, labels=["B-PER", "O"])
    assert tagger.outside_label == 1
    assert tagger.predict(WORDS[:1])[0][2:] == ["O", "O"]  # herman, mel fill the two places
    assert new_tagger(tokenizer, labels=None, num_classes=3).outside_label == 0


def test_memorises_a_toy_set_and_scores_it(tokenizer):
    from keras_bert_zoo.tasks.task import fine_tuning_optimizer

    tagger = new_tagger(tokenizer)
    # 5e-5 suits pretrained weights; a random tiny model needs a larger step. The words are
    # preprocessed once (a dict of arrays passes through fit) and repeated: 25 steps in one
    # epoch keep the test fast.
    tagger.compile(optimizer=fine_tuning_optimizer(1e-2))
    features, label_ids, weights = harness.numpy_tree(
        tagger.preprocessor(WORDS * 25, [[LABELS.index(t) for t in s] for s in TAGS] * 25))
    def loss():
        return tagger.evaluate(features, label_ids, sample_weight=weights, batch_size=100, verbose=0)[0]

    initial_loss = loss()
    tagger.fit(features, label_ids, sample_weight=weights, batch_size=4, verbose=0)
    assert loss() < 0.2 < initial_loss
    assert tagger.predict(WORDS) == TAGS
    scores = tagger.score(WORDS, TAGS)
    assert scores["f1"] == 1.0 and scores["accuracy"] == 1.0 and scores["true_entities"] == 5
    assert tagger.predict_entities("call me ishmael") == [{"type": "PER", "start": 8, "end": 15, "text": "ishmael"}]


@pytest.mark.parametrize("words, tags, message", [
    ([], None, "non-empty list of sentences"),
    ([["a"], []], None, "Sentence 1 has no words"),
    ([["a", 3]], None, "Sentence 0: words must be str"),
    (WORDS, TAGS[:3], "4 sentences but 3 tag lists"),
    (WORDS, [TAGS[0], TAGS[1][:3], *TAGS[2:]], "Sentence 1: 4 words but 3 tags"),
    (WORDS[:1], [["B-PER", "I-PER", "O", "B-ORG"]], r"unknown tag 'B-ORG'; the task's labels are \['O'"),
    (WORDS[:1], [[0, 1, 5, 0]], r"label id 5 is out of range \[0, 5\)"),
    (WORDS[:1], [[0, 1, -1, 0]], "label id -1 is out of range"),
    (WORDS[:1], [[0, 1, 1.5, 0]], "a tag must be a str or an int"),
])
def test_bad_words_and_tags_are_refused_before_the_backend(tagger, words, tags, message):
    with pytest.raises(ValueError, match=message):
        tagger.fit(words, tags) if tags is not None else tagger.predict(words)
    if tags is not None:
        with pytest.raises(ValueError, match=message):
            tagger.score(words, tags)


def test_tag_names_need_labels(tokenizer):
    tagger = new_tagger(tokenizer, labels=None, num_classes=5)
    with pytest.raises(ValueError, match="no label names"):
        tagger.fit(WORDS, TAGS)
    with pytest.raises(ValueError, match="needs tag names"):
        tagger.score(WORDS, TAGS)


@pytest.mark.parametrize("kwargs, message", [
    (dict(), "num_classes must be an integer >= 1"),
    (dict(num_classes=0), "num_classes must be an integer >= 1"),
    (dict(num_classes=3, labels=["O", "B-X"]), "num_classes=3 but 2 labels"),
    (dict(labels=["O", "O"]), "labels must be distinct"),
    (dict(labels="O B-X"), "non-empty list of"),
])
def test_constructor_arguments_are_checked(kwargs, message):
    with pytest.raises(ValueError, match=message):
        BertTokenClassifier(BertBackbone(**CONFIG), **kwargs)


def test_config_keras_file_and_preset_round_trips(tagger, tmp_path):
    harness.check_config_round_trip(tagger)
    inputs = harness.backbone_inputs(CONFIG["vocabulary_size"], length=12)
    harness.check_keras_file_round_trip(tagger, inputs, tmp_path)
    restored = harness.check_preset_round_trip(tagger, inputs, tmp_path)
    assert restored.labels == LABELS and restored.num_classes == 5
    assert isinstance(restored.preprocessor, BertTokenClassifierPreprocessor)
    assert restored.preprocessor.sequence_length == 16
    for a, b in zip(*(tf_nest_flatten(t.preprocessor(WORDS)) for t in (restored, tagger))):
        np.testing.assert_array_equal(a, b)


def tf_nest_flatten(features):
    return [np.asarray(features[key]) for key in sorted(features)]


@pytest.fixture(scope="module")
def hf_token_classifier(tmp_path_factory):
    from conftest import _save_hf

    directory = tmp_path_factory.mktemp("hf_token_classifier")
    id2label = dict(enumerate(LABELS))
    model = _save_hf("BertForTokenClassification", directory, num_labels=5, id2label=id2label,
                     label2id={name: i for i, name in id2label.items()})
    import torch

    with torch.no_grad():  # a fresh head has zero biases, which would hide a mapping error
        for parameter in model.parameters():
            parameter.add_(0.1 * torch.randn_like(parameter))
    model.save_pretrained(directory)
    return directory, model


def test_matches_transformers(hf_token_classifier):
    import torch

    directory, reference = hf_token_classifier
    tagger = BertTokenClassifier.from_preset(directory)
    assert tagger.labels == LABELS and tagger.num_classes == 5
    inputs = harness.backbone_inputs(99, batch=3, length=12)
    with torch.no_grad():
        expected = reference(input_ids=torch.tensor(inputs["token_ids"], dtype=torch.long),
                             token_type_ids=torch.tensor(inputs["segment_ids"], dtype=torch.long),
                             attention_mask=torch.tensor(inputs["padding_mask"], dtype=torch.long)).logits
    assert harness.max_abs_diff(harness.numpy_tree(tagger(inputs)), expected.numpy()) <= 1e-5
