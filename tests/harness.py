"""Checks shared by every backbone and task test: a family's test is a config plus calls."""

import dataclasses
import functools
import pathlib
import signal
import time

import numpy as np
import keras

REPO = pathlib.Path(__file__).resolve().parents[1]

TINY_BERT = dict(
    vocabulary_size=120,
    num_layers=2,
    num_heads=2,
    hidden_dim=16,
    intermediate_dim=32,
    max_sequence_length=32,
)


@dataclasses.dataclass(frozen=True)
class Family:
    """One row of the family matrix: what the shared backbone, task and converter tests need.

    Attributes:
        name: the test id.
        backbone_class: the backbone's class name in `keras_bert_zoo`.
        config: a tiny config of it.
        converter: the module name in `keras_bert_zoo.convert` (config and weight names).
        tasks: the task classes the family has heads for.
        segments: whether the backbone takes `segment_ids`.
        pooled: whether it has a pooler (a `pooled_output`).
        pad_id: the padding id its inputs use (RoBERTa's positions count from it).
    """

    name: str
    backbone_class: str
    config: dict
    converter: str
    tasks: tuple
    segments: bool = True
    pooled: bool = True
    pad_id: int = 0

    def tokenizer(self):
        """A small real tokenizer of the family's kind that fits `config`'s vocabulary."""
        return family_tokenizer(self.name, self.vocabulary_size)

    def backbone(self, **overrides):
        import keras_bert_zoo

        return getattr(keras_bert_zoo, self.backbone_class)(**{**self.config, **overrides})

    def one_block_backbone(self):
        """The backbone with a single block, which shows a task's wiring at the least cost."""
        sharing = {"num_layer_groups": 1, "layers_per_group": 1} if self.config.get("num_layer_groups") else {}
        return self.backbone(num_layers=1, **sharing)

    @property
    def vocabulary_size(self):
        return self.config["vocabulary_size"]

    @property
    def input_names(self):
        return ("token_ids", "segment_ids", "padding_mask") if self.segments else ("token_ids", "padding_mask")

    def inputs(self, batch=3, length=10, seed=0):
        """`backbone_inputs` with the keys this family's backbone takes."""
        inputs = backbone_inputs(self.vocabulary_size, batch, length, seed, pad_id=self.pad_id)
        return {name: inputs[name] for name in self.input_names}

    def hf_config(self, **options):
        """The transformers config of `config` (through the family's converter), with `options`."""
        import importlib

        import transformers

        converter = importlib.import_module(f"keras_bert_zoo.convert.{self.converter}")
        return transformers.AutoConfig.for_model(converter.MODEL_TYPE, **converter.hf_config(self.config), **options)

    @property
    def hf_prefix(self):
        import importlib

        return importlib.import_module(f"keras_bert_zoo.convert.{self.converter}").ARCHITECTURE_PREFIX


@functools.lru_cache(maxsize=None)
def family_tokenizer(name, vocabulary_size):
    """WordPiece of `small_vocabulary`, or a vocabulary learned on a Moby-Dick chapter: byte-level
    BPE (RoBERTa), SentencePiece (ALBERT)."""
    from keras_bert_zoo.data import vocabulary

    trainers = {"roberta": vocabulary.train_bpe_vocabulary, "albert": vocabulary.train_sentencepiece_vocabulary}
    if name not in trainers:
        from keras_bert_zoo import BertTokenizer

        return BertTokenizer(small_vocabulary(vocabulary_size))
    chapter = (REPO / "examples" / "data" / "moby_dick" / "held_out.txt").read_text().split("\n\n")[:20]
    return trainers[name]([[paragraph] for paragraph in chapter], vocabulary_size, verbose=False)


_EVERY_TASK = ("BertClassifier", "BertTokenClassifier", "BertQuestionAnswerer", "BertMultipleChoice", "BertMaskedLM",
               "BertTextEmbedder")
FAMILIES = [
    Family("bert", "BertBackbone", TINY_BERT, "hf_bert", _EVERY_TASK + ("BertPretrainer",)),
    Family("distil_bert", "DistilBertBackbone", TINY_BERT, "hf_distil_bert", _EVERY_TASK, segments=False,
           pooled=False),
    # 300 ids: the 256 bytes, RoBERTa's 5 specials and some merges.
    Family("roberta", "RobertaBackbone", {**TINY_BERT, "vocabulary_size": 300, "padding_id": 1}, "hf_roberta",
           _EVERY_TASK, segments=False, pad_id=1),
    # Factorized embeddings; 3 layers share 2 groups of 2 blocks (layers 0 and 1 run group 0).
    Family("albert", "AlbertBackbone", {**TINY_BERT, "vocabulary_size": 300, "embedding_dim": 8, "num_layers": 3,
                                        "num_layer_groups": 2, "layers_per_group": 2, "dropout": 0.1},
           "hf_albert", _EVERY_TASK + ("BertPretrainer",)),
]


def numpy_tree(x):
    return keras.tree.map_structure(keras.ops.convert_to_numpy, x)


def max_abs_diff(a, b):
    return float(np.max(np.abs(np.asarray(a, "float64") - np.asarray(b, "float64"))))


def backbone_inputs(vocabulary_size, batch=3, length=10, seed=0, pad_id=0):
    """Random ids above `pad_id`, pair-style segments and ragged padding with `pad_id` (row i keeps
    length - 2i tokens)."""
    rng = np.random.default_rng(seed)
    token_ids = rng.integers(pad_id + 1, vocabulary_size, (batch, length)).astype("int32")
    segment_ids = np.zeros((batch, length), "int32")
    segment_ids[:, length // 2:] = 1
    lengths = np.maximum(length - 2 * np.arange(batch), 2)
    padding_mask = (np.arange(length)[None, :] < lengths[:, None]).astype("int32")
    token_ids = np.where(padding_mask == 1, token_ids, pad_id).astype("int32")
    segment_ids = segment_ids * padding_mask
    return {"token_ids": token_ids, "segment_ids": segment_ids, "padding_mask": padding_mask}


def check_weights_exist_at_construction(model):
    assert model.built and len(model.weights) > 0
    assert all(variable.shape is not None for variable in model.weights)


def check_backbone_shapes(backbone, family):
    hidden_dim = family.config["hidden_dim"]
    for length in (4, 11):
        out = numpy_tree(backbone(family.inputs(batch=2, length=length)))
        assert out["sequence_output"].shape == (2, length, hidden_dim)
        assert sorted(out) == sorted(["sequence_output"] + ["pooled_output"] * family.pooled)
        if family.pooled:
            assert out["pooled_output"].shape == (2, hidden_dim)
        assert np.all(np.isfinite(out["sequence_output"]))


def check_padding_invariance(backbone, family):
    """Extra padding must not change the outputs at real tokens."""
    inputs = family.inputs(batch=2, length=8)
    padded = {key: np.pad(value, ((0, 0), (0, 5))) for key, value in inputs.items()}
    short = numpy_tree(backbone(inputs))
    long = numpy_tree(backbone(padded))
    mask = inputs["padding_mask"][..., None].astype(bool)
    assert max_abs_diff(short["sequence_output"] * mask, long["sequence_output"][:, :8] * mask) < 1e-5
    if family.pooled:
        assert max_abs_diff(short["pooled_output"], long["pooled_output"]) < 1e-5


def check_config_round_trip(model):
    clone = type(model).from_config(model.get_config())
    assert clone.get_config() == model.get_config()
    assert clone.count_params() == model.count_params()


def check_keras_file_round_trip(model, inputs, tmp_path):
    path = tmp_path / "model.keras"
    model.save(path)
    restored = keras.saving.load_model(path)
    assert type(restored) is type(model)
    assert_same_outputs(model, restored, inputs)


def check_preset_round_trip(model, inputs, tmp_path, **from_preset_kwargs):
    directory = tmp_path / "preset"
    model.save_to_preset(directory)
    restored = type(model).from_preset(directory, **from_preset_kwargs)
    assert_same_outputs(model, restored, inputs)
    return restored


def assert_same_outputs(a, b, inputs, atol=1e-6):
    out_a, out_b = numpy_tree(a(inputs)), numpy_tree(b(inputs))
    for x, y in zip(keras.tree.flatten(out_a), keras.tree.flatten(out_b)):
        assert max_abs_diff(x, y) <= atol


def check_mixed_precision(cls, config, inputs):
    """Under mixed_bfloat16: float32 variables, bf16 compute, float32-close outputs."""
    reference = cls(**config)
    mixed = cls(**config, dtype="mixed_bfloat16")
    mixed.set_weights(reference.get_weights())
    assert all(variable.dtype == "float32" for variable in mixed.weights)
    out_ref = numpy_tree(reference(inputs))
    out_mixed = numpy_tree(mixed(inputs))
    for x, y in zip(keras.tree.flatten(out_ref), keras.tree.flatten(out_mixed)):
        y = np.asarray(y, "float32")
        assert np.all(np.isfinite(y))
        assert max_abs_diff(x, y) < 0.1
    return out_mixed


def check_fit_one_step(task, x, y, **fit_kwargs):
    history = task.fit(x, y, epochs=1, verbose=0, **fit_kwargs)
    loss = history.history["loss"][-1]
    assert np.isfinite(loss), loss
    return history


def small_vocabulary(size):
    """The first `size` useful tokens of the real bert-base-uncased vocabulary.

    [PAD], [UNK], [CLS], [SEP], [MASK], then the most frequent words, so tiny
    models tokenize real English into in-vocabulary ids and [UNK]s.
    """
    from keras_bert_zoo.presets import builtin_directory

    words = (builtin_directory() / "bert_en_uncased_vocab.txt").read_text().splitlines()
    return words[:1] + words[100:104] + words[1996:1996 + size - 5]


def assert_preprocessed_as_hf(outputs, hf, a, b=None, length=None, padding="longest"):
    """Equal to transformers' ids, which are padded to the longest; ours are padded further, to
    the next multiple of 16 (the default buckets) within `length`, or to `length`."""
    expected = hf(a, b, padding="longest", truncation="longest_first", max_length=length)
    longest = np.shape(expected["input_ids"])[-1]
    width = length if padding == "max_length" else min(-(-longest // 16) * 16, length)
    assert np.shape(outputs["token_ids"])[-1] == width
    pad = [(0, 0)] * (np.ndim(expected["input_ids"]) - 1) + [(0, width - longest)]
    for ours, theirs in (("token_ids", "input_ids"), ("segment_ids", "token_type_ids"), ("padding_mask", "attention_mask")):
        fill = hf.pad_token_id if ours == "token_ids" else 0  # RoBERTa pads with 1
        theirs = np.pad(np.array(expected.get(theirs, np.zeros_like(expected["input_ids"]))), pad, constant_values=fill)
        np.testing.assert_array_equal(outputs[ours], theirs.astype(np.asarray(outputs[ours]).dtype))


# Text that every family's tokenizer must cut as transformers does: prose, whitespace of every
# kind, CJK, emoji, contractions, very long words, blank strings. Each tokenizer's test adds its
# own normalization cases (accents, quotes, control characters, its special-token strings).
TOKENIZER_TEXTS = [
    "Call me Ishmael. Some years ago—never mind how long precisely—having little money",
    " leading space", "trailing space ", "  two leading and two trailing  ", "several     spaces  inside",
    "tab\there\nnewline\r\nwindows\u00a0nbsp\u2003emspace\u3000ideographic \t\n mixed \n\n",
    "中文分词测试 and 日本語のテキストwith Latin カタカナ 한국어",
    "I love it 😀🎉👍🏽 👨‍👩‍👧 🥲🫠",
    "it's don't we're they've I'm you'll he'd IT'S 's 't x'y ''s",
    "supercalifragilisticexpialidocious " + "whale" * 60 + " " + "z" * 300,
    "", " ", "   \t  ", "\n",
]


def assert_tokenized_as_hf(tokenizer, hf, texts, offsets=True):
    """Our tokenizer's ids (and code-point offsets) of `texts` equal transformers' tokenizer `hf`'s
    without special tokens; a failure shows both token lists."""
    ids, starts, ends = (t.to_list() for t in tokenizer.tokenize_with_offsets(texts))
    expected = hf(texts, add_special_tokens=False, return_offsets_mapping=True)
    for i, text in enumerate(texts):
        assert ids[i] == expected["input_ids"][i], (text, hf.convert_ids_to_tokens(ids[i]),
                                                    hf.convert_ids_to_tokens(expected["input_ids"][i]))
        if offsets:
            assert list(zip(starts[i], ends[i])) == [tuple(o) for o in expected["offset_mapping"][i]], text


def assert_words_encoded_as_hf(tokenizer, hf, sentences, length=16):
    """A tagging preprocessor of `tokenizer` gives the ids of transformers' `is_split_into_words`
    encoding and each word's first token position (-1: truncated away)."""
    from keras_bert_zoo.text.word_preprocessor import BertTokenClassifierPreprocessor

    preprocessor = BertTokenClassifierPreprocessor(tokenizer, sequence_length=length, padding="max_length")
    features, positions = preprocessor.encode(sentences)
    expected = hf(sentences, is_split_into_words=True, truncation=True, max_length=length, padding="max_length")
    assert features["token_ids"].numpy().tolist() == expected["input_ids"]
    for row, words in enumerate(sentences):
        word_ids = expected.word_ids(row)
        first = [word_ids.index(w) if w in word_ids else -1 for w in range(len(words))]
        assert positions[row].numpy().tolist() == first


def check_bad_lookups_are_refused(tokenizer):
    """Non-string input, an id past the vocabulary and an unknown token are clear errors."""
    import pytest

    with pytest.raises(TypeError, match="strings"):
        tokenizer([1, 2])
    with pytest.raises(ValueError, match="not an int"):
        tokenizer.id_to_token(tokenizer.vocabulary_size)
    with pytest.raises(ValueError, match="not in the vocabulary"):
        tokenizer.token_to_id("zzzzz")


def check_tokenizer_in_graphs(tokenizer, texts):
    """The tokenizer gives its eager ids and offsets in `tf.data` and in a `tf.function`, and a
    1-D int32 tensor for one string."""
    import tensorflow as tf

    expected = tokenizer(texts).to_list()
    batches = tf.data.Dataset.from_tensor_slices(texts).batch(4).map(tokenizer)
    assert [row for batch in batches for row in batch.to_list()] == expected
    traced = tf.function(tokenizer.tokenize_with_offsets, input_signature=[tf.TensorSpec([None], tf.string)])
    eager = [t.to_list() for t in tokenizer.tokenize_with_offsets(texts)]
    assert [t.to_list() for t in traced(tf.constant(texts))] == eager and eager[0] == expected
    one = tokenizer(texts[0])
    assert one.shape.rank == 1 and one.dtype == tf.int32 and one.numpy().tolist() == expected[0]


def killed_and_resumed(start, tmp_path, timeout=300):
    """Run `start(run_directory)` (a Popen of a resumable run) twice at once, into
    `tmp_path/"reference"` uninterrupted and into `tmp_path/"interrupted"`, SIGKILLed as soon as its
    first checkpoint exists (no chance to clean up, as in a crash) and then started again. Returns
    the resumed run's output once both finished, each with status 0."""
    reference, interrupted = start(tmp_path / "reference"), start(tmp_path / "interrupted")
    checkpoints = tmp_path / "interrupted" / "checkpoints"
    deadline = time.time() + timeout
    while not (checkpoints.is_dir() and any(checkpoints.glob("step-*"))):
        assert interrupted.poll() is None, interrupted.stdout.read().decode()
        assert time.time() < deadline, f"no checkpoint after {timeout} s"
        time.sleep(0.02)
    interrupted.send_signal(signal.SIGKILL)
    interrupted.wait()
    assert not (tmp_path / "interrupted" / "summary.json").exists(), "the run ended before the kill"
    resumed = start(tmp_path / "interrupted")
    for process in (reference, resumed):
        output = process.communicate(timeout=600)[0].decode()
        assert process.returncode == 0, output
    return output


TEXT_WORDS = "the of and to in a is that for it as was with be by on not he".split()


def random_texts(count, seed=0, most=40):
    """`count` texts of 1 to `most` common words (from a small vocabulary's), seeded."""
    import random

    rng = random.Random(seed)
    return [" ".join(rng.choice(TEXT_WORDS) for _ in range(rng.randint(1, most))) for _ in range(count)]
