"""Error rule: Keras 2.2's model fed by a dataset's tensors (``Input(tensor=x)`` of an iterator's
batch, ``compile(target_tensors=[y])``, ``fit`` given no data), which Keras 3 feeds the dataset.

Keras 2.1–2.2 over TensorFlow 1 trained on a ``tf.data`` pipeline by wiring the iterator's
tensors into the graph: ``x, y = iterator.get_next()``, ``model_input = Input(tensor=x)``,
``model.compile(…, target_tensors=[y])``, then ``model.fit(epochs=…, steps_per_epoch=…)`` with no
data: each step ran the graph, which pulled the next batch. Keras 3 has none of it: its
``Input(tensor=…)`` takes only a ``KerasTensor`` ("Argument `input_tensor` must be a
KerasTensor"), its ``compile`` no ``target_tensors`` ("unexpected keyword argument"), and ``fit``
given no data fails reading it. It takes the dataset itself: ``fit(dataset, …)`` pulls the same
(inputs, targets) batches, in the same order, from the dataset the iterator was made of.

Evidence: the tensors' source, read through the cells run so far (the earlier ones, then this
one, in order): ``x, y = it.get_next()`` (or ``next(it)``) of an iterator made from a dataset
(``tf.compat.v1.data.make_one_shot_iterator(ds)``, ``ds.make_one_shot_iterator()``,
``iter(ds)``), the dataset's live value a ``tf.data.Dataset`` of (inputs, targets) pairs, and
the input tensor's live value a batch (a tensor with values, no ``KerasTensor``). The corrected
cell makes the input from the batch's shape past its batch axis and its dtype (what Keras 2
read from the tensor), drops ``target_tensors`` of those targets, and gives the dataset to each
data method of the cell called with no data. A later cell's ``compile`` or data-less ``fit``
(``migrate``, or a notebook run a cell at a time) is corrected when it fails, where the
notebook has one such dataset.
"""

from __future__ import annotations

import ast
from typing import Any

from kerasmagic.diagnosis import live
from kerasmagic.diagnosis.context import ERROR, CellContext
from kerasmagic.diagnosis.problem import Problem, from_entry
from kerasmagic.diagnosis.provenance import parsed_source
from kerasmagic.diagnosis.rewrite import (
    Edit,
    ParsedCell,
    called_name,
    delete_keyword_edit,
    node_edit,
    node_text,
    walk,
)
from kerasmagic.diagnosis.rules import rule, words

ENTRY = "keras2-tensor-fed-model"
TENSOR_INPUT = "Argument `input_tensor` must be a KerasTensor"
TARGET_TENSORS = "unexpected keyword argument 'target_tensors'"
ITERATOR_MAKERS = ("make_one_shot_iterator", "make_initializable_iterator", "iter")
DATA_METHODS = ("fit", "evaluate", "predict")  # Keras 2 ran each on the wired tensors
DATA_KEYWORDS = {"x", "y", "generator", None}  # data given by keyword (or by **kwargs)
MODELS = ("Model", "Sequential")

INPUTS, TARGETS = 0, 1  # a batch's two parts
Batches = dict[str, tuple[str, int]]  # batch tensor's name → (dataset's name, INPUTS or TARGETS)


@rule(ENTRY, when=(ERROR,), family="layer-arguments", needs=words(("get_next", "next(", "iter(")))
def tensor_fed_model(ctx: CellContext) -> list[Problem]:
    """The cell's ``Input(tensor=x)`` of a batch, ``target_tensors=`` of batch targets and data
    methods given no data, when the error is one of them."""
    tree = ctx.cell.tree
    if tree is None:
        return []
    batches = pipelines(ctx)
    inputs = _tensor_inputs(ctx, tree, batches)
    targets = _target_keywords(tree, batches)
    dataless = _dataless_calls(ctx, tree)
    datasets = {batches[_tensor(c)][0] for c in inputs}
    datasets |= {batches[n][0] for _, kw in targets for n in _target_names(kw, batches)}
    wiring_failed = (  # the input made of a batch, or the compile given its targets
        TENSOR_INPUT in ctx.message and any(c.lineno in ctx.failing_lines for c in inputs)
    ) or (TARGET_TENSORS in ctx.message and any(c.lineno in ctx.failing_lines for c, _ in targets))
    if not wiring_failed:
        if not any(c.lineno in ctx.failing_lines for c in dataless):
            return []
        datasets |= {d for d, _ in batches.values()}  # the notebook's one pipeline, if one
    if len(datasets) != 1:
        return []  # which dataset feeds the model is not known
    dataset = datasets.pop()
    edits: list[Edit | None] = [_input_edit(ctx.cell, c) for c in inputs]
    edits += [delete_keyword_edit(ctx.cell, call, kw) for call, kw in targets]
    edits += [_given_data(ctx.cell, c, dataset) for c in dataless]
    if not edits or None in edits:
        return []
    problem = from_entry(ENTRY, ctx.line or 1, edits, ["tensor", dataset], ctx.shown_versions, dataset=dataset, keras=ctx.versions.get("keras", "3"))  # type: ignore[arg-type]  # fmt: skip
    problem.certain = True  # the dataset the tensors were pulled from
    return [problem]


def pipelines(ctx: CellContext) -> Batches:
    """The names bound to a dataset's batch, ``x, y = it.get_next()`` (or ``next(it)``) of an
    iterator made from a dataset name, in the cells run so far (the last binding of each name
    wins), whose live dataset yields (inputs, targets) pairs."""
    iterators: dict[str, str] = {}
    batches: Batches = {}
    for stmt in _assignments(ctx):
        target, value = stmt.targets[0], stmt.value
        if isinstance(target, ast.Name):
            dataset = _iterator_dataset(value)
            if dataset is not None:
                iterators[target.id] = dataset
            else:
                iterators.pop(target.id, None)
                batches.pop(target.id, None)
        elif isinstance(target, (ast.Tuple, ast.List)) and len(target.elts) == 2:
            pulled = _pulled_iterator(value)  # `it`, or an iterator made there: `next(iter(ds))`
            named = isinstance(pulled, ast.Name)
            dataset = iterators.get(pulled.id) if named else _iterator_dataset(pulled) if pulled else None  # type: ignore[union-attr, arg-type]  # fmt: skip
            for position, element in enumerate(target.elts):
                if isinstance(element, ast.Name):
                    if dataset is not None:
                        batches[element.id] = (dataset, position)
                    else:
                        batches.pop(element.id, None)
    namespace = ctx.namespace or {}
    return {n: b for n, b in batches.items() if _pairs(namespace.get(b[0]))}


def _assignments(ctx: CellContext) -> list[ast.Assign]:
    """The single-target assignments of the earlier cells and this one, in the order they ran."""
    found: list[ast.Assign] = []
    for source in (*ctx.earlier, ctx.source):
        tree = parsed_source(source).tree
        if tree is not None:
            here = [n for n in ast.walk(tree) if isinstance(n, ast.Assign) and len(n.targets) == 1]
            found += sorted(here, key=lambda n: (n.lineno, n.col_offset))
    return found


def _iterator_dataset(value: ast.expr) -> str | None:
    """The dataset name an iterator is made from: ``make_one_shot_iterator(ds)``,
    ``ds.make_one_shot_iterator()``, ``iter(ds)``."""
    if not isinstance(value, ast.Call) or value.keywords or called_name(value.func) not in ITERATOR_MAKERS:  # fmt: skip
        return None
    if len(value.args) == 1 and isinstance(value.args[0], ast.Name):
        return value.args[0].id
    receiver = value.func.value if isinstance(value.func, ast.Attribute) else None
    return receiver.id if not value.args and isinstance(receiver, ast.Name) else None


def _pulled_iterator(value: ast.expr) -> ast.expr | None:
    """The iterator a batch is pulled from: ``it`` of ``it.get_next()`` or ``next(it)``."""
    if not isinstance(value, ast.Call) or value.keywords:
        return None
    func = value.func
    if isinstance(func, ast.Attribute) and func.attr == "get_next" and not value.args:
        return func.value
    if isinstance(func, ast.Name) and func.id == "next" and len(value.args) == 1:
        return value.args[0]
    return None


def _pairs(value: Any) -> bool:
    """A live ``tf.data.Dataset`` whose elements are (inputs, targets) pairs."""
    if not live.is_tf_dataset(value):
        return False
    spec = value.element_spec
    return isinstance(spec, tuple) and len(spec) == 2


def _role(batches: Batches, name: str) -> int | None:
    """INPUTS or TARGETS for a name bound to a batch's part; None for any other name."""
    return batches[name][1] if name in batches else None


def _tensor(call: ast.Call) -> str:
    return next(k.value.id for k in call.keywords if k.arg == "tensor" and isinstance(k.value, ast.Name))  # fmt: skip


def _tensor_inputs(ctx: CellContext, tree: ast.AST, batches: Batches) -> list[ast.Call]:
    """``Input(tensor=x)`` calls of the cell whose ``x`` is a batch's inputs, a live tensor with
    values (Keras 2's symbolic tensor of the graph, an eager batch under TensorFlow 2)."""
    found = []
    for call in walk(tree):
        if not (isinstance(call, ast.Call) and called_name(call.func) == "Input" and not call.args):
            continue
        kw = next((k for k in call.keywords if k.arg == "tensor"), None)
        name = kw.value.id if kw is not None and isinstance(kw.value, ast.Name) else None
        if name is None or _role(batches, name) != INPUTS:
            continue
        value = (ctx.namespace or {}).get(name)
        if hasattr(value, "numpy") and hasattr(value, "shape") and hasattr(value, "dtype"):
            found.append(call)
    return found


def _input_edit(cell: ParsedCell, call: ast.Call) -> Edit | None:
    """``tensor=x`` → ``shape=x.shape[1:], dtype=x.dtype`` (what the call does not give yet)."""
    kw = next(k for k in call.keywords if k.arg == "tensor")
    name, given = _tensor(call), {k.arg for k in call.keywords}
    parts = [] if given & {"shape", "batch_shape"} else [f"shape={name}.shape[1:]"]
    parts += [] if "dtype" in given else [f"dtype={name}.dtype"]
    return node_edit(cell, kw, ", ".join(parts)) if parts else delete_keyword_edit(cell, call, kw)


def _target_keywords(tree: ast.AST, batches: Batches) -> list[tuple[ast.Call, ast.keyword]]:
    """``compile(…, target_tensors=y)`` (a name, or a list or tuple of names) of batch targets."""
    found = []
    for call in walk(tree):
        if not (isinstance(call, ast.Call) and called_name(call.func) == "compile"):
            continue
        for kw in call.keywords:
            if kw.arg == "target_tensors" and _target_names(kw, batches):
                found.append((call, kw))
    return found


def _target_names(kw: ast.keyword, batches: Batches) -> list[str]:
    """The names ``kw`` gives, when each is a batch's targets; [] otherwise."""
    value = kw.value
    names = value.elts if isinstance(value, (ast.List, ast.Tuple)) else [value]
    if names and all(isinstance(n, ast.Name) and _role(batches, n.id) == TARGETS for n in names):
        return [n.id for n in names]  # type: ignore[attr-defined]
    return []


def _dataless_calls(ctx: CellContext, tree: ast.AST) -> list[ast.Call]:
    """``model.fit(…)``/``evaluate``/``predict`` given no data, of a live Keras model or of a
    model the cell makes (``model = Model(…)``, not run yet when an earlier line failed)."""
    made = {
        t.id
        for n in walk(tree)
        if isinstance(n, ast.Assign)
        and isinstance(n.value, ast.Call)
        and called_name(n.value.func) in MODELS  # fmt: skip
        for t in n.targets
        if isinstance(t, ast.Name)
    }
    found = []
    for call in walk(tree):
        func = call.func if isinstance(call, ast.Call) else None
        if not (isinstance(func, ast.Attribute) and func.attr in DATA_METHODS and isinstance(func.value, ast.Name)):  # fmt: skip
            continue
        model = (ctx.namespace or {}).get(func.value.id)
        if call.args or {k.arg for k in call.keywords} & DATA_KEYWORDS:  # type: ignore[union-attr]
            continue
        if hasattr(model, "train_on_batch") or func.value.id in made:
            found.append(call)  # type: ignore[arg-type]
    return found


def _given_data(cell: ParsedCell, call: ast.Call, dataset: str) -> Edit | None:
    """``model.fit(epochs=…)`` → ``model.fit(dataset, epochs=…)``, the layout kept."""
    text, func = node_text(cell, call), node_text(cell, call.func)
    if text is None or func is None or not text.startswith(func):
        return None
    inner = text[len(func) :].strip()[1:-1]
    given = f"{dataset}," + (inner if inner[:1].isspace() else f" {inner}") if inner.strip() else dataset  # fmt: skip
    return node_edit(cell, call, f"{func}({given})")
