"""Error rule: ``grid_result.grid_scores_`` of a scikit-learn search (``GridSearchCV``,
``RandomizedSearchCV``), which Keras-2-era hyperparameter tutorials printed after searching a
``KerasClassifier``'s parameters; scikit-learn 0.20 removed it for ``cv_results_``.

The evidence is the live object the error was raised on: a fitted search (it has
``cv_results_`` and ``n_splits_``). The corrected cell defines ``grid_scores_`` as scikit-learn
made it, from ``cv_results_``: one named tuple per candidate, ``(parameters,
mean_validation_score, cv_validation_scores)``, the scores of each split as an array, so loops
that unpack it or read its fields work as written. The mean is ``cv_results_``'s
``mean_test_score``: the plain mean of the splits (scikit-learn 0.24 removed the weighting by
fold size that ``iid=True`` gave; equal folds give the same number)."""

from __future__ import annotations

import ast

from kerasmagic.diagnosis.context import ERROR, CellContext
from kerasmagic.diagnosis.helper_definitions import defined_before
from kerasmagic.diagnosis.problem import Problem, from_entry
from kerasmagic.diagnosis.rewrite import Edit, node_edit, node_text, walk
from kerasmagic.diagnosis.rules import rule

ENTRY = "sklearn-grid-scores-removed"
ATTRIBUTE = "grid_scores_"
HELPER = "sklearn_grid_scores"
DEFINITION = f'''def {HELPER}(search):
    """grid_scores_ of a scikit-learn search (removed in scikit-learn 0.20), from cv_results_:
    per candidate, its parameters, mean test score and each split's test score."""
    import collections
    import numpy
    Scores = collections.namedtuple("CVScoreTuple", ("parameters", "mean_validation_score", "cv_validation_scores"))
    results = search.cv_results_
    splits = [results["split%d_test_score" % i] for i in range(search.n_splits_)]
    return [
        Scores(parameters, mean, numpy.array([split[k] for split in splits]))
        for k, (parameters, mean) in enumerate(zip(results["params"], results["mean_test_score"]))
    ]
'''


@rule(
    ENTRY, when=(ERROR,), family="scikit-learn", errors=("AttributeError",), needs=r"\bgrid_scores_"
)
def grid_scores(ctx: CellContext) -> list[Problem]:
    """Each ``X.grid_scores_`` of the cell, ``X`` the fitted search the error was raised on (or
    another the kernel holds): ``sklearn_grid_scores(X)``, defined before its first use."""
    search = getattr(ctx.exc, "obj", None)
    tree = ctx.cell.tree
    if tree is None or getattr(ctx.exc, "name", None) != ATTRIBUTE or not _fitted_search(search):
        return []
    edits: list[Edit] = []
    defined = False
    for statement in tree.body:
        for node in walk(statement):
            if not (isinstance(node, ast.Attribute) and node.attr == ATTRIBUTE and isinstance(node.ctx, ast.Load)):  # fmt: skip
                continue
            held = (
                (ctx.namespace or {}).get(node.value.id)
                if isinstance(node.value, ast.Name)
                else None
            )
            if not (node.lineno in ctx.failing_lines or _fitted_search(held)):
                continue
            base = node_text(ctx.cell, node.value)
            edit = node_edit(ctx.cell, node, f"{HELPER}({base})") if base else None
            if edit is None:
                continue
            edits.append(edit)
            if not defined:
                defined = True
                edits.append(defined_before(statement, DEFINITION))
    if not edits:
        return []
    problem = from_entry(ENTRY, ctx.line or edits[0].line, edits, [ATTRIBUTE], ctx.shown_versions,
                         search=type(search).__name__)  # fmt: skip
    problem.certain = True
    return [problem]


def _fitted_search(value: object) -> bool:
    """A fitted scikit-learn search: ``cv_results_`` with single-metric test scores and the
    number of splits (read, nothing called)."""
    results = getattr(value, "cv_results_", None)
    return isinstance(results, dict) and "mean_test_score" in results and isinstance(getattr(value, "n_splits_", None), int)  # fmt: skip
