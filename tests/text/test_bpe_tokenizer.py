"""RobertaTokenizer against transformers' RobertaTokenizerFast (the oracle), on a byte-level BPE
vocabulary learned here from the first 200 KB of Moby-Dick (no RoBERTa vocabulary is at hand
offline): ids, offsets, pairs, word tagging, files, graphs and errors."""

import json
from pathlib import Path

import pytest

tf = pytest.importorskip("tensorflow")
pytest.importorskip("tensorflow_text")
pytest.importorskip("tokenizers")
transformers = pytest.importorskip("transformers")

import harness  # noqa: E402
from keras_bert_zoo import presets  # noqa: E402
from keras_bert_zoo.data.vocabulary import train_bpe_vocabulary  # noqa: E402
from keras_bert_zoo.text import BertPreprocessor, RobertaTokenizer, bpe_ops  # noqa: E402

pytestmark = pytest.mark.once  # tokenization runs on TensorFlow whatever the Keras backend

MOBY_DICK = Path(__file__).parents[2] / "examples" / "data" / "moby_dick"
TEXTS = [
    *harness.TOKENIZER_TEXTS,
    "Café naïve Ångström résumé Zürich crème brûlée Cafe\u0301",
    "3.14159 1,000,000 2024-01-01 12:30pm 0x1F 1e-5 ½ ² ① $5.00 (or €4.50)",
    '"quotes", \'single\', «guillemets», ^_^ `backticks` ~tilde~ 50% #hash & @at ...!!!??? ---',
    "bell\x07vt\x0bff\x0cnel\x85nul\x00end \x01 \ufffd zero\u200bwidth soft\u00adhyphen",
    "The capital of France is <mask>. <s>x</s>y <unk> <pad>  <mask>  <mask><mask> <MASK> <mask",
]
SPECIAL_STRINGS = ("<s>", "</s>", "<pad>", "<unk>", "<mask>")


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    """vocab.json and merges.txt of a 1000-token byte-level BPE vocabulary (739 merges)."""
    text = (MOBY_DICK / "train.txt").read_text(encoding="utf-8")[:200_000]
    tokenizer = train_bpe_vocabulary([text.split("\n")], 1000, verbose=False)
    directory = tmp_path_factory.mktemp("bpe")
    assert tokenizer.save_assets(directory) == {"vocabulary": "vocab.json", "merges": "merges.txt"}
    return directory


def hf_tokenizer(files, add_prefix_space=False, mask_lstrip=True):
    """transformers.RobertaTokenizerFast on vocab.json + merges.txt, for transformers 4.x and 5.x;
    `<mask>` with RoBERTa's published lstrip (transformers 5 has none from these files)."""
    mask = transformers.AddedToken("<mask>", lstrip=mask_lstrip, rstrip=False, normalized=False, special=True)
    paths = {"vocab": str(files / "vocab.json"), "merges": str(files / "merges.txt")}
    if int(transformers.__version__.split(".")[0]) < 5:  # v5 ignores vocab_file silently
        paths = {"vocab_file": paths["vocab"], "merges_file": paths["merges"]}
    hf = transformers.RobertaTokenizerFast(**paths, add_prefix_space=add_prefix_space, mask_token=mask)
    assert len(hf.get_vocab()) == 1000
    return hf


def ours(files, **options):
    return RobertaTokenizer(files / "vocab.json", files / "merges.txt", **options)


@pytest.fixture(scope="module", params=[False, True], ids=["no_prefix_space", "prefix_space"])
def pair(request, files):
    return ours(files, add_prefix_space=request.param), hf_tokenizer(files, request.param)


def test_ids_and_offsets_equal_transformers(pair):
    tokenizer, hf = pair
    harness.assert_tokenized_as_hf(tokenizer, hf, TEXTS[:-1])
    # Offsets after a special token differ with a prefix space (the next test); ids never do.
    harness.assert_tokenized_as_hf(tokenizer, hf, TEXTS[-1:], offsets=not tokenizer.add_prefix_space)


def test_moby_dick_held_out_equals_transformers(pair):
    lines = [line for line in (MOBY_DICK / "held_out.txt").read_text(encoding="utf-8").split("\n") if line][:300]
    harness.assert_tokenized_as_hf(*pair, lines)


def test_a_prefix_space_after_a_special_token_leaves_the_word_its_span(files):
    text = "<s>hello</s> x<mask>b"
    ids, starts, ends = (t.numpy().tolist() for t in ours(files, add_prefix_space=True).tokenize_with_offsets(text))
    hf = hf_tokenizer(files, add_prefix_space=True)
    expected = hf(text, add_special_tokens=False, return_offsets_mapping=True)
    assert ids == expected["input_ids"]
    spans = [text[s:e] for s, e in zip(starts, ends)]
    assert spans[:2] == ["<s>", "he"] and spans[-1] == "b"  # transformers: "e" and ""
    assert [text[s:e] for s, e in expected["offset_mapping"]][:2] == ["<s>", "e"]


def test_every_code_point_splits_into_the_words_of_tokenizers():
    """GPT-2's regex, on each code point after a letter, a digit, a symbol and spaces: the words
    (the BPE input) equal the `tokenizers` library's ByteLevel pre-tokenizer's. All of the BMP, a
    stride over the other planes, and the Unicode 16 letters and numbers that RE2 lacks."""
    from tokenizers import pre_tokenizers

    new = [(0x1C89, 0x1C8B), (0x105C0, 0x105F4), (0x10D40, 0x10D86), (0x11380, 0x113D4), (0x13460, 0x143FB),
           (0x16100, 0x1613A), (0x1E5D0, 0x1E5FB), (0x2EBF0, 0x2EE5E)]
    points = [c for c in range(1, 0x10000) if not 0xD800 <= c < 0xE000] + list(range(0x10000, 0x110000, 61))
    texts = ["a{0} 1{0} !{0}  {0}x".format(chr(c)) for c in points + [c for a, b in new for c in range(a, b)]]
    pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=True)
    expected = [word for text in texts for word, _ in pre_tokenizer.pre_tokenize_str(text)]
    words = bpe_ops.split_words(tf.constant(texts), list(SPECIAL_STRINGS), None, False).word.numpy()
    as_characters = str.maketrans(dict(enumerate(bpe_ops.byte_characters())))
    assert [word.decode("latin-1").translate(as_characters) for word in words] == expected


def test_detokenize_gives_the_text_back(files):
    tokenizer = ours(files)
    texts = [text for text in TEXTS if "<mask>" not in text]  # <mask> takes the spaces before it
    ids = tokenizer(texts)
    assert tokenizer.detokenize(ids) == texts
    assert tokenizer.detokenize(ids.to_tensor(tokenizer.pad_token_id)) == texts  # padding skipped
    assert tokenizer.detokenize(tokenizer(texts[0])) == texts[0]
    assert tokenizer.detokenize([]) == ""
    assert tokenizer.detokenize(tokenizer("a <s> b <mask>")) == "a <s> b<mask>"
    prefixed = ours(files, add_prefix_space=True)
    assert prefixed.detokenize(prefixed(["Call me", " two"])) == ["Call me", "two"]


def test_pairs_pack_and_truncate_like_transformers(files):
    hf = hf_tokenizer(files)
    firsts = ["Call me Ishmael.", "a", "Some years ago, never mind how long precisely, having little money", "x"]
    seconds = ["Some years ago.", "b", "and nothing particular to interest me on shore, I thought I would", ""]
    preprocessor = BertPreprocessor(ours(files), sequence_length=20, padding="max_length")
    features = preprocessor((firsts, seconds))
    expected = hf(firsts, seconds, truncation="longest_first", max_length=20, padding="max_length")
    assert features["token_ids"].numpy().tolist() == expected["input_ids"]
    assert features["padding_mask"].numpy().astype(int).tolist() == expected["attention_mask"]
    a, b = (hf(text, add_special_tokens=False)["input_ids"] for text in ("a", "b"))
    assert expected["input_ids"][1][:7] == [0, *a, 2, 2, *b, 2, 1]  # <s> a </s></s> b </s> <pad>
    # The preprocessor's config keeps its tokenizer a RobertaTokenizer.
    restored = BertPreprocessor.from_config(preprocessor.get_config())
    assert isinstance(restored.tokenizer, RobertaTokenizer)
    assert restored((firsts, seconds))["token_ids"].numpy().tolist() == expected["input_ids"]


def test_word_tagging_encodes_words_like_transformers_split_into_words(files):
    hf = hf_tokenizer(files, add_prefix_space=True)  # transformers requires it for split words
    sentences = [["Call", "me", "Ishmael", "."], ["Some", "years", "ago—never", "mind", "<mask>", "x<s>y"],
                 ["Loomings"] * 12, ["New York", "whale"]]
    harness.assert_words_encoded_as_hf(ours(files), hf, sentences)


def test_config_files_and_preset_round_trips(files, tmp_path):
    tokenizer = ours(files, add_prefix_space=True, mask_token_lstrip=False)
    expected = tokenizer(TEXTS).to_list()
    clone = RobertaTokenizer.from_config(tokenizer.get_config())
    assert clone.get_config() == tokenizer.get_config() and clone(TEXTS).to_list() == expected
    import keras

    revived = keras.saving.deserialize_keras_object(keras.saving.serialize_keras_object(tokenizer))
    assert isinstance(revived, RobertaTokenizer) and revived(TEXTS).to_list() == expected
    # A preset records the tokenizer's files and options generically and builds it back.
    backbone = harness.FAMILIES[0].backbone(num_layers=1)
    presets.save(tmp_path / "preset", backbone, tokenizer=tokenizer)
    entry = json.loads((tmp_path / "preset" / "preset.json").read_text())["tokenizer"]
    assert entry == {"class_name": "RobertaTokenizer", "files": {"vocabulary": "vocab.json", "merges": "merges.txt"},
                     "config": {"add_prefix_space": True, "mask_token_lstrip": False}}
    built = presets.resolve(tmp_path / "preset", need_weights=False).build_tokenizer()
    assert built.get_config() == tokenizer.get_config()


def test_from_hf_dir_reads_what_transformers_saves(files, tmp_path):
    """transformers 5 saves only tokenizer.json: its vocabulary, merges, prefix space and lstrip."""
    hf = hf_tokenizer(files, add_prefix_space=True, mask_lstrip=False)
    hf.save_pretrained(tmp_path)
    tokenizer = RobertaTokenizer.from_hf_dir(tmp_path)
    assert (tokenizer.add_prefix_space, tokenizer.mask_token_lstrip) == (True, False)
    assert tokenizer.get_config() == ours(files, add_prefix_space=True, mask_token_lstrip=False).get_config()
    harness.assert_tokenized_as_hf(tokenizer, hf, TEXTS[:-1])


@pytest.mark.parametrize("add_prefix_space, mask_token_lstrip", [(False, True), (True, False)])
def test_save_to_huggingface_loads_in_auto_tokenizer(files, tmp_path, add_prefix_space, mask_token_lstrip):
    tokenizer = ours(files, add_prefix_space=add_prefix_space, mask_token_lstrip=mask_token_lstrip)
    tokenizer.save_to_huggingface(tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["merges.txt", "tokenizer_config.json", "vocab.json"]
    hf = transformers.AutoTokenizer.from_pretrained(tmp_path)
    assert hf(TEXTS, add_special_tokens=False)["input_ids"] == tokenizer(TEXTS).to_list()
    assert RobertaTokenizer.from_hf_dir(tmp_path).get_config() == tokenizer.get_config()


def test_mask_token_without_lstrip_keeps_the_spaces_before_it(files):
    texts = [TEXTS[-1], "a <mask>", "a\n\n<mask> b"]
    harness.assert_tokenized_as_hf(ours(files, mask_token_lstrip=False), hf_tokenizer(files, mask_lstrip=False), texts)


def test_special_ids_layout_and_word_starts(files):
    tokenizer = ours(files)
    assert (tokenizer.start_token_id, tokenizer.pad_token_id, tokenizer.end_token_id, tokenizer.unk_token_id,
            tokenizer.mask_token_id) == (0, 1, 2, 3, 999)
    assert tokenizer.vocabulary_size == 1000 and tokenizer.special_token_ids == [0, 1, 2, 3, 999]
    assert tokenizer.layout.pack_lists([[7], [8]]) == ([0, 7, 2, 2, 8, 2], [0, 0, 0, 0, 1, 1])
    starts = tokenizer.word_starts()
    assert all(starts[tokenizer.token_to_id(t)] for t in ("Ġthe", "Ġ", *SPECIAL_STRINGS))
    assert not any(starts[tokenizer.token_to_id(t)] for t in ("the", "s", ".", "Ċ"))


def test_runs_in_tf_data_and_tf_function(files):
    tokenizer = ours(files)
    harness.check_tokenizer_in_graphs(tokenizer, TEXTS)


def test_bytes_outside_the_vocabulary_and_no_merges(files):
    vocabulary = json.loads((files / "vocab.json").read_text(encoding="utf-8"))
    kept = sorted(vocabulary, key=vocabulary.get)[:200]
    assert "Ġ" not in kept and {"a", "b", "<mask>"} <= {*kept, "<mask>"}
    bare = RobertaTokenizer({t: i for i, t in enumerate([*kept, "<mask>"])}, [])
    # Without merges, one token a byte; the space's byte character is missing: <unk>.
    assert bare("ab b").numpy().tolist() == [vocabulary["a"], vocabulary["b"], bare.unk_token_id, vocabulary["b"]]


def test_clear_errors(files, tmp_path):
    vocab, merges = files / "vocab.json", files / "merges.txt"
    with pytest.raises(ValueError, match="not found"):
        RobertaTokenizer(tmp_path / "nope.json", merges)
    with pytest.raises(ValueError, match="not found"):
        RobertaTokenizer(vocab, tmp_path / "nope.txt")
    (tmp_path / "bad.txt").write_text("#version: 0.2\nĠ t\na b c\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"bad.txt:3"):
        RobertaTokenizer(vocab, tmp_path / "bad.txt")
    (tmp_path / "bad.json").write_text("{not json", encoding="utf-8")
    with pytest.raises(ValueError, match="not a JSON"):
        RobertaTokenizer(tmp_path / "bad.json", merges)
    with pytest.raises(ValueError, match="needs"):
        RobertaTokenizer(vocab, ["Ġ zzzzz"])
    with pytest.raises(ValueError, match=r"lacks \['<mask>'\]"):
        RobertaTokenizer({"<s>": 0, "</s>": 1, "<pad>": 2, "<unk>": 3}, [])
    with pytest.raises(ValueError, match="id 1 is missing"):
        RobertaTokenizer({"<s>": 0, "</s>": 2}, [])
    with pytest.raises(ValueError, match="`merges`"):
        RobertaTokenizer({"<s>": 0})
    with pytest.raises(ValueError, match="not a tokenizer.json"):
        RobertaTokenizer(vocab)
    with pytest.raises(TypeError, match="add_prefix_space"):
        RobertaTokenizer(vocab, merges, add_prefix_space="yes")
    with pytest.raises(ValueError, match="No tokenizer files of a RobertaTokenizer .tokenizer.json or vocab.json"):
        RobertaTokenizer.from_hf_dir(tmp_path)
    (tmp_path / "wp").mkdir()
    (tmp_path / "wp" / "tokenizer.json").write_text(json.dumps({"model": {"type": "WordPiece", "vocab": {}}}))
    with pytest.raises(ValueError, match="no byte-level BPE"):
        RobertaTokenizer.from_hf_dir(tmp_path / "wp")
    with pytest.raises(ValueError, match=">= 261"):
        train_bpe_vocabulary(["a b"], 260, verbose=False)
    harness.check_bad_lookups_are_refused(ours(files))
