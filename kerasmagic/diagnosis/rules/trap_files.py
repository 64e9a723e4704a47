"""Trap rules on files a cell loads: a checkpoint written by the other optimizer generation,
a Keras 2 ``.h5`` whose optimizer state Keras 3 resets."""

from __future__ import annotations

import ast
import math
import os

from kerasmagic.diagnosis.context import AFTER_RUN, STATIC, CellContext
from kerasmagic.diagnosis.problem import Problem
from kerasmagic.diagnosis.rules import rule
from kerasmagic.diagnosis.trap_support import (
    applies_to_kind,
    as_float,
    checkpoint_generation,
    fill_left_out,
    is_legacy_optimizer,
    literal,
    lookup,
    said,
    trap_namespace,
    trap_problem,
)
from kerasmagic.knowledge.catalogue import entry as catalogue_entry
from kerasmagic.probes.which_keras import (
    kind_of_module,
    kind_of_path,
    object_module,
)


@rule(
    "optimizer-checkpoint-generation",
    when=(AFTER_RUN,),
    family="saving",
    needs=r"load_weights",
    kind="trap",
)
def checkpoints(ctx: CellContext) -> list[Problem]:
    """A checkpoint of the other optimizer generation loaded into a model."""
    out: list[Problem] = []
    if not ctx.ran or trap_namespace(ctx) is None:
        return out
    entry = catalogue_entry("optimizer-checkpoint-generation")
    for call, text, _ in ctx.facts.calls:
        if not text.endswith(".load_weights") or not call.args:
            continue
        path = literal(call.args[0])
        if isinstance(call.args[0], ast.Name):  # a path variable: its value after the run
            path = trap_namespace(ctx).get(call.args[0].id)
        owner = text.rsplit(".", 1)[0]
        model = lookup(trap_namespace(ctx), owner)
        opt = getattr(model, "optimizer", None) if model is not None else None
        kind = kind_of_module(object_module(opt) or "", ctx.versions)
        if opt is None or not applies_to_kind(entry, kind, ctx.versions):
            continue
        loaded = "legacy" if is_legacy_optimizer(object_module(opt) or "") else "new (2.11+)"
        saved = checkpoint_generation(path) if isinstance(path, str) else None
        if saved is None and said(ctx, entry):
            saved = "different"
        if saved is None or saved == loaded:
            continue
        use = (
            f"`{'tf.keras.optimizers.legacy' if saved == 'legacy' else 'tf.keras.optimizers'}"
            f".{type(opt).__name__}`"
        )
        out.append(
            trap_problem(
                ctx,
                entry,
                {"model": owner, "saved": saved, "loaded": loaded, "use": use},
                confidence=1.0 if saved != "different" else 0.8,
                verify=f"After `{owner}.load_weights(…)`, `int({owner}.optimizer.iterations)` "
                "equals the step count of the run that saved the checkpoint.",
            )
        )
    return out


@rule(
    "keras2-h5-optimizer-reset",
    when=(STATIC, AFTER_RUN),
    family="saving",
    needs=r"load_model",
    kind="trap",
)
def saved_models(ctx: CellContext) -> list[Problem]:
    """A Keras 2 `.h5` whose optimizer Keras 3 builds anew."""
    out: list[Problem] = []
    from kerasmagic.diagnosis.reload_fix import keras_root, reload_edits
    from kerasmagic.probes.saved_files import read_h5_model

    entry = catalogue_entry("keras2-h5-optimizer-reset")
    for call, text, resolved in ctx.facts.calls:
        root = keras_root(resolved)
        if root is None or not call.args:
            continue
        if any(kw.arg == "compile" and literal(kw.value) is False for kw in call.keywords):
            continue  # compiled by the cell itself: nothing of the file's optimizer is used
        path = literal(call.args[0])
        if isinstance(call.args[0], ast.Name) and ctx.ran:  # a path variable, after the run
            path = (trap_namespace(ctx) or {}).get(call.args[0].id)
        saved = read_h5_model(path) if path is not None else None
        kind = kind_of_path(resolved, ctx.versions)
        if saved is None or not saved.compiled or saved.keras_major != 2 or kind != "keras3":
            continue
        if saved.layer_list:  # Keras 3 cannot load it: keras20-h5-layer-list
            continue
        if not applies_to_kind(entry, kind, ctx.versions):
            continue
        target = ctx.facts.targets.get(id(call))
        saved_lr = as_float(saved.optimizer_config.get("learning_rate"))
        state, confidence = "", 0.8
        if ctx.ran:
            model = lookup(trap_namespace(ctx) or {}, target) if target else None
            opt = getattr(model, "optimizer", None) if model is not None else None
            if opt is None:
                continue
            now = as_float(getattr(opt, "learning_rate", None))
            differs = None not in (now, saved_lr) and not math.isclose(now, saved_lr, rel_tol=1e-5)
            if not differs and not said(ctx, entry):
                continue  # restored as saved: no trap here
            confidence = 1.0
            if differs:
                state = f" (learning_rate {now:.7g} instead of the saved {saved_lr:.7g})"
        fix = reload_edits(ctx.cell, call, root, target, saved) if target else None
        extra = {}
        if fix and fix.left_out:
            extra["fix"] = fill_left_out(entry.fix, fix.left_out)
        name = target or text
        out.append(
            trap_problem(
                ctx,
                entry,
                {
                    "model": name,
                    "saved_keras": saved.keras_version,
                    "state": state,
                    "optimizer": f"`{saved.optimizer_class}`",
                    "file": os.path.basename(saved.path),
                },
                confidence=confidence,
                fix_code=fix.code if fix else None,
                edits=list(fix.edits) if fix else [],
                line=call.lineno,
                verify=(
                    f"`float({name}.optimizer.learning_rate)` is {saved_lr:.7g} and loading logs "
                    'no "Error in loading the saved optimizer state".'
                    if saved_lr is not None
                    else 'Loading logs no "Error in loading the saved optimizer state".'
                ),
                **extra,
            )
        )
    return out
