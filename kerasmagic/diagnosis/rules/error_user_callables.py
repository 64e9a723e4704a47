"""Error rule: a function of the user's that Keras calls (an initializer, a regularizer, a loss)
with a keyword the Keras it was written for did not pass (``dtype=`` to an initializer since
Keras 2): the function takes the keyword, with ``None`` as its default."""

from __future__ import annotations

import ast
import re

from kerasmagic.diagnosis import live
from kerasmagic.diagnosis.context import ERROR, CellContext
from kerasmagic.diagnosis.problem import Problem, from_entry
from kerasmagic.diagnosis.rewrite import Edit, node_edit, walk
from kerasmagic.diagnosis.rules import rule

UNEXPECTED = re.compile(r"^(?:\w+\.)*(\w+)\(\) got an unexpected keyword argument '(\w+)'$")


@rule(
    "user-callable-new-keyword",
    when=(ERROR,),
    family="keyword-arguments",
    needs="def ",
    errors=("TypeError",),
)
def user_callable_new_keyword(ctx: CellContext) -> list[Problem]:
    """``def init(shape, name=None)`` given as ``kernel_initializer=init``: Keras calls it with
    ``dtype=``. Only where the call that raised is Keras's own code and the function is defined in
    this cell with a plain signature (no ``*args``, keyword-only arguments or ``**kwargs``)."""
    found = UNEXPECTED.match(ctx.message.strip())
    if found is None or ctx.cell.tree is None or not _raised_in_keras(ctx.exc):
        return []
    function, keyword = found.groups()
    for node in walk(ctx.cell.tree):
        if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) or node.name != function:
            continue
        args = node.args
        if args.vararg or args.kwarg or args.kwonlyargs or not args.args:
            return []
        if keyword in {a.arg for a in [*args.posonlyargs, *args.args]}:
            return []
        last = args.defaults[-1] if args.defaults else args.args[-1]
        end = node_edit(ctx.cell, last, "")
        if end is None:
            return []
        edit = Edit(end.end_line, end.end_col, end.end_line, end.end_col, f", {keyword}=None")
        return [
            from_entry(
                "user-callable-new-keyword",
                node.lineno,
                [edit],
                [function, keyword],
                ctx.shown_versions,
                function=function,
                keyword=keyword,
            )
        ]
    return []


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
