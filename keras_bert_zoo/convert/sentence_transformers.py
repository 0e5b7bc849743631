"""A sentence-transformers checkpoint directory -> a `BertTextEmbedder` task and preprocessor entry.

sentence-transformers keeps what turns token vectors into a sentence embedding
next to the Hugging Face files: `modules.json` lists the modules (Transformer,
Pooling, Normalize), the Pooling module's `config.json` its mode and
`sentence_bert_config.json` the `max_seq_length`. The checkpoint reader puts
them in the spec, so every consumer (`from_preset`, `bert-zoo import-hf`, a
saved preset) sees the same embedder.
"""

import json
import logging
from pathlib import Path

logger = logging.getLogger(__name__)

# Pooling config keys -> BertTextEmbedder's mode names (modes it lacks stay named, and
# its constructor refuses them by name).
POOLING_KEYS = {
    "pooling_mode_cls_token": "cls",
    "pooling_mode_mean_tokens": "mean",
    "pooling_mode_max_tokens": "max",
    "pooling_mode_mean_sqrt_len_tokens": "mean_sqrt_len",
    "pooling_mode_weightedmean_tokens": "weightedmean",
    "pooling_mode_lasttoken": "lasttoken",
}
# Modules a BertTextEmbedder reproduces; any other (Dense, LayerNorm, ...) changes the embeddings.
KNOWN_MODULES = ("Transformer", "Pooling", "Normalize")


def spec_entries(directory):
    """{"task": BertTextEmbedder entry, "preprocessor": entry or None}, or {} without modules.json."""
    directory = Path(directory)
    if not (directory / "modules.json").is_file():
        return {}
    modules = {module["type"].rsplit(".", 1)[-1]: module
               for module in json.loads((directory / "modules.json").read_text())}
    others = sorted(set(modules) - set(KNOWN_MODULES))
    if others:
        logger.warning("%s: BertTextEmbedder has no %s module(s) of modules.json; its embeddings will "
                       "differ from sentence-transformers'.", directory, ", ".join(others))
    config = {"pooling": "mean", "normalize": "Normalize" in modules}
    if "Pooling" in modules:
        pooling = json.loads((directory / modules["Pooling"]["path"] / "config.json").read_text())
        modes = [name for key, name in POOLING_KEYS.items() if pooling.get(key)]
        # sentence-transformers concatenates several modes; "mean+max" is refused by name too.
        config["pooling"] = "+".join(modes) or pooling.get("pooling_mode") or "mean"
    st_config = directory / "sentence_bert_config.json"
    length = json.loads(st_config.read_text()).get("max_seq_length") if st_config.is_file() else None
    preprocessor = {"sequence_length": int(length), "class_name": "BertPreprocessor", "config": {}} if length else None
    return {"task": {"class_name": "BertTextEmbedder", "config": config}, "preprocessor": preprocessor}


def write_modules(directory, embedder, max_seq_length):
    """`spec_entries`' inverse: the modules.json, Pooling config and sentence_bert_config.json
    with which sentence-transformers embeds as `embedder` (a `BertTextEmbedder`) does."""
    directory = Path(directory)
    modules = [{"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
               {"idx": 1, "name": "1", "path": "1_Pooling", "type": "sentence_transformers.models.Pooling"}]
    if embedder.normalize:
        modules.append({"idx": 2, "name": "2", "path": "2_Normalize", "type": "sentence_transformers.models.Normalize"})
        (directory / "2_Normalize").mkdir(exist_ok=True)
    (directory / "modules.json").write_text(json.dumps(modules, indent=2) + "\n")
    (directory / "1_Pooling").mkdir(exist_ok=True)
    pooling = {"word_embedding_dimension": embedder.backbone.get_config()["hidden_dim"],
               **{key: mode == embedder.pooling for key, mode in POOLING_KEYS.items()}}
    (directory / "1_Pooling" / "config.json").write_text(json.dumps(pooling, indent=2) + "\n")
    (directory / "sentence_bert_config.json").write_text(
        json.dumps({"max_seq_length": max_seq_length, "do_lower_case": False}, indent=2) + "\n")
