"""Error rule: a layer or model class of the user's that Keras rebuilds from its config (loading a
saved model, ``clone_model``, ``from_config``) and whose ``__init__`` takes no ``**kwargs``.

Keras 3 rebuilds such a class with ``cls(**config)``, and the config always holds the base keys
every layer's ``get_config`` writes (``name``, ``trainable``, ``dtype``), so a constructor that
names only its own arguments refuses them ("CNN.__init__() got an unexpected keyword argument
'trainable'"). Keras 2 loaded a subclassed model from a SavedModel folder without calling its
constructor. The base keys are the ``Layer`` constructor's own: the corrected class takes
``**kwargs`` and passes them on to ``super().__init__``, which sets exactly what the loaded model
was saved with. Evidence: the message names the class and one of the base keys; the class is
defined in the cell (or the user's module being diagnosed) and, live, is a Keras layer or model.
"""

from __future__ import annotations

import ast
import re
from typing import Any

from kerasmagic.diagnosis import live
from kerasmagic.diagnosis.context import ERROR, CellContext
from kerasmagic.diagnosis.problem import Problem, from_entry
from kerasmagic.diagnosis.rewrite import Edit, node_edit, node_text, walk
from kerasmagic.diagnosis.rules import rule
from kerasmagic.diagnosis.rules.error_super_init import _is_super_init

ENTRY = "keras3-config-init-kwargs"
UNEXPECTED = re.compile(r"(?P<cls>\w+)\.__init__\(\) got an unexpected keyword argument '(?P<key>\w+)'")  # fmt: skip
BASE_KEYS = ("name", "trainable", "dtype")


@rule(ENTRY, when=(ERROR,), family="saving", errors=("TypeError",))
def config_init_kwargs(ctx: CellContext) -> list[Problem]:
    """The class the message names, defined here, gets ``**kwargs`` in its ``__init__`` and passes
    them to its ``super().__init__`` call."""
    found = UNEXPECTED.search(ctx.message)
    tree = ctx.cell.tree
    if found is None or found["key"] not in BASE_KEYS or tree is None:
        return []
    name = found["cls"]
    if not live.is_layer_class((ctx.namespace or {}).get(name)):
        return []
    for node in walk(tree):
        if isinstance(node, ast.ClassDef) and node.name == name:
            edits = _kwargs_edits(ctx, node)
            if edits:
                return [from_entry(ENTRY, node.lineno, edits, [name], ctx.shown_versions,
                                   cls=name, key=found["key"])]  # fmt: skip
    return []


def _kwargs_edits(ctx: CellContext, cls: ast.ClassDef) -> list[Edit] | None:
    """``**kwargs`` added to the class's ``__init__`` and to its one ``super().__init__`` call;
    None when either is missing or already takes them."""
    init = next((s for s in cls.body if isinstance(s, ast.FunctionDef) and s.name == "__init__"), None)  # fmt: skip
    if init is None or init.args.kwarg is not None:
        return None
    calls = [n for n in ast.walk(init) if _is_super_init(n)]
    if len(calls) != 1 or any(k.arg is None for k in calls[0].keywords):
        return None
    signature = _after_last(ctx, [*init.args.posonlyargs, *init.args.args, init.args.vararg,
                                  *init.args.kwonlyargs, *init.args.defaults, *init.args.kw_defaults])  # fmt: skip
    call = calls[0]
    if call.args or call.keywords:
        passed = _after_last(ctx, [*call.args, *call.keywords])
    else:
        text = node_text(ctx.cell, call)
        passed = node_edit(ctx.cell, call, text[:-1] + "**kwargs)") if text and text.endswith("()") else None  # fmt: skip
    if signature is None or passed is None:
        return None
    return [signature, passed]


def _after_last(ctx: CellContext, nodes: list[Any]) -> Edit | None:
    """An edit writing ``, **kwargs`` after the last of ``nodes`` in the source."""
    present = [n for n in nodes if n is not None and hasattr(n, "end_lineno")]
    if not present:
        return None
    last = max(present, key=lambda n: (n.end_lineno, n.end_col_offset))
    text = node_text(ctx.cell, last)
    return node_edit(ctx.cell, last, f"{text}, **kwargs") if text and "\n" not in text else None
