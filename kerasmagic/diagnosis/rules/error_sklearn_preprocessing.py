"""Error rule: scikit-learn preprocessing that Keras-2-era notebooks prepared tabular data with,
which scikit-learn 0.22 removed (deprecated in 0.20).

- ``sklearn.preprocessing.Imputer`` ("cannot import name 'Imputer'"): its column-wise imputation
  is ``sklearn.impute.SimpleImputer``. The import takes ``SimpleImputer`` under the name the cell
  used, so every use stays as written; each call of it (in the cell, or a later one that fails
  on it: "unexpected keyword argument 'axis'") drops ``axis=0``, which was the only way
  ``SimpleImputer`` imputes (``axis=1``, per row, has no equivalent: explained), writes the
  string ``'NaN'`` that ``Imputer`` read as "not a number" as ``float("nan")``, and names the
  arguments that were positional (``Imputer('NaN', 'mean', 0)``; ``SimpleImputer`` takes
  keywords only).
  A ``'NaN'`` held by a name (``missing = 'NaN'``) is changed where the name gets it, and an
  imputer made so cells before fails at ``fit`` ("Input X contains NaN": the live imputer's
  ``missing_values`` is the string) is made again where it is made
  (``diagnosis/value_change.py``).
- ``OneHotEncoder(categorical_features=[1])`` ("unexpected keyword argument
  'categorical_features'"): the encoder applied to those columns only, the others passed
  through after them, is ``ColumnTransformer([("onehot", OneHotEncoder(), [1])],
  remainder="passthrough", sparse_threshold=1.0)``: the same columns in the same order (the
  encoded ones first, as 0.20's docstring says: "Non-categorical features are always stacked to
  the right of the matrix"), a sparse float64 matrix as the encoder returned (``.toarray()``
  still works; the threshold 1.0 keeps the result sparse), the other arguments given to the
  inner encoder. ``categorical_features='all'`` is the encoder itself. An encoder asked for a
  dense result (``sparse=False``) or fixed category counts (``n_values=``) is explained only.

Evidence: the message, and the callee on the failing line, which the kernel (or the cell's
imports) binds to scikit-learn's class (``library_objects.callee_key``).
"""

from __future__ import annotations

import ast
import re
import sys
from typing import Any

from kerasmagic.diagnosis.context import ERROR, CellContext
from kerasmagic.diagnosis.import_bindings import moved_import
from kerasmagic.diagnosis.library_objects import callee_key, object_key, path_key
from kerasmagic.diagnosis.problem import Problem, from_entry
from kerasmagic.diagnosis.python_messages import cannot_import, failing_calls, unexpected_keyword
from kerasmagic.diagnosis.rewrite import (
    Edit,
    ParsedCell,
    insertion_line,
    node_edit,
    node_text,
    parse_cell,
    walk,
)
from kerasmagic.diagnosis.rules import rule
from kerasmagic.diagnosis.value_change import rewrite
from kerasmagic.diagnosis.value_transforms import Transform
from kerasmagic.knowledge.catalogue import find_entry

IMPUTER = "scikit-learn-imputer-removed"
ENCODER = "scikit-learn-onehot-categorical-features"
POSITIONAL = re.compile(r"(?P<callee>\w+)\.__init__\(\) takes \d+ positional argument")


@rule(IMPUTER, when=(ERROR,), family="scikit-learn", errors=("ImportError", "TypeError", "ValueError"))  # fmt: skip
def imputer_removed(ctx: CellContext) -> list[Problem]:
    """``Imputer`` imported from ``sklearn.preprocessing``, or a call of ``SimpleImputer`` written
    with ``Imputer``'s arguments: the import and the calls as ``SimpleImputer`` takes them."""
    data = _data(IMPUTER)
    old, new = data.get("removed", ""), data.get("replacement", "")
    tree = ctx.cell.tree
    if tree is None or not old or not new:
        return []
    old_module, old_name = old.rsplit(".", 1)
    new_module, new_name = new.rsplit(".", 1)
    found = cannot_import(ctx.message)
    edits: list[Edit] = []
    bound: set[str] = set()
    if found == (old_module, old_name):
        for node in walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module == old_module and node.level == 0:
                edit, names = moved_import(ctx.cell, node, old_name, new_module, new_name)
                if edit is not None:
                    edits.append(edit)
                    bound |= names
    elif ctx.error_type == "ValueError":
        return _fitted_with_nan_string(ctx, new, data)
    elif ctx.error_type == "TypeError":
        positional = POSITIONAL.search(ctx.message or "")
        refused = unexpected_keyword(ctx.message) or ((positional["callee"], "") if positional else None)  # fmt: skip
        if refused is None or refused[0] != new_name:
            return []
        bound = {n.func.id for n in failing_calls(ctx) if isinstance(n.func, ast.Name) and callee_key(ctx, n.func) == path_key(new)}  # fmt: skip
    if not bound:
        return []
    calls = [n for n in walk(tree) if isinstance(n, ast.Call) and isinstance(n.func, ast.Name) and n.func.id in bound]  # fmt: skip
    per_row = [c for c in calls if _axis(c, data) == "per-row"]
    edits += [e for e in (_imputer_call(ctx.cell, c, data) for c in calls) if e is not None]
    note, across = "", list(edits)
    for value in (k.value for c in calls for k in c.keywords if k.arg == "missing_values"):
        # a name: changed where it gets a 'NaN' literal (NAN refuses any other origin)
        change = rewrite(ctx, value, NAN) if isinstance(value, ast.Name) else None
        if change is not None:
            edits += [e for e in change.edits if e not in edits]
            across += [e for e in change.across if e not in across]
            note = change.note
    if per_row:
        edits = []  # no rewrite imputes per row: explained
    elif not edits:
        return []
    problem = from_entry(IMPUTER, ctx.line or edits[0].line if edits else ctx.line or 1, edits, sorted(bound | {old_name}), ctx.shown_versions, sklearn_version=_version(),
                         old=old, new=new, note=note, per_row=" It was called with `axis=1` (per row), which `SimpleImputer` cannot do: transpose the data around it, or impute per row with pandas (`df.T.fillna(df.T.mean()).T`)." if per_row else "")  # fmt: skip
    problem.certain = bool(edits)
    if edits and any(e.cell is not None for e in across):
        problem.across = across
    return [problem]


def _fitted_with_nan_string(ctx: CellContext, new: str, data: dict) -> list[Problem]:
    """``imputer.fit(X)`` failing on NaN: the live ``SimpleImputer`` of the failing line was made
    with ``missing_values='NaN'``; made again, where it is made, with ``float("nan")``."""
    if "Input X contains NaN" not in (ctx.message or "") or ctx.cell.tree is None:
        return []
    for call in failing_calls(ctx):
        receiver = call.func.value if isinstance(call.func, ast.Attribute) else None
        held = (ctx.namespace or {}).get(receiver.id) if isinstance(receiver, ast.Name) else None
        if held is None or object_key(type(held)) != path_key(new):
            continue
        if not _nan_string(getattr(held, "missing_values", None)):
            continue
        remade = Transform("be made with `missing_values=float(\"nan\")`", None, lambda text, _t: _call_text(text, data, ctx.namespace or {}))  # fmt: skip
        change = rewrite(ctx, receiver, remade)
        if change is None:
            return []
        problem = from_entry(IMPUTER, ctx.line or 1, change.edits, [receiver.id], ctx.shown_versions, sklearn_version=_version(),
                             old=data["removed"], new=new, note=change.note, per_row="")  # fmt: skip
        problem.across = change.across if change.earlier else None
        problem.certain = True
        return [problem]
    return []


def _nan_string(value: object) -> bool:
    """``'NaN'`` (any case): how ``Imputer`` was told that missing values are NaN."""
    return isinstance(value, str) and value.lower() == "nan"


def _call_text(text: str, data: dict, live: dict) -> str | None:
    """The text of an imputer's call ``text`` with ``Imputer``'s arguments as ``SimpleImputer``
    takes them (None when it already does, or is no call)."""
    parsed = parse_cell(text)
    body = parsed.tree.body if parsed.tree is not None else []
    call = body[0].value if len(body) == 1 and isinstance(body[0], ast.Expr) else None
    edit = _imputer_call(parsed, call, data, live) if isinstance(call, ast.Call) else None
    return edit.text if edit is not None else None


NAN = Transform('be `float("nan")`', None, lambda text, _t: 'float("nan")' if _nan_string(_literal(text)) else None)  # fmt: skip


def _literal(text: str) -> object:
    try:
        return ast.literal_eval(text)
    except (ValueError, SyntaxError):
        return None


def _axis(call: ast.Call, data: dict) -> str | None:
    """``"per-row"`` when the call imputes per row (``axis=1``, keyword or third positional)."""
    order = data.get("positional", [])
    given = {k.arg: k.value for k in call.keywords if k.arg}
    given.update({order[i]: a for i, a in enumerate(call.args) if i < len(order)})
    axis = given.get("axis")
    return "per-row" if isinstance(axis, ast.Constant) and axis.value == 1 else None


def _imputer_call(cell: ParsedCell, call: ast.Call, data: dict, live: dict | None = None) -> Edit | None:  # fmt: skip
    """The call with ``Imputer``'s arguments as ``SimpleImputer`` takes them; None when it
    already does, or has an argument this cannot read (``*args``, ``**kwargs``, an axis that is
    not a literal). ``live``: the kernel's names, for a ``missing_values`` given by a name that
    holds ``'NaN'`` (the imputer made again where the failing line uses it)."""
    order: list[str] = data.get("positional", [])
    dropped: dict[str, Any] = data.get("dropped", {})
    func = node_text(cell, call.func)
    if func is None or len(call.args) > len(order) or any(isinstance(a, ast.Starred) for a in call.args):  # fmt: skip
        return None
    given = [(order[i], a) for i, a in enumerate(call.args)] + [(k.arg, k.value) for k in call.keywords]  # fmt: skip
    parts, changed = [], bool(call.args)
    for name, value in given:
        if name is None:
            return None
        if name in dropped:  # "*": any value (verbosity), else the one value that changes nothing
            if dropped[name] != "*" and not (isinstance(value, ast.Constant) and value.value == dropped[name]):  # fmt: skip
                return None  # a value of a variable, or another axis: not decided here
            changed = True
            continue
        text = node_text(cell, value)
        if text is None:
            return None
        held = value.value if isinstance(value, ast.Constant) else None
        if isinstance(value, ast.Name):  # a name the kernel binds to 'NaN'
            held = (live or {}).get(value.id)
        if name == "missing_values" and _nan_string(held):
            text, changed = 'float("nan")', True
        parts.append(f"{name}={text}")
    return node_edit(cell, call, f"{func}({', '.join(parts)})") if changed else None


@rule(ENCODER, when=(ERROR,), family="scikit-learn", errors=("TypeError",), needs="categorical_features")  # fmt: skip
def encoder_categorical_features(ctx: CellContext) -> list[Problem]:
    """``OneHotEncoder(categorical_features=…)`` on the failing line: the encoder of those
    columns in a ``ColumnTransformer`` passing the others through."""
    refused = unexpected_keyword(ctx.message)
    data = _data(ENCODER)
    path = data.get("encoder", "")
    if refused is None or refused[1] != "categorical_features" or not path:
        return []
    calls = [c for c in failing_calls(ctx) if callee_key(ctx, c.func) == path_key(path)]
    edits: list[Edit] = []
    refusals = set(data.get("explained", []))
    for call in calls:
        keywords = {k.arg: k for k in call.keywords}
        chosen = keywords.get("categorical_features")
        if chosen is None or None in keywords or call.args or refusals & set(keywords):
            return [from_entry(ENCODER, ctx.line or 1, [], ["categorical_features"], ctx.shown_versions)]  # fmt: skip
        func = node_text(ctx.cell, call.func)
        columns = node_text(ctx.cell, chosen.value)
        rest = [node_text(ctx.cell, k) for k in call.keywords if k is not chosen]
        if func is None or columns is None or None in rest:
            return []
        encoder = f"{func}({', '.join(rest)})"  # type: ignore[arg-type]
        if isinstance(chosen.value, ast.Constant) and chosen.value.value == "all":
            text = encoder
        else:
            text = f'ColumnTransformer([("onehot", {encoder}, {columns})], remainder="passthrough", sparse_threshold=1.0)'  # fmt: skip
        edit = node_edit(ctx.cell, call, text)
        if edit is not None:
            edits.append(edit)
    if not edits:
        return []
    if any("ColumnTransformer(" in e.text for e in edits) and not _binds(ctx, "ColumnTransformer", data.get("transformer", "")):  # fmt: skip
        line = insertion_line(ctx.cell)
        module, name = data.get("transformer", "").rsplit(".", 1)
        edits.insert(0, Edit(line, 0, line, 0, f"from {module} import {name}\n"))
    problem = from_entry(ENCODER, ctx.line or 1, edits, ["categorical_features"], ctx.shown_versions)  # fmt: skip
    problem.certain = True
    return [problem]


def _version() -> str:
    """The imported scikit-learn's version (for the finding's title)."""
    return str(getattr(sys.modules.get("sklearn"), "__version__", "here"))


def _data(entry_id: str) -> dict:
    entry = find_entry(entry_id)
    return dict(entry.data) if entry is not None else {}


def _binds(ctx: CellContext, name: str, path: str) -> bool:
    """Does the kernel or the cell bind ``name`` to the class at ``path`` already?"""
    return bool(path) and callee_key(ctx, ast.Name(id=name)) == path_key(path)
