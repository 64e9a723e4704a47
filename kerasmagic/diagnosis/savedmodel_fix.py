"""A TensorFlow SavedModel directory given to Keras 3's ``load_model``: reload it as Keras 3 can
(an inference-only ``TFSMLayer`` on one of the model's real signatures) or through ``tf_keras``.

Which one is provable from the cell and the directory: a ``TFSMLayer`` only serves ``model(x)``;
a cell that fits, predicts or summarises the model needs the Keras 2 loader of ``tf_keras`` (when
it is installed), and that rebuilds a model only from a SavedModel Keras 2 wrote.
"""

from __future__ import annotations

import ast
import importlib.util
import os
import sys
from dataclasses import dataclass

from kerasmagic.diagnosis.reload_fix import keras_alias, loaded_paths
from kerasmagic.diagnosis.rewrite import (
    Edit,
    ParsedCell,
    insertion_line,
    node_edit,
    node_text,
    walk,
)

INIT_OP = "__saved_model_init_op"
# what Keras 2's model.save() adds to a SavedModel: only then can tf_keras rebuild a full model
# (any other SavedModel comes back as a bare restored object without fit/predict)
KERAS2_METADATA = "keras_metadata.pb"
PLAIN_ENDPOINTS = ("serve",)


@dataclass
class SavedModelFix:
    path: str
    endpoints: list[str]
    edits: list[Edit]
    how: str  # "TFSMLayer", "tf_keras" or "" (explained only)
    code: str


def signature_keys(path: str) -> list[str]:
    """The serving signatures of the SavedModel at ``path`` (read with TensorFlow's own protos,
    only when TensorFlow is already imported); [] if unknown."""
    if "tensorflow" not in sys.modules:
        return []
    try:
        from tensorflow.core.protobuf import saved_model_pb2

        proto = saved_model_pb2.SavedModel()
        with open(os.path.join(path, "saved_model.pb"), "rb") as handle:
            proto.ParseFromString(handle.read())
    except Exception:
        return []
    keys: list[str] = []
    for graph in proto.meta_graphs:
        keys += [k for k in graph.signature_def if k != INIT_OP and k not in keys]
    return keys


def _attributes_used(cell: ParsedCell, name: str) -> bool:
    """``name.attr`` appears anywhere in the cell (``fit``, ``predict``, ``summary`` …)."""
    return any(
        isinstance(node, ast.Attribute)
        and isinstance(node.value, ast.Name)
        and node.value.id == name
        for node in (walk(cell.tree) if cell.tree is not None else ())
    )


def savedmodel_fix(
    cell: ParsedCell, line: int | None, namespace: dict | None
) -> SavedModelFix | None:
    """The fix for the ``load_model`` of a SavedModel directory on ``line`` (None: not that)."""
    for call, root, target, path in loaded_paths(cell, line, namespace):
        arg = call.args[0]
        try:
            path = os.fspath(path)
        except TypeError:
            path = None
        if not isinstance(path, str) or not os.path.isfile(os.path.join(path, "saved_model.pb")):
            continue
        endpoints = signature_keys(path)
        keras2_model = os.path.isfile(os.path.join(path, KERAS2_METADATA))
        # Keras 3's export writes a `serve` endpoint that returns the output tensor; signatures
        # (`serving_default`, all Keras 2 has) return a dict of named outputs instead
        endpoint = next((e for e in PLAIN_ENDPOINTS if e in endpoints), None)
        shown = endpoint or (
            "serving_default" if "serving_default" in endpoints or not endpoints else endpoints[0]
        )
        path_text = node_text(cell, arg) or repr(path)
        bound = keras_alias(cell, root, namespace)  # this cell's import, or an earlier cell's name
        expr = bound or "keras"
        layer = f"{expr}.layers.TFSMLayer({path_text}, call_endpoint={shown!r})"
        attributes = _attributes_used(cell, target) if target else True
        edits: list[Edit] = []
        how = ""
        if endpoint and target and not attributes and bound:
            edit = node_edit(cell, call, layer)  # only `model(x)`: the layer serves it, here
            if edit is not None:
                edits, how = [edit], "TFSMLayer"
        if not how and keras2_model and importlib.util.find_spec("tf_keras") is not None:
            edit = node_edit(cell, call.func, "tf_keras.models.load_model")
            if edit is not None:
                at = insertion_line(cell)
                edits, how = [Edit(at, 0, at, 0, "import tf_keras\n"), edit], "tf_keras"
        code = f"{target or 'model'} = {layer}"
        if not endpoint:
            code += "  # returns a dict of named outputs"
        if how == "tf_keras":
            code = f"import tf_keras\n{target or 'model'} = tf_keras.models.load_model({path_text})"
        return SavedModelFix(path, endpoints, edits, how, code)
    return None
