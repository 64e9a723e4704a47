"""A keyword its callable's own documentation says was renamed.

Old notebooks stop on keywords that a library renamed under them, Keras's neighbours included:
scikit-learn 1.4 removed ``OneHotEncoder(sparse=)``, whose docstring here says "`sparse` was
renamed to `sparse_output`". When a call fails on a keyword the callable does not take, the live
callable's docstring is the evidence: a sentence naming the keyword as renamed to a name the live
signature accepts. The value is kept as written (a rename means the same thing). Where the
library removed the old name from its documentation too (NumPy 2.4's ``np.reshape(newshape=)``),
its release notes are the evidence, kept in the catalogue (``released-keyword-rename``). A
keyword a callable passes on may be refused further in (Matplotlib's ``hist(normed=)``: "Rectangle.set()
got an unexpected keyword argument", an AttributeError): the call of the cell that wrote it is the
one rewritten.
"""

from __future__ import annotations

import ast
import inspect
import re
import sys
from typing import Any

from kerasmagic.diagnosis import live
from kerasmagic.diagnosis.bindings import rename_keyword_edit
from kerasmagic.diagnosis.context import ERROR, CellContext
from kerasmagic.diagnosis.library_objects import object_key
from kerasmagic.diagnosis.problem import Problem, from_entry
from kerasmagic.diagnosis.rules import rule
from kerasmagic.diagnosis.rules.error_calls import rejected_keyword_calls
from kerasmagic.knowledge.catalogue import entries_with_rule

ENTRY = "documented-keyword-rename"
RELEASED = "released-keyword-rename"
# How documentation states a rename (numpydoc / Sphinx: single or double backquotes, or none)
RENAMED = (
    r"`*{old}`*\s+(?:was|is|has\s+been)\s+renamed\s+to\s+`*(\w+)`*",
    r"renamed\s+from\s+`*{old}`*\s+to\s+`*(\w+)`*",
    r"`*{old}`*\s+(?:was|is|has\s+been)\s+deprecated\s+in\s+favou?r\s+of\s+`*(\w+)`*",
)


def _documented_new_name(obj: Any, old: str) -> tuple[str, str] | None:
    """``(new name, the sentence saying so)`` from the docstrings of ``obj`` (and of its
    ``__init__`` for a class), or None."""
    texts = [inspect.getdoc(obj) or ""]
    if isinstance(obj, type):
        texts.append(inspect.getdoc(obj.__init__) or "")
    for text in texts:
        flat = " ".join(text.split())
        for pattern in RENAMED:
            match = re.search(pattern.format(old=re.escape(old)), flat)
            if match and match.group(1) != old:
                return match.group(1), match.group(0)
    return None


def _library_callable(ctx: CellContext, func: ast.expr) -> tuple[Any, str] | None:
    """The live library object a call names (any package: a user's own function is left out,
    it can be changed in place and its docstring is not a library's word)."""
    found = ctx.scope.callee(func)
    if found is None and isinstance(func, ast.Name):
        value = (ctx.namespace or {}).get(func.id)
        if value is not None:
            found = (value, func.id)
    if found is None and isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name):
        # a method of an object the kernel holds (`ax.hist` of `fig, ax = plt.subplots()`):
        # read from its class, so no property of the instance runs
        held = (ctx.namespace or {}).get(func.value.id)
        method = inspect.getattr_static(type(held), func.attr, None) if held is not None else None
        if inspect.isfunction(method):
            found = (method, f"{func.value.id}.{func.attr}")
    if found is None or not callable(found[0]):
        return None
    module = getattr(found[0], "__module__", None)
    if not isinstance(module, str) or module.split(".")[0] in ("__main__", "builtins"):
        return None
    return found


@rule(ENTRY, when=(ERROR,), family="keyword-arguments", errors=("TypeError", "ValueError", "AttributeError"))  # fmt: skip
def documented_rename(ctx: CellContext) -> list[Problem]:
    """``OneHotEncoder(sparse=False)`` → ``OneHotEncoder(sparse_output=False)``."""
    for call, kw in rejected_keyword_calls(ctx):
        old = kw.arg or ""
        found = _library_callable(ctx, call.func)
        if found is None:
            continue
        obj, path = found
        documented = _documented_new_name(obj, old)
        released = _released_new_name(obj, old) if documented is None else None
        params = live.parameters(obj)
        new = (documented or released or (None, None))[0]
        if new is None or params is None:
            continue
        if new not in params[0] or new in {k.arg for k in call.keywords}:
            continue
        edit = rename_keyword_edit(ctx.cell, kw, new)
        if edit is None:
            continue
        name = path.rsplit(".", 1)[-1]
        if documented is not None:
            return [from_entry(ENTRY, kw.lineno, [edit], [old, name], old=old, new=new,
                               callable=name, sentence=documented[1])]  # fmt: skip
        library, version = released[1]  # type: ignore[index]
        return [from_entry(released[2], kw.lineno, [edit], [old, name], old=old, new=new,  # type: ignore[index]
                           callable=name, library=library, version=version)]  # fmt: skip
    return []


def _released_new_name(obj: Any, old: str) -> tuple[str, tuple[str, str], str] | None:
    """``(new name, (library, its version here), entry id)`` from the catalogue's tables of
    keywords a library's release notes renamed (``numpy.reshape``'s ``newshape=``; one entry per
    library and its notes, ``rule = "released-keyword-rename"``), where the live docstring no
    longer says so; None when no table has such a rename."""
    key = object_key(obj)
    top = (key or "").split(".")[0]
    for entry in entries_with_rule(RELEASED) if key else []:
        new = entry.data.get("renames", {}).get(key, {}).get(old)
        if new:
            version = getattr(sys.modules.get(top), "__version__", "?")
            return new, (entry.data.get("library", top), version), entry.id
    return None
