"""`keras_bert_zoo.data` exports its readers and builders, and loads none of them on import."""

import importlib
import json
import pkgutil
import subprocess
import sys

import pytest

import keras_bert_zoo.data as data


def test_every_exported_name_is_its_module_object():
    assert data.__all__ == sorted(set(data.__all__))
    # Importing every submodule first is the order in which a name shared with a
    # module would resolve to the module instead (see the package docstring).
    modules = [importlib.import_module(f"{data.__name__}.{info.name}") for info in pkgutil.iter_modules(data.__path__)]
    for name in data.__all__:
        # The one submodule that defines the object (others may import it).
        home = [module for module in modules if getattr(vars(module).get(name), "__module__", None) == module.__name__]
        assert len(home) == 1, (name, home)
        assert getattr(data, name) is getattr(home[0], name), name
    assert set(data.__all__) <= set(dir(data))


def test_unknown_name_is_an_attribute_error():
    with pytest.raises(AttributeError, match="read_everything"):
        data.read_everything


def test_import_loads_no_submodule():
    # Relative to `import keras_bert_zoo`, so the check holds whatever that imports.
    script = ("import json, sys, keras_bert_zoo; before = set(sys.modules); import keras_bert_zoo.data; "
              "print(json.dumps(sorted(set(sys.modules) - before)))")
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    new = json.loads(result.stdout.strip().splitlines()[-1])
    assert set(new) <= {"keras_bert_zoo.data"}, new
