"""Hugging Face architectures <-> zoo tasks, one table for every family.

transformers names a checkpoint's architecture family prefix + head (`BertForMaskedLM`,
`DistilBertForQuestionAnswering`); the zoo has one task class per head for all families.
Import reads `config.json`'s `architectures` into a task entry, export writes the
architecture and the head's config keys back.
"""

# Head suffix -> zoo task. `Model` (a bare encoder) has no task.
TASKS = {
    "ForPreTraining": "BertPretrainer",
    "ForMaskedLM": "BertMaskedLM",
    "ForSequenceClassification": "BertClassifier",
    "ForTokenClassification": "BertTokenClassifier",
    "ForQuestionAnswering": "BertQuestionAnswerer",
    "ForMultipleChoice": "BertMultipleChoice",
}
# Tasks whose labels come from num_labels / id2label.
LABELLED = ("BertClassifier", "BertTokenClassifier")


def task_spec(config, prefix):
    """The zoo task entry of a checkpoint `config` whose architectures start with `prefix`, or None."""
    architectures = config.get("architectures") or []
    task = next((task for suffix, task in TASKS.items() if prefix + suffix in architectures), None)
    if task is None:
        return None
    if task not in LABELLED:
        return {"class_name": task, "config": {}}
    num_labels = config.get("num_labels") or len(config.get("id2label") or {}) or 2
    if task == "BertClassifier":
        # transformers regresses when there is one label (or problem_type says so).
        problem = config.get("problem_type") or ("regression" if num_labels == 1 else None)
        if problem == "regression":
            return {"class_name": task, "config": {"num_classes": 1}}
        if problem == "multi_label_classification":
            return {"class_name": task, "config": {"num_classes": num_labels, "multi_label": True,
                                                   "labels": _label_names(config, num_labels)}}
    return {"class_name": task, "config": {"num_classes": num_labels, "labels": _label_names(config, num_labels)}}


def hf_task_config(task, prefix):
    """(architecture, config.json entries of the head) of a zoo task (None: a backbone)."""
    if task is None or type(task).__name__ == "BertTextEmbedder":
        return prefix + "Model", {}
    name = type(task).__name__
    suffix = next((suffix for suffix, known in TASKS.items() if known == name), None)
    if suffix is None:
        raise ValueError(f"{name} has no Hugging Face architecture to export to.")
    if name not in LABELLED:
        return prefix + suffix, {}
    labels = task.labels or [f"LABEL_{index}" for index in range(task.num_classes)]
    entries = {"id2label": dict(enumerate(labels)), "label2id": {label: index for index, label in enumerate(labels)}}
    if name == "BertClassifier" and task.num_classes == 1:
        entries["problem_type"] = "regression"
    elif name == "BertClassifier":
        entries["problem_type"] = ("multi_label_classification" if task.multi_label
                                   else "single_label_classification")
    return prefix + suffix, entries


def _label_names(config, num_labels):
    """The checkpoint's label names in id order, or None when they are transformers' LABEL_i defaults."""
    id2label = {int(key): value for key, value in (config.get("id2label") or {}).items()}
    names = [id2label.get(index, f"LABEL_{index}") for index in range(num_labels)]
    return None if names == [f"LABEL_{index}" for index in range(num_labels)] else names
