"""Static rules on calls: keywords the live signature rejects (``lr``, ``decay``, Keras 1 names),
and optimizer/loss strings the live ``get`` does not accept."""

from __future__ import annotations

import ast
from collections.abc import Iterator

from kerasmagic.diagnosis import live
from kerasmagic.diagnosis.bindings import (
    keyword_rename,
    renamed_keyword,
)
from kerasmagic.diagnosis.context import STATIC, CellContext
from kerasmagic.diagnosis.decay_schedule import decay_edits, is_zero
from kerasmagic.diagnosis.keras2_identifiers import keras2_string
from kerasmagic.diagnosis.keras3_support import generated_keywords
from kerasmagic.diagnosis.keras_paths import (
    accepts,
    is_model_class,
)
from kerasmagic.diagnosis.keyword_dicts import (
    keys_read,
    keyword_renames,
    renamed_keys,
    unpacked_keys,
)
from kerasmagic.diagnosis.keyword_sites import (
    KeywordSite,
    from_the_dict,
    keyword_sites,
    site_change,
)
from kerasmagic.diagnosis.known_values import MISSING
from kerasmagic.diagnosis.problem import Problem, from_entry
from kerasmagic.diagnosis.provenance import one_string, origins
from kerasmagic.diagnosis.rate_setters import ENTRY_ID as RATE_SETTER_ID
from kerasmagic.diagnosis.rate_setters import rate_setter
from kerasmagic.diagnosis.rewrite import (
    node_edit,
    node_text,
    quoted_like,
    walk,
)
from kerasmagic.diagnosis.rules import rule
from kerasmagic.diagnosis.rules.error_calls import rejected_keyword_calls
from kerasmagic.diagnosis.samples_per_batch import batch_size_expr, per_batch_edit, samples_note
from kerasmagic.diagnosis.value_change import rewrite
from kerasmagic.diagnosis.value_transforms import Transform
from kerasmagic.knowledge import api_index
from kerasmagic.knowledge.catalogue import entries_with_rule

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
        sites = keyword_sites(ctx, call)
        given = {site.arg for site in sites}
        renamed: set[str] = set()  # keys of a dict renamed together, where it is made
        for kw in call.keywords:
            if kw.arg is None:  # `**opt_params`: the keys of the dict where it is made
                problem, keys = _unpacked_dict(ctx, call, kw, obj, path, accepted, optimizer)
                renamed |= keys
                yield from [problem] if problem is not None else []
        removable = {
            k for e in entries_with_rule("keyword-remove") for k in e.data.get("keywords", [])
        }
        # removals first: a decay schedule rewrites the learning-rate keyword itself
        for site in sorted(sites, key=lambda s: s.arg not in removable):
            if site.arg in accepted or (site.unpacked and site.arg in renamed):
                continue
            yield from _keyword_problem(ctx, call, site, obj, path, accepted, given, optimizer)


def _unpacked_dict(ctx: CellContext, call, kw, obj, path, accepted, optimizer) -> tuple[Problem | None, set[str]]:
    """``SGD(**opt_params)``: the renamed keys of the dict, renamed where it is made (with the
    keys it renames)."""
    keys = unpacked_keys(ctx, kw.value)
    renames = keyword_renames(keys or [], accepted, obj, optimizer)
    if not renames:
        return None, set()
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
    return problem, {old for _e, old, _n in renames}


def _model_method_keywords(ctx: CellContext, call: ast.Call) -> Iterator[Problem]:
    """``model.fit(nb_epoch=…)`` on an object the cell builds, or on a live Keras model an
    earlier cell made: renamed keywords of the live ``Model`` method, when no Keras here accepts
    the old one (a method taking ``**kwargs``: the keyword its error refused)."""
    func = call.func
    if not isinstance(func, ast.Attribute) or func.attr.startswith("_"):
        return
    receiver = (ctx.live_names or {}).get(func.value.id) if isinstance(func.value, ast.Name) else None  # fmt: skip
    if live.from_keras(receiver) and is_model_class(type(receiver)):
        models = [type(receiver)]  # the object itself, whoever imported Keras
    elif not any(p.split(".")[0] in live.KERAS_TOPS for p in ctx.scope.bindings.values()):
        return
    else:
        models = ctx.scope.model_classes()
    methods = [getattr(m, func.attr, None) for m in models]
    if not methods or not all(callable(m) for m in methods):
        return
    signatures = [live.parameters(m) for m in methods]
    if any(sig is None for sig in signatures):
        return
    # a method taking `**kwargs` (Keras 2.x's `compile`, Keras 3's `evaluate`) checks them
    # itself: a keyword it refused is the one the error message names
    refused = {kw.arg for _call, kw in rejected_keyword_calls(ctx)} if any(sig[1] for sig in signatures if sig) else None  # fmt: skip
    accepted = set.intersection(*(sig[0] for sig in signatures if sig))
    rejected = set.union(*(sig[0] for sig in signatures if sig))
    sites = keyword_sites(ctx, call)
    given = {site.arg for site in sites}
    for site in sites:
        if (refused is not None and site.arg not in refused) or site.arg in rejected or (keyword_rename(site.arg, accepted) is None and not _dropped_before(site.arg, func.attr)):  # fmt: skip
            continue
        yield from _keyword_problem(
            ctx, call, site, methods[0], f"Model.{func.attr}", accepted, given, False
        )


def _dropped_before(keyword: str, method: str) -> bool:
    """Did Keras's own legacy conversion leave ``keyword`` of ``method`` out at any value
    (catalogue ``dropped_by_keras2``: Keras 1's ``compile(class_mode=…)``)?"""
    return any(keyword in e.data.get("dropped_by_keras2", {}).get(method, []) for e in entries_with_rule("keyword-rename"))  # fmt: skip


def _hashable(value: object) -> bool:
    return value is not MISSING and isinstance(value, (str, int, float, bool, type(None)))


def _table_key(value: object) -> object:
    """``value`` as a key of a catalogue table of values (TOML keys are strings: a truth value
    is spelled ``true``/``false`` there); MISSING when it cannot be one."""
    if isinstance(value, bool):
        return str(value).lower()
    return value if _hashable(value) else MISSING


def _keyword_problem(
    ctx: CellContext, call, site: KeywordSite, obj, path, accepted, given, optimizer
) -> Iterator[Problem]:
    """The problem of one keyword ``obj`` rejects, written in the call or in a dict it unpacks
    (``diagnosis/keyword_sites.py``: changed where it is written)."""
    name = path.rsplit(".", 1)[-1]
    kw = site
    for entry in entries_with_rule("keyword-rename"):
        kind = entry.data.get("callables")
        candidates = entry.data.get("renames", {}).get(kw.arg)
        # Model(**kwargs) hides its arguments from the signature
        new = renamed_keyword(candidates, None if kind == "model" else accepted)
        if not new and kw.arg in entry.data.get("performance_only", []):
            new = kw.arg  # gone under both names here: it chose a kernel, not a result
        dropped = entry.data.get("dropped_values", {}).get(name, {})
        known = site.known  # written there, or a name bound to it cells earlier
        if not new and kw.arg in dropped and known is not MISSING:
            new = kw.arg if known == dropped[kw.arg] else None  # the old default
        by_keras2 = kw.arg in entry.data.get("dropped_by_keras2", {}).get(name, [])
        if not new and by_keras2:
            new = kw.arg  # Keras 2.0 left it out at any value, warning: said in the fix
        if not new:
            continue
        if kind == "model" and (not is_model_class(obj) or kw.arg in accepted):
            continue
        if kind == "optimizer" and not optimizer:
            continue
        values = entry.data.get("values", {}).get(kw.arg)
        certain = True
        # a value Keras 2.0 converted to None, the new keyword's default: left out
        to_default = _hashable(known) and known in entry.data.get("to_default", {}).get(kw.arg, [])
        text = None
        if values and not (new in given or new == kw.arg or to_default):
            # the old spelling's values changed too ('th' -> 'channels_first')
            if _table_key(known) in values:
                target = values[_table_key(known)]  # a string, or a number / truth value
                string = isinstance(site.value, ast.Constant) and isinstance(site.value.value, str)
                written = site.written if string else None
                usual = "''" if ctx.source.count("'") >= ctx.source.count('"') else '""'  # the cell's quotes
                text = quoted_like(written or usual, target) if isinstance(target, str) else repr(target)  # fmt: skip
            elif not (_hashable(known) and known in values.values()):  # already the new value
                certain = False  # a value we cannot translate
        if new in given or new == kw.arg or to_default:
            change = site_change(ctx, call, site, leave_out=True)
        else:
            change = site_change(ctx, call, site, new_name=new, value_text=text)
        counted = kw.arg in entry.data.get("samples_to_batches", [])
        batch = batch_size_expr(ctx, call, kw.arg) if counted else None
        if change is None or (batch is not None and site.unpacked):
            return  # a dict's count of samples is not divided where the dict is made
        edits = list(change.edits)
        if batch is not None:  # samples → batches of the generator, as Keras 2.0 converted it
            edits.append(per_batch_edit(ctx, site.keyword, batch))
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
        from_the_dict(problem, site, change, name)
        problem.certain = certain  # samples counted as batches when no batch size is known,
        # as Keras 2.0 itself converted them then: said in the fix
        if counted:
            problem.fix += " " + samples_note(kw.arg, new, batch)
        if to_default:
            problem.fix += (f" `{kw.arg}={known!r}` was Keras 2.0's `{new}=None`, the "
                            "default: it is left out.")  # fmt: skip
        if entry.data.get("own_words"):
            pass  # the entry's title and fix say what the value was
        elif new == kw.arg and by_keras2:  # what it did is gone since Keras 2.0: say so
            problem.title = f"`{kw.arg}` is a Keras 1 argument that `{name}` no longer takes"
            value = site.written or "…"
            note = entry.data.get("dropped_notes", {}).get(kw.arg, "")
            problem.fix = (f"Leave `{kw.arg}={value}` out, as Keras's own legacy conversion did, with a "
                           f"warning: under every Keras 2 and here, `{name}` trains without it. "
                           + note.format(value=value, name=name)).strip()  # fmt: skip
        elif new == kw.arg:  # performance_only or dropped_values, gone here: left out
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
        params = live.parameters(obj) if new and field == "alias" else None
        if params is not None and params[1]:  # taken by **kwargs and ignored: trap_keyword_alias
            return
        if new and new in accepted and new not in given:
            change = site_change(ctx, call, site, new_name=new)
            if change is not None:
                keras = ctx.versions.get("keras", "3")
                problem = from_entry(entry_id, kw.lineno, change.edits, [kw.arg, name], old=kw.arg,
                                     new=new, callable=f"`{name}`", keras=keras)  # fmt: skip
                yield from_the_dict(problem, site, change, name)
            return
    for entry in entries_with_rule("keyword-remove"):
        if kw.arg not in entry.data.get("keywords", []):
            continue
        if (entry.data.get("callables") == "optimizer" and not optimizer) or site.unpacked:
            continue  # a schedule made of a dict's keys: not here
        zero = is_zero(kw.value, ctx)  # `decay=0.0` (the old signature copied whole): no schedule
        setter = rate_setter(ctx) if entry.data.get("schedule") and not zero else None
        if setter is not None:  # a schedule would make the setter raise: say so, rewrite nothing
            value = node_text(ctx.cell, kw.value) or kw.arg
            yield (
                from_entry(RATE_SETTER_ID, kw.lineno, [], [kw.arg, name], value=value,
                           name=f"`{name}`", setter=setter)
            )  # fmt: skip
            return
        edits = decay_edits(ctx, call, site.keyword, path)
        if edits:
            yield from_entry(entry.id, kw.lineno, edits, [kw.arg, name], old=kw.arg)
        return


def _identifier_strings(ctx: CellContext, call: ast.Call) -> Iterator[Problem]:
    """``compile(optimizer='adm', loss='mse_')``: a string the live ``<module>.get``
    rejects, replaced by the closest name it accepts."""
    for kw in keyword_sites(ctx, call):  # in the call, or a key of a dict it unpacks
        module_name = IDENTIFIER_MODULES.get(kw.arg)
        value = kw.value
        if module_name is None:
            continue
        if kw.unpacked:  # the dict's own string literal
            held = kw.known if isinstance(kw.known, str) else None
            if held is None:
                continue
        else:
            held = _held_string(ctx, value) if isinstance(value, MEMBER_OR_NAME) else None
        if held is None and not (isinstance(value, ast.Constant) and isinstance(value.value, str)):
            continue
        written = held if held is not None else value.value  # type: ignore[attr-defined]
        for root in ctx.scope.cell_roots():
            status, module = live.resolve_path(f"{root}.{module_name}")
            if status != live.OK or not hasattr(module, "get"):
                continue
            if accepts(module.get, written):
                break
            renamed = keras2_string(module_name, written)  # what Keras 2 made of it
            if renamed is not None and accepts(module.get, renamed):
                problem = _renamed_identifier(ctx, call, kw, written, renamed, module_name)
                if problem is not None:
                    yield problem
                break
            if held is not None:
                break  # a guess at a misspelling is made only where the string is written
            public = api_index.module_public_names(f"{root}.{module_name}")
            names = {n.lower() for n, kind in public.items() if kind == "class"}
            names |= {n for n, kind in public.items() if kind == "function" and n.islower()}
            names.discard("get")
            word = value.value.lower()
            for close in api_index.closest(word, sorted(names), n=3):
                # a misspelling is a few keystrokes ('adm', 'mse_'), never another word ('acc'
                # is no 'ctc', 'top_k_categorical_accuracy' no 'categorical_crossentropy')
                if api_index.edit_distance(word, close) > max(1, len(word) // 4):
                    continue
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


MEMBER_OR_NAME = (ast.Name, ast.Attribute, ast.Subscript)


def _held_string(ctx: CellContext, name: ast.expr) -> str | None:
    """The string a name or member holds, where every origin of its value (this cell or an
    earlier one) is one and the same string literal (``loss_name = 'kullback_leibler_divergence'``,
    ``self.loss = …``, ``config['loss'] = …``)."""
    return one_string(origins(ctx, name, terms=False))


def _renamed_identifier(ctx: CellContext, call: ast.Call, kw: KeywordSite, old: str, new: str, module: str) -> Problem | None:  # fmt: skip
    """Keras 2's alias written as Keras 3 names it: the literal itself, or the literal a name or
    a dict's key holds, where it is made (``value_change.rewrite``: an earlier cell's through
    ``across``)."""
    value, what = kw.value, kw.arg
    if kw.unpacked:
        change = site_change(ctx, call, kw, value_text=quoted_like(kw.written or "''", new))
        edits, across = (change.edits, change.across) if change is not None else ([], None)
    elif isinstance(value, ast.Constant):
        edit = node_edit(ctx.cell, value, quoted_like(node_text(ctx.cell, value), new))
        edits, across = ([edit], None) if edit is not None else ([], None)
    else:
        change = rewrite(ctx, value, Transform(f"be `{new!r}`", lambda text: new if text == old else None))
        edits, across = (change.edits, change.across) if change is not None else ([], None)
    if not edits:
        return None
    problem = from_entry("keras3-renamed-identifier", value.lineno, edits, [old], old=old, new=new,
                         what=what, module=module)  # fmt: skip
    problem.across = across
    return problem
