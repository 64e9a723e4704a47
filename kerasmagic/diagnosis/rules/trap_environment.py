"""Trap rules on environment variables set too late: ``TF_USE_LEGACY_KERAS`` after ``tf.keras``
was resolved, ``KERAS_BACKEND`` after Keras was imported."""

from __future__ import annotations

import os
import sys

from kerasmagic.diagnosis.context import AFTER_RUN, STATIC, CellContext
from kerasmagic.diagnosis.problem import Problem
from kerasmagic.diagnosis.rules import rule
from kerasmagic.diagnosis.trap_support import (
    first_line,
    set_in_cell,
    trap_problem,
)
from kerasmagic.knowledge.catalogue import entry as catalogue_entry
from kerasmagic.probes.keras_setup import LEGACY_TRUE
from kerasmagic.probes.which_keras import (
    kind_text,
    tf_keras_kind,
)


@rule(
    "legacy-keras-env-too-late",
    when=(STATIC, AFTER_RUN),
    family="environment",
    needs=r"TF_USE_LEGACY_KERAS",
    kind="trap",
)
def legacy_env(ctx: CellContext) -> list[Problem]:
    """TF_USE_LEGACY_KERAS set after `tf.keras` was resolved."""
    out: list[Problem] = []
    entry = catalogue_entry("legacy-keras-env-too-late")
    changed, line, value = set_in_cell(ctx, "TF_USE_LEGACY_KERAS")
    if not changed or not entry.applies_to(ctx.versions):
        return out
    value = value if value is not None else os.environ.get("TF_USE_LEGACY_KERAS")
    if ctx.ran:
        value = os.environ.get("TF_USE_LEGACY_KERAS")
    if value not in LEGACY_TRUE:
        return out
    moments, what, actual = _legacy_moments(ctx, line)
    if not moments:
        return out
    restart = "Restart the kernel and set the variable before `import tensorflow`."
    out.append(
        trap_problem(
            ctx,
            entry,
            {"value": value, "what": what, "actual": actual, "moment": "; ".join(moments)},
            restart_needed=True,
            confidence=1.0 if ctx.ran else 0.9,
            verify="After the restart, `tf.keras.__name__` (and a module imported with "
            "`from tensorflow.keras import layers`) starts with `tf_keras`.",
            fix=restart
            if ctx.versions.get("tf-keras")
            else restart
            + " tf_keras is not installed: with the variable set in time `tf.keras` would "
            'fail ("Keras cannot be imported"); install the tf_keras release matching '
            "TensorFlow first.",
        )
    )
    return out


def _legacy_moments(ctx: CellContext, set_line: int | None) -> tuple[list[str], str, str]:
    tf = sys.modules.get("tensorflow") if ctx.ran or "tensorflow" in sys.modules else None
    before = getattr(ctx.captured, "before", None)
    moments: list[str] = []
    whats: list[str] = []
    kind = None
    tf_line = first_line(ctx, ("tensorflow",), imports_only=True)
    use_line = first_line(ctx, ("tensorflow.keras",))
    if tf is not None:
        from kerasmagic.diagnosis.capture import tf_keras_resolved

        if tf_keras_resolved(tf):
            kind = tf_keras_kind(ctx.versions)
            if kind != "tf_keras":
                if (
                    before is not None
                    and before.tf_keras_resolved
                    or (before is None and not ctx.ran)
                ):
                    moments.append("`tf.keras` was already resolved before this cell ran")
                elif use_line is not None and (set_line is None or use_line < set_line):
                    moments.append(
                        f"`tf.keras` was first used on line {use_line}, before the variable "
                        f"was set{f' on line {set_line}' if set_line else ''}"
                    )
                else:
                    moments.append("`tf.keras` was first used before the variable was set")
                whats.append("`tf.keras`")
        at_import = tf.__dict__.get("_tf_uses_legacy_keras")
        if at_import is False:
            imported_before = before is None or before.tf_imported
            where = (
                "`import tensorflow` ran before this cell"
                if imported_before or tf_line is None
                else f"`import tensorflow` ran on line {tf_line}"
            )
            moments.append(
                where
                + ", so `from tensorflow.keras import …` still loads "
                + kind_text(tf_keras_kind(ctx.versions), ctx.versions)
            )
            whats.append("`from tensorflow.keras import …`")
    elif tf_line is not None and set_line is not None and tf_line < set_line:
        moments.append(
            f"`import tensorflow` on line {tf_line} comes before the variable (line "
            f"{set_line}), so `from tensorflow.keras import …` will not load tf_keras"
        )
        whats.append("`from tensorflow.keras import …`")
        if use_line is not None and use_line < set_line:
            moments.append(f"`tf.keras` is first used on line {use_line}")
            whats.append("`tf.keras`")
    if kind is None:
        kind = tf_keras_kind(ctx.versions)
    return moments, " and ".join(whats) or "`tf.keras`", kind_text(kind, ctx.versions)


@rule(
    "keras-backend-env-too-late",
    when=(STATIC, AFTER_RUN),
    family="environment",
    needs=r"KERAS_BACKEND",
    kind="trap",
)
def backend_env(ctx: CellContext) -> list[Problem]:
    """KERAS_BACKEND set after Keras was imported."""
    out: list[Problem] = []
    entry = catalogue_entry("keras-backend-env-too-late")
    changed, line, value = set_in_cell(ctx, "KERAS_BACKEND")
    if not changed or not entry.applies_to(ctx.versions):
        return out
    if ctx.ran:
        value = os.environ.get("KERAS_BACKEND")
    if not value:
        return out
    keras = sys.modules.get("keras")
    before = getattr(ctx.captured, "before", None)
    import_line = first_line(ctx, ("keras", "tensorflow"), imports_only=True)
    if keras is not None:
        try:
            actual = str(keras.backend.backend())
        except Exception:
            return out
        if actual == value:
            return out
        if before is not None and before.keras_imported or (before is None and not ctx.ran):
            moment = "keras was already imported before this cell ran"
        elif import_line is not None and (line is None or import_line < line):
            moment = f"keras was imported on line {import_line}, before the variable was set"
        else:
            moment = "keras was imported before the variable was set"
    elif import_line is not None and line is not None and import_line < line:
        actual = "the backend chosen at that import"
        moment = f"line {import_line} imports keras (or tensorflow) before line {line} sets it"
    else:
        return out
    out.append(
        trap_problem(
            ctx,
            entry,
            {"value": value, "actual": actual, "moment": moment},
            restart_needed=True,
            confidence=1.0 if keras is not None else 0.85,
            verify=f"After the restart, `keras.backend.backend()` returns {value!r}.",
        )
    )
    return out
