"""Read a Hugging Face checkpoint directory strictly: no weight silently skipped.

Weights come from `model.safetensors` (or its shards) first; a PyTorch
`pytorch_model.bin` is read only through `torch.load(weights_only=True)`,
which refuses to run pickled code.
"""

import json
import logging
from pathlib import Path

import numpy as np

from keras_bert_zoo import weights_io
from keras_bert_zoo.convert import (architectures, hf_albert, hf_bert, hf_distil_bert, hf_roberta,
                                   sentence_transformers)

FAMILIES = {family.MODEL_TYPE: family for family in (hf_bert, hf_distil_bert, hf_roberta, hf_albert)}
logger = logging.getLogger(__name__)


def read_tensors(directory):
    """All tensors of a checkpoint directory as numpy arrays, by name."""
    directory = Path(directory)
    single = directory / "model.safetensors"
    if single.is_file():
        return weights_io.read_safetensors(single)
    index = directory / "model.safetensors.index.json"
    if index.is_file():
        shards = sorted(set(json.loads(index.read_text())["weight_map"].values()))
        absent = [shard for shard in shards if not (directory / shard).is_file()]
        if absent:
            raise FileNotFoundError(f"{directory}: shard(s) {absent} named in {index.name} are missing "
                                    f"(an interrupted download?).")
        tensors = {}
        for shard in shards:
            tensors.update(weights_io.read_safetensors(directory / shard))
        return tensors
    pickle_file = directory / "pytorch_model.bin"
    if pickle_file.is_file():
        try:
            import torch
        except ImportError as error:
            raise ImportError(
                f"{pickle_file} is a PyTorch file; reading it needs torch. Convert it to "
                f"model.safetensors, or install torch."
            ) from error
        state = torch.load(str(pickle_file), map_location="cpu", weights_only=True)
        return {name: tensor.float().numpy() if tensor.is_floating_point() else tensor.numpy()
                for name, tensor in state.items()}
    raise FileNotFoundError(
        f"{directory} has no model.safetensors, model.safetensors.index.json or pytorch_model.bin."
    )


def _canonical_name(name, prefix):
    if name.startswith(prefix):
        name = name[len(prefix):]
    # TF1-era conversions call LayerNorm parameters gamma/beta.
    if ".LayerNorm." in name or name.startswith("LayerNorm."):
        name = name.replace(".gamma", ".weight").replace(".beta", ".bias")
    return name


def _untie(tensors, tied):
    """Drop stored copies of tied weights after checking they equal their original.

    A copy whose original is absent stands in for it (some checkpoints keep
    only the copy). A copy that differs means the checkpoint is not tied,
    which a tied model cannot represent: that is an error, not a guess.
    """
    for copy, original in tied:
        if copy not in tensors:
            continue
        value = tensors.pop(copy)
        if original not in tensors:
            tensors[original] = value
        elif not np.array_equal(tensors[original], value):
            raise ValueError(
                f"{copy} differs from {original}; the model ties them, so this checkpoint "
                f"(trained untied?) cannot be loaded exactly."
            )
    return tensors


class HFCheckpoint:
    """A Hugging Face checkpoint directory: `config.json`, weights, vocabulary."""

    def __init__(self, directory):
        self.directory = Path(directory)
        self.config = json.loads((self.directory / "config.json").read_text())
        model_type = self.config.get("model_type")
        if model_type not in FAMILIES:
            raise ValueError(
                f"{self.directory}: model_type={model_type!r} is not supported; supported: "
                f"{', '.join(sorted(FAMILIES))}."
            )
        self.family = FAMILIES[model_type]
        self._tensors = None

    @property
    def tensors(self):
        if self._tensors is None:
            raw = read_tensors(self.directory)
            prefix = self.family.MODEL_PREFIX
            canonical = {_canonical_name(name, prefix): value for name, value in raw.items()}
            self._tensors = _untie(canonical, self.family.TIED)
        return self._tensors

    def spec(self):
        """The preset spec (see `keras_bert_zoo.presets`) of this checkpoint.

        A sentence-transformers directory is a `BertTextEmbedder` with its pooling,
        normalization and `max_seq_length`, whatever its config.json's architecture.
        """
        return {
            "name": str(self.directory),
            "backbone": self.family.backbone_spec(self.config),
            "tokenizer": self._tokenizer_spec(),
            "task": architectures.task_spec(self.config, self.family.ARCHITECTURE_PREFIX),
            "preprocessor": None,
            **sentence_transformers.spec_entries(self.directory),
        }

    def _tokenizer_spec(self):
        """The family's tokenizer from the files the directory holds (BERT: vocab.txt, else the
        vocabulary in tokenizer.json, all transformers 5 saves; RoBERTa: tokenizer.json, else
        vocab.json + merges.txt), with the options they say; None when there is none we can run."""
        try:
            found = self.family.TOKENIZER_FILES.tokenizer_files(self.directory)
        except ValueError as error:  # a backbone needs no tokenizer: say why there is none, load on
            logger.warning("%s; loading without a tokenizer.", error)
            return None
        if found is None:
            return None
        files, options = found
        return {"class_name": self.family.TOKENIZER_CLASS, "files": files, "config": options}

    def load(self, backbone, task=None):
        """Assign every backbone weight (and the task head's); report leftovers by name."""
        pairs = self.family.backbone_weights(backbone)
        if task is not None:
            pairs = pairs + self.family.head_weights(task)
        tensors = self.tensors
        optional = self.family.optional_weights(self.config)
        missing = [name for name, _, _ in pairs if name not in tensors and name not in optional]
        if missing:
            raise ValueError(f"{self.directory}: checkpoint lacks weights {missing}.")
        absent = [name for name, _, _ in pairs if name not in tensors]
        if absent:
            logger.warning(
                "Not in the checkpoint (its architecture has no such layer), left initialised: %s",
                ", ".join(absent),
            )
        first_source = {}  # id(variable) -> the checkpoint name assigned to it
        for name, variable, transpose in pairs:
            if name not in tensors:
                continue
            value = np.transpose(tensors[name]) if transpose else tensors[name]
            # A block the backbone shares across layers reads the weights of every layer that runs it.
            source = first_source.setdefault(id(variable), name)
            if source != name:
                if not np.array_equal(weights_io.to_numpy(variable), value):
                    raise ValueError(f"{self.directory}: {name} and {source} differ, but the backbone shares the "
                                     f"layer they load (num_layer_groups); load without sharing layers.")
                continue
            weights_io.assign(variable, value, name)
        used = {name for name, _, _ in pairs} | set(self.family.BUFFERS)
        leftover = sorted(set(tensors) - used)
        heads = [name for name in leftover if name.startswith(self.family.HEAD_PREFIXES)]
        unknown = [name for name in leftover if name not in heads]
        if unknown:
            raise ValueError(
                f"{self.directory}: weights {unknown} match nothing in {type(backbone).__name__} "
                f"(is the architecture in config.json right?)."
            )
        if heads:
            logger.warning("Not loaded (heads this model does not have): %s", ", ".join(heads))
