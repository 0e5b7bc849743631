"""Every task on every family (the family matrix of tests/harness.py): raw text in, a training
step with a finite loss, predictions of the right shape, and a preset that restores them."""

import numpy as np
import pytest

import harness
from keras_bert_zoo import (BertClassifier, BertMaskedLM, BertMultipleChoice, BertQuestionAnswerer,
                            BertTextEmbedder, BertTokenClassifier)
from keras_bert_zoo.data.squad import SquadExample

pytest.importorskip("tensorflow_text")

TEXTS = ["the first good film", "a dull and long one", "the world said no", "good"]
CONTEXT = "the world was good and the film was long"


# The backbone and converter matrices run every family on every backend (numerics); the task
# wiring on a family is the same on every backend, so beyond BERT it is checked once.
@pytest.fixture(params=[pytest.param(family, marks=() if family.name == "bert" else pytest.mark.once)
                        for family in harness.FAMILIES], ids=lambda family: family.name)
def family(request):
    return request.param


@pytest.fixture
def tokenizer(family):
    return family.tokenizer()


def tiny(family):
    """One block: the task tests check the tasks' wiring, which one block shows (the backbone and
    converter tests keep two or more, so that a layer-order mistake shows); XLA compiles less."""
    return family.one_block_backbone()


def with_preprocessor(task, tokenizer, **options):
    task.preprocessor = task.preprocessor_class()(tokenizer, sequence_length=24, **options)
    return task


def test_segment_ids_reach_only_backbones_that_take_them(family, tokenizer):
    classifier = with_preprocessor(BertClassifier(tiny(family), num_classes=2), tokenizer)
    assert sorted(classifier.preprocessor(TEXTS)) == sorted(family.input_names)
    assert classifier.preprocessor.get_config()["segment_ids"] == family.segments


def test_classifier_trains_and_predicts_on_raw_text_pairs(family, tokenizer, tmp_path):
    classifier = with_preprocessor(BertClassifier(tiny(family), num_classes=3), tokenizer)
    pairs = (TEXTS, TEXTS[::-1])
    harness.check_fit_one_step(classifier, pairs, np.array([0, 1, 2, 1]), batch_size=2)
    assert classifier.predict(pairs, verbose=0).shape == (4, 3)
    classifier.save_to_preset(tmp_path / "preset")
    restored = BertClassifier.from_preset(tmp_path / "preset")
    np.testing.assert_allclose(restored.predict(pairs, verbose=0), classifier.predict(pairs, verbose=0), atol=1e-5)


def test_token_classifier_tags_words(family, tokenizer):
    tagger = with_preprocessor(BertTokenClassifier(tiny(family), labels=["O", "B-X", "I-X"]), tokenizer)
    words = [text.split() for text in TEXTS]
    harness.check_fit_one_step(tagger, words, [[index % 3 for index in range(len(w))] for w in words], batch_size=2)
    assert [len(tags) for tags in tagger.predict(words)] == [len(w) for w in words]


def test_question_answerer_finds_spans(family, tokenizer):
    answerer = with_preprocessor(BertQuestionAnswerer(tiny(family)), tokenizer)
    examples = [SquadExample(str(i), question, CONTEXT, [{"text": "good", "answer_start": CONTEXT.index("good")}])
                for i, question in enumerate(["what was the world", "was it good"])]
    harness.check_fit_one_step(answerer, examples, None, batch_size=2)
    answers = answerer.predict_answers(["what was the world"], [CONTEXT])
    assert isinstance(answers[0]["text"], str)


def test_multiple_choice_scores_choices(family, tokenizer):
    chooser = with_preprocessor(BertMultipleChoice(tiny(family)), tokenizer)
    x = (TEXTS[:2], [["good", "dull"], ["no", "yes"]])
    harness.check_fit_one_step(chooser, x, np.array([0, 1]))
    assert chooser.predict(x, verbose=0).shape == (2, 2)


def test_masked_lm_fills_masks(family, tokenizer):
    masked_lm = with_preprocessor(BertMaskedLM(tiny(family)), tokenizer)
    mask = tokenizer.id_to_token(tokenizer.mask_token_id)  # [MASK], <mask>
    candidates = masked_lm.fill_mask(f"the {mask} was good", top_k=3)
    assert len(candidates) == 1 and len(candidates[0]) == 3


def test_embedder_embeds_text(family, tokenizer):
    embedder = with_preprocessor(BertTextEmbedder(tiny(family), normalize=True), tokenizer)
    embeddings = embedder.embed(TEXTS)
    assert embeddings.shape == (4, family.config["hidden_dim"])
    np.testing.assert_allclose(np.linalg.norm(embeddings, axis=-1), 1, atol=1e-5)
