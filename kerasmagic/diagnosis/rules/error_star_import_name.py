"""Error rule: a name a star import of a Keras module gave under Keras 2 and gives no more.

``from keras.losses import *`` then ``loss=mse``, ``from keras.optimizers import *`` then
``rmsprop(lr=…)``: under Keras 3 the star import runs and the name is simply not there
("NameError: name 'mse' is not defined"). The name is looked up as an import of it from that
module would be (``name_homes.locate``: the module it moved to, its new name, the target of a
Keras 2 alias, tf.keras's legacy copy, a near name whose signature takes the calls' keywords)
and imported at the top of the cell, under the name the code reads. The star import may be in
this cell or an earlier one (the newest first); the module must be importable here.
"""

from __future__ import annotations

import ast
import re

from kerasmagic.diagnosis import live
from kerasmagic.diagnosis.context import ERROR, CellContext
from kerasmagic.diagnosis.frames import looked_up_here
from kerasmagic.diagnosis.name_homes import locate
from kerasmagic.diagnosis.problem import Problem, from_entry
from kerasmagic.diagnosis.provenance import parsed_source
from kerasmagic.diagnosis.rewrite import Edit, insertion_line, walk
from kerasmagic.diagnosis.rules import rule

ENTRY = "star-import-name-gone"
NOT_DEFINED = re.compile(r"name '([A-Za-z_]\w*)' is not defined")


@rule(ENTRY, when=(ERROR,), family="imports", errors=("NameError",))
def star_import_name(ctx: CellContext) -> list[Problem]:
    """The missing name imported from where it lives now, for the newest star import of a
    Keras module that does not give it."""
    found = NOT_DEFINED.search(ctx.message)
    if found is None or ctx.cell.tree is None or not looked_up_here(ctx.exc, ctx.namespace, ctx.filename):
        return []  # a module's code raised: the cell's import would not bind its name
    name = found.group(1)
    for module in _star_modules(ctx):
        status, obj = live.module_status(module)
        if status != live.OK or live.has_attr(obj, module, name):
            continue  # not importable here, or it does give the name (bound another way)
        home = locate(ctx, module, name)
        if home is None:
            continue
        new_module, new_name, _entry = home
        alias = f" as {name}" if new_name != name else ""
        at = insertion_line(ctx.cell)
        edit = Edit(at, 0, at, 0, f"from {new_module} import {new_name}{alias}\n")
        return [from_entry(ENTRY, ctx.line or at, [edit], [name, module], ctx.shown_versions, name=name,
                           module=module, home=f"{new_module}.{new_name}", keras=ctx.versions.get("keras", "3"))]  # fmt: skip
    return []


def _star_modules(ctx: CellContext) -> list[str]:
    """The Keras modules the cell and the earlier cells import ``*`` from, the newest first."""
    trees = [ctx.cell.tree, *(parsed_source(s).tree for s in reversed(ctx.earlier))]
    out: list[str] = []
    for tree in trees:
        stars = [
            n.module
            for n in walk(tree) if tree is not None
            if isinstance(n, ast.ImportFrom) and n.module and not n.level
            and any(a.name == "*" for a in n.names) and n.module.split(".")[0] in live.KERAS_TOPS
        ]  # fmt: skip
        out += [m for m in reversed(stars) if m not in out]
    return out
