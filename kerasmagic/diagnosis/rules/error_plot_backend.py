"""Error rule: ``matplotlib.use('TkAgg')`` after ``import keras``, in a kernel with no display.

Keras 3 imports ``matplotlib.pyplot`` when it is imported (where matplotlib is installed), so
matplotlib's backend is already running when a later line asks for a GUI one. Without a display
(Colab, a server, any headless kernel) ``matplotlib.use`` then raises "Cannot load backend
'TkAgg' which requires the 'tk' interactive framework, as 'headless' is currently running";
with Keras 2, which imported no pyplot, the same call only recorded the choice. The evidence is
the message and a live Keras module that imported the running pyplot (read from
``sys.modules``, in the order modules finished loading; nothing imported); where the code
imported pyplot before Keras, Keras 2 refused the switch too, and nothing is said. The call on
the failing lines whose callee is, live, ``matplotlib.use`` gets ``force=False``: matplotlib's
own way to switch where the backend can run and keep the running one where it cannot, so a
desktop still gets its window and a headless kernel draws as it did."""

from __future__ import annotations

import ast
import re
import sys

from kerasmagic.diagnosis.context import ERROR, CellContext
from kerasmagic.diagnosis.live import KERAS_TOPS
from kerasmagic.diagnosis.live_loops import live_value
from kerasmagic.diagnosis.problem import Problem, from_entry
from kerasmagic.diagnosis.rewrite import closing_insert_edit, walk
from kerasmagic.diagnosis.rules import rule

ENTRY = "keras3-pyplot-imported"
REFUSED = re.compile(
    r"Cannot load backend '(?P<backend>[^']+)' which requires the '(?P<framework>[^']+)' "
    r"interactive framework, as '(?P<running>[^']+)' is currently running"
)


@rule(ENTRY, when=(ERROR,), family="environment", errors=("ImportError",))
def gui_backend_refused(ctx: CellContext) -> list[Problem]:
    """``force=False`` on the failing line's ``matplotlib.use(GUI backend)``, where a Keras
    module imported the pyplot that is running."""
    found = REFUSED.search(ctx.message)
    pyplot = sys.modules.get("matplotlib.pyplot")
    matplotlib = sys.modules.get("matplotlib")
    if found is None or pyplot is None or matplotlib is None or ctx.cell.tree is None:
        return []
    importer = keras_module_holding(pyplot)
    if importer is None:
        return []  # the code imported pyplot itself: Keras 2 would have refused the switch too
    names = ctx.namespace or {}
    edits = []
    for node in walk(ctx.cell.tree):
        if not (isinstance(node, ast.Call) and node.lineno in ctx.failing_lines):
            continue
        if live_value(node.func, names) is not matplotlib.use or any(k.arg == "force" for k in node.keywords):  # fmt: skip
            continue
        edit = closing_insert_edit(ctx.cell, node, "force=False")
        if edit is not None:
            edits.append(edit)
    if not edits:
        return []
    problem = from_entry(ENTRY, ctx.line or edits[0].line, edits, ["use"], ctx.shown_versions,
                         backend=found["backend"], framework=found["framework"],
                         running=found["running"], importer=importer)  # fmt: skip
    problem.certain = True  # the backend cannot run here; force=False is matplotlib's own switch
    return [problem]


def keras_module_holding(pyplot: object) -> str | None:
    """The name of a Keras module that imported ``pyplot``: one that holds it, of a package
    whose loading began before pyplot was there (``sys.modules`` gets each module as its loading
    ends, so a package that brought pyplot has modules listed before it; one imported after the
    code's own pyplot has none), else None."""
    loaded = list(sys.modules.items())
    at = next((i for i, (_, module) in enumerate(loaded) if module is pyplot), len(loaded))
    earlier = {name.partition(".")[0] for name, _ in loaded[:at]}
    for name, module in loaded:
        top = name.partition(".")[0]
        if top in KERAS_TOPS and top in earlier and module is not None:
            if any(value is pyplot for value in list(vars(module).values())):
                return name
    return None
