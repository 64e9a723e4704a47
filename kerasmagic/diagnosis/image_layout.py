"""Can this kernel train a channels-first convolution? Measured, not assumed.

TensorFlow's CPU kernels for a convolution's gradient (``Conv2DBackpropInput``,
``Conv2DBackpropFilter``) take only channels-last tensors ("Conv2DCustomBackpropFilterOp only
supports NHWC"), unless its oneDNN operations are on (``TF_ENABLE_ONEDNN_OPTS``: on by default only
on some x86 CPUs, read once when TensorFlow is imported). On a GPU, and with JAX or PyTorch behind
Keras 3, channels first trains. So a fix that makes a model channels first is only a fix where one
step of training through such a convolution runs here: this module runs that step, with
TensorFlow's own ops (no Keras layer is made, so no name counter of Keras moves), on the device
training would use.
"""

from __future__ import annotations

import ast
import os

from kerasmagic.diagnosis.live import KERAS_TOPS, imported_keras_backend
from kerasmagic.diagnosis.rewrite import Edit
from kerasmagic.probes.loaded import loaded

# read once, when TensorFlow is imported: the switch goes before the notebook's first import of it
ONEDNN = "TF_ENABLE_ONEDNN_OPTS"
ONEDNN_LINES = (
    "import os\n"
    f'os.environ["{ONEDNN}"] = "1"  # channels-first convolutions train on TensorFlow\'s CPU only with oneDNN\n'
)


def channels_first_trains(root: str) -> bool:
    """Does a gradient through a channels-first 2D convolution compute in this kernel, for the
    Keras package ``root`` (``keras``, ``tensorflow`` for ``tf.keras``, ``tf_keras``)? True where
    TensorFlow is not behind that Keras (Keras 3 on JAX or PyTorch)."""
    if root == "keras" and imported_keras_backend() not in (None, "tensorflow"):
        return True
    tf = loaded("tensorflow")
    if tf is None:
        return True  # no TensorFlow in this kernel: nothing of it to measure
    try:
        images = tf.ones((1, 1, 4, 4))
        kernel = tf.Variable(tf.ones((2, 2, 1, 1)))
        with tf.GradientTape() as tape:
            out = tf.nn.convolution(images, kernel, padding="VALID", data_format="NCHW")
        gradient = tape.gradient(out, kernel)
        return gradient is not None and bool(tf.reduce_all(tf.math.is_finite(gradient)))
    except Exception:  # noqa: BLE001 - TensorFlow's InvalidArgumentError / UnimplementedError
        return False


def onednn_on() -> bool:
    """Are TensorFlow's oneDNN operations asked for in this process (the variable it read)?"""
    return os.environ.get(ONEDNN) == "1"


def onednn_edit(first_import: ast.stmt, tree: ast.Module | None = None) -> Edit:
    """The lines that switch oneDNN's operations on, just before the cell's first import of
    Keras or TensorFlow (a top-level statement): TensorFlow reads the variable at its import.
    ``import os`` only where no top-level statement before that import binds ``os``."""
    before = [s for s in (tree.body if tree is not None else ()) if s.lineno < first_import.lineno]
    has_os = any(isinstance(s, ast.Import) and any(a.name == "os" and a.asname is None for a in s.names) for s in before)  # fmt: skip
    lines = ONEDNN_LINES.split("\n", 1)[1] if has_os else ONEDNN_LINES
    return Edit(first_import.lineno, 0, first_import.lineno, 0, lines)


def sets_onednn(stmt: ast.stmt) -> bool:
    """Is ``stmt`` the switch's assignment (``os.environ["TF_ENABLE_ONEDNN_OPTS"] = "1"``)?"""
    if not (isinstance(stmt, ast.Assign) and len(stmt.targets) == 1):
        return False
    target = stmt.targets[0]
    key = target.slice if isinstance(target, ast.Subscript) else None
    return isinstance(key, ast.Constant) and key.value == ONEDNN


def first_keras_import(tree: ast.Module | None) -> ast.stmt | None:
    """The cell's first top-level import of Keras or TensorFlow."""
    for stmt in tree.body if tree is not None else ():
        if isinstance(stmt, ast.Import) and any(is_keras(a.name) for a in stmt.names):
            return stmt
        if isinstance(stmt, ast.ImportFrom) and not stmt.level and is_keras(stmt.module or ""):
            return stmt
    return None


def is_keras(module: str) -> bool:
    return module.split(".")[0] in KERAS_TOPS
