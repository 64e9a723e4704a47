"""What a live model was compiled with, read from the object (never called): the loss and metric
functions of the notebook's own, and the shape of its one output."""

from __future__ import annotations

import ast
import linecache
from collections.abc import Iterator
from typing import Any

from kerasmagic.diagnosis import live
from kerasmagic.diagnosis.cell_facts import dotted
from kerasmagic.diagnosis.context import CellContext
from kerasmagic.diagnosis.frames import traceback_frames
from kerasmagic.diagnosis.live_loops import live_value
from kerasmagic.diagnosis.rewrite import walk


def code_of(function: object) -> object:
    """The code object of a function or bound method (None for anything else)."""
    return getattr(getattr(function, "__func__", function), "__code__", None)


def own_functions(model: object, *, metrics_only: bool = False) -> list[Any]:
    """The loss and metric functions the live model was compiled with that are not Keras's
    (defined in the notebook or its own modules), as given to ``compile``."""
    config = getattr(getattr(model, "_compile_config", None), "config", None) or {}
    given = [config.get("metrics"), config.get("weighted_metrics")]
    if not metrics_only:
        given.insert(0, getattr(model, "loss", None))
    flat: list[object] = []
    for item in given:
        if isinstance(item, dict):
            item = list(item.values())
        flat += item if isinstance(item, (list, tuple)) else [item]
    return [f for f in flat if callable(f) and code_of(f) is not None and not live.from_keras(f)]


def single_output_shape(model: object) -> tuple[Any, ...] | None:
    """The shape of a live Keras model's one output (``(None, 1)``); None for several outputs,
    an unbuilt model or anything else."""
    outputs = getattr(model, "outputs", None) if live.from_keras(model) else None
    if not isinstance(outputs, (list, tuple)) or len(outputs) != 1:
        return None
    shape = getattr(outputs[0], "shape", None)
    try:
        return tuple(shape) if shape is not None else None
    except TypeError:
        return None


def raising_codes(exc: BaseException | None) -> set[object]:
    """The code objects of the frames in ``exc``'s traceback (a compiled function that raised
    is among them)."""
    out = set()
    tb = exc.__traceback__ if exc is not None else None
    while tb is not None:
        out.add(tb.tb_frame.f_code)
        tb = tb.tb_next
    return out


# the model methods that run it on data (train, evaluate, predict), Keras 2's generator ones too
RUNS = ("fit", "fit_generator", "train_on_batch", "evaluate", "evaluate_generator", "test_on_batch", "predict", "predict_generator", "predict_on_batch")  # fmt: skip


def failing_model_calls(ctx: CellContext, methods: tuple[str, ...]) -> Iterator[tuple[ast.Call, str, Any]]:  # fmt: skip
    """The calls of ``methods`` on the failing lines made on a name or an attribute chain on
    one (``model.fit(...)``, ``self.vae.fit(...)``), each with that name as written (dotted) and
    its live value (None where nothing is bound)."""
    names = ctx.live_names or {}
    for call in walk(ctx.cell.tree) if ctx.cell.tree is not None else ():
        if not (isinstance(call, ast.Call) and isinstance(call.func, ast.Attribute)):
            continue
        receiver = dotted(call.func.value)
        if call.func.attr in methods and call.lineno in ctx.failing_lines and receiver is not None:  # fmt: skip
            yield call, receiver, live_value(call.func.value, names)


def traceback_model_calls(exc: BaseException | None, methods: tuple[str, ...]) -> Iterator[tuple[ast.Call, Any]]:  # fmt: skip
    """The calls of ``methods`` on a name or an attribute chain (``vae.fit(x, x)``) on the line
    each frame of the traceback of ``exc`` was running, as that frame's source says, each with
    the live receiver read in that frame (None where nothing is bound): the model a failing
    ``fit`` trained, seen from code of another file (a user's module that made its loss)."""
    for frame in traceback_frames(exc):
        text = linecache.getline(frame.f_code.co_filename, frame.f_lineno).strip()
        try:
            tree = ast.parse(text) if any(f".{m}(" in text for m in methods) else None
        except SyntaxError:
            tree = None
        for call in walk(tree) if tree is not None else ():
            if isinstance(call, ast.Call) and isinstance(call.func, ast.Attribute) and call.func.attr in methods:  # fmt: skip
                scope = {**frame.f_globals, **frame.f_locals}
                yield call, live_value(call.func.value, scope)
