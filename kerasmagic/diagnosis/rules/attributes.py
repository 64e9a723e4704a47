"""Static rule on attribute chains of Keras modules (``keras.layers.merge.Concatenate``) that do
not exist in the live API. The chains' new paths are a fact of the context
(``CellContext.chain_fixes``, made by ``diagnosis/chain_fixes.py``): a call through a broken chain
is read as a call of its new target by the rules about calls."""

from __future__ import annotations

from kerasmagic.diagnosis.context import STATIC, CellContext
from kerasmagic.diagnosis.problem import Problem
from kerasmagic.diagnosis.rules import rule


@rule("missing-attribute", when=(STATIC,), family="imports")
def attribute_chains(ctx: CellContext) -> list[Problem]:
    """`keras.a.b` chains whose target lives elsewhere in the live API."""
    fixes = ctx.chain_fixes
    if fixes.error is not None:
        raise fixes.error
    return list(fixes.problems)
