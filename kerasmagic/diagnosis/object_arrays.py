"""NumPy arrays Keras 3 refuses for their dtype, which Keras 2 fed: ``object`` arrays of plain
numbers (``DataFrame.values`` of a table that also held strings), strings that spell numbers, and
strings (a NumPy array of them, or a pandas column) given to a model taking strings. Each
such model-data argument of the cell, read live, is given the dtype Keras 2 fed it as."""

from __future__ import annotations

import ast
import sys
from typing import Any

from kerasmagic.diagnosis.array_inputs import data_calls, string_inputs
from kerasmagic.diagnosis.context import value_in
from kerasmagic.diagnosis.rewrite import Edit, ParsedCell, node_edit, node_text

_NOTHING = object()  # what no namespace value is

OBJECT_LIMIT = 2_000_000  # elements read one by one at most (a table from pandas, not images)


def numeric_object_dtype(value: Any) -> str | None:
    """The dtype an ``object`` NumPy array of plain numbers (``DataFrame.values`` of a table that
    also held strings), or an array of strings that each spell a number (``np.array(list("1021"))``,
    which Keras 2 over TensorFlow 1 fed to a float placeholder as numbers), converts to: ``int64``
    for ints only, ``float32`` (Keras's ``floatx``, what the model casts its inputs to) with any
    float or flag (``True`` is 1.0, as NumPy converts it); None for any other value or element."""
    numpy = sys.modules.get("numpy")
    if numpy is None or not isinstance(value, numpy.ndarray) or value.dtype.kind not in "OUS":
        return None
    if not value.size or value.size > OBJECT_LIMIT:
        return None
    if value.dtype.kind in "US":
        numbers = [_spelt_number(v) for v in value.flat]
        if any(n is None for n in numbers):
            return None
        return "int64" if all(isinstance(n, int) for n in numbers) else "float32"
    kinds = {type(v) for v in value.flat}
    numbers = (int, float, numpy.integer, numpy.floating, numpy.bool_)
    if not all(issubclass(k, numbers) for k in kinds):
        return None
    # a flag (pandas 2's ``get_dummies`` columns are bool, pandas 1's were uint8) is a 0/1 number
    ints = all(issubclass(k, (int, numpy.integer)) and not issubclass(k, bool) for k in kinds)
    return "int64" if ints else "float32"


def _spelt_number(text: Any) -> int | float | None:
    """The number a string (or bytes) spells, as ``int``/``float`` would read it; None if none."""
    text = text.decode() if isinstance(text, bytes) else str(text)
    for kind in (int, float):
        try:
            return kind(text)
        except ValueError:
            continue
    return None


def object_array_edits(cell: ParsedCell, namespace: dict | None) -> tuple[list[Edit], list[int]]:
    """``.astype(…)`` after every name passed as model data (``x``, ``y``, the items of a literal
    ``validation_data``) whose live value is an ``object`` array of numbers or an array of strings
    spelling numbers (a number dtype), or an array of strings given as input to a model taking
    strings (``object``; a pandas column of strings, ``.to_numpy()``), and their lines. Names,
    attribute chains (``captions.text``) and a table's column by a literal key
    (``captions["text"]``) are read live; no code of the notebook's is called."""
    if cell.tree is None or not namespace:
        return [], []
    edits: list[Edit] = []
    lines: list[int] = []
    for call, wanted in data_calls(cell.tree):
        nodes = [v for _, v in zip(wanted, call.args)]
        for kw in call.keywords:
            if kw.arg in wanted:
                nodes.append(kw.value)
            elif kw.arg == "validation_data" and isinstance(kw.value, (ast.Tuple, ast.List)):
                nodes += kw.value.elts
        nodes, text_inputs = _by_input(nodes, string_inputs(call, namespace))
        for node in nodes:
            value = _data_value(namespace, node)
            text_input = id(node) in text_inputs  # data for an input taking strings
            dtype = numeric_object_dtype(value)
            if dtype is None and text_input and (
                getattr(getattr(value, "dtype", None), "kind", "") in ("U", "S")  # strings
                or _string_array_call(node, namespace)  # written in the call: `np.array(["a"])`
            ):
                dtype = "object"  # the strings themselves, in the dtype Keras 3 feeds as strings
            text = node.id if isinstance(node, ast.Name) else node_text(cell, node)
            replacement = f'{text}.astype("{dtype}")' if dtype and text else None
            if replacement is None and text and text_input and _pandas_strings(value):
                replacement = f"{text}.to_numpy()"  # its object array, which Keras 3 feeds as strings
            edit = node_edit(cell, node, replacement) if replacement else None
            if edit is not None:
                edits.append(edit)
                lines.append(call.lineno)
    return edits, lines


def _by_input(nodes: list[ast.expr], flags: list[bool]) -> tuple[list[ast.expr], set[int]]:
    """The data nodes with a model's inputs written out one by one (``fit((ids, names), y)``, a
    tuple or list of as many items as the live model has inputs) read item by item, and the ids of
    the nodes fed to an input taking strings (``flags``: per input of the model)."""
    first = nodes[0] if nodes else None
    if len(flags) > 1 and isinstance(first, (ast.Tuple, ast.List)) and len(first.elts) == len(flags):  # fmt: skip
        return [*first.elts, *nodes[1:]], {id(e) for e, text in zip(first.elts, flags) if text}
    return nodes, ({id(first)} if first is not None and flags and all(flags) else set())


def _data_value(namespace: dict, node: ast.expr) -> Any:
    """The live value of a data argument: a name or an attribute chain (``value_in``), or a
    pandas table's column by a literal key (``df["text"]``, read with pandas' own ``get``)."""
    if not isinstance(node, ast.Subscript):
        return value_in(namespace, node)
    key = node.slice.value if isinstance(node.slice, ast.Constant) else None
    table = value_in(namespace, node.value) if isinstance(key, str) else None
    pandas = sys.modules.get("pandas")
    return table.get(key) if pandas is not None and isinstance(table, pandas.DataFrame) else None


def _string_array_call(node: ast.expr, namespace: dict) -> bool:
    """``np.array([...])``/``np.asarray(...)`` of string literals (a list or tuple of them, or of
    such lists), with no ``dtype``, ``np`` being the live NumPy: an array of strings, read from
    the source (the call is not run)."""
    func = node.func if isinstance(node, ast.Call) else None
    if not (isinstance(func, ast.Attribute) and func.attr in ("array", "asarray")):
        return False
    if not (isinstance(func.value, ast.Name) and namespace.get(func.value.id) is sys.modules.get("numpy", _NOTHING)):  # fmt: skip
        return False
    call: ast.Call = node  # type: ignore[assignment]
    if len(call.args) != 1 or call.keywords:
        return False

    def strings(value: ast.expr) -> bool:
        if isinstance(value, (ast.List, ast.Tuple)):
            return bool(value.elts) and all(strings(e) for e in value.elts)
        return isinstance(value, ast.Constant) and isinstance(value.value, str)

    return strings(call.args[0])


def _pandas_strings(value: Any) -> bool:
    """A pandas column (or table) of ``object`` dtype holding strings only: tf.keras 2 fed it to a
    model taking strings, Keras 3 reads its dtype and refuses it ("Invalid dtype: object"), and
    takes its ``to_numpy()``, the same strings in an ``object`` NumPy array."""
    pandas = sys.modules.get("pandas")
    if pandas is None or not isinstance(value, (pandas.Series, pandas.DataFrame)):
        return False
    dtypes = list(value.dtypes) if isinstance(value, pandas.DataFrame) else [value.dtype]
    if not value.size or value.size > OBJECT_LIMIT or any(d.kind != "O" for d in dtypes):
        return False
    return all(isinstance(v, str) for v in value.to_numpy().flat)
