"""Error rule: objects of two Keras packages mixed in one model, taken from one package."""

from __future__ import annotations

import ast
import re
import sys
from dataclasses import replace

from kerasmagic.diagnosis import live
from kerasmagic.diagnosis.context import ERROR, CellContext
from kerasmagic.diagnosis.frames import traceback_frames
from kerasmagic.diagnosis.indentation import indent_of
from kerasmagic.diagnosis.keras_messages import parse
from kerasmagic.diagnosis.keras_paths import root_of
from kerasmagic.diagnosis.problem import Problem, from_entry
from kerasmagic.diagnosis.provenance import ParsedCell, cells, newest_binding
from kerasmagic.diagnosis.rewrite import Edit, insertion_line, node_edit, node_text, walk
from kerasmagic.diagnosis.rules import rule
from kerasmagic.knowledge.catalogue import Entry, find_entry
from kerasmagic.probes.which_keras import KIND_NAMES, kind_of_module, tf_keras_words


@rule("mixed-keras-objects", when=(ERROR,), family="mixed-keras")
def mixed_keras(ctx: CellContext) -> list[Problem]:
    """A model of one Keras package given objects of another: the cell's imports of the other
    package all taken from ``tf.keras`` (when the cell builds its model with ``tf.keras``) or
    all from ``keras``; else the import of the one object Keras's message names, wherever it
    is (:func:`_received_from_another_keras`); else the explanation alone."""
    entry = find_entry("mixed-keras-objects")
    if not re.search(entry.match.get("message", "$^"), ctx.message) or ctx.cell.tree is None:
        return []
    if re.search(r"identifier: <class ", ctx.message):
        return []  # a class where an instance belongs, not an object of another package
    whole = _whole_cell(ctx, entry)
    if whole and whole[0].edits:
        return whole
    received = _received_from_another_keras(ctx, entry)
    return received if received is not None else whole


def _whole_cell(ctx: CellContext, entry: Entry) -> list[Problem]:
    """Every import of the cell from the other package moved to ``tensorflow.keras`` (or the
    cell's ``import keras``), when the cell names both packages; [] when it names one."""
    cell, exc, error_type, message, line, namespace = ctx.unpacked()
    if "tensorflow" not in sys.modules or "keras" not in sys.modules:
        return []
    tf = sys.modules["tensorflow"]
    tf_keras = getattr(tf, "keras", None)
    keras = sys.modules["keras"]
    same = getattr(tf_keras, "Model", None) is getattr(keras, "Model", False)
    # the cell names the separate tf_keras package (Keras 2) beside this Keras
    named_tf_keras = "tf_keras" in sys.modules and re.search(r"\btf_keras\b", cell.source)
    if same and "tensorflow.python.keras" not in cell.source and not named_tf_keras:
        return []  # tf.keras is this same Keras: the mix comes from elsewhere
    if not re.search(
        r"tensorflow\.keras|tf\.keras|tensorflow\.python\.keras|\btf_keras\b", cell.source
    ):
        return []  # the cell uses one package only
    edits: list[Edit] = []
    movable = True  # every import of the other package can be moved to tensorflow.keras
    for node in walk(cell.tree):
        if isinstance(node, ast.ImportFrom) and node.module and not node.level:
            root = root_of(node.module)
            if root == "keras" or node.module.startswith("tensorflow.python.keras"):
                rest = node.module.split(".", 1)[1] if "." in node.module else ""
                if node.module.startswith("tensorflow.python.keras"):
                    rest = node.module[len("tensorflow.python.keras") + 1 :]
                new = "tensorflow.keras" + (f".{rest}" if rest else "")
                status, mod = live.module_status(new)
                if status != live.OK or not all(
                    a.name == "*" or live.has_attr(mod, new, a.name) for a in node.names
                ):
                    movable = False
                    break
                text = node_text(cell, node) or ""
                edit = node_edit(cell, node, text.replace(node.module, new, 1))
                if edit:
                    edits.append(edit)
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name == "keras" and not alias.asname:
                    edit = node_edit(cell, node, "from tensorflow import keras")
                    if edit and len(node.names) == 1:
                        edits.append(edit)
    if not movable:
        edits = []  # explained without a rewrite: no certain one exists here
    problem = from_entry(
        entry.id,
        line or 1,
        edits,
        ["keras"],
        tf_keras_kind=tf_keras_words(tf_keras, tf),
        keras=getattr(keras, "__version__", "?"),
    )
    if "tensorflow.python.keras" in cell.source:
        problem.cause = (
            "This cell imports from `tensorflow.python.keras`, the private Keras 2 copy inside "
            f"TensorFlow {getattr(tf, '__version__', '?')}, while `tf.keras` here is "
            f"{tf_keras_words(tf_keras, tf)}: a model of one cannot take optimizers, layers or "
            "tensors of the other, and private paths change without notice."
        )
    if same and named_tf_keras:  # tf.keras is this Keras; the other one is tf_keras itself
        version = getattr(sys.modules["tf_keras"], "__version__", "")
        problem.edits = []
        problem.cause = (
            f"This cell uses the separate `tf_keras` package ({version}, Keras 2) while `keras` "
            f"here is Keras {getattr(keras, '__version__', '?')}: a model of one package cannot "
            "take optimizers, layers or tensors of the other."
        )
    return [problem]


def _received_from_another_keras(ctx: CellContext, entry: Entry) -> list[Problem] | None:
    """Keras's message names the object it was given (``<tensorflow.python.keras.optimizer_v2.
    gradient_descent.SGD object at 0x…>``), an instance of a class of another Keras package than
    the one that raised. The import binding that class's name, in this cell or an earlier one,
    takes the class of the same name from the public module of the raising Keras that the
    message's kind of object lives in (``keras.optimizers`` for an optimizer), when the cell's
    calls of it still bind there. None when the message names no such object."""
    fact = parse(ctx.error_type, ctx.message)
    if fact is None or fact.kind != "object" or not fact.received or not fact.expected:
        return None
    module, _, name = fact.received.rpartition(".")
    cls = getattr(sys.modules.get(module), name, None)
    raising = _raising_module(ctx.exc)
    versions = ctx.versions
    theirs, ours = kind_of_module(module, versions), kind_of_module(raising or "", versions)
    if not isinstance(cls, type) or theirs is None or ours is None or theirs == ours:
        return None
    space = entry.data.get("received", {}).get(fact.expected)
    root = "tf_keras" if ours == "tf_keras" else "keras"
    if space is None or raising is None or not raising.startswith(root):
        return None
    status, package = live.module_status(f"{root}.{space}")
    target = getattr(package, name, None) if status == live.OK else None
    if not isinstance(target, type) or kind_of_module(target.__module__, versions) != ours:
        return None
    home = _home(ctx, root, space, name, target)
    taken = _imports_taken_from(ctx, cls, name, home, target)
    if taken is None:
        return None
    edits, across = taken
    problem = from_entry(entry.id, ctx.line or 1, edits, [name], tf_keras_kind="", keras="")
    problem.across = across
    problem.cause = (
        f"Keras says it could not use a `{name}` object of `{module}`, a class of another Keras "
        f"package ({KIND_NAMES.get(theirs, theirs)}) than the one this model belongs to (`{root}`): a "
        "model of one package cannot take optimizers, layers or losses of another."
    )
    where = " (an earlier cell imports it; the corrected cell imports it again at its top)" if across else ""  # fmt: skip
    problem.fix = f"Import `{name}` from `{home}`, the Keras this model belongs to{where}."
    return [problem]


def _home(ctx: CellContext, root: str, space: str, name: str, target: type) -> str:
    """The module to import ``target`` from: ``tensorflow.keras.<space>`` when the cells reach
    Keras as ``tf.keras`` and it holds this very class there, else ``<root>.<space>``."""
    sources = " ".join(parsed.source for _index, parsed in cells(ctx))
    if re.search(r"\btf\.keras\b|\btensorflow\.keras\b|from tensorflow import keras", sources):
        status, found = live.resolve_path(f"tensorflow.keras.{space}.{name}")
        if status == live.OK and found is target:
            return f"tensorflow.keras.{space}"
    return f"{root}.{space}"


def _raising_module(exc: BaseException | None) -> str | None:
    """The module of the innermost traceback frame that is Keras's own code."""
    for frame in reversed(traceback_frames(exc)):
        name = frame.f_globals.get("__name__", "")
        if isinstance(name, str) and name.split(".")[0] in ("keras", "tf_keras"):
            return name
    return None


def _imports_taken_from(ctx: CellContext, cls: type, name: str, home: str, target: type) -> tuple[list[Edit], list[Edit] | None] | None:  # fmt: skip
    """``(edits, across)`` importing ``target`` (``home.name``) for the names the cells bind to
    ``cls`` by ``from module import name [as alias]``: an import in this cell is rewritten
    (``across`` None); one in an earlier cell is rewritten there (``across``, for ``migrate``)
    and made again at this cell's top (``edits``). None when a name is bound otherwise, or a
    call of it passes a keyword ``target`` does not take."""
    bound = [k for k, v in (ctx.namespace or {}).items() if v is cls]
    edits: list[Edit] = []
    across: list[Edit] = []
    at = insertion_line(ctx.cell)
    for alias_name in bound:
        found = _import_binding(ctx, alias_name)
        if found is None:
            return None
        index, parsed, stmt, alias = found
        if alias.name != name or not live.takes_keywords(target, _keywords(ctx, alias_name)):
            return None
        new = f"from {home} import {name}" + (f" as {alias_name}" if alias_name != name else "")
        others = [a for a in stmt.names if a is not alias]
        rewritten = new
        if others:
            kept = ", ".join(a.name + (f" as {a.asname}" if a.asname else "") for a in others)
            rewritten = f"from {stmt.module} import {kept}\n{indent_of(parsed, stmt)}{new}"
        edit = node_edit(parsed, stmt, rewritten)
        if edit is None:
            return None
        if index is None:
            edits.append(edit)
            across.append(edit)
        else:
            edits.append(Edit(at, 0, at, 0, new + "\n"))
            across.append(replace(edit, cell=index))
    if not edits:
        return None
    return edits, (across if any(e.cell is not None for e in across) else None)


def _import_binding(ctx: CellContext, name: str) -> tuple[int | None, ParsedCell, ast.ImportFrom, ast.alias] | None:  # fmt: skip
    """``(cell, parsed, statement, alias)`` when the newest binding of ``name`` (this cell's
    last, else the newest earlier cell's) is ``from module import x [as name]``; None otherwise."""
    found = newest_binding(ctx, None, ctx.cell, name, ctx.cell.tree, anywhere=True)
    if found is None:
        return None
    index, parsed, stmt, _value = found
    alias = next((a for a in getattr(stmt, "names", []) if (a.asname or a.name) == name), None)
    if not isinstance(stmt, ast.ImportFrom) or not stmt.module or stmt.level or alias is None:
        return None
    return index, parsed, stmt, alias


def _keywords(ctx: CellContext, name: str) -> set[str]:
    """The keywords the calls of ``name`` in this cell and the earlier ones pass."""
    return {
        kw.arg
        for _index, parsed in cells(ctx)
        if parsed.tree is not None
        for node in walk(parsed.tree)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == name
        for kw in node.keywords
        if kw.arg
    }
