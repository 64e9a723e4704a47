"""Error rules on model data: Python lists where Keras 3 wants arrays, sparse targets."""

from __future__ import annotations

import ast
import os
import re

from kerasmagic.diagnosis import live
from kerasmagic.diagnosis.compiled import (
    code_of,
    failing_model_calls,
    own_functions,
    raising_codes,
    single_output_shape,
)
from kerasmagic.diagnosis.context import ERROR, CellContext
from kerasmagic.diagnosis.problem import Problem, from_entry
from kerasmagic.diagnosis.rewrite import delete_keyword_edit, parse_cell
from kerasmagic.diagnosis.rules import rule
from kerasmagic.knowledge.catalogue import entries_with_rule, find_entry


@rule("python-list-inputs", when=(ERROR,), family="model-methods", errors=("ValueError", "IndexError"))  # fmt: skip
def array_inputs(ctx: CellContext) -> list[Problem]:
    """Keras 3 refuses Python lists of numbers as model data: wrap them in ``np.asarray``. A
    list of NumPy scalars (``list(np.arange(…))``, ``[x[i] for i …]``) passes Keras 3's type check
    as a list of arrays, one per input, and fails in its data adapter on their empty shapes
    (IndexError): the same lists, the same fix."""
    cell, exc, error_type, message, line, namespace = ctx.unpacked()
    for entry in entries_with_rule("array-inputs"):
        matched = re.search(entry.match.get("message", "$^"), message)
        if not matched and not (error_type == "IndexError" and _raised_reading_data(exc)):
            continue
        from kerasmagic.diagnosis.array_inputs import array_edits, received_list

        shown = received_list(message)  # the value refused, as the message prints it
        received = (shown[0], line) if shown and shown[1] and line is not None else None
        edits, lines = array_edits(cell, ctx.live_names, received)  # a function's locals too
        if line is not None and line not in lines:
            if "<class 'numpy.ndarray'>" in message and not shown:
                return []  # an array refused for its partner, which is no list of numbers
            edits = []  # the failing call's data is not a provable list: explain only
        keras = live.versions().get("keras", "3")
        return [
            from_entry(entry.id, line or (lines[0] if lines else 1), edits, ["x", "y"], keras=keras)
        ]
    return []


# Keras 3 (keras/src/utils/dtype_utils.py); TensorFlow 2's tensor conversion, under Keras 2.x
OBJECT_DTYPE = re.compile(
    r"^Invalid dtype: (?:object|str\d+|bytes\d+)$"
    r"|Failed to convert a NumPy array to a Tensor \(Unsupported object type"
)


@rule("object-array-inputs", when=(ERROR,), family="model-methods", errors=("ValueError",))
def object_arrays(ctx: CellContext) -> list[Problem]:
    """Keras 3 and TensorFlow 2 refuse NumPy arrays of dtype ``object``, which Keras 2 over
    TensorFlow 1 fed as numbers, and Keras 3 NumPy arrays of strings ("Invalid dtype: str32"):
    each model-data name holding one made of plain numbers, or of strings spelling numbers,
    gets ``.astype(…)`` a number dtype; strings given to a model taking strings, ``object``."""
    cell, exc, error_type, message, line, namespace = ctx.unpacked()
    if not OBJECT_DTYPE.search(message):
        return []
    from kerasmagic.diagnosis.object_arrays import object_array_edits

    edits, lines = object_array_edits(cell, ctx.live_names)  # names bound in earlier cells too
    if not edits or (line is not None and line not in lines):
        return []
    keras = live.versions().get("keras", "3")
    problem = from_entry("object-array-inputs", line or lines[0], edits, ["x", "y"], keras=keras)
    problem.certain = True  # the live arrays hold plain numbers only
    return [problem]


# Keras's input check of a layer given (batch,) data (Keras 3 and 2.x word it alike)
ONE_DIMENSIONAL = re.compile(r"expected min_ndim=2, found ndim=1\b")


@rule("one-dimensional-inputs", when=(ERROR,), family="model-methods", needs=("fit", "_on_batch", "evaluate"))  # fmt: skip
def one_dimensional_inputs(ctx: CellContext) -> list[Problem]:
    """A model with no input shape trained on 1-D data: Keras 2.6 and older upranked it to
    ``(batch, 1)``, later versions build the first layer from ``(batch,)``. Each such input of the
    cell gets ``np.expand_dims(x, -1)``, the data those versions gave the model."""
    cell, exc, error_type, message, line, namespace = ctx.unpacked()
    if not (ONE_DIMENSIONAL.search(message) or _raised_in_build(exc)):
        return []
    from kerasmagic.diagnosis.array_inputs import one_dimensional_edits

    edits, lines = one_dimensional_edits(cell, ctx.live_names, _unbuilt_model)
    failing = [n for n in lines if n in ctx.failing_lines]  # `line` may be the layer's `build`
    if not failing:
        return []
    keras = live.versions().get("keras", "3")
    return [from_entry("one-dimensional-inputs", failing[0], edits, ["x"], keras=keras)]


def _raised_reading_data(exc: BaseException | None) -> bool:
    """Was the error raised in Keras's own data adapters (``keras/src/trainers/data_adapters``),
    reading the data a model method was given?"""
    tb, last = (exc.__traceback__ if exc is not None else None), None
    while tb is not None:
        last, tb = tb.tb_frame.f_code.co_filename, tb.tb_next
    parts = os.path.normpath(last or "").split(os.sep)
    return "keras" in parts and "data_adapters" in parts


def _raised_in_build(exc: BaseException | None) -> bool:
    """Did the error come out of a layer's ``build`` (a weight shaped from ``input_shape[-1]``,
    ``None`` for 1-D data)?"""
    tb = exc.__traceback__ if exc is not None else None
    while tb is not None:
        if tb.tb_frame.f_code.co_name == "build":
            return True
        tb = tb.tb_next
    return False


def _unbuilt_model(value: object) -> bool:
    """A live Keras model given no input shape, to be built by its first data: not built yet
    (Keras 3), or a Keras 2 ``Sequential`` without an explicit input shape (Keras 2 marks it
    built from the data that failed)."""
    return (
        live.from_keras(value)
        and hasattr(value, "fit")
        and (
            getattr(value, "built", True) is False
            or getattr(value, "_has_explicit_input_shape", True) is False
        )
    )


# an index or a shape the targets' rank decides (TensorFlow's strided slice, NumPy/JAX indexing,
# broadcasting checks), as opposed to any other error raised in the same function
SHAPE_ERROR = re.compile(
    r"Index out of range|Too many indices|too many indices|out of bounds|[Ii]ncompatible shapes"
    r"|rank|ndim|dimension|[Ss]hapes? .*(?:must|mismatch|not compatible)"
)


@rule("one-dimensional-targets", when=(ERROR,), family="model-methods", needs=("fit", "_on_batch", "evaluate"))  # fmt: skip
def one_dimensional_targets(ctx: CellContext) -> list[Problem]:
    """A loss or metric function of the notebook's own, compiled into a model with one rank-2
    output and raising on 1-D targets (``y_true[:, 0]``): Keras 2 gave every loss and metric
    ``y_true`` expanded to ``(batch, 1)`` when the prediction had rank 2, Keras 3 passes it as
    given. Each 1-D target of that model's data calls gets ``np.expand_dims(y, -1)``."""
    cell, exc, error_type, message, line, namespace = ctx.unpacked()
    codes = raising_codes(exc) if SHAPE_ERROR.search(message) else set()
    # a model an earlier cell (as corrected) already gives column targets: its `fit` was fixed,
    # and its `evaluate` a cell later fails on the same 1-D targets, with whatever message the
    # model's retraced step gives (its loss's frame is not always in the traceback then)
    columns = _given_columns(ctx) if SHAPE_ERROR.search(message) else set()
    if not codes and not columns:
        return []
    from kerasmagic.diagnosis.array_inputs import one_dimensional_edits

    def model_ok(value: object) -> bool:
        shape = single_output_shape(value)
        if shape is None or len(shape) != 2 or not own_functions(value):
            return False
        return id(value) in columns or any(code_of(f) in codes for f in own_functions(value))

    edits, lines = one_dimensional_edits(cell, ctx.live_names, model_ok, targets=True)
    failing = [n for n in lines if n in ctx.failing_lines]
    if not edits or not failing:
        return []
    keras = live.versions().get("keras", "3")
    return [from_entry("one-dimensional-targets", failing[0], edits, ["y"], keras=keras)]


def _given_columns(ctx: CellContext) -> set[int]:
    """The live models (by id) an earlier cell passes ``<numpy>.expand_dims(y, -1)`` as targets
    to a data method of (``model.fit(x, np.expand_dims(y, -1))``)."""
    from kerasmagic.diagnosis.array_inputs import data_calls, target_nodes

    names, found = ctx.live_names or {}, set()
    for source in ctx.earlier:
        tree = parse_cell(source).tree
        for call, _ in data_calls(tree) if tree is not None else ():
            receiver = call.func.value  # type: ignore[attr-defined]
            target = next(iter(target_nodes(call)), None)  # the training targets
            expanded = isinstance(target, ast.Call) and getattr(target.func, "attr", None) == "expand_dims"
            if expanded and isinstance(receiver, ast.Name) and receiver.id in names:
                found.add(id(names[receiver.id]))
    return found


STRING_WEIGHTS = re.compile(r"'str' object has no attribute '(?:get|keys|items)'")
WEIGHTED_METHODS = ("fit", "fit_generator", "train_on_batch")


@rule("class-weight-string", when=(ERROR,), family="model-methods", errors=("AttributeError",), needs=("class_weight",))  # fmt: skip
def class_weight_string(ctx: CellContext) -> list[Problem]:
    """``class_weight='auto'`` (Keras 1's docs): Keras 2.0-2.2 weighted every sample 1 for any
    ``class_weight`` that is not a dict (one output), tf.keras and Keras 3 read it as one. Left
    out of the failing call, the training is the one Keras 2 ran."""
    if not STRING_WEIGHTS.search(ctx.message):
        return []
    names = ctx.live_names or {}
    for call, _name, model in failing_model_calls(ctx, WEIGHTED_METHODS):
        if single_output_shape(model) is None:
            continue  # Keras 2.2 refused a string for several outputs too
        for kw in call.keywords:
            value = kw.value
            text = value.value if isinstance(value, ast.Constant) else names.get(value.id) if isinstance(value, ast.Name) else None  # fmt: skip
            if kw.arg != "class_weight" or not isinstance(text, str):
                continue
            edit = delete_keyword_edit(ctx.cell, call, kw)
            if edit is not None:
                return [from_entry("class-weight-string", call.lineno, [edit], ["class_weight"],
                                   ctx.shown_versions, value=repr(text), keras=ctx.versions.get("keras", "3"))]  # fmt: skip
    return []


@rule("sparse-matrix-targets", when=(ERROR,), family="model-methods", errors=("TypeError",))
def sparse_targets(ctx: CellContext) -> list[Problem]:
    """Keras 3's losses take dense targets: a SciPy sparse ``y`` (scikit-learn's ``OneHotEncoder``
    by default) gets ``.toarray()``, read from the live value of the name passed."""
    cell, exc, error_type, message, line, namespace = ctx.unpacked()
    entry = find_entry("sparse-matrix-targets")
    if entry is None or not re.search(entry.data.get("message", "$^"), message):
        return []
    from kerasmagic.diagnosis.array_inputs import sparse_target_edits

    edits, lines = sparse_target_edits(cell, ctx.live_names)  # names bound in earlier cells too
    if not edits:
        return []
    keras = live.versions().get("keras", "3")
    problem = from_entry(entry.id, line or lines[0], edits, ["y"], keras=keras)
    problem.certain = True  # the live values are sparse matrices; .toarray() holds their numbers
    return [problem]

