"""Static rule: a cell whose model is ``tf.keras`` importing from ``keras`` where the two are
different Keras packages (``TF_USE_LEGACY_KERAS=1`` with tf_keras: ``tf.keras`` is tf_keras 2,
``keras`` is Keras 3).

Fixing a wrong name inside ``keras`` would hand the model an object of the other package (its
``compile`` then fails with "Could not interpret optimizer identifier"): every ``from keras…``
import of such a cell is taken from ``tensorflow.keras`` instead, where the live ``tf.keras`` has
the name. The fix is part of the context's import fixes (``diagnosis/import_fixes.py``), made
before the other imports' rewrites, which leave the statements it rewrote alone.
"""

from __future__ import annotations

from kerasmagic.diagnosis.context import STATIC, CellContext
from kerasmagic.diagnosis.import_fixes import MIXED
from kerasmagic.diagnosis.problem import Problem
from kerasmagic.diagnosis.rules import rule

ENTRY = MIXED


@rule(ENTRY, when=(STATIC,), family="mixed-keras", needs=r"keras")
def mixed_keras_imports(ctx: CellContext) -> list[Problem]:
    """``from keras… import X`` (a name that does not resolve there) in a cell whose model is a
    ``tf.keras`` model of another Keras package: every ``keras`` import moves to ``tf.keras``."""
    fixes = ctx.import_fixes
    return list(fixes.reported(ENTRY, fixes.mixed))
