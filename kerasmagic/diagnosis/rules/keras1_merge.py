"""Static rule: Keras 1's functional ``merge([a, b], mode='concat', concat_axis=1)``, which Keras 2
replaced with one function per mode (``concatenate([a, b], axis=1)``, ``add``, ``multiply`` …) and
later releases removed. The mode must be a literal the catalogue maps, and every other keyword one
it maps too (``output_shape``, ``node_indices`` … have no counterpart: no rewrite then).

In a notebook the import and the calls are often in different cells: a cell that only imports
``merge`` imports the functions the later cells' calls need (``migrate`` holds those cells), and a
later cell whose ``merge`` is no longer bound calls the function of its mode, which an earlier
cell imported (else the cell imports it from the Keras it uses)."""

from __future__ import annotations

import ast

from kerasmagic.diagnosis import live
from kerasmagic.diagnosis.context import STATIC, CellContext
from kerasmagic.diagnosis.import_bindings import read
from kerasmagic.diagnosis.keras3_support import keras3_here
from kerasmagic.diagnosis.known_values import known_value
from kerasmagic.diagnosis.problem import Problem, from_entry
from kerasmagic.diagnosis.provenance import parsed_source
from kerasmagic.diagnosis.rewrite import Edit, insertion_line, node_edit, node_text, walk
from kerasmagic.diagnosis.rules import rule
from kerasmagic.diagnosis.source_bindings import before, bindings
from kerasmagic.knowledge.catalogue import find_entry

ENTRY = "keras1-merge-function"


@rule(ENTRY, when=(STATIC,), family="renamed-names", needs=(r"\bmerge\b", r"\bMerge\b"))
def keras1_merge(ctx: CellContext) -> list[Problem]:
    """Each ``merge(…, mode='…')`` call whose ``merge`` is Keras's and missing here becomes the
    function of its mode, which the live Keras has; ``from … import merge`` imports those. The
    ``Merge(mode='…', …)`` layer, called on tensors, becomes the layer of its mode
    (``Concatenate(axis=…)``, ``Add()`` …); a ``Merge`` of models (Keras 1's ``Sequential`` form)
    becomes, under Keras 3, the merge of their outputs as a model of their inputs
    (``Model([*a.inputs, *b.inputs], Concatenate()([*a.outputs, *b.outputs]))``), and is
    explained otherwise (``keras1-merge-layer``)."""
    entry = find_entry(ENTRY)
    tree = ctx.cell.tree
    if entry is None or tree is None:
        return []
    modes: dict[str, dict] = entry.data.get("modes", {})
    problems: list[Problem] = []
    for old, kind in (("merge", "function"), ("Merge", "layer")):
        edits: list[Edit] = []
        used: dict[str, str] = {}  # new function or layer → the module it is reached through
        unbound: set[str] = set()  # functions a call of an unbound ``merge`` needs imported
        for call in walk(tree):
            if not isinstance(call, ast.Call):
                continue
            module = _missing_merge(ctx, call.func, old) or _unbound_merge(
                ctx, call, old, modes, kind
            )
            if module is None:
                continue
            new = _new_call(ctx, call, modes, module, kind)
            if new is None:
                if kind == "layer":  # a Merge of models: the layers of each mode, explained
                    problems.append(_merge_layer_explained(ctx, call.lineno))
                else:  # a mode (or keyword) without a function of the same result
                    problems.append(_merge_mode_explained(ctx, call))
                edits = []
                break  # one the catalogue cannot map: the imports must stay as they are
            function, edit = new
            used.setdefault(function, module)
            edits.append(edit)
            if isinstance(call.func, ast.Name) and old not in ctx.scope.bindings:
                unbound.add(function)
        if not edits and not problems:  # imported here, called in the cells after this one
            used = _later_calls(ctx, tree, modes, old, kind)
            unmapped = _later_unmapped(ctx, tree, modes, old) if kind == "function" and not used else None  # fmt: skip
            if unmapped is not None:
                problems.append(_merge_mode_explained(ctx, unmapped, line=1))
        imports = _import_edits(ctx, tree, list(used), old) if used else None
        if imports is not None:
            imports += _unbound_imports(ctx, sorted(unbound), used)
            imports += _model_import(ctx, next(iter(used.values())), edits) if kind == "layer" else []
        if kind == "layer" and not used and not problems and _imports_missing(ctx, tree, old) and read(ctx.import_fixes, old):  # fmt: skip
            problems.append(_merge_layer_explained(ctx, 1))  # imported here, used later
        if imports is None or not (imports or edits):
            continue
        names = sorted(used)
        problem = from_entry(
            ENTRY,
            min(e.line for e in imports + edits),
            imports + edits,
            [old, *names],
            ctx.shown_versions,
            new=", ".join(f"`{n}`" for n in names),
            old=old,
        )
        problem.certain = True
        problems.append(problem)
    return problems


def _merge_layer_explained(ctx: CellContext, line: int) -> Problem:
    problem = from_entry("keras1-merge-layer", line, [], ["Merge"], ctx.shown_versions)
    problem.certain = False
    problem.explanation = True
    return problem


def _merge_mode_explained(ctx: CellContext, call: ast.Call, line: int | None = None) -> Problem:
    """``call``'s mode explained (on ``line`` of the cell; None: the call's own line)."""
    mode = next((kw.value for kw in call.keywords if kw.arg == "mode"), None)
    text = ast.unparse(mode) if mode is not None else "'sum'"
    problem = from_entry("keras1-merge-mode-unmapped", line or call.lineno, [], ["merge"],
                         ctx.shown_versions, mode=text)  # fmt: skip
    problem.certain = False
    problem.explanation = True
    return problem


def _later_unmapped(ctx: CellContext, tree: ast.AST, modes: dict[str, dict], old: str) -> ast.Call | None:  # fmt: skip
    """A cell importing ``merge`` from a Keras layers module lacking it: the first call of it in
    the later cells (``migrate`` holds them) whose mode has no function of the same result."""
    if not _imports_missing(ctx, tree, old):
        return None
    later = _later_merge_calls(ctx, old, with_trees=True)
    return next((c for c, tree in later if _mode_spec(ctx, c, modes, "function", tree=tree) is None), None)


def _later_merge_calls(ctx: CellContext, old: str, with_trees: bool = False) -> list:
    """The calls ``old(…)`` in the cells after this one (``migrate`` holds them); with
    ``with_trees``, each with its cell's tree."""
    trees = [parsed_source(source).tree for source in ctx.later]
    found = [
        (call, tree)
        for tree in trees
        for call in (walk(tree) if tree is not None else ())
        if isinstance(call, ast.Call) and isinstance(call.func, ast.Name) and call.func.id == old
    ]
    return found if with_trees else [call for call, _tree in found]


def _missing_merge(ctx: CellContext, func: ast.expr, old: str) -> str | None:
    """The Keras layers module ``func`` (``merge`` or ``layers.merge``; ``Merge``) reads ``old``
    from, when that module is here and has no ``old``."""
    if isinstance(func, ast.Name) and func.id == old:
        path = ctx.scope.bindings.get(old, "")
    elif isinstance(func, ast.Attribute) and func.attr == old:
        path = ctx.scope.bound_path(func)
        if path is None:
            return None
    else:
        return None
    module = path.rpartition(".")[0]
    if module.split(".")[0] not in live.KERAS_TOPS or not module.endswith("layers"):
        return None
    status, obj = live.module_status(module)
    if status != live.OK or live.has_attr(obj, module, old):
        return None
    return module


def _unbound_merge(ctx: CellContext, call: ast.Call, old: str, modes: dict[str, dict], kind: str) -> str | None:  # fmt: skip
    """The Keras layers module for a call of ``merge`` that nothing binds in the kernel (an
    earlier cell's import of it was corrected): the module of its mode's function where an earlier
    cell imported that, else the layers of the Keras the cell uses when the call names a mode."""
    if not (isinstance(call.func, ast.Name) and call.func.id == old) or ctx.namespace is None:
        return None
    if old in ctx.namespace or old in ctx.scope.bindings or old in ctx.scope.user_bound:
        return None
    found = _mode_spec(ctx, call, modes, kind, kind == "layer" and _merged_models(ctx, call, None) is not None)
    if found is None:
        return None
    function = found[0]
    modules = [f"{root}.layers" for root in ctx.scope.preferred_roots()]
    if function in ctx.namespace:  # an earlier cell imported it: the layers module that has it
        value = ctx.namespace[function]
        return next((m for m in modules if live.module_holds(m, function, value)), None)
    if not any(kw.arg == "mode" for kw in call.keywords):
        return None
    return modules[0] if modules else None


def _mode_spec(ctx: CellContext, call: ast.Call, modes: dict[str, dict], kind: str, models: bool = False, tree: ast.AST | None = None) -> tuple[str, dict] | None:  # fmt: skip
    """``(function or layer, the mode's catalogue data)`` of a Keras 1 ``merge``/``Merge`` call
    (``models``: a ``Merge`` of models, given as its one argument; ``tree``: the later cell it is
    in); None when its mode, its arguments or one of its keywords has no counterpart. The mode is
    the value it is known to have (``mode=merge_mode``, set cells earlier, reads as its string)."""
    keywords = {kw.arg: kw for kw in call.keywords}
    mode_kw = keywords.pop("mode", None)
    if None in keywords or len(call.args) != (1 if kind == "function" or models else 0):
        return None
    mode = known_value(ctx, mode_kw.value, tree) if mode_kw is not None else "sum"  # Keras 1's default
    spec = modes.get(mode) if isinstance(mode, str) else None
    if spec is None or not spec.get(kind):
        return None
    renames: dict[str, str] = spec.get("keywords", {})
    if any(name not in renames and name != "name" for name in keywords):
        return None  # output_shape, node_indices …: no counterpart
    return spec[kind], spec


def _new_call(ctx: CellContext, call: ast.Call, modes: dict[str, dict], module: str, kind: str) -> tuple[str, Edit] | None:  # fmt: skip
    """``(function, edit)``: the call spelt with its mode's function (``kind`` "function", the
    inputs its one argument) or layer (``kind`` "layer": made without inputs, called on them
    after) and keywords."""
    models = _merged_models(ctx, call, module) if kind == "layer" else None
    found = _mode_spec(ctx, call, modes, kind, models is not None)
    if found is None:
        return None
    function, spec = found
    status, obj = live.module_status(module)
    if status != live.OK or not live.has_attr(obj, module, function):
        return None
    renames: dict[str, str] = spec.get("keywords", {})
    parts = [node_text(ctx.cell, a) for a in call.args] if models is None else []
    passed = set()
    for kw in call.keywords:
        if kw.arg == "mode":
            continue
        new = renames.get(kw.arg, kw.arg)
        parts.append(f"{new}={node_text(ctx.cell, kw.value)}")
        passed.add(new)
    for name, value in spec.get("defaults", {}).items():  # Keras 1 defaults the new one lacks
        if name not in passed:
            parts.append(f"{name}={value}")
    if any(p is None for p in parts):
        return None
    old = "merge" if kind == "function" else "Merge"
    func_text = node_text(ctx.cell, call.func) or old
    callee = func_text[: -len(old)] + function
    text = f"{callee}({', '.join(p for p in parts if p)})"
    if models is not None:  # the models' outputs merged, as a model of their inputs
        model = _model_expr(ctx, module)
        batch_axis = any(p.endswith(("axis=0", "axes=0")) for p in parts if p)  # a skip-gram's
        if model is None or batch_axis:  # `dot_axes=0`: over the batch, no merge of the same result
            return None
        ins, outs = (", ".join(f"*{m}.{a}" for m in models) for a in ("inputs", "outputs"))
        text = f"{model}([{ins}], {text}([{outs}]))"
    edit = node_edit(ctx.cell, call, text)
    return (function, edit) if edit is not None else None


def _model_import(ctx: CellContext, module: str, edits: list[Edit]) -> list[Edit]:
    """``from <keras>.models import Model`` at the top of the cell, when an edit calls ``Model``
    and the cell does not bind it (nor anything else under that name)."""
    calls = any(e.text.startswith("Model([*") for e in edits)
    if not calls or "Model" in ctx.scope.bindings or "Model" in (ctx.namespace or {}):
        return []
    at = insertion_line(ctx.cell)
    return [Edit(at, 0, at, 0, f"from {module.rpartition('.')[0]}.models import Model\n")]


def _merged_models(ctx: CellContext, call: ast.Call, module: str | None, tree: ast.AST | None = None) -> list[str] | None:  # fmt: skip
    """The names a ``Merge([left, right], …)`` merges, when each holds a Keras model: live, or
    bound by the cell (``tree``: a later one) to a ``Sequential(…)``/``Model(…)`` before the
    call; None otherwise, and under a Keras 2 (``module``, else the ``keras`` package), whose
    ``Sequential`` takes no model of several inputs as its first layer (measured, Keras 2.15)."""
    if not keras3_here(module.rpartition(".")[0] if module else "keras"):
        return None
    tree = ctx.cell.tree if tree is None else tree
    given = call.args[0] if len(call.args) == 1 else None
    if not isinstance(given, (ast.List, ast.Tuple)) or not given.elts:
        return None
    names = [e.id for e in given.elts if isinstance(e, ast.Name)]
    if len(names) != len(given.elts):
        return None
    for name in names:
        value = (ctx.namespace or {}).get(name)
        if live.from_keras(value) and hasattr(value, "outputs"):
            continue
        made = _newest_binding(ctx, name, call, tree)
        callee = made.func if isinstance(made, ast.Call) else None
        if getattr(callee, "attr", getattr(callee, "id", None)) not in ("Sequential", "Model"):
            return None
    return names


def _newest_binding(ctx: CellContext, name: str, call: ast.Call, tree: ast.AST | None) -> ast.expr | None:  # fmt: skip
    """The value ``name`` was last bound to before ``call`` (in ``tree``): in that cell above the
    call, else in the cells run before it, newest first (the later cells before ``tree`` that
    ``migrate`` holds, this cell, the earlier cells). A notebook makes each branch model in a
    cell of its own (``model_left = Sequential()``) cells before the ``Merge``."""
    scopes = [f for f in walk(tree) if isinstance(f, ast.FunctionDef) and any(n is call for n in ast.walk(f))] if tree is not None else []  # fmt: skip
    for scope in [*scopes[::-1], tree]:  # the function the call is in (its locals), then the cell
        made = [v for s, v in bindings(scope, name) if before(s, call)] if scope is not None else []
        if made:
            return made[-1]
    if scopes:
        return None  # a function's parameter or global: not followed
    later = [parsed_source(source).tree for source in ctx.later]
    at = next((i for i, t in enumerate(later) if t is tree or (t is not None and tree is not None and ast.dump(t) == ast.dump(tree))), None)  # fmt: skip
    ran = later[:at][::-1] if at is not None else []
    ran += [ctx.cell.tree] if tree is not ctx.cell.tree else []
    ran += [parsed_source(source).tree for source in reversed(ctx.earlier)]
    for cell in ran:
        found = [v for _s, v in bindings(cell, name)] if cell is not None else []
        if found:
            return found[-1]
    return None


def _model_expr(ctx: CellContext, module: str) -> str | None:
    """How the cell reaches Keras's ``Model`` of the Keras ``module`` (``keras.layers``) belongs
    to; ``Model`` when nothing binds that name (``_model_import`` imports it); None when it is
    bound to something else."""
    root = module.rpartition(".")[0]
    found = ctx.scope.expr_for(f"{root}.models.Model") or ctx.scope.expr_for(f"{root}.Model")
    if found is not None:
        return found
    taken = "Model" in ctx.scope.bindings or "Model" in ctx.scope.user_bound or "Model" in (ctx.namespace or {})  # fmt: skip
    return None if taken else "Model"


def _later_calls(ctx: CellContext, tree: ast.AST, modes: dict[str, dict], old: str, kind: str) -> dict[str, str]:  # fmt: skip
    """A cell that imports ``old`` from a Keras layers module lacking it and never calls it: the
    functions (or layers) of the later cells' calls, when every one of them has its counterpart
    (``migrate`` holds the later cells; with none known, nothing)."""
    module = next(
        (
            node.module
            for node in walk(tree)
            if isinstance(node, ast.ImportFrom)
            and node.module
            and any(a.name == old and not a.asname for a in node.names)
            and _missing_merge(ctx, ast.Name(old), old) is not None
        ),
        None,
    )
    if module is None or not ctx.later:
        return {}
    status, obj = live.module_status(module)
    used: dict[str, str] = {}
    for call, later in _later_merge_calls(ctx, old, with_trees=True):
        models = kind == "layer" and _merged_models(ctx, call, module, later) is not None
        found = _mode_spec(ctx, call, modes, kind, models, later)
        if found is None or status != live.OK or not live.has_attr(obj, module, found[0]):
            return {}
        used.setdefault(found[0], module)
    return used


def _unbound_imports(ctx: CellContext, functions: list[str], used: dict[str, str]) -> list[Edit]:
    """Imports, at the top of the cell, of the functions the calls of an unbound ``merge`` now
    use that the kernel does not bind yet."""
    missing = [
        f for f in functions if f not in (ctx.namespace or {}) and f not in ctx.scope.bindings
    ]
    by_module: dict[str, list[str]] = {}
    for function in missing:
        by_module.setdefault(used[function], []).append(function)
    at = insertion_line(ctx.cell)
    return [Edit(at, 0, at, 0, f"from {m} import {', '.join(fs)}\n") for m, fs in by_module.items()]


def _import_edits(ctx: CellContext, tree: ast.AST, functions: list[str], old: str) -> list[Edit] | None:  # fmt: skip
    """``from keras.layers import Dense, merge`` → ``… import Dense, concatenate`` (the functions
    or layers the calls now use); no edit when ``old`` is read from a module binding."""
    edits: list[Edit] = []
    for node in walk(tree):
        if not isinstance(node, ast.ImportFrom):
            continue
        for alias in node.names:
            if alias.name != old:
                continue
            if alias.asname or any(f in ctx.scope.user_bound for f in functions):
                return None
            edit = node_edit(ctx.cell, alias, ", ".join(sorted(functions)))
            if edit is None:
                return None
            edits.append(edit)
    return edits


def _imports_missing(ctx: CellContext, tree: ast.AST, old: str) -> bool:
    """The cell imports ``old`` from a Keras layers module that has no ``old`` here."""
    return any(
        isinstance(node, ast.ImportFrom)
        and any(a.name == old for a in node.names)
        and _missing_merge(ctx, ast.Name(old), old) is not None
        for node in walk(tree)
    )
