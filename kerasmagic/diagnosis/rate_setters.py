"""Where the code sets an optimizer's learning rate while it trains.

The decay fixes (``rules/calls.py`` for the error, ``rules/trap_optimizers.py`` for Keras 3's silent
drop) keep ``decay=`` as an ``InverseTimeDecay`` schedule. Keras 3 refuses to set the learning rate
of an optimizer built with a schedule ("its learning rate is not settable"), so a schedule written
into code whose callbacks or statements set the rate trades a warning for a TypeError later in the
run. What sets it is data (catalogue entry ``optimizer-decay-and-rate-setter``): Keras's callbacks
that assign ``optimizer.learning_rate``, an assignment to an optimizer's ``lr`` or
``learning_rate``, and ``set_value`` of either. The cell and the cells run before it are read.
"""

from __future__ import annotations

import ast

from kerasmagic.diagnosis.context import CellContext
from kerasmagic.diagnosis.provenance import cells, parsed_source
from kerasmagic.diagnosis.rewrite import called_name, node_text
from kerasmagic.knowledge.catalogue import entry as catalogue_entry

ENTRY_ID = "optimizer-decay-and-rate-setter"


def _sets_rate(node: ast.AST, callbacks: set[str], attributes: set[str]) -> ast.AST | None:
    """The node that sets a learning rate, if ``node`` is one."""
    if isinstance(node, ast.Call):
        name = called_name(node.func)
        if name in callbacks:
            return node
        first = node.args[0] if node.args else None
        if name == "set_value" and isinstance(first, ast.Attribute) and first.attr in attributes:
            return node
    targets: list[ast.expr] = []
    if isinstance(node, ast.Assign):
        targets = node.targets
    elif isinstance(node, (ast.AugAssign, ast.AnnAssign)):
        targets = [node.target]
    for target in targets:
        if isinstance(target, ast.Attribute) and target.attr in attributes:
            return node
    return None


def rate_setter(ctx: CellContext) -> str | None:
    """The code (as written, first line) that sets a learning rate during training, in this cell,
    an earlier one or (``migrate``, which holds them) a later one; None when nothing does."""
    data = catalogue_entry(ENTRY_ID).data
    callbacks, attributes = set(data["callbacks"]), set(data["attributes"])
    later = [parsed_source(source) for source in ctx.later]
    for parsed in [parsed for _, parsed in cells(ctx)] + later:
        if parsed.tree is None:
            continue
        for node in ast.walk(parsed.tree):
            found = _sets_rate(node, callbacks, attributes)
            if found is not None:
                text = node_text(parsed, found) or ""
                return text.splitlines()[0] if text else "a statement that sets it"
    return None
