"""A string identifier Keras 3 fails to resolve, and the object Keras 2 made of it.

Keras resolves ``activation="relu"``, ``kernel_initializer="constant"``,
``kernel_regularizer="l1_l2"``, ``loss="mse"`` through ``keras.<module>.get(identifier)``. Some
strings Keras 2 resolved fail there in Keras 3, and not always with a message that names them:
``"Could not interpret regularizer identifier: l1_l2"``, but ``KeyError: 'value'`` for
``"constant"`` (Keras 3 builds ``Constant`` from an empty config). Both are read from the frames of
the traceback: Keras's own ``get`` held the string as ``identifier`` when it raised.

Keras 2 made ``keras.<module>.<name>`` with its defaults of that string. The generated Keras 2 → 3
map (``knowledge/keras2to3.json``) says whether Keras 3 has the same callable under the same path
and which of its defaults changed (``l1_l2``: l1 and l2 were 0.01, are 0.0): the object is written
out as that call, with Keras 2's value of each changed default, so that the model trains the same.
"""

from __future__ import annotations

import ast
from typing import Any

from kerasmagic.diagnosis import live
from kerasmagic.diagnosis.frames import traceback_frames
from kerasmagic.knowledge import keras_map
from kerasmagic.knowledge.catalogue import entries_with_rule

# the kind Keras's messages name -> the module of keras that resolves it
MODULES = {
    "activation function": "activations",
    "initializer": "initializers",
    "regularizer": "regularizers",
    "constraint": "constraints",
    "loss": "losses",
    "metric": "metrics",
}
KINDS = {module: kind for kind, module in MODULES.items()}
# the kinds Keras 2 made an instance of for a string (a class's, or a function's that returns one:
# ``l1_l2``); an activation, loss or metric string stood for the function itself
INSTANTIATED = ("initializer", "regularizer", "constraint")


def resolving(exc: BaseException | None) -> tuple[str, str] | None:
    """``(kind, string)`` when ``exc`` was raised while Keras resolved a string identifier: the
    innermost frame of ``keras.src.<module>``'s ``get`` in the traceback, holding the string."""
    for frame in reversed(traceback_frames(exc)):
        parts = str(frame.f_globals.get("__name__", "")).split(".")
        if parts[:2] != ["keras", "src"] or len(parts) < 3 or parts[2] not in KINDS:
            continue
        if frame.f_code.co_name == "get" and isinstance(frame.f_locals.get("identifier"), str):
            return KINDS[parts[2]], frame.f_locals["identifier"]
    return None


def keras2_string(module: str, name: str) -> str | None:
    """The name Keras 3 has for what Keras 2 made of the string ``name`` in ``keras.<module>``:
    the generated map's rename (an alias, ``kullback_leibler_divergence``; what Keras 2.15's
    ``get`` made of a string that is no public name, ``cosine_proximity``), else the catalogue's
    rename of an older Keras 2 name on that module (Keras 2.3's loss ``cosine_proximity``, the
    name-rename entries ``within`` it). None when neither knows it."""
    renamed = keras_map.renamed_function(module, name)
    if renamed is not None:
        return renamed
    for entry in entries_with_rule("name-rename"):
        if module in entry.data.get("within", ()) and name in entry.data.get("renames", {}):
            return str(entry.data["renames"][name])
    return None


def keras2_call(kind: str, name: str) -> tuple[str, dict[str, str]] | None:
    """``(attribute, {keyword: Keras 2's default})`` for Keras 2's ``keras.<module>.<name>`` (or,
    for a string that is no public name, what Keras 2's ``get`` made of it: ``"maxnorm"``,
    ``keras.constraints.MaxNorm``) when Keras 3 has the same callable at the same path (the
    map's ``same``; the live Keras holds it): the call that makes what Keras 2 made of the
    string, with the defaults Keras 3 changed given Keras 2's values. None when the map or the
    live Keras says otherwise."""
    module = MODULES.get(kind) if kind in INSTANTIATED else None
    if not module or not name.isidentifier():
        return None
    path = f"keras.{module}.{name}"
    home = keras_map.where_in_keras3(path)
    if home is None or home.kind != "same":
        made = keras_map.made_of_string(module, name)  # the string is no public name of it
        if made is None:
            return None
        path, home = made, keras_map.where_in_keras3(made)
        if home is not None and home.kind != "same":  # None: not listed, unchanged in Keras 3
            return None
    status, found = live.resolve_path(path)
    if status != live.OK or not callable(found):
        return None
    defaults = keras_map.keyword_changes(path).get("defaults", {})
    return path.rsplit(".", 1)[-1], {kw: old for kw, (old, new) in defaults.items() if _differs(old, new)}


def _differs(old: Any, new: Any) -> bool:
    """Are two defaults (as the map writes them) different values? ``"0"`` and ``"0.0"`` are not;
    a default Keras 3 no longer has (None: the keyword is required now) is."""
    if old is None:
        return False
    try:
        return new is None or ast.literal_eval(old) != ast.literal_eval(new)
    except (ValueError, SyntaxError):
        return old != new


def call_text(root: str, kind: str, attribute: str, keywords: dict[str, str]) -> str:
    """``keras.regularizers.l1_l2(l1=0.01, l2=0.01)``: the call written under ``root``."""
    given = ", ".join(f"{kw}={value}" for kw, value in keywords.items())
    return f"{root}.{MODULES[kind]}.{attribute}({given})"
