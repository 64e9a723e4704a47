"""Error rule: a function of the user's that Keras calls (an initializer, a regularizer, a loss)
with a keyword the Keras it was written for did not pass (``dtype=`` to an initializer since
Keras 2): the function takes the keyword, with ``None`` as its default, where it is defined (this
cell or an earlier one)."""

from __future__ import annotations

import ast
import re
from dataclasses import replace

from kerasmagic.diagnosis import live
from kerasmagic.diagnosis.context import ERROR, CellContext
from kerasmagic.diagnosis.problem import Problem, from_entry
from kerasmagic.diagnosis.provenance import cells
from kerasmagic.diagnosis.rewrite import (
    Edit,
    ParsedCell,
    apply_edits,
    insertion_line,
    node_edit,
    node_text,
    parse_cell,
    walk,
)
from kerasmagic.diagnosis.rules import rule

UNEXPECTED = re.compile(r"^(?:\w+\.)*(\w+)\(\) got an unexpected keyword argument '(\w+)'$")


@rule(
    "user-callable-new-keyword",
    when=(ERROR,),
    family="keyword-arguments",
    errors=("TypeError",),
)
def user_callable_new_keyword(ctx: CellContext) -> list[Problem]:
    """``def init(shape, name=None)`` given as ``kernel_initializer=init``: Keras calls it with
    ``dtype=``. Only where the call that raised is Keras's own code and the function is defined,
    in this cell or an earlier one, with a plain signature (no ``*args``, keyword-only arguments
    or ``**kwargs``). Defined earlier: the corrected cell defines it again at its top (what the
    kernel runs), ``migrate`` changes the earlier cell instead (``Problem.across``)."""
    found = UNEXPECTED.match(ctx.message.strip())
    if found is None or ctx.cell.tree is None or not _raised_in_keras(ctx.exc):
        return []
    function, keyword = found.groups()
    for index, parsed in cells(ctx):
        node = _definition(parsed, function, index is None)
        if node is None:
            continue
        edit = _parameter_edit(parsed, node, keyword)
        if edit is None:
            return []
        edits, across = [edit], None
        if index is not None:  # an earlier cell's function: the kernel must see it again
            if not _is_that_function((ctx.namespace or {}).get(function), node):
                return []
            text = _changed_definition(parsed, node, replace(edit, cell=index), index)
            if text is None:
                return []
            line = insertion_line(ctx.cell)
            edits, across = [Edit(line, 0, line, 0, text)], [replace(edit, cell=index)]
        problem = from_entry(
            "user-callable-new-keyword",
            ctx.line or node.lineno,
            edits,
            [function, keyword],
            ctx.shown_versions,
            function=function,
            keyword=keyword,
        )
        problem.across = across
        return [problem]
    return []


def _definition(parsed: ParsedCell, function: str, here: bool) -> ast.FunctionDef | None:
    """The cell's ``def function`` (an earlier cell's: at its top level, undecorated)."""
    if parsed.tree is None:
        return None
    nodes = walk(parsed.tree) if here else parsed.tree.body
    for node in nodes:
        if isinstance(node, ast.FunctionDef) and node.name == function:
            return node if here or not node.decorator_list else None
    return None


def _parameter_edit(parsed: ParsedCell, node: ast.FunctionDef, keyword: str) -> Edit | None:
    """``, keyword=None`` after the last parameter of a plain signature that lacks it."""
    args = node.args
    if args.vararg or args.kwarg or args.kwonlyargs or not args.args:
        return None
    if keyword in {a.arg for a in [*args.posonlyargs, *args.args]}:
        return None
    last = args.defaults[-1] if args.defaults else args.args[-1]
    end = node_edit(parsed, last, "")
    if end is None:
        return None
    return Edit(end.end_line, end.end_col, end.end_line, end.end_col, f", {keyword}=None")


def _is_that_function(value: object, node: ast.FunctionDef) -> bool:
    """The kernel's ``value`` is the function the earlier cell defines (same parameters)."""
    code = getattr(value, "__code__", None)
    if code is None:
        return False
    names = [a.arg for a in [*node.args.posonlyargs, *node.args.args]]
    return list(code.co_varnames[: code.co_argcount]) == names


def _changed_definition(parsed: ParsedCell, node: ast.FunctionDef, edit: Edit, index: int) -> str | None:  # fmt: skip
    """The earlier cell's ``def`` with ``edit`` made, as text for the top of this cell."""
    changed = parse_cell(apply_edits(parsed.source, [edit], cell=index))
    again = _definition(changed, node.name, False) if changed.tree is not None else None
    text = node_text(changed, again) if again is not None else None
    if text is None or again is None or again.col_offset:
        return None
    return text.rstrip("\n") + "\n"


def _raised_in_keras(exc: BaseException | None) -> bool:
    """Was the rejected call made by a Keras/TF module (the last frame of the traceback)?"""
    tb = getattr(exc, "__traceback__", None)
    last = None
    while tb is not None:
        last = tb
        tb = tb.tb_next
    if last is None:
        return False
    module = str(last.tb_frame.f_globals.get("__name__", ""))
    return module.split(".")[0] in live.KERAS_TOPS
