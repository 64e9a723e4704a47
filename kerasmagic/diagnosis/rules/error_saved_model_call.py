"""Error rule: a SavedModel that ``tf.saved_model.save`` wrote of a Keras 3 model, loaded back with
``tf.saved_model.load`` and called like the model.

Keras 2 traced a model's ``call`` into the SavedModel ``tf.saved_model.save`` wrote, so the object
``tf.saved_model.load`` returned could be called (``loaded(x)``) and gave the output tensor. A
Keras 3 model saves its variables and a ``serving_default`` signature (a dict of outputs), no
``__call__``: calling the loaded object fails with "'_UserObject' object is not callable".
Evidence, from the live kernel: the name called on the failing line holds the loaded object
(TensorFlow's ``_UserObject``), bound by ``tf.saved_model.load(path)``; a ``tf.saved_model.save``
of a live Keras 3 model (one with ``export``) wrote that path. The repair: the save becomes the
model's ``export(path)``, Keras 3's SavedModel for inference, whose ``serve`` endpoint returns the
output tensor as the Keras 2 call did, and the call goes through ``serve``. A save in an earlier
cell is corrected there (``Problem.across``); a loaded object that has ``serve`` already (the
export ran) only needs the call changed.

Also here: ``tf.saved_model.load`` of the ``.keras`` file a Keras 2 ``save`` to a folder was
renamed to (``saved-model-load-of-keras-file``), the keys of a serving signature's outputs
(``saved-model-output-keys``), and ``load_model`` of the folder ``tf.saved_model.save`` wrote, which
Keras 2 read back as the model (``saved-model-loaded-as-keras-model``: the model saved as a
``.keras`` file beside it, and that file loaded).
"""

from __future__ import annotations

import ast
import os
import re
from collections.abc import Callable, Iterator
from dataclasses import replace
from typing import Any

from kerasmagic.diagnosis import live
from kerasmagic.diagnosis.context import ERROR, CellContext, value_in
from kerasmagic.diagnosis.live_strings import string_value
from kerasmagic.diagnosis.problem import Problem, from_entry
from kerasmagic.diagnosis.provenance import cells, origins
from kerasmagic.diagnosis.rewrite import (
    Edit,
    ParsedCell,
    after_statement,
    called_name,
    insertion_line,
    node_edit,
    node_text,
    quoted_like,
    walk,
)
from kerasmagic.diagnosis.rules import rule
from kerasmagic.diagnosis.rules.error_saving import calls_of, path_argument
from kerasmagic.diagnosis.source_bindings import bindings, scope_bindings
from kerasmagic.diagnosis.value_change import origin_edit, rewrite
from kerasmagic.diagnosis.value_transforms import Transform

ENTRY = "saved-model-not-callable"
LOAD_ENTRY = "saved-model-load-of-keras-file"


@rule(ENTRY, when=(ERROR,), family="saving", errors=("TypeError",))
def saved_model_call(ctx: CellContext) -> list[Problem]:
    """The failing call of a loaded SavedModel goes through ``serve``; the save that wrote it
    becomes ``model.export(path)``."""
    if "object is not callable" not in ctx.message or ctx.cell.tree is None or ctx.line is None:
        return []
    for call in walk(ctx.cell.tree):
        if not isinstance(call, ast.Call) or getattr(call, "lineno", None) != ctx.line:
            continue
        loaded = value_in(ctx.live_names, call.func)
        if not _loaded_saved_model(loaded):
            continue
        serve = node_edit(ctx.cell, call.func, f"{node_text(ctx.cell, call.func)}.serve")
        if serve is None:
            return []
        if callable(getattr(loaded, "serve", None)):
            return [_problem(ctx, call, [serve], None, "")]
        load = _load_of(ctx, call.func)
        save = keras3_save(ctx, ("save",), load[2], saved_model=True) if load is not None else None
        if load is None or save is None:
            return [_problem(ctx, call, [], None, "")]
        index, parsed, save_call, model, arg = save
        path = node_text(parsed, arg)
        export = node_edit(parsed, save_call, f"{model}.export({path})")
        if export is None or path is None:
            return []
        if index is None:
            return [_problem(ctx, call, [export, serve], None, model)]
        # the save is in an earlier cell: this cell exports and loads again at its top (what it
        # runs with), the notebook gets the earlier cell's save changed instead (``across``)
        again = f"{model}.export({path})\n" + ("" if load[0] is None else f"{load[1]}\n")
        line = insertion_line(ctx.cell)
        top = Edit(line, 0, line, 0, again)
        return [_problem(ctx, call, [top, serve], [replace(export, cell=index), serve], model)]
    return []


def _loaded_saved_model(value: Any) -> bool:
    """The object ``tf.saved_model.load`` returns for a SavedModel with no Keras metadata."""
    klass = type(value)
    return klass.__name__ == "_UserObject" and (klass.__module__ or "").startswith("tensorflow")


def _load_of(ctx: CellContext, func: ast.expr) -> tuple[int | None, str, str] | None:
    """Where the called name was bound by ``tf.saved_model.load(path)``, newest first: (its cell
    index or None, the statement's text, the path it read)."""
    if not isinstance(func, ast.Name):
        return None
    for index, parsed in cells(ctx):
        bound = scope_bindings(parsed.tree, func.id, func) if index is None else bindings(parsed.tree, func.id)
        loads = [(s, v) for s, v in bound if _is_saved_model_call(v, "load")]
        if loads:
            stmt, value = loads[-1]
            path = string_value(ctx, value.args[0]) if value.args else None
            text = node_text(parsed, stmt)
            return (index, text, path) if path is not None and text is not None else None
    return None


def saves_of(ctx: CellContext, methods: tuple, path: str) -> Iterator[tuple[int | None, ParsedCell, ast.Call, ast.expr, Any, ast.expr]]:  # fmt: skip
    """The notebook's calls of ``methods`` that save to ``path`` (its value, live), newest first:
    (cell index or None, that cell, the call, the model expression, its live value, the path
    expression). The model: the receiver of ``model.save(p)``, the first argument of
    ``save_model(model, p)`` and ``tf.saved_model.save(model, p)``."""
    for index, parsed in cells(ctx):
        for call in reversed(calls_of(parsed, methods)):
            model, arg = _saved_by(call)
            if model is not None and arg is not None and string_value(ctx, arg) == path:
                yield index, parsed, call, model, value_in(ctx.live_names, model), arg


def _saved_by(call: ast.Call) -> tuple[ast.expr | None, ast.expr | None]:
    """(the model, the path) a save call is given."""
    if _is_saved_model_call(call, "save"):
        return (call.args[0], call.args[1]) if len(call.args) >= 2 else (None, None)
    if called_name(call.func) == "save_model":
        return (call.args[0] if call.args else None), path_argument(call)
    return (call.func.value if isinstance(call.func, ast.Attribute) else None), path_argument(call)


def keras3_save(ctx: CellContext, methods: tuple, path: str, *, saved_model: bool) -> tuple[int | None, ParsedCell, ast.Call, str, ast.expr] | None:  # fmt: skip
    """The newest save to ``path`` of a live Keras 3 model, by ``tf.saved_model.save``
    (``saved_model``) or by Keras's own ``methods``: (cell index or None, that cell, the call,
    the model's text, the path expression); None when there is none."""
    for index, parsed, call, model, value, arg in saves_of(ctx, methods, path):
        if _is_saved_model_call(call, "save") == saved_model and (text := _exported(parsed, model, value)):  # fmt: skip
            return index, parsed, call, text, arg
    return None


def _exported(parsed: ParsedCell, model: ast.expr, value: Any) -> str | None:
    """The model's text where its live value is a Keras 3 model (one with ``export``)."""
    text = node_text(parsed, model)
    return text if text and live.from_keras(value) and callable(getattr(value, "export", None)) else None  # fmt: skip


def _is_saved_model_call(node: Any, method: str) -> bool:
    """``….saved_model.save(…)`` / ``….saved_model.load(…)``."""
    func = getattr(node, "func", None) if isinstance(node, ast.Call) else None
    return called_name(func) == method and called_name(getattr(func, "value", None)) == "saved_model"  # fmt: skip


def _problem(ctx: CellContext, call: ast.Call, edits: list[Edit], across: list[Edit] | None, model: str) -> Problem:  # fmt: skip
    name = node_text(ctx.cell, call.func) or "the loaded model"
    problem = from_entry(ENTRY, call.lineno, edits, [name, "serve"], ctx.shown_versions,
                         name=name, keras=ctx.versions.get("keras", "3"))  # fmt: skip
    if across is not None:
        problem.across = across
        problem.fix = f"{problem.fix} The save is in an earlier cell: `{model}.export(…)` goes there."
    return problem


KERAS_FILE = re.compile(r"SavedModel file does not exist at: (.+?\.keras)/\{saved_model")
FOLDER_AGAIN = Transform(
    "name the SavedModel folder as the Keras 2 save did",
    literal=lambda text: text[: -len(".keras")] if text.endswith(".keras") else None,
    value=lambda expr, _tail: f"{expr}[: -len('.keras')]",
)


@rule(LOAD_ENTRY, when=(ERROR,), family="saving", errors=("OSError",), needs="saved_model")
def load_of_keras_file(ctx: CellContext) -> list[Problem]:
    """``tf.saved_model.load`` of the ``.keras`` file a model's save was made to write (Keras 2
    wrote a SavedModel folder there): the path as it was, and the save becomes ``export``."""
    found = KERAS_FILE.search(ctx.message)
    if found is None or ctx.cell.tree is None or ctx.line is None or not os.path.isfile(found.group(1)):  # fmt: skip
        return []
    path = found.group(1)
    load = next((c for c in walk(ctx.cell.tree) if _is_saved_model_call(c, "load") and c.args
                 and c.lineno <= ctx.line <= (c.end_lineno or c.lineno)), None)  # fmt: skip
    save = keras3_save(ctx, ("save", "save_model"), path, saved_model=False)
    if load is None or save is None or string_value(ctx, load.args[0]) != path:
        return []
    index, parsed, call, model, arg = save
    rewritten = rewrite(ctx, load.args[0], FOLDER_AGAIN)
    export = node_edit(parsed, call, f"{model}.export({node_text(parsed, arg)})")
    if rewritten is None or not rewritten.edits or export is None:
        return []
    export = replace(export, cell=index)
    edits = list(rewritten.edits)
    if index is not None:  # what this cell runs with: the folder exported again, at its top
        line = insertion_line(ctx.cell)
        edits.append(Edit(line, 0, line, 0, f"{model}.export({node_text(parsed, arg)})\n"))
    else:
        edits.append(export)
    problem = from_entry(LOAD_ENTRY, load.lineno, edits, [path], ctx.shown_versions, path=path,
                         model=model, keras=ctx.versions.get("keras", "3"))  # fmt: skip
    if index is not None or any(e.cell is not None for e in rewritten.across):
        # the notebook: the path's literal where it is made (the save there reads it too, so
        # no re-binding) and the save exporting; this cell as written, without its top lines
        made = [origin_edit(o, FOLDER_AGAIN) for o in origins(ctx, load.args[0])]
        if not made or any(e is None for e in made):
            return []
        problem.across = [*made, export]  # type: ignore[list-item]
    return [problem]


OUTPUT_KEYS_ENTRY = "saved-model-output-keys"
TF_OUTPUT_KEY = re.compile(r"output_\d+$")


@rule(OUTPUT_KEYS_ENTRY, when=(ERROR,), family="saving", errors=("KeyError",))
def serving_output_keys(ctx: CellContext) -> list[Problem]:
    """``results['dense_2']`` where the live ``results`` (a name of the failing lines) is the dict
    of a serving signature, keyed ``output_0``…, and ``dense_2`` is the layer giving output ``n``
    of a live Keras model, of the namespace or a local of the function that raised (one number,
    however many models name it): each such read of the
    failing lines becomes ``results['output_n']``; so does the one such read whose key is computed
    (``results[model.output_names[0]]``: Keras 2's name)."""
    key = ctx.exc.args[0] if isinstance(ctx.exc, KeyError) and ctx.exc.args else None
    if not isinstance(key, str) or ctx.cell.tree is None or TF_OUTPUT_KEY.match(key):
        return []
    scope = ctx.live_names  # the namespace under the locals of the cell's frames that raised
    positions = {n for value in scope.values() for n in _output_positions(value, key)}
    if len(positions) != 1:
        return []
    position = positions.pop()
    new = f"output_{position}"
    reads = [node for node in walk(ctx.cell.tree) if isinstance(node, ast.Subscript) and node.lineno in ctx.failing_lines
             and _signature_outputs(value_in(scope, node.value), new)]  # fmt: skip
    written = [n for n in reads if isinstance(n.slice, ast.Constant) and n.slice.value == key]
    if not written and len(reads) == 1 and not isinstance(reads[0].slice, ast.Constant):
        written = reads  # the one read, by a key computed (``model.output_names[0]``): Keras 2's name
    edits = [e for n in written if (e := node_edit(ctx.cell, n.slice, quoted_like(node_text(ctx.cell, n.slice) or "''", new))) is not None]  # fmt: skip
    if not edits:
        return []
    return [from_entry(OUTPUT_KEYS_ENTRY, edits[0].line, edits, [key], ctx.shown_versions, old=key, new=new,
                       position=position, keras=ctx.versions.get("keras", "3"))]  # fmt: skip


def _signature_outputs(held: Any, new: str) -> bool:
    """Is ``held`` a serving signature's dict of outputs, keyed ``output_0``…, holding ``new``?"""
    return isinstance(held, dict) and new in held and all(isinstance(k, str) and TF_OUTPUT_KEY.match(k) for k in held)  # fmt: skip


def _output_positions(value: Any, name: str) -> list[int]:
    """The numbers of the outputs of ``value`` (a live Keras model) that its layer ``name`` gives,
    read from the output tensors' Keras history (nothing called)."""
    if not live.is_keras_instance(value) or not hasattr(type(value), "outputs"):
        return []
    try:
        outputs = value.outputs
    except Exception:
        return []  # a model not built: no outputs yet
    found = []
    for n, tensor in enumerate(outputs if isinstance(outputs, (list, tuple)) else ()):
        history = getattr(tensor, "_keras_history", None)
        if getattr(getattr(history, "operation", None), "name", None) == name:
            found.append(n)
    return found


KERAS_LOAD_ENTRY = "saved-model-loaded-as-keras-model"
NOT_KERAS_FILE = re.compile(r"File format not supported: filepath=(?P<path>.+?)\. Keras 3 only supports")  # fmt: skip


@rule(KERAS_LOAD_ENTRY, when=(ERROR,), family="saving", errors=("ValueError",), needs="load_model")
def load_model_of_saved_model(ctx: CellContext) -> list[Problem]:
    """``load_model(path)`` of the folder ``tf.saved_model.save(model, path)`` wrote of a live
    Keras 3 model: Keras 2 read that SavedModel back as the Keras model, Keras 3 reads only its
    own files. The model is saved as a ``.keras`` file too, where the SavedModel is written (the
    SavedModel stays, for serving), and that file is loaded."""
    found = NOT_KERAS_FILE.search(ctx.message)
    if found is None or ctx.cell.tree is None or ctx.line is None or not os.path.isdir(found["path"]):  # fmt: skip
        return []
    path = found["path"]
    load = failing_load(ctx)
    if load is None or string_value(ctx, load.args[0]) != path:
        return []
    save = keras3_save(ctx, ("save",), path, saved_model=True)
    if save is None:
        return []
    return saved_beside(ctx, KERAS_LOAD_ENTRY, load, save, path, _keras_file)


def failing_load(ctx: CellContext) -> ast.Call | None:
    """The ``load_model(path, …)`` call on the failing line of the cell."""
    if ctx.cell.tree is None or ctx.line is None:
        return None
    return next((c for c in walk(ctx.cell.tree) if isinstance(c, ast.Call) and called_name(c.func) == "load_model"
                 and c.args and c.lineno <= ctx.line <= (c.end_lineno or c.lineno)), None)  # fmt: skip


def saved_beside(ctx: CellContext, entry: str, load: ast.Call, save: tuple, path: str, keras_file_of: Callable[[ParsedCell, ast.expr, str], str | None]) -> list[Problem]:  # fmt: skip
    """``load``'s file ``path``, written by ``save`` (``keras3_save``'s tuple) of a live Keras 3
    model, is one ``load_model`` does not read back as the model: the model is saved as the
    ``.keras`` file ``keras_file_of`` names too (where ``path`` is written, which stays), and that
    file is loaded. A save in an earlier cell gets the line there (``Problem.across``); this cell
    saves the file at its top, to run with."""
    index, parsed, save_call, model, arg = save
    keras_file = keras_file_of(parsed, arg, path)
    loaded = keras_file_of(ctx.cell, load.args[0], path)
    statement = next((s for s in walk(parsed.tree) if isinstance(s, ast.Expr) and s.value is save_call), None)  # fmt: skip
    reread = node_edit(ctx.cell, load.args[0], loaded) if loaded is not None else None
    if keras_file is None or reread is None or statement is None:
        return []
    saved = after_statement(parsed, statement, f"{model}.save({keras_file})")
    problem = from_entry(entry, load.lineno, [saved, reread] if index is None else [], [path],
                         ctx.shown_versions, path=path, model=model, keras=ctx.versions.get("keras", "3"))  # fmt: skip
    if index is not None:  # this cell saves the file at its top (what it runs with); the notebook
        line = insertion_line(ctx.cell)  # gets the save beside the earlier cell's file
        problem.edits = [Edit(line, 0, line, 0, f"{model}.save({loaded})\n"), reread]
        problem.across = [replace(saved, cell=index), reread]
    return [problem]


def _keras_file(parsed: ParsedCell, arg: ast.expr, path: str) -> str | None:
    """The ``.keras`` file beside the SavedModel folder ``arg`` names (its value ``path``): the
    literal with the suffix, else the expression plus it."""
    text = node_text(parsed, arg)
    if text is None or path.endswith(("/", os.sep)):
        return None
    if isinstance(arg, ast.Constant):
        return quoted_like(text, f"{path}.keras")
    return f"{text} + '.keras'"
