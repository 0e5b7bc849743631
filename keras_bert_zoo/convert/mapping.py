"""Weight-name tables: `(checkpoint name, Keras variable, transpose?)` triples.

Every family's converter lists its weights as `(checkpoint name, attribute path)` entries,
expanded here into triples; import assigns checkpoint tensors to the variables, export writes
the variables under the names, so both directions read one table. torch's `Linear` stores
`(out, in)` and a Keras kernel is `(in, out)`, hence the transpose flag.
"""

import functools

import keras


def triples(name, item):
    """The triples of a Dense layer (`name.weight`, `name.bias`), a LayerNormalization (the same
    names, as transformers calls them) or one variable (`name` itself)."""
    if isinstance(item, keras.layers.Dense):
        return [(f"{name}.weight", item.kernel, True), (f"{name}.bias", item.bias, False)]
    if isinstance(item, keras.layers.LayerNormalization):
        return [(f"{name}.weight", item.gamma, False), (f"{name}.bias", item.beta, False)]
    return [(name, item, False)]


def table(root, entries):
    """The triples of `(checkpoint name, attribute path from root)` entries, e.g.
    `("classifier", "head.dense")`."""
    return [triple for name, path in entries
            for triple in triples(name, functools.reduce(getattr, path.split("."), root))]


# The sublayers of a `TransformerBlock`, by attribute path.
BLOCK_LAYERS = ("attention.query", "attention.key", "attention.value", "attention.output_dense",
                "attention_layer_norm", "intermediate", "output_dense", "output_layer_norm")


def transformer_blocks(prefix, blocks, names):
    """The triples of every block of `blocks`, block i's sublayer at path p named
    `{prefix}.{i}.{names[p]}` (`names` covers `BLOCK_LAYERS`). Given a backbone's
    `layers_in_call_order()`, a family without shared layers in transformers gets a shared block
    once per layer that runs it: export writes copies, import checks that they agree."""
    return [triple for index, block in enumerate(blocks)
            for triple in table(block, [(f"{prefix}.{index}.{names[path]}", path) for path in BLOCK_LAYERS])]


def head_weights(task, heads):
    """The triples of a task's head from a family's `{task class name: entries}` table."""
    name = type(task).__name__
    if name not in heads:
        raise ValueError(f"No Hugging Face head mapping for {name}.")
    return table(task, heads[name])


def pooler_weights_if_poolerless(config, poolerless_architectures, pooler="pooler.dense"):
    """The weight names of the pooler (the dense layer named `pooler`) when the checkpoint's
    architecture is one that transformers builds without a pooler (`add_pooling_layer=False`), else
    none: what a family's `optional_weights` says."""
    if set(config.get("architectures") or ()) & set(poolerless_architectures):
        return (f"{pooler}.weight", f"{pooler}.bias")
    return ()
