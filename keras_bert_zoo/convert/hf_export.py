"""Zoo backbones and tasks -> Hugging Face checkpoint directories that `transformers` loads.

Export walks the same (checkpoint name, variable, transpose) list that import assigns from
(the family module's `backbone_weights` and `head_weights`), so the two directions cannot drift.
A directory gets `config.json` (the family's config keys, the architecture of the task's head and
its labels), `model.safetensors` (float32, with the metadata transformers asks for), and the
tokenizer's files when the model has a tokenizer; a `BertTextEmbedder` also gets the
sentence-transformers modules that pool and normalize as it does.
"""

import json
from pathlib import Path

import numpy as np

from keras_bert_zoo import weights_io
from keras_bert_zoo.convert import architectures, sentence_transformers
from keras_bert_zoo.convert.hf_import import FAMILIES

_BY_BACKBONE = {family.BACKBONE_CLASS: family for family in FAMILIES.values()}


def family_of(backbone):
    """The converter module of a backbone's family."""
    name = type(backbone).__name__
    if name not in _BY_BACKBONE:
        raise ValueError(f"{name} has no Hugging Face converter; supported: {', '.join(sorted(_BY_BACKBONE))}.")
    return _BY_BACKBONE[name]


def checkpoint_tensors(family, backbone, task, architecture):
    """{checkpoint name: float32 array} of a backbone (and task head) for `architecture`."""
    absent = family.optional_weights({"architectures": [architecture]})  # e.g. no pooler in ...ForMaskedLM
    pairs = [pair for pair in family.backbone_weights(backbone) if pair[0] not in absent]
    heads = family.head_weights(task) if task is not None else []
    # A model with a head nests the encoder's weights under its prefix ("bert."), a bare one does not.
    prefix = "" if architecture == family.ARCHITECTURE_PREFIX + "Model" else family.MODEL_PREFIX
    tensors = {}
    for names, prefixed in ((pairs, prefix), (heads, "")):
        for name, variable, transpose in names:
            value = weights_io.to_numpy(variable).astype("float32")
            tensors[prefixed + name] = np.ascontiguousarray(value.T if transpose else value)
    return tensors


def save_to_huggingface(model, directory, tokenizer=None, sequence_length=None):
    """Write `model` (a backbone or a task) as a Hugging Face checkpoint directory.

    Args:
        model: a zoo backbone or task model.
        directory: the directory to write (created).
        tokenizer: the tokenizer to write next to the weights (default: the task's
            preprocessor's, or the backbone's preset tokenizer; none if neither has one).
        sequence_length: `model_max_length` of the tokenizer (default: the preprocessor's,
            else the backbone's positions).

    Returns:
        The directory, as a `Path`.
    """
    from keras_bert_zoo.models.backbone import Backbone

    task = None if isinstance(model, Backbone) else model
    backbone = model if task is None else task.backbone
    family = family_of(backbone)
    architecture, head_config = architectures.hf_task_config(task, family.ARCHITECTURE_PREFIX)
    preprocessor = getattr(task, "preprocessor", None)
    tokenizer = tokenizer or (preprocessor.tokenizer if preprocessor is not None else backbone.tokenizer)
    length = sequence_length or getattr(preprocessor, "sequence_length", None) or backbone.max_sequence_length
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    config = {"model_type": family.MODEL_TYPE, "architectures": [architecture],
              **family.hf_config(backbone.get_config()), **head_config}
    if tokenizer is not None:
        # RoBERTa's positions count from its padding id: a tokenizer padding with another id
        # would shift every position in transformers.
        if config.setdefault("pad_token_id", tokenizer.pad_token_id) != tokenizer.pad_token_id:
            raise ValueError(f"The tokenizer pads with id {tokenizer.pad_token_id}, the backbone's positions count "
                             f"from padding id {config['pad_token_id']}: they must agree.")
        tokenizer.save_to_huggingface(directory, model_max_length=length)
    (directory / "config.json").write_text(json.dumps(config, indent=2) + "\n")
    weights_io.save_tensors(directory / "model.safetensors", checkpoint_tensors(family, backbone, task, architecture),
                            metadata={"format": "pt"})
    if type(task).__name__ == "BertTextEmbedder":
        sentence_transformers.write_modules(directory, task, length)
    return directory
