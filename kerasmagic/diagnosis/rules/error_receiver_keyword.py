"""Error rule: a method given its own receiver again as a keyword the library now passes itself.

Keras-2-era plotting code passed the axes a method was called on as an artist property as well
(``ax[0].plot(loss, axes=ax[0])``); Matplotlib then sent that keyword to the line it drew. Since
Matplotlib 3.8, ``Axes.plot`` passes the axes by position to the helper that reads its arguments,
so the keyword is the same argument a second time: "_process_plot_var_args.__call__() got
multiple values for argument 'axes'". The same happens to any method whose library forwards the
receiver under the name the caller also gives.

Evidence: the message names the argument; a call on the failing line passes that keyword, and its
value is written as the call's receiver is, an expression that reads and calls nothing (names,
attributes, constant indexes), so both are the same object. The keyword is dropped: the library
already passes exactly that object.
"""

from __future__ import annotations

import ast
import re

from kerasmagic.diagnosis.context import ERROR, CellContext
from kerasmagic.diagnosis.member_values import reads_only
from kerasmagic.diagnosis.problem import Problem, from_entry
from kerasmagic.diagnosis.rewrite import delete_keyword_edit, node_text, walk
from kerasmagic.diagnosis.rules import rule

ENTRY = "keyword-repeats-receiver"
MESSAGE = re.compile(r"(?P<callee>[\w.]+)\(\) got multiple values for argument '(?P<arg>\w+)'")


@rule(ENTRY, when=(ERROR,), family="removed-apis", errors=("TypeError",))
def keyword_repeats_receiver(ctx: CellContext) -> list[Problem]:
    """Each call of the failing lines that passes its receiver again under the argument the
    message names loses that keyword."""
    found = MESSAGE.search(ctx.message)
    tree = ctx.cell.tree
    if found is None or tree is None:
        return []
    argument = found["arg"]
    problems: list[Problem] = []
    for call in walk(tree):
        if not (isinstance(call, ast.Call) and call.lineno in ctx.failing_lines):
            continue
        if not isinstance(call.func, ast.Attribute) or not reads_only(call.func.value):
            continue
        keyword = next((k for k in call.keywords if k.arg == argument), None)
        if keyword is None or ast.dump(keyword.value) != ast.dump(call.func.value):
            continue
        edit = delete_keyword_edit(ctx.cell, call, keyword)
        receiver = node_text(ctx.cell, call.func.value)
        if edit is not None and receiver is not None:
            problems.append(
                from_entry(
                    ENTRY,
                    call.lineno,
                    [edit],
                    [argument],
                    ctx.shown_versions,
                    argument=argument,
                    receiver=receiver,
                    method=call.func.attr,
                )  # fmt: skip
            )
    return problems
