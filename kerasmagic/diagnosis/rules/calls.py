"""Static rules on calls: keywords the live signature rejects (``lr``, ``decay``, Keras 1 names),
and optimizer/loss strings the live ``get`` does not accept."""

from __future__ import annotations

import ast
from collections.abc import Iterator

from kerasmagic.diagnosis import live
from kerasmagic.diagnosis.bindings import (
    batch_size_expr,
    keyword_rename,
    per_batch_edit,
    rename_keyword_edit,
    renamed_keyword,
    samples_note,
)
from kerasmagic.diagnosis.context import STATIC, CellContext
from kerasmagic.diagnosis.keras3_support import generated_keywords
from kerasmagic.diagnosis.keras_paths import (
    accepts,
    is_model_class,
    root_of,
)
from kerasmagic.diagnosis.keyword_dicts import (
    keys_read,
    keyword_renames,
    renamed_keys,
    unpacked_keys,
)
from kerasmagic.diagnosis.problem import Problem, from_entry
from kerasmagic.diagnosis.rate_setters import ENTRY_ID as RATE_SETTER_ID
from kerasmagic.diagnosis.rate_setters import rate_setter
from kerasmagic.diagnosis.rewrite import (
    Edit,
    delete_keyword_edit,
    node_edit,
    node_text,
    quoted_like,
    walk,
)
from kerasmagic.diagnosis.rules import rule
from kerasmagic.diagnosis.value_change import rewrite
from kerasmagic.knowledge import api_index
from kerasmagic.knowledge.catalogue import Entry, entries_with_rule

IDENTIFIER_MODULES = {"optimizer": "optimizers", "loss": "losses"}


@rule("rejected-keyword", when=(STATIC,), family="optimizer-arguments", needs=("=", r"\*\*"))
def calls(ctx: CellContext) -> list[Problem]:
    """Keywords of Keras calls that the live signature rejects, renamed or removed."""
    if ctx.cell.tree is None:
        return []
    return list(_calls(ctx))


def _calls(ctx: CellContext) -> Iterator[Problem]:
    for call in walk(ctx.cell.tree):
        if not isinstance(call, ast.Call) or not call.keywords:
            continue
        if isinstance(call.func, ast.Attribute) and call.func.attr == "compile":
            yield from _identifier_strings(ctx, call)
        callee = ctx.scope.callee(call.func)
        if callee is None:
            yield from _model_method_keywords(ctx, call)
            continue
        if not live.is_keras_object(callee[0]):
            continue
        obj, path = callee
        params = live.parameters(obj)
        if params is None:
            continue
        accepted, _var_kw = params
        optimizer = live.is_optimizer_class(obj)
        given = {kw.arg for kw in call.keywords if kw.arg}
        for kw in call.keywords:
            if kw.arg is None:  # `**opt_params`: the keys of the dict where it is made
                yield from _unpacked_dict(ctx, call, kw, obj, path, accepted, optimizer)
        removable = {
            k for e in entries_with_rule("keyword-remove") for k in e.data.get("keywords", [])
        }
        # removals first: a decay schedule rewrites the learning-rate keyword itself
        for kw in sorted(call.keywords, key=lambda k: k.arg not in removable):
            if not kw.arg or kw.arg in accepted:
                continue
            yield from _keyword_problem(ctx, call, kw, obj, path, accepted, given, optimizer)


def _unpacked_dict(ctx: CellContext, call, kw, obj, path, accepted, optimizer) -> Iterator[Problem]:
    """``SGD(**opt_params)``: the renamed keys of the dict, renamed where it is made."""
    keys = unpacked_keys(ctx, kw.value)
    renames = keyword_renames(keys or [], accepted, obj, optimizer)
    if not renames:
        return
    entry, old, new = renames[0]
    name = path.rsplit(".", 1)[-1]
    read = keys_read(ctx, kw.value) & {old for _e, old, _n in renames}
    change = None if read else rewrite(ctx, kw.value, renamed_keys({o: n for _e, o, n in renames}))
    problem = from_entry(entry.id, call.lineno, change.edits if change else [], [old, name],
                         old=old, new=new, callable=f"`{name}`")  # fmt: skip
    if change is not None:
        problem.across = change.across
        problem.fix += f" The keys of the dict unpacked into `{name}` are renamed: {change.note}"
    else:  # explained: the key is read by name too, or the dict is made where it cannot change
        where = f"the code also reads `{sorted(read)[0]}` from it by name" if read else "it is made where it cannot be changed here"  # fmt: skip
        problem.fix += f" The keyword comes from the dict unpacked into `{name}` ({where}): rename the key there, and every read of it."  # fmt: skip
    yield problem


def _model_method_keywords(ctx: CellContext, call: ast.Call) -> Iterator[Problem]:
    """``model.fit(nb_epoch=…)`` on an object the cell builds: renamed keywords of the live
    ``Model`` method, when no Keras here accepts the old one."""
    func = call.func
    if not isinstance(func, ast.Attribute) or func.attr.startswith("_"):
        return
    if not any(p.split(".")[0] in live.KERAS_TOPS for p in ctx.scope.bindings.values()):
        return
    models = ctx.scope.model_classes()
    methods = [getattr(m, func.attr, None) for m in models]
    if not methods or not all(callable(m) for m in methods):
        return
    signatures = [live.parameters(m) for m in methods]
    if any(sig is None or sig[1] for sig in signatures):
        return
    accepted = set.intersection(*(sig[0] for sig in signatures if sig))
    rejected = set.union(*(sig[0] for sig in signatures if sig))
    given = {kw.arg for kw in call.keywords if kw.arg}
    for kw in call.keywords:
        if not kw.arg or kw.arg in rejected:
            continue
        new = keyword_rename(kw.arg, accepted)
        if new is None:
            continue
        yield from _keyword_problem(
            ctx, call, kw, methods[0], f"Model.{func.attr}", accepted, given, False
        )


def _keyword_problem(
    ctx: CellContext, call, kw, obj, path, accepted, given, optimizer
) -> Iterator[Problem]:
    name = path.rsplit(".", 1)[-1]
    for entry in entries_with_rule("keyword-rename"):
        kind = entry.data.get("callables")
        candidates = entry.data.get("renames", {}).get(kw.arg)
        # Model(**kwargs) hides its arguments from the signature
        new = renamed_keyword(candidates, None if kind == "model" else accepted)
        if not new and kw.arg in entry.data.get("performance_only", []):
            new = kw.arg  # gone under both names here: it chose a kernel, not a result
        dropped = entry.data.get("dropped_values", {}).get(name, {})
        if not new and kw.arg in dropped and isinstance(kw.value, ast.Constant):
            new = kw.arg if kw.value.value == dropped[kw.arg] else None  # the old default
        if not new:
            continue
        if kind == "model" and (not is_model_class(obj) or kw.arg in accepted):
            continue
        if kind == "optimizer" and not optimizer:
            continue
        values = entry.data.get("values", {}).get(kw.arg)
        edits: list[Edit | None] = []
        certain = True
        if new in given or new == kw.arg:
            edits.append(delete_keyword_edit(ctx.cell, call, kw))
        else:
            edits.append(rename_keyword_edit(ctx.cell, kw, new))
            if values:  # the old spelling's values changed too ('th' -> 'channels_first')
                value = kw.value
                if isinstance(value, ast.Constant) and value.value in values:
                    target = values[value.value]  # a string, or a number / truth value
                    text = (
                        quoted_like(node_text(ctx.cell, value), target)
                        if isinstance(target, str)
                        else repr(target)
                    )
                    edits.append(node_edit(ctx.cell, value, text))
                elif not (isinstance(value, ast.Constant) and value.value in values.values()):
                    certain = False  # a value we cannot translate
        counted = kw.arg in entry.data.get("samples_to_batches", [])
        batch = batch_size_expr(ctx, call) if counted else None
        if batch is not None:  # samples → batches of the generator, as Keras 2.0 converted it
            edits.append(per_batch_edit(ctx, kw, batch))
        if any(e is None for e in edits):
            return
        problem = from_entry(
            entry.id,
            kw.lineno,
            [e for e in edits if e is not None],
            [kw.arg, name],
            old=kw.arg,
            new=new,
            callable=f"`{name}`",
        )
        problem.certain = certain  # samples counted as batches when no batch size is known,
        # as Keras 2.0 itself converted them then: said in the fix
        if counted:
            problem.fix += " " + samples_note(kw.arg, new, batch)
        if new == kw.arg:  # performance_only or dropped_values, gone here: left out
            problem.title = f"`{kw.arg}` is a Keras 1 argument that `{name}` no longer takes"
            problem.fix = (f"Leave `{kw.arg}` out, as Keras 2.0's own conversion did: "
                           + ("it chose a kernel, not the result." if kw.arg in entry.data.get(
                               "performance_only", []) else "its value was the only behaviour "
                              "Keras 2 kept, which is the default now."))  # fmt: skip
        yield problem
        return
    facts = generated_keywords(path)
    # the generated map's renames: an alias Keras 2's own source read, then the parameter at the
    # same place with the same default in Keras 3
    for field, entry_id in (("alias", "keras2-keyword-alias"), ("kw", "keras3-keyword-renamed")):
        new = facts.get(field, {}).get(kw.arg)
        if new and new in accepted and new not in given:
            edit = rename_keyword_edit(ctx.cell, kw, new)
            if edit is not None:
                keras = ctx.versions.get("keras", "3")
                yield (
                    from_entry(entry_id, kw.lineno, [edit], [kw.arg, name], old=kw.arg, new=new,
                               callable=f"`{name}`", keras=keras)
                )  # fmt: skip
            return
    for entry in entries_with_rule("keyword-remove"):
        if kw.arg not in entry.data.get("keywords", []):
            continue
        if entry.data.get("callables") == "optimizer" and not optimizer:
            continue
        zero = _is_zero(kw.value)  # `decay=0.0` (the old signature copied whole): no schedule
        setter = rate_setter(ctx) if entry.data.get("schedule") and not zero else None
        if setter is not None:  # a schedule would make the setter raise: say so, rewrite nothing
            value = node_text(ctx.cell, kw.value) or kw.arg
            yield (
                from_entry(RATE_SETTER_ID, kw.lineno, [], [kw.arg, name], value=value,
                           name=f"`{name}`", setter=setter)
            )  # fmt: skip
            return
        edits = _decay_edits(ctx, call, kw, path, entry)
        if edits:
            yield from_entry(entry.id, kw.lineno, edits, [kw.arg, name], old=kw.arg)
        return


def _decay_edits(
    ctx: CellContext, call: ast.Call, kw: ast.keyword, path: str, entry: Entry
) -> list[Edit]:
    """``decay=d`` → ``learning_rate=<root>.optimizers.schedules.InverseTimeDecay(lr, 1, d)``
    when the cell can name the schedule; else drop ``decay`` (it is ignored or rejected)."""
    root = root_of(path)
    schedule = entry.data.get("schedule")
    if _is_zero(kw.value):  # no decay: dropped, the rate stays a plain (settable) number
        removal = delete_keyword_edit(ctx.cell, call, kw)
        return [removal] if removal is not None else []
    expr = None
    imported: list[Edit] = []  # `import <top>; ` before the statement, when the cell cannot name it
    if root and schedule and live.resolve_path(f"{root}.{schedule}")[0] == live.OK:
        expr = ctx.scope.expr_for(f"{root}.{schedule}")
        if expr is None and not _is_zero(kw.value):
            imported = _import_before(ctx, call, root.split(".")[0])
            expr = f"{root}.{schedule}" if imported else None
    lr_kw = next((k for k in call.keywords if k.arg in ("learning_rate", "lr")), None)
    decay_text = node_text(ctx.cell, kw.value)
    removal = delete_keyword_edit(ctx.cell, call, kw)
    if removal is None:
        return []
    if expr is None or decay_text is None:
        # dropping a decay changes how the model trains unless it is zero: no edit then
        return [removal] if _is_zero(kw.value) else []
    carried = _schedule_edits(ctx, call, kw, path, expr, decay_text, lr_kw, removal)
    return imported + carried if carried else []


def _schedule_edits(
    ctx: CellContext,
    call: ast.Call,
    kw: ast.keyword,
    path: str,
    expr: str,
    decay_text: str,
    lr_kw: ast.keyword | None,
    removal: Edit,
) -> list[Edit]:
    """The learning rate (given, positional or the live default) wrapped in ``expr``'s schedule
    with the decay, and ``decay=`` removed; [] when the rate cannot be carried."""
    if lr_kw is not None:
        lr_text = node_text(ctx.cell, lr_kw.value)
        lr_edit = node_edit(ctx.cell, lr_kw, "")
        if lr_text is None or lr_edit is None:
            return []
        new = f"learning_rate={expr}({lr_text}, decay_steps=1, decay_rate={decay_text})"
        return [
            Edit(lr_edit.line, lr_edit.col, lr_edit.end_line, lr_edit.end_col, new),
            removal,
        ]
    if call.args:
        first = call.args[0]
        lr_text = node_text(ctx.cell, first)
        e = node_edit(ctx.cell, first, "")
        if lr_text is None or e is None:
            return []
        new = f"{expr}({lr_text}, decay_steps=1, decay_rate={decay_text})"
        return [Edit(e.line, e.col, e.end_line, e.end_col, new), removal]
    kw_edit = node_edit(ctx.cell, kw, "")
    if kw_edit is None:
        return []
    status, cls = live.resolve_path(path)
    default = None
    params = live.parameters(cls) if status == live.OK else None
    try:
        import inspect

        default = inspect.signature(cls).parameters["learning_rate"].default
    except Exception:
        default = None
    if not isinstance(default, (int, float)) or params is None:
        return []
    new = f"learning_rate={expr}({default!r}, decay_steps=1, decay_rate={decay_text})"
    return [Edit(kw_edit.line, kw_edit.col, kw_edit.end_line, kw_edit.end_col, new)]


def _is_zero(value: ast.AST) -> bool:
    """A literal ``0``/``0.0`` decay: dropping it changes nothing the optimizer computes."""
    return (
        isinstance(value, ast.Constant) and not isinstance(value.value, bool) and value.value == 0
    )


COMPOUND = (ast.If, ast.For, ast.AsyncFor, ast.While, ast.With, ast.AsyncWith, ast.Try)


def _import_before(ctx: CellContext, call: ast.Call, top: str) -> list[Edit]:
    """``import <top>; `` in front of the simple statement holding ``call``, so the cell can name
    a path of ``top`` it has not bound; [] when ``top`` means something else in the cell."""
    if top in ctx.scope.user_bound or ctx.scope.bindings.get(top, top) != top:
        return []
    tree = ctx.cell.tree
    inner = None
    for node in walk(tree) if tree is not None else ():
        if (
            isinstance(node, ast.stmt)
            and node.lineno <= call.lineno
            and (node.end_lineno or node.lineno) >= (call.end_lineno or call.lineno)
            and (inner is None or node.lineno >= inner.lineno)
            and not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))
        ):
            inner = node
    if inner is None or isinstance(inner, COMPOUND):
        return []
    at = node_edit(ctx.cell, inner, "")
    if at is None:
        return []
    return [Edit(at.line, at.col, at.line, at.col, f"import {top}; ")]


IDENTIFIER_MODULES = {"optimizer": "optimizers", "loss": "losses"}


def _identifier_strings(ctx: CellContext, call: ast.Call) -> Iterator[Problem]:
    """``compile(optimizer='adm', loss='mse_')``: a string the live ``<module>.get``
    rejects, replaced by the closest name it accepts."""
    for kw in call.keywords:
        module_name = IDENTIFIER_MODULES.get(kw.arg or "")
        value = kw.value
        if module_name is None:
            continue
        if not (isinstance(value, ast.Constant) and isinstance(value.value, str)):
            continue
        for root in ctx.scope.cell_roots():
            status, module = live.resolve_path(f"{root}.{module_name}")
            if status != live.OK or not hasattr(module, "get"):
                continue
            if accepts(module.get, value.value):
                break
            public = api_index.module_public_names(f"{root}.{module_name}")
            names = {n.lower() for n, kind in public.items() if kind == "class"}
            names |= {n for n, kind in public.items() if kind == "function" and n.islower()}
            names.discard("get")
            for close in api_index.closest(value.value.lower(), sorted(names), n=3):
                if not accepts(module.get, close):
                    continue
                edit = node_edit(ctx.cell, value, quoted_like(node_text(ctx.cell, value), close))
                if edit is not None:
                    yield (
                        from_entry(
                            "optimizer-string-typo",
                            value.lineno,
                            [edit],
                            [value.value],
                            old=value.value,
                            new=close,
                            what=kw.arg or "",
                            module=module_name,
                        )
                    )
                break
            break
