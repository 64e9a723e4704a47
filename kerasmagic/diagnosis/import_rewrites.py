"""The rewrites of a cell's import statements: modules and names that cannot resolve here, moved
or renamed in the live API, usual aliases written as modules, packages not installed at all.

Run once per context by ``import_fixes`` (``CellContext.import_fixes``), on its own record (``fx``,
the ``ImportFixes`` being made): the problems found, the names each import binds and renames.
"""

from __future__ import annotations

import ast
import sys
from typing import Any

from kerasmagic.diagnosis import live
from kerasmagic.diagnosis.import_bindings import called, cell_and_later, imported_as, read
from kerasmagic.diagnosis.indentation import indent_of
from kerasmagic.diagnosis.keras_paths import (
    PRIVATE_ROOTS,
    moved_module,
    relative,
    removed_definition,
    rename_reason,
    wrapped_layer,
)
from kerasmagic.diagnosis.missing_module import IDS as MISSING_IDS
from kerasmagic.diagnosis.missing_module import missing_module_problem
from kerasmagic.diagnosis.name_homes import locate
from kerasmagic.diagnosis.problem import Problem, from_entry
from kerasmagic.diagnosis.rewrite import guarded_imports, node_edit, node_text, walk
from kerasmagic.diagnosis.star_imports import star_home, star_problem
from kerasmagic.diagnosis.unused_imports import unused_gone
from kerasmagic.knowledge.catalogue import entries_with_rule

NOT_IMPORTABLE = (*MISSING_IDS, "import-blocked")


def rewrite_imports(fx: Any) -> None:
    """Every import statement of the cell, rewritten where it cannot resolve here."""
    for node in walk(fx.cell.tree):
        if isinstance(node, ast.ImportFrom) and node.module and not node.level:
            _import_from(fx, node)
        elif isinstance(node, ast.Import):
            _import(fx, node)


def _import(fx: Any, node: ast.Import) -> None:
    parts: list[str] = []
    changed: list[tuple[str, str]] = []
    for alias in node.names:
        text = alias.name + (f" as {alias.asname}" if alias.asname else "")
        if _not_installed(fx, node, alias.name):
            parts.append(text)
            continue
        status, _ = live.module_status(alias.name)
        private = alias.name.startswith("tensorflow.python.keras")
        if status == live.MISSING or private:
            target = _module_alias(fx, alias.name)
            if target is None:
                moved = moved_module(alias.name)
                if moved and live.module_status(moved[0])[0] == live.OK:
                    target = moved[0]
            if target is None and alias.asname:
                target = _home_of_members(fx, alias.name, alias.asname)
            if target is None and _module_alias(fx, alias.name, installed=False):
                wanted = _module_alias(fx, alias.name, installed=False) or ""
                problem = from_entry(
                    "import-tf-alias",
                    node.lineno,
                    [],
                    [alias.name],
                    alias=alias.name,
                    module=wanted,
                )
                problem.certain = False
                problem.fix += f" `{wanted.split('.')[0]}` is not installed in this interpreter."
                problem.fix_code = f"%pip install {wanted.split('.')[0]}"
                fx.problems.append(problem)
            if target:
                bind = alias.asname or alias.name
                if "." in bind and not alias.asname:
                    text = f"import {target}"
                else:
                    text = f"{target} as {bind}" if target != bind else target
                changed.append((alias.name, target))
                fx.scope.bindings[bind.split(".")[0]] = target if "." not in bind else bind
        parts.append(text)
    if not changed:
        return
    new = "import " + ", ".join(p.removeprefix("import ") for p in parts)
    edit = node_edit(fx.cell, node, new)
    if edit is None:
        return
    old, target = changed[0]
    if _module_alias(fx, old):
        problem = from_entry(
            "import-tf-alias", node.lineno, [edit], [old], alias=old, module=target
        )
    elif old.startswith("tensorflow.python.keras"):
        problem = from_entry("private-tf-python-keras", node.lineno, [edit], [old])
    else:
        entry_id = (moved_module(old) or ("", "moved-module"))[1]
        problem = from_entry(entry_id, node.lineno, [edit], [old], old=old, new=target)
    fx.problems.append(problem)


def _home_of_members(fx: Any, module: str, bound: str) -> str | None:
    """``import keras.preprocessing.text as T`` of a module gone here: the one module where every
    member the cell and the later cells read from ``T`` (``T.text_to_word_sequence``) lives now,
    found as ``from module import member`` finds it (``name_homes.locate``); None when one is not
    found, they live apart, or nothing is read."""
    members = {
        n.attr
        for tree in cell_and_later(fx)
        for n in walk(tree)
        if isinstance(n, ast.Attribute) and isinstance(n.value, ast.Name) and n.value.id == bound
    }
    homes = set()
    for member in members:
        found = locate(fx, module, member)
        if found is None or found[1] != member:
            return None
        homes.add(found[0])
    return homes.pop() if len(homes) == 1 else None


def _module_alias(fx: Any, name: str, *, installed: bool = True) -> str | None:
    """The module a usual alias stands for (``tf`` → ``tensorflow``), if installed here."""
    for entry in entries_with_rule("module-alias"):
        target = entry.data.get("aliases", {}).get(name)
        if target and (not installed or live.top_exists(target.split(".")[0])):
            return target
    return None


def _not_installed(fx: Any, node: ast.stmt, module: str) -> bool:
    """A top-level package that is not installed at all (say so once, with ``%pip``), or whose
    import this kernel blocks (``sys.modules[top] = None``)."""
    top = module.split(".")[0]
    blocked = bool(top) and top in sys.modules and sys.modules[top] is None
    if not blocked and (not top or live.top_exists(top) or _module_alias(fx, top, installed=False)):
        return False
    moved = moved_module(module) if not blocked else None
    if moved is not None and live.top_exists(moved[0].split(".")[0]):
        return False  # a private path of an old release (`tensorflow_core.…`), moved to an installed package
    if id(node) in guarded_imports(fx.cell.tree):
        return True  # the cell runs on without it (``except ImportError:``)
    if any(p.id in NOT_IMPORTABLE and top in p.names for p in fx.problems):
        return True
    if blocked:  # `sys.modules[top] = None`: installed or not, the import is stopped here
        problem = from_entry("import-blocked", node.lineno, [], [top], module=top)
        problem.certain = False
        fx.problems.append(problem)
        return True
    problem = missing_module_problem(top, node.lineno)
    if problem is not None:
        fx.problems.append(problem)
    return True


def _alias_import_from(fx: Any, node: ast.ImportFrom, module: str) -> bool:
    """``from tf.keras.layers import Dense``: the alias written as a package name becomes
    the package (``tensorflow.keras.layers``), keeping the namespace the cell chose. The
    names are checked when the package is imported already; otherwise the rename is only
    the alias's own meaning, and the corrected cell's import is checked when it runs."""
    top, _, rest = module.partition(".")
    target = _module_alias(fx, top)
    if target is None or live.top_exists(top):
        return False
    new_module = target + (f".{rest}" if rest else "")
    status, mod = live.module_status(new_module)
    if status == live.MISSING:
        return False
    if status == live.OK and not all(
        a.name == "*" or live.has_attr(mod, new_module, a.name) for a in node.names
    ):
        return False
    text = node_text(fx.cell, node) or ""
    edit = node_edit(fx.cell, node, text.replace(module, new_module, 1))
    if edit is None or text.count(module) != 1:
        return False
    for a in node.names:
        if a.name != "*":
            fx.scope.bindings[a.asname or a.name] = f"{new_module}.{a.name}"
    fx.problems.append(
        from_entry("import-tf-alias", node.lineno, [edit], [top, module], alias=top, module=target)
    )
    return True


def _generated_api_parent(fx: Any, node: ast.ImportFrom, module: str) -> bool:
    """``from tensorflow.python.keras.api._v2 import keras``: the parent of TensorFlow's generated
    public API (``….api._v1`` / ``….api._v2`` under a Keras root, private or not, that editors'
    automatic imports wrote) names ``tf.keras`` itself as ``keras``. It becomes ``from tensorflow
    import keras`` (``import keras`` without TensorFlow) when that path cannot be imported here."""
    root, rest = relative(module)
    if not root or rest not in ("api._v1", "api._v2") or any(a.name != "keras" for a in node.names):
        return False
    if live.module_status(module)[0] != live.MISSING:
        return False
    with_tf = live.top_exists("tensorflow")
    public = "tensorflow.keras" if with_tf else "keras"
    if live.module_status(public)[0] == live.MISSING:
        return False
    names = ", ".join(f"keras as {a.asname}" if a.asname and a.asname != "keras" else "keras" for a in node.names)  # fmt: skip
    edit = node_edit(fx.cell, node, f"from tensorflow import {names}" if with_tf else f"import {names}")  # fmt: skip
    if edit is None:
        return False
    for a in node.names:
        fx.scope.bindings[a.asname or a.name] = public
    private = next((p for p in PRIVATE_ROOTS if module.startswith(p + ".")), None)
    if private is not None:
        problem = from_entry(PRIVATE_ROOTS[private], node.lineno, [edit], [module])
    else:
        problem = from_entry("generated-api-path", node.lineno, [edit], [module], old=f"{module}.keras", new=public)  # fmt: skip
    fx.problems.append(problem)
    return True


def _import_from(fx: Any, node: ast.ImportFrom) -> None:
    if id(node) in fx.handled_imports:  # rewritten by the mixed-imports fix (import_fixes.py)
        return
    module = node.module or ""
    if _alias_import_from(fx, node, module) or _generated_api_parent(fx, node, module):
        return
    if _not_installed(fx, node, module):
        return
    status, mod = live.module_status(module)
    forced = moved_module(module, forced_only=True)
    if status == live.UNKNOWN and not forced:
        return
    keep: list[str] = []
    moved: dict[str, list[str]] = {}
    reasons: list[tuple[str, str, str, str]] = []  # entry id, old path, new path, name
    unresolved: list[str] = []
    dropped: list[str] = []  # names no Keras here has, which nothing reads: they leave the import
    star: tuple[str, list[str]] | None = None  # a removed module's star: its names' home, names
    definitions: list[str] = []  # removed NumPy helpers' own code, put after the import
    for alias in node.names:
        name, asname = alias.name, alias.asname
        text = name + (f" as {asname}" if asname else "")
        ok = status == live.OK and (name == "*" or live.has_attr(mod, module, name)) and not forced
        if ok:
            keep.append(text)
            continue
        if name == "*":
            target = forced or moved_module(module)
            star = None if target or status != live.MISSING else star_home(fx, module)
            if target and live.module_status(target[0])[0] == live.OK:
                moved.setdefault(target[0], []).append("*")
                reasons.append((target[1], module, target[0], "*"))
            elif star is not None:  # by name, from the same module of another Keras package here
                home, names = star
                moved.setdefault(home, []).extend(names)
                fx.scope.bindings.update({n: f"{home}.{n}" for n in names})
                reasons.append(("moved-name", f"{module}.*", f"{home}.*", "*"))
            else:
                unresolved.append(name)
                keep.append(text)
            continue
        # a moved module imported as a name first (else: tf.keras.experimental for mixed_precision's)
        found = None if called(fx, asname or name) else _module_as_name(fx, module, name)
        if found is None:
            found = locate(fx, module, name)
        defined = removed_definition(module, name) if found is None and not asname else None
        if defined is not None:  # a removed NumPy helper: defined where it was imported
            definitions.append(defined)
            fx.scope.user_bound.add(name)
            reasons.append(("keras1-numpy-helper", f"{module}.{name}", name, name))
            continue
        wrapped = wrapped_layer(module, name) if found is None and not asname else None
        if wrapped is not None:  # Keras 1's TimeDistributedDense: rules/keras1_wrapped.py
            layers, names = wrapped
            moved.setdefault(layers, []).extend(n for n in names if n not in fx.scope.bindings)
            reasons.append(("keras1-wrapped-layer", f"{module}.{name}", f"{layers}.{names[0]}", name))  # fmt: skip
            continue
        top = module.split(".")[0]  # looked for where that Keras is imported: never in lint alone
        gone = found is None and top in live.KERAS_TOPS and (status == live.OK or status == live.MISSING and top in sys.modules)  # fmt: skip
        if gone and not read(fx, asname or name):
            dropped.append(name)
            continue
        if found is None:
            unresolved.append(name)
            keep.append(text)
            continue
        new_mod, new_name, entry_id = found
        bind = asname or name
        text = imported_as(fx, name, new_name, asname, rename_uses=entry_id == "name-typo")
        moved.setdefault(new_mod, []).append(text)
        fx.scope.bindings[fx.renamed_names.get(bind, bind)] = f"{new_mod}.{new_name}"
        reasons.append((entry_id, f"{module}.{name}", f"{new_mod}.{new_name}", name))
    # unused names are left out only when that makes the import work: with a name nothing here
    # resolves, the import is another rule's to change (conv_utils' helpers, written in)
    gone = [unused_gone(fx, node, module, dropped, keep, moved)] if dropped and not unresolved else []
    if not moved and not definitions:
        fx.problems.extend(gone)
        target = moved_module(module)
        if unresolved and status == live.MISSING and target:
            problem = from_entry(
                target[1], node.lineno, [], [module, *unresolved], old=module, new=target[0]
            )
            problem.certain = False
            fx.problems.append(problem)
        elif unresolved and status == live.MISSING and id(node) not in guarded_imports(fx.cell.tree):
            fx.problems.append(
                Problem(
                    id="unresolved-import",
                    line=node.lineno,
                    title=f"`{module}` cannot be imported here and no public home of "
                    + ", ".join(f"`{n}`" for n in unresolved)
                    + " was found",
                    cause="The installed packages have no public module or name matching it.",
                    names=[module, *unresolved],
                    certain=False,
                )
            )
        return
    certain = not unresolved
    indent = indent_of(fx.cell, node)
    statements = []
    if keep:
        statements.append(f"from {module} import {', '.join(keep)}")
    for target, names in moved.items():
        if names == ["*"]:
            statements.append(f"from {target} import *")
        else:
            statements.append(f"from {target} import {', '.join(names)}")
    statements += [("\n" + indent).join(d.strip("\n").splitlines()) for d in definitions]
    edit = node_edit(fx.cell, node, ("\n" + indent).join(statements))
    if edit is None:
        return fx.problems.extend(gone)
    entry_id, old, new, name = reasons[0]
    if name == "*" and star is not None:
        problem = star_problem(fx, module, *star, node.lineno, edit)
    elif entry_id == "keras1-numpy-helper":
        problem = from_entry(entry_id, node.lineno, [edit], [module, name], name=name, module=module)
    elif entry_id in ("moved-name", "name-typo", "keras1-wrapped-layer"):
        title = f"`{name}` is not in `{module}` here; it is `{new}`"
        cause = (
            f"`{old}` does not exist in the installed packages; the live API has `{new}`."
            if entry_id == "moved-name"
            else f"`{module}` has no `{name}`; the closest public name there is `{new}`."
        )
        problem = Problem(
            id=entry_id,
            line=node.lineno,
            title=title,
            cause=cause,
            fix=f"Import `{new.rsplit('.', 1)[1]}` from `{new.rsplit('.', 1)[0]}`.",
            edits=[edit],
            names=[module, name],
        )
    elif entry_id in {e.id for e in entries_with_rule("name-rename")}:
        problem = from_entry(
            entry_id,
            node.lineno,
            [edit],
            [module, name],
            old=name,
            new=new.rsplit(".", 1)[1],
            why=rename_reason(entry_id, name),
        )
    elif entry_id in {e.id for e in entries_with_rule("private-helper-home")}:
        problem = from_entry(entry_id, node.lineno, [edit], [module, name], old=old, new=new)
    elif entry_id == "keras3-removed-alias":
        keras = fx.versions.get("keras", "3")
        problem = from_entry(
            entry_id, node.lineno, [edit], [module, name], old=old, new=new, name=name, keras=keras
        )
    elif moved_module(old) is not None and live.module_status(module)[0] == live.OK:
        problem = from_entry(entry_id, node.lineno, [edit], [module, name], old=old, new=new)
    else:
        problem = from_entry(entry_id, node.lineno, [edit], [module, name], old=module,
                             new=new.rsplit(".", 1)[0], name=name)  # fmt: skip
    problem.certain = certain
    problem.unsure_of = list(unresolved)
    fx.problems.extend([problem, *gone])  # the names that moved first: the import's own error


def _module_as_name(fx: Any, module: str, name: str) -> tuple[str, str, str] | None:
    """``from keras.layers.experimental import preprocessing`` → ``from keras import layers
    as preprocessing``: a moved module imported as a name."""
    moved = moved_module(f"{module}.{name}")
    if not moved:
        return None
    parent, _, last = moved[0].rpartition(".")
    status, obj = live.module_status(parent)
    if status == live.OK and live.has_attr(obj, parent, last):
        return parent, last, moved[1]
    return None
