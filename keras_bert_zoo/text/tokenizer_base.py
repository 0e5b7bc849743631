"""What every family's tokenizer gives the preprocessors, the maskers and the example builders.

BERT and DistilBERT tokenize with WordPiece, RoBERTa with byte-level BPE, ALBERT with
SentencePiece. Nothing downstream of a tokenizer asks which one it is: it asks for special ids,
the segment layout (`text.packer`), which vocabulary entries begin a word (WordPiece marks the
others with "##", SentencePiece marks word starts with "▁", byte-level BPE with "Ġ"), the pieces
of words given one by one (`tokenize_words`), and to save the tokenizer's own files.
"""


class Tokenizer:
    """The interface of a family's tokenizer.

    A subclass gives:
        `vocabulary` (list of str), `tokenize_with_offsets(texts)` (ids and code-point offsets),
        `detokenize(ids)`; special ids `start_token_id`, `end_token_id`, `pad_token_id`,
        `mask_token_id`, `unk_token_id`; `layout` (its `text.packer.SegmentLayout`);
        `word_starts()` (for each id of the vocabulary, whether that token begins a word);
        `save_assets(directory)` (writes its files, returns their names for the preset);
        `get_config`. It keeps `_vocabulary` (the tokens in id order) and `_ids` (token -> id),
        which `token_to_id` and `id_to_token` read.
    """

    vocabulary = property(lambda self: list(self._vocabulary))
    vocabulary_size = property(lambda self: len(self._vocabulary))
    # BERT's names of the start and end tokens, which every family's tasks may ask for.
    cls_token_id = property(lambda self: self.start_token_id)
    sep_token_id = property(lambda self: self.end_token_id)

    @property
    def special_token_ids(self):
        """The sorted ids that never stand for text: the layout's, padding, mask and unknown."""
        return sorted({*self.layout.ids, self.pad_token_id, self.mask_token_id, self.unk_token_id})

    def __call__(self, inputs):
        """Token ids: int32 RaggedTensor (batch, None) for a batch, 1-D tensor for one string."""
        return self.tokenize_with_offsets(inputs)[0]

    def tokenize_words(self, words):
        """Token ids of each word of a sentence given as words (a 1-D string tensor): int32 ragged
        `(words, None)`. Each word is tokenized as a word of running text, e.g. after a space for
        byte-level BPE; WordPiece needs nothing more than tokenizing it alone."""
        return self(words)

    def token_to_id(self, token):
        if token not in self._ids:
            raise ValueError(f"Token {token!r} is not in the vocabulary.")
        return self._ids[token]

    def id_to_token(self, id):
        if isinstance(id, bool) or not hasattr(id, "__index__") or not 0 <= int(id) < len(self._vocabulary):
            raise ValueError(f"Token id {id!r} is not an int in [0, {len(self._vocabulary)}).")
        return self._vocabulary[int(id)]

    def _detokenize_rows(self, ids, detokenize_row):
        """`detokenize_row(list of int)` on one sequence of ids, or on each row of a batch (a list of
        lists, a tensor, a `tf.RaggedTensor`): a str or a list of str."""
        ids = ids.to_list() if hasattr(ids, "to_list") else ids  # tf.RaggedTensor
        if hasattr(ids, "shape") or not isinstance(ids, (list, tuple)):
            import keras

            ids = keras.ops.convert_to_numpy(ids).tolist()
        if not isinstance(ids, list):
            raise TypeError(f"`ids` must be a sequence or a batch of sequences of ints, got {ids!r}")
        if ids and all(isinstance(row, (list, tuple)) for row in ids):
            return [self._detokenize_rows(row, detokenize_row) for row in ids]
        return detokenize_row(list(ids))

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    # The module that reads and writes this kind's Hugging Face files: `tokenizer_files(directory)`
    # gives ({constructor argument: file name}, options) or None, `tokenizer_config(config,
    # model_max_length)` the tokenizer_config.json (`text.hf_files` for WordPiece, `text.bpe_files`).
    HF_FILES = None

    def save_to_huggingface(self, directory, model_max_length=512):
        """Writes the tokenizer's files and a tokenizer_config.json, which `transformers.AutoTokenizer`
        loads as the same tokenizer (ids equal), and `from_hf_dir` reads back."""
        import json
        import pathlib

        self.save_assets(directory)
        config = self.HF_FILES.tokenizer_config(self.get_config(), model_max_length)
        (pathlib.Path(directory) / "tokenizer_config.json").write_text(json.dumps(config, indent=2) + "\n")

    @classmethod
    def from_hf_dir(cls, directory):
        """The tokenizer of a Hugging Face checkpoint directory (see `HF_FILES.tokenizer_files`)."""
        import pathlib

        directory = pathlib.Path(directory)
        found = cls.HF_FILES.tokenizer_files(directory) if directory.is_dir() else None
        if found is None:
            listed = sorted(p.name for p in directory.iterdir()) if directory.is_dir() else "nothing"
            raise ValueError(f"No tokenizer files of a {cls.__name__} ({' or '.join(cls.HF_FILES.FILE_SETS)}) in "
                             f"{str(directory)!r} (found: {listed}).")
        files, options = found
        return cls(**{argument: str(directory / name) for argument, name in files.items()}, **options)


def check_tokenizer(tokenizer):
    """Raises a TypeError unless `tokenizer` is one of the zoo's tokenizers."""
    if not isinstance(tokenizer, Tokenizer):
        raise TypeError(f"`tokenizer` must be a keras_bert_zoo tokenizer (e.g. BertTokenizer), got "
                        f"{type(tokenizer).__name__}")
