"""Error rules on saving and loading: Keras 3's file-name rules for ``save``/``save_weights``, a
Keras 2 ``.h5`` whose training config Keras 3 cannot rebuild, a SavedModel given to ``load_model``."""

from __future__ import annotations

import ast
import re

from kerasmagic.diagnosis import live
from kerasmagic.diagnosis.context import ERROR, STATIC, CellContext
from kerasmagic.diagnosis.keras3_support import keras3_here, keras_class_calls
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


@rule("save-needs-extension", when=(ERROR,), family="saving", errors=("ValueError",))
def save_extension(ctx: CellContext) -> list[Problem]:
    """Keras 3's file-name rules for ``save``/``save_weights``: the catalogue entry whose message
    matches says which methods, which extension, and which old suffixes it replaces."""
    cell, exc, error_type, message, line, namespace = ctx.unpacked()
    if cell.tree is None:
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

        edits: list[Edit] = []
        paths: set[str] = set()
        done: set[int] = set()  # literals renamed (one path parameter, several calls)
        first = None
        for call, arg in _path_calls(cell, saves):
            if line is not None and not call.lineno <= line <= (call.end_lineno or call.lineno):
                continue
            if arg.value.endswith(keep) or id(arg) in done:
                continue
            done.add(id(arg))
            edit = _renamed(cell, arg, _with_extension(arg.value, extension, replaces))
            if edit is not None:
                edits.append(edit)
                paths.add(arg.value)
                first = first or call.lineno
        if not edits:
            if _calls(cell, saves):  # a path built at run time: explained, no certain rewrite
                out.append(from_entry(entry.id, line or 1, [], list(saves)))
            continue
        for _call, arg in _path_calls(cell, loads):  # loading the same path back
            if arg.value in paths and id(arg) not in done:
                done.add(id(arg))
                edit = _renamed(cell, arg, _with_extension(arg.value, extension, replaces))
                if edit is not None:
                    edits.append(edit)
        out.append(from_entry(entry.id, line or first or 1, edits, list(saves)))
    return out


@rule("checkpoint-model-extension", when=(STATIC,), family="saving", needs=r"ModelCheckpoint")
def checkpoint_extension(ctx: CellContext) -> list[Problem]:
    """A Keras 3 ``ModelCheckpoint`` (the live class) refuses, when it is made, a file name
    without its extension: ``.keras`` for a whole model, ``.weights.h5`` with
    ``save_weights_only=True``. Renamed before running (with the loads of the same path), so a
    cell whose first error is elsewhere does not stop there next; an error about it already
    raised is the error rule's."""
    cell = ctx.cell
    if cell.tree is None or not keras3_here():
        return []
    if ctx.error_type and re.search(r"must end in|\.weights\.h5", ctx.message or ""):
        return []
    out: list[Problem] = []
    for call, klass, path in keras_class_calls(ctx):
        if not path.endswith("ModelCheckpoint") or not str(klass.__module__).startswith("keras"):
            continue
        weights = next((k.value for k in call.keywords if k.arg == "save_weights_only"), None)
        if weights is not None and not isinstance(weights, ast.Constant):
            continue  # decided at run time: not certain here
        entry_id = (
            "save-weights-extension"
            if isinstance(weights, ast.Constant) and weights.value is True
            else "checkpoint-model-extension"
        )
        entry = next((e for e in entries_with_rule("save-extension") if e.id == entry_id), None)
        if entry is None:
            continue
        data = entry.data
        arg = (
            call.args[0]
            if call.args
            else next((k.value for k in call.keywords if k.arg == "filepath"), None)
        )
        literals = _suffix_literals(cell.tree, arg, call) if arg is not None else []
        edits: list[Edit] = []
        paths = set()
        only = isinstance(weights, ast.Constant) and weights.value is True
        for literal in literals:
            if literal.value.endswith(data["extension"]):
                continue
            new = _with_extension(literal.value, data["extension"], tuple(data["replaces"]))
            if not _refused(klass, literal.value, only) or _refused(klass, new, only):
                continue  # the live class takes the name as it is (`.h5`), or not the new one
            edit = _renamed(cell, literal, new)
            if edit is not None:
                edits.append(edit)
                paths.add(literal.value)
        if not edits:
            continue
        for _call, literal in _path_calls(cell, tuple(data.get("loads", ()))):
            if literal.value in paths:
                new = _with_extension(literal.value, data["extension"], tuple(data["replaces"]))
                edit = _renamed(cell, literal, new)
                if edit is not None:
                    edits.append(edit)
        out.append(from_entry(entry_id, call.lineno, edits, ["ModelCheckpoint"]))
    return out


def _refused(klass: type, path: str, weights_only: bool) -> bool:
    """Does the live ``ModelCheckpoint`` refuse ``path`` when it is made (a ValueError)? Making
    the callback reads the name only: nothing is written."""
    try:
        klass(path, save_weights_only=weights_only)
    except ValueError:
        return True
    except Exception:
        return False
    return False


def _renamed(cell: ParsedCell, literal: ast.Constant, path: str) -> Edit | None:
    """The edit writing ``path`` in place of a path literal, quoted as the cell quoted it."""
    return node_edit(cell, literal, quoted_like(node_text(cell, literal), path))


def _with_extension(value: str, extension: str, replaces: tuple) -> str:
    value = value.rstrip("/")
    for old in replaces:
        if value.endswith(old):
            value = value[: -len(old)]
    return value + extension


def _calls(cell: ParsedCell, methods: tuple) -> bool:
    """The cell calls one of ``methods`` (attribute or plain name)."""
    return any(
        isinstance(call, ast.Call)
        and getattr(call.func, "attr", getattr(call.func, "id", None)) in methods
        for call in walk(cell.tree)
    )


def _path_calls(cell: ParsedCell, methods: tuple) -> list[tuple[ast.Call, ast.Constant]]:
    """Calls of ``methods`` (attribute or plain name) whose file path ends in a string literal,
    one pair per literal (a path parameter of a function the cell calls with several)."""
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
        for literal in _suffix_literals(cell.tree, arg, call) if arg is not None else ():
            found.append((call, literal))
    return found


def _suffix_literals(
    tree: ast.AST, node: ast.expr, at: ast.AST, depth: int = 0
) -> list[ast.Constant]:
    """The string literals that end a path expression: the literal itself, the last term of
    ``a + 'x.hdf5'``, the template of ``'x_{}.hdf5'.format(…)``, what a name the cell binds once
    to such an expression holds (``path = 'cp-{epoch}'``), or, for a parameter of the function
    around ``at`` (``def save(self, name): self.model.save_weights(name)``), what every call of
    that function in the cell passes (``agent.save('dqn.h5')``). Empty when any is unknown."""
    if depth > 4:
        return []
    if isinstance(node, ast.Constant):
        return [node] if isinstance(node.value, str) else []
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        return _suffix_literals(tree, node.right, at, depth + 1)
    if (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr == "format"
    ):
        return _suffix_literals(tree, node.func.value, at, depth + 1)
    if isinstance(node, ast.Name):
        bound = single_assignment(tree, node.id)
        if bound is not None:
            return _suffix_literals(tree, bound, at, depth + 1)
        sites = _parameter_arguments(tree, at, node.id)
        out: list[ast.Constant] = []
        for site in sites:
            found = _suffix_literals(tree, site, site, depth + 1)
            if not found:
                return []
            out.extend(found)
        return out
    return []


def _parameter_arguments(tree: ast.AST, at: ast.AST, name: str) -> list[ast.expr]:
    """What each call of the function around ``at`` passes for its parameter ``name`` (a method
    called as ``obj.method(…)`` skips ``self``); empty when the function is not called in the
    cell, a call passes it in a way not readable here (``*args``), or ``name`` is rebound."""
    func = next(
        (
            f
            for f in walk(tree)
            if isinstance(f, (ast.FunctionDef, ast.AsyncFunctionDef))
            and f.lineno <= getattr(at, "lineno", 0) <= (f.end_lineno or f.lineno)
            and f is not at
        ),
        None,
    )
    if func is None:
        return []
    inner = [
        f
        for f in walk(func)
        if isinstance(f, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)) and f is not func
    ]
    if any(f.lineno <= getattr(at, "lineno", 0) <= (f.end_lineno or f.lineno) for f in inner):
        return []  # the name belongs to a nested function: not followed
    params = [a.arg for a in func.args.posonlyargs + func.args.args]
    if name not in params and name not in [a.arg for a in func.args.kwonlyargs]:
        return []
    if any(
        isinstance(n, ast.Name) and n.id == name and isinstance(n.ctx, ast.Store)
        for n in walk(func)
    ):
        return []
    index = params.index(name) if name in params else None
    method = bool(params) and params[0] in ("self", "cls")
    out: list[ast.expr] = []
    for call in walk(tree):
        if not isinstance(call, ast.Call) or any(isinstance(a, ast.Starred) for a in call.args):
            continue
        target = call.func
        if isinstance(target, ast.Attribute) and target.attr == func.name:
            position = None if index is None else index - (1 if method else 0)
        elif isinstance(target, ast.Name) and target.id == func.name and not method:
            position = index
        else:
            continue
        given = next((k.value for k in call.keywords if k.arg == name), None)
        if given is None and position is not None and 0 <= position < len(call.args):
            given = call.args[position]
        if given is None:
            return []  # a call that leaves it to its default: not a literal here
        out.append(given)
    return out


@rule("keras2-h5-compile-config", when=(ERROR,), family="saving", needs="load_model")
def keras2_h5_reload(ctx: CellContext) -> list[Problem]:
    """``load_model`` of a Keras 2 ``.h5`` file whose training config Keras 3 cannot rebuild:
    load it with ``compile=False`` and compile it again as the file records."""
    cell, exc, error_type, message, line, namespace = ctx.unpacked()
    if cell.tree is None:
        return []
    out: list[Problem] = []
    for entry in entries_with_rule("keras2-h5-reload"):
        pattern = entry.match.get("message")
        if error_type not in entry.match.get("exception", []) or not re.search(pattern, message):
            continue
        import os

        from kerasmagic.diagnosis.reload_fix import loaded_paths, reload_edits
        from kerasmagic.probes.saved_files import read_h5_model

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


@rule("savedmodel-in-keras3", when=(ERROR,), family="saving", errors=("ValueError",))
def savedmodel_reload(ctx: CellContext) -> list[Problem]:
    """Keras 3 ``load_model`` of a SavedModel directory: a ``TFSMLayer`` on one of its real
    signatures when the cell only calls the model, else ``tf_keras``'s loader if installed."""
    cell, exc, error_type, message, line, namespace = ctx.unpacked()
    entries = entries_with_rule("savedmodel-reload")
    if not entries or cell.tree is None:
        return []
    entry = entries[0]
    if not re.search(entry.match.get("message", "$^"), message):
        return []
    from kerasmagic.diagnosis.savedmodel_fix import savedmodel_fix

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
