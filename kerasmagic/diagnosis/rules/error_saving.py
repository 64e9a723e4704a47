"""Error rules on saving and loading: Keras 3's file-name rules for ``save``/``save_weights``, a
Keras 2 ``.h5`` whose training config Keras 3 cannot rebuild, a SavedModel given to ``load_model``."""

from __future__ import annotations

import ast
import re
from typing import Any

from kerasmagic.diagnosis import live
from kerasmagic.diagnosis.context import ERROR, STATIC, CellContext
from kerasmagic.diagnosis.file_evidence import named_file, written_instead
from kerasmagic.diagnosis.keras3_support import keras3_here, keras_class_calls
from kerasmagic.diagnosis.live_strings import string_value
from kerasmagic.diagnosis.problem import Problem, from_entry
from kerasmagic.diagnosis.provenance import origins, origins_in
from kerasmagic.diagnosis.rewrite import Edit, ParsedCell, callee_name, walk
from kerasmagic.diagnosis.rules import rule
from kerasmagic.diagnosis.same_value_uses import replaced_whole, same_value_edits
from kerasmagic.diagnosis.traceback_arguments import Reached, reached_argument
from kerasmagic.diagnosis.value_change import at_the_use, rewrite, rewrite_origins
from kerasmagic.diagnosis.value_transforms import Transform, suffix_transform, with_suffix
from kerasmagic.diagnosis.wrapper_calls import passed_on, raised_through
from kerasmagic.knowledge.catalogue import entries_with_rule, find_entry
from kerasmagic.knowledge.installs import satisfied


@rule("save-needs-extension", when=(ERROR,), family="saving", errors=("ValueError",))
def save_extension(ctx: CellContext) -> list[Problem]:
    """Keras 3's file-name rules for ``save``/``save_weights``: the catalogue entry whose message
    matches says which methods, which extension, and which old suffixes it replaces. The path is
    changed where its value is made (``diagnosis/provenance.py``): the literal in the call, the
    assignment of the name in this cell or an earlier one, the call of a function passing it."""
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
        change = extension_change(data)
        calls = [
            call
            for call in calls_of(cell, saves)
            if line is None or call.lineno <= line <= (call.end_lineno or call.lineno)
        ]
        arguments = [path_argument(call) for call in calls] or [
            passed.argument for passed in raised_through(ctx, passed_on(ctx, saves, path_argument))
        ]  # fmt: skip
        found = changed_arguments(ctx, arguments, change, data)
        if found is None:
            if calls or calls_of(cell, saves):  # a path built at run time: explained, not rewritten
                out.append(from_entry(entry.id, line or 1, [], list(saves)))
            continue
        edits, across, paths, note = found
        at_use = [(a, e) for a in arguments if a is not None for e in [replaced_whole(cell, a, edits)] if e]  # fmt: skip
        more = loads_of(ctx, loads, paths, change) + same_value_edits(cell, at_use, load_arguments(ctx, loads))  # fmt: skip
        problem = from_entry(entry.id, line or calls[0].lineno, edits + more, list(saves))
        tell(problem, across + more, note)
        out.append(problem)
    return out


def extension_change(data: dict) -> Transform:
    keep = tuple(data.get("keep", (data["extension"],)))
    return suffix_transform(data["extension"], tuple(data.get("replaces", ())), keep)


def changed_paths(
    ctx: CellContext, calls: list[ast.Call], change: Transform, data: dict, klass: Any = None
) -> tuple[list[Edit], list[Edit], set[str], str] | None:
    """The edits making the path of each call end as ``change`` says, where the value is made:
    ``(edits, across, the old literal values, the note)``; None when no path needs or allows
    it. ``klass`` (a live ``ModelCheckpoint``): only the names it refuses, to names it takes."""
    return changed_arguments(ctx, [path_argument(call) for call in calls], change, data, klass)


def changed_arguments(
    ctx: CellContext, arguments: list[ast.expr | None], change: Transform, data: dict, klass: Any = None
) -> tuple[list[Edit], list[Edit], set[str], str] | None:  # fmt: skip
    """:func:`changed_paths` of path arguments: a call's own, or what the cell passes to a
    function of the user's that hands it to the call (``wrapper_calls``)."""
    edits: list[Edit] = []
    across: list[Edit] = []
    paths: set[str] = set()
    notes: list[str] = []
    for arg in arguments:
        if arg is None:
            continue
        origins_ = origins(ctx, arg, calls=True)  # a path the notebook's own function returns, too
        tails = [o.tail for o in origins_]
        if not origins_ or any(t is None for t in tails):  # made by a call (str(k)): the live value
            live = string_value(ctx, arg)
            tails = [live] if live is not None else []
            why = "it is computed where it is made"
        wanted = [t for t in tails if t is not None and change.literal(t) != t]  # type: ignore[misc]
        if not wanted:
            continue
        if klass is not None and not all(_refused(klass, t, data) for t in wanted):
            continue
        if not origins_ or any(o.tail is None for o in origins_):
            rewritten = at_the_use(ctx, arg, change, wanted[0], why)
        else:
            rewritten = rewrite(ctx, arg, change)
            live = string_value(ctx, arg) if rewritten is None and any(o.function for o in origins_) else None  # fmt: skip
            if live is not None and change.literal(live) != live:  # type: ignore[misc]
                rewritten = at_the_use(ctx, arg, change, live, "its value was bound from a call")
        if rewritten is None:
            continue
        edits += rewritten.edits
        across += rewritten.across
        paths.update(
            o.tail
            for o in rewritten.origins
            if o.here and o.tail and isinstance(o.literal, ast.Constant)
        )
        if rewritten.note:
            notes.append(rewritten.note)
    if not edits:
        return None
    return edits, across, paths, " ".join(dict.fromkeys(notes))


def loads_of(ctx: CellContext, loads: tuple, paths: set[str], change: Transform) -> list[Edit]:
    """Edits of the loads in this cell of a path a save's edit renamed (``load_weights('w.h5')``)."""
    out: list[Edit] = []
    for arg in load_arguments(ctx, loads):
        found = origins(ctx, arg)
        if found and all(o.here and o.tail in paths and not o.names for o in found):
            rewritten = rewrite(ctx, arg, change)
            out += [e for e in rewritten.edits if e not in out] if rewritten is not None else []
    return out


def load_arguments(ctx: CellContext, loads: tuple) -> list[ast.expr]:
    """The path arguments of this cell's loads (and of the user's functions handing one on)."""
    handed = [p.argument for p in passed_on(ctx, loads, path_argument)]
    return [a for a in [*map(path_argument, calls_of(ctx.cell, loads)), *handed] if a is not None]


def tell(problem: Problem, across: list[Edit], note: str) -> None:
    """Carry the edits for a door that rewrites every cell, and say where the value changed."""
    if any(e.cell is not None for e in across):
        problem.across = across
    if note:
        problem.fix = f"{problem.fix} {note}".strip()


@rule("checkpoint-model-extension", when=(STATIC,), family="saving", needs=r"ModelCheckpoint")
def checkpoint_extension(ctx: CellContext) -> list[Problem]:
    """A Keras 3 ``ModelCheckpoint`` (the live class) refuses, when it is made, a file name
    without its extension: ``.keras`` for a whole model, ``.weights.h5`` with
    ``save_weights_only=True``. Renamed before running where the name is made (with the loads of
    the same path), so a cell whose first error is elsewhere does not stop there next; an error
    about it already raised is the error rule's."""
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
        only = isinstance(weights, ast.Constant) and weights.value is True
        entry_id = "save-weights-extension" if only else "checkpoint-model-extension"
        entry = next((e for e in entries_with_rule("save-extension") if e.id == entry_id), None)
        if entry is None:
            continue
        data = {**entry.data, "weights_only": only}
        change = extension_change({k: v for k, v in data.items() if k != "keep"})
        found = changed_paths(ctx, [call], change, data, klass)
        if found is None:
            continue
        edits, across, paths, note = found
        more = loads_of(ctx, tuple(data.get("loads", ())), paths, change)
        problem = from_entry(entry_id, call.lineno, edits + more, ["ModelCheckpoint"])
        tell(problem, across + more, note)
        out.append(problem)
    return out


def _refused(klass: type, path: str, data: dict) -> bool:
    """Does the live ``ModelCheckpoint`` refuse ``path`` (the end of its file name) when it is
    made, and take the renamed one (a ValueError)? Making the callback reads the name only:
    nothing is written."""
    only = bool(data.get("weights_only"))

    def refused(name: str) -> bool:
        try:
            klass(name, save_weights_only=only)
        except ValueError:
            return True
        except Exception:
            return False
        return False

    new = with_suffix(path, data["extension"], tuple(data.get("replaces", ())))
    return refused(path or "x") and not refused(new)


def calls_of(cell: ParsedCell, methods: tuple) -> list[ast.Call]:
    """The cell's calls of one of ``methods`` (attribute or plain name)."""
    return [
        call
        for call in walk(cell.tree)
        if isinstance(call, ast.Call)
        and callee_name(call) in methods
    ]


def path_argument(call: ast.Call) -> ast.expr | None:
    """A save's or load's file path: its first argument (the second of ``save_model(model,
    filepath)``), or ``filepath=``/``filename=``."""
    position = 1 if (callee_name(call) or "") == "save_model" else 0
    if len(call.args) > position:
        arg = call.args[position]
        return arg if not isinstance(arg, ast.Starred) else None
    return next((k.value for k in call.keywords if k.arg in ("filepath", "filename")), None)


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


# not ``needs="load"``: the cell may load through a function of the user's (``agent.restore(p)``);
# a missing file is an OSError (h5py), a ValueError (Keras 3's loaders) or TensorFlow's NotFoundError
@rule("load-of-renamed-save", when=(ERROR,), family="saving", errors=("OSError", "ValueError", "OpError"))  # fmt: skip
def load_of_renamed_save(ctx: CellContext) -> list[Problem]:
    """A load of a file whose save Keras 3 made write another name (a later cell, the literal
    written again, a path held in a variable). The evidence is the disk: the path the failing
    load reads is missing (or older: written before the save was corrected) and the save rule's
    renaming of it names a file that is there; the load's path is renamed where its value is
    made, with the same transform."""
    cell, _exc, _type, _message, line, _ns = ctx.unpacked()
    if cell.tree is None or line is None:
        return []
    changes: dict[str, list[Transform]] = {}
    for entry in entries_with_rule("save-extension") + entries_with_rule("h5-operations"):
        for method in entry.data.get("loads", ()):
            changes.setdefault(method, []).append(extension_change(entry.data))
    out: list[Problem] = []
    direct = [
        (call, path_argument(call), (callee_name(call) or ""))
        for call in calls_of(cell, tuple(changes))
    ]
    direct = [d for d in direct if d[0].lineno <= line <= (d[0].end_lineno or d[0].lineno)]
    if not direct:  # the cell loads through a function of the user's that another cell defines
        handed = raised_through(ctx, passed_on(ctx, tuple(changes), path_argument))
        direct = [(p.call, p.argument, p.method) for p in handed]
    # else through the notebook's functions, followed back along the traceback (a class's
    # ``load`` that builds the path and calls its own ``load_weights``)
    reached = None if direct else reached_argument(ctx, tuple(changes), path_argument)
    if reached is not None:
        direct = [(reached.call, reached.node, reached.method)]
    for call, arg, method in direct:
        for change in changes[method]:
            found = written_load(ctx, arg, change) if reached is None else reached_load(ctx, reached, change)  # fmt: skip
            if found is None:
                continue
            rewritten, path, new = found
            problem = from_entry(
                "load-of-renamed-save",
                call.lineno,
                rewritten.edits,
                [method, path],
                ctx.shown_versions,
                method=method,
                path=path,
                new=new,
                keras=live.versions().get("keras", "3"),
            )
            tell(problem, rewritten.across, rewritten.note or "")
            out.append(problem)
            break
    return out


def written_load(ctx: CellContext, arg: ast.expr | None, change: Transform) -> tuple[Any, str, str] | None:  # fmt: skip
    """A load whose path ``arg`` (its live value) ``change`` renames to the file a corrected save
    wrote instead (``written_instead``): the rewrite of the path where its value is made, the old
    path and the new one; None otherwise (or when nothing could be rewritten)."""
    if change.literal is None:
        return None
    path = (string_value(ctx, arg) if arg is not None else None) or named_path(ctx, change)
    new = renamed_written(path, change)
    if path is None or new is None:
        return None
    rewritten = rewrite(ctx, arg, change)  # type: ignore[arg-type]
    return (rewritten, path, new) if rewritten is not None and rewritten.edits else None


def reached_load(ctx: CellContext, reached: Reached, change: Transform) -> tuple[Any, str, str] | None:  # fmt: skip
    """``written_load`` of a path a frame of the traceback gave the load (``reached_argument``):
    its value read in that frame, changed where it is made in the cell that holds it."""
    path = reached.value if isinstance(reached.value, str) else named_path(ctx, change)
    new = renamed_written(path, change)
    if path is None or new is None:
        return None
    local = {reached.node.id: reached.value} if isinstance(reached.node, ast.Name) else None
    found = origins_in(ctx, reached.index, reached.parsed, reached.node, terms=True, live=local)
    rewritten = rewrite_origins(ctx, found, change) if found else None
    return (rewritten, path, new) if rewritten is not None and rewritten.edits else None  # type: ignore[return-value]


def named_path(ctx: CellContext, change: Transform) -> str | None:
    """The path the failing load read, as its error names it (``named_file``), where the
    expression that makes it cannot be evaluated without calling code
    (``'w{:d}.hdf5'.format(np.argmax(acc))``): only when the change renames it to a file a
    corrected save wrote."""
    path = named_file(ctx.exc, ctx.message)
    return path if renamed_written(path, change) is not None else None


def renamed_written(path: str | None, change: Transform) -> str | None:
    """The name ``change`` gives ``path``, when a corrected save wrote that file in its place
    (``written_instead``); None otherwise."""
    new = change.literal(path) if path and change.literal is not None else None
    return new if new and new != path and written_instead(path, new) else None  # type: ignore[arg-type]


def weights_ending(ctx: CellContext, call: ast.Call, problem: Problem) -> None:
    """A format chosen by ``save_format`` is chosen by the file's ending in Keras 3: the path of
    the ``save_weights`` (and of this cell's loads of it) gets the ending the catalogue's
    ``save-weights-extension`` names, where the path is made, with the keyword's removal."""
    from kerasmagic.diagnosis.rules.error_saving import (
        changed_paths,
        extension_change,
        loads_of,
        tell,
    )

    entry = find_entry("save-weights-extension")
    if entry is None:
        return
    change = extension_change(entry.data)
    found = changed_paths(ctx, [call], change, entry.data)
    if found is None:
        return
    edits, across, paths, note = found
    more = loads_of(ctx, tuple(entry.data.get("loads", ())), paths, change)
    problem.edits = [*problem.edits, *edits, *more]
    tell(problem, [*problem.edits[:1], *across, *more], note)
