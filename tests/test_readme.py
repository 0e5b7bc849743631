"""The README's code runs, so the tour cannot drift from the code.

- Every ```python block is executed against tiny offline models. It runs in a scratch
  directory that holds what the README's relative paths name ("path/to/bert-finetuned-sst2",
  "train-v2.0.json", "dev-v2.0.json"; "my_model" is written by the block itself), with the
  README's data variables (`ids`, `words`, ...) defined; `SUBSTITUTIONS` rewrites only what
  cannot run here as written (bert-base needs a 440 MB download, 384 tokens are slow).
- Every `bert-zoo` command of a ```bash block or of inline code is parsed, not run, by
  the CLI's own argparse parser: the subcommand must exist and take every flag given.
- Every repository path the README names exists.
"""

import argparse
import contextlib
import io
import re
import shlex
import shutil

import numpy as np
import pytest

import harness

# The tour's code paths run on every backend in the task tests; here the README is checked once.
pytestmark = pytest.mark.once

README = (harness.REPO / "README.md").read_text(encoding="utf-8")

# README text -> what runs instead, applied in this order. Each must match at least once
# (test_every_substitution_matches), so a README edit that drops one is noticed.
SUBSTITUTIONS = {
    # A built-in architecture at random init, offline as written, but 110M parameters.
    'from_preset("base", load_weights=False)': 'from_preset("bert_tiny", load_weights=False)',
    'from_preset("base"': "from_preset(TINY_PRESET",  # bert-base's weights: a download
    "sequence_length=384": "sequence_length=32",  # TINY_BERT's positions
    "layers=(0, 2, 4)": "layers=(0, 1)",  # the stand-in for MiniLM has 2 layers, not 6
}

CONTEXT = "It was written by Herman Melville."


def blocks(language):
    """`(README lines before the code, code)` of every ```language block."""
    pattern = re.compile(rf"^```{language}\n(.*?)^```$", re.S | re.M)
    return [(README.count("\n", 0, match.start(1)), match.group(1)) for match in pattern.finditer(README)]


def substituted(code):
    for old, new in SUBSTITUTIONS.items():
        code = code.replace(old, new)
    return code


@pytest.fixture(scope="module")
def scratch(tmp_path_factory, hf_bert_classifier, hf_bert_model):
    """The README's relative paths, made real: tiny random models and a two-question SQuAD v2 file."""
    from keras_bert_zoo import BertBackbone, BertTokenizer
    from keras_bert_zoo.data import SquadExample, write_squad

    root = tmp_path_factory.mktemp("readme")
    tokenizer = BertTokenizer(harness.small_vocabulary(harness.TINY_BERT["vocabulary_size"]))
    BertBackbone(**harness.TINY_BERT).save_to_preset(root / "tiny", tokenizer=tokenizer)
    for name, (checkpoint, _) in {"path/to/bert-finetuned-sst2": hf_bert_classifier,
                                  "minilm": hf_bert_model}.items():
        shutil.copytree(checkpoint, root / name)
        (root / name / "vocab.txt").write_text("\n".join(harness.small_vocabulary(99)) + "\n")
    answer = {"text": "Herman Melville", "answer_start": CONTEXT.index("Herman")}
    examples = [SquadExample("1", "Who wrote it?", CONTEXT, [answer]),
                SquadExample("2", "Who read it?", CONTEXT, is_impossible=True)]
    for name in ("train-v2.0.json", "dev-v2.0.json"):
        write_squad(examples, root / name)
    return root


def placeholders(root):
    """The names the README's blocks use without defining them, with small real values."""
    inputs = harness.backbone_inputs(harness.TINY_BERT["vocabulary_size"], batch=2, length=8)
    return {
        "ids": inputs["token_ids"], "seg": inputs["segment_ids"], "mask": inputs["padding_mask"],
        "first_sentences": ["a good film", "a dull film"],
        "second_sentences": ["a great movie", "a tax form"],
        "scores": np.array([0.9, 0.1], "float32"),
        "words": [["John", "lives", "here"], ["Mary", "met", "John"]],
        "tags": [["B-PER", "O", "O"], ["B-PER", "O", "B-PER"]],
        "minilm_directory": str(root / "minilm"),
        "TINY_PRESET": str(root / "tiny"),
    }


def test_readme_has_code():
    assert blocks("python") and bash_commands()


def test_every_substitution_matches():
    code = "".join(block for _, block in blocks("python"))
    for old, new in SUBSTITUTIONS.items():
        assert old in code, f"README no longer contains {old!r}; update SUBSTITUTIONS"
        code = code.replace(old, new)


def run_eagerly(monkeypatch):
    """Make `fit` run its steps eagerly: tracing and XLA-compiling a training step takes longer
    than the one step the README gives each model (compiled training is tested per task)."""
    import keras

    compile = keras.Model.compile

    def eager_compile(self, *args, **kwargs):
        kwargs.setdefault("run_eagerly", True)
        return compile(self, *args, **kwargs)

    monkeypatch.setattr(keras.Model, "compile", eager_compile)


@pytest.mark.filterwarnings("ignore:.*the head is newly initialised")  # the tiny preset has no heads
@pytest.mark.parametrize("line, code", blocks("python"), ids=[f"line{line + 1}" for line, _ in blocks("python")])
def test_python_block_runs(line, code, scratch, monkeypatch):
    run_eagerly(monkeypatch)
    monkeypatch.chdir(scratch)
    # Blank lines in front, so a traceback names the README's own line numbers.
    exec(compile("\n" * line + substituted(code), str(harness.REPO / "README.md"), "exec"), placeholders(scratch))


def bash_commands():
    """The `bert-zoo ...` command lines of the README's bash blocks and of its inline code."""
    commands = [line for _, block in blocks("bash") for line in block.replace("\\\n", " ").splitlines()
                if line.startswith("bert-zoo ")]
    return commands + [" ".join(text.split()) for text in re.findall(r"`(bert-zoo [^`]+)`", README)]


def parse_cli(argv):
    """The namespace `bert-zoo argv` parses to, without running the command; an argparse
    error fails the test with its message."""
    from keras_bert_zoo import cli

    errors = io.StringIO()
    with contextlib.redirect_stderr(errors), contextlib.redirect_stdout(io.StringIO()):
        try:
            return cli.parser().parse_args(argv)
        except SystemExit as exit:
            if exit.code == 0 and "--help" in argv:  # help printed: the command exists
                return argparse.Namespace(command=argv[0])
            pytest.fail(f"bert-zoo {shlex.join(argv)}: {errors.getvalue()}")


@pytest.mark.parametrize("command", bash_commands())
def test_cli_command_parses(command):
    argv = shlex.split(command, comments=True)[1:]
    assert parse_cli(argv).command == argv[0]


def test_named_repository_paths_exist():
    # A file with an extension, a folder written with its slash, .ci's scripts, DESIGN.md
    # (not "examples/s", the unit).
    top = r"(?:bench|examples|keras_bert_zoo|presets|tests)"
    names = re.findall(rf"(?<![\w/.])({top}/[\w./-]*(?:\.\w+|/)|\.ci/\w+|DESIGN\.md)", README)
    assert names
    missing = sorted({name for name in names if not (harness.REPO / name).exists()})
    assert not missing, missing
