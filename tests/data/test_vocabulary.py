"""Vocabulary learning: BERT's special ids, tokenizer agreement, [UNK] rate, errors; the same for
ALBERT's SentencePiece models."""

import itertools
from pathlib import Path

import numpy as np
import pytest

from keras_bert_zoo.data.corpus import read_documents
from keras_bert_zoo.data.vocabulary import (ALBERT_USER_DEFINED_SYMBOLS, RESERVED_TOKENS,
                                            SENTENCEPIECE_CONTROL_SYMBOLS, WordSplitter, count_words,
                                            save_vocabulary, train_sentencepiece_vocabulary,
                                            train_wordpiece_vocabulary)
from keras_bert_zoo.text import BertTokenizer

MOBY_DICK = Path(__file__).parents[2] / "examples" / "data" / "moby_dick"
TEXTS = ["Héllo, WORLD! Naïve café-owners\tpaid $3.50 (e.g. 3½ coins)…", "東京は 日本の首都です。 Ünïcödé　ｆｕｌｌ",
         "Tabs\tand\u00a0spaces,\nnew\r\nlines; [MASK] itself; don't", ""]


@pytest.fixture(scope="module")
def moby_dick_vocabulary():
    """A 1000-token vocabulary learned from chapters 1 and 2 of the real corpus (about 5,000 words)."""
    chapters = list(itertools.islice(read_documents(MOBY_DICK / "train.txt", split_into_sentences=False), 2, 4))
    return train_wordpiece_vocabulary(chapters, 1000, verbose=False)


def test_special_tokens_come_first_in_bert_order(moby_dick_vocabulary):
    assert tuple(moby_dick_vocabulary[:5]) == RESERVED_TOKENS
    tokenizer = BertTokenizer(moby_dick_vocabulary)
    assert (tokenizer.pad_token_id, tokenizer.unk_token_id, tokenizer.cls_token_id, tokenizer.sep_token_id,
            tokenizer.mask_token_id) == (0, 1, 2, 3, 4)


def test_size_alphabet_and_distinct_tokens(moby_dick_vocabulary):
    vocabulary = moby_dick_vocabulary
    assert 0.95 * 1000 <= len(vocabulary) <= 1000 and len(set(vocabulary)) == len(vocabulary)
    assert {"the", "whale", "sailor", "##s"} <= set(vocabulary)
    words = count_words(list(itertools.islice(read_documents(MOBY_DICK / "train.txt"), 2, 4)), verbose=False)
    alphabet = {c for word in words for c in word}
    assert alphabet <= set(vocabulary) and {"##" + c for c in alphabet} <= set(vocabulary)


def test_held_out_text_is_tokenized_with_few_unknowns(moby_dick_vocabulary):
    tokenizer = BertTokenizer(moby_dick_vocabulary, lowercase=True)
    texts = [p for document in read_documents(MOBY_DICK / "held_out.txt", split_into_sentences=False)
             for p in document]
    ids = tokenizer(texts).flat_values.numpy()
    words = sum(len(WordSplitter()(text)) for text in texts)
    # Measured on the 22,093 held-out words: 0.008% [UNK] (characters that chapters 1-2 lack,
    # such as digits) and 2.39 pieces a word (1.15 with 8,000 tokens learned from train.txt).
    assert np.mean(ids == tokenizer.unk_token_id) < 0.0005
    assert 1.5 < len(ids) / words < 2.6


@pytest.mark.parametrize("options", [{}, {"lowercase": False}, {"lowercase": True, "strip_accents": False},
                                     {"tokenize_chinese_chars": False}])
def test_words_are_those_the_tokenizer_sees(options):
    """Tokenizing the split words joined by spaces gives the ids of tokenizing the text."""
    split = WordSplitter(**options)
    vocabulary = train_wordpiece_vocabulary(TEXTS, 200, verbose=False, **options)
    tokenizer = BertTokenizer(vocabulary, special_tokens_in_strings=False, **options)
    joined = [" ".join(split(text)) for text in TEXTS]
    assert tokenizer(joined).to_list() == tokenizer(TEXTS).to_list()
    assert tokenizer.unk_token_id not in tokenizer(TEXTS).flat_values.numpy()
    if not options:
        assert split(TEXTS[0])[:4] == ["hello", ",", "world", "!"]


def test_deterministic_and_trimmed_to_size(tmp_path):
    # "ß" appears only in a word longer than max_word_length: it is added with "##ß" anyway,
    # and the rarest learned pieces make room for them.
    texts = ["the whale and the whales were whaling", "a sea of whalers", "straßenbahnhaltestelle"] * 3
    first = train_wordpiece_vocabulary(texts, 40, max_word_length=10, verbose=False)
    assert first == train_wordpiece_vocabulary(list(texts), 40, max_word_length=10, verbose=False)
    assert len(first) == 40 and {"ß", "##ß"} <= set(first)
    path = save_vocabulary(first, tmp_path)
    assert path == str(tmp_path / "vocab.txt") and BertTokenizer(path).vocabulary == first


def test_paths_are_read_as_corpora(tmp_path):
    (tmp_path / "a.txt").write_text("One whale.\n\nTwo whales.\n")
    expected = train_wordpiece_vocabulary(["One whale.", ["Two whales."]], 30, verbose=False)
    assert train_wordpiece_vocabulary(str(tmp_path / "a.txt"), 30, verbose=False) == expected
    assert train_wordpiece_vocabulary([tmp_path / "a.txt"], 30, verbose=False) == expected
    assert count_words(tmp_path, verbose=False) == {"one": 1, "whale": 1, ".": 2, "two": 1, "whales": 1}


def test_bad_inputs_give_clear_errors(tmp_path):
    with pytest.raises(ValueError, match=r"cannot hold the 5 reserved tokens and the corpus's 5 characters"
                                         r".*at least 15"):
        train_wordpiece_vocabulary(["abcde"], 10, verbose=False)
    with pytest.raises(ValueError, match="must be an int > 5"):
        train_wordpiece_vocabulary(["abc"], 5, verbose=False)
    with pytest.raises(ValueError, match="distinct non-empty str"):
        train_wordpiece_vocabulary(["abc"], 50, reserved_tokens=("[PAD]", "[PAD]"), verbose=False)
    with pytest.raises(ValueError, match="no words"):
        train_wordpiece_vocabulary(["", " \n"], 50, verbose=False)
    with pytest.raises(TypeError, match="Document 1 must be a str or a list of str"):
        count_words(["fine", 3], verbose=False)
    with pytest.raises(TypeError, match="a path or an iterable of documents"):
        count_words(7, verbose=False)
    with pytest.raises(FileNotFoundError, match="missing"):
        count_words(tmp_path / "missing", verbose=False)
    with pytest.raises(ValueError, match="appears twice"):
        save_vocabulary(["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "a", "a"], tmp_path)


@pytest.fixture(scope="module")
def moby_dick_sentencepiece():
    """An AlbertTokenizer on a 500-piece Unigram model learned from chapters 1 and 2."""
    pytest.importorskip("sentencepiece")
    pytest.importorskip("tensorflow_text")
    chapters = list(itertools.islice(read_documents(MOBY_DICK / "train.txt", split_into_sentences=False), 2, 4))
    return train_sentencepiece_vocabulary(chapters, 500, verbose=False)


def test_sentencepiece_model_has_albert_specials_first(moby_dick_sentencepiece):
    from sentencepiece import sentencepiece_model_pb2

    tokenizer = moby_dick_sentencepiece
    assert tokenizer.vocabulary[:13] == ["<pad>", "<unk>", *SENTENCEPIECE_CONTROL_SYMBOLS,
                                         *ALBERT_USER_DEFINED_SYMBOLS]
    assert (tokenizer.pad_token_id, tokenizer.unk_token_id, tokenizer.cls_token_id, tokenizer.sep_token_id,
            tokenizer.mask_token_id) == (0, 1, 2, 3, 4)
    model = sentencepiece_model_pb2.ModelProto.FromString(tokenizer.proto)
    assert [piece.type for piece in model.pieces[:13]] == [3, 2, 3, 3, 3] + [4] * 8  # control, unknown, user
    spec = model.trainer_spec
    assert (spec.bos_id, spec.eos_id, spec.model_type, model.normalizer_spec.name) == (-1, -1, 1, "nmt_nfkc")
    assert 400 < tokenizer.vocabulary_size <= 500 and {"▁the", "▁whale"} <= set(tokenizer.vocabulary)


def test_sentencepiece_held_out_text_has_few_unknowns(moby_dick_sentencepiece):
    tokenizer = moby_dick_sentencepiece
    texts = [p for document in read_documents(MOBY_DICK / "held_out.txt", split_into_sentences=False)
             for p in document]
    ids = tokenizer(texts).flat_values.numpy()
    # Measured on the 17,771 held-out words (split at spaces): 0.009% <unk> ("*", "[" and "]", which
    # chapters 1-2 lack) and 2.59 pieces a word, from 500 pieces learned on 3,606 words.
    assert np.mean(ids == tokenizer.unk_token_id) < 0.0005
    assert 2.0 < len(ids) / sum(len(text.split()) for text in texts) < 3.0


@pytest.mark.parametrize("lowercase, keep_accents", [(True, False), (False, True)])
def test_sentencepiece_pieces_are_normalized_as_the_tokenizer_normalizes(lowercase, keep_accents):
    pytest.importorskip("sentencepiece")
    texts = [["Héllo WORLD, naïve CAFÉ owners ``quoted'' Ünïcödé"] * 20, TEXTS]
    tokenizer = train_sentencepiece_vocabulary(texts, 80, lowercase=lowercase, keep_accents=keep_accents,
                                               verbose=False)
    assert (tokenizer.lowercase, tokenizer.keep_accents) == (lowercase, keep_accents)
    characters = set("".join(tokenizer.vocabulary[13:]))
    assert bool(characters & set("WORLD")) is not lowercase and bool(characters & set("éïü")) is keep_accents
    assert "`" not in characters and not any("''" in piece for piece in tokenizer.vocabulary)  # pairs: '"'
    assert tokenizer.unk_token_id not in tokenizer(texts[0][0]).numpy()


def test_sentencepiece_training_is_deterministic_and_reads_paths(tmp_path):
    pytest.importorskip("sentencepiece")
    text = (MOBY_DICK / "held_out.txt").read_text(encoding="utf-8")[:20_000]
    (tmp_path / "a.txt").write_text(text, encoding="utf-8")
    first = train_sentencepiece_vocabulary(str(tmp_path / "a.txt"), 300, verbose=False)
    assert train_sentencepiece_vocabulary([text.split("\n")], 300, verbose=False).proto == first.proto
    assert train_sentencepiece_vocabulary([tmp_path / "a.txt"], 300, num_threads=1, verbose=False).proto == \
        first.proto


def test_sentencepiece_bad_inputs_give_clear_errors():
    pytest.importorskip("sentencepiece")
    with pytest.raises(ValueError, match="must be an int > 13"):
        train_sentencepiece_vocabulary(["abc"], 13, verbose=False)
    with pytest.raises(ValueError, match="must be an int > 5"):
        train_sentencepiece_vocabulary(["abc"], 5, user_defined_symbols=(), verbose=False)
    with pytest.raises(ValueError, match="distinct non-empty str"):
        train_sentencepiece_vocabulary(["abc"], 50, user_defined_symbols=("[MASK]",), verbose=False)
    with pytest.raises(ValueError, match="no text"):
        train_sentencepiece_vocabulary(["", " \n"], 50, verbose=False)
    with pytest.raises(ValueError, match="SentencePiece could not learn a vocabulary: Vocabulary size is smaller"):
        train_sentencepiece_vocabulary(["abcdefghijklmnopqrstuvwxyz"], 20, verbose=False)
    with pytest.raises(TypeError, match="Document 1 must be a str or a list of str"):
        train_sentencepiece_vocabulary(["fine", 3], 50, verbose=False)
