"""Resolve presets: built-in names, saved directories, Hugging Face checkpoints.

Every source is turned into the same spec, a dict with
  backbone:  {"class_name", "config"}       constructor arguments
  tokenizer: {"class_name", "files", "config"} or None  (files: {constructor argument:
             file name}, e.g. {"vocabulary": "vocab.txt"}; null when not shipped)
  task:      {"class_name", "config"} or None (a saved or converted task head)
  preprocessor: {"sequence_length", "class_name", "config"} or None (config: the
                preprocessor's other options, e.g. a QA preprocessor's doc_stride)
plus where the weights come from. A built-in preset is a JSON file of
`presets/` (a wheel carries it as `keras_bert_zoo/builtin_presets`).
"""

import functools
import json
import os
from pathlib import Path

import keras

from keras_bert_zoo import weights_io

PRESET_FILE = "preset.json"
BACKBONE_WEIGHTS = "backbone.safetensors"
TASK_WEIGHTS = "task.safetensors"
HF_SCHEME = "hf://"


def builtin_directory():
    """Where the built-in preset files are.

    A wheel carries the repository's presets/ as keras_bert_zoo/builtin_presets;
    a source checkout (or an editable install) reads presets/ itself.
    """
    package = Path(__file__).parent
    for candidate in (package / "builtin_presets", package.parent / "presets"):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"No built-in presets next to {package}; the installation is broken.")


@functools.cache
def _builtin():
    """Built-in specs by name, and aliases mapped to names."""
    specs, aliases = {}, {}
    for entry in sorted(builtin_directory().glob("*.json")):
        spec = json.loads(entry.read_text())
        specs[spec["name"]] = spec
        aliases.update({alias: spec["name"] for alias in spec.get("aliases", ())})
    return specs, aliases


def list_presets():
    """Names of the built-in presets (aliases not included)."""
    return sorted(_builtin()[0])


def builtin_spec(name):
    """The spec of a built-in preset (by name or alias); ValueError lists the valid ones."""
    specs, aliases = _builtin()
    name = aliases.get(name, name)
    if name not in specs:
        valid = ", ".join(list_presets() + sorted(aliases))
        raise ValueError(
            f"Unknown preset {name!r}. Valid built-in presets: {valid}. A preset can also be a "
            f"directory saved with save_to_preset, a Hugging Face checkpoint directory or "
            f"'{HF_SCHEME}org/name'."
        )
    return specs[name]


def download_hf(repo_id):
    """Download a checkpoint from the Hugging Face Hub; clear message when offline."""
    advice = (
        "Pass load_weights=False for a randomly initialised model of the same architecture, "
        "or download the checkpoint where the Hub is reachable and pass its local directory."
    )
    try:
        from huggingface_hub import snapshot_download
    except ImportError as error:
        raise ImportError(
            f"Fetching '{repo_id}' needs huggingface_hub (pip install huggingface_hub). {advice}"
        ) from error
    # transformers 5 saves the vocabulary only in tokenizer.json; byte-level BPE (RoBERTa) keeps
    # it in vocab.json + merges.txt; sentence-transformers keeps its pooling, normalization and
    # length in the files of the third line.
    patterns = ["config.json", "*.safetensors", "vocab.txt", "tokenizer.json", "tokenizer_config.json",
                "vocab.json", "merges.txt",
                "modules.json", "sentence_bert_config.json", "*Pooling/config.json"]
    try:
        directory = snapshot_download(repo_id, allow_patterns=patterns)
    except Exception as error:  # Network, auth and offline-mode errors all land here.
        raise OSError(
            f"Could not download '{repo_id}' from the Hugging Face Hub "
            f"({type(error).__name__}: {error}). {advice}"
        ) from error
    if not any(Path(directory).glob("*.safetensors")):
        # Old repositories hold only pytorch_model.bin; fetch it (read with weights_only=True).
        directory = snapshot_download(repo_id, allow_patterns=patterns + ["pytorch_model.bin"])
    return directory


def resolve(preset, need_weights=True):
    """Turn a preset handle into a `ResolvedPreset`."""
    if isinstance(preset, os.PathLike):
        preset = os.fspath(preset)
    if not isinstance(preset, str):
        raise TypeError(f"A preset is a name or a path, got {type(preset).__name__}.")
    if preset.startswith(HF_SCHEME):
        return _from_hf(download_hf(preset[len(HF_SCHEME):]))
    path = Path(preset).expanduser()
    if path.is_dir():
        if (path / PRESET_FILE).is_file():
            spec = json.loads((path / PRESET_FILE).read_text())
            return ResolvedPreset(spec, directory=path)
        if (path / "config.json").is_file():
            return _from_hf(path)
        raise ValueError(
            f"{path} holds neither {PRESET_FILE} (a keras-bert-zoo preset) nor config.json "
            f"(a Hugging Face checkpoint)."
        )
    if os.sep in preset or preset.startswith("."):
        raise ValueError(f"Preset directory {preset!r} does not exist.")
    spec = builtin_spec(preset)
    if need_weights:
        return _from_hf(download_hf(spec["weights"]["hf_repo"]))
    return ResolvedPreset(spec, directory=None)


def _from_hf(directory):
    from keras_bert_zoo.convert import hf_import

    checkpoint = hf_import.HFCheckpoint(directory)
    return ResolvedPreset(checkpoint.spec(), directory=Path(directory), checkpoint=checkpoint)


class ResolvedPreset:
    """A preset spec plus the place its weights and vocabulary come from."""

    def __init__(self, spec, directory, checkpoint=None):
        self.spec = spec
        self.directory = directory
        self.checkpoint = checkpoint

    @property
    def name(self):
        return self.spec.get("name") or str(self.directory)

    def build_backbone(self, expected_class=None, **overrides):
        """A randomly initialised backbone of the preset's architecture."""
        entry = self.spec["backbone"]
        import keras_bert_zoo.models  # noqa: F401 (registers the backbone classes looked up here)

        cls = keras.saving.get_registered_object(f"keras_bert_zoo>{entry['class_name']}")
        if expected_class is not None and not issubclass(cls, expected_class):
            raise ValueError(
                f"Preset {self.name!r} holds a {entry['class_name']}, not a {expected_class.__name__}."
            )
        return cls(**{**entry["config"], **overrides})

    def saved_task_class(self):
        """The class name of the task head the preset holds, or None (a backbone preset)."""
        return (self.spec.get("task") or {}).get("class_name")

    def load_weights(self, backbone, task=None):
        """Load the backbone's weights, and the head of `task` (which must be the saved task's
        class, with its head-shaping arguments) when given; otherwise the head stays as it is."""
        if task is not None and type(task).__name__ != self.saved_task_class():
            raise ValueError(f"Preset {self.name!r} holds no {type(task).__name__} head.")
        if self.checkpoint is not None:
            self.checkpoint.load(backbone, task)
        elif self.directory is not None:
            weights_io.load_variables(self.directory / BACKBONE_WEIGHTS, backbone.weights)
            if task is not None:
                weights_io.load_variables(self.directory / TASK_WEIGHTS, task.head_weights())
        else:
            raise ValueError(f"Preset {self.name!r} was resolved without weights.")

    def has_tokenizer(self):
        """Whether the preset's tokenizer can be built here (its files are at hand)."""
        return bool(_tokenizer_files(self.spec.get("tokenizer") or {}))

    def build_tokenizer(self):
        entry = self.spec.get("tokenizer")
        if not entry:
            raise ValueError(f"Preset {self.name!r} has no tokenizer.")
        files = _tokenizer_files(entry)
        if not files:
            file_sets = _tokenizer_class(entry["class_name"]).HF_FILES.FILE_SETS
            raise ValueError(
                f"The tokenizer files of preset {self.name!r} ({' or '.join(file_sets)}) are not "
                f"shipped with keras-bert-zoo, so it cannot be tokenized offline. Load it with "
                f"load_weights=True where the Hugging Face Hub is reachable (the checkpoint brings its "
                f"tokenizer files), or pass a local checkpoint directory that holds them."
            )
        return tokenizer_from_record({**entry, "files": files}, self.directory or builtin_directory())

    def sequence_length(self, default=512):
        return (self.spec.get("preprocessor") or {}).get("sequence_length", default)

    def preprocessor_options(self, preprocessor_class):
        """The saved preprocessor's options other than its length, if it was a `preprocessor_class`."""
        entry = self.spec.get("preprocessor") or {}
        return dict(entry.get("config") or {}) if entry.get("class_name") == preprocessor_class.__name__ else {}

    def task_config(self, task_class):
        """The saved/converted task arguments if they are for `task_class`."""
        entry = self.spec.get("task")
        if entry and entry["class_name"] == task_class.__name__:
            return dict(entry["config"])
        return {}


def load_model(preset, sequence_length=None):
    """(model, backbone): the task a preset (or checkpoint) holds, loaded with its weights, else
    its backbone (with its tokenizer as `backbone.tokenizer`, None when it has none)."""
    import keras_bert_zoo.tasks  # noqa: F401 (registers the task classes looked up below)

    resolved = resolve(preset)
    task_entry = resolved.spec.get("task")
    if task_entry:
        task_class = keras.saving.get_registered_object(f"keras_bert_zoo>{task_entry['class_name']}")
        model = task_class.from_preset(resolved.directory or preset, sequence_length=sequence_length)
        return model, model.backbone
    backbone = resolved.build_backbone()
    resolved.load_weights(backbone)
    backbone.tokenizer = resolved.build_tokenizer() if resolved.has_tokenizer() else None
    return backbone, backbone


def save(directory, backbone, tokenizer=None, task=None, preprocessor=None, backbone_config=None):
    """Write a preset directory: spec, safetensors weights, vocabulary.

    `preprocessor` (optional) gives the tokenizer, the sequence length and
    the preprocessor's other options; `backbone_config` (optional) holds
    constructor arguments to record in place of the backbone's own.
    """
    backbone_config = backbone_config or {}
    recorded = _plain_config(backbone)
    unknown = sorted(set(backbone_config) - set(recorded))
    if unknown:
        raise ValueError(f"{type(backbone).__name__} has no constructor argument(s) {unknown}.")
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    spec = {
        "format": "keras_bert_zoo/1",
        "backbone": {"class_name": type(backbone).__name__, "config": {**recorded, **backbone_config}},
        "tokenizer": None,
        "task": None,
        "preprocessor": _preprocessor_entry(preprocessor),
    }
    if tokenizer is not None:
        spec["tokenizer"] = tokenizer_record(tokenizer, directory)
    weights_io.save_variables(directory / BACKBONE_WEIGHTS, backbone.weights)
    if task is not None:
        spec["task"] = {"class_name": type(task).__name__, "config": task.head_config()}
        weights_io.save_variables(directory / TASK_WEIGHTS, task.head_weights())
    (directory / PRESET_FILE).write_text(json.dumps(spec, indent=2) + "\n")


def tokenizer_record(tokenizer, directory):
    """Writes `tokenizer`'s files into `directory`; returns the record that `tokenizer_from_record`
    builds it back from: `{"class_name", "files": {constructor argument: file name}, "config": the
    other constructor arguments}` (a preset's, and a shard directory's, tokenizer entry)."""
    files = tokenizer.save_assets(directory)
    config = {key: value for key, value in tokenizer.get_config().items() if key not in files}
    return {"class_name": type(tokenizer).__name__, "files": files, "config": config}


def _tokenizer_class(name):
    import keras_bert_zoo.text  # noqa: F401 (registers the tokenizer classes; TensorFlow loads lazily)

    cls = keras.saving.get_registered_object(f"keras_bert_zoo>{name}")
    if cls is None:
        raise ValueError(f"Unknown tokenizer class {name!r}.")
    return cls


def tokenizer_from_record(record, root):
    """The tokenizer of a `tokenizer_record`, its files read from the directory `root`."""
    cls = _tokenizer_class(record["class_name"])
    # `files` maps constructor arguments to file names (BERT: a vocab.txt or a Hugging Face
    # tokenizer.json, which the tokenizer reads either way; save() writes the tokenizer's own).
    return cls(**{argument: str(Path(root) / name) for argument, name in record["files"].items()},
               **record.get("config", {}))


def _tokenizer_files(entry):
    """{constructor argument: file name} of a preset's tokenizer entry; None when they are not shipped.
    Presets saved before the entry was generic name a BERT vocabulary only."""
    return entry.get("files") if "files" in entry else ({"vocabulary": entry["vocabulary"]}
                                                         if entry.get("vocabulary") else None)


def _preprocessor_entry(preprocessor):
    if preprocessor is None:
        return None
    options = {key: value for key, value in preprocessor.get_config().items()
               if key not in ("tokenizer", "sequence_length")}
    return {"sequence_length": preprocessor.sequence_length, "class_name": type(preprocessor).__name__,
            "config": options}


def _plain_config(backbone):
    """Constructor arguments without the name/dtype/trainable bookkeeping."""
    return {k: v for k, v in backbone.get_config().items() if k not in ("name", "trainable", "dtype")}
