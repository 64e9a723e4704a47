"""Keras 2 → 3 rules on what a built model no longer does: ``add_loss`` and ``add_metric`` on a
functional model, one ``metrics`` list for several outputs (a Sequential model's ``.input``: keras3_sequential_output).

Read from the live model the cell made (its class, its inputs and outputs), never from the case.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from typing import Any

from kerasmagic.diagnosis import live
from kerasmagic.diagnosis.compile_calls import compile_of
from kerasmagic.diagnosis.compiled import failing_model_calls
from kerasmagic.diagnosis.context import ERROR, STATIC, CellContext
from kerasmagic.diagnosis.keras3_support import keras_root
from kerasmagic.diagnosis.keras_messages import parse
from kerasmagic.diagnosis.problem import Problem, from_entry
from kerasmagic.diagnosis.rewrite import (
    Edit,
    node_edit,
    node_text,
    walk,
)
from kerasmagic.diagnosis.rules import rule

ADD_LOSS = "keras3-functional-add-loss"
LAYER_NAME = "AddedLoss"


def _symbolic_add_loss_refused(model: Any) -> bool:
    """Is ``model`` a Keras 3 functional model, whose ``add_loss`` refuses symbolic tensors?"""
    try:
        method = type(model).add_loss
        module = str(getattr(type(model), "__module__", ""))
    except Exception:
        return False
    owner = getattr(method, "__qualname__", "").split(".")[0]
    return (
        module.split(".")[0] == "keras"
        and owner == "Functional"
        and hasattr(model, "inputs")
        and hasattr(model, "outputs")
    )


def _free_name(tree: ast.Module, namespace: dict | None, base: str = LAYER_NAME) -> str:
    taken = {n.id for n in walk(tree) if isinstance(n, ast.Name)}
    taken |= {n.name for n in walk(tree) if isinstance(n, ast.ClassDef)}
    taken |= set(namespace or {})
    name, i = base, 2
    while name in taken:
        name, i = f"{base}{i}", i + 1
    return name


def _is_loss_function(ctx: CellContext, node: ast.expr) -> bool:
    """A function of no arguments given as the loss (``lambda: …``, a name bound to one), not
    a tensor: Keras 2 called it to get the loss."""
    if isinstance(node, ast.Lambda):
        return not node.args.args
    value = ctx.live_names.get(node.id) if isinstance(node, ast.Name) else None
    return callable(value) and not hasattr(value, "shape")


def _layer_class(name: str, keras: str, indent: str, of_callable: bool) -> str:
    """The layer that adds the loss: a tensor of the model's graph, or (``of_callable``) a
    function of no arguments called at each forward pass, as Keras 2 called it each step."""
    doc = (
        "a loss function of no arguments is called by a layer at each forward pass"
        if of_callable
        else "a loss made of a functional model's tensors is added by a layer"
    )
    body = [
        f"class {name}({keras}.layers.Layer):",
        f'    """Keras 3: {doc}."""',
        "",
        "    def call(self, outputs, loss):",
        "        self.add_loss(loss())" if of_callable else "        self.add_loss(loss)",
        "        return outputs",
        "",
        "",
        "",
    ]
    return "\n".join((indent + line) if line else "" for line in body)


def _rebuild_sites(ctx: CellContext, method: str) -> Iterator[tuple[ast.stmt, ast.Call, str, str, Edit, str]]:  # fmt: skip
    """Each statement ``NAME.method(…)`` alone on its line(s), ``NAME`` a live Keras 3 functional
    model (the rules rebuild it with a layer doing what ``method`` did): the statement, its call,
    ``NAME``, the text of the model's outputs (``NAME.outputs[0]`` for one), the edit spanning the
    statement, and its indent."""
    namespace = ctx.live_names or {}  # the model may be a local of the function that raised
    for stmt in walk(ctx.cell.tree):
        call = stmt.value if isinstance(stmt, ast.Expr) else None
        func = call.func if isinstance(call, ast.Call) else None
        if not (isinstance(func, ast.Attribute) and func.attr == method and isinstance(func.value, ast.Name)):  # fmt: skip
            continue
        model_name = func.value.id
        model = namespace.get(model_name)
        if model is None or not _symbolic_add_loss_refused(model):
            continue
        try:
            n_outputs = len(model.outputs)
        except Exception:
            continue
        whole = node_edit(ctx.cell, stmt, "")
        if whole is None:
            continue
        indent = ctx.cell.source.splitlines()[whole.line - 1][: whole.col]
        if indent.strip():
            continue  # the statement shares its line with other code
        outputs = f"{model_name}.outputs[0]" if n_outputs == 1 else f"{model_name}.outputs"
        yield stmt, call, model_name, outputs, whole, indent  # type: ignore[misc]


@rule(ADD_LOSS, when=(STATIC,), family="model-methods", needs=r"\.add_loss\(")
def functional_add_loss(ctx: CellContext) -> list[Problem]:
    """``model.add_loss(tensor)`` on a live Keras 3 functional model (``NotImplementedError``):
    the model rebuilt with a layer that adds the same loss in ``call``, its outputs unchanged (a
    function of no arguments, ``add_loss(lambda: …)``, is called there, given by keyword)."""
    tree = ctx.cell.tree
    namespace = ctx.live_names or {}  # the model may be a local of the function that raised
    if tree is None or not namespace:
        return []
    class_names: dict[bool, str] = {}  # one layer class per kind of loss (tensor, function)
    out: list[Problem] = []
    for stmt, call, model_name, outputs, whole, indent in _rebuild_sites(ctx, "add_loss"):
        if len(call.args) != 1 or call.keywords:
            continue
        root = keras_root(ctx)
        arg = node_edit(ctx.cell, call.args[0], "")
        if root is None or arg is None:
            continue
        keras, import_edits = root
        of_callable = _is_loss_function(ctx, call.args[0])
        first = of_callable not in class_names
        if first:
            base = f"{LAYER_NAME}Function" if of_callable else LAYER_NAME
            class_names[of_callable] = _free_name(tree, namespace, base)
        class_name = class_names[of_callable]
        # the edit starts at the statement's column: the class's first line takes that indent
        head = (_layer_class(class_name, keras, indent, of_callable)[len(indent):] + indent) if first else ""
        loss_word = "loss=" if of_callable else ""  # a function is no tensor: passed by keyword
        head += f"{model_name} = {keras}.Model({model_name}.inputs, {class_name}()({outputs}, {loss_word}"
        edits = [
            Edit(whole.line, whole.col, arg.line, arg.col, head),
            Edit(
                arg.end_line,
                arg.end_col,
                whole.end_line,
                whole.end_col,
                f"), name={model_name}.name)",
            ),
        ]
        if not out:
            edits = import_edits + edits
        out.append(
            from_entry(
                ADD_LOSS,
                stmt.lineno,
                edits,
                ["add_loss", model_name],
                ctx.shown_versions,
                model=model_name,
                keras=ctx.versions.get("keras", "3"),
            )
        )
    return out


ADD_METRIC = "keras3-functional-add-metric"
METRIC_LAYER = "AddedMetric"


def _metric_layer_class(name: str, keras: str, indent: str) -> str:
    """The layer that tracks the metric: a ``Mean`` of the metric's name, updated in ``call``
    with the value of the model's graph (Keras 2's ``add_metric``: the epoch's mean of every
    element), reported by Keras 3 like any metric object a layer holds."""
    body = [
        f"class {name}({keras}.layers.Layer):",
        '    """Keras 3: a metric made of a functional model\'s tensors is tracked by a layer."""',
        "",
        "    def __init__(self, metric_name, **kwargs):",
        "        super().__init__(**kwargs)",
        f"        self.tracker = {keras}.metrics.Mean(name=metric_name)",
        "",
        "    def call(self, outputs, value):",
        "        self.tracker.update_state(value)",
        "        return outputs",
        "",
        "",
        "",
    ]
    return "\n".join((indent + line) if line else "" for line in body)


def _metric_arguments(call: ast.Call) -> tuple[ast.expr, ast.expr] | None:
    """``(value, name)`` of ``add_metric(value, name, aggregation)``, by position or keyword,
    when Keras 2 averaged it (``aggregation`` absent, None or ``"mean"``) and it has a name (a
    symbolic value needs one in Keras 2)."""
    names = ("value", "name", "aggregation")
    given: dict[str, ast.expr] = dict(zip(names, call.args))
    for kw in call.keywords:
        if kw.arg not in names or kw.arg in given:
            return None
        given[kw.arg] = kw.value
    aggregation = given.get("aggregation")
    if aggregation is not None and not (isinstance(aggregation, ast.Constant) and aggregation.value in (None, "mean")):  # fmt: skip
        return None
    if "value" not in given or "name" not in given or len(call.args) > len(names):
        return None
    return given["value"], given["name"]


@rule(ADD_METRIC, when=(STATIC,), family="model-methods", needs=r"\.add_metric\(")
def functional_add_metric(ctx: CellContext) -> list[Problem]:
    """``model.add_metric(tensor, name=…)`` on a live Keras 3 functional model (removed:
    ``NotImplementedError``): the model rebuilt with a layer that keeps a ``Mean`` of that name
    and updates it with the tensor in ``call``, its outputs unchanged. Not under the JAX backend,
    where a metric updated in ``call`` fails (measured, Keras 3.15: ``rules/error_add_metric``)."""
    tree = ctx.cell.tree
    namespace = ctx.live_names or {}
    if tree is None or not namespace or live.imported_keras_backend() == "jax":
        return []
    class_name: str | None = None
    out: list[Problem] = []
    for stmt, call, model_name, outputs, whole, indent in _rebuild_sites(ctx, "add_metric"):
        arguments = _metric_arguments(call)
        root = keras_root(ctx) if arguments is not None else None
        if arguments is None or root is None:
            continue
        value, name = (node_text(ctx.cell, a) for a in arguments)
        if value is None or name is None:
            continue
        keras, import_edits = root
        head = ""
        if class_name is None:  # the class once, before the first rebuild; its first line takes the indent
            class_name = _free_name(tree, namespace, METRIC_LAYER)
            head = _metric_layer_class(class_name, keras, indent)[len(indent):] + indent
        text = f"{head}{model_name} = {keras}.Model({model_name}.inputs, {class_name}({name})({outputs}, {value}), name={model_name}.name)"  # fmt: skip
        edits = [Edit(whole.line, whole.col, whole.end_line, whole.end_col, text)]
        out.append(from_entry(ADD_METRIC, stmt.lineno, (import_edits if not out else []) + edits,
                              ["add_metric", model_name], ctx.shown_versions, model=model_name,
                              keras=ctx.versions.get("keras", "3")))  # fmt: skip
    return out


METRICS = ("metrics", "weighted_metrics")


@rule("keras3-metrics-per-output", when=(ERROR,), family="model-methods", errors=("ValueError",))
def metrics_per_output(ctx: CellContext) -> list[Problem]:
    """``compile(metrics=['accuracy'])`` on a model of N outputs: Keras 2 gave every output the
    list, Keras 3 wants one entry per output. The one ``compile`` of the cell whose literal list
    is the one the message received gets the list once per output."""
    fact = parse(ctx.error_type, ctx.message)  # Keras 3.14+'s wording and 3.0-3.13's
    tree = ctx.cell.tree
    if fact is None or fact.kind != "count" or fact.argument not in METRICS or tree is None:
        return []
    expected, got, received = fact.wanted or 0, fact.given, fact.received_value()
    if expected < 2 or not isinstance(received, list) or len(received) != got:
        return []
    found: list[tuple[ast.Call, ast.keyword]] = []
    for call in walk(tree):
        func = call.func if isinstance(call, ast.Call) else None
        if not (isinstance(func, ast.Attribute) and func.attr == "compile"):
            continue
        for kw in call.keywords:
            if kw.arg != fact.argument:
                continue
            if isinstance(kw.value, ast.Name):  # `metrics = ['accuracy']` set before: the live list
                value = (ctx.live_names or {}).get(
                    kw.value.id
                )  # or a parameter of the function that raised
            elif isinstance(kw.value, ast.List):
                try:
                    value = ast.literal_eval(kw.value)
                except (ValueError, SyntaxError):
                    continue
            else:
                continue
            if value == received:
                found.append((call, kw))
    if len(found) > 1:  # the last compile of the failing model before the failing call
        made = _failing_compile(ctx)
        found = [f for f in found if f[0] is made]
    if len(found) != 1:
        return []  # which compile made that model is not certain
    call, kw = found[0]
    elements = kw.value.elts if isinstance(kw.value, ast.List) else None
    items = [node_text(ctx.cell, e) for e in elements] if elements is not None else None
    whole = node_edit(ctx.cell, kw.value, "")
    if items is None and whole is not None:  # the name, once per output
        name = node_text(ctx.cell, kw.value) or ""
        text = "[" + ", ".join([name] * expected) + "]"
        return [_per_output(ctx, kw, Edit(whole.line, whole.col, whole.end_line, whole.end_col, text), expected)]  # fmt: skip
    if whole is None or any(i is None for i in items):
        return []
    one = "[" + ", ".join(items) + "]"  # type: ignore[arg-type]
    text = "[" + ", ".join([one] * expected) + "]"
    return [_per_output(ctx, kw, Edit(whole.line, whole.col, whole.end_line, whole.end_col, text), expected)]  # fmt: skip


def _per_output(ctx: CellContext, kw: ast.keyword, edit: Edit, outputs: int) -> Problem:
    return from_entry(
        "keras3-metrics-per-output",
        kw.value.lineno,
        [edit],
        [kw.arg or "metrics", "metrics"],
        ctx.shown_versions,
        keyword=kw.arg,
        outputs=str(outputs),
        keras=ctx.versions.get("keras", "3"),
    )


def _failing_compile(ctx: CellContext) -> ast.Call | None:
    """The ``compile`` of this cell that made the model the failing line trains or evaluates:
    the last ``name.compile(…)`` before that call (``compile_calls``)."""
    for use, name, _model in failing_model_calls(ctx, ("fit", "evaluate", "train_on_batch", "test_on_batch", "fit_generator")):  # fmt: skip
        found = compile_of(ctx, name, use)
        if found is not None and found[0] is None:
            return found[2]
    return None
