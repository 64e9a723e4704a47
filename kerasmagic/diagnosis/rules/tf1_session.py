"""Static rule: Keras 2's TensorFlow set-up through a TensorFlow 1 session.

Keras 2 scripts began with ``config = tf.ConfigProto(); config.gpu_options.allow_growth = True;
set_session(tf.Session(config=config))`` (``set_session`` from ``keras.backend`` or
``keras.backend.tensorflow_backend``) so that TensorFlow took GPU memory as needed instead of all
of it, or with Keras's reproducibility recipe, ``tf.ConfigProto(intra_op_parallelism_threads=1,
inter_op_parallelism_threads=1)``. TensorFlow 2 has no session for Keras to use, and Keras
removed ``set_session``. When every option the cell sets on that config has a TensorFlow 2 call
of the same setting (the catalogue entry's table: threads, device placement; ``allow_growth =
True`` is memory growth on every GPU, nothing on a machine without one), the call becomes those
calls and the import of ``set_session`` goes. A GPU count (``device_count={'GPU': 0}``) is the GPUs
TensorFlow 2 may see; with none, the config's GPU memory options set nothing. Any other option (a
memory fraction of a GPU that is used) has no one-line equivalent and is explained
(``backend-session-removed``) instead.

TensorFlow 2 code spelled it ``tf.compat.v1.keras.backend.set_session(sess)`` (the seeding and
single-thread boilerplate of TF 2.0-2.4 notebooks): there Keras ran eagerly and read that
session only in graph mode, so the session configured nothing Keras ran. With eager execution on
in the kernel (read live), the call goes and the session lines stay (``tf2-session-unused``)."""

from __future__ import annotations

import ast
import re
import sys
from collections.abc import Iterator

from kerasmagic.diagnosis import live
from kerasmagic.diagnosis.context import STATIC, CellContext
from kerasmagic.diagnosis.keras3_support import keras3_here, keras_root
from kerasmagic.diagnosis.problem import Problem, from_entry
from kerasmagic.diagnosis.provenance import origins, parsed_source
from kerasmagic.diagnosis.rewrite import (
    Edit,
    insertion_line,
    node_edit,
    node_text,
    statement_removal,
    walk,
)
from kerasmagic.diagnosis.rules import rule
from kerasmagic.diagnosis.session_options import (
    later_rewritten,
    options_set,
    session_config,
    tf2_calls,
)
from kerasmagic.knowledge.catalogue import entry

ENTRY = "tf1-session-gpu-growth"
RUN = "tf1-session-run"
UNUSED = "tf2-session-unused"
# a config whose only option is memory growth: tf1_session_gpu_growth's in every spelling
GROWTH_ONLY = {"allow_growth": "True"}


@rule(ENTRY, when=(STATIC,), family="backend", needs="set_session")
def tf1_session_gpu_growth(ctx: CellContext) -> list[Problem]:
    """``set_session(tf.Session(config=config))`` with only ``allow_growth``: memory growth."""
    tree = ctx.cell.tree
    tf = ctx.scope.expr_for("tensorflow")  # the name the cell (or an earlier one) binds to it
    if tree is None or tf is None:
        return []
    edits: list[Edit] = []
    for stmt, call in _set_session_statements(ctx, tree):
        session, made = _session(ctx, call)
        config = session_config(session) if session is not None else None
        options = options_set(tree, config) if config else {}
        if ".compat.v1." in (ctx.scope.bound_path(call.func) or "") and options != GROWTH_ONLY:
            return []  # TensorFlow 2's own session, which set nothing Keras ran: tf2_session_unused's
        calls = tf2_calls(options, tf, " " * stmt.col_offset)
        if not calls:
            return []  # an option without a TensorFlow 2 call: explained by backend-session-removed
        edit = node_edit(ctx.cell, stmt, calls)
        if edit is None:
            return []
        edits.append(edit)
        edits += _config_made_in_v1(ctx, tree, config, tf)
        if made is not None:  # `sess = tf.Session(config=config)` lines before: goes too
            gone = _session_statement_edit(ctx, tree, made, stmt)
            if gone is None:
                return []
            edits.append(gone)
    if not edits and not later_rewritten(ctx, tf):
        return []
    removed = _import_removals(ctx, tree)
    if removed is None or not (removed[0] or edits):
        return []
    imports, modules = removed
    line = min(e.line for e in imports + edits)  # the import, when it is what fails
    problem = from_entry(
        ENTRY, line, imports + edits, [*modules, "set_session"], ctx.shown_versions, tf=tf
    )
    problem.certain = True
    return [problem]


@rule(UNUSED, when=(STATIC,), family="backend", needs="set_session")
def tf2_session_unused(ctx: CellContext) -> list[Problem]:
    """``tf.compat.v1.keras.backend.set_session(sess)`` in an eager TensorFlow 2: left out."""
    tree = ctx.cell.tree
    tf = sys.modules.get("tensorflow")
    eager = getattr(tf, "executing_eagerly", None)
    if tree is None or not callable(eager) or not eager():
        return []
    edits: list[Edit] = []
    for stmt, call in _set_session_statements(ctx, tree):
        if ".compat.v1." not in (ctx.scope.bound_path(call.func) or ""):
            continue  # standalone Keras on TensorFlow 1: the session did configure it
        session = _session(ctx, call)[0]
        config = session_config(session) if session is not None else None
        if config is not None and options_set(tree, config) == GROWTH_ONLY:
            continue  # tf1_session_gpu_growth's
        edit = statement_removal(ctx.cell, stmt, tree)  # type: ignore[arg-type]
        if edit is None:
            return []
        edits.append(edit)
    removed = _import_removals(ctx, tree) if edits else None
    if removed is None:
        return []
    imports, _modules = removed
    problem = from_entry(
        UNUSED, edits[0].line, imports + edits, ["set_session"], ctx.shown_versions
    )
    problem.certain = True
    return [problem]


def _set_session_statements(ctx: CellContext, tree: ast.AST) -> Iterator[tuple[ast.Expr, ast.Call]]:  # fmt: skip
    """The cell's ``set_session(…)`` statements of a Keras backend that lacks it, with the call."""
    for stmt in walk(tree):
        call = stmt.value if isinstance(stmt, ast.Expr) else None
        if isinstance(call, ast.Call) and _is_keras_set_session(ctx, call.func):
            yield stmt, call  # type: ignore[misc]


def _is_keras_set_session(ctx: CellContext, func: ast.expr) -> bool:
    """``set_session`` / ``K.set_session`` read from a Keras backend module that lacks it here,
    or a ``set_session`` nothing binds in the kernel any more (an earlier cell's import of it
    was removed: ``later_rewritten``)."""
    name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)
    if name != "set_session":
        return False
    unbound = isinstance(func, ast.Name) and ctx.namespace is not None and name not in ctx.namespace
    if unbound and name not in ctx.scope.bindings and name not in ctx.scope.user_bound:
        return True
    if not ctx.scope.refers_to_keras(func):  # (a name the cell's failed import binds: its module)
        return False
    return ctx.scope.callee(func) is None  # gone from the live Keras


def _session(ctx: CellContext, call: ast.Call) -> tuple[ast.Call | None, ast.Assign | None]:
    """The ``tf.Session(...)`` call ``set_session`` is given: written in the call, or assigned
    to the name it passes earlier in the cell (``sess = tf.Session(config=config)``), with that
    assignment."""
    if len(call.args) != 1:
        return None, None
    given = call.args[0]
    if isinstance(given, ast.Call):
        return given, None
    found = origins(ctx, given, terms=False) if isinstance(given, ast.Name) else []
    if len(found) != 1 or not found[0].here or not isinstance(found[0].value, ast.Call):
        return None, None
    made = found[0].binding
    return found[0].value, made if isinstance(made, ast.Assign) and len(made.targets) == 1 else None


def _session_statement_edit(
    ctx: CellContext, tree: ast.AST, made: ast.Assign, use: ast.stmt
) -> Edit | None:
    """The session's assignment removed when nothing else reads the name; else its
    ``tf.Session`` spelled ``tf.compat.v1.Session`` (a session TensorFlow 2 still makes, used by
    nothing Keras runs)."""
    name = made.targets[0].id if isinstance(made.targets[0], ast.Name) else None
    reads = [
        n
        for n in walk(tree)
        if isinstance(n, ast.Name) and n.id == name and isinstance(n.ctx, ast.Load)
        and not (use.lineno <= n.lineno <= (use.end_lineno or use.lineno))
    ]  # fmt: skip
    if not reads:
        return statement_removal(ctx.cell, made, tree)  # type: ignore[arg-type]
    func = made.value.func if isinstance(made.value, ast.Call) else None
    if not (isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name)):
        return None
    return node_edit(ctx.cell, func, f"{func.value.id}.compat.v1.Session")


def _config_made_in_v1(ctx: CellContext, tree: ast.AST, config: str, tf: str) -> list[Edit]:
    """``config = tf.ConfigProto()`` → ``tf.compat.v1.ConfigProto()`` where TensorFlow 2 has no
    ``tf.ConfigProto``, and so every TensorFlow 1 name of its arguments (``tf.GPUOptions``): the
    object the cell goes on setting stays valid (it configures nothing now, and another cell may
    still read it)."""
    edits: list[Edit] = []
    module = sys.modules.get("tensorflow")
    for node in walk(tree):
        if not (isinstance(node, ast.Assign) and isinstance(node.value, ast.Call)):
            continue
        if not any(isinstance(t, ast.Name) and t.id == config for t in node.targets):
            continue
        func = node.value.func
        if not (isinstance(func, ast.Attribute) and func.attr == "ConfigProto"):
            continue
        if not (isinstance(func.value, ast.Name) and func.value.id == tf):
            continue
        if module is None or hasattr(module, "ConfigProto"):  # not loaded (unknown), or still there
            continue
        v1 = getattr(getattr(module, "compat", None), "v1", None)
        for name in walk(node.value):
            if not (isinstance(name, ast.Attribute) and isinstance(name.value, ast.Name) and name.value.id == tf):  # fmt: skip
                continue
            if hasattr(module, name.attr) or not hasattr(v1, name.attr):
                continue
            edit = node_edit(ctx.cell, name, f"{tf}.compat.v1.{name.attr}")
            if edit is not None:
                edits.append(edit)
    return edits


def _import_removals(ctx: CellContext, tree: ast.AST) -> tuple[list[Edit], list[str]] | None:
    """``from … import set_session`` (a Keras backend module) removed: the whole statement when
    it imports nothing else, else the name; with the modules it was imported from."""
    edits: list[Edit] = []
    modules: list[str] = []
    for node in walk(tree):
        if not isinstance(node, ast.ImportFrom) or not node.module:
            continue
        if node.module.split(".")[0] not in live.KERAS_TOPS:
            continue
        kept = [a for a in node.names if a.name != "set_session"]
        if len(kept) == len(node.names):
            continue
        if not kept:
            edit = statement_removal(ctx.cell, node, tree)  # type: ignore[arg-type]
        else:
            names = ", ".join(node_text(ctx.cell, a) or a.name for a in kept)
            edit = node_edit(ctx.cell, node, f"from {node.module} import {names}")
        if edit is None:
            return None
        edits.append(edit)
        modules.append(node.module)
    return edits, modules


@rule(RUN, when=(STATIC,), family="backend", needs="get_session")
def tf1_session_run(ctx: CellContext) -> list[Problem]:
    """``sess = K.get_session()`` then ``sess.run(x)`` to read tensors that TensorFlow 2 has
    already computed (it runs eagerly): the values are read directly,
    ``keras.ops.convert_to_numpy(x)`` (a list: each element), and the session line goes. Only
    when every use of the session in the cell is such a ``run`` of one value, without
    ``feed_dict`` (a TF 1 graph fed at run time has no such rewrite), and no later cell the door
    knows reads the session (a script's runs in its next block: explained only)."""
    tree = ctx.cell.tree
    if tree is None:
        return []
    sessions = _sessions(ctx, tree)
    blocks = _default_session_blocks(ctx, tree) if keras3_here() else []  # keras.ops reads them
    root = keras_root(ctx) if sessions or blocks else None
    if root is None:
        return []
    keras, imports = root
    if blocks and not sessions:
        edits = [e for block in blocks if (e := _evaluated_block(ctx, block, keras)) is not None]
        if len(edits) != len(blocks):
            return []
        problem = from_entry(RUN, edits[0].line, imports + edits, ["get_session", "eval"], ctx.shown_versions)  # fmt: skip
        problem.certain = True
        return [problem]
    edits: list[Edit] = []
    names = ["get_session"]  # and the initializers it runs: an error on one is this problem's
    for name, stmt in sessions.items():
        uses = [n for n in walk(tree) if isinstance(n, ast.Name) and n.id == name and n is not stmt.targets[0]]  # type: ignore[attr-defined]  # fmt: skip
        runs = _runs(tree, name)
        if len(runs) != len(uses) or not (runs or _read_later(ctx, name)):
            return []  # used otherwise (a graph, a saver): explained only
        if _read_later(ctx, name):  # the later cells run it too: a session that reads values
            stand_in = _stand_in(ctx, stmt, name, keras)
            if stand_in is None:
                return []
            edits += stand_in
            continue
        for run in runs:
            initializer = _initializer_run(ctx, tree, run)
            if initializer is not None:  # TensorFlow 2 initializes each variable as it is made
                gone, initializer_name = initializer
                if not gone:
                    return []
                edits += gone
                names.append(initializer_name)
                continue
            value = node_text(ctx.cell, run.args[0])
            if value is None:
                return []
            if isinstance(run.args[0], (ast.List, ast.Tuple)):
                text = f"[{keras}.ops.convert_to_numpy(_t) for _t in {value}]"
            else:
                text = f"{keras}.ops.convert_to_numpy({value})"
            edit = node_edit(ctx.cell, run, text)
            if edit is None:
                return []
            edits.append(edit)
        removal = statement_removal(ctx.cell, stmt, tree)  # type: ignore[arg-type]
        if removal is None:
            return []
        edits.append(removal)
    problem = from_entry(RUN, edits[0].line, imports + edits, list(dict.fromkeys(names)), ctx.shown_versions)  # fmt: skip
    problem.certain = True
    return [problem]


def _stand_in(ctx: CellContext, stmt: ast.Assign, name: str, keras: str) -> list[Edit] | None:
    """The session line, when the later cells only ``run`` one value on it each time (and never
    bind the name again): a stand-in whose ``run`` reads the values, as ``session.run`` did."""
    for source in ctx.later:
        later = parsed_source(source).tree
        if later is None:
            return None
        uses = [n for n in walk(later) if isinstance(n, ast.Name) and n.id == name]
        if any(isinstance(n.ctx, ast.Store) for n in uses) or len(_runs(later, name)) != len(uses):
            return None
    text = (
        f"{name} = types.SimpleNamespace(run=lambda fetches: {keras}.tree.map_structure("
        f"{keras}.ops.convert_to_numpy, fetches))  # TensorFlow 2 has the values already"
    )
    edit = node_edit(ctx.cell, stmt, text)
    if edit is None:
        return None
    at = insertion_line(ctx.cell)
    return [Edit(at, 0, at, 0, "import types\n"), edit]


def _initializer_run(ctx: CellContext, tree: ast.AST, run: ast.Call) -> tuple[list[Edit], str] | None:  # fmt: skip
    """``sess.run(tf.global_variables_initializer())`` (or of a name the cell binds once to such a
    call and reads nowhere else): the statements removed, as TensorFlow 2 has nothing to
    initialize ([] when they cannot go), with the initializer's name; None for a run of anything
    else."""
    given, made = run.args[0], None
    if isinstance(given, ast.Name):
        binds = [n for n in walk(tree) if isinstance(n, ast.Assign) and any(isinstance(t, ast.Name) and t.id == given.id for t in n.targets)]  # fmt: skip
        reads = [n for n in walk(tree) if isinstance(n, ast.Name) and n.id == given.id and isinstance(n.ctx, ast.Load)]  # fmt: skip
        if len(binds) != 1 or len(binds[0].targets) != 1 or len(reads) != 1:
            return None
        made, given = binds[0], binds[0].value
    func = given.func if isinstance(given, ast.Call) else None
    name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)
    if name not in entry(RUN).data.get("initializers", []):
        return None
    if not (ctx.scope.bound_path(func) or "").startswith("tensorflow."):
        return None
    statement = next((n for n in walk(tree) if isinstance(n, ast.Expr) and n.value is run), None)
    gone = [statement_removal(ctx.cell, s, tree) for s in (statement, made) if s is not None]  # type: ignore[arg-type]
    return ([] if statement is None or None in gone else gone), name  # type: ignore[return-value]


def _read_later(ctx: CellContext, name: str) -> bool:
    """Does a later cell the door knows (``migrate``: the notebook's, a script's next blocks)
    read ``name``? Its session line cannot go then."""
    pattern = re.compile(rf"\b{re.escape(name)}\b")
    return any(pattern.search(source) for source in ctx.later)


def _sessions(ctx: CellContext, tree: ast.AST) -> dict[str, ast.Assign]:
    """``name = K.get_session()`` (a Keras backend's, gone here) of the cell's top level."""
    out: dict[str, ast.Assign] = {}
    for stmt in getattr(tree, "body", []):
        if not (isinstance(stmt, ast.Assign) and isinstance(stmt.value, ast.Call)):
            continue
        func = stmt.value.func
        name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)
        if name != "get_session" or stmt.value.args or not ctx.scope.refers_to_keras(func):
            continue
        if ctx.scope.callee(func) is not None or len(stmt.targets) != 1:
            continue  # still there (tf_keras, Keras 2): it works
        if isinstance(stmt.targets[0], ast.Name):
            out[stmt.targets[0].id] = stmt
    return out


def _default_session_blocks(ctx: CellContext, tree: ast.AST) -> list[ast.With]:
    """``with K.get_session().as_default():`` blocks (a Keras backend's ``get_session``, gone
    here; no ``as`` name) whose body reads tensors with ``.eval()`` and runs nothing else of a
    session (no ``run(``, no ``feed_dict``)."""
    out = []
    for node in walk(tree):
        if not isinstance(node, ast.With) or len(node.items) != 1 or node.items[0].optional_vars:
            continue
        default = node.items[0].context_expr
        if not (isinstance(default, ast.Call) and isinstance(default.func, ast.Attribute) and default.func.attr == "as_default"):  # fmt: skip
            continue
        made = default.func.value
        func = made.func if isinstance(made, ast.Call) else None
        if not (isinstance(func, (ast.Attribute, ast.Name)) and (getattr(func, "attr", None) or getattr(func, "id", None)) == "get_session"):  # fmt: skip
            continue
        if not ctx.scope.refers_to_keras(func) or ctx.scope.callee(func) is not None:
            continue  # not Keras's, or still there (tf_keras, Keras 2)
        body = [n for stmt in node.body for n in walk(stmt)]
        reads = [n for n in body if _eval_call(n)]
        runs = [n for n in body if isinstance(n, ast.Attribute) and n.attr == "run"]
        fed = [n for n in body if isinstance(n, ast.keyword) and n.arg == "feed_dict"]
        if reads and not runs and not fed:
            out.append(node)
    return out


def _eval_call(node: ast.AST) -> bool:
    """``x.eval()``: TensorFlow 1's read of a tensor's value in the default session."""
    return (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr == "eval"
        and not node.args
        and not node.keywords
    )


def _evaluated_block(ctx: CellContext, block: ast.With, keras: str) -> Edit | None:
    """The ``with`` block's body in its place, one level less indented, each ``x.eval()`` read
    as ``keras.ops.convert_to_numpy(x)``."""
    lines = ctx.cell.source.splitlines(keepends=True)
    reads = sorted((n for stmt in block.body for n in walk(stmt) if _eval_call(n)),
                   key=lambda n: (n.lineno, n.col_offset), reverse=True)  # fmt: skip
    for read in reads:  # innermost and last first: the positions before stay true
        inner = node_text(ctx.cell, read.func.value)  # type: ignore[attr-defined]
        if inner is None or read.lineno != read.end_lineno:
            return None
        row = read.lineno - 1
        text = lines[row]
        start = len(text.encode()[: read.col_offset].decode(errors="ignore"))
        end = len(text.encode()[: read.end_col_offset].decode(errors="ignore"))
        lines[row] = text[:start] + f"{keras}.ops.convert_to_numpy({inner})" + text[end:]
    first, last = block.body[0].lineno - 1, (block.body[-1].end_lineno or block.body[-1].lineno)
    shift = block.body[0].col_offset - block.col_offset
    body = []
    for line in lines[first:last]:
        spaces = len(line) - len(line.lstrip(" "))
        body.append(line[min(shift, spaces):])
    text = "".join(body)[block.col_offset:].rstrip("\n")
    end_line = block.end_lineno or block.lineno
    return Edit(block.lineno, block.col_offset, end_line, len(ctx.cell.source.splitlines()[end_line - 1]), text)


def _runs(tree: ast.AST, name: str) -> list[ast.Call]:
    """``name.run(x)`` calls with one argument and no keywords."""
    return [
        n
        for n in walk(tree)
        if isinstance(n, ast.Call)
        and isinstance(n.func, ast.Attribute)
        and n.func.attr == "run"
        and isinstance(n.func.value, ast.Name)
        and n.func.value.id == name
        and len(n.args) == 1
        and not n.keywords
    ]
