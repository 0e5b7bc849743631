"""Entity-level scores: spans decoded and counted by hand, conlleval's conventions."""

import pytest

from keras_bert_zoo.metrics.entities import entity_scores, entity_spans, infer_scheme


@pytest.mark.parametrize("tags, expected", [
    (["O", "O"], []),
    (["B-PER", "I-PER", "O", "B-LOC"], [("PER", 0, 2), ("LOC", 3, 4)]),
    # Touching entities of one type are split by B-.
    (["B-PER", "B-PER", "I-PER"], [("PER", 0, 1), ("PER", 1, 3)]),
    # I- after O, or after another type, opens a new entity (conlleval).
    (["O", "I-PER", "I-PER"], [("PER", 1, 3)]),
    (["B-PER", "I-LOC", "I-LOC"], [("PER", 0, 1), ("LOC", 1, 3)]),
    (["I-ORG"], [("ORG", 0, 1)]),
    # An entity running to the last token ends there; types may contain hyphens.
    (["O", "B-geo-loc", "I-geo-loc"], [("geo-loc", 1, 3)]),
])
def test_iob2_spans(tags, expected):
    assert entity_spans(tags) == expected
    assert entity_spans(tags, "BIO") == expected


def test_iob1_decodes_like_conlleval():
    # IOB1: I- opens entities; B- only separates two touching ones of one type.
    assert entity_spans(["I-PER", "I-PER", "B-PER", "O", "I-LOC"], "IOB1") == [
        ("PER", 0, 2), ("PER", 2, 3), ("LOC", 4, 5)]


@pytest.mark.parametrize("tags, expected", [
    (["S-PER", "S-PER"], [("PER", 0, 1), ("PER", 1, 2)]),
    (["B-PER", "I-PER", "E-PER", "S-LOC"], [("PER", 0, 3), ("LOC", 3, 4)]),
    (["B-PER", "E-PER", "E-PER"], [("PER", 0, 2), ("PER", 2, 3)]),  # E- after E- opens a new one
    (["O", "E-PER", "B-ORG", "I-ORG"], [("PER", 1, 2), ("ORG", 2, 4)]),  # cut at the end: ends there
    (["B-PER", "S-PER", "I-PER"], [("PER", 0, 1), ("PER", 1, 2), ("PER", 2, 3)]),
])
def test_iobes_spans(tags, expected):
    assert entity_spans(tags, "IOBES") == expected


def test_scores_by_hand():
    gold = [["B-PER", "I-PER", "O", "B-LOC"], ["B-ORG", "O", "B-PER"], ["O", "O"]]
    guess = [["B-PER", "I-PER", "O", "B-ORG"], ["B-ORG", "O", "O"], ["B-LOC", "O"]]
    # gold: PER(0,2) LOC(3,4) | ORG(0,1) PER(2,3)  -> 4 entities
    # guess: PER(0,2) ORG(3,4) | ORG(0,1) | LOC(0,1) -> 4 entities, correct: PER(0,2), ORG(0,1)
    scores = entity_scores(gold, guess)
    assert (scores["true_entities"], scores["predicted_entities"], scores["correct_entities"]) == (4, 4, 2)
    assert scores["precision"] == pytest.approx(0.5) and scores["recall"] == pytest.approx(0.5)
    assert scores["f1"] == pytest.approx(0.5)
    assert scores["accuracy"] == pytest.approx(6 / 9)
    per_type = scores["per_type"]
    assert per_type["PER"] == pytest.approx({"precision": 1.0, "recall": 0.5, "f1": 2 / 3,
                                             "support": 2, "predicted": 1})
    assert per_type["ORG"] == pytest.approx({"precision": 0.5, "recall": 1.0, "f1": 2 / 3,
                                             "support": 1, "predicted": 2})
    assert per_type["LOC"] == pytest.approx({"precision": 0.0, "recall": 0.0, "f1": 0.0,
                                             "support": 1, "predicted": 1})


def test_partial_overlap_and_wrong_type_are_wrong():
    scores = entity_scores([["B-PER", "I-PER", "I-PER"]], [["B-PER", "I-PER", "O"]])
    assert scores["correct_entities"] == 0 and scores["f1"] == 0.0
    scores = entity_scores([["B-PER", "I-PER"]], [["B-LOC", "I-LOC"]])
    assert scores["correct_entities"] == 0 and scores["accuracy"] == 0.0


def test_empty_predictions_and_no_gold_entities_divide_safely():
    none_predicted = entity_scores([["B-PER", "O"]], [["O", "O"]])
    assert none_predicted["precision"] == 0.0 and none_predicted["recall"] == 0.0
    assert none_predicted["f1"] == 0.0 and none_predicted["accuracy"] == 0.5
    no_gold = entity_scores([["O", "O"]], [["B-PER", "O"]])
    assert (no_gold["precision"], no_gold["recall"], no_gold["f1"]) == (0.0, 0.0, 0.0)
    nothing = entity_scores([["O"]], [["O"]])
    assert nothing["f1"] == 0.0 and nothing["accuracy"] == 1.0 and nothing["per_type"] == {}


def test_perfect_prediction_and_single_sentence_input():
    tags = ["B-PER", "I-PER", "O", "I-LOC"]
    scores = entity_scores(tags, tags)
    assert scores["f1"] == 1.0 and scores["true_entities"] == 2


def test_entities_do_not_cross_sentences():
    # One sentence ending in I-PER and the next opening with I-PER are two entities.
    scores = entity_scores([["B-PER", "I-PER"], ["I-PER"]], [["B-PER", "I-PER", ], ["I-PER"]])
    assert scores["true_entities"] == 2 and scores["correct_entities"] == 2


def test_iobes_scores_and_scheme_inference():
    gold = [["S-PER", "O", "B-LOC", "E-LOC"]]
    guess = [["S-PER", "O", "B-LOC", "I-LOC"]]  # LOC(2,4) both ways: I- continues, ends at the end
    assert infer_scheme(gold[0]) == "IOBES" and infer_scheme(["B-X", "I-X"]) == "IOB2"
    assert entity_scores(gold, guess)["f1"] == 1.0
    assert entity_scores(gold, guess, scheme="IOBES")["f1"] == 1.0


@pytest.mark.parametrize("call, message", [
    (lambda: entity_spans(["B-PER", "S-PER"]), r"'S-PER' is not valid in the IOB2 scheme"),
    (lambda: entity_spans(["PER"]), r"'PER' is not valid"),
    (lambda: entity_spans(["B-"]), r"'B-' is not valid"),
    (lambda: entity_spans(["O"], scheme="BILOU"), "Unknown tagging scheme 'BILOU'"),
    (lambda: entity_scores([["O"]], [["O"], ["O"]]), "1 gold sentences but 2 predicted"),
    (lambda: entity_scores([["O", "O"]], [["O"]]), "Sentence 0: 2 gold tags but 1 predicted"),
    (lambda: entity_scores([["O"], "O"], [["O"], ["O"]]), "list of tag lists"),
])
def test_bad_input_is_refused(call, message):
    with pytest.raises(ValueError, match=message):
        call()
