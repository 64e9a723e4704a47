"""Error rule: a layer or model class of the user's that Keras 3 cannot write a config for.

Keras 2 saved a subclassed model to a SavedModel folder without asking for its constructor's
arguments, and loaded it back as a revived model. Keras 3 writes every object's config into a
``.keras`` file and rebuilds it with ``cls(**config)``. It generates that config only from
arguments it saw at construction, and a ``Model`` subclass never shows them (``Model.__new__``
passes no arguments on; measured, Keras 3.15), as a layer given anything but plain values does
not. So ``save`` stops: "Object ResidualRegressor was created by passing non-serializable argument
values in `__init__()` … Please implement `get_config()`".

The message is the evidence: it names the class. The class is defined in the cell (or an earlier
one: the catalogue's ``earlier_cell``), is a live Keras layer or model, has no ``get_config`` and
takes named arguments, no ``*args``. The corrected class gets what Keras asks for: a
``get_config`` that returns the base config and each argument of ``__init__``. It reads an
argument from the attribute ``__init__`` already stores it in (``self.units = units``); an argument
that is not stored is stored after ``super().__init__(…)``, under its own name, where no base
class has that name. When the live object that raised holds a stored value that Keras cannot
write back as it was given (not a number, string, bool, None, or a list, tuple or dict of them),
the rule proposes nothing.
"""

from __future__ import annotations

import ast
import re
from typing import Any

from kerasmagic.diagnosis import live
from kerasmagic.diagnosis.context import ERROR, CellContext
from kerasmagic.diagnosis.frames import traceback_frames
from kerasmagic.diagnosis.indentation import indent_of
from kerasmagic.diagnosis.problem import Problem, from_entry
from kerasmagic.diagnosis.rewrite import Edit, ParsedCell, walk
from kerasmagic.diagnosis.rules import rule
from kerasmagic.diagnosis.rules.error_super_init import _is_super_init

ENTRY = "keras3-subclass-get-config"
MESSAGE = re.compile(
    r"Object (?P<cls>\w+) was created by passing\s+non-serializable argument values"
)
PLAIN = (str, int, float, bool, type(None))


@rule(ENTRY, when=(ERROR,), family="saving", errors=("NotImplementedError",))
def subclass_get_config(ctx: CellContext) -> list[Problem]:
    """The class the message names, defined here, gets a ``get_config`` of its arguments."""
    found = MESSAGE.search(ctx.message)
    tree = ctx.cell.tree
    if found is None or tree is None:
        return []
    name = found["cls"]
    live_class = (ctx.namespace or {}).get(name)
    if not live.is_layer_class(live_class):
        return []
    for node in walk(tree):
        if isinstance(node, ast.ClassDef) and node.name == name:
            edits = _config_edits(ctx.cell, node, live_class, _raising_object(ctx, live_class))
            if edits:
                problem = from_entry(ENTRY, node.lineno, edits, [name], ctx.shown_versions, cls=name)  # fmt: skip
                problem.raised_it = True  # the message names the class: its missing method raised
                return [problem]
    return []


def _raising_object(ctx: CellContext, live_class: type) -> Any:
    """The object whose ``get_config`` raised: the ``self`` of a traceback frame, of that class."""
    for frame in reversed(traceback_frames(ctx.wrapped or ctx.exc)):
        candidate = frame.f_locals.get("self")
        if isinstance(candidate, live_class):
            return candidate
    return None


def _config_edits(cell: ParsedCell, cls: ast.ClassDef, live_class: type, instance: Any) -> list[Edit] | None:
    """The stores of arguments ``__init__`` does not keep, and the ``get_config`` after the class's
    last statement; None when the class cannot get one as the module docstring says."""
    methods = {s.name: s for s in cls.body if isinstance(s, ast.FunctionDef)}
    init = methods.get("__init__")
    if init is None or "get_config" in methods or init.args.vararg is not None:
        return None
    arguments = [a.arg for a in [*init.args.posonlyargs, *init.args.args, *init.args.kwonlyargs][1:]]  # fmt: skip
    if not arguments:
        return None
    stored = _stored(init)
    super_call = next((s for s in init.body if isinstance(s, ast.Expr) and _is_super_init(s.value)), None)  # fmt: skip
    assigned = {t.attr for n in walk(cls) for t in _self_targets(n)}
    edits: list[Edit] = []
    entries: list[str] = []
    for argument in arguments:
        attribute = stored.get(argument)
        if attribute is None:
            taken = argument in assigned or any(hasattr(base, argument) for base in live_class.__mro__[1:])  # fmt: skip
            if super_call is None or taken:
                return None
            line = (super_call.end_lineno or super_call.lineno) + 1
            edits.append(Edit(line, 0, line, 0, f"{indent_of(cell, super_call)}self.{argument} = {argument}\n"))  # fmt: skip
            attribute = argument
        elif instance is not None and not _plain(getattr(instance, attribute, None)):
            return None
        entries.append(f'"{argument}": self.{attribute}')
    indent = indent_of(cell, cls.body[0])
    line = (cls.end_lineno or cls.lineno) + 1
    method = (
        f"\n{indent}def get_config(self):\n"
        f"{indent}    return {{**super().get_config(), {', '.join(entries)}}}\n"
    )
    return [*edits, Edit(line, 0, line, 0, method)]


def _stored(init: ast.FunctionDef) -> dict[str, str]:
    """Argument → the attribute a top-level ``self.<attribute> = <argument>`` of ``__init__`` sets."""
    stored: dict[str, str] = {}
    for statement in init.body:
        if isinstance(statement, ast.Assign) and isinstance(statement.value, ast.Name):
            for target in _self_targets(statement):
                stored.setdefault(statement.value.id, target.attr)
    return stored


def _self_targets(node: ast.AST) -> list[ast.Attribute]:
    targets = node.targets if isinstance(node, ast.Assign) else [getattr(node, "target", None)]
    return [
        t
        for t in targets
        if isinstance(t, ast.Attribute) and isinstance(t.value, ast.Name) and t.value.id == "self"
    ]


def _plain(value: Any) -> bool:
    """Can Keras write ``value`` into a config and give it back as it was?"""
    if isinstance(value, (list, tuple)):
        return all(_plain(v) for v in value)
    if isinstance(value, dict):
        return all(isinstance(k, str) and _plain(v) for k, v in value.items())
    return isinstance(value, PLAIN)
