"""Error rule: ``load_weights(path, by_name=True)`` of a Keras 3 weights file (``.weights.h5``).

Keras 2 matched the layers of an HDF5 weights file to the model's by their names when asked
(``by_name=True``). Keras 3 writes its weights files (``.weights.h5``, the only name its
``save_weights`` takes) by the model's structure, with no layer names, and refuses ``by_name`` for
them: "`by_name` only supports loading legacy '.h5' or '.hdf5' files". Where the file is one the
notebook wrote with ``save_weights`` of a model whose layers have the loading model's names, in
the same order and with the same weight shapes (the same model, most often), matching by name and
by structure pick the same weights, so the keyword is dropped. Evidence, from the live kernel:
the save of the same path and both models' layers. A file of another model (weights moved into a
different architecture) is left to the finding: Keras 3 has no by-name loading of its own files.
"""

from __future__ import annotations

import ast
from typing import Any

from kerasmagic.diagnosis.context import ERROR, CellContext, value_in
from kerasmagic.diagnosis.live_strings import string_value
from kerasmagic.diagnosis.problem import Problem, from_entry
from kerasmagic.diagnosis.rewrite import delete_keyword_edit, node_text
from kerasmagic.diagnosis.rules import rule
from kerasmagic.diagnosis.rules.error_saved_model_call import saves_of
from kerasmagic.diagnosis.rules.error_saving import calls_of, path_argument

ENTRY = "load-weights-by-name"


@rule(ENTRY, when=(ERROR,), family="saving", errors=("ValueError",), needs="by_name")
def load_by_name(ctx: CellContext) -> list[Problem]:
    """The failing ``load_weights(…, by_name=True)`` of a file a model with the same layers
    wrote: ``by_name`` dropped."""
    if "by_name" not in ctx.message or ctx.cell.tree is None or ctx.line is None:
        return []
    for call in calls_of(ctx.cell, ("load_weights",)):
        if not call.lineno <= ctx.line <= (call.end_lineno or call.lineno):
            continue
        keyword = next((k for k in call.keywords if k.arg == "by_name"), None)
        arg = path_argument(call)
        path = string_value(ctx, arg) if arg is not None else None
        if keyword is None or path is None or not isinstance(call.func, ast.Attribute):
            continue
        model = value_in(ctx.live_names, call.func.value)
        saver = _saver(ctx, path)
        same = saver is not None and _layers(saver[1]) == _layers(model) and bool(_layers(model))
        edit = delete_keyword_edit(ctx.cell, call, keyword) if same else None
        name = node_text(ctx.cell, call.func.value) or "the model"
        problem = from_entry(ENTRY, call.lineno, [edit] if edit else [], ["load_weights", "by_name"],
                             ctx.shown_versions, path=path, model=name,
                             keras=ctx.versions.get("keras", "3"))  # fmt: skip
        if saver is not None and not same:
            problem.fix = f"{problem.fix} `{path}` was written by `{saver[0]}`, whose layers are not `{name}`'s, so nothing here picks the same weights by name."  # fmt: skip
        return [problem]
    return []


def _saver(ctx: CellContext, path: str) -> tuple[str, Any] | None:
    """The newest ``save_weights`` of ``path`` in the notebook: (its model's text, the model)."""
    for _index, parsed, _call, model, value, _arg in saves_of(ctx, ("save_weights",), path):
        text = node_text(parsed, model)
        return (text, value) if text is not None and value is not None else None
    return None


def _layers(model: Any) -> list[tuple[str, list[tuple]]]:
    """A model's layers with weights: their names and weight shapes, in order (read only)."""
    try:
        layers = list(getattr(model, "layers", None) or [])
        return [(layer.name, [tuple(w.shape) for w in layer.weights]) for layer in layers if layer.weights]  # fmt: skip
    except Exception:
        return []
