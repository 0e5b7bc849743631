"""WordPiece vocabulary learning for `keras_bert_zoo.text.BertTokenizer` (and byte-level BPE for
`RobertaTokenizer`, with the `tokenizers` library: `train_bpe_vocabulary`; a SentencePiece Unigram
model for `AlbertTokenizer`, with the `sentencepiece` library: `train_sentencepiece_vocabulary`).

The learning algorithm is tensorflow-text's (`wordpiece_tokenizer_learner_lib.learn`, the one
behind `bert_vocab_from_dataset` and keras-hub's `compute_word_piece_vocabulary`). What is ours
is the input: the words it counts are split and normalized by `BertTokenizer`'s own per-character
normalization (lowercasing, accent stripping, punctuation and CJK splitting), so every learned
piece is one the tokenizer can produce. Every character of the corpus (up to
`max_unique_characters`, the most frequent first) is kept, alone and as a "##" continuation, so
[UNK] only comes from characters the corpus never had.
"""

import collections
import io
import json
import os
import pathlib
import sys

from keras_bert_zoo.data.corpus import read_documents
from keras_bert_zoo.text.tokenizer import BertTokenizer

# BERT's order: [PAD] must be id 0 (padding masks are `token_ids != 0`), [UNK] 1, [CLS] 2, [SEP] 3,
# [MASK] 4, as in the vocabularies of the original small BERTs.
RESERVED_TOKENS = ("[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]")


class WordSplitter:
    """Splits text into the words that `BertTokenizer` hands to WordPiece.

    The tokenizer normalizes each character on its own; this applies the same normalization,
    computed with TensorFlow once per distinct character, with `str.translate`.

    Example:
        >>> WordSplitter()("Héllo, world!")
        ['hello', ',', 'world', '!']
    """

    def __init__(self, lowercase=True, strip_accents=None, tokenize_chinese_chars=True):
        self._tokenizer = BertTokenizer(list(RESERVED_TOKENS), lowercase=lowercase, strip_accents=strip_accents,
                                        tokenize_chinese_chars=tokenize_chinese_chars)
        self._table = {}  # code point -> normalized str (" " around split-off characters)

    def __call__(self, text):
        new = {c for c in set(text) if ord(c) not in self._table}
        if new:
            import tensorflow as tf

            new = sorted(new)
            # The tokenizer's own (private) normalization, so that the two can never differ.
            normalized = self._tokenizer._normalize(tf.constant(new)).numpy()
            self._table.update({ord(c): n.decode("utf-8") for c, n in zip(new, normalized)})
        # The tokenizer splits the normalized text on " " only: other whitespace normalizes to it.
        return [word for word in text.translate(self._table).split(" ") if word]


def count_words(documents, lowercase=True, strip_accents=None, tokenize_chinese_chars=True, verbose=True):
    """Counts the words of a corpus as `BertTokenizer` splits and normalizes them.

    Args:
        documents: a path (str or os.PathLike: file, directory or glob) or a list of
            `os.PathLike`, read with `read_documents`; or any iterable of documents, each a str or
            a list of str.
        lowercase, strip_accents, tokenize_chinese_chars: as in `BertTokenizer`.
        verbose: show a progress bar (documents and words read) on stderr.

    Returns:
        A `collections.Counter` of words.
    """
    from tqdm.auto import tqdm

    split = WordSplitter(lowercase, strip_accents, tokenize_chinese_chars)
    counts, total = collections.Counter(), 0
    with tqdm(_documents(documents), unit=" documents", disable=not verbose, file=sys.stderr) as progress:
        for texts in progress:
            for text in texts:
                words = split(text)
                counts.update(words)
                total += len(words)
            progress.set_postfix(words=total, refresh=False)
    return counts


def _documents(documents):
    """The documents of a path or an iterable (see `count_words`), each as a list of str."""
    if isinstance(documents, (str, os.PathLike)) or (
            isinstance(documents, (list, tuple)) and documents and all(isinstance(d, os.PathLike) for d in documents)):
        documents = read_documents(documents, split_into_sentences=False)
    elif isinstance(documents, (bytes, dict)) or not hasattr(documents, "__iter__"):
        raise TypeError(f"`documents` must be a path or an iterable of documents, got {documents!r:.80}")

    def checked():
        for index, document in enumerate(documents):
            texts = [document] if isinstance(document, str) else document
            if not isinstance(texts, (list, tuple)) or not all(isinstance(t, str) for t in texts):
                raise TypeError(f"Document {index} must be a str or a list of str, got {document!r:.80}")
            yield texts

    return checked()


def train_wordpiece_vocabulary(documents, vocabulary_size, lowercase=True, strip_accents=None,
                               tokenize_chinese_chars=True, reserved_tokens=RESERVED_TOKENS,
                               max_unique_characters=1000, max_word_length=50, verbose=True):
    """Learns a WordPiece vocabulary of at most `vocabulary_size` tokens from a corpus.

    Args:
        documents: a path or documents, as in `count_words`.
        vocabulary_size: the most tokens. The learner searches a count threshold for 95-100% of
            it; on small corpora a threshold step can change the size more, and it returns fewer.
        lowercase, strip_accents, tokenize_chinese_chars: as in `BertTokenizer`; give the
            tokenizer the same values.
        reserved_tokens: the first tokens, in this order (ids 0, 1, ...). `BertTokenizer` needs
            [PAD], [UNK], [CLS], [SEP] and [MASK]; add e.g. "[unused0]" for later use.
        max_unique_characters: the alphabet is the most frequent characters up to this many;
            words with other characters are not learned from (they become [UNK]).
        max_word_length: longer words (in characters) are not learned from.
        verbose: show progress on stderr.

    Returns:
        A list of str: the reserved tokens, the alphabet, then pieces ("##" marks a
        continuation) by decreasing count.

    Example:
        >>> vocabulary = train_wordpiece_vocabulary("examples/data/moby_dick/train.txt", 8000)
        >>> tokenizer = BertTokenizer(vocabulary, lowercase=True)
    """
    reserved_tokens = list(reserved_tokens)
    if any(not isinstance(t, str) or not t or t != "".join(t.split()) for t in reserved_tokens) or (
            len(set(reserved_tokens)) != len(reserved_tokens)):
        raise ValueError(f"`reserved_tokens` must be distinct non-empty str without spaces, got {reserved_tokens}")
    if type(vocabulary_size) is not int or vocabulary_size <= len(reserved_tokens):
        raise ValueError(f"`vocabulary_size` must be an int > {len(reserved_tokens)} (the reserved tokens), "
                         f"got {vocabulary_size!r}")
    counts = count_words(documents, lowercase, strip_accents, tokenize_chinese_chars, verbose)
    if not counts:
        raise ValueError("The corpus has no words to learn a vocabulary from.")
    characters = collections.Counter()
    for word, count in counts.items():
        for character in word:
            characters[character] += count
    alphabet = sorted(c for c, _ in characters.most_common(max_unique_characters))
    essential = reserved_tokens + alphabet + ["##" + c for c in alphabet]
    if len(essential) > vocabulary_size:
        raise ValueError(f"`vocabulary_size`={vocabulary_size} cannot hold the {len(reserved_tokens)} reserved "
                         f"tokens and the corpus's {len(alphabet)} characters with their '##' forms: it needs "
                         f"at least {len(essential)}.")
    from tensorflow_text.tools.wordpiece_vocab import wordpiece_tokenizer_learner_lib as learner

    if verbose:
        print(f"Learning {vocabulary_size} WordPiece tokens from {len(counts)} distinct words...", file=sys.stderr)
    # lower_thresh=1: small corpora need pieces seen only a few times to fill the vocabulary.
    vocabulary = learner.learn(counts, vocabulary_size, reserved_tokens, lower_thresh=1,
                               max_token_length=max_word_length, max_unique_chars=max_unique_characters)
    # The learner's alphabet misses characters seen only in words longer than max_word_length.
    learned = set(vocabulary)
    vocabulary += [token for token in essential if token not in learned]
    surplus = len(vocabulary) - vocabulary_size
    if surplus > 0:  # drop the rarest learned pieces (they come last), never essential ones
        essential = set(essential)
        rarest = set([token for token in reversed(vocabulary) if token not in essential][:surplus])
        vocabulary = [token for token in vocabulary if token not in rarest]
    return vocabulary


def save_vocabulary(vocabulary, directory):
    """Writes `directory/vocab.txt` (one token per line, as Hugging Face and BERT read it) after
    `BertTokenizer`'s checks of the vocabulary; returns its path."""
    tokenizer = BertTokenizer(vocabulary)
    return str(pathlib.Path(directory) / tokenizer.save_assets(directory)["vocabulary"])


# RoBERTa's order: <s> 0, <pad> 1 (its position ids count from the padding id), </s> 2, <unk> 3;
# <mask> comes last, where RoBERTa's vocabulary has it.
BPE_RESERVED_TOKENS = ("<s>", "<pad>", "</s>", "<unk>")
BPE_MASK_TOKEN = "<mask>"


def train_bpe_vocabulary(documents, vocabulary_size, min_frequency=2, verbose=True):
    """Learns a byte-level BPE vocabulary (RoBERTa's kind) of `vocabulary_size` tokens with the
    `tokenizers` library.

    The words are cut as `RobertaTokenizer` cuts them (GPT-2's regex, no prefix space) and the
    alphabet is all 256 bytes, so no text has an unknown token.

    Args:
        documents: a path or documents, as in `count_words`.
        vocabulary_size: the most tokens: `<s>`, `<pad>`, `</s>`, `<unk>` (ids 0-3), the 256
            byte characters, the learned merges, and `<mask>` last. Small corpora may give fewer.
        min_frequency: the fewest times a pair must occur to be merged.
        verbose: show the `tokenizers` progress bar.

    Returns:
        A `keras_bert_zoo.text.RobertaTokenizer` (save it with `data.prepare.save_tokenizer`, as
        `bert-zoo vocab --kind bpe` does).

    Example:
        >>> tokenizer = train_bpe_vocabulary("examples/data/moby_dick/train.txt", 8000)
        >>> save_tokenizer(tokenizer, "vocabulary")  # vocab.json, merges.txt, tokenizer_record.json
    """
    try:
        import tokenizers
        from tokenizers import models, pre_tokenizers, trainers
    except ImportError as error:
        raise ImportError("Learning a byte-level BPE vocabulary needs the `tokenizers` library "
                          "(pip install tokenizers).") from error
    from keras_bert_zoo.text.bpe_tokenizer import RobertaTokenizer

    alphabet = pre_tokenizers.ByteLevel.alphabet()
    smallest = len(BPE_RESERVED_TOKENS) + len(alphabet) + 1
    if type(vocabulary_size) is not int or vocabulary_size < smallest:
        raise ValueError(f"`vocabulary_size` must be an int >= {smallest} (the special tokens and the 256 bytes), "
                         f"got {vocabulary_size!r}")
    texts = (text for document in _documents(documents) for text in document)
    bpe = tokenizers.Tokenizer(models.BPE())
    bpe.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    trainer = trainers.BpeTrainer(vocab_size=vocabulary_size - 1, min_frequency=min_frequency, show_progress=verbose,
                                  special_tokens=list(BPE_RESERVED_TOKENS), initial_alphabet=alphabet)
    bpe.train_from_iterator(texts, trainer)
    vocabulary = bpe.get_vocab()
    vocabulary[BPE_MASK_TOKEN] = len(vocabulary)
    merges = json.loads(bpe.to_str())["model"]["merges"]
    return RobertaTokenizer(vocabulary, merges)


# ALBERT's SentencePiece settings (its README's spm_train command): <pad> 0, <unk> 1, the control
# symbols [CLS], [SEP], [MASK] at 2-4, no <s> or </s>, and user-defined symbols, pieces of their own.
SENTENCEPIECE_CONTROL_SYMBOLS = ("[CLS]", "[SEP]", "[MASK]")
ALBERT_USER_DEFINED_SYMBOLS = ("(", ")", '"', "-", ".", "–", "£", "€")


class _AlbertNormalizer:
    """`AlbertTokenizer`'s normalization before the character map, on Python strings: the quote
    pairs, then its per-character steps, computed with TensorFlow once per distinct character."""

    def __init__(self, lowercase, keep_accents):
        self.lowercase, self.keep_accents = lowercase, keep_accents
        self._table = {}  # code point -> normalized str

    def __call__(self, text):
        text = text.replace("``", '"').replace("''", '"')  # left to right, as transformers' Replace
        new = sorted(c for c in set(text) if ord(c) not in self._table)
        if new:
            import tensorflow as tf

            from keras_bert_zoo.text.sentencepiece_tokenizer import normalize_characters

            normalized = normalize_characters(tf.constant(new), self.lowercase, self.keep_accents).numpy()
            self._table.update({ord(c): n.decode("utf-8") for c, n in zip(new, normalized)})
        return text.translate(self._table)


def train_sentencepiece_vocabulary(documents, vocabulary_size, lowercase=True, keep_accents=False,
                                   user_defined_symbols=ALBERT_USER_DEFINED_SYMBOLS, character_coverage=0.99995,
                                   num_threads=1, verbose=True):
    """Learns a SentencePiece Unigram model (ALBERT's kind) of at most `vocabulary_size` pieces
    with the `sentencepiece` library, with ALBERT's settings.

    The text is normalized as `AlbertTokenizer` normalizes it before the model's character map
    (NFKC, as SentencePiece's default "nmt_nfkc" rule): quotes, accents and case, so every learned
    piece is one the tokenizer can produce. Training reads the whole corpus, unsampled; the
    model depends only on the corpus, the arguments and `num_threads` (the same count gives the
    same model, another count may not).

    Args:
        documents: a path or documents, as in `count_words`.
        vocabulary_size: the most pieces: `<pad>`, `<unk>`, `[CLS]`, `[SEP]`, `[MASK]` (ids 0-4),
            the user-defined symbols, then the learned pieces. Small corpora may give fewer; it
            must hold at least the corpus's characters (`character_coverage` of them).
        lowercase, keep_accents: as in `AlbertTokenizer`, which is built with them.
        user_defined_symbols: strings that are always pieces of their own (ids 5, 6, ...); ALBERT's
            by default. The tokenizer splits them out of the text first, as transformers does.
        character_coverage: the share of the corpus's characters that the alphabet covers (the
            rarest others become `<unk>`).
        num_threads: SentencePiece's training threads.
        verbose: show SentencePiece's training log on stderr.

    Returns:
        A `keras_bert_zoo.text.AlbertTokenizer` (save it with `data.prepare.save_tokenizer`).

    Example:
        >>> tokenizer = train_sentencepiece_vocabulary("examples/data/moby_dick/train.txt", 8000)
        >>> save_tokenizer(tokenizer, "vocabulary")  # spiece.model, tokenizer_record.json
    """
    try:
        import sentencepiece
    except ImportError as error:
        raise ImportError("Learning a SentencePiece vocabulary needs the `sentencepiece` library "
                          "(pip install sentencepiece).") from error
    from keras_bert_zoo.text.sentencepiece_tokenizer import AlbertTokenizer

    user_defined_symbols = list(user_defined_symbols)
    reserved = ["<pad>", "<unk>", *SENTENCEPIECE_CONTROL_SYMBOLS, *user_defined_symbols]
    if any(not isinstance(s, str) or not s or s != "".join(s.split()) for s in user_defined_symbols) or (
            len(set(reserved)) != len(reserved)):
        raise ValueError(f"`user_defined_symbols` must be distinct non-empty str without spaces, other than "
                         f"{reserved[:5]}, got {user_defined_symbols}")
    if type(vocabulary_size) is not int or vocabulary_size <= len(reserved):
        raise ValueError(f"`vocabulary_size` must be an int > {len(reserved)} (the special and user-defined "
                         f"symbols), got {vocabulary_size!r}")
    normalize, count, errors = _AlbertNormalizer(lowercase, keep_accents), [0], []

    def sentences():
        try:
            for document in _documents(documents):
                for text in document:
                    text = normalize(text).strip()
                    if text:
                        count[0] += 1
                        yield text
        except Exception as error:  # raised below: SentencePiece would turn it into a RuntimeError
            errors.append(error)

    model, failure = io.BytesIO(), None
    try:
        sentencepiece.SentencePieceTrainer.train(
            sentence_iterator=sentences(), model_writer=model, model_type="unigram", vocab_size=vocabulary_size,
            hard_vocab_limit=False, character_coverage=character_coverage, normalization_rule_name="nmt_nfkc",
            pad_id=0, pad_piece="<pad>", unk_id=1, unk_piece="<unk>", bos_id=-1, eos_id=-1,
            control_symbols=list(SENTENCEPIECE_CONTROL_SYMBOLS), user_defined_symbols=user_defined_symbols,
            max_sentence_length=1 << 16,  # bytes: documents may come as paragraphs, not sentences
            num_threads=num_threads, minloglevel=0 if verbose else 2)
    except RuntimeError as error:
        failure = error
    if errors:
        raise errors[0]
    if failure is not None:
        if not count[0]:
            raise ValueError("The corpus has no text to learn a vocabulary from.")
        raise ValueError(f"SentencePiece could not learn a vocabulary: {str(failure).split('] ')[-1]}")
    return AlbertTokenizer(model.getvalue(), lowercase=lowercase, keep_accents=keep_accents)
