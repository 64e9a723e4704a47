"""Static rule: TensorFlow 1's session used to read values Keras computed (``tf1-session-run``).

``sess = K.get_session()`` then ``sess.run(x)`` (or ``K.get_session().run(x)`` at once), or a
``with K.get_session().as_default():`` block reading tensors with ``x.eval()``: TensorFlow 2 runs
eagerly and has already computed those values, so each is read directly with
``keras.ops.convert_to_numpy`` (a list: each element; under Keras 2.x, where ``get_session`` is
gone from ``keras.backend`` too, ``keras.backend.get_value``: ``diagnosis/array_reading.py``), a
run of a variable initializer goes (TensorFlow 2 initializes each variable as it is made), and
the session line goes. A session later cells run too becomes a stand-in whose ``run``
reads the values. A run fed values for a Keras model's inputs (``feed_dict={model.input: X,
K.learning_phase(): 0}``) computes its tensors with a model from those inputs to them, called on
the values (``training`` as the phase fed); a TF 1 graph fed otherwise (placeholders of its own)
has no such rewrite: explained only. A ``with K.get_session():`` block that runs nothing of the
session (a model built and trained inside it, as Keras 2 scripts did to keep the session open)
is its body, unindented
(``tf1-session-block``); so is ``with tf.Session() as sess:`` when the body only hands the
session to Keras (``set_session(sess)``) and runs a variable initializer in it (both go)."""

from __future__ import annotations

import ast
import re

from kerasmagic.diagnosis import live
from kerasmagic.diagnosis.array_reading import ArraySpelling, array_spelling, keras2_here
from kerasmagic.diagnosis.block_bodies import body_in_place
from kerasmagic.diagnosis.context import STATIC, CellContext
from kerasmagic.diagnosis.keras3_support import keras3_here
from kerasmagic.diagnosis.problem import Problem, from_entry
from kerasmagic.diagnosis.provenance import parsed_source
from kerasmagic.diagnosis.rewrite import (
    Edit,
    callee_name,
    insertion_line,
    node_edit,
    node_text,
    statement_removal,
    walk,
)
from kerasmagic.diagnosis.rules import rule
from kerasmagic.diagnosis.rules.keras3_gradients import model_input_text
from kerasmagic.diagnosis.session_options import gone_get_session
from kerasmagic.knowledge.catalogue import entry

RUN = "tf1-session-run"
BLOCK = "tf1-session-block"


@rule(RUN, when=(STATIC,), family="backend", needs="get_session|Session\\(\\)")
def tf1_session_run(ctx: CellContext) -> list[Problem]:
    """``sess = K.get_session()`` then ``sess.run(x)`` to read tensors that TensorFlow 2 has
    already computed (it runs eagerly): the values are read directly,
    ``keras.ops.convert_to_numpy(x)`` (a list: each element), and the session line goes. Only
    when every use of the session in the cell is such a ``run`` of one value, without
    ``feed_dict`` (a TF 1 graph fed at run time has no such rewrite), and no later cell the door
    knows reads the session (a script's runs in its next block: explained only)."""
    tree = ctx.cell.tree
    if tree is None or not (keras3_here() or keras2_here()):
        return []
    sessions = _sessions(ctx, tree)
    inline = _inline_runs(ctx, tree)
    blocks = _default_session_blocks(ctx, tree)
    if not (sessions or inline or blocks):
        named = _named_session_blocks(ctx, tree)
        if named:
            problem = from_entry(BLOCK, named[0].line, named, ["Session", "set_session"], ctx.shown_versions)  # fmt: skip
            problem.certain = True
            return [problem]
    spelling = array_spelling(ctx) if sessions or blocks or inline else None
    if spelling is None:
        return []
    imports, read_one = spelling.imports, spelling.read_one
    if blocks and not sessions and not inline:
        edits = [e for block in blocks if (e := _evaluated_block(ctx, block, read_one)) is not None]
        if len(edits) != len(blocks):
            return []
        read = any(_eval_call(n) for block in blocks for stmt in block.body for n in walk(stmt))
        problem = (from_entry(RUN, edits[0].line, imports + edits, ["get_session", "eval"], ctx.shown_versions, reader=read_one)  # fmt: skip
                   if read else from_entry(BLOCK, edits[0].line, edits, ["get_session"], ctx.shown_versions))  # fmt: skip
        problem.certain = True
        return [problem]
    edits: list[Edit] = []
    names = ["get_session"]  # and the initializers it runs: an error on one is this problem's
    for name, stmt in sessions.items():
        uses = [n for n in walk(tree) if isinstance(n, ast.Name) and n.id == name and n is not stmt.targets[0]]  # type: ignore[attr-defined]  # fmt: skip
        runs, fed = _runs(tree, name), _fed_runs(ctx, tree, name, spelling)
        if len(runs) + len(fed) != len(uses) or not (runs or fed or _read_later(ctx, name)):
            return []  # used otherwise (a graph, a saver): explained only
        if _read_later(ctx, name):  # the later cells run it too: a session that reads values
            stand_in = _stand_in(ctx, stmt, name, spelling)
            if stand_in is None:
                return []
            edits += stand_in
            continue
        read = _read_edits(ctx, tree, runs, read_one, names)
        removal = statement_removal(ctx.cell, stmt, tree)  # type: ignore[arg-type]
        if read is None or removal is None or None in fed.values():
            return []
        edits += [*read, *fed.values(), removal]  # type: ignore[list-item]
        imports = [*imports, *spelling.to_array_imports] if fed else imports
    read = _read_edits(ctx, tree, inline, read_one, names)
    if read is None:
        return []
    edits += read
    problem = from_entry(RUN, edits[0].line, imports + edits, list(dict.fromkeys(names)), ctx.shown_versions, reader=read_one)  # fmt: skip
    problem.certain = True
    return [problem]


def _read_edits(ctx: CellContext, tree: ast.AST, runs: list[ast.Call], read_one: str, names: list[str]) -> list[Edit] | None:  # fmt: skip
    """Each ``run(x)`` of a session read directly, ``read_one(x)`` (a list: each
    element); a run of a variable initializer goes, its name added to ``names``. None when one
    cannot be rewritten."""
    edits: list[Edit] = []
    for run in runs:
        initializer = _initializer_run(ctx, tree, run)
        if initializer is not None:  # TensorFlow 2 initializes each variable as it is made
            gone, initializer_name = initializer
            if not gone:
                return None
            edits += gone
            names.append(initializer_name)
            continue
        value = node_text(ctx.cell, run.args[0])
        if value is None:
            return None
        if isinstance(run.args[0], (ast.List, ast.Tuple)):
            text = f"[{read_one}(_t) for _t in {value}]"
        else:
            text = f"{read_one}({value})"
        edit = node_edit(ctx.cell, run, text)
        if edit is None:
            return None
        edits.append(edit)
    return edits


def _stand_in(ctx: CellContext, stmt: ast.Assign, name: str, spelling: ArraySpelling) -> list[Edit] | None:  # fmt: skip
    """The session line, when the later cells only ``run`` one value on it each time (and never
    bind the name again): a stand-in whose ``run`` reads the values, as ``session.run`` did (over
    a structure of them: ``keras.tree``, under Keras 2.x TensorFlow's ``tf.nest``)."""
    for source in ctx.later:
        later = parsed_source(source).tree
        if later is None:
            return None
        uses = [n for n in walk(later) if isinstance(n, ast.Name) and n.id == name]
        if any(isinstance(n.ctx, ast.Store) for n in uses) or len(_runs(later, name)) != len(uses):
            return None
    text = (
        f"{name} = types.SimpleNamespace(run=lambda fetches: {spelling.mapper}("
        f"{spelling.read_one}, fetches))  # TensorFlow 2 has the values already"
    )
    edit = node_edit(ctx.cell, stmt, text)
    if edit is None:
        return None
    at = insertion_line(ctx.cell)
    return [Edit(at, 0, at, 0, "import types\n"), *spelling.mapper_imports, edit]


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
    name = _initializer(ctx, given)
    if name is None:
        return None
    statement = next((n for n in walk(tree) if isinstance(n, ast.Expr) and n.value is run), None)
    gone = [statement_removal(ctx.cell, s, tree) for s in (statement, made) if s is not None]  # type: ignore[arg-type]
    return ([] if statement is None or None in gone else gone), name  # type: ignore[return-value]


def _initializer(ctx: CellContext, node: ast.expr) -> str | None:
    """The name of the TensorFlow variable initializer ``node`` calls (one the catalogue names:
    ``tf.global_variables_initializer()``), else None."""
    func = node.func if isinstance(node, ast.Call) else None
    name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)
    if name not in entry(RUN).data.get("initializers", []):
        return None
    return name if (ctx.scope.bound_path(func) or "").startswith("tensorflow.") else None  # type: ignore[arg-type]


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
        if stmt.value.args or not gone_get_session(ctx, stmt.value) or len(stmt.targets) != 1:
            continue  # not Keras's, or still there (tf_keras, Keras 2): it works
        if isinstance(stmt.targets[0], ast.Name):
            out[stmt.targets[0].id] = stmt
    return out


def _inline_runs(ctx: CellContext, tree: ast.AST) -> list[ast.Call]:
    """``K.get_session().run(x)``: a run on the session the call returns (a Keras backend's
    ``get_session``, gone here), one value and no ``feed_dict``."""
    out = []
    for node in walk(tree):
        made = node.func.value if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "run" else None  # fmt: skip
        if not (isinstance(made, ast.Call) and not made.args and (gone_get_session(ctx, made) or _gone_session(ctx, made))):  # fmt: skip
            continue
        if len(node.args) == 1 and not node.keywords:  # type: ignore[union-attr]
            out.append(node)
    return out


def _gone_session(ctx: CellContext, made: ast.Call) -> bool:
    """``tf.Session()`` made with no option, where TensorFlow has no ``Session`` any more (TF 2):
    a session made only to read one value (``tf.Session().run(x)``)."""
    path = ctx.scope.bound_path(made.func) if isinstance(made.func, ast.Attribute) else None
    gone = path in ("tensorflow.Session", "tensorflow.InteractiveSession")
    return gone and not made.keywords and live.resolve_path(path)[0] == live.MISSING  # type: ignore[arg-type]


def _default_session_blocks(ctx: CellContext, tree: ast.AST) -> list[ast.With]:
    """``with K.get_session().as_default():`` or ``with K.get_session():`` blocks (a Keras
    backend's ``get_session``, gone here; no ``as`` name: the body reaches the session only as
    the default one) that run nothing of a session (no ``run(``, no ``feed_dict``): their body,
    which TensorFlow 2 runs eagerly, reads tensors with ``.eval()`` or only builds and trains."""
    out = []
    for node in walk(tree):
        if not isinstance(node, ast.With) or len(node.items) != 1 or node.items[0].optional_vars:
            continue
        made = node.items[0].context_expr
        if isinstance(made, ast.Call) and isinstance(made.func, ast.Attribute) and made.func.attr == "as_default":  # fmt: skip
            made = made.func.value
        if not (isinstance(made, ast.Call) and gone_get_session(ctx, made)):
            continue  # not Keras's, or still there (tf_keras, Keras 2)
        body = [n for stmt in node.body for n in walk(stmt)]
        runs = [n for n in body if isinstance(n, ast.Attribute) and n.attr == "run"]
        fed = [n for n in body if isinstance(n, ast.keyword) and n.arg == "feed_dict"]
        if not runs and not fed:
            out.append(node)
    return out


def _fed_runs(ctx: CellContext, tree: ast.AST, name: str, spelling: ArraySpelling) -> dict[ast.Call, Edit | None]:  # fmt: skip
    """``name.run(fetches, feed_dict={model.input: X, K.learning_phase(): 0})``, a Keras graph's
    tensors computed from values fed to a model's inputs: each as a model from those inputs to
    the fetches, called on the values (``training`` as the learning phase fed; Keras 2 ran in
    test mode when none was), its tensors read. An edit of None: a run that cannot be rewritten
    (a key that is no model input, a phase that is no constant)."""
    out: dict[ast.Call, Edit | None] = {}
    for call in walk(tree):
        func = call.func if isinstance(call, ast.Call) else None
        if not (isinstance(func, ast.Attribute) and func.attr == "run" and getattr(func.value, "id", None) == name):  # fmt: skip
            continue
        feed = next((k.value for k in call.keywords if k.arg == "feed_dict"), None)  # type: ignore[union-attr]
        if len(call.args) == 1 and [k.arg for k in call.keywords] == ["feed_dict"] and isinstance(feed, ast.Dict):  # type: ignore[union-attr]
            out[call] = _fed_edit(ctx, call, feed, spelling)  # type: ignore[arg-type]
    return out


def _fed_edit(ctx: CellContext, run: ast.Call, feed: ast.Dict, spelling: ArraySpelling) -> Edit | None:  # fmt: skip
    """The run as ``read_one(keras.Model(inputs, fetches)(values, training=phase))`` (a list of
    fetches: each read); None when a key is neither a live model's input nor Keras's learning
    phase at a constant."""
    inputs, values, training = [], [], "False"
    for key, value in zip(feed.keys, feed.values):
        if isinstance(key, ast.Call) and callee_name(key) == "learning_phase" and ctx.scope.refers_to_keras(key.func):  # fmt: skip
            if not (isinstance(value, ast.Constant) and value.value in (0, 1, True, False)):
                return None
            training = str(bool(value.value))
            continue
        text, given = _model_input(ctx, key), node_text(ctx.cell, value)
        if text is None or given is None:
            return None
        inputs.append(text)
        values.append(f"{spelling.to_array}({given})")
    fetches = node_text(ctx.cell, run.args[0])
    if not inputs or fetches is None:
        return None
    several = len(inputs) > 1
    model = f"{spelling.keras}.Model({'[' * several}{', '.join(inputs)}{']' * several}, {fetches})"
    computed = f"{model}({'[' * several}{', '.join(values)}{']' * several}, training={training})"
    if isinstance(run.args[0], (ast.List, ast.Tuple)):
        return node_edit(ctx.cell, run, f"[{spelling.read_one}(_t) for _t in {computed}]")
    return node_edit(ctx.cell, run, f"{spelling.read_one}({computed})")


def _model_input(ctx: CellContext, key: ast.expr) -> str | None:
    """The text of ``key`` when it is a live model's input: ``model.input`` of a live Keras model
    (``model.inputs[0]`` where Keras 3 has no ``input`` for it), or a name holding an ``Input``
    tensor."""
    if isinstance(key, ast.Attribute) and key.attr == "input" and isinstance(key.value, ast.Name):
        return model_input_text(ctx, key) if live.is_keras_instance(ctx.live_names.get(key.value.id)) else None  # fmt: skip
    value = ctx.live_names.get(key.id) if isinstance(key, ast.Name) else None
    operation = getattr(getattr(value, "_keras_history", None), "operation", None)
    return key.id if type(operation).__name__ == "InputLayer" else None  # type: ignore[union-attr]


def _named_session_blocks(ctx: CellContext, tree: ast.AST) -> list[Edit]:
    """``with tf.Session() as sess:`` (no option; TensorFlow 2 has no ``Session``) or ``with
    K.get_session() as sess:`` (gone) blocks whose body uses the session only to hand it to
    Keras (``set_session(sess)``) and to run a variable initializer, and which nothing after
    the block reads: each block's body in its place, unindented, without those statements
    (TensorFlow 2 runs the rest eagerly and initializes each variable as it is made). All the
    cell's such blocks, or none."""
    edits: list[Edit] = []
    for node in walk(tree):
        item = node.items[0] if isinstance(node, ast.With) and len(node.items) == 1 else None
        made = item.context_expr if item is not None else None
        if item is None or not isinstance(item.optional_vars, ast.Name) or not isinstance(made, ast.Call):  # fmt: skip
            continue
        if not (_gone_session(ctx, made) or (not made.args and not made.keywords and gone_get_session(ctx, made))):  # fmt: skip
            continue
        name = item.optional_vars.id
        gone = [stmt for stmt in node.body if _hands_over(ctx, stmt, name) or _initializes(ctx, tree, stmt, name)]  # fmt: skip
        uses = [n for n in walk(tree) if isinstance(n, ast.Name) and n.id == name and n is not item.optional_vars]  # fmt: skip
        if len(uses) != len(gone) or len(gone) == len(node.body) or _read_later(ctx, name):
            return []  # the session used otherwise (a graph, a fed run), or read after the block
        lines = ctx.cell.source.splitlines(keepends=True)
        for stmt in gone:
            lines[stmt.lineno - 1 : stmt.end_lineno or stmt.lineno] = [""] * ((stmt.end_lineno or stmt.lineno) - stmt.lineno + 1)  # fmt: skip
        edits.append(body_in_place(ctx.cell, node, lines))
    return edits


def _hands_over(ctx: CellContext, stmt: ast.stmt, name: str) -> bool:
    """``set_session(name)`` of Keras's backend, as a statement."""
    call = stmt.value if isinstance(stmt, ast.Expr) else None
    return (
        isinstance(call, ast.Call)
        and callee_name(call) == "set_session"
        and ctx.scope.refers_to_keras(call.func)
        and [getattr(a, "id", None) for a in call.args] == [name]
        and not call.keywords
    )


def _initializes(ctx: CellContext, tree: ast.AST, stmt: ast.stmt, name: str) -> bool:
    """``name.run(tf.global_variables_initializer())`` (or another initializer the catalogue
    names, called in place), as a statement."""
    run = stmt.value if isinstance(stmt, ast.Expr) else None
    return isinstance(run, ast.Call) and run in _runs(tree, name) and _initializer(ctx, run.args[0]) is not None  # fmt: skip


def _eval_call(node: ast.AST) -> bool:
    """``x.eval()``: TensorFlow 1's read of a tensor's value in the default session."""
    return (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr == "eval"
        and not node.args
        and not node.keywords
    )


def _evaluated_block(ctx: CellContext, block: ast.With, read_one: str) -> Edit | None:
    """The ``with`` block's body in its place, one level less indented, each ``x.eval()`` read
    as ``read_one(x)``."""
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
        lines[row] = text[:start] + f"{read_one}({inner})" + text[end:]
    return body_in_place(ctx.cell, block, lines)


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
