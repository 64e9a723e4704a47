"""Trap rule: Keras 1's ``Convolution2D(32, 3, 3)`` in a cell that ran. Every Keras here takes
``(filters, kernel_size, strides)``: the third number became a stride, and an input large enough
raises nothing (``rules/keras1_conv.py`` is the static rule with the same rewrite)."""

from __future__ import annotations

import ast

from kerasmagic.diagnosis.context import AFTER_RUN, CellContext
from kerasmagic.diagnosis.problem import Problem
from kerasmagic.diagnosis.rewrite import walk
from kerasmagic.diagnosis.rules import rule
from kerasmagic.diagnosis.rules.keras1_conv import NEEDS, kernel_ranks, positional_sizes
from kerasmagic.diagnosis.trap_support import trap_problem
from kerasmagic.knowledge.catalogue import entry as catalogue_entry


@rule("keras1-conv-kernel-strides-silent", when=(AFTER_RUN,), family="renamed-names", needs=NEEDS, kind="trap")  # fmt: skip
def conv_kernel_strides_silent(ctx: CellContext) -> list[Problem]:
    """The same call in a cell that ran: a layer small enough for its input trains with the
    second size as its ``strides`` (``Convolution2D(32, 3, 3)``: a 3-wide kernel moved 3 pixels
    at a time), without an error. Keras 1 and Keras 2.0's legacy interface made the sizes one
    ``kernel_size`` and trained with strides 1: the same rewrite. After a run only: before it,
    the static rule of ``keras1_conv.py`` says it (``lint``)."""
    entry = catalogue_entry("keras1-conv-kernel-strides-silent")
    if ctx.cell.tree is None or entry is None:
        return []
    ranks, _, _ = kernel_ranks()
    out: list[Problem] = []
    for call in walk(ctx.cell.tree):
        sizes = positional_sizes(ctx, call, ranks) if isinstance(call, ast.Call) else None
        if sizes is not None:
            edit, fields = sizes
            out.append(trap_problem(ctx, entry, fields, edits=[edit], line=call.lineno,
                                    names=[fields["old"]], confidence=1.0))  # fmt: skip
    return out
