"""Data: readers of task files, the pretraining data path, and real assets shipped by packages.

    from keras_bert_zoo.data import read_squad, read_table

The names below load their module on first access (PEP 562): several modules
import Keras (which imports TensorFlow under its TensorFlow backend) or
tensorflow-text, and `import keras_bert_zoo.data` should cost nothing until a
reader is used.

The function `pretraining_dataset` is not exported here: its module has the
same name, and Python sets the package attribute to the module whenever that
module is imported, so `keras_bert_zoo.data.pretraining_dataset` would mean
one or the other depending on import order. Import it from
`keras_bert_zoo.data.pretraining_dataset`.
"""

from keras_bert_zoo import _lazy_attributes

# Module (in this package) -> its public readers and builders.
_EXPORTS = {
    "tables": ("read_table", "table_dataset"),
    "conll": ("conll_dataset", "iter_conll", "read_conll", "tag_names"),
    "squad": ("SquadExample", "read_squad", "write_squad"),
    "multiple_choice": ("read_multiple_choice",),
    "cloze_squad": ("build_cloze_examples", "read_paragraphs"),
    "corpus": ("read_documents", "split_sentences", "write_documents"),
    "vocabulary": ("save_vocabulary", "train_wordpiece_vocabulary"),
    "prepare": ("build_vocabulary", "load_tokenizer", "prepare_pretraining_data"),
    "pretraining_examples": ("create_instances",),
    "pretraining_shards": ("write_instances", "write_masked_examples"),
    "pretraining_dataset": ("read_manifest",),
    "masking": ("MaskedLMMasker",),
    "assets": ("minilm_checkpoint",),
    "corpora": ("fetch_corpus",),
    "wnut": ("read_wnut16",),
}
_LAZY = {name: f"{__name__}.{module}" for module, names in _EXPORTS.items() for name in names}

__all__ = sorted(_LAZY)

__getattr__, __dir__ = _lazy_attributes(__name__, _LAZY)
