"""Every family, every head, both ways (the family matrix of tests/harness.py): a random
transformers checkpoint imports to its logits within 1e-5, and what the zoo exports loads back in
transformers' Auto class to the same logits."""

import numpy as np
import pytest

import harness
import keras_bert_zoo

torch = pytest.importorskip("torch")
transformers = pytest.importorskip("transformers")

TOLERANCE = 1e-5
MASK_POSITIONS = np.array([[1, 4, 6], [0, 7, 0], [3, 0, 0]], "int32")
# Models built here have no tokenizer files, and loading says so.
pytestmark = pytest.mark.filterwarnings("ignore:.*has no tokenizer")


def _at_masks(logits):
    return np.take_along_axis(logits.numpy(), MASK_POSITIONS[:, :, None], axis=1)


def _pair_logits(out):
    """The second pretraining objective's logits: next-sentence (BERT) or sentence-order (ALBERT)."""
    return out.sop_logits if "sop_logits" in out else out.seq_relationship_logits


# head -> (transformers architecture suffix, its config options, zoo task (None: the backbone),
#          zoo outputs -> arrays, transformers outputs -> the same arrays)
HEADS = {
    "backbone": ("Model", {}, None, lambda out: [out["sequence_output"]], lambda out: [out.last_hidden_state]),
    "classifier": ("ForSequenceClassification", {"num_labels": 3}, "BertClassifier",
                   lambda out: [out], lambda out: [out.logits]),
    "regression": ("ForSequenceClassification", {"num_labels": 1}, "BertClassifier",
                   lambda out: [out], lambda out: [out.logits]),
    "multi_label": ("ForSequenceClassification", {"num_labels": 4, "problem_type": "multi_label_classification"},
                    "BertClassifier", lambda out: [out], lambda out: [out.logits]),
    "token_classifier": ("ForTokenClassification", {"num_labels": 5}, "BertTokenClassifier",
                         lambda out: [out], lambda out: [out.logits]),
    "question_answerer": ("ForQuestionAnswering", {}, "BertQuestionAnswerer",
                          lambda out: [out["start_logits"], out["end_logits"]],
                          lambda out: [out.start_logits, out.end_logits]),
    "multiple_choice": ("ForMultipleChoice", {}, "BertMultipleChoice", lambda out: [out], lambda out: [out.logits]),
    "masked_lm": ("ForMaskedLM", {}, "BertMaskedLM", lambda out: [out], lambda out: [_at_masks(out.logits)]),
    "pretrainer": ("ForPreTraining", {}, "BertPretrainer", lambda out: [out["mlm_logits"], out["nsp_logits"]],
                   lambda out: [_at_masks(out.prediction_logits), _pair_logits(out)]),
}
CASES = [(family, head) for family in harness.FAMILIES for head, (_, _, task, _, _) in HEADS.items()
         if task is None or task in family.tasks]


def random_checkpoint(family, head, directory):
    """A transformers model of `head` with every parameter random, saved to `directory`."""
    suffix, options, _, _, _ = HEADS[head]
    torch.manual_seed(0)
    model = getattr(transformers, family.hf_prefix + suffix)(family.hf_config(**options)).eval()
    with torch.no_grad():
        for parameter in model.parameters():  # no zero bias or unit scale can hide a mapping error
            parameter.normal_(0, 0.2)
    model.save_pretrained(directory)
    return model


def inputs_of(family, head):
    if head == "multiple_choice":  # 3 questions with 2 choices each
        return {key: value.reshape(3, 2, 10) for key, value in family.inputs(batch=6, length=10).items()}
    inputs = family.inputs(batch=3, length=12)
    if head in ("masked_lm", "pretrainer"):
        inputs["mask_positions"] = MASK_POSITIONS
    return inputs


def run_transformers(model, inputs):
    names = {"token_ids": "input_ids", "segment_ids": "token_type_ids", "padding_mask": "attention_mask"}
    with torch.no_grad():
        return model(**{names[key]: torch.tensor(value, dtype=torch.long) for key, value in inputs.items()
                        if key in names})


def assert_close(ours, theirs):
    assert len(ours) == len(theirs)
    for mine, reference in zip(ours, theirs):
        assert harness.max_abs_diff(mine, reference) <= TOLERANCE


@pytest.mark.parametrize("family, head", CASES, ids=[f"{family.name}-{head}" for family, head in CASES])
def test_import_and_export_match_transformers(family, head, tmp_path):
    _, _, task, ours, theirs = HEADS[head]
    reference = random_checkpoint(family, head, tmp_path / "checkpoint")
    inputs = inputs_of(family, head)
    expected = theirs(run_transformers(reference, inputs))
    cls = getattr(keras_bert_zoo, task or "Backbone")
    model = cls.from_preset(tmp_path / "checkpoint")
    assert type(model.backbone if task else model).__name__ == family.backbone_class
    assert_close(ours(harness.numpy_tree(model(inputs))), expected)

    model.save_to_huggingface(tmp_path / "exported")
    auto_class = getattr(transformers, family.hf_prefix + HEADS[head][0])
    assert_close(theirs(run_transformers(auto_class.from_pretrained(tmp_path / "exported").eval(), inputs)), expected)
