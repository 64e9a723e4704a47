"""Error rule: an HDF5 file that Keras 3 itself wrote, which its ``load_model`` cannot read back.

Keras 2 wrote and read ``.h5`` as its own format. Keras 3 writes ``.h5`` through a legacy path
kept for old files, and reads back less than it writes: a ``Sequential`` model holding a
``Lambda`` whose function reads a notebook name, saved to ``.h5`` and loaded, stops in the legacy
loader ("Layer count mismatch when loading weights from file. Model expected 1 layers, found 2
saved layers": rebuilding it called the function, which stopped unseen), where the same model
saved as ``.keras`` loads. Evidence, from the live kernel: that message, raised by Keras's legacy
HDF5 loading code itself, by ``load_model(path)`` on the failing line, and the notebook saves a
live Keras 3 model to that very path (its value, followed through names and earlier cells). The
repair: the model is saved as a ``.keras`` file too, where the ``.h5`` is written (which stays),
and that file is loaded.
"""

from __future__ import annotations

import ast
import os

from kerasmagic.diagnosis.context import ERROR, CellContext
from kerasmagic.diagnosis.frames import traceback_frames
from kerasmagic.diagnosis.live_strings import string_value
from kerasmagic.diagnosis.problem import Problem
from kerasmagic.diagnosis.rewrite import ParsedCell, node_text, quoted_like
from kerasmagic.diagnosis.rules import rule
from kerasmagic.diagnosis.rules.error_saved_model_call import (
    failing_load,
    keras3_save,
    saved_beside,
)

ENTRY = "keras3-h5-not-read-back"
LEGACY_LOADER = os.path.join("keras", "src", "legacy", "saving") + os.sep
# the legacy loader's own words for a file whose layers it did not rebuild as they were saved
# (keras/src/legacy/saving/legacy_h5_format.py, load_weights_from_hdf5_group)
NOT_READ_BACK = ("Layer count mismatch when loading weights from file",)


@rule(ENTRY, when=(ERROR,), family="saving", errors=("ValueError",), needs="load_model")
def h5_not_read_back(ctx: CellContext) -> list[Problem]:
    """``load_model(path)`` of an ``.h5`` file a live Keras 3 model of this notebook was saved
    to, refused by Keras's legacy HDF5 loader itself (a layer's own error raised under it, the
    ``Lambda``'s safe mode, is another problem's): the model saved as ``.keras`` too, and that
    loaded."""
    frames = traceback_frames(ctx.exc)  # raised by the legacy loader itself (not by a layer's
    if not frames or LEGACY_LOADER not in frames[-1].f_code.co_filename:  # own refusal under it)
        return []
    if not any(m in ctx.message for m in NOT_READ_BACK):  # what it says of a file it cannot read
        return []
    load = failing_load(ctx)
    path = string_value(ctx, load.args[0]) if load is not None else None
    if load is None or path is None or not os.path.isfile(path):
        return []
    save = keras3_save(ctx, ("save", "save_model"), path, saved_model=False)
    if save is None:
        return []
    return saved_beside(ctx, ENTRY, load, save, path, _keras_file)


def _keras_file(parsed: ParsedCell, arg: ast.expr, path: str) -> str | None:
    """The ``.keras`` file beside ``path``: a literal with its suffix replaced, else the
    expression plus ``.keras``."""
    text = node_text(parsed, arg)
    if text is None:
        return None
    if isinstance(arg, ast.Constant):
        return quoted_like(text, os.path.splitext(path)[0] + ".keras")
    return f"{text} + '.keras'"
