"""Evaluation metrics computed as the standard scripts do: SQuAD EM/F1,
CoNLL entity precision/recall/F1, GLUE-style correlations.

Plain Python and numpy on predictions already decoded to labels or text,
so they run on any backend and outside a model.
"""
