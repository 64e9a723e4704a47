"""Error rule: ``load_model`` of an ``.h5`` model Keras 2.0 or 2.1 saved, whose Sequential config
is the bare list of its layers.

Keras 2.2 made a Sequential model's config ``{"name": …, "layers": [...]}``; Keras 3's legacy
``.h5`` loader reads only that form and fails inside on the list ("pop expected at most 1
argument, got 2", a message that says nothing of the cause). The file is the evidence: its
``model_config`` attribute, read without loading anything, is a ``Sequential`` with a list.

The corrected cell builds the model from that config on Keras's legacy path, the list read as
the dict Keras 2.2 wrote and each ``batch_input_shape`` as the input shape it meant (the hook of
``rules/error_legacy_model_json.py``), loads the file's weights into it, and compiles it again
with the optimizer, loss and metrics the file records (``reload_fix.compile_line``), as
``load_model`` did: the same model, ready to predict or train on.
"""

from __future__ import annotations

import ast
import sys
from functools import partial

from kerasmagic.diagnosis.context import ERROR, CellContext
from kerasmagic.diagnosis.keras3_support import keras_root, module_name
from kerasmagic.diagnosis.live_strings import string_value
from kerasmagic.diagnosis.problem import Problem, from_entry
from kerasmagic.diagnosis.reload_fix import compile_line, loaded_paths
from kerasmagic.diagnosis.rewrite import after_statement, node_edit, node_text, statement_of
from kerasmagic.diagnosis.rules import rule
from kerasmagic.diagnosis.rules.error_legacy_model_json import SHAPES_AND_LAYER_LIST
from kerasmagic.probes.saved_files import read_h5_model

ENTRY = "keras20-h5-layer-list"


@rule(ENTRY, when=(ERROR,), family="saving", errors=("TypeError",), needs=("load_model",))
def h5_layer_list(ctx: CellContext) -> list[Problem]:
    """``model = load_model(path)`` of such a file: built from its config, its weights loaded,
    compiled again as the file records."""
    if ctx.cell.tree is None or not ctx.versions.get("keras", "").startswith("3"):
        return []
    for call, _root, target, path in loaded_paths(ctx.cell, ctx.line, ctx.namespace, partial(string_value, ctx)):
        saved = read_h5_model(path)
        arg = call.args[0]
        if saved is None or not saved.layer_list or not target or not isinstance(arg, ast.Constant | ast.Name):  # fmt: skip
            continue
        found = keras_root(ctx)
        json_found = module_name(ctx, "json")
        h5_found = module_name(ctx, "h5py")
        statement = statement_of(ctx.cell.tree, call)
        path_text = node_text(ctx.cell, arg)
        if None in (found, json_found, h5_found, statement, path_text):
            continue
        keras, imports = found  # type: ignore[misc]
        json_name, json_import = json_found  # type: ignore[misc]
        h5_name, h5_import = h5_found  # type: ignore[misc]
        keywords = {k.arg: k.value for k in call.keywords}
        if set(keywords) - {"custom_objects", "compile"} or len(call.args) > 1:
            continue
        compiled = not (
            isinstance(keywords.get("compile"), ast.Constant) and keywords["compile"].value is False
        )  # type: ignore[union-attr]
        after = [f"{target}.load_weights({path_text})"]
        if compiled and saved.compiled:
            again = compile_line(saved, target, keras, sys.modules.get("keras"))
            if again is None or again.left_out:
                continue
            after.append(again.code)
        given = keywords.get("custom_objects")
        objects = f", custom_objects={node_text(ctx.cell, given)}" if given is not None else ""
        config = f"{json_name}.loads({h5_name}.File({path_text}, 'r').attrs['model_config'], object_hook={SHAPES_AND_LAYER_LIST})"  # fmt: skip
        modules = f"{{**vars({keras}.layers), **vars({keras}.models), 'Functional': {keras}.Model}}"
        load = node_edit(ctx.cell, call, f"{keras}.legacy.saving.deserialize_keras_object({config}, module_objects={modules}{objects})")  # fmt: skip
        if load is None:
            continue
        edits = (
            imports
            + json_import
            + h5_import
            + [load, after_statement(ctx.cell, statement, "; ".join(after))]
        )  # type: ignore[arg-type]
        problem = from_entry(ENTRY, call.lineno, edits, ["load_model"], ctx.shown_versions,
                             version=saved.keras_version or "2.0")  # fmt: skip
        problem.fix_code = "; ".join(after)
        return [problem]
    return []
