"""Error rule: a one-element NumPy array used as a Python number (``float(pred)``,
``'%.1f' % value``, ``'%d' % pred[i]``, ``math.exp(p)``, or stored as one element of an array, ``z[i, j] =
predict(x)``), where ``pred = model.predict(x)`` is ``(1, 1)`` or a row of it is ``(1,)``.

NumPy 1.25 deprecated converting an array with ``ndim > 0`` to a Python scalar (a warning, which
Keras-2-era code never saw) and NumPy 2.4 removed it: "only 0-dimensional arrays can be converted
to Python scalars". ``round(a)`` of such an array fails in every NumPy under Python 3 ("type
numpy.ndarray doesn't define __round__ method"; Python 2's ``round`` took ``float(a)``), the
rounding of each row of ``predict``'s ``(n, 1)`` that old tutorials print
(``[round(x) for x in predictions]``: the comprehension's element is read as the live array's
first row). The array's one number is ``.item()``, what the old conversion took. Evidence:
the error's message, and the live value of each name the failing line converts: an ``ndarray``
holding exactly one element (never a call's result, whose value is not read). Stored as one
element ("setting an array element with a sequence."): the live target is an ``ndarray`` and
the index picks one element of it; the value stored is a name holding a one-element array, or
an expression, whose one number ``numpy.asarray(...).item()`` takes (an array of several raises
there, as it did in every NumPy, and the run shows it)."""

from __future__ import annotations

import ast
import re
import sys

from kerasmagic.diagnosis.array_inputs import numpy_name
from kerasmagic.diagnosis.context import ERROR, CellContext, statement_lines
from kerasmagic.diagnosis.problem import Problem, from_entry
from kerasmagic.diagnosis.provenance import cells
from kerasmagic.diagnosis.redefine import definition, placed
from kerasmagic.diagnosis.rewrite import Edit, ParsedCell, node_edit, node_text, walk
from kerasmagic.diagnosis.rules import rule

ENTRY = "numpy-size-one-scalar"
ELEMENT_ENTRY = "numpy-size-one-element"
MESSAGE = "only 0-dimensional arrays can be converted to Python scalars"
ELEMENT_MESSAGE = "setting an array element with a sequence"
ROUND_MESSAGE = "doesn't define __round__ method"  # round() of an array with dimensions
# ``'%d' % a``: the integer conversions of %-formatting say it their own way (NumPy 2.4)
FORMAT_MESSAGE = re.compile(r"%[a-zA-Z] format: (a real number|an integer) is required, not numpy\.ndarray")  # fmt: skip
# the conversions of a %-format string, in order (``%%`` is none; ``*`` widths read a value too)
CONVERSION = re.compile(r"%(?:\([^)]*\))?[#0 +-]*(\*|\d+)?(?:\.(\*|\d+))?[hlL]?([a-zA-Z%])")
CONVERTERS = ("float", "int", "complex", "round")


@rule(ENTRY, when=(ERROR,), family="removed-apis", errors=("TypeError",))
def size_one_scalars(ctx: CellContext) -> list[Problem]:
    """Each name of the failing lines converted to a number whose live value is a one-element
    array of ``ndim > 0`` gets ``.item()``; so does the one value the failing statement converts
    (a call's result, ``float(model.predict(x))``), since NumPy's message says it is such an
    array. The failing lines are the cell's, or those of the function of the cell or an earlier
    one that raised (read with that call's local values; defined again at the top of the
    corrected cell, changed in its own cell for ``migrate``)."""
    numpy = sys.modules.get("numpy")
    said = any(m in ctx.message for m in (MESSAGE, ROUND_MESSAGE)) or FORMAT_MESSAGE.search(ctx.message)
    if not said or numpy is None or ctx.cell.tree is None:
        return []
    maths = {n for n, path in ctx.scope.bindings.items() if path == "math"}
    where = _raising_function(ctx)
    if where is None:
        parsed, index, node, line = ctx.cell, None, None, ctx.line
        names = {**(ctx.live_names or {})}
        lines = ctx.failing_lines
    else:
        parsed, index, node, line, local = where
        names = {**(ctx.live_names or {}), **local}
        lines = set(statement_lines(parsed.tree, line))
    tree = parsed.tree
    assert tree is not None
    names.update(_comprehension_elements(tree, lines, names, numpy))
    edits: list[Edit] = []
    converted: list[str] = []
    for place in _converted(tree, lines, maths):
        for part in _one_element_parts(place, names, numpy):
            _add_item(parsed, part, edits, converted)
    statement = set(statement_lines(tree, line)) if line is not None else set()
    single = _converted(tree, statement, maths)
    if not edits and MESSAGE in ctx.message and len(single) == 1:  # the message says what it is
        _add_item(parsed, _as_array(ctx, parsed, single[0]), edits, converted)
    if not edits:
        return []
    across = None
    if node is not None:
        moved = placed(ctx.cell, ctx.namespace, parsed, node, edits, index)
        if moved is None:
            return []
        edits, across = moved
    found = list(dict.fromkeys(converted))
    problem = from_entry(ENTRY, ctx.line or edits[0].line, edits, found, ctx.shown_versions,
                         name=found[0], numpy=getattr(numpy, "__version__", "2"))  # fmt: skip
    problem.across = across
    return [problem]


PREDICTS = ("predict", "predict_on_batch", "predict_proba")  # Keras's: a NumPy array


def _as_array(ctx: CellContext, parsed: ParsedCell, node: ast.expr) -> ast.expr | tuple[ast.expr, str] | None:  # fmt: skip
    """The converted value NumPy's message proves a one-element array (or a tensor NumPy read as
    one): a call of a Keras ``predict`` as it is; anything else read through ``np.asarray``
    (``(node, alias)``), where NumPy's name here is known; else None."""
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in PREDICTS:  # fmt: skip
        return node
    found = numpy_name(parsed, ctx.live_names)
    return (node, found[0]) if found is not None and not found[1] else None


def _add_item(parsed: ParsedCell, found: ast.expr | tuple[ast.expr, str] | None, edits: list[Edit], shown: list[str]) -> None:  # fmt: skip
    """``.item()`` on ``found`` (a node, or ``(node, numpy alias)``: ``alias.asarray(…).item()``)."""
    node, alias = found if isinstance(found, tuple) else (found, None)
    text = node_text(parsed, node) if node is not None else None
    if not text or node is None:
        return
    simple = isinstance(node, (ast.Name, ast.Attribute, ast.Subscript, ast.Call))
    new = f"{alias}.asarray({text}).item()" if alias else f"{text}.item()" if simple else f"({text}).item()"  # fmt: skip
    edit = node_edit(parsed, node, new)
    if edit is not None and edit not in edits:
        edits.append(edit)
        shown.append(text)


def _raising_function(ctx: CellContext) -> tuple[ParsedCell, int | None, ast.FunctionDef, int, dict] | None:  # fmt: skip
    """Where the error was raised in a function a cell defines (this one or an earlier one):
    ``(that cell, its index or None, the definition, the failing line in it, the call's
    locals)``; None when the last frame of the traceback is no such function."""
    tb, last = getattr(ctx.exc, "__traceback__", None), None
    while tb is not None:
        last, tb = tb, tb.tb_next
    if last is None:
        return None
    code = last.tb_frame.f_code
    for index, parsed in cells(ctx):
        node = definition(parsed, code.co_name, index is None)
        if isinstance(node, ast.FunctionDef) and _first_line(node) == code.co_firstlineno:
            line = last.tb_lineno
            if node.lineno <= line <= (node.end_lineno or node.lineno):
                return parsed, index, node, line, dict(last.tb_frame.f_locals)
    return None


def _first_line(node: ast.FunctionDef) -> int:
    return min([node.lineno, *(d.lineno for d in node.decorator_list)])


def _converted(tree: ast.AST, lines: set[int], maths: set[str]) -> list[ast.expr]:
    """The expressions the failing lines convert to a Python number: the argument of ``float``/
    ``int``/``complex`` or of a ``math`` function, a value %-formatted into a string as a number
    (not by ``%s``/``%r``/``%a``, which take any value as it is)."""
    out: list[ast.expr] = []
    for node in walk(tree):
        if getattr(node, "lineno", None) not in lines:
            continue
        if isinstance(node, ast.Call) and node.args and _number_function(node.func, maths):
            out += [a for a in node.args[:1] if not isinstance(a, ast.Starred)]
        elif isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mod) and _a_string(node.left):
            out += _formatted_as_numbers(node.left.value, node.right)  # type: ignore[attr-defined]
    return out


def _formatted_as_numbers(template: str, values: ast.expr) -> list[ast.expr]:
    """The values of ``template % values`` that a numeric conversion formats; every value when
    the template's conversions cannot be paired with them one to one."""
    given = values.elts if isinstance(values, ast.Tuple) else [values]
    kinds: list[str] = []
    for width, precision, kind in CONVERSION.findall(template):
        if kind != "%":
            kinds += ["*"] * ((width == "*") + (precision == "*")) + [kind]
    if len(kinds) != len(given) or any(isinstance(v, ast.Starred) for v in given):
        return list(given)
    return [v for v, kind in zip(given, kinds) if kind not in "sra"]


def _comprehension_elements(tree: ast.AST, lines: set[int], names: dict, numpy: object) -> dict:
    """The target of a comprehension of the failing lines over a live array (``[round(x) for x
    in predictions]``), held as the array's first element: what each element is like."""
    out: dict = {}
    for node in walk(tree):
        if isinstance(node, ast.comprehension) and getattr(node.iter, "lineno", None) in lines:
            array = _held(node.iter, names, numpy)
            if isinstance(node.target, ast.Name) and isinstance(array, numpy.ndarray) and array.ndim > 1 and len(array):  # type: ignore[attr-defined]  # fmt: skip
                out[node.target.id] = array[0]
    return out


def _one_element_parts(node: ast.expr, names: dict, numpy: object) -> list[ast.expr]:
    """The largest parts of ``node`` holding a one-element array of ``ndim > 0``: a name, or an
    index of one with integers, constant or live (``pred[0]``, ``pred[i]`` in a loop: NumPy's
    indexing, no code of the user's),
    found down through arithmetic (``100 * (1 - score)``); never a call's result."""
    value = _held(node, names, numpy)
    if isinstance(value, numpy.ndarray) and value.ndim > 0 and value.size == 1:  # type: ignore[attr-defined]
        return [node]
    if isinstance(node, ast.BinOp):
        return _one_element_parts(node.left, names, numpy) + _one_element_parts(node.right, names, numpy)  # fmt: skip
    if isinstance(node, ast.UnaryOp):
        return _one_element_parts(node.operand, names, numpy)
    return []


def _held(node: ast.expr, names: dict, numpy: object) -> object:
    if isinstance(node, ast.Name):
        return names.get(node.id)
    if not isinstance(node, ast.Subscript):
        return None
    owner = _held(node.value, names, numpy)
    index = [_an_index(i, names) for i in (node.slice.elts if isinstance(node.slice, ast.Tuple) else [node.slice])]  # fmt: skip
    if not isinstance(owner, numpy.ndarray) or None in index:  # type: ignore[attr-defined]
        return None
    try:
        return owner[tuple(index)]  # type: ignore[attr-defined]
    except Exception:
        return None


def _an_index(node: ast.expr, names: dict) -> int | None:
    """An integer index: a constant, or a name whose live value is an integer (a loop's
    variable, as it was when the line failed)."""
    value = node.value if isinstance(node, ast.Constant) else names.get(node.id) if isinstance(node, ast.Name) else None  # fmt: skip
    return value if type(value) is int else None


def _number_function(func: ast.AST, maths: set[str]) -> bool:
    """``float``/``int``/``complex``, or a function of the ``math`` module (bound as ``maths``)."""
    if isinstance(func, ast.Name):
        return func.id in CONVERTERS
    return isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name) and func.value.id in maths  # fmt: skip


def _a_string(node: ast.AST) -> bool:
    return isinstance(node, ast.Constant) and isinstance(node.value, str)


@rule(ELEMENT_ENTRY, when=(ERROR,), family="removed-apis", errors=("ValueError",))
def size_one_elements(ctx: CellContext) -> list[Problem]:
    """Each ``array[index] = value`` of the failing lines storing one element of a live array:
    the value's one number."""
    numpy = sys.modules.get("numpy")
    tree = ctx.cell.tree
    if ELEMENT_MESSAGE not in ctx.message or numpy is None or tree is None:
        return []
    names = ctx.live_names or {}
    aliases = sorted(n for n, path in ctx.scope.bindings.items() if path == "numpy")
    edits: list[Edit] = []
    shown: list[str] = []
    for node in walk(tree):
        if not (isinstance(node, ast.Assign) and node.lineno in ctx.failing_lines):
            continue
        target = node.targets[0] if len(node.targets) == 1 else None
        if not _one_element(target, names, numpy):
            continue
        value = node.value
        held = names.get(value.id) if isinstance(value, ast.Name) else None
        if isinstance(held, numpy.ndarray) and held.ndim > 0 and held.size == 1:
            text = f"{value.id}.item()"
        elif aliases and not isinstance(value, (ast.Constant, ast.Name)):
            inner = node_text(ctx.cell, value)
            text = f"{aliases[0]}.asarray({inner}).item()" if inner and "\n" not in inner else ""
        else:
            continue
        edit = node_edit(ctx.cell, value, text) if text else None
        if edit is not None:
            edits.append(edit)
            shown.append(node_text(ctx.cell, value) or "the value")
    if not edits:
        return []
    return [from_entry(ELEMENT_ENTRY, edits[0].line, edits, [], ctx.shown_versions, name=shown[0],
                       numpy=getattr(numpy, "__version__", "2"))]  # fmt: skip


def _one_element(target: ast.AST | None, names: dict, numpy: object) -> bool:
    """Is ``target`` ``NAME[index]`` picking one element of the live array ``NAME`` (an integer
    index per axis, no slice)?"""
    if not (isinstance(target, ast.Subscript) and isinstance(target.value, ast.Name)):
        return False
    array = names.get(target.value.id)
    if not isinstance(array, numpy.ndarray):  # type: ignore[attr-defined]
        return False
    index = target.slice.elts if isinstance(target.slice, ast.Tuple) else [target.slice]
    if any(isinstance(i, (ast.Slice, ast.Starred)) for i in index):
        return False
    return len(index) == array.ndim and array.dtype.kind in "biufc"
