"""Error rule: a model architecture saved as JSON by Keras 1/2 (``model.to_json()``, written to a
file beside the notebook), read back with ``model_from_json``.

Keras 3 writes each object's ``module`` and ``registered_name`` into its configs and looks classes
up by them; a Keras 2 JSON names only ``class_name``, so Keras 3's ``model_from_json`` cannot find
even ``Sequential``: "Could not locate class 'Sequential'". The message is the evidence: Keras 3
always locates its own model classes in a config it wrote. Keras 3 still reads Keras 2 configs, on
its legacy path (the one that loads a Keras 2 ``.h5`` model): ``keras.legacy.saving.
deserialize_keras_object`` given Keras's layers and models by name, the JSON parsed first. That
path gives a layer's ``batch_input_shape`` (Keras 2's, batch size first) to the layer as its
``input_shape`` (Keras 3's, without it), so a Sequential model would expect inputs of one rank
more (measured in Keras 3.13 and 3.15): the JSON is parsed with each ``batch_input_shape`` read as
the ``input_shape`` it meant. The corrected call goes that way, the same layers and weights'
shapes as the file says.
"""

from __future__ import annotations

import ast
import re

from kerasmagic.diagnosis.context import ERROR, CellContext
from kerasmagic.diagnosis.keras3_support import keras_root, module_name
from kerasmagic.diagnosis.problem import Problem, from_entry
from kerasmagic.diagnosis.rewrite import (
    Edit,
    callee_name,
    node_edit,
    node_text,
    walk,
)
from kerasmagic.diagnosis.rules import rule

ENTRY = "keras2-model-json"
MESSAGE = re.compile(
    r"Could not locate class '(Sequential|Model|Functional)'"
    r"|Expected 'config' to be a dict for (Sequential),\s+instead got <class 'list'>"
)
LOADERS = ("model_from_json",)
# Keras 3's legacy path gives a layer's Keras 2 `batch_input_shape` (batch size first) to the layer
# as its `input_shape` (no batch size): the model would take inputs of one rank more. Each one is
# read as the input shape it meant, the batch size left out, as the JSON is parsed.
SHAPES = ('lambda d: {**{k: v for k, v in d.items() if k != "batch_input_shape"}, '
          '"input_shape": d["batch_input_shape"][1:]} if "batch_input_shape" in d else d')  # fmt: skip
# Keras 2.0 and 2.1 wrote a Sequential model's config as the bare list of its layers; Keras 2.2 made
# it ``{"name": …, "layers": [...]}``, the only form Keras 3's paths read ("Expected 'config' to
# be a dict for Sequential, instead got <class 'list'>"): the list becomes that dict as it is parsed.
LAYER_LIST = ('lambda d: {**d, "config": {"name": "sequential", "layers": d["config"]}} '
              'if d.get("class_name") == "Sequential" and isinstance(d.get("config"), list) else d')  # fmt: skip
# both: each shape read as it meant, and the list read as the dict (``.h5`` files too:
# rules/error_h5_layer_list.py)
SHAPES_AND_LAYER_LIST = f"lambda d: ({LAYER_LIST})(({SHAPES})(d))"


@rule(ENTRY, when=(ERROR,), family="saving", errors=("TypeError",), needs=LOADERS)
def legacy_model_json(ctx: CellContext) -> list[Problem]:
    """Each ``model_from_json(text)`` (Keras's) of the failing lines read on Keras's legacy path."""
    found = MESSAGE.search(ctx.message)
    tree = ctx.cell.tree
    if found is None or tree is None or not ctx.versions.get("keras", "").startswith("3"):
        return []
    root = keras_root(ctx)
    if root is None:
        return []
    keras, edits = root
    found_json = module_name(ctx, "json")
    if found_json is None:
        return []
    json_name, json_import = found_json
    changed: list[Edit] = []
    for call in walk(tree):
        if not (isinstance(call, ast.Call) and getattr(call, "lineno", None) in ctx.failing_lines):
            continue
        if callee_name(call) not in LOADERS or not ctx.scope.refers_to_keras(call.func) or len(call.args) != 1:
            continue
        extra = [k for k in call.keywords if k.arg != "custom_objects"]
        text = node_text(ctx.cell, call.args[0])
        if extra or not text:
            continue
        hook = SHAPES_AND_LAYER_LIST if found.group(2) else SHAPES
        config = f"{json_name}.loads({text}, object_hook={hook})"
        objects = f"{{**vars({keras}.layers), **vars({keras}.models), 'Functional': {keras}.Model}}"
        given = "".join(f", custom_objects={node_text(ctx.cell, k.value)}" for k in call.keywords)
        edit = node_edit(ctx.cell, call, f"{keras}.legacy.saving.deserialize_keras_object({config}, module_objects={objects}{given})")  # fmt: skip
        if edit is not None:
            changed.append(edit)
    if not changed:
        return []
    problem = from_entry(ENTRY, ctx.line or changed[0].line, edits + json_import + changed, list(LOADERS),
                         ctx.shown_versions, cls=found.group(1) or found.group(2))  # fmt: skip
    problem.certain = True
    return [problem]

