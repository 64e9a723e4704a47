"""Python lists of numbers given to ``fit``/``predict``/``evaluate``: Keras 2 converted them, Keras 3
refuses them ("Unrecognized data type: x=[[1, 2, 3]] (of type <class 'list'>)"). The fix wraps
every such argument of the cell in ``np.asarray(…)``, where the list is provably numbers only
(a literal, or a name whose value in the namespace is one), so the next call does not fail too;
the failing call's argument whose value the message shows (any expression) too."""

from __future__ import annotations

import ast
import re
import sys
from typing import Any

from kerasmagic.diagnosis import live
from kerasmagic.diagnosis.rewrite import (
    Edit,
    ParsedCell,
    insertion_line,
    node_edit,
    node_text,
    walk,
)

# method → its positional data arguments
DATA_METHODS = {
    "fit": ("x", "y"),
    "evaluate": ("x", "y"),
    "predict": ("x",),
    "train_on_batch": ("x", "y"),
    "test_on_batch": ("x", "y"),
    "predict_on_batch": ("x",),
}

_NOTHING = object()  # what no namespace value is


def _numbers_only(value: Any, depth: int = 0) -> bool:
    """A (nested) list/tuple of plain numbers — what ``np.asarray`` turns into one array."""
    if depth > 8:
        return False
    if isinstance(value, bool) or not isinstance(value, (list, tuple, int, float)):
        return False
    if isinstance(value, (int, float)):
        return depth > 0
    return len(value) > 0 and all(_numbers_only(v, depth + 1) for v in value)


def _strings_only(value: Any) -> bool:
    """A non-empty list/tuple of ``str``."""
    return isinstance(value, (list, tuple)) and bool(value) and all(isinstance(v, str) for v in value)


def _is_number_list(node: ast.AST, namespace: dict | None) -> bool:
    return _numbers_only(plain_value(node, namespace))


def plain_value(node: ast.AST, namespace: dict | None, depth: int = 0) -> Any:
    """The value of a list expression built from literals, names of the namespace and ``+``/``*``
    (``[1] * n + [0] * n``), computed without calling anything; ``_NOTHING`` otherwise."""
    if depth > 8:
        return _NOTHING
    if isinstance(node, (ast.List, ast.Tuple, ast.Constant)):
        try:
            return ast.literal_eval(node)
        except Exception:
            return _NOTHING
    if isinstance(node, ast.Name):
        return (namespace or {}).get(node.id, _NOTHING)
    if isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Add, ast.Mult)):
        left = plain_value(node.left, namespace, depth + 1)
        right = plain_value(node.right, namespace, depth + 1)
        ints = [isinstance(v, int) and not isinstance(v, bool) for v in (left, right)]
        seqs = [isinstance(v, (list, tuple)) for v in (left, right)]
        if not all(i or q for i, q in zip(ints, seqs)):
            return _NOTHING
        if isinstance(node.op, ast.Add) and ints[0] != ints[1]:
            return _NOTHING  # a number added to a list
        if all(seqs) and isinstance(node.op, ast.Mult):
            return _NOTHING
        numbers = [v for v, i in zip((left, right), ints) if i]
        if any(abs(n) > 10**6 for n in numbers):
            return _NOTHING  # keep the computed value small
        try:
            return left * right if isinstance(node.op, ast.Mult) else left + right
        except Exception:
            return _NOTHING
    return _NOTHING


def _numpy_alias(cell: ParsedCell) -> str | None:
    for node in walk(cell.tree) if cell.tree is not None else ():
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name == "numpy":
                    return alias.asname or "numpy"
    return None


def data_calls(tree: ast.AST) -> list[tuple[ast.Call, tuple[str, ...]]]:
    """The calls of a data method (``….fit(…)``, ``….predict(…)`` …) and their data arguments."""
    return [
        (call, DATA_METHODS[call.func.attr])
        for call in walk(tree)
        if isinstance(call, ast.Call)
        and isinstance(call.func, ast.Attribute)
        and call.func.attr in DATA_METHODS
    ]


def validation_pair(call: ast.Call) -> list[tuple[str, ast.expr]]:
    """The inputs and targets a ``fit`` call writes out as ``validation_data=(x_val, y_val)``
    (a tuple or list display of two), as ``x`` and ``y``; [] otherwise."""
    given = next((k.value for k in call.keywords if k.arg == "validation_data"), None)
    if getattr(call.func, "attr", None) != "fit" or not isinstance(given, (ast.Tuple, ast.List)):
        return []
    return list(zip(("x", "y"), given.elts)) if len(given.elts) == 2 else []


def numpy_name(cell: ParsedCell, namespace: dict | None) -> tuple[str, bool] | None:
    """The name NumPy goes by in the cell (its own import, or an earlier cell's ``np``) and
    whether the cell must import it; None when ``np`` means something else here."""
    np_name = _numpy_alias(cell)
    if np_name is None and namespace is not None and "np" in namespace:
        if namespace["np"] is not sys.modules.get("numpy", _NOTHING):
            return None  # `np` means something else here: do not shadow it
        np_name = "np"  # an earlier cell's `import numpy as np`: as good as the cell's own
    return np_name or "np", np_name is None


def with_numpy_import(cell: ParsedCell, edits: list[Edit], needs_import: bool, index: int | None = None) -> list[Edit]:  # fmt: skip
    """``edits`` of ``cell`` (earlier cell ``index``; None: the cell at hand) with ``import numpy
    as np`` first at its top, where the cell must import it."""
    if edits and needs_import:
        at = insertion_line(cell)
        edits.insert(0, Edit(at, 0, at, 0, "import numpy as np\n", cell=index))
    return edits


# Keras 3's data adapters name the argument and the value they refused
RECEIVED = re.compile(r"Unrecognized data type: (\w+)=(.*) \(of type <class 'list'>\)", re.S)


def received_list(message: str) -> tuple[str, bool] | None:
    """``(argument, is numbers only)`` of the list Keras 3's message says it refused."""
    found = RECEIVED.search(message)
    if found is None:
        return None
    try:
        value = ast.literal_eval(found.group(2))
    except (ValueError, SyntaxError, MemoryError, RecursionError):
        return found.group(1), False
    return found.group(1), _numbers_only(value)


def array_edits(cell: ParsedCell, namespace: dict | None, received: tuple[str, int] | None = None) -> tuple[list[Edit], list[int]]:  # fmt: skip
    """The edits wrapping every provable list of numbers passed as data (and a list of strings
    given as input to a live model taking strings: an ``object`` array), and their lines;
    ``received``: the argument and line of the failing call whose value the error showed to be
    numbers only (``predict([encode(text)])``: any expression)."""
    numpy = numpy_name(cell, namespace) if cell.tree is not None else None
    if numpy is None:
        return [], []
    name, needs_import = numpy
    edits: list[Edit] = []
    lines: list[int] = []
    for call, wanted in data_calls(cell.tree):
        arguments = list(zip(wanted, call.args))
        arguments += [(kw.arg, kw.value) for kw in call.keywords if kw.arg in wanted]
        arguments += validation_pair(call)  # `validation_data=(x_val, y_val)`: data too
        strings = feeds_string_model(call, namespace)
        for argument, value in arguments:
            shown = received is not None and (argument, call.lineno) == received
            text = node_text(cell, value)
            if strings and argument == "x" and _strings_only(plain_value(value, namespace)):
                # sentences for a model taking strings: an array Keras 3 feeds as strings
                edit = node_edit(cell, value, f"{name}.array({text}, dtype=object)") if text else None
            elif shown or _is_number_list(value, namespace):
                # one number per sample for a model taking one (Keras 2 upranked it to a column)
                column = argument == "x" and _flat(plain_value(value, namespace)) and _takes_one_number(call, namespace)  # fmt: skip
                array = f"{name}.asarray({text})" + (".reshape(-1, 1)" if column else "")
                edit = node_edit(cell, value, array) if text else None
            else:
                continue
            if edit is not None:
                edits.append(edit)
                lines.append(call.lineno)
    return with_numpy_import(cell, edits, needs_import), lines


def is_one_dimensional(value: Any) -> bool:
    """A 1-D NumPy array of numbers: one value per sample, what Keras 2.6 and older upranked."""
    numpy = sys.modules.get("numpy")
    return (
        numpy is not None
        and isinstance(value, numpy.ndarray)
        and value.ndim == 1
        and value.dtype.kind in "biuf"
    )


def one_dimensional_edits(
    cell: ParsedCell, namespace: dict | None, model_ok: Any, *, targets: bool = False
) -> tuple[list[Edit], list[int]]:
    """``np.expand_dims(x, -1)`` for every input ``x`` (``targets``: every target ``y``, and a
    literal ``validation_data``'s) the cell passes to a data method of a model ``model_ok(model)``
    accepts, where it names a 1-D array of numbers; the lines of those calls."""
    numpy = numpy_name(cell, namespace) if cell.tree is not None and namespace else None
    if numpy is None:
        return [], []
    name, needs_import = numpy
    edits: list[Edit] = []
    lines: list[int] = []
    for call, _ in data_calls(cell.tree):
        receiver = call.func.value  # type: ignore[attr-defined]
        if not isinstance(receiver, ast.Name) or not model_ok(namespace.get(receiver.id)):  # type: ignore[union-attr]
            continue
        nodes = target_nodes(call) if targets else _input_nodes(call)
        for node in nodes:
            if isinstance(node, ast.Name) and is_one_dimensional(namespace.get(node.id)):  # type: ignore[union-attr]
                edit = node_edit(cell, node, f"{name}.expand_dims({node.id}, -1)")
                if edit is not None:
                    edits.append(edit)
                    lines.append(call.lineno)
    return with_numpy_import(cell, edits, needs_import), lines


def _input_nodes(call: ast.Call) -> list[ast.AST]:
    """The expressions ``call`` passes as its input ``x``."""
    return call.args[:1] + [kw.value for kw in call.keywords if kw.arg == "x"]


# method → the position of its target argument (``y``); ``validation_data=(x, y)`` holds another
TARGET_METHODS = {"fit": 1, "evaluate": 1, "train_on_batch": 1, "test_on_batch": 1}


def is_sparse_matrix(value: Any) -> bool:
    """A SciPy sparse matrix or array (what scikit-learn's encoders return by default)."""
    return type(value).__module__.startswith("scipy.sparse") and hasattr(value, "toarray")


def target_nodes(call: ast.Call) -> list[ast.AST]:
    """The expressions ``call`` passes as targets: ``y`` and the second item of a literal
    ``validation_data`` tuple."""
    position = TARGET_METHODS.get(call.func.attr) if isinstance(call.func, ast.Attribute) else None
    if position is None:
        return []
    out: list[ast.AST] = list(call.args[position : position + 1])
    for kw in call.keywords:
        if kw.arg == "y":
            out.append(kw.value)
        elif kw.arg == "validation_data" and isinstance(kw.value, (ast.Tuple, ast.List)):
            out += kw.value.elts[1:2]
    return out


def sparse_target_edits(cell: ParsedCell, namespace: dict | None) -> tuple[list[Edit], list[int]]:
    """``.toarray()`` after every target passed to ``fit``/``evaluate``/… whose value in the
    namespace is a SciPy sparse matrix (the same numbers, dense), and the lines of those calls."""
    if cell.tree is None or not namespace:
        return [], []
    edits: list[Edit] = []
    lines: list[int] = []
    for call in walk(cell.tree):
        if not isinstance(call, ast.Call):
            continue
        for node in target_nodes(call):
            if not isinstance(node, ast.Name) or not is_sparse_matrix(namespace.get(node.id)):
                continue
            edit = node_edit(cell, node, f"{node.id}.toarray()")
            if edit is not None:
                edits.append(edit)
                lines.append(call.lineno)
    return edits, lines


def _flat(value: Any) -> bool:
    """A list/tuple of plain numbers, none nested."""
    return isinstance(value, (list, tuple)) and all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in value)  # fmt: skip


def _takes_one_number(call: ast.Call, namespace: dict | None) -> bool:
    """Is ``call`` a method of a name whose live model has one input of shape ``(None, 1)``? A
    flat list given to it was one sample per number for tf.keras 2, whose ``predict_step`` (and
    ``train_step``, ``test_step``) expanded 1-D data to a column; Keras 3 takes the 1-D array,
    and the next call with a column fails on the function it traced for it."""
    receiver = call.func.value if isinstance(call.func, ast.Attribute) else None
    model = (namespace or {}).get(receiver.id) if isinstance(receiver, ast.Name) else None
    inputs = getattr(model, "inputs", None) if live.from_keras(model) else None
    shape = getattr(inputs[0], "shape", None) if isinstance(inputs, list) and len(inputs) == 1 else None
    return shape is not None and tuple(shape)[1:] == (1,)


def feeds_string_model(call: ast.Call, namespace: dict | None) -> bool:
    """Is ``call`` a method of a name whose live model's inputs all take strings (a
    ``TextVectorization`` model; a ``Sequential`` not built yet whose first layer takes strings,
    ``Sequential([vectorize_layer, model])``)? Its string data goes as ``object`` arrays, which
    Keras 3 feeds as strings."""
    flags = string_inputs(call, namespace)
    return bool(flags) and all(flags)


def string_inputs(call: ast.Call, namespace: dict | None) -> list[bool]:
    """For each input of the live model ``call`` is a method of (a name), whether it takes
    strings (its ``Input``'s dtype; a ``Sequential`` not built yet: its first layer's); [] when
    the receiver is no such model."""
    receiver = call.func.value if isinstance(call.func, ast.Attribute) else None
    if not isinstance(receiver, ast.Name):
        return []
    model = (namespace or {}).get(receiver.id)
    inputs = getattr(model, "inputs", None)  # a Sequential not built yet raises: None
    if isinstance(inputs, list) and inputs:
        return [str(getattr(i, "dtype", "")) == "string" for i in inputs]
    layers = getattr(model, "layers", None) if not getattr(model, "built", True) else None
    if isinstance(layers, list) and layers:
        return [str(getattr(layers[0], "input_dtype", "")) == "string"]
    return []
