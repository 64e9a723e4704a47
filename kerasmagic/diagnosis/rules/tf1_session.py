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
(``backend-session-removed``) instead. A session made with no option at all
(``set_session(tf.Session())``, a fresh session for Keras; ``tf.Session('')``, the in-process
target) set TensorFlow's defaults, which TensorFlow 2 runs with: the call goes, and the session
line when nothing else reads it. So does the session swap of Keras 2 scripts that log to
TensorBoard: ``old = K.get_session()``, a fresh session given to ``set_session``, and at the end
``set_session(old)``: giving Keras back the session it held sets nothing either, and the
``old = K.get_session()`` line goes when its name is read only to be given back (in this cell and
the cells after it that ``migrate`` holds).

TensorFlow 2 code spelled it ``tf.compat.v1.keras.backend.set_session(sess)`` (the seeding and
single-thread boilerplate of TF 2.0-2.4 notebooks): there Keras ran eagerly and read that
session only in graph mode, so the session configured nothing Keras ran. With eager execution on
in the kernel (read live), the call goes and the session lines stay (``tf2-session-unused``)."""

from __future__ import annotations

import ast
import sys
from collections.abc import Iterator

from kerasmagic.diagnosis import live
from kerasmagic.diagnosis.context import ERROR, STATIC, CellContext
from kerasmagic.diagnosis.import_bindings import reads
from kerasmagic.diagnosis.indentation import indent_of
from kerasmagic.diagnosis.problem import Problem, from_entry
from kerasmagic.diagnosis.provenance import origins, parsed_source
from kerasmagic.diagnosis.rewrite import (
    Edit,
    callee_name,
    node_edit,
    node_text,
    statement_removal,
    walk,
)
from kerasmagic.diagnosis.rules import rule
from kerasmagic.diagnosis.session_options import (
    gpu_options_dropped,
    gpus_here,
    held_sessions,
    later_rewritten,
    no_option_session,
    options_set,
    session_config,
    tf2_calls,
)
from kerasmagic.knowledge.catalogue import entry

ENTRY = "tf1-session-gpu-growth"
UNUSED = "tf2-session-unused"
KEPT = "tf1-session-kept-for-keras"
# a config whose only option is memory growth: tf1_session_gpu_growth's in every spelling
GROWTH_ONLY = {"allow_growth": "True"}


@rule(ENTRY, when=(STATIC,), family="backend", needs="set_session")
def tf1_session_gpu_growth(ctx: CellContext) -> list[Problem]:
    """``set_session(tf.Session(config=config))`` with only ``allow_growth``: memory growth; a
    session made with no option (``set_session(tf.Session())``): the call goes."""
    tree = ctx.cell.tree
    tf = ctx.scope.expr_for("tensorflow")  # the name the cell (or an earlier one) binds to it
    if tree is None or tf is None:
        return []
    edits: list[Edit] = []
    dropped: list[str] = []  # GPU options this machine has no GPU for
    for stmt, call in _set_session_statements(ctx, tree):
        session, made = _session(ctx, call)
        config = session_config(session) if session is not None else None
        options = options_set(tree, config, ctx.namespace) if config else {}
        if ".compat.v1." in (ctx.scope.bound_path(call.func) or "") and options != GROWTH_ONLY:
            return []  # TensorFlow 2's own session, which set nothing Keras ran: tf2_session_unused's
        calls, default, no_gpu = _session_settings(ctx, session, options, indent_of(ctx.cell, stmt), tf)
        dropped += no_gpu
        default = default or _given_back(ctx, call)  # TensorFlow 2's defaults: it goes
        if not calls and not default:
            return []  # an option without a TensorFlow 2 call: explained by backend-session-removed
        edit = statement_removal(ctx.cell, stmt, tree) if default else node_edit(ctx.cell, stmt, calls)  # type: ignore[arg-type]
        if edit is None:
            return []
        edits.append(edit)
        edits += _config_made_in_v1(ctx, tree, config, tf)
        if made is not None:  # `sess = tf.Session(config=config)` lines before: goes too
            if default and _reads(ctx, tree, made, stmt):
                return []  # the session runs other things too (`sess.run(x)`): not Keras's alone
            gone = _session_statement_edit(ctx, tree, made, stmt)
            if gone is None:
                return []
            edits.append(gone)
    for held in held_sessions(ctx, tree) if edits else ():  # kept only to be given back: goes too
        gone = statement_removal(ctx.cell, held, tree)  # type: ignore[arg-type]
        if gone is not None and gone not in edits:
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
    _say_dropped(problem, dropped, tf)  # what it leaves out here
    return [problem]


@rule(KEPT, when=(ERROR,), family="backend", needs=("get_session", "Session"), errors=("AttributeError",))  # fmt: skip
def tf1_session_kept_for_keras(ctx: CellContext) -> list[Problem]:
    """A cell that only keeps a session for Keras, with no ``set_session`` of its own: ``old =
    K.get_session()`` or ``sess = tf.Session(…)``, failing there, whose name this cell and the
    cells after it read only to give it to ``set_session`` (at least once). The line does what
    giving that session to Keras does, as when the whole set-up was one cell: the session Keras
    held, or one with no option, goes; one with a config becomes the TensorFlow 2 calls of its
    options. The later cells' calls then go (their session is bound by nothing: ``_given_back``)."""
    tree = ctx.cell.tree
    tf = ctx.scope.expr_for("tensorflow")
    if tree is None or tf is None or "set_session" in ctx.cell.source or not ctx.later:
        return []
    held = held_sessions(ctx, tree, fresh=True)
    if not any(s.lineno <= ctx.line <= (s.end_lineno or s.lineno) for s in held if ctx.line):
        return []
    handed = {a.id for src in ctx.later for n in walk(parsed_source(src).tree or ast.Module(body=[], type_ignores=[]))
              if isinstance(n, ast.Call) and callee_name(n) == "set_session" for a in n.args if isinstance(a, ast.Name)}  # fmt: skip
    edits: list[Edit | None] = []
    dropped: list[str] = []
    for stmt in held:
        if stmt.targets[0].id not in handed:  # type: ignore[union-attr]
            continue
        session = stmt.value
        config = session_config(session) if isinstance(session, ast.Call) else None
        options = options_set(tree, config, ctx.namespace) if config else {}
        calls, default, no_gpu = _session_settings(ctx, session, options, indent_of(ctx.cell, stmt), tf)  # type: ignore[arg-type]
        if callee_name(session) == "get_session" or default:
            edits.append(statement_removal(ctx.cell, stmt, tree))
        elif calls:
            edits += [node_edit(ctx.cell, stmt, calls), *_config_made_in_v1(ctx, tree, config, tf)]  # type: ignore[arg-type]
        else:
            return []  # an option without a TensorFlow 2 call: explained by backend-session-removed
        dropped += no_gpu
    if not edits or None in edits:
        return []
    problem = from_entry(KEPT, ctx.line or 1, edits, ["get_session", "Session"], ctx.shown_versions, tf=tf)  # type: ignore[arg-type]
    problem.certain = True
    _say_dropped(problem, dropped, tf)
    return [problem]


def _session_settings(ctx: CellContext, session: ast.Call | None, options: dict[str, str], indent: str, tf: str) -> tuple[str | None, bool, list[str]]:  # fmt: skip
    """What giving Keras ``session`` (made with ``options``) sets, in TensorFlow 2: ``(the calls
    setting its options, whether it sets only TensorFlow 2's defaults here, the GPU options it
    leaves out on this machine without a GPU)``."""
    gpus = gpus_here() if options else None
    calls = tf2_calls(options, tf, indent, gpus)
    no_gpu = gpu_options_dropped(options, gpus)  # set nothing on this machine
    only_gpu = bool(no_gpu) and set(no_gpu) == set(options)
    return calls, no_option_session(ctx, session) or only_gpu, no_gpu if calls or only_gpu else []


def _say_dropped(problem: Problem, dropped: list[str], tf: str) -> None:
    """The GPU options the fix leaves out here, said in its finding."""
    if dropped:
        names = ", ".join(f"`{o}`" for o in dict.fromkeys(dropped))
        problem.fix += " " + entry(ENTRY).data["no_gpu"].format(names=names, tf=tf)


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
        if config is not None and options_set(tree, config, ctx.namespace) == GROWTH_ONLY:
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
    if len(found) != 1 or not isinstance(found[0].value, ast.Call):
        return None, None
    if not found[0].here:  # made in an earlier cell: read for what it sets, never removed here
        return (found[0].value, None) if no_option_session(ctx, found[0].value) else (None, None)
    made = found[0].binding
    return found[0].value, made if isinstance(made, ast.Assign) and len(made.targets) == 1 else None


def _given_back(ctx: CellContext, call: ast.Call) -> bool:
    """``set_session(old)`` where nothing binds ``old`` any more: neither this cell, nor an earlier
    one, nor the kernel. The ``old = K.get_session()`` an earlier cell held only to give back goes
    with that cell's calls (``held_sessions``), and this call sets back a session TensorFlow 2
    never had; an ``old`` no code ever bound fails in every version before the call does."""
    given = call.args[0] if len(call.args) == 1 and not call.keywords else None
    if not isinstance(given, ast.Name) or ctx.namespace is None or given.id in ctx.namespace:
        return False
    return given.id not in ctx.scope.user_bound and not origins(ctx, given, terms=False)


def _reads(ctx: CellContext, tree: ast.AST, made: ast.Assign, use: ast.stmt) -> bool:
    """Is the session ``made`` binds read other than in ``use`` (its ``set_session``): in this
    cell, or in a cell after it that the door knows (``migrate``: a class given the session to
    run its own graph)?"""
    name = made.targets[0].id if isinstance(made.targets[0], ast.Name) else ""
    here = any(
        isinstance(n, ast.Name) and n.id == name and isinstance(n.ctx, ast.Load)
        and not (use.lineno <= n.lineno <= (use.end_lineno or use.lineno))
        for n in walk(tree)
    )  # fmt: skip
    return here or any(reads(parsed_source(source).tree, name) for source in ctx.later)


def _session_statement_edit(
    ctx: CellContext, tree: ast.AST, made: ast.Assign, use: ast.stmt
) -> Edit | None:
    """The session's assignment removed when nothing else reads the name; else its
    ``tf.Session`` spelled ``tf.compat.v1.Session`` (a session TensorFlow 2 still makes, used by
    nothing Keras runs)."""
    if not _reads(ctx, tree, made, use):
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
