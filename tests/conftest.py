"""Shared fixtures: random tiny Hugging Face checkpoints built in the test (no download)."""

import os

import numpy as np
import pytest

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
# Tests never reach a model hub; this also makes hf:// fail fast and offline.
os.environ["HF_HUB_OFFLINE"] = "1"

HF_TINY = dict(
    vocab_size=99,
    hidden_size=32,
    num_hidden_layers=2,
    num_attention_heads=4,
    intermediate_size=37,
    max_position_embeddings=64,
    type_vocab_size=2,
)


@pytest.fixture(autouse=True)
def _seed():
    import keras

    keras.utils.set_random_seed(0)
    np.random.seed(0)


def _save_hf(model_class_name, directory, **config):
    torch = pytest.importorskip("torch")
    transformers = pytest.importorskip("transformers")
    torch.manual_seed(0)
    hf_config = transformers.BertConfig(**{**HF_TINY, **config})
    model = getattr(transformers, model_class_name)(hf_config).eval()
    model.save_pretrained(directory)
    return model


@pytest.fixture(scope="session")
def hf_bert_model(tmp_path_factory):
    """(directory, model) of a random tiny `BertModel` saved as safetensors."""
    directory = tmp_path_factory.mktemp("hf_bert_model")
    return directory, _save_hf("BertModel", directory)


@pytest.fixture(scope="session")
def hf_bert_classifier(tmp_path_factory):
    """(directory, model) of a random tiny `BertForSequenceClassification`, 3 labels."""
    directory = tmp_path_factory.mktemp("hf_bert_classifier")
    return directory, _save_hf("BertForSequenceClassification", directory, num_labels=3)


def _save_hf_randomised(model_class_name, tmp_path_factory):
    """(directory, model) as `_save_hf` gives, with every parameter perturbed so that the
    zero biases and unit LayerNorm scales of fresh heads cannot hide a mapping error."""
    directory = tmp_path_factory.mktemp(model_class_name)
    model = _save_hf(model_class_name, directory)
    import torch

    with torch.no_grad():
        for parameter in model.parameters():  # tied parameters appear once
            parameter.add_(0.1 * torch.randn_like(parameter))
    model.save_pretrained(directory)
    return directory, model


@pytest.fixture(scope="session")
def hf_bert_pretraining(tmp_path_factory):
    """A random tiny `BertForPreTraining` (MLM + NSP heads), perturbed."""
    return _save_hf_randomised("BertForPreTraining", tmp_path_factory)


@pytest.fixture(scope="session")
def hf_bert_masked_lm(tmp_path_factory):
    """A random tiny `BertForMaskedLM` (which has no pooler), perturbed."""
    return _save_hf_randomised("BertForMaskedLM", tmp_path_factory)


# Tests that run under one backend only (tests/run_all_backends.py gives them to torch, and
# those under ON_TENSORFLOW to tensorflow, whose own tests end first since the others carry
# the examples and the CLI):
# - tokenization, data readers and pipelines, and metrics never touch the Keras backend
#   (they run on TensorFlow/tf.data or plain numpy);
# - the examples, the CLI and the benchmark smoke test drive library code whose backend paths
#   the unit tests run on every backend, so once shows that the scripts work.
# Test files of other backend-independent code (the README, the CLI's recipe and errors) set
# the marker themselves. The masking and pretraining-dataset tests stay on every backend: they
# guard what each backend's pretraining consumes.
# The once-tests that are TensorFlow or numpy code whatever the backend.
ON_TENSORFLOW = ("tests/text/", "tests/metrics/", "tests/data/")
ONCE = ON_TENSORFLOW + ("tests/test_examples.py", "tests/test_example_", "tests/test_cli_finetuning.py",
                        "tests/test_backend_independence.py")
EVERY_BACKEND = ("tests/data/test_masking.py", "tests/data/test_pretraining_dataset.py")


def pytest_collection_modifyitems(config, items):
    root = config.rootpath
    for item in items:
        path = item.path.relative_to(root).as_posix()
        if path.startswith(ONCE) and not path.startswith(EVERY_BACKEND):
            item.add_marker(pytest.mark.once)
        if path.startswith(ON_TENSORFLOW) and item.get_closest_marker("once"):
            item.add_marker(pytest.mark.once_on_tensorflow)
