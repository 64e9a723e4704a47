"""Error rule: a function of the user's that Keras calls (an initializer, a regularizer, a loss)
with a keyword the Keras it was written for did not pass (``dtype=`` to an initializer since
Keras 2): the function takes the keyword, with ``None`` as its default, where it is defined (this
cell or an earlier one)."""

from __future__ import annotations

import ast
import re

from kerasmagic.diagnosis import live
from kerasmagic.diagnosis.context import ERROR, CellContext
from kerasmagic.diagnosis.problem import Problem, from_entry
from kerasmagic.diagnosis.provenance import cells
from kerasmagic.diagnosis.redefine import definition, placed
from kerasmagic.diagnosis.rewrite import Edit, ParsedCell, node_edit
from kerasmagic.diagnosis.rules import rule

UNEXPECTED = re.compile(r"^(?:[\w<>]+\.)*(\w+)\(\) got an unexpected keyword argument '(\w+)'$")


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
        node = definition(parsed, function, index is None)
        if node is None:
            continue
        edit = _parameter_edit(parsed, node, keyword)
        if edit is None:
            return []
        moved = placed(ctx.cell, ctx.namespace, parsed, node, [edit], index)
        if moved is None:  # an earlier cell's function the kernel does not hold as defined
            return []
        edits, across = moved
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
