"""Where a name an import asks for lives in the installed packages: the module a Keras 2 module
moved to, a renamed name, a private helper's home, a Keras 2 alias's target, tf.keras's legacy
copy of a removed name, the public symbol of the live index whose calls' keywords still bind, or
a near name (a typo). Shared by the import rewrites and the mixed-imports fix."""

from __future__ import annotations

import ast
from typing import Any

from kerasmagic.diagnosis import live
from kerasmagic.diagnosis.keras_paths import (
    another_object,
    moved_module,
    private_home,
    removed_home,
    renamed,
)
from kerasmagic.diagnosis.rewrite import walk
from kerasmagic.knowledge import api_index
from kerasmagic.knowledge.catalogue import entries_with_rule


def locate(
    fx: Any, module: str, name: str, keywords: set[str] | None = None
) -> tuple[str, str, str] | None:
    """Where ``name`` (imported from ``module``) lives here: ``(module, name, entry id)``; the
    name found elsewhere must take ``keywords`` (default: those the cell's calls of ``name``
    pass)."""
    moved = moved_module(module)
    candidates: list[tuple[str, str, str]] = []
    if moved:
        candidates.append((moved[0], name, moved[1]))
    rename = renamed(name, module)
    if rename:
        for mod in ([moved[0]] if moved else []) + [module]:
            candidates.append((mod, rename[0], rename[1]))
    # a library's module, or tf.keras under an old private path: the user's code meant to import
    # that package, so the new module may be imported to check the name there
    importable = {e.id for e in entries_with_rule("library-module-move")} | {
        "tensorflow-core-private-path"
    }
    for mod, new, entry_id in candidates:
        status, obj = live.module_status(mod, allow_import=entry_id in importable)
        if status == live.OK and live.has_attr(obj, mod, new):
            return mod, new, entry_id
    if keywords is None:  # the keywords the cell's calls of the name pass
        keywords = _keywords_of(fx, name)
    home = private_home(module, name, keywords)
    if home is not None:  # a private Keras 2 helper (`_obtain_input_shape`): its home here
        return home
    from kerasmagic.diagnosis.keras2_names import alias_target  # (rarely reached: imported here)

    alias = alias_target(module, name)  # a Keras 2 alias: its target, by object identity
    if alias is not None:
        return module, alias, "keras3-removed-alias"
    roots = fx.scope.preferred_roots(module)
    wanted = rename[0] if rename else name
    removed, elsewhere = removed_home(module, name)  # elsewhere: tf.keras's legacy copy
    if elsewhere is not None:
        return elsewhere, name, "moved-name"
    for symbol in api_index.find_public_symbol(wanted, roots=roots, near=module):
        if another_object(module, symbol.module, removed):
            continue
        status, obj = live.module_status(symbol.module)
        if status == live.OK and live.has_attr(obj, symbol.module, symbol.name):
            found = getattr(obj, symbol.name, None)
            if live.takes_keywords(found, keywords):  # the calls' arguments still bind
                return symbol.module, symbol.name, (rename[1] if rename else "moved-name")
    neutral = next(
        (e for e in entries_with_rule("package-neutral") if name in e.data["names"]), None
    )
    if neutral is not None:  # data utilities: another Keras package's copy serves as well
        others = [r for r in api_index.available_roots() if r not in roots]
        for symbol in api_index.find_public_symbol(name, roots=others, near=module):
            status, obj = live.module_status(symbol.module)
            if status == live.OK and live.has_attr(obj, symbol.module, symbol.name):
                return symbol.module, symbol.name, neutral.id
    for mod in (
        ([moved[0]] if moved else []) + [module] + _package_of(moved[0] if moved else module)
    ):
        status, obj = live.module_status(mod)
        if status != live.OK:
            continue
        for close in api_index.fuzzy_names(name, roots=roots, module=mod):
            if live.has_attr(obj, mod, close) and live.takes_keywords(
                getattr(obj, close, None), keywords
            ):
                return mod, close, "name-typo"
    return None


def _package_of(module: str) -> list[str]:
    """``[package]`` when ``module`` is gone here and its nearest ancestor below the root is
    a module (Keras 2's one module per class, ``keras.optimizers.rmsprop``, whose classes the
    package ``keras.optimizers`` exports), else ``[]``."""
    if live.module_status(module)[0] != live.MISSING:
        return []
    parts = module.split(".")
    for i in range(len(parts) - 1, 1, -1):
        package = ".".join(parts[:i])
        status = live.module_status(package)[0]
        if status == live.OK:
            return [package]
        if status != live.MISSING:
            return []
    return []


def _keywords_of(fx: Any, name: str) -> set[str]:
    """The keyword names the cell's calls of ``name`` pass."""
    return {
        kw.arg
        for n in walk(fx.cell.tree)
        if isinstance(n, ast.Call) and isinstance(n.func, ast.Name) and n.func.id == name
        for kw in n.keywords
        if kw.arg
    }
