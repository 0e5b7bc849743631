"""AlbertTokenizer against transformers' AlbertTokenizer (the oracle), on a SentencePiece Unigram
model learned here from Moby-Dick with ALBERT's settings (no ALBERT spiece.model is at hand
offline): ids, offsets, pairs, word tagging, files, graphs and errors."""

import io
import json
import re
from pathlib import Path

import pytest

tf = pytest.importorskip("tensorflow")
pytest.importorskip("tensorflow_text")
sentencepiece = pytest.importorskip("sentencepiece")
transformers = pytest.importorskip("transformers")

import harness  # noqa: E402
from keras_bert_zoo import presets  # noqa: E402
from keras_bert_zoo.data.vocabulary import train_sentencepiece_vocabulary  # noqa: E402
from keras_bert_zoo.text import AlbertTokenizer, BertPreprocessor, sentencepiece_tokenizer  # noqa: E402

pytestmark = pytest.mark.once  # tokenization runs on TensorFlow whatever the Keras backend

MOBY_DICK = Path(__file__).parents[2] / "examples" / "data" / "moby_dick"
COMPOSED_BY_THE_CHARACTER_MAP = "Cafe\u0301"  # keep_accents: "é" here, offsets differ (documented)
TEXTS = [
    *harness.TOKENIZER_TEXTS,
    "Café naïve Ångström résumé Zürich crème brûlée ÉCOLE Straße İstanbul ΣΑΣ ǅemal",
    "3.14159 1,000,000 9,000 2024-01-01 12:30pm 0x1F 1e-5 ½ ² ① ﬁne $5.00 (or €4.50) £3 – 4",
    '"quotes", \'single\', «guillemets», ^_^ `backticks` ``double`` \'\'two\'\' ```three``` \'\'\' ~tilde~ 50%',
    "bell\x07vt\x0bff\x0cnel\x85nul\x00end \x01 \ufffd zero\u200bwidth soft\u00adhyphen bom\ufeffx",
    "The capital of France is [MASK]. [CLS]x[SEP]y <unk> <pad>  [MASK]  [MASK][MASK] [mask] [MASK",
    "x▁▁y ▁ ▁a b▁ ▁", "a(b) c\"d e-f. (x)",
]
SPECIAL_STRINGS = ("<pad>", "<unk>", "[CLS]", "[SEP]", "[MASK]")


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    """spiece.model of a 1000-piece Unigram model learned from Moby-Dick's training text."""
    text = (MOBY_DICK / "train.txt").read_text(encoding="utf-8")
    tokenizer = train_sentencepiece_vocabulary([text.split("\n")], 1000, verbose=False)
    directory = tmp_path_factory.mktemp("spiece")
    assert tokenizer.save_assets(directory) == {"proto": "spiece.model"}
    return directory


@pytest.fixture(scope="module")
def cased_files(tmp_path_factory):
    """spiece.model of a cased Unigram model with accents, learned from 200 KB of Moby-Dick."""
    text = (MOBY_DICK / "train.txt").read_text(encoding="utf-8")[:200_000]
    tokenizer = train_sentencepiece_vocabulary([text.split("\n")], 1000, lowercase=False, keep_accents=True,
                                               verbose=False)
    directory = tmp_path_factory.mktemp("cased_spiece")
    tokenizer.save_assets(directory)
    return directory


def hf_tokenizer(files, lowercase=True, keep_accents=False):
    """transformers' AlbertTokenizer from a directory holding spiece.model (transformers 5 ignores
    `vocab_file` given to the constructor)."""
    return transformers.AlbertTokenizer.from_pretrained(files, do_lower_case=lowercase, keep_accents=keep_accents)


def ours(files, **options):
    return AlbertTokenizer(files / "spiece.model", **options)


OPTIONS = [{}, {"keep_accents": True}, {"lowercase": False, "keep_accents": True}, {"lowercase": False}]


@pytest.fixture(scope="module", params=OPTIONS, ids=["uncased", "uncased_accents", "cased_accents", "cased"])
def pair(request, files, cased_files):
    """(ours, transformers') with the options, on the uncased model, or the cased one when cased."""
    options = {"lowercase": True, "keep_accents": False, **request.param}
    directory = files if options["lowercase"] else cased_files
    return ours(directory, **options), hf_tokenizer(directory, **options)


def test_ids_and_offsets_equal_transformers(pair):
    tokenizer, hf = pair
    harness.assert_tokenized_as_hf(tokenizer, hf, TEXTS)
    composed = [COMPOSED_BY_THE_CHARACTER_MAP + " x", "e\u0300 ŀ ﬅ ㎁ ǉ"]
    harness.assert_tokenized_as_hf(tokenizer, hf, composed, offsets=not tokenizer.keep_accents)


def test_offsets_point_at_the_source_characters(files):
    """Where the character map composes or expands characters (keep_accents: offsets differ from
    transformers'), every token still spans source characters, in order, covering them all."""
    tokenizer = ours(files, keep_accents=True)
    text = COMPOSED_BY_THE_CHARACTER_MAP + " aŀa ﬁx ㎁"
    ids, starts, ends = (t.numpy().tolist() for t in tokenizer.tokenize_with_offsets(text))
    assert all(s < e for s, e in zip(starts, ends)) and starts == sorted(starts) and ends == sorted(ends)
    covered = {i for s, e in zip(starts, ends) for i in range(s, e)}
    assert covered == {i for i, c in enumerate(text) if c != " "}
    accent = text.index("\u0301")
    assert {text[s:e] for s, e in zip(starts, ends) if s <= accent < e} == {"e\u0301"}  # "é", composed


def test_moby_dick_held_out_equals_transformers(pair):
    lines = [line for line in (MOBY_DICK / "held_out.txt").read_text(encoding="utf-8").split("\n") if line][:300]
    harness.assert_tokenized_as_hf(*pair, lines)


def test_every_code_point_equals_transformers(files):
    """Each code point after a letter, alone and before one: ids and offsets equal transformers'
    on all of the BMP, a stride over the other planes and the characters listed as undecomposed
    (the default options, ALBERT's)."""
    listed = [range(int(a, 16), int(b or a, 16) + 1)
              for a, b in re.findall(r"\\x\{(\w+)\}(?:-\\x\{(\w+)\})?", sentencepiece_tokenizer._UNDECOMPOSED)]
    points = sorted({c for c in range(1, 0x10000) if not 0xD800 <= c < 0xE000}
                    | set(range(0x10000, 0x110000, 61)) | {c for r in listed for c in r})
    assert len(points) > 63_000 + 16_000 + 300
    texts = ["a{0} {0}x".format(chr(c)) for c in points]
    tokenizer, hf = ours(files), hf_tokenizer(files)
    ids, starts, ends = (t.to_list() for t in tokenizer.tokenize_with_offsets(texts))
    expected = hf(texts, add_special_tokens=False, return_offsets_mapping=True)
    offsets = [[list(span) for span in zip(*row)] for row in zip(starts, ends)]
    differ = [hex(c) for c, i, o, e, eo in zip(points, ids, offsets, expected["input_ids"], expected["offset_mapping"])
              if i != e or o != [list(span) for span in eo]]
    assert differ == []


def test_detokenize_gives_the_normalized_text_back(files):
    tokenizer = ours(files)
    texts = ["Call me Ishmael.", "  two  spaces ", "", "whale" * 30]
    ids = tokenizer(texts)
    assert tokenizer.detokenize(ids) == ["call me ishmael.", "two spaces", "", "whale" * 30]
    assert tokenizer.detokenize(ids.to_tensor(tokenizer.pad_token_id)) == tokenizer.detokenize(ids)  # padding skipped
    assert tokenizer.detokenize(tokenizer(texts[0])) == "call me ishmael."
    assert tokenizer.detokenize([]) == ""
    assert tokenizer.detokenize(tokenizer("Café [MASK] x")) == "cafe[MASK] x"


def test_pairs_pack_and_truncate_like_transformers(files):
    hf = hf_tokenizer(files)
    # transformers 5's AlbertTokenizer returns no token_type_ids unless asked; its template gives
    # the second segment 1, as ALBERT was pretrained (and as the packer does).
    hf.model_input_names = ["input_ids", "token_type_ids", "attention_mask"]
    firsts = ["Call me Ishmael.", "a", "Some years ago, never mind how long precisely, having little money", "x"]
    seconds = ["Some years ago.", "b", "and nothing particular to interest me on shore, I thought I would", ""]
    preprocessor = BertPreprocessor(ours(files), sequence_length=24)
    harness.assert_preprocessed_as_hf(preprocessor((firsts, seconds)), hf, firsts, seconds, length=24)
    harness.assert_preprocessed_as_hf(preprocessor(firsts), hf, firsts, length=24)
    a, b = (hf(text, add_special_tokens=False)["input_ids"] for text in ("a", "b"))
    assert preprocessor((["a"], ["b"]))["token_ids"].numpy().tolist()[0][:len(a) + len(b) + 4] == [2, *a, 3, *b, 3, 0]
    # The preprocessor's config keeps its tokenizer an AlbertTokenizer.
    restored = BertPreprocessor.from_config(preprocessor.get_config())
    assert isinstance(restored.tokenizer, AlbertTokenizer)
    harness.assert_preprocessed_as_hf(restored((firsts, seconds)), hf, firsts, seconds, length=24)


def test_word_tagging_encodes_words_like_transformers_split_into_words(files):
    hf = hf_tokenizer(files)
    sentences = [["Call", "me", "Ishmael", "."], ["Some", "years", "ago—never", "mind", "[MASK]", "x(y"],
                 ["Loomings"] * 12, ["New York", "whale"]]
    harness.assert_words_encoded_as_hf(ours(files), hf, sentences)


def test_special_ids_layout_and_word_starts(files):
    tokenizer = ours(files)
    assert (tokenizer.pad_token_id, tokenizer.unk_token_id, tokenizer.cls_token_id, tokenizer.sep_token_id,
            tokenizer.mask_token_id) == (0, 1, 2, 3, 4)
    assert tokenizer.vocabulary_size == 1000 and tokenizer.special_token_ids == [0, 1, 2, 3, 4]
    assert tokenizer.layout.pack_lists([[7], [8]]) == ([2, 7, 3, 8, 3], [0, 0, 0, 1, 1])
    starts = tokenizer.word_starts()
    assert all(starts[tokenizer.token_to_id(t)] for t in ("▁the", "▁", "(", ".", ",", *SPECIAL_STRINGS))
    assert not any(starts[tokenizer.token_to_id(t)] for t in ("s", "ed", "ing"))


def test_runs_in_tf_data_and_tf_function(files):
    tokenizer = ours(files)
    harness.check_tokenizer_in_graphs(tokenizer, TEXTS)
    assert tokenizer.tokenize_words(tf.constant(["Ishmael", "x"])).to_list() == tokenizer(["Ishmael", "x"]).to_list()


def test_config_files_and_preset_round_trips(files, tmp_path):
    tokenizer = ours(files, lowercase=False, keep_accents=True)
    expected = tokenizer(TEXTS).to_list()
    clone = AlbertTokenizer.from_config(tokenizer.get_config())
    assert clone.get_config() == tokenizer.get_config() and clone(TEXTS).to_list() == expected
    assert AlbertTokenizer(tokenizer.proto).get_config()["proto"] == tokenizer.get_config()["proto"]
    import keras

    revived = keras.saving.deserialize_keras_object(keras.saving.serialize_keras_object(tokenizer))
    assert isinstance(revived, AlbertTokenizer) and revived(TEXTS).to_list() == expected
    # A preset records the tokenizer's file and options generically and builds it back.
    record = presets.tokenizer_record(tokenizer, tmp_path / "record")
    assert record == {"class_name": "AlbertTokenizer", "files": {"proto": "spiece.model"},
                      "config": {"lowercase": False, "keep_accents": True}}
    built = presets.tokenizer_from_record(json.loads(json.dumps(record)), tmp_path / "record")
    assert built.get_config() == tokenizer.get_config()
    backbone = harness.FAMILIES[0].backbone(num_layers=1)
    presets.save(tmp_path / "preset", backbone, tokenizer=tokenizer)
    assert presets.resolve(tmp_path / "preset", need_weights=False).build_tokenizer().get_config() == \
        tokenizer.get_config()


@pytest.mark.parametrize("lowercase, keep_accents", [(True, False), (False, True)])
def test_from_hf_dir_reads_what_transformers_saves(files, tmp_path, lowercase, keep_accents):
    """transformers 5 saves only tokenizer.json (and its config): the model is rebuilt from its
    pieces, scores, added tokens and character map."""
    hf = hf_tokenizer(files, lowercase, keep_accents)
    hf.save_pretrained(tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["tokenizer.json", "tokenizer_config.json"]
    tokenizer = AlbertTokenizer.from_hf_dir(tmp_path)
    assert (tokenizer.lowercase, tokenizer.keep_accents) == (lowercase, keep_accents)
    assert tokenizer.vocabulary == ours(files).vocabulary
    harness.assert_tokenized_as_hf(tokenizer, hf, TEXTS)
    # The rebuilt model's pieces, kinds and character map are those of spiece.model.
    model_pb2 = sentencepiece.sentencepiece_model_pb2
    original, rebuilt = (model_pb2.ModelProto.FromString(t.proto) for t in (ours(files), tokenizer))
    assert [(p.piece, p.type) for p in rebuilt.pieces] == [(p.piece, p.type) for p in original.pieces]
    assert [p.score for p in rebuilt.pieces] == pytest.approx([p.score for p in original.pieces])
    assert rebuilt.normalizer_spec.precompiled_charsmap == original.normalizer_spec.precompiled_charsmap
    # A tokenizer.json alone, as `AlbertTokenizer` takes it too.
    assert AlbertTokenizer(tmp_path / "tokenizer.json", lowercase, keep_accents)(TEXTS).to_list() == \
        tokenizer(TEXTS).to_list()


def test_from_hf_dir_reads_a_transformers_4_tokenizer_json(files, tmp_path):
    """As transformers 4 converted ALBERT's tokenizer: runs of spaces collapsed by the normalizer,
    Metaspace alone, "[MASK]" taking the spaces before it; no tokenizer_config.json options."""
    hf_tokenizer(files).save_pretrained(tmp_path)
    saved = json.loads((tmp_path / "tokenizer.json").read_text(encoding="utf-8"))
    saved["normalizer"]["normalizers"].append({"type": "Replace", "pattern": {"Regex": " {2,}"}, "content": " "})
    saved["pre_tokenizer"] = {"type": "Metaspace", "replacement": "▁", "add_prefix_space": True}
    next(t for t in saved["added_tokens"] if t["content"] == "[MASK]")["lstrip"] = True
    (tmp_path / "tokenizer.json").write_text(json.dumps(saved), encoding="utf-8")
    (tmp_path / "tokenizer_config.json").unlink()
    tokenizer = AlbertTokenizer.from_hf_dir(tmp_path)
    assert (tokenizer.lowercase, tokenizer.keep_accents) == (True, False)
    assert tokenizer(TEXTS).to_list() == ours(files)(TEXTS).to_list()


@pytest.mark.parametrize("lowercase, keep_accents", [(True, False), (False, True)])
def test_save_to_huggingface_loads_in_auto_tokenizer(files, tmp_path, lowercase, keep_accents):
    tokenizer = ours(files, lowercase=lowercase, keep_accents=keep_accents)
    tokenizer.save_to_huggingface(tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["spiece.model", "tokenizer_config.json"]
    hf = transformers.AutoTokenizer.from_pretrained(tmp_path)
    assert type(hf).__name__ == "AlbertTokenizer"
    assert hf(TEXTS, add_special_tokens=False)["input_ids"] == tokenizer(TEXTS).to_list()
    assert hf("a", "b")["input_ids"] == [2, *tokenizer("a").numpy().tolist(), 3, *tokenizer("b").numpy().tolist(), 3]
    assert AlbertTokenizer.from_hf_dir(tmp_path).get_config() == tokenizer.get_config()


def _train_sentencepiece(**options):
    """A small SentencePiece model trained directly by the `sentencepiece` library."""
    model = io.BytesIO()
    lines = (MOBY_DICK / "held_out.txt").read_text(encoding="utf-8").split("\n")[:200]
    sentencepiece.SentencePieceTrainer.train(sentence_iterator=iter(lines), model_writer=model, vocab_size=200,
                                             minloglevel=2, num_threads=1, **options)
    return model.getvalue()


def test_clear_errors(files, tmp_path):
    with pytest.raises(ValueError, match="file not found"):
        AlbertTokenizer(tmp_path / "nope.model")
    (tmp_path / "bad.model").write_bytes(b"\xff\xff\xff not a model")
    with pytest.raises(ValueError, match="not a SentencePiece model"):
        AlbertTokenizer(tmp_path / "bad.model")
    with pytest.raises(ValueError, match=r"lacks \['\[CLS\]', '\[SEP\]', '<pad>', '\[MASK\]'\]"):
        AlbertTokenizer(_train_sentencepiece())
    with pytest.raises(ValueError, match="BPE model; ALBERT's tokenizer is a UNIGRAM model"):
        AlbertTokenizer(_train_sentencepiece(model_type="bpe"))
    with pytest.raises(TypeError, match="lowercase"):
        ours(files, lowercase="yes")
    with pytest.raises(TypeError, match="`proto`"):
        AlbertTokenizer(123)
    with pytest.raises(ValueError, match=r"No tokenizer files of a AlbertTokenizer \(spiece.model or tokenizer.json"):
        AlbertTokenizer.from_hf_dir(tmp_path)
    (tmp_path / "wp").mkdir()
    (tmp_path / "wp" / "tokenizer.json").write_text(json.dumps({"model": {"type": "WordPiece", "vocab": {}}}))
    with pytest.raises(ValueError, match="no Unigram model"):
        AlbertTokenizer.from_hf_dir(tmp_path / "wp")
    hf_tokenizer(files).save_pretrained(tmp_path / "t5")
    saved = json.loads((tmp_path / "t5" / "tokenizer.json").read_text(encoding="utf-8"))
    saved["normalizer"]["normalizers"] = saved["normalizer"]["normalizers"][2:]  # no quote replacements
    (tmp_path / "t5" / "tokenizer.json").write_text(json.dumps(saved), encoding="utf-8")
    with pytest.raises(ValueError, match="not an ALBERT tokenizer that AlbertTokenizer reproduces"):
        AlbertTokenizer.from_hf_dir(tmp_path / "t5")
    harness.check_bad_lookups_are_refused(ours(files))
