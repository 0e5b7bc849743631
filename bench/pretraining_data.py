"""Throughput of BERT pretraining data: instance creation and the masked tf.data pipeline.

Measures, on real text (by default the 10,605 Rotten Tomatoes snippets of
examples/data/vader, one snippet per line, `--lines-per-document` lines per document)
with the real bert-base-uncased vocabulary:
  1. `create_instances`, tokenization included (examples/s), the one-off tracing of the
     compiled tokenizer reported apart;
  2. `write_instances` to TFRecord shards (examples/s);
  3. `pretraining_dataset` batches, dynamic masking (plain and whole-word) and NSP labels
     (examples/s after the first batch; building the dataset and its first batch, which
     trace the map functions, reported apart as start-up);
  4. `write_masked_examples` (static masking, `--dupe-factor` copies) and reading it back.

Usage:
    python bench/pretraining_data.py
    python bench/pretraining_data.py --path corpus.txt --lines-per-document 20 --batches 200
"""

import argparse
import os
import tempfile
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

REPO = Path(__file__).resolve().parents[1]
DEFAULT_TEXT = REPO / "examples/data/vader/movieReviewSnippets_GroundTruth.txt"


def read_documents(path, lines_per_document):
    """Documents of consecutive non-empty lines; a VADER line keeps only its text column."""
    lines = []
    for line in Path(path).read_text(encoding="utf-8", errors="replace").splitlines():
        text = line.split("\t")[-1].strip()
        if text:
            lines.append(text)
    return [lines[i:i + lines_per_document] for i in range(0, len(lines), lines_per_document)]


def timed(function):
    start = time.perf_counter()
    result = function()
    return result, time.perf_counter() - start


def pipeline_rate(make_dataset, batches, batch_size):
    """(start-up seconds: building and the first batch, examples/s over the next `batches`)."""
    def start():
        iterator = iter(make_dataset())
        next(iterator)
        return iterator

    iterator, startup = timed(start)
    _, seconds = timed(lambda: [next(iterator) for _ in range(batches)])
    return startup, batches * batch_size / seconds


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--path", default=str(DEFAULT_TEXT), help="a text file, one sentence per line")
    parser.add_argument("--lines-per-document", type=int, default=10)
    parser.add_argument("--max-sequence-length", type=int, default=128)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--batches", type=int, default=100)
    parser.add_argument("--dupe-factor", type=int, default=2)
    args = parser.parse_args()

    from keras_bert_zoo.data.pretraining_dataset import pretraining_dataset, write_instances, write_masked_examples
    from keras_bert_zoo.data.pretraining_examples import create_instances, tokenize_documents
    from keras_bert_zoo.text import BertTokenizer

    tokenizer = BertTokenizer(REPO / "presets/bert_en_uncased_vocab.txt")
    documents = read_documents(args.path, args.lines_per_document)
    sentences = sum(len(d) for d in documents)
    print(f"text: {args.path} ({len(documents)} documents, {sentences} sentences), "
          f"max_sequence_length {args.max_sequence_length}")
    _, warmup = timed(lambda: list(tokenize_documents(documents[:1], tokenizer)))  # traces the tokenizer
    print(f"tokenizer tracing (once per tokenizer): {warmup:.2f} s")
    length = args.max_sequence_length
    instances, seconds = timed(lambda: list(create_instances(documents, tokenizer, max_sequence_length=length)))
    print(f"create_instances (tokenization included): {len(instances) / seconds:,.0f} examples/s "
          f"({len(instances)} instances, {sentences / seconds:,.0f} sentences/s)")
    _, seconds = timed(lambda: list(tokenize_documents(documents, tokenizer)))
    print(f"  of which tokenization alone: {seconds:.2f} s ({sentences / seconds:,.0f} sentences/s)")

    with tempfile.TemporaryDirectory() as scratch:
        _, seconds = timed(lambda: write_instances(instances, Path(scratch) / "dynamic", tokenizer))
        print(f"write_instances: {len(instances) / seconds:,.0f} examples/s")
        for whole_word in (False, True):
            startup, rate = pipeline_rate(lambda: pretraining_dataset(
                Path(scratch) / "dynamic", tokenizer, args.batch_size, length, whole_word_masking=whole_word),
                args.batches, args.batch_size)
            print(f"pretraining_dataset, dynamic masking{', whole words' if whole_word else ''}: {rate:,.0f} "
                  f"examples/s (batch {args.batch_size}; start-up {startup:.2f} s)")
        _, seconds = timed(lambda: write_masked_examples(instances, Path(scratch) / "static", tokenizer,
                                                         dupe_factor=args.dupe_factor))
        print(f"write_masked_examples (dupe_factor {args.dupe_factor}): "
              f"{len(instances) * args.dupe_factor / seconds:,.0f} examples/s written")
        startup, rate = pipeline_rate(lambda: pretraining_dataset(
            Path(scratch) / "static", tokenizer, args.batch_size, length), args.batches, args.batch_size)
        print(f"pretraining_dataset, static masks: {rate:,.0f} examples/s (start-up {startup:.2f} s)")


if __name__ == "__main__":
    main()
