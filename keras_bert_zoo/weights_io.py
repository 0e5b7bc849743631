"""Weights as safetensors files keyed by Keras variable path (no pickle)."""

import os

import numpy as np
from keras import ops


def _keyed(variables):
    keyed = {}
    for variable in variables:
        if variable.path in keyed:
            raise ValueError(f"Two variables share the path {variable.path!r}; cannot save by name.")
        keyed[variable.path] = variable
    return keyed


def assign(variable, array, source_name):
    """Assign `array` to `variable`, naming both if the shapes differ."""
    array = np.asarray(array)
    if tuple(array.shape) != tuple(variable.shape):
        raise ValueError(
            f"Weight {source_name!r} has shape {tuple(array.shape)} but "
            f"{variable.path!r} expects {tuple(variable.shape)}."
        )
    variable.assign(array.astype(variable.dtype))


def to_numpy(variable):
    """A variable's value as a numpy array (half precision widened to float32)."""
    value = variable.value
    # numpy has no bfloat16; half-precision weights are stored widened.
    if variable.dtype in ("bfloat16", "float16"):
        value = ops.cast(value, "float32")
    array = ops.convert_to_numpy(value)
    # ascontiguousarray makes scalars 1-D; keep the shape (step counters are scalars).
    return np.ascontiguousarray(array).reshape(array.shape)


def save_variables(path, variables):
    """Write `variables` to a safetensors file, one tensor per variable path."""
    save_tensors(path, {key: to_numpy(variable) for key, variable in _keyed(variables).items()},
                 metadata={"format": "keras_bert_zoo"})


def save_tensors(path, tensors, metadata):
    """Write numpy arrays by name to a safetensors file readable by everyone who can read new files."""
    from safetensors.numpy import save_file

    save_file(tensors, str(path), metadata=metadata)
    # save_file writes a private (0600) temporary file and renames it; give the
    # file the mode any other new file gets, so shared presets stay readable.
    os.chmod(path, _new_file_mode())


def _new_file_mode():
    """0666 less the umask, as open() creates files (the umask is read by setting it)."""
    umask = os.umask(0o022)
    os.umask(umask)
    return 0o666 & ~umask


def read_safetensors(path):
    """Every tensor of a safetensors file, as numpy arrays by name.

    All our safetensors reads go through here so that a damaged file (cut short
    by an interrupted download or copy) is reported by name, not as a bare
    SafetensorError.
    """
    from safetensors import SafetensorError
    from safetensors.numpy import load_file

    try:
        return load_file(str(path))
    except SafetensorError as error:
        raise ValueError(
            f"{path} is damaged or incomplete (an interrupted download or copy?): {error}. "
            f"Download or copy it again."
        ) from error


def load_variables(path, variables):
    """Load a file written by `save_variables`; every name must match exactly."""
    tensors = read_safetensors(path)
    keyed = _keyed(variables)
    missing = sorted(set(keyed) - set(tensors))
    unexpected = sorted(set(tensors) - set(keyed))
    if missing or unexpected:
        raise ValueError(
            f"{path} does not match the model. Missing: {missing or 'none'}. "
            f"Unexpected: {unexpected or 'none'}."
        )
    for key, variable in keyed.items():
        assign(variable, tensors[key], f"{path}:{key}")
