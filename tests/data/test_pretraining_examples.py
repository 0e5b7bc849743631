"""create_instances: BERT's NSP pairs, ALBERT's SOP pairs and single segments from a stream of documents."""

import itertools

import numpy as np
import pytest

pytest.importorskip("tensorflow")
pytest.importorskip("tensorflow_text")

import harness  # noqa: E402
from keras_bert_zoo.data import pretraining_examples  # noqa: E402
from keras_bert_zoo.data.pretraining_examples import create_instances  # noqa: E402
from keras_bert_zoo.text import BertTokenizer  # noqa: E402

# Ten documents of eight sentences, each sentence used once (the dataset tests import them).
DOCUMENTS = [
    ["The old house stood at the end of the road.", "Nobody had lived there for many years.",
     "Its windows were broken and the door was open.", "Children said that strange lights moved inside at night.",
     "One summer a young family bought it for very little money.", "They worked on it every day for a year.",
     "The garden became green again and birds came back.",
     "Now people walk past and say it is the best house in town."],
    ["The team lost the first game of the season.", "Their coach told them to keep playing hard.",
     "In the second game they scored three times.", "The crowd stood up and cheered for the players.",
     "By the end of the year they were in the final.", "The final was played in a large city far away.",
     "Many families drove through the night to see it.", "The team won by one point in the last minute."],
    ["Rain fell over the valley for three days.", "The river rose higher than anyone could remember.",
     "Farmers moved their animals to the hills.", "The army sent boats to help people leave their homes.",
     "When the water went down, the fields were covered in mud.", "It took months to clean the streets and schools.",
     "The government later built a wall along the river.", "Since then the town has been safe from floods."],
    ["She started writing songs when she was twelve.", "Her first guitar was a gift from her father.",
     "At school she played music with her friends.", "A small radio station heard one of her songs.",
     "Soon she was singing on television.", "Her second album sold more than a million copies.",
     "She still lives in the same small village.", "Every winter she gives a free show in the church."],
    ["The company opened its first store in 1990.", "It sold books, music and films.",
     "Later it began to sell everything online.", "The number of workers grew from ten to ten thousand.",
     "Some people were worried about small shops closing.", "The company said it would help local business.",
     "Today it is one of the largest companies in the world.",
     "Its founder has written a book about those early years."],
    ["The ship left the port early in the morning.", "The sea was calm and the sky was clear.",
     "In the afternoon a strong wind began to blow.", "The captain ordered the men to lower the sails.",
     "Waves broke over the side of the ship all night.", "In the morning the storm had passed.",
     "They found that they were close to an island.", "The island was not on any of their maps."],
    ["The doctor asked him how long he had been ill.", "He said the pain started two weeks ago.",
     "She told him to rest and drink more water.", "A week later he felt much better.",
     "He went back to work on a cold Monday.", "His office was on the fourth floor of a tall building.",
     "The lift was broken, so he took the stairs.", "By lunch he was tired and went home early."],
    ["The museum has a new show about ancient Rome.", "It includes coins, tools and a large stone head.",
     "Students from the university helped to prepare it.", "The show will stay open until the end of March.",
     "Tickets are free for children under ten.", "On Sundays there are special tours for families.",
     "A film about the city plays in a dark room.", "Visitors can also try on old clothes and shoes."],
    ["The train was two hours late.", "Most of the passengers waited on the cold platform.",
     "A woman shared her coffee with an old man.", "They talked about the places they had lived.",
     "He had been a teacher in three different countries.", "She was going to visit her son in the north.",
     "When the train finally arrived, they sat together.", "They wrote to each other for the rest of their lives."],
    ["Scientists found a new kind of fish in the lake.", "It is small, blue and lives near the bottom.",
     "The lake is very deep and very cold.", "Few people have ever studied the life there.",
     "The team used a camera on a long cable.", "They hope to return next year with better equipment.",
     "The fish may help them understand how the lake formed.", "Their report will be published in the spring."],
]


@pytest.fixture(scope="module")
def tokenizer():
    return BertTokenizer(harness.small_vocabulary(2000))


@pytest.fixture(scope="module")
def sentences(tokenizer):
    """Each document's sentences as token-id tuples."""
    ids = iter(tokenizer(sum(DOCUMENTS, [])).to_list())
    return [[tuple(next(ids)) for _ in document] for document in DOCUMENTS]


def split(instance, tokenizer):
    """(A, B) of an instance, checking [CLS] A [SEP] B [SEP] and its segment ids."""
    ids, segments = instance["token_ids"], instance["segment_ids"]
    assert ids[0] == tokenizer.cls_token_id and ids[-1] == tokenizer.sep_token_id
    first = ids.index(tokenizer.sep_token_id)
    assert segments == [0] * (first + 1) + [1] * (len(ids) - first - 1)
    a, b = ids[1:first], ids[first + 1:-1]
    assert a and b and tokenizer.sep_token_id not in b
    return tuple(a), tuple(b)


def run_of_sentences(tokens, sentences):
    """{(document, first sentence)} of the runs of whole sentences that spell `tokens`."""
    found = set()
    for d, document in enumerate(sentences):
        for start in range(len(document)):
            joined = ()
            for sentence in document[start:]:
                joined += sentence
                if joined == tokens:
                    found.add((d, start))
                if len(joined) >= len(tokens):
                    break
    return found


def test_pairs_structure_and_lengths(tokenizer):
    instances = list(create_instances(DOCUMENTS, tokenizer, max_sequence_length=24, seed=3))
    assert len(instances) > 40
    for instance in instances:
        assert len(instance["token_ids"]) <= 24
        assert instance["next_sentence_label"] in (0, 1)
        split(instance, tokenizer)


def test_labels_mean_actual_or_random_next(tokenizer, sentences):
    # Longer than two documents: nothing is truncated, A and B are runs of whole sentences.
    instances = list(create_instances(DOCUMENTS, tokenizer, max_sequence_length=256, short_seq_prob=0.0, seed=1))
    labels = [instance["next_sentence_label"] for instance in instances]
    assert 0 in labels and 1 in labels
    for instance in instances:
        a, b = split(instance, tokenizer)
        (doc_a, start_a), = run_of_sentences(a, sentences)
        if instance["next_sentence_label"] == 0:
            assert (doc_a, start_a) in run_of_sentences(a + b, sentences)
        else:
            runs = run_of_sentences(b, sentences)
            assert runs and all(doc != doc_a for doc, _ in runs)


def test_next_sentence_labels_are_balanced(tokenizer):
    # Long documents: few chunks of a single sentence (at a document's end), which always get
    # a random B. Copies only make more draws; each copy is another document.
    documents = [sum(DOCUMENTS[:5], []), sum(DOCUMENTS[5:], [])] * 20
    labels = [i["next_sentence_label"] for i in create_instances(documents, tokenizer, max_sequence_length=48)]
    assert len(labels) > 400
    assert 0.44 < np.mean(labels) < 0.6


def test_random_document_buffer_bounds_the_random_document(tokenizer, sentences):
    instances = create_instances(DOCUMENTS, tokenizer, max_sequence_length=256, short_seq_prob=0.0,
                                 seed=2, random_document_buffer=2)
    for instance in instances:
        if instance["next_sentence_label"] == 1:
            a, b = split(instance, tokenizer)
            (doc_a, _), = run_of_sentences(a, sentences)
            runs = run_of_sentences(b, sentences)
            assert runs and {doc for doc, _ in runs} <= {doc_a - 1, doc_a + 1}


def test_documents_are_read_lazily(tokenizer):
    read = []

    def stream():
        for number in itertools.count():  # endless
            read.append(number)
            yield DOCUMENTS[number % len(DOCUMENTS)]

    instances = create_instances(stream(), tokenizer, max_sequence_length=32, random_document_buffer=4)
    assert len(list(itertools.islice(instances, 20))) == 20
    assert len(read) < 2048  # one tokenizer batch of sentences at most


def test_short_seq_prob(tokenizer):
    def mean_length(probability):
        instances = create_instances(DOCUMENTS * 3, tokenizer, max_sequence_length=64, short_seq_prob=probability)
        return np.mean([len(instance["token_ids"]) for instance in instances])

    long, mixed, short = mean_length(0.0), mean_length(0.3), mean_length(1.0)
    assert long > 50 and short < 45 and short < mixed < long


def test_deterministic_under_seed(tokenizer):
    def run(seed):
        return list(create_instances(DOCUMENTS, tokenizer, max_sequence_length=40, seed=seed))

    assert run(5) == run(5)
    assert run(5) != run(6)


def test_single_segments(tokenizer, sentences):
    instances = list(create_instances(DOCUMENTS, tokenizer, max_sequence_length=128, short_seq_prob=0.0,
                                      next_sentence_prediction=False))
    assert len(instances) == len(DOCUMENTS)  # each document fits in one
    for instance, document in zip(instances, sentences):
        assert "next_sentence_label" not in instance
        assert instance["segment_ids"] == [0] * len(instance["token_ids"])
        assert instance["token_ids"] == [tokenizer.cls_token_id, *sum(document, ()), tokenizer.sep_token_id]
    short = list(create_instances(DOCUMENTS, tokenizer, max_sequence_length=16, next_sentence_prediction=False))
    assert all(len(instance["token_ids"]) <= 16 for instance in short) and len(short) > 2 * len(DOCUMENTS)


def test_full_sentences_run_across_documents(tokenizer, sentences):
    """RoBERTa's FULL-SENTENCES: every sentence once, whole and in order, filling instances across
    documents, an end token before a document that continues an instance."""
    instances = list(create_instances(DOCUMENTS, tokenizer, max_sequence_length=64, short_seq_prob=0.0,
                                      next_sentence_prediction=False, cross_documents=True))
    cls, sep = tokenizer.cls_token_id, tokenizer.sep_token_id
    assert all(len(instance["token_ids"]) <= 64 for instance in instances)
    assert all(instance["token_ids"][0] == cls and instance["token_ids"][-1] == sep for instance in instances)
    bodies = [instance["token_ids"][1:-1] for instance in instances]
    everything = [token for document in sentences for sentence in document for token in sentence]
    assert [token for body in bodies for token in body if token != sep] == everything  # nothing lost
    firsts = [list(document[0]) for document in sentences[1:]]
    inner = [(body, at) for body in bodies for at, token in enumerate(body) if token == sep]
    assert inner  # documents share instances
    for body, at in inner:  # each end token opens a document
        assert any(body[at + 1:at + 1 + len(first)] == first for first in firsts)
    single = list(create_instances(DOCUMENTS, tokenizer, max_sequence_length=64, short_seq_prob=0.0,
                                   next_sentence_prediction=False))
    assert len(instances) < len(single)
    with pytest.raises(ValueError, match="next_sentence_prediction=False"):
        list(create_instances(DOCUMENTS, tokenizer, cross_documents=True))



def test_sentence_order_pairs_are_consecutive_segments_of_one_document(tokenizer, sentences):
    # Short random targets make several chunks per document; a document (at most 93 tokens) fits
    # in the sequence, so nothing is truncated and A and B are runs of whole sentences.
    instances = list(create_instances(DOCUMENTS, tokenizer, max_sequence_length=96, short_seq_prob=1.0, seed=4,
                                      objective="sop"))
    assert len(instances) > 1.5 * len(DOCUMENTS)
    used = set()
    for instance in instances:
        assert "next_sentence_label" not in instance and instance["sentence_order_label"] in (0, 1)
        a, b = split(instance, tokenizer)
        first, second = (a, b) if instance["sentence_order_label"] == 0 else (b, a)  # the document's order
        (doc, start), = run_of_sentences(first, sentences)
        assert (doc, start) in run_of_sentences(first + second, sentences)  # `second` follows at once
        (doc_second, start_second), = run_of_sentences(second, sentences)
        assert doc_second == doc and start_second > start
        used.add((doc, start))
    assert len(used) == len(instances)  # each chunk once


def test_sentence_order_labels_are_balanced(tokenizer):
    instances = list(create_instances(DOCUMENTS * 40, tokenizer, max_sequence_length=48, objective="sop", seed=1))
    labels = np.array([instance["sentence_order_label"] for instance in instances])
    assert len(labels) > 700
    assert abs(labels.mean() - 0.5) < 3 * np.sqrt(0.25 / len(labels))  # 3 binomial sigmas
    assert np.all(np.array([len(i["token_ids"]) for i in instances]) <= 48)


def test_sentence_order_chunks_hold_two_sentences(tokenizer):
    """A first sentence longer than the target takes the next one with it (and is truncated);
    a sentence left alone at a document's end, or alone in its document, has no partner."""
    long = " ".join(DOCUMENTS[0])
    documents = [[long, "The end came.", "Alone at last."], ["Only one sentence here."]]
    instances = list(create_instances(documents, tokenizer, max_sequence_length=16, short_seq_prob=0.0,
                                      objective="sop"))
    assert len(instances) == 1
    a, b = split(instances[0], tokenizer)
    the_end = tuple(tokenizer("The end came.").numpy().tolist())
    assert the_end in (a, b) and len(a) + len(b) == 16 - 3


def test_objective_and_the_older_flag(tokenizer):
    def run(**kwargs):
        return list(create_instances(DOCUMENTS[:3], tokenizer, max_sequence_length=40, **{"seed": 2, **kwargs}))

    assert run(objective=None) == run(next_sentence_prediction=False)
    assert run() == run(objective="nsp") == run(next_sentence_prediction=True)
    assert run(objective="sop", seed=3) != run(objective="sop") == run(objective="sop")
    for kwargs in ({"objective": "sop", "next_sentence_prediction": True},
                   {"objective": "sop", "next_sentence_prediction": False},
                   {"objective": None, "next_sentence_prediction": True}):
        with pytest.raises(ValueError, match="contradicts"):
            create_instances(DOCUMENTS, tokenizer, **kwargs)
    with pytest.raises(ValueError, match="objective"):
        create_instances(DOCUMENTS, tokenizer, objective="mlm")
    with pytest.raises(ValueError, match="objective=None"):
        create_instances(DOCUMENTS, tokenizer, objective="sop", cross_documents=True)

def original_truncation_lengths(length_a, length_b, room):
    """Original BERT's truncate_seq_pair, counting: drop from the longer (B on a tie)."""
    while length_a + length_b > room:
        if length_a > length_b:
            length_a -= 1
        else:
            length_b -= 1
    return length_a, length_b


def test_truncation_matches_original_bert():
    builder = pretraining_examples._Builder(BertTokenizer(harness.small_vocabulary(10)), 20, 0.0,
                                            np.random.default_rng(0))
    fronts = []
    for length_a, length_b, room in itertools.product(range(1, 12), range(0, 12), range(2, 14)):
        a, b = list(range(length_a)), list(range(100, 100 + length_b))
        if length_b == 0 and length_a > room:
            expected = (room, 0)
        else:
            expected = original_truncation_lengths(length_a, length_b, room)
        cut_a, cut_b = builder._truncate(a, b, room)
        assert (len(cut_a), len(cut_b)) == expected
        for cut in (cut_a, cut_b):  # a contiguous slice
            assert cut == list(range(cut[0], cut[0] + len(cut))) if cut else True
        if len(cut_a) < length_a:
            fronts.append(cut_a[0] / (length_a - len(cut_a)))
    assert 0.4 < np.mean(fronts) < 0.6  # front and back removals equally likely


@pytest.mark.parametrize("kwargs, message", [
    ({"max_sequence_length": 4}, "max_sequence_length"),
    ({"max_sequence_length": 3, "next_sentence_prediction": False}, "max_sequence_length"),
    ({"max_sequence_length": 4, "objective": "sop"}, "max_sequence_length"),
    ({"short_seq_prob": 1.5}, "short_seq_prob"),
    ({"seed": 0.5}, "seed"),
    ({"random_document_buffer": 1}, "random_document_buffer"),
])
def test_bad_arguments(tokenizer, kwargs, message):
    with pytest.raises(ValueError, match=message):
        create_instances(DOCUMENTS, tokenizer, **kwargs)


def test_bad_documents(tokenizer):
    with pytest.raises(TypeError, match="Document 1"):
        list(create_instances([DOCUMENTS[0], "not a list"], tokenizer))
