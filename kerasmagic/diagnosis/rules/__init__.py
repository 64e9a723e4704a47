"""The rule registry: every diagnosis is a rule, one function from a cell context to problems.

A rule module registers its rules with ``@rule(id, when=..., family=...)``::

    @rule("history-acc-key", when=(STATIC,), family="model-methods")
    def history_acc_key(ctx: CellContext) -> Iterable[Problem]:
        ...

``when`` says at which moments it runs: ``STATIC`` (from the source and the live API, before or
without running: ``--lint``, and before a diagnosis), ``ERROR`` (after the cell raised: the
exception is ``ctx.exc``), ``AFTER_RUN`` (after a successful run: the namespace holds what the cell
made). Rules run in the order of ``RULE_MODULES`` and, within a module, of their definitions; a
rule may read what earlier static rules left in the context. A failing rule is skipped and noted
in ``ctx`` (``failures``): one rule's bug never hides the others' findings.
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from kerasmagic.diagnosis import live
from kerasmagic.diagnosis.context import AFTER_RUN, ERROR, MOMENTS, STATIC

if TYPE_CHECKING:
    from kerasmagic.diagnosis.context import CellContext
    from kerasmagic.diagnosis.problem import Problem

__all__ = ["AFTER_RUN", "ERROR", "STATIC", "Rule", "problems_for", "registry", "rule"]

# In running order. Static lint rules first (imports bind names the later rules use).
RULE_MODULES = (
    "kerasmagic.diagnosis.rules.mixed_imports",
    "kerasmagic.diagnosis.rules.imports",
    "kerasmagic.diagnosis.rules.namespace_imports",
    "kerasmagic.diagnosis.rules.attributes",
    "kerasmagic.diagnosis.rules.methods",
    "kerasmagic.diagnosis.rules.calls",
    "kerasmagic.diagnosis.rules.removed_calls",
    "kerasmagic.diagnosis.rules.backend_ops",
    "kerasmagic.diagnosis.rules.keras3_calls",
    "kerasmagic.diagnosis.rules.keras3_callbacks",
    "kerasmagic.diagnosis.rules.keras3_data",
    "kerasmagic.diagnosis.rules.keras3_models",
    "kerasmagic.diagnosis.rules.keras3_moved",
    "kerasmagic.diagnosis.rules.history",
    "kerasmagic.diagnosis.rules.needs_package",
    "kerasmagic.diagnosis.rules.error_names",
    "kerasmagic.diagnosis.rules.error_saving",
    "kerasmagic.diagnosis.rules.error_data",
    "kerasmagic.diagnosis.rules.error_mixed",
    "kerasmagic.diagnosis.rules.error_calls",
    "kerasmagic.diagnosis.rules.optimizer_attributes",
    "kerasmagic.diagnosis.rules.optimizer_state",
    "kerasmagic.diagnosis.rules.explain",
    "kerasmagic.diagnosis.rules.trap_optimizers",
    "kerasmagic.diagnosis.rules.trap_defaults",
    "kerasmagic.diagnosis.rules.trap_environment",
    "kerasmagic.diagnosis.rules.trap_imports",
    "kerasmagic.diagnosis.rules.trap_files",
)

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
        "removed_calls",
        "backend_ops",
        "keras3_calls",
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
        "optimizer_attributes",
        "optimizer_state",
    )
)

RuleFunction = Callable[["CellContext"], Iterable["Problem"]]


@dataclass(frozen=True)
class Rule:
    """A registered rule: its id (the catalogue entry it reports, or a generic id), the moments
    it runs at, its family, and the function."""

    id: str
    when: tuple[str, ...]
    family: str
    function: RuleFunction
    module: str
    patterns: tuple[re.Pattern[str], ...] = ()  # it cannot apply to a source matching none
    kind: str = "error"  # what its problems are: "error" (lint, error fixes) or "trap"


_REGISTRY: list[Rule] = []
_loaded = False
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
    kind: str = "error",
) -> Callable:
    """Register the decorated function as a rule. ``needs``: a regex the cell's source must
    match for the rule to apply, or several of which one must match (a cheap pre-filter of the
    rule's own; after a run, a cell that emitted warnings or log lines is examined whatever its
    source). A regex that starts with a literal (``lr\\s*=``) is searched for as fast as the
    literal; an alternation or a ``\\b`` in front is several times slower on every cell, so
    give the alternatives as a tuple."""
    unknown = set(when) - set(MOMENTS)
    if unknown:
        raise ValueError(f"rule {rule_id}: unknown moment(s) {sorted(unknown)}")

    def register(function: RuleFunction) -> RuleFunction:
        if any(r.function is function for r in _REGISTRY):
            return function
        patterns = tuple(
            re.compile(n) for n in ((needs,) if isinstance(needs, str) else needs or ())
        )
        if kind not in ("error", "trap"):
            raise ValueError(f"rule {rule_id}: kind must be 'error' or 'trap', not {kind!r}")
        module = function.__module__
        _REGISTRY.append(Rule(rule_id, tuple(when), family, function, module, patterns, kind))
        return function

    return register


def registry() -> list[Rule]:
    """Every rule, in running order (importing the rule modules on first use)."""
    global _loaded, _ordered
    if not _loaded:
        for name in RULE_MODULES:
            importlib.import_module(name)
        _loaded = True
    key = (id(_REGISTRY), len(_REGISTRY))
    if _ordered[0] != key:
        order = {name: i for i, name in enumerate(RULE_MODULES)}
        rules = sorted(_REGISTRY, key=lambda r: order.get(r.module, len(order)))
        _ordered = (key, rules)
    return list(_ordered[1])


def _rules_of(when: str, kind: str | None, keras: bool) -> list[Rule]:
    """The rules of moment ``when`` (and of ``kind``), in running order, selected once;
    ``keras=False``: without the ones that read the live Keras API."""
    if not _loaded:
        registry()
    key = (when, kind, keras, id(_REGISTRY), len(_REGISTRY))
    rules = _selected.get(key)
    if rules is None:
        rules = [
            r
            for r in registry()
            if when in r.when
            and (kind is None or r.kind == kind)
            and (keras or r.module not in LIVE_KERAS_MODULES)
        ]
        _selected[key] = rules
    return rules


def _needed(rule: Rule, source: str) -> bool:
    """Does ``source`` hold something the rule's ``needs=`` pre-filter asks for (or has it none)?"""
    if not rule.patterns:
        return True
    for pattern in rule.patterns:  # noqa: SIM110 (a loop: no generator per rule and cell)
        if pattern.search(source):
            return True
    return False


def may_find(when: str, kind: str | None, source: str) -> bool:
    """Would any rule of moment ``when`` (and of ``kind``) look at ``source`` at all? False when
    every one's ``needs=`` pre-filter rules it out: the engine then has nothing to examine."""
    return any(_needed(r, source) for r in _rules_of(when, kind, True))


def problems_for(ctx: CellContext, when: str, kind: str | None = None) -> list[Problem]:
    """Run every rule registered for moment ``when`` (and of ``kind``) on ``ctx``; their
    problems, in order."""
    out: list[Problem] = []
    rules = _rules_of(when, kind, True)
    if len(_rules_of(when, kind, False)) != len(rules):  # some read the live Keras API
        rules = _rules_of(when, kind, any(live.top_exists(top) for top in live.KERAS_TOPS))
    source = ctx.source
    unfiltered = when == AFTER_RUN and bool(ctx.captured_texts)  # a warning may name anything
    for r in rules:
        if not unfiltered and not _needed(r, source):
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
        if when == STATIC and r.kind == "error":  # what the later static rules may read
            known = {id(p) for p in ctx.problems}
            ctx.problems.extend(p for p in found if id(p) not in known)
    return out


def ids(when: str | None = None) -> list[str]:
    """The ids of the registered rules (of one moment)."""
    return [r.id for r in registry() if when is None or when in r.when]


__all__ += ["ERROR", "ids"]
