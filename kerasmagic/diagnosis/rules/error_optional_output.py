"""Error rules: code whose only effect is output (logs, a drawing, a board) where its package is
not installed; it waits for the package, and everything the code computes runs as before.

TensorFlow 2.21 no longer installs ``tensorboard``: code that ran before stops at the first
summary its ``TensorBoard`` callback writes ("TensorBoard is not installed", raised by ``fit``,
often cells after the callback was made). The callback writes logs and changes nothing of the
training, so the code runs unchanged once the package is there, and runs here, with the same
training, when the callback stands in as a ``Callback`` that does nothing while the package is
missing: ``TensorBoard(…) if importlib.util.find_spec("tensorboard") else keras.callbacks.Callback()``
(holding the attributes later code reads from it: ``diagnosis/stand_in_attributes.py``).
The same line makes the real callback once ``tensorboard`` is installed (the finding says how).

Drawing a model is output only too: ``plot_model`` / ``model_to_dot`` need pydot, which Keras
looks for once, when it is imported. In a notebook Keras's own ``plot_model`` prints its advice
and returns; in a script, and ``model_to_dot`` everywhere, it raises. The statement that only
draws (an expression statement: its value is shown or dropped) runs when pydot is there and is
skipped otherwise, as Keras does in a notebook; the last one of a cell keeps showing its value
(``… if importlib.util.find_spec("pydot") else None``).

A callback the user's own helper makes (``callbacks = [make_tensorboard('logs')]``, the helper in
a module beside the notebook) is read from the live value the cell bound: the call whose place
holds a Keras ``TensorBoard`` waits the same way.

The same holds for the user's own callback whose method met the error (the class is read from
the traceback: a frame's ``self``), when its methods only read the model (no store into
``self.model…``, no ``stop_training``, no variable assigned, no method of the model but those
that read it): a callback that steers the training is left, with the install advice.

The notebook's own summaries (``tf.summary.scalar(…)`` statements in a ``with
writer.as_default():`` loop, in a schedule function) and the lines that show the board
(``%load_ext tensorboard``, ``%tensorboard --logdir …``) wait for the package the same way.

The rewrite is made where the callback is constructed: in the failing cell, or (``migrate``, the
catalogue entry's ``earlier_cell``) the newest earlier cell that constructs one, found by the
same diagnosis of that cell with the same error; ``migrate`` runs that cell and the cells after
it again. Facts: the error's message, the package really absent from this interpreter
(``live.package_with_code``), and the live class the call names (a Keras ``TensorBoard``).

A folder named like the package on ``sys.path`` (``TensorBoard(log_dir='tensorboard')`` beside
the notebook makes one) is found by ``find_spec`` as a namespace package of no code: it is not
the package installed, and where one is there the guard asks for a package with code
(``getattr(importlib.util.find_spec('tensorboard'), 'origin', None)``).
"""

from __future__ import annotations

import ast
import inspect
import re
import textwrap

from kerasmagic.diagnosis import live
from kerasmagic.diagnosis.context import ERROR, CellContext
from kerasmagic.diagnosis.indentation import indent_of
from kerasmagic.diagnosis.keras3_support import keras_root
from kerasmagic.diagnosis.problem import Problem, from_entry
from kerasmagic.diagnosis.public_paths import public_path
from kerasmagic.diagnosis.rewrite import (
    Edit,
    insertion_line,
    node_edit,
    node_text,
    parent_map,
    walk,
)
from kerasmagic.diagnosis.rules import rule
from kerasmagic.diagnosis.stand_in_attributes import kept_attributes, stand_in_text
from kerasmagic.knowledge.catalogue import Entry, find_entry

ENTRY = "output-callback-without-package"
DRAWING = "output-call-without-package"
SUMMARY = "summary-write-without-package"
MAGIC = "output-magic-without-package"
# a line magic that loads an extension, and the name of the extension
LOADS_EXTENSION = re.compile(r"%(?:load_ext|reload_ext)\s+(\S+)\s*$")
LINE_MAGIC = re.compile(r"%(\w+)\b")
UNKNOWN_MAGIC = re.compile(r"Line magic function `%(\w+)` not found")
GUARD = "importlib.util.find_spec({package!r})"
# where a folder of the package's name shadows it (a log folder): a spec with code, not a folder
SHADOWED_GUARD = "getattr(importlib.util.find_spec({package!r}), 'origin', None)"
# what a user's callback may call on ``self.model`` and still leave the training as it was
READS_MODEL = frozenset({"predict", "predict_on_batch", "evaluate", "get_layer", "summary", "get_weights", "count_params"})  # fmt: skip
# attributes whose use means the callback steers the training or changes a value
CHANGES_TRAINING = frozenset({"stop_training", "assign", "assign_add", "assign_sub", "set_value", "set_weights", "load_weights", "save", "save_weights"})  # fmt: skip


@rule(ENTRY, when=(ERROR,), family="packages")
def output_callback_without_package(ctx: CellContext) -> list[Problem]:
    """The cell's constructions of the output-only callback the error names, kept for when its
    package is installed and standing in as a plain ``Callback`` while it is not."""
    entry, tree = _matching(ENTRY, ctx), ctx.cell.tree
    if entry is None or tree is None:
        return []
    package = entry.data.get("package", "tensorboard")
    if live.package_with_code(package):
        return []  # installed since: a restart is the fix (the explanation entry says it)
    classes = set(entry.data.get("classes", []))
    own = _raising_callbacks(ctx.exc)  # the user's callbacks whose own code met the error
    parents = parent_map(tree)
    edits: list[Edit] = []
    names: list[str] = []
    for call in walk(tree):
        if not isinstance(call, ast.Call) or _guarded(call, parents, package):
            continue
        cls = _callback_class(ctx, call, classes) or _own_callback(ctx, call, own) or _made_by(ctx, call, parents, classes)  # fmt: skip
        if cls is None:
            continue
        stand_in = _stand_in(ctx, call.func, cls)
        text = node_text(ctx.cell, call)
        if stand_in is None or text is None:
            return []
        base, imports = stand_in
        kept = kept_attributes(ctx, call, parents.get(id(call)))
        guarded = f"{text} if {_guard(package)} else {stand_in_text(base, cls.__name__, kept)}"
        if not isinstance(parents.get(id(call)), (ast.Assign, ast.keyword, ast.List, ast.Tuple)):
            guarded = f"({guarded})"
        edit = node_edit(ctx.cell, call, guarded)
        if edit is None:
            return []
        edits.append(edit)
        names.append(cls.__name__)
        edits.extend(e for e in imports if e not in edits)
    return _waiting(ctx, ENTRY, edits, names, package)


@rule(DRAWING, when=(ERROR,), family="packages", errors=("ImportError",))
def output_call_without_package(ctx: CellContext) -> list[Problem]:
    """The cell's statements that only draw with the Keras function the error names, run only
    when its package is installed."""
    return _guarded_outputs(ctx, DRAWING)


@rule(SUMMARY, when=(ERROR,), family="packages")
def summary_write_without_package(ctx: CellContext) -> list[Problem]:
    """The cell's own ``tf.summary.scalar(…)``-like statements (a ``with writer.as_default():``
    loop, a schedule function that logs its rate), run only when ``tensorboard`` is installed."""
    return _guarded_outputs(ctx, SUMMARY)


@rule(MAGIC, when=(ERROR,), family="packages", errors=("ModuleNotFoundError", "UsageError"))
def output_magic_without_package(ctx: CellContext) -> list[Problem]:
    """``%load_ext tensorboard`` (the package missing) and ``%tensorboard --logdir …`` (the
    magic it would have made), which only show logs: each line runs only when the package can
    be imported."""
    entry = find_entry(MAGIC)
    if entry is None or ctx.cell.tree is None:
        return []
    package = entry.data.get("package", "")
    if not package or live.package_with_code(package):
        return []
    extensions, magics = set(entry.data.get("extensions", [])), set(entry.data.get("magics", []))
    unknown = UNKNOWN_MAGIC.search(ctx.message)
    if getattr(ctx.exc, "name", None) != package and not (unknown and unknown[1] in magics):
        return []
    guard = _guard(package)
    lines = ctx.cell.source.splitlines()
    edits: list[Edit] = []
    for number, raw in enumerate(lines, 1):
        line = raw.strip()
        loaded, called = LOADS_EXTENSION.match(line), LINE_MAGIC.match(line)
        shows = (loaded and loaded[1] in extensions) or (called and called[1] in magics)
        guarded = number > 1 and lines[number - 2].strip() == f"if {guard}:"
        if shows and not guarded:
            indent = raw[: len(raw) - len(raw.lstrip())]
            edits.append(Edit(number, 0, number, len(raw), f"{indent}if {guard}:\n{indent}    {line}"))  # fmt: skip
    return _waiting(ctx, MAGIC, edits, [], package)


def _guarded_outputs(ctx: CellContext, entry_id: str) -> list[Problem]:
    """Every expression statement of the cell calling one of the entry's live output functions,
    run only when the entry's package can be imported (the cell's last value still shown); an
    assignment of one's result, where the entry says what the function returns when it writes
    nothing (``not_written``), gets that while it waits."""
    entry, tree = _matching(entry_id, ctx), ctx.cell.tree
    if entry is None or tree is None:
        return []
    package = entry.data.get("package", "")
    if not package or live.package_with_code(package):
        return []
    functions = set(entry.data.get("functions", []))
    module_part = entry.data.get("module_part", "")
    guard = _guard(package)
    last = tree.body[-1] if tree.body else None
    parents = parent_map(tree)
    edits: list[Edit] = []
    names: list[str] = []
    not_written = entry.data.get("not_written")  # a kept result's stand-in while it waits
    for stmt in walk(tree):
        kept = isinstance(stmt, ast.Assign) and isinstance(stmt.value, ast.Call) and not_written
        if not (isinstance(stmt, ast.Expr) or kept) or _guarded(stmt.value, parents, package):
            continue
        if _guarded(stmt, parents, package):
            continue
        calls = [c for c in walk(stmt.value) if isinstance(c, ast.Call)]
        drawn = [n for c in calls if (n := _keras_function(ctx, c, functions, module_part))]
        if not drawn:
            continue
        text = node_text(ctx.cell, stmt.value)
        if text is None or '"""' in text or "'''" in text:
            return []
        if kept:  # `ok = tf.summary.image(…)`: what it returns when it writes nothing
            edit = node_edit(ctx.cell, stmt.value, f"{text} if {guard} else {not_written}")
            if edit is None:
                return []
            edits.append(edit)
            names.extend(n for n in drawn if n not in names)
            continue
        if stmt is last:  # a cell's last value is shown: it still is when it is drawn
            new = f"{text} if {guard} else None"
        else:
            indent = indent_of(ctx.cell, stmt)
            new = f"if {guard}:\n{indent}    " + text.replace("\n", "\n    ")
        edit = node_edit(ctx.cell, stmt, new)
        if edit is None:
            return []
        edits.append(edit)
        names.extend(n for n in drawn if n not in names)
    return _waiting(ctx, entry_id, edits, names, package)


def _waiting(
    ctx: CellContext, entry_id: str, edits: list[Edit], names: list[str], package: str
) -> list[Problem]:
    """The problem of ``edits`` that make output wait for ``package`` (with ``import
    importlib.util`` where the cell has none), on the failing line (a later ``fit``, maybe of
    another cell: the fix answers that error); nothing when there are no edits."""
    if not edits:
        return []
    if ctx.cell.tree is not None and not _imports_importlib_util(ctx.cell.tree):
        at = insertion_line(ctx.cell)
        edits.insert(0, Edit(at, 0, at, 0, "import importlib.util\n"))
    named = {"name": names[0]} if names else {}
    problem = from_entry(entry_id, ctx.line or edits[-1].line, edits, [*names, package],
                         ctx.shown_versions, package=package, **named)  # fmt: skip
    problem.certain = True  # nothing the code computes changes; only the output waits
    return [problem]


def _keras_function(
    ctx: CellContext, call: ast.Call, functions: set[str], module_part: str = ""
) -> str | None:
    """The name of the live TF/Keras function of ``functions`` the call calls (by any name: Keras
    1's ``plot`` imported as ``plot_model``, a name an earlier cell imported; from a module whose
    name holds ``module_part``), else None."""
    found = ctx.scope.callee(call.func)
    function = found[0] if found else None
    if function is None and isinstance(call.func, ast.Name):
        function = (ctx.namespace or {}).get(call.func.id)
    if not callable(function) or not live.is_keras_object(function):
        return None
    if module_part not in str(getattr(function, "__module__", "")):
        return None
    name = getattr(function, "__name__", "")
    return name if name in functions else None


def _matching(entry_id: str, ctx: CellContext) -> Entry | None:
    """The catalogue entry, when the error's message is the one it explains."""
    entry = find_entry(entry_id)
    if entry is None or not re.search(entry.match.get("message", "$^"), ctx.message):
        return None
    return entry


def _callback_class(ctx: CellContext, call: ast.Call, classes: set[str]) -> type | None:
    """The live Keras callback class of ``classes`` the call constructs (by any name), else None."""
    found = ctx.scope.callee(call.func)
    cls = found[0] if found else None
    if not isinstance(cls, type) or not live.is_keras_object(cls):
        return None
    return cls if cls.__name__ in classes else None


def _made_by(ctx: CellContext, call: ast.Call, parents: dict[int, ast.AST], classes: set[str]) -> type | None:  # fmt: skip
    """The live Keras callback class of ``classes`` a call of the user's own function made (a
    helper in a module beside the notebook, ``callbacks = [make_tensorboard('logs')]``), read
    from the live value the cell bound it to (the name, or its place in the bound list)."""
    found = ctx.scope.callee(call.func)
    if found and isinstance(found[0], type):
        return None  # a class constructed: the callback itself, or no callback
    holder, place = parents.get(id(call)), None
    if isinstance(holder, (ast.List, ast.Tuple)):
        place = next(i for i, e in enumerate(holder.elts) if e is call)
        holder = parents.get(id(holder))
    if not (isinstance(holder, ast.Assign) and len(holder.targets) == 1 and isinstance(holder.targets[0], ast.Name)):  # fmt: skip
        return None
    value = (ctx.namespace or {}).get(holder.targets[0].id)
    if place is not None:
        value = value[place] if isinstance(value, (list, tuple)) and len(value) > place else None
    cls = type(value)
    return cls if cls.__name__ in classes and live.is_keras_object(cls) else None


def _own_callback(ctx: CellContext, call: ast.Call, own: list[type]) -> type | None:
    """The user's callback class of ``own`` the call constructs (a name bound to it), else None."""
    if not own or not isinstance(call.func, ast.Name):
        return None
    cls = (ctx.namespace or {}).get(call.func.id)
    return cls if any(cls is c for c in own) else None


def _raising_callbacks(exc: BaseException | None) -> list[type]:
    """The user's own ``Callback`` subclasses whose methods the error was raised in (a frame's
    ``self``, read from the traceback), when their code only reads the model (output only)."""
    found: list[type] = []
    tb = getattr(exc, "__traceback__", None)
    while tb is not None:
        owner = tb.tb_frame.f_locals.get("self")
        cls = type(owner)
        tb = tb.tb_next
        if owner is None or cls in found or live.is_keras_object(cls):
            continue
        if any(c.__name__ == "Callback" and live.is_keras_object(c) for c in cls.__mro__):
            if _output_only(cls):
                found.append(cls)
    return found


def _output_only(cls: type) -> bool:
    """Does the class's code leave the model and the training as they are: no store into
    ``self.model…``, no ``stop_training``, no method of the model but those that read it, no
    variable assigned? (Read from its methods' source; False when one has none.)"""
    trees = []
    for value in vars(cls).values():  # a cell's class has no source file: its methods have
        function = getattr(value, "__func__", value)
        if not inspect.isfunction(function):
            continue
        try:
            trees.append(ast.parse(textwrap.dedent(inspect.getsource(function))))
        except (OSError, TypeError, SyntaxError):
            return False
    if not trees:
        return False
    for node in (n for tree in trees for n in ast.walk(tree)):
        if isinstance(node, (ast.Assign, ast.AugAssign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            if any(ast.unparse(t).startswith("self.model") for t in targets):
                return False
        elif isinstance(node, ast.Attribute) and node.attr in CHANGES_TRAINING:
            return False
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            called = ast.unparse(node.func)
            if called.startswith("self.model.") and node.func.attr not in READS_MODEL:
                return False
    return True


def _stand_in(ctx: CellContext, func: ast.expr, cls: type) -> tuple[str, list[Edit]] | None:
    """How the cell names the ``Callback`` base class of ``cls``: beside it in the module the
    call reaches it by (``callbacks.Callback``), else by its public path in ``keras`` or
    ``tf_keras`` (imported if the cell does not bind it)."""
    if isinstance(func, ast.Attribute):
        owner = ctx.scope.callee(func.value) if isinstance(func.value, ast.Attribute) else None
        holder = owner[0] if owner else (ctx.namespace or {}).get(getattr(func.value, "id", ""))
        base = getattr(holder, "Callback", None)
        if isinstance(base, type) and issubclass(cls, base):
            text = node_text(ctx.cell, func.value)
            return (f"{text}.Callback", []) if text else None
    base = next((c for c in cls.__mro__ if c.__name__ == "Callback"), None)
    path = public_path(base, ("keras", "tf_keras")) if base is not None else None
    if path is None or path.split(".")[0] not in ("keras", "tf_keras"):
        return None
    root = path.split(".")[0]
    if root == "keras":
        found = keras_root(ctx)
        return (f"{found[0]}{path[len(root) :]}", found[1]) if found else None
    bound = ctx.scope.bindings.get(root)
    if bound == root:
        return path, []
    if bound is not None or root in ctx.scope.user_bound or root in (ctx.namespace or {}):
        return None
    at = insertion_line(ctx.cell)
    return path, [Edit(at, 0, at, 0, f"import {root}\n")]


def _guard(package: str) -> str:
    """The condition under which the output runs: the package can be imported (a package with
    code, where a folder of its name is on ``sys.path``)."""
    shadowed = live.top_exists(package) and not live.package_with_code(package)
    return (SHADOWED_GUARD if shadowed else GUARD).format(package=package)


def _guarded(node: ast.AST, parents: dict[int, ast.AST], package: str) -> bool:
    """Is the node already behind a guard on the package (a second round): the kept branch of a
    conditional expression, or a statement of an ``if`` on it?"""
    parent = parents.get(id(node))
    return isinstance(parent, (ast.IfExp, ast.If)) and repr(package) in ast.unparse(parent.test)


def _imports_importlib_util(tree: ast.Module) -> bool:
    return any(
        isinstance(node, ast.Import)
        and any(a.name == "importlib.util" and not a.asname for a in node.names)
        for node in tree.body
    )
