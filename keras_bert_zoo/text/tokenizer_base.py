"""What every family's tokenizer gives the preprocessors, the maskers and the example builders.

BERT and DistilBERT tokenize with WordPiece, RoBERTa with byte-level BPE, ALBERT with
SentencePiece. Nothing downstream of a tokenizer asks which one it is: it asks for special ids,
the segment layout (`text.packer`), which vocabulary entries begin a word (WordPiece marks the
others with "##", SentencePiece marks word starts with "▁", byte-level BPE with "Ġ"), and to
save the tokenizer's own files.
"""


class Tokenizer:
    """The interface of a family's tokenizer.

    A subclass gives:
        `vocabulary` (list of str), `__call__(texts)` (int32 ragged ids per text),
        `tokenize_with_offsets(texts)` (ids and code-point offsets), `detokenize(ids)`;
        special ids `start_token_id`, `end_token_id`, `pad_token_id`, `mask_token_id`,
        `unk_token_id`; `layout` (its `text.packer.SegmentLayout`); `word_starts()` (for each id
        of the vocabulary, whether that token begins a word); `save_assets(directory)` (writes
        its files, returns their names for the preset); `get_config` / `from_config`.
    """

    @property
    def vocabulary_size(self):
        return len(self.vocabulary)

    @property
    def special_token_ids(self):
        """The sorted ids that never stand for text: the layout's, padding, mask and unknown."""
        return sorted({*self.layout.ids, self.pad_token_id, self.mask_token_id, self.unk_token_id})


def check_tokenizer(tokenizer):
    """Raises a TypeError unless `tokenizer` is one of the zoo's tokenizers."""
    if not isinstance(tokenizer, Tokenizer):
        raise TypeError(f"`tokenizer` must be a keras_bert_zoo tokenizer (e.g. BertTokenizer), got "
                        f"{type(tokenizer).__name__}")
