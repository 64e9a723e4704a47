"""What correcting a cell's imports does, worked out once per context (``CellContext.import_fixes``).

Several rules need it: the import rules report its problems, and every rule that follows a name
to the live API reads the scope as the corrected imports bind it (``from keras.optimizers import
adam`` becomes ``Adam``: a call ``adam(lr=0.1)`` is a call of the live ``Adam``). It is a fact of
the context, computed from the cell the first time one of them asks, never left behind by a rule.

Two fixes make it, in this order: a cell whose model is ``tf.keras`` importing from ``keras`` where
the two are different Keras packages (``TF_USE_LEGACY_KERAS=1`` with tf_keras) takes every ``from
keras…`` import from ``tensorflow.keras`` instead (fixing a wrong name inside ``keras`` would hand
the model an object of the other package); then every other import that cannot resolve here is
rewritten to where the live API has it (``import_rewrites``). A misspelt name renamed by a fix
is renamed in the cell's uses too, in the same problem.
"""

from __future__ import annotations

import ast
import sys
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from kerasmagic.diagnosis import live
from kerasmagic.diagnosis.indentation import indent_of
from kerasmagic.diagnosis.keras_paths import root_of
from kerasmagic.diagnosis.problem import Problem, from_entry
from kerasmagic.diagnosis.rewrite import ParsedCell, node_edit, walk

if TYPE_CHECKING:
    from kerasmagic.diagnosis.bindings import Scope

MIXED = "mixed-keras-imports"
TF_KERAS = "tensorflow.keras"


@dataclass
class ImportFixes:
    """The corrected imports of one cell: their problems, the scope they bind, what they rename.
    While it is made, ``scope`` is the one the fixes so far bind (each fix reads the ones
    before it); once made, the scope every rule reads."""

    ctx: Any  # the CellContext (imported by it, this module imports no context)
    scope: Scope
    problems: list[Problem] = field(default_factory=list)  # the import rule's
    mixed: list[Problem] = field(default_factory=list)  # mixed-keras-imports'
    renamed_names: dict[str, str] = field(default_factory=dict)  # adam → Adam, in every use
    handled_imports: set[int] = field(default_factory=set)  # rewritten by the mixed-imports fix
    errors: dict[str, BaseException] = field(default_factory=dict)  # a fix's own bug, by rule id

    @property
    def cell(self) -> ParsedCell:
        return self.ctx.cell

    @property
    def versions(self) -> dict[str, str]:
        return self.ctx.versions

    def reported(self, rule_id: str, problems: list[Problem]) -> list[Problem]:
        """What the rule ``rule_id`` reports: ``problems``, or the error its fix raised."""
        error = self.errors.get(rule_id)
        if error is not None:
            raise error
        return problems


def import_fixes(ctx: Any) -> ImportFixes:
    """Correct the cell's imports (on a copy of the scope as written): the mixed-imports fix,
    then every other import statement, then the uses of the names they renamed."""
    from kerasmagic.diagnosis.import_rewrites import rewrite_imports

    written = ctx.scope_as_written
    fx = ImportFixes(ctx, written)
    fx.scope = replace(
        written,
        bindings=dict(written.bindings),
        user_bound=set(written.user_bound),
        renamed=fx.renamed_names,
        _models=None,
    )
    if ctx.cell.tree is not None:
        for rule_id, fix in ((MIXED, _mixed_imports), ("unresolvable-import", rewrite_imports)):
            try:
                fix(fx)
            except Exception as exc:  # reported by the rule (rules/__init__: failures)
                fx.errors[rule_id] = exc
        _rename_uses(fx)
    fx.scope = replace(fx.scope, fixed=True, _models=None)
    return fx


def _rename_uses(fx: ImportFixes) -> None:
    """Names an import fix renamed (``adam`` → ``Adam``): their uses are renamed in the same
    problem as the import."""
    if not fx.renamed_names:
        return
    edits = []
    for node in walk(fx.cell.tree):
        if isinstance(node, ast.Name) and node.id in fx.renamed_names:
            edit = node_edit(fx.cell, node, fx.renamed_names[node.id])
            if edit is not None:
                edits.append(edit)
    if edits:
        for problem in [*fx.mixed, *fx.problems]:
            if any(n in fx.renamed_names for n in problem.names):
                problem.edits.extend(edits)
                break


# -- a tf.keras model importing from another Keras package --------------------------------------
def tf_keras_model_class(fx: ImportFixes) -> Any:
    """``tf.keras.Model`` when the cell builds its model with ``tf.keras`` and that is another
    Keras package than ``keras`` here; else None."""
    if "tensorflow" not in sys.modules or "keras" not in sys.modules:
        return None
    status, tf_model = live.resolve_path(f"{TF_KERAS}.Model")
    other, keras_model = live.resolve_path("keras.Model")
    if status != live.OK or other != live.OK or tf_model is keras_model:
        return None
    if not isinstance(tf_model, type):
        return None
    for node in walk(fx.cell.tree):
        exprs: list[ast.AST] = []
        if isinstance(node, ast.Call):
            exprs = [node.func]
        elif isinstance(node, ast.ClassDef):
            exprs = list(node.bases)
        for expr in exprs:
            found = fx.scope.callee(expr)
            if found and isinstance(found[0], type) and _subclass(found[0], tf_model):
                return tf_model
    return None


def _subclass(cls: type, base: type) -> bool:
    try:
        return issubclass(cls, base)
    except Exception:
        return False


def _keras_imports(tree: ast.Module) -> list[ast.ImportFrom]:
    return [
        n
        for n in walk(tree)
        if isinstance(n, ast.ImportFrom)
        and n.module
        and not n.level
        and root_of(n.module) == "keras"
    ]


def _resolves(node: ast.ImportFrom) -> bool:
    status, mod = live.module_status(node.module or "")
    if status == live.UNKNOWN:
        return True  # not provable here
    return status == live.OK and all(
        a.name == "*" or live.has_attr(mod, node.module or "", a.name) for a in node.names
    )


def _mixed_imports(fx: ImportFixes) -> None:
    """``from keras… import X`` (a name that does not resolve there) in a cell whose model is a
    ``tf.keras`` model of another Keras package: every ``keras`` import moves to ``tf.keras``."""
    if "keras" not in fx.ctx.source or not any(live.top_exists(t) for t in live.KERAS_TOPS):
        return  # (the rule's own pre-filters: rules/mixed_imports.py)
    nodes = _keras_imports(fx.cell.tree)
    if not nodes or all(_resolves(n) for n in nodes):
        return  # nothing to fix in the imports: a mix is explained when compile fails
    if tf_keras_model_class(fx) is None:
        return
    from kerasmagic.probes.which_keras import tf_keras_words

    edits = []
    moved_names: list[str] = []
    certain = True
    for node in nodes:
        statements = _moved(fx, node, moved_names)
        edit = node_edit(fx.cell, node, statements) if statements else None
        if edit is None:
            certain = False
        else:
            edits.append(edit)
        fx.handled_imports.add(id(node))
    tf = sys.modules["tensorflow"]
    keras = sys.modules["keras"]
    model = tf_keras_model_class(fx)
    tf_keras = sys.modules.get(getattr(model, "__module__", "").split(".")[0])
    first = next(n for n in nodes if not _resolves(n))
    moved = ", ".join(f"`{n}`" for n in moved_names) or "these names"
    problem = from_entry(
        MIXED,
        first.lineno,
        edits if certain else [],
        [n.module or "" for n in nodes] + [a.name for n in nodes for a in n.names],
        fx.ctx.shown_versions,
        tf_keras_kind=tf_keras_words(tf_keras or getattr(tf, "keras", None), tf),
        keras=getattr(keras, "__version__", "?"),
        moved=moved,
    )
    problem.certain = certain
    fx.mixed.append(problem)


def _moved(fx: ImportFixes, node: ast.ImportFrom, moved_names: list[str]) -> str:
    """The ``tensorflow.keras`` statement(s) replacing ``node``, or "" when one of its names has
    no home in the live ``tf.keras``."""
    from kerasmagic.diagnosis.import_bindings import imported_as
    from kerasmagic.diagnosis.name_homes import locate

    module = node.module or ""
    new_module = TF_KERAS + module[len("keras") :]
    status, mod = live.module_status(new_module)
    groups: dict[str, list[str]] = {}
    for alias in node.names:
        name, asname = alias.name, alias.asname
        if name == "*" or (status == live.OK and live.has_attr(mod, new_module, name)):
            target, new_name = new_module, name
        else:
            found = locate(fx, new_module, name)
            if found is None or root_of(found[0]) != TF_KERAS:
                return ""
            target, new_name = found[0], found[1]
        text = imported_as(fx, name, new_name, asname)
        groups.setdefault(target, []).append(text)
        if name != "*":
            bind = fx.renamed_names.get(asname or name, asname or name)
            fx.scope.bindings[bind] = f"{target}.{new_name}"
            moved_names.append(new_name)
    indent = "\n" + indent_of(fx.cell, node)
    return indent.join(f"from {m} import {', '.join(n)}" for m, n in groups.items())
