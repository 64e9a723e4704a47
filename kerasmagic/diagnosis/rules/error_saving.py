"""Error rules on saving and loading: Keras 3's file-name rules for ``save``/``save_weights``, a
Keras 2 ``.h5`` whose training config Keras 3 cannot rebuild, a SavedModel given to ``load_model``."""

from __future__ import annotations

import ast
import re

from kerasmagic.diagnosis import live
from kerasmagic.diagnosis.context import ERROR, CellContext
from kerasmagic.diagnosis.problem import Problem, from_entry
from kerasmagic.diagnosis.rewrite import (
    Edit,
    ParsedCell,
    node_edit,
    node_text,
    quoted_like,
    single_assignment,
    walk,
)
from kerasmagic.diagnosis.rules import rule
from kerasmagic.knowledge.catalogue import entries_with_rule
from kerasmagic.knowledge.installs import satisfied


@rule("save-needs-extension", when=(ERROR,), family="saving")
def save_extension(ctx: CellContext) -> list[Problem]:
    """Keras 3's file-name rules for ``save``/``save_weights``: the catalogue entry whose message
    matches says which methods, which extension, and which old suffixes it replaces."""
    cell, exc, error_type, message, line, namespace = ctx.unpacked()
    if error_type != "ValueError" or cell.tree is None:
        return []
    out: list[Problem] = []
    for entry in entries_with_rule("save-extension"):
        pattern = entry.match.get("message")
        if not pattern or not re.search(pattern, message):
            continue
        data = entry.data
        saves, loads = tuple(data.get("saves", ())), tuple(data.get("loads", ()))
        extension, keep = data["extension"], tuple(data.get("keep", (data["extension"],)))
        replaces = tuple(data.get("replaces", ()))

        def renamed(value: str, extension: str = extension, replaces: tuple = replaces) -> str:
            value = value.rstrip("/")
            for old in replaces:
                if value.endswith(old):
                    value = value[: -len(old)]
            return value + extension

        edits: list[Edit] = []
        paths: set[str] = set()
        first = None
        for call, arg in _path_calls(cell, saves):
            if line is not None and not call.lineno <= line <= (call.end_lineno or call.lineno):
                continue
            if arg.value.endswith(keep):
                continue
            edit = node_edit(cell, arg, quoted_like(node_text(cell, arg), renamed(arg.value)))
            if edit is not None:
                edits.append(edit)
                paths.add(arg.value)
                first = first or call.lineno
        if not edits:
            if _calls(cell, saves):  # a path built at run time: explained, no certain rewrite
                out.append(from_entry(entry.id, line or 1, [], list(saves)))
            continue
        for _call, arg in _path_calls(cell, loads):  # loading the same path back
            if arg.value in paths:
                edit = node_edit(cell, arg, quoted_like(node_text(cell, arg), renamed(arg.value)))
                if edit is not None:
                    edits.append(edit)
        out.append(from_entry(entry.id, line or first or 1, edits, list(saves)))
    return out


def _calls(cell: ParsedCell, methods: tuple) -> bool:
    """The cell calls one of ``methods`` (attribute or plain name)."""
    return any(
        isinstance(call, ast.Call)
        and getattr(call.func, "attr", getattr(call.func, "id", None)) in methods
        for call in walk(cell.tree)
    )


def _path_calls(cell: ParsedCell, methods: tuple) -> list[tuple[ast.Call, ast.Constant]]:
    """Calls of ``methods`` (attribute or plain name) whose file path is a string literal."""
    found = []
    for call in walk(cell.tree):
        if not isinstance(call, ast.Call):
            continue
        name = getattr(call.func, "attr", getattr(call.func, "id", None))
        if name not in methods:
            continue
        arg = (
            call.args[0]
            if call.args
            else next((k.value for k in call.keywords if k.arg in ("filepath", "filename")), None)
        )
        literal = _suffix_literal(cell.tree, arg) if arg is not None else None
        if literal is not None:
            found.append((call, literal))
    return found


def _suffix_literal(tree: ast.AST, node: ast.expr, depth: int = 0) -> ast.Constant | None:
    """The string literal that ends a path expression: the literal itself, the last term of
    ``a + 'x.hdf5'``, the template of ``'x_{}.hdf5'.format(…)``, or what a name the cell binds
    once to such an expression holds (``path = 'cp-{epoch}'``)."""
    if depth > 4:
        return None
    if isinstance(node, ast.Constant):
        return node if isinstance(node.value, str) else None
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        return _suffix_literal(tree, node.right, depth + 1)
    if (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr == "format"
    ):
        return _suffix_literal(tree, node.func.value, depth + 1)
    if isinstance(node, ast.Name):
        bound = single_assignment(tree, node.id)
        if bound is not None:
            return _suffix_literal(tree, bound, depth + 1)
    return None


@rule("keras2-h5-compile-config", when=(ERROR,), family="saving")
def keras2_h5_reload(ctx: CellContext) -> list[Problem]:
    """``load_model`` of a Keras 2 ``.h5`` file whose training config Keras 3 cannot rebuild:
    load it with ``compile=False`` and compile it again as the file records."""
    cell, exc, error_type, message, line, namespace = ctx.unpacked()
    import os

    from kerasmagic.diagnosis.reload_fix import loaded_paths, reload_edits
    from kerasmagic.probes.saved_files import read_h5_model

    if cell.tree is None:
        return []
    out: list[Problem] = []
    for entry in entries_with_rule("keras2-h5-reload"):
        pattern = entry.match.get("message")
        if error_type not in entry.match.get("exception", []) or not re.search(pattern, message):
            continue
        for call, root, target, path in loaded_paths(cell, line, namespace):
            saved = read_h5_model(path)
            if saved is None or saved.keras_major != 2:
                continue
            fix = reload_edits(cell, call, root, target, saved) if target else None
            problem = from_entry(
                entry.id,
                line or call.lineno,
                fix.edits if fix else [],
                ["load_model"],
                keras=live.versions().get("keras", "3"),
                saved_keras=saved.keras_version or "2",
                file=os.path.basename(saved.path),
            )
            if fix:
                problem.fix_code = fix.code
            out.append(problem)
            return out
    return out


@rule("savedmodel-in-keras3", when=(ERROR,), family="saving")
def savedmodel_reload(ctx: CellContext) -> list[Problem]:
    """Keras 3 ``load_model`` of a SavedModel directory: a ``TFSMLayer`` on one of its real
    signatures when the cell only calls the model, else ``tf_keras``'s loader if installed."""
    cell, exc, error_type, message, line, namespace = ctx.unpacked()
    from kerasmagic.diagnosis.savedmodel_fix import savedmodel_fix

    entries = entries_with_rule("savedmodel-reload")
    if not entries or cell.tree is None or error_type != "ValueError":
        return []
    entry = entries[0]
    if not re.search(entry.match.get("message", "$^"), message):
        return []
    fix = savedmodel_fix(cell, line, namespace)
    if fix is None:
        return []
    endpoints = ", ".join(f"`{e}`" for e in fix.endpoints) or "unknown (TensorFlow is not imported)"
    if fix.how == "TFSMLayer":
        how_fix = (
            "The cell only calls the model (`model(x)`): reload it as an inference-only layer on "
            "its `serve` endpoint (which returns the output tensor), in this Keras."
        )
    elif fix.how == "tf_keras":
        how_fix = (
            "The cell uses the model as a full Keras model (fit, predict, summary …): load it with "
            "`tf_keras` (Keras 2, installed here), which still reads SavedModels."
        )
    else:
        how_fix = (
            "For inference only, reload it as a layer: `keras.layers.TFSMLayer(path, "
            "call_endpoint=…)` and call it (`model(x)`; a signature such as `serving_default` "
            "returns a dict of named outputs); to fit or predict as before, "
            + (
                "load it with"
                if satisfied("tf-keras")
                else "install `tf_keras` (`%pip install tf-keras`) and load it with"
            )
            + " `tf_keras.models.load_model` "
            "(a SavedModel Keras 2 wrote, with `keras_metadata.pb`); or re-save the model as "
            "`.keras` where it was made."
        )
    problem = from_entry(
        entry.id,
        line or 1,
        fix.edits,
        ["load_model"],
        keras=live.versions().get("keras", "3"),
        path=fix.path,
        endpoints=endpoints,
        how_fix=how_fix,
    )
    problem.fix_code = fix.code
    return [problem]
