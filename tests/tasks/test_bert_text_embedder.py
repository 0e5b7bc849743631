import json
import shutil

import keras
import numpy as np
import pytest

import harness
from keras_bert_zoo import BertBackbone, BertPreprocessor, BertTokenizer
from keras_bert_zoo.tasks.similarity_trainer import CosineSimilarityTrainer
from keras_bert_zoo.tasks.text_embedder import BertTextEmbedder, cosine_similarity

CONFIG = harness.TINY_BERT
FIRST = ["he went back to the school", "she said that it was new", "the city"]
SECOND = ["he was back at the school", "it was not new", "two years later"]
SCORES = np.array([0.9, -0.2, 0.0])


@pytest.fixture(scope="module")
def tokenizer():
    return BertTokenizer(harness.small_vocabulary(CONFIG["vocabulary_size"]))


@pytest.fixture
def embedder(tokenizer):
    return BertTextEmbedder(BertBackbone(**CONFIG), BertPreprocessor(tokenizer, sequence_length=12))


def inputs(batch=3, length=10):
    return harness.backbone_inputs(CONFIG["vocabulary_size"], batch=batch, length=length)


def test_mean_pooling_over_real_tokens(embedder):
    features = inputs()
    out = harness.numpy_tree(embedder(features))
    assert out.shape == (3, CONFIG["hidden_dim"]) and out.dtype == np.float32
    sequence = harness.numpy_tree(embedder.backbone(features))["sequence_output"]
    mask = features["padding_mask"][..., None]
    assert harness.max_abs_diff(out, (sequence * mask).sum(1) / mask.sum(1)) <= 1e-6


def test_padding_does_not_change_embeddings(embedder):
    features = inputs(length=8)
    padded = {key: np.pad(value, ((0, 0), (0, 6))) for key, value in features.items()}
    assert harness.max_abs_diff(harness.numpy_tree(embedder(features)),
                                harness.numpy_tree(embedder(padded))) <= 1e-5


def test_cls_pooling_and_normalization(embedder):
    features = inputs()
    sequence = harness.numpy_tree(embedder.backbone(features))["sequence_output"]
    cls = BertTextEmbedder(embedder.backbone, pooling="cls")
    assert harness.max_abs_diff(harness.numpy_tree(cls(features)), sequence[:, 0]) <= 1e-6
    unit = harness.numpy_tree(BertTextEmbedder(embedder.backbone, normalize=True)(features))
    np.testing.assert_allclose(np.linalg.norm(unit, axis=1), 1.0, atol=1e-6)
    mean = harness.numpy_tree(embedder(features))
    assert harness.max_abs_diff(unit, mean / np.linalg.norm(mean, axis=1, keepdims=True)) <= 1e-6


def test_mixed_precision_embeddings_are_float32():
    mixed = BertTextEmbedder(BertBackbone(**CONFIG, dtype="mixed_bfloat16"), normalize=True)
    out = harness.numpy_tree(mixed(inputs()))
    assert out.dtype == np.float32 and np.all(np.isfinite(out))


def test_embed_and_similarity_on_raw_text(embedder, tokenizer):
    # Long enough that embed cuts batches to their longest text, and batches of 2 to check the order.
    texts = FIRST + ["one of the two years and then the world state school at the time now"]
    embedder = BertTextEmbedder(embedder.backbone, BertPreprocessor(tokenizer, sequence_length=30))
    vectors = embedder.embed(texts, batch_size=2)
    assert vectors.shape == (4, CONFIG["hidden_dim"]) and vectors.dtype == np.float32
    features = harness.numpy_tree(embedder.preprocessor(texts))
    assert harness.max_abs_diff(vectors, harness.numpy_tree(embedder(features))) <= 1e-5
    single = embedder.embed(texts[1])
    assert single.shape == (CONFIG["hidden_dim"],)
    assert harness.max_abs_diff(single, vectors[1]) <= 1e-5
    similarity = embedder.similarity(texts, texts[:2])
    assert similarity.shape == (4, 2)
    assert harness.max_abs_diff(similarity, cosine_similarity(vectors, vectors[:2])) <= 1e-5
    np.testing.assert_allclose(np.diag(similarity), 1.0, atol=1e-5)


def test_cosine_similarity_by_hand():
    rows = np.array([[1.0, 0.0], [1.0, 1.0], [0.0, -2.0], [0.0, 0.0]])
    np.testing.assert_allclose(cosine_similarity([3.0, 0.0], rows), [1.0, 2 ** -0.5, 0.0, 0.0])
    np.testing.assert_allclose(cosine_similarity(rows[:3], rows[:2]),
                               [[1.0, 2 ** -0.5], [2 ** -0.5, 1.0], [0.0, -(2 ** -0.5)]])
    assert cosine_similarity([1.0, 2.0], [-2.0, -4.0]) == pytest.approx(-1.0)
    with pytest.raises(ValueError, match="shapes"):
        cosine_similarity(rows, np.ones(3))


def test_cosine_similarity_trainer_fits_pairs(embedder):
    trainer = CosineSimilarityTrainer(embedder)
    before = keras.ops.convert_to_numpy(embedder.backbone.embeddings.token_embedding.embeddings)
    harness.check_fit_one_step(trainer, (FIRST, SECOND), SCORES, batch_size=3,
                               validation_data=((FIRST, SECOND), SCORES))
    # The embedder itself learned: the trainer shares its weights.
    after = keras.ops.convert_to_numpy(embedder.backbone.embeddings.token_embedding.embeddings)
    assert not np.array_equal(before, after)
    first, second = (harness.numpy_tree(embedder.preprocessor(texts)) for texts in (FIRST, SECOND))
    cosines = harness.numpy_tree(trainer({"first": first, "second": second}))
    vectors = [harness.numpy_tree(embedder(features)) for features in (first, second)]
    expected = np.diag(cosine_similarity(*vectors))
    assert cosines.shape == (3,) and harness.max_abs_diff(cosines, expected) <= 1e-5


def test_cosine_similarity_trainer_config_round_trip(embedder):
    configured = BertTextEmbedder(embedder.backbone, embedder.preprocessor, pooling="cls", normalize=True)
    clone = CosineSimilarityTrainer.from_config(CosineSimilarityTrainer(configured).get_config())
    assert (clone.embedder.pooling, clone.embedder.normalize) == ("cls", True)
    assert clone.count_params() == configured.count_params()


def test_fit_regresses_onto_target_vectors(embedder):
    targets = np.random.default_rng(0).normal(size=(3, CONFIG["hidden_dim"])).astype("float32")
    harness.check_fit_one_step(embedder, FIRST, targets, batch_size=3)


def test_bad_arguments_are_reported(embedder):
    with pytest.raises(ValueError, match="pooling must be one of"):
        BertTextEmbedder(embedder.backbone, pooling="max")
    with pytest.raises(ValueError, match="normalize must be True or False"):
        BertTextEmbedder(embedder.backbone, normalize="yes")
    with pytest.raises(ValueError, match="not sentence pairs"):
        embedder.predict((FIRST, SECOND))
    with pytest.raises(ValueError, match="non-empty list of str"):
        embedder.embed([])
    with pytest.raises(ValueError, match="needs a preprocessor"):
        BertTextEmbedder(embedder.backbone).embed(FIRST)
    with pytest.raises(ValueError, match=r"\[-1, 1\].*divide by 5"):
        CosineSimilarityTrainer(embedder).fit((FIRST, SECOND), [4.0, 2.5, 0.0])


def test_config_round_trip(embedder):
    configured = BertTextEmbedder(embedder.backbone, embedder.preprocessor, pooling="cls", normalize=True)
    harness.check_config_round_trip(configured)
    clone = BertTextEmbedder.from_config(configured.get_config())
    assert (clone.pooling, clone.normalize, clone.preprocessor.sequence_length) == ("cls", True, 12)


def test_keras_file_round_trip(embedder, tmp_path):
    harness.check_keras_file_round_trip(embedder, inputs(), tmp_path)


def test_preset_round_trip(embedder, tmp_path):
    configured = BertTextEmbedder(embedder.backbone, embedder.preprocessor, pooling="cls", normalize=True)
    restored = harness.check_preset_round_trip(configured, inputs(), tmp_path)
    assert (restored.pooling, restored.normalize, restored.preprocessor.sequence_length) == ("cls", True, 12)


def sentence_transformers_dir(hf_bert_model, tmp_path, pooling_key="pooling_mode_mean_tokens",
                              normalize=True):
    """A sentence-transformers layout around the tiny Hugging Face checkpoint."""
    directory, _ = hf_bert_model
    checkpoint = tmp_path / "st"
    shutil.copytree(directory, checkpoint)
    (checkpoint / "vocab.txt").write_text("\n".join(harness.small_vocabulary(99)) + "\n")
    modules = [{"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
               {"idx": 1, "name": "1", "path": "1_Pooling", "type": "sentence_transformers.models.Pooling"}]
    if normalize:
        modules.append({"idx": 2, "name": "2", "path": "2_Normalize",
                        "type": "sentence_transformers.models.Normalize"})
    (checkpoint / "modules.json").write_text(json.dumps(modules))
    (checkpoint / "1_Pooling").mkdir()
    pooling = {"word_embedding_dimension": 32, pooling_key: True}
    (checkpoint / "1_Pooling" / "config.json").write_text(json.dumps(pooling))
    (checkpoint / "sentence_bert_config.json").write_text(json.dumps({"max_seq_length": 24}))
    return checkpoint


def test_from_preset_reads_sentence_transformers_settings(hf_bert_model, tmp_path):
    checkpoint = sentence_transformers_dir(hf_bert_model, tmp_path)
    embedder = BertTextEmbedder.from_preset(checkpoint)
    assert (embedder.pooling, embedder.normalize, embedder.preprocessor.sequence_length) == ("mean", True, 24)
    overridden = BertTextEmbedder.from_preset(checkpoint, normalize=False, sequence_length=16)
    assert (overridden.normalize, overridden.preprocessor.sequence_length) == (False, 16)
    # A plain Hugging Face BertModel directory: mean pooling, no normalization.
    plain = BertTextEmbedder.from_preset(hf_bert_model[0])
    assert (plain.pooling, plain.normalize, plain.preprocessor) == ("mean", False, None)


def test_unsupported_sentence_transformers_pooling_is_named(hf_bert_model, tmp_path):
    checkpoint = sentence_transformers_dir(hf_bert_model, tmp_path, "pooling_mode_max_tokens",
                                           normalize=False)
    with pytest.raises(ValueError, match="got 'max'"):
        BertTextEmbedder.from_preset(checkpoint)
    assert BertTextEmbedder.from_preset(checkpoint, pooling="cls", load_weights=False).pooling == "cls"


def test_checkpoint_spec_is_an_embedder_preset(hf_bert_model, tmp_path):
    """The checkpoint reader, not BertTextEmbedder, reads the sentence-transformers files."""
    from keras_bert_zoo.convert.hf_import import HFCheckpoint

    spec = HFCheckpoint(sentence_transformers_dir(hf_bert_model, tmp_path)).spec()
    assert spec["task"] == {"class_name": "BertTextEmbedder", "config": {"pooling": "mean", "normalize": True}}
    assert spec["preprocessor"] == {"sequence_length": 24, "class_name": "BertPreprocessor", "config": {}}
    assert HFCheckpoint(hf_bert_model[0]).spec()["preprocessor"] is None


def test_import_hf_keeps_sentence_transformers_settings(hf_bert_model, tmp_path):
    from keras_bert_zoo.cli import main

    checkpoint = sentence_transformers_dir(hf_bert_model, tmp_path)
    main(["import-hf", str(checkpoint), str(tmp_path / "preset")])
    assert json.loads((tmp_path / "preset" / "preset.json").read_text())["task"]["class_name"] == "BertTextEmbedder"
    converted, original = (BertTextEmbedder.from_preset(path) for path in (tmp_path / "preset", checkpoint))
    for embedder in (converted, original):
        assert (embedder.pooling, embedder.normalize, embedder.preprocessor.sequence_length) == ("mean", True, 24)
    texts = FIRST + SECOND
    ours = converted.embed(texts)
    np.testing.assert_allclose(np.linalg.norm(ours, axis=-1), 1.0, atol=1e-6)
    assert harness.max_abs_diff(ours, original.embed(texts)) <= 1e-6
