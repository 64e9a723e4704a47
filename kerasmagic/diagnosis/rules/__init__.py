"""The rule registry: every diagnosis is a rule, one function from a cell context to problems.

A rule module registers its rules with ``@rule(id, when=..., family=...)``::

    @rule("history-acc-key", when=(STATIC,), family="model-methods")
    def history_acc_key(ctx: CellContext) -> Iterable[Problem]:
        ...

``when`` says at which moments it runs: ``STATIC`` (from the source and the live API, before or
without running: ``--lint``, and before a diagnosis), ``ERROR`` (after the cell raised: the
exception is ``ctx.exc``), ``AFTER_RUN`` (after a successful run: the namespace holds what the cell
made). A rule reads the context and returns problems; it writes nothing (what several rules need,
such as the names the cell's corrected imports bind, is a fact the context works out once:
``CellContext.import_fixes``, ``chain_fixes``), so the order rules run in changes no result; they
run in the order of ``RULE_MODULES`` and, within a module, of their definitions, which is the
order of their problems. A failing rule is skipped and noted in ``ctx`` (``failures``): one rule's
bug never hides the others' findings.

A rule module is imported the first time one of its rules could apply:
``diagnosis/rule_manifest.py``, generated from the registry (``python3 scripts/rule_manifest.py``,
checked by a test), holds each rule's moments, kind and pre-filters (``needs=``, ``errors=``), so a
cell no rule of a module could read never pays for importing it.
"""

from __future__ import annotations

import importlib
import re
import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from kerasmagic.diagnosis import live
from kerasmagic.diagnosis.context import AFTER_RUN, ERROR, MOMENTS, STATIC

if TYPE_CHECKING:
    from kerasmagic.diagnosis.context import CellContext
    from kerasmagic.diagnosis.problem import Problem

__all__ = ["AFTER_RUN", "ERROR", "STATIC", "Rule", "problems_for", "registry", "rule", "words"]

# In running order (the order of the problems: a rule reads nothing another one left).
RULE_MODULES = tuple(
    f"kerasmagic.diagnosis.rules.{name}"
    for name in (
        "mixed_imports", "imports", "namespace_imports", "attributes", "methods", "calls",
        "keras1_conv", "keras1_merge", "keras1_initializers", "keras1_wrapped",
        "keras3_sequence_input", "removed_calls", "tf1_session", "backend_ops", "keras3_backend_function", "keras3_calls",
        "keras3_positional", "keras3_callbacks", "keras3_data", "keras3_models",
        "keras3_moved", "history", "needs_package", "error_names", "error_saving",
        "error_save_folder", "error_layer_shapes", "error_latest_checkpoint", "error_tf1_renames",
        "error_data", "error_mixed", "error_calls", "documented_renames", "numpy_printoptions", "numpy_removed",
        "error_user_callables", "error_stateful", "error_own_lambda", "error_dunder_call", "error_model_build", "error_logs_key", "error_optimizer_minimize",
        "error_symbolic_tf", "error_metric_dtype", "error_members", "error_callback_model", "error_outer_tensors", "error_super_init", "error_initial_state", "error_get_file", "error_float_steps", "error_show_accuracy", "error_config_keys",
        "error_messages", "optimizer_attributes", "optimizer_state", "explain", "trap_optimizers",
        "trap_defaults", "trap_environment", "trap_imports", "trap_files", "trap_get_file", "colab_magics",
    )
)  # fmt: skip

# rule modules that read the live Keras API: where no Keras package exists at all (no keras,
# tensorflow or tf_keras), they have nothing to read and are not run
LIVE_KERAS_MODULES = frozenset(
    f"kerasmagic.diagnosis.rules.{name}"
    for name in (
        "mixed_imports",
        "namespace_imports",
        "attributes",
        "methods",
        "calls",
        "keras1_conv",
        "keras1_merge",
        "keras1_initializers",
        "keras1_wrapped",
        "keras3_sequence_input",
        "error_model_build",
        "keras3_backend_function",
        "error_optimizer_minimize",
        "removed_calls",
        "tf1_session",
        "backend_ops",
        "keras3_calls",
        "keras3_positional",
        "keras3_callbacks",
        "keras3_data",
        "keras3_models",
        "keras3_moved",
        "history",
        "needs_package",
        "error_saving",
        "error_data",
        "error_mixed",
        "error_calls",
        "error_user_callables",
        "error_stateful",
        "error_own_lambda",
        "error_symbolic_tf",
        "error_metric_dtype",
        "error_messages",
        "optimizer_attributes",
        "optimizer_state",
        "trap_get_file",
        "error_get_file",
        "error_float_steps",
        "error_show_accuracy",
        "error_config_keys",
    )
)

RuleFunction = Callable[["CellContext"], Iterable["Problem"]]


# instances without a __dict__ each (slots need Python 3.10 in a dataclass with defaults)
_COMPACT: dict[str, bool] = {"slots": True} if sys.version_info >= (3, 10) else {}


@dataclass(frozen=True, **_COMPACT)
class Rule:
    """A registered rule: its id (the catalogue entry it reports, or a generic id), the moments
    it runs at, its family, and the function."""

    id: str
    when: tuple[str, ...]
    family: str
    function: RuleFunction
    module: str
    patterns: tuple[re.Pattern[str] | str, ...] = ()  # it cannot apply to a source holding none
    kind: str = "error"  # what its problems are: "error" (lint, error fixes) or "trap"
    errors: tuple[str, ...] = ()  # after an error: the exception class names it can explain


_REGISTRY: list[Rule] = []
# the registry in running order, and the rules of each moment and kind, worked out once for a
# registry (keyed by the list and its length: registering a rule or replacing the list redoes it)
_ordered: tuple[tuple[int, int], list[Rule]] = ((0, -1), [])
_selected: dict[tuple[str, str | None, bool, int, int], list[Rule]] = {}


def rule(
    rule_id: str,
    *,
    when: tuple[str, ...],
    family: str = "",
    needs: str | tuple[str, ...] | None = None,
    errors: tuple[str, ...] = (),
    kind: str = "error",
) -> Callable:
    """Register the decorated function as a rule. ``needs``: a regex the cell's source must
    match for the rule to apply, or several of which one must match (a cheap pre-filter of the
    rule's own; after a run, a cell that emitted warnings or log lines is examined whatever its
    source). A regex that starts with a literal (``lr\\s*=``) is searched for as fast as the
    literal; an alternation or a ``\\b`` in front is several times slower on every cell, so
    give the alternatives as a tuple. ``errors``: after an error, the names of the exception
    classes (``type(exc).__name__``) the rule can explain; it is not run for others."""
    unknown = set(when) - set(MOMENTS)
    if unknown:
        raise ValueError(f"rule {rule_id}: unknown moment(s) {sorted(unknown)}")
    if errors and ERROR not in when:
        raise ValueError(f"rule {rule_id}: errors= needs the ERROR moment")

    def register(function: RuleFunction) -> RuleFunction:
        if any(r.function is function for r in _REGISTRY):
            return function
        patterns = _patterns((needs,) if isinstance(needs, str) else needs or ())
        if kind not in ("error", "trap"):
            raise ValueError(f"rule {rule_id}: kind must be 'error' or 'trap', not {kind!r}")
        module = function.__module__
        entry = Rule(rule_id, tuple(when), family, function, module, patterns, kind, tuple(errors))
        _REGISTRY.append(entry)
        return function

    return register


_WORD = re.compile(r"\w+")


def _patterns(needs: Iterable[str]) -> tuple[re.Pattern[str] | str, ...]:
    """``needs=`` as searched: a plain word stays a string (``in`` is several times faster than
    a regex search), anything else is compiled."""
    return tuple(n if _WORD.fullmatch(n) else re.compile(n) for n in needs)


def words(names: Iterable[str]) -> tuple[str, ...]:
    """``needs=`` patterns for a rule that looks only for these names (each a literal)."""
    return tuple(re.escape(name) for name in names)


def registry() -> list[Rule]:
    """Every rule, in running order (importing every rule module)."""
    for name in RULE_MODULES:
        if name not in sys.modules:
            importlib.import_module(name)
    return list(_in_order())


def _in_order() -> list[Rule]:
    """The rules of the modules imported so far, in running order."""
    global _ordered
    key = (id(_REGISTRY), len(_REGISTRY))
    if _ordered[0] != key:
        order = {name: i for i, name in enumerate(RULE_MODULES)}
        rules = sorted(_REGISTRY, key=lambda r: order.get(r.module, len(order)))
        _ordered = (key, rules)
    return _ordered[1]


def _rules_of(when: str, kind: str | None, keras: bool) -> list[Rule]:
    """The rules (of the modules imported so far) of moment ``when`` and of ``kind``, in running
    order, selected once; ``keras=False``: without the ones that read the live Keras API."""
    key = (when, kind, keras, id(_REGISTRY), len(_REGISTRY))
    rules = _selected.get(key)
    if rules is None:
        rules = [
            r
            for r in _in_order()
            if when in r.when
            and (kind is None or r.kind == kind)
            and (keras or r.module not in LIVE_KERAS_MODULES)
        ]
        _selected[key] = rules
    return rules


def _needed(rule: Rule, source: str, error_type: str = "") -> bool:
    """Could the rule apply: does ``source`` hold something its ``needs=`` pre-filter asks for,
    and (after an error) is the error one of its ``errors=``? (True for a rule with neither.)"""
    if rule.errors and error_type and error_type not in rule.errors:
        return False
    return not rule.patterns or _holds_one(rule.patterns, source)


def _holds_one(patterns: tuple[re.Pattern[str] | str, ...], source: str) -> bool:
    """Does ``source`` hold one of these pre-filter patterns (a word by ``in``, else a search)?"""
    for pattern in patterns:  # a loop, not any(): no generator per rule and cell
        if isinstance(pattern, str):
            if pattern in source:
                return True
        elif pattern.search(source):
            return True
    return False


# the manifest's rules of each moment and kind, by module in running order, selected once
_waiting: dict[tuple[str, str | None, bool], list[tuple[str, list[Rule]]]] = {}


def _planned(when: str, kind: str | None, keras: bool) -> list[tuple[str, list[Rule]]]:
    """By the manifest, the rule modules with rules of moment ``when`` and of ``kind``, each
    with those rules (their functions not loaded: only what ``_needed`` reads), in running order.
    A module the manifest does not know is listed with no rules: it is always imported."""
    key = (when, kind, keras)
    planned = _waiting.get(key)
    if planned is None:
        from kerasmagic.diagnosis.rule_manifest import MANIFEST

        planned = []
        for module in RULE_MODULES:
            if not keras and module in LIVE_KERAS_MODULES:
                continue
            if module not in MANIFEST:
                planned.append((module, []))
                continue
            rules = [
                r
                for r in _manifest_rules(module, MANIFEST[module])
                if when in r.when and (kind is None or r.kind == kind)
            ]
            if rules:
                planned.append((module, rules))
        _waiting[key] = planned
    return planned


_from_manifest: dict[str, list[Rule]] = {}


def _manifest_rules(module: str, listed: list) -> list[Rule]:
    """A rule module's rules as the manifest lists them (made once, shared by every moment)."""
    rules = _from_manifest.get(module)
    if rules is None:
        rules = [
            Rule("", moments, "", _unloaded, module, _patterns(needs), k, errs)
            for moments, k, needs, errs in listed
        ]
        _from_manifest[module] = rules
    return rules


def _unloaded(ctx: CellContext) -> Iterable[Problem]:
    """The function of a rule read from the manifest: never run (its module is imported)."""
    raise AssertionError("a rule of the manifest runs only once its module is imported")


def _could_apply(rules: list[Rule], source: str, error_type: str = "") -> bool:
    """Could one of a waiting module's manifest rules apply (a module the manifest does not
    know, with no rules listed, always could)?"""
    if not rules:
        return True
    for r in rules:  # noqa: SIM110 (a loop, not any(): it runs after every clean cell)
        if _needed(r, source, error_type):
            return True
    return False


def _import_needed(
    when: str, kind: str | None, keras: bool, source: str, error_type: str, unfiltered: bool
) -> None:
    """Import the rule modules not imported yet of which a rule could apply here (by the
    manifest: its moments, kind and pre-filters), in running order."""
    for module, rules in _planned(when, kind, keras):
        if module not in sys.modules and (unfiltered or _could_apply(rules, source, error_type)):
            importlib.import_module(module)


def may_find(when: str, kind: str | None, source: str) -> bool:
    """Would any rule of moment ``when`` (and of ``kind``) look at ``source`` at all? False when
    every one's ``needs=`` pre-filter rules it out: the engine then has nothing to examine.
    Imports nothing: the rules of modules not imported yet are read from the manifest."""
    patterns = _looked_for(when, kind)
    return patterns is None or _holds_one(patterns, source)  # None: a rule reads every cell


# may_find's patterns of each moment and kind, kept while no rule module is imported
_looked_for_cache: dict[tuple[str, str | None], tuple[tuple[int, int], tuple | None]] = {}


def _looked_for(when: str, kind: str | None) -> tuple[re.Pattern[str] | str, ...] | None:
    """Every ``needs=`` pattern of the rules of ``when`` and ``kind``, imported or waiting in the
    manifest, each once; None when one of them has no pre-filter. Made again once a rule module
    is imported (the registry grows)."""
    key = (when, kind)
    known = (id(_REGISTRY), len(_REGISTRY))
    kept = _looked_for_cache.get(key)
    if kept is not None and kept[0] == known:
        return kept[1]
    rules = list(_rules_of(when, kind, True))
    unknown = False  # a waiting module the manifest does not know: it is always imported
    for module, waiting in _planned(when, kind, True):
        if module not in sys.modules:
            unknown = unknown or not waiting
            rules.extend(waiting)
    patterns = None
    if not unknown and all(r.patterns for r in rules):
        patterns = tuple(dict.fromkeys(p for r in rules for p in r.patterns))
    _looked_for_cache[key] = (known, patterns)
    return patterns


def problems_for(ctx: CellContext, when: str, kind: str | None = None) -> list[Problem]:
    """Run every rule registered for moment ``when`` (and of ``kind``) on ``ctx`` (importing the
    rule modules of which one could apply); their problems, in order."""
    out: list[Problem] = []
    keras = True
    if len(_planned(when, kind, False)) != len(_planned(when, kind, True)):
        keras = any(live.top_exists(top) for top in live.KERAS_TOPS)  # some read the live API
    source = ctx.source
    error_type = ctx.error_type if when == ERROR else ""
    unfiltered = when == AFTER_RUN and bool(ctx.captured_texts)  # a warning may name anything
    _import_needed(when, kind, keras, source, error_type, unfiltered)
    for r in _rules_of(when, kind, keras):
        if not unfiltered and not _needed(r, source, error_type):
            continue
        try:
            found = list(r.function(ctx) or ())
        except RecursionError:
            if when == STATIC:
                break  # a deeply nested cell: later static rules would recurse as well
            continue
        except Exception as exc:  # one rule's failure must not hide the others
            ctx.failures.append(f"rule {r.id}: {type(exc).__name__}: {exc}")
            continue
        out.extend(found)
    return out


def manifest() -> dict[str, list[tuple[tuple[str, ...], str, tuple[str, ...], tuple[str, ...]]]]:
    """What ``rule_manifest.MANIFEST`` must say, from the registry: for each rule module, each
    rule's moments, kind, ``needs=`` patterns and ``errors=``."""
    out: dict[str, list] = {}
    for r in registry():
        needs = tuple(p if isinstance(p, str) else p.pattern for p in r.patterns)
        out.setdefault(r.module, []).append((r.when, r.kind, needs, r.errors))
    return out


def ids(when: str | None = None) -> list[str]:
    """The ids of the registered rules (of one moment)."""
    return [r.id for r in registry() if when is None or when in r.when]


__all__ += ["ERROR", "ids"]
