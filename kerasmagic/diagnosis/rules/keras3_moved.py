"""Rules: classes Keras 3 removed in favour of a keyword of another class
(``layers.experimental.SyncBatchNormalization`` → ``layers.BatchNormalization(synchronized=True)``),
from the catalogue's ``class-keyword`` entries, where the live replacement takes the keyword; and NumPy integers where Keras 3 wants a Python
``int`` (``Dense(np.prod(shape))``)."""

from __future__ import annotations

import ast
import re

from kerasmagic.diagnosis import live
from kerasmagic.diagnosis.context import ERROR, STATIC, CellContext
from kerasmagic.diagnosis.keras3_support import call_argument, keras_class_calls, signature
from kerasmagic.diagnosis.live_loops import live_value
from kerasmagic.diagnosis.problem import Problem, from_entry
from kerasmagic.diagnosis.rewrite import Edit, closing_insert_edit, node_edit, node_text, walk
from kerasmagic.diagnosis.rules import rule
from kerasmagic.diagnosis.rules.error_super_init import _is_super_init
from kerasmagic.diagnosis.value_change import rewrite
from kerasmagic.diagnosis.value_transforms import wrap_transform
from kerasmagic.knowledge.catalogue import entries_with_rule, find_entry

ENTRY = "keras3-sync-batch-normalization"


def _dotted(node: ast.AST) -> list[str] | None:
    parts: list[str] = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name):
        return None
    return [node.id, *reversed(parts)]


def _keyword_edit(ctx: CellContext, call: ast.Call, keywords: dict[str, str]) -> Edit | None:
    """``, synchronized=True`` before the call's closing parenthesis (nothing if given)."""
    missing = {k: v for k, v in keywords.items() if k not in {kw.arg for kw in call.keywords}}
    text = ", ".join(f"{k}={v}" for k, v in missing.items())
    return closing_insert_edit(ctx.cell, call, text)


def _super_inits(cls: ast.ClassDef) -> list[ast.Call]:
    calls = []
    for item in cls.body:
        if isinstance(item, ast.FunctionDef) and item.name == "__init__":
            calls += [node for node in ast.walk(item) if _is_super_init(node)]
    return calls


@rule(ENTRY, when=(STATIC,), family="moved-names", needs="experimental")
def class_keyword(ctx: CellContext) -> list[Problem]:
    """A removed class used by its old path (called, or as a base class): the live replacement
    class with the keyword that selects the old behaviour."""
    tree = ctx.cell.tree
    if tree is None or "experimental" not in ctx.source:
        return []
    out: list[Problem] = []
    for entry in entries_with_rule("class-keyword"):
        for old, new in entry.data.get("replace", {}).items():
            out += _replace(ctx, tree, entry.id, old, new["class"], new.get("keywords", {}))
    return out


def _replace(ctx, tree, entry_id: str, old: str, new: str, keywords: dict) -> list[Problem]:
    old_parts = old.split(".")
    uses: list[tuple[ast.Attribute, ast.AST]] = []  # (the old path node, its call or class)
    for node in walk(tree):
        if isinstance(node, ast.Call):
            targets = [(node.func, node)]
        elif isinstance(node, ast.ClassDef):
            targets = [(b, node) for b in node.bases]
        else:
            continue
        for target, holder in targets:
            parts = _dotted(target)
            if (
                parts
                and isinstance(target, ast.Attribute)
                and parts[-len(old_parts) :] == old_parts
            ):
                uses.append((target, holder))
    problems: list[Problem] = []
    for target, holder in uses:
        head: ast.AST = target
        for _ in old_parts:
            head = head.value  # type: ignore[attr-defined]
        head_path = ctx.scope.callee(head) if isinstance(head, (ast.Name, ast.Attribute)) else None
        if head_path is None or live.resolve_path(f"{head_path[1]}.{old}")[0] == live.OK:
            continue  # the old class still exists here (or the root is unknown)
        status, klass = live.resolve_path(f"{head_path[1]}.{new}")
        sig = signature(klass) if status == live.OK else None
        if sig is None or any(k not in sig.parameters for k in keywords):
            continue
        head_text = node_text(ctx.cell, head)
        swap = node_edit(ctx.cell, target, f"{head_text}.{new}") if head_text else None
        calls = [holder] if isinstance(holder, ast.Call) else _super_inits(holder)
        extra = [_keyword_edit(ctx, c, keywords) for c in calls]
        if swap is None or not calls or any(e is None for e in extra):
            continue
        problems.append(
            from_entry(
                entry_id,
                target.lineno,
                [swap, *(e for e in extra if e is not None)],
                [old_parts[-1], "experimental"],
                ctx.shown_versions,
                keras=ctx.versions.get("keras", "3"),
            )
        )
    return problems


NUMPY_INT = re.compile(
    r"value for `(\w+)`, expected a positive integer|`(\w+)` must be a positive integer"
)


@rule("keras3-numpy-int-argument", when=(ERROR,), family="layer-arguments", errors=("ValueError",))
def numpy_int_argument(ctx: CellContext) -> list[Problem]:
    """``Dense(np.prod(shape))``: Keras 3 wants a Python ``int`` where NumPy returns
    ``np.int64``; every NumPy call the cell passes as that argument of a Keras class is
    wrapped in ``int(...)``."""
    match = NUMPY_INT.search(ctx.message)
    tree = ctx.cell.tree
    if match is None or tree is None:
        return []
    name = match.group(1) or match.group(2)
    entry = find_entry("keras3-numpy-int-argument")
    # the parameter the message names, and the other sizes Keras 3 checks the same way
    wanted = {name, *(entry.data.get("parameters", []) if entry is not None else [])}
    numpy_names = {n for n, path in ctx.scope.bindings.items() if path == "numpy"}
    edits: list[Edit] = []
    across: list[Edit] = []
    notes: list[str] = []
    for call, klass, _ in keras_class_calls(ctx):
        for param in sorted(wanted):
            value = call_argument(call, klass, param)
            func = value.func if isinstance(value, ast.Call) else None
            if isinstance(value, ast.Name) and _numpy_integer(ctx, value.id):
                # a count made cells earlier (`n_classes = y.max() + 1`): made an int where it
                # is made, so every use of the name gets the int
                change = rewrite(ctx, value, wrap_transform("int"))
                if change is not None:
                    edits += change.edits
                    across += change.across
                    notes.append(change.note)
                    continue
            numpy_call = isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name) and func.value.id in numpy_names  # fmt: skip
            # a value read where it is used: an attribute (``self.npixels``), a function's local
            # name; the live value decides, read in the frame that raised (nothing called)
            read = isinstance(value, (ast.Name, ast.Attribute)) and live.is_numpy_integer(live_value(value, ctx.live_names))  # fmt: skip
            if not (numpy_call or read):
                continue
            text = node_text(ctx.cell, value)
            edit = node_edit(ctx.cell, value, f"int({text})") if text else None
            if edit is not None:
                edits.append(edit)
                across.append(edit)
    if not edits:
        return []
    problem = from_entry(
        "keras3-numpy-int-argument",
        ctx.line or edits[0].line,
        list(dict.fromkeys(edits)),
        [name],
        ctx.shown_versions,
        name=name,
        keras=ctx.versions.get("keras", "3"),
    )
    problem.across = list(dict.fromkeys(across))
    problem.fix = " ".join([problem.fix, *dict.fromkeys(n for n in notes if n)])
    return [problem]


def _numpy_integer(ctx: CellContext, name: str) -> bool:
    """Does the live namespace hold a NumPy integer (``np.int64``, not a Python ``int``) under
    ``name``?"""
    return live.is_numpy_integer((ctx.namespace or {}).get(name))
