"""Attribute chains through Keras modules (``keras.layers.merge.Concatenate``) that do not exist in
the live API, and where it has their targets: worked out once per context
(``CellContext.chain_fixes``), reported by the rule ``missing-attribute`` (rules/attributes.py) and
read by ``Scope.callee`` (a call through a broken chain calls the live object of its new path).
It imports no context (the context imports it): ``ctx`` is the ``CellContext``."""

from __future__ import annotations

import ast
import sys
import types
from dataclasses import dataclass, field
from typing import Any

from kerasmagic.diagnosis import live
from kerasmagic.diagnosis.keras_paths import (
    is_namespace,
    moved_module,
    private_home,
    rename_reason,
    renamed,
    root_of,
    same_keras,
)
from kerasmagic.diagnosis.name_homes import locate
from kerasmagic.diagnosis.problem import Problem, from_entry
from kerasmagic.diagnosis.rewrite import (
    Edit,
    insertion_line,
    node_edit,
    walk,
)
from kerasmagic.knowledge import api_index
from kerasmagic.knowledge.catalogue import entries_with_rule
from kerasmagic.probes.which_keras import kind_of_path


@dataclass
class ChainFixes:
    """The cell's broken attribute chains: their problems, and the live path of each chain (by
    the id of its node) that ``Scope.callee`` reads for a call through it."""

    problems: list[Problem] = field(default_factory=list)
    paths: dict[int, str] = field(default_factory=dict)
    error: BaseException | None = None  # a bug of its own: reported by the rule


def chain_fixes(ctx: Any) -> ChainFixes:
    """Every attribute chain of the cell through a Keras module that does not resolve here, and
    where the live API has its target."""
    fixes = ChainFixes()
    if ctx.cell.tree is not None:
        try:
            _attribute_chains(ctx, fixes)
        except Exception as exc:  # reported by the rule (rules/__init__: failures)
            fixes.error = exc
    return fixes


def _chains(ctx: Any) -> list[tuple[ast.Attribute, list[str]]]:
    inner = {id(n.value) for n in walk(ctx.cell.tree) if isinstance(n, ast.Attribute)}
    chains = []
    for node in walk(ctx.cell.tree):
        if not isinstance(node, ast.Attribute) or id(node) in inner:
            continue
        parts: list[str] = []
        cur: ast.AST = node
        while isinstance(cur, ast.Attribute):
            parts.append(cur.attr)
            cur = cur.value
        if isinstance(cur, ast.Name):
            parts.append(cur.id)
            chains.append((node, list(reversed(parts))))
    return chains


def _attribute_chains(ctx: Any, fixes: ChainFixes) -> None:
    for node, parts in _chains(ctx):
        base = parts[0]
        bound = ctx.scope.bindings.get(base)
        if bound is None or bound.split(".")[0] not in live.KERAS_TOPS:
            continue
        if bound.split(".")[0] not in sys.modules:
            continue
        status, obj = live.resolve_path(bound)
        if status != live.OK:
            continue
        path = bound
        for i, attr in enumerate(parts[1:], start=1):
            if not (live.is_keras_object(obj) and is_namespace(obj)):
                break
            if live.has_attr(obj, path, attr) and not moved_module(
                f"{path}.{attr}", forced_only=True
            ):
                obj = getattr(obj, attr, None) or live.resolve_path(f"{path}.{attr}")[1]
                path = f"{path}.{attr}"
                continue
            from kerasmagic.diagnosis.keras2_names import keras2_backend_function  # rare path

            if keras2_backend_function(obj, attr):
                break  # rules/backend_ops.py: the Keras 3 code of the same meaning
            _fix_chain(ctx, fixes, node, parts, i, path)
            break


def _call_keywords(ctx: Any, func: ast.expr) -> set[str]:
    """The keyword names of the cell's calls of ``func`` (this very expression node)."""
    return {
        kw.arg
        for n in walk(ctx.cell.tree)
        if isinstance(n, ast.Call) and n.func is func
        for kw in n.keywords
        if kw.arg
    }


def _fix_chain(
    ctx: Any, fixes: ChainFixes, node: ast.Attribute, parts: list[str], i: int, path: str
) -> None:
    """``parts[i]`` is missing on the live ``path``: find where the chain's target lives."""
    bound = ctx.scope.bindings[parts[0]]
    full = ".".join([bound, *parts[1:]])
    last = parts[-1]
    new_path: str | None = None
    entry_id = "moved-name"
    moved = moved_module(".".join([bound, *parts[1:-1]])) if len(parts) > 2 else None
    if moved and live.resolve_path(f"{moved[0]}.{last}")[0] == live.OK:
        new_path, entry_id = f"{moved[0]}.{last}", moved[1]
    # renamed: in the module it moved to (moved and renamed at once), or in its own module
    homes = ([moved[0]] if moved else []) + ([path] if i == len(parts) - 1 else [])
    for home in homes if new_path is None else []:
        rename = renamed(last, home)
        if rename is None:
            continue
        status, found = live.resolve_path(f"{home}.{rename[0]}")
        if status == live.OK and live.takes_keywords(found, _call_keywords(ctx, node)):
            new_path, entry_id = f"{home}.{rename[0]}", rename[1]
            break
    package_level = last.startswith("__") and last.endswith("__") and i == len(parts) - 1
    if new_path is None and package_level:
        new_path = _package_attribute(path, last, ctx.versions)
    in_keras = root_of(".".join([bound, *parts[1:i]])) is not None
    # ``K.tf.image.resize``: past the missing name the chain is another package's API (Keras 2's
    # backend module held TensorFlow as ``tf``), not a Keras name to look for elsewhere
    foreign = parts[i] == "tf" or (parts[i] not in live.KERAS_TOPS and live.top_exists(parts[i]))
    if new_path is None:  # a private Keras 2 helper, under the module as the code names it
        written = ".".join([bound, *parts[1:-1]])
        home = private_home(written, last, _call_keywords(ctx, node))
        if home is not None:
            new_path, entry_id = f"{home[0]}.{home[1]}", home[2]
    if new_path is None and i == len(parts) - 1 and not package_level and not foreign:
        # (``path`` is a live Keras module, whatever it is reached through: ``tf.losses``)
        # where an import of the same name finds it (name_homes: a Keras 2 alias's target in its
        # own module, tf.keras's copy of a removed data utility …), reached through the chain
        home = locate(ctx, path, last, _call_keywords(ctx, node))
        if home is not None and _same_or_neutral(path, home[0], last):
            new_path, entry_id = f"{home[0]}.{home[1]}", home[2]
    if new_path is None and in_keras and not package_level and not foreign:
        keywords = _call_keywords(ctx, node)
        for symbol in api_index.find_public_symbol(
            last, roots=ctx.scope.preferred_roots(bound), near=full
        ):
            status, found = live.resolve_path(symbol.path)
            # a name found elsewhere must take the call's arguments: Keras 1's
            # `initializations.normal(shape, scale=…)` is not `keras.random.normal`
            if status == live.OK and live.takes_keywords(found, keywords):
                new_path = symbol.path
                break
    if new_path is None and i == len(parts) - 1:
        status, obj = live.resolve_path(path)
        if status == live.OK:
            names = api_index.module_public_names(path) or {}
            keywords = _call_keywords(ctx, node)
            for close in api_index.fuzzy_names(last, module=path) if names else []:
                found = getattr(obj, close, None) if live.has_attr(obj, path, close) else None
                if found is not None and live.takes_keywords(found, keywords):
                    new_path, entry_id = f"{path}.{close}", "name-typo"
                    break
    if new_path is None:
        return
    expr = ctx.scope.expr_for(new_path, prefer=parts[0])
    extra: list[Edit] = []
    if expr is None and package_level:  # `keras.__version__`: import the package itself
        package = new_path.split(".")[0]
        if package in ctx.scope.user_bound or ctx.scope.bindings.get(package, package) != package:
            return
        at = insertion_line(ctx.cell)
        extra.append(Edit(at, 0, at, 0, f"import {package}\n"))
        expr = new_path
    if expr is None:  # nothing in the cell reaches it: import the name itself
        module, _, name = new_path.rpartition(".")
        if name in ctx.scope.user_bound or ctx.scope.bindings.get(name, new_path) != new_path:
            return
        at = insertion_line(ctx.cell)
        extra.append(Edit(at, 0, at, 0, f"from {module} import {name}\n"))
        expr = name
    edit = node_edit(ctx.cell, node, expr)
    if edit is None:
        return
    old = ".".join(parts)
    if package_level:
        problem = Problem(
            id=entry_id,
            line=node.lineno,
            title=f"`{old}` does not exist here; it is `{expr}`",
            cause=(
                f"`{'.'.join(parts[:i])}` is the API module of "
                f"{_package_and_version(new_path)} here, which has no `{last}`; the package "
                "itself has it."
            ),
            fix=f"Use `{expr}`.",
            edits=[edit],
            names=[last, full],
        )
    elif entry_id in ("moved-name", "name-typo"):
        problem = Problem(
            id=entry_id,
            line=node.lineno,
            title=f"`{old}` does not exist here; it is `{expr}`",
            cause=f"`{full}` is not in the installed API; the live public API has `{new_path}`.",
            fix=f"Use `{expr}`.",
            edits=[edit],
            names=[parts[i], last, full],
        )
    elif entry_id in {e.id for e in entries_with_rule("name-rename")}:
        problem = from_entry(
            entry_id,
            node.lineno,
            [edit],
            [parts[i], last],
            old=last if entry_id == "renamed-name" else old,
            new=new_path.rsplit(".", 1)[1] if entry_id == "renamed-name" else expr,
            why=rename_reason(entry_id, last),
        )
    else:
        problem = from_entry(
            entry_id, node.lineno, [edit], [parts[i], last], old=old, new=expr, name=last
        )
    problem.edits.extend(extra)
    fixes.problems.append(problem)
    fixes.paths[id(node)] = new_path


def _same_or_neutral(path: str, home: str, name: str) -> bool:
    """May a chain through ``path`` reach ``name`` in ``home``: the same Keras, or a data
    utility any Keras can use (``ImageDataGenerator``)? Never another package's function of its
    own state (tf_keras's ``set_learning_phase`` for Keras 3 code). ``path`` must be a Keras
    module, as written or as the live object is (``tf.losses`` is Keras's; ``tf`` is not)."""
    here, there = root_of(path) or root_of(_live_module_name(path)), root_of(home)
    if here is None:
        return False
    if there is None or same_keras(here, there):
        return True
    return any(name in e.data.get("names", ()) for e in entries_with_rule("package-neutral"))


def _live_module_name(path: str) -> str:
    """The ``__name__`` of the live module at ``path`` (``""`` when it is none)."""
    status, found = live.resolve_path(path)
    if status != live.OK or not isinstance(found, types.ModuleType):
        return ""
    return getattr(found, "__name__", "")


def _package_attribute(path: str, attr: str, versions: dict[str, str]) -> str | None:
    """``<package>.<attr>`` for a package-level attribute (``__version__``) missing on the Keras
    API module at ``path`` (``tf.keras`` is the Keras 2 API module ``keras.api._v2.keras`` in
    TF 2.15, ``tf_keras.api._v2.keras`` with ``TF_USE_LEGACY_KERAS=1``), when the package that
    module belongs to has it."""
    package = {"keras2": "keras", "keras3": "keras", "tf_keras": "tf_keras"}.get(
        kind_of_path(path, versions) or ""
    )
    if package is None or package == path:
        return None
    module = sys.modules.get(package)
    if module is None or not hasattr(module, attr):
        return None
    return f"{package}.{attr}"


def _package_and_version(new_path: str) -> str:
    package = new_path.split(".")[0]
    version = getattr(sys.modules.get(package), "__version__", None)
    return f"`{package}` {version}" if isinstance(version, str) else f"`{package}`"
