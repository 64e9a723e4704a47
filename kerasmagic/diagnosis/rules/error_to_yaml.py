"""Error rule: ``model.to_yaml()`` (removed in TensorFlow 2.6 / Keras 2.6, absent in Keras 3).

Keras 2's ``to_yaml(**kwargs)`` was ``yaml.dump`` of the same configuration ``to_json`` writes
as JSON (its ``_updated_config()``). Where PyYAML is installed in this interpreter, each
``X.to_yaml(…)`` of the cell on a live Keras model (the one the ``AttributeError`` carries, or
in Keras 2.6-2.15, whose method only raises ``RuntimeError``, the one it was called on; or a
name the namespace binds to a model) becomes ``yaml.dump(json.loads(X.to_json()), …)``: the
same YAML text from the same configuration, the author's keyword arguments kept. Without
PyYAML the finding explains it and rewrites nothing (kerasmagic installs nothing).
"""

from __future__ import annotations

import ast

from kerasmagic.diagnosis import live
from kerasmagic.diagnosis.context import ERROR, CellContext, safe_str
from kerasmagic.diagnosis.frames import innermost_frame
from kerasmagic.diagnosis.keras3_support import module_name
from kerasmagic.diagnosis.problem import Problem, from_entry
from kerasmagic.diagnosis.rewrite import Edit, node_edit, node_text, walk
from kerasmagic.diagnosis.rules import rule

ENTRY = "keras2-to-yaml"
# Keras 2.6-2.15's `to_yaml` only raises (measured tf215-k2: "Method `model.to_yaml()` has been
# removed due to security risk of arbitrary code execution. Please use `model.to_json()` instead.")
REMOVED_STUB = "`model.to_yaml()` has been removed"


@rule(ENTRY, when=(ERROR,), family="removed-apis", errors=("AttributeError", "RuntimeError"))
def to_yaml(ctx: CellContext) -> list[Problem]:
    """``model.to_yaml()`` → ``yaml.dump(json.loads(model.to_json()))`` where PyYAML is here."""
    exc = ctx.wrapped or ctx.exc
    tree = ctx.cell.tree
    if isinstance(exc, RuntimeError):  # Keras 2.6-2.15 kept the method, raising this
        frame = innermost_frame(exc) if REMOVED_STUB in safe_str(exc) else None
        obj = frame.f_locals.get("self") if frame is not None else None
    elif getattr(exc, "name", None) == "to_yaml":
        obj = getattr(exc, "obj", None)
        obj = None if hasattr(obj, "to_yaml") else obj
    else:
        return []
    if tree is None or not _is_model(obj) or not hasattr(obj, "to_json"):
        return []
    edits: list[Edit] = []
    for node in walk(tree):
        if not (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == "to_yaml"
            and not node.args
        ):
            continue
        owner = node.func.value
        bound = isinstance(owner, ast.Name) and _is_model((ctx.live_names or {}).get(owner.id))
        if not (bound or node.lineno == ctx.line):
            continue
        owner_text = node_text(ctx.cell, owner)
        keywords = [node_text(ctx.cell, k) for k in node.keywords]
        if owner_text is None or None in keywords:
            return []
        extra = "".join(", " + k for k in keywords if k)
        edit = node_edit(ctx.cell, node, f"yaml.dump(json.loads({owner_text}.to_json()){extra})")
        if edit is not None:
            edits.append(edit)
    imports = json_yaml_imports(ctx) if edits and live.top_exists("yaml") else None
    edits = imports + edits if imports is not None else []
    return [from_entry(ENTRY, ctx.line or 1, edits, ["to_yaml"], ctx.shown_versions)]


def _is_model(value: object) -> bool:
    return live.is_layer_class(type(value)) and hasattr(value, "to_json")


def json_yaml_imports(ctx: CellContext) -> list[Edit] | None:
    """The imports that bind ``json`` and ``yaml`` to those modules at the cell's top, where the
    kernel does not hold them under those names already (the cell's own import may come after
    the call: imported again); None when the cell binds either name to something else."""
    out: list[Edit] = []
    for module in ("json", "yaml"):
        found = module_name(ctx, module, exact=True)
        if found is None:
            return None
        out += found[1]
    return out
