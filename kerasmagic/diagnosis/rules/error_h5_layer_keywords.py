"""Error rule: ``load_model`` of a ``.h5`` model whose saved layer configs hold a keyword Keras 3
removed: "Unrecognized keyword arguments passed to LSTM: {'time_major': False}".

tf.keras 2 wrote every recurrent layer's ``time_major`` into the file's model config; Keras 3's
legacy HDF5 loader hands the config to its own ``LSTM``, which has no such argument, so no
``LSTM``, ``GRU`` or ``SimpleRNN`` model a Keras 2 notebook saved (or a repository ships) loads.

Evidence: Keras's message (the class and the keywords it refused, with their values); the file
the failing ``load_model`` read (its ``filepath``, read from Keras's frame), whose model config
is read with h5py (every layer, nested ones included); the generated Keras 2 -> 3 map, which
records each keyword Keras 3 removed from a class and Keras 2's default for it. When every layer
of the file records the refused keywords at Keras 2's defaults (``time_major=False``: what Keras 3
does), the load passes ``custom_objects`` mapping each such class to a subclass defined above the
load that accepts those keywords at that value only: the same layers with the same weights. A
value other than the default (``time_major=True``) is a behaviour Keras 3 has not: explained,
not rewritten. Every removed keyword a layer's config holds at Keras 2's default is dropped in
the same pass (a ``SeparableConv``'s ``groups`` and unused ``kernel_*``), so one load gets every
subclass it needs; a layer whose Keras 3 ``__init__`` takes no ``**kwargs`` (``SpatialDropout1D``)
refuses them as a ``TypeError`` ("got an unexpected keyword argument 'trainable'").

The same subclass of a ``Sequential``'s first layer whose config records ``batch_input_shape``
reads the ``input_shape`` Keras 3's loader hands it (the batch shape, batch axis included) without
that axis: a recurrent first layer otherwise fails inside the load ("expected ndim=3, found
ndim=4").
"""

from __future__ import annotations

import re
from typing import Any

from kerasmagic.diagnosis import live
from kerasmagic.diagnosis.context import ERROR, CellContext
from kerasmagic.diagnosis.frames import traceback_frames
from kerasmagic.diagnosis.keras_messages import literal
from kerasmagic.diagnosis.problem import Problem, from_entry
from kerasmagic.diagnosis.reload_fix import keras_module_spelling, load_calls
from kerasmagic.diagnosis.rewrite import (
    Edit,
    statement_of,
)
from kerasmagic.diagnosis.rules import rule
from kerasmagic.diagnosis.rules.error_custom_objects import custom_objects_edit
from kerasmagic.knowledge import keras_map
from kerasmagic.probes.saved_files import SavedH5Model, read_h5_model

ENTRY = "keras2-h5-removed-layer-keyword"
BEHAVIOUR = "keras2-h5-removed-layer-behaviour"
FIRST_SHAPE = "keras2-h5-first-layer-batch-shape"
MESSAGE = re.compile(r"Unrecognized keyword arguments passed to (?P<cls>\w+): (?P<kwargs>\{.*\})")
# a layer whose ``__init__`` takes no ``**kwargs`` (Keras 3's ``SpatialDropout1D``), as the
# loader wraps it: "Error when deserializing class … Exception encountered: SpatialDropout1D.
# __init__() got an unexpected keyword argument 'trainable'"
UNEXPECTED = re.compile(
    r"(?P<cls>\w+)\.__init__\(\) got an unexpected keyword argument '(?P<keyword>\w+)'"
)
NDIM = re.compile(r"expected ndim=\d+, found ndim=\d+\. Full shape received: \((?P<shape>[^)]*)\)")


@rule(
    ENTRY, when=(ERROR,), family="saving", errors=("ValueError", "TypeError"), needs=("load_model",)
)
def removed_layer_keywords(ctx: CellContext) -> list[Problem]:
    """Each class of the file whose configs hold the refused keywords at Keras 2's defaults,
    loaded through a subclass that accepts them."""
    found = MESSAGE.search(ctx.message) or UNEXPECTED.search(ctx.message)
    refused = _refused(found)
    path = _loaded_file(ctx.exc)
    saved = read_h5_model(path) if path is not None else None
    if refused is None or saved is None or ctx.cell.tree is None:
        return []
    first = _first_batch_class(saved, ctx.message, found is not None)
    if found is None and first is None:
        return []
    classes: dict[str, dict[str, Any]] = {}  # class -> {keyword: Keras 2's default}
    other: dict[str, str] = {}  # `LSTM(time_major=True)` -> keyword: behaviour Keras 3 lacks
    for name, config in saved.layer_configs:
        was = keras_map.keyword_changes(f"keras.layers.{name}").get("was", {})
        removed = keras_map.removed_keywords(f"keras.layers.{name}")
        strict = _no_kwargs(name)  # refuses every keyword it does not name
        for keyword in set(config) & set(removed):
            if removed[keyword] is not None or keyword not in was:
                continue  # renamed (Keras 3 reads the old name), or no default recorded
            if _same_default(config[keyword], was[keyword]):
                classes.setdefault(name, {})[keyword] = config[keyword]  # dropped: harmless
            elif strict or keyword in refused:
                other[f"{name}({keyword}={config[keyword]!r})"] = keyword
    if found is not None and found["cls"] not in classes and not other:
        return []  # the refused class is none the file and the map explain
    if first is not None:  # the first layer Keras 3 builds on a shape with the batch axis twice
        classes.setdefault(first, {})
    wrappers = _wrappers(saved.layer_configs, classes)
    versions = {
        "saved_keras": saved.keras_version or "2",
        "keras": live.versions().get("keras", "3"),
    }
    keywords = ", ".join(sorted({k for kws in classes.values() for k in kws}))
    if other:
        problem = from_entry(BEHAVIOUR, ctx.line or 1, [], ["load_model"], ctx.shown_versions,
                             asked=", ".join(sorted(other)), keywords=", ".join(sorted(set(other.values()))), **versions)  # fmt: skip
        return [problem]
    batch = {first: len(saved.first_batch_shape or ())} if first is not None else {}
    edits = _edits(ctx, classes, wrappers, batch)
    if edits is None:
        return []
    spelt = ", ".join(f"{name}({', '.join(f'{k}={v!r}' for k, v in sorted(kws.items()))})" for name, kws in sorted(classes.items()) if kws)  # fmt: skip
    shape = {"layer": first or "", "shape": str(saved.first_batch_shape)}
    entry = ENTRY if keywords else FIRST_SHAPE
    problem = from_entry(entry, ctx.line or 1, edits, ["load_model"], ctx.shown_versions,
                         layers=spelt, keywords=keywords, **versions, **shape)  # fmt: skip
    if keywords and first is not None:  # both: the first layer's shape is said too
        also = from_entry(FIRST_SHAPE, ctx.line or 1, [], [], ctx.shown_versions, **versions, **shape)  # fmt: skip
        problem.cause += " " + also.cause
    problem.certain = True  # the file's own config, the map's recorded defaults
    return [problem]


def _first_batch_class(saved: SavedH5Model, message: str, loading: bool) -> str | None:
    """The class of a ``Sequential``'s first layer whose config records ``batch_input_shape``
    (Keras 2 wrote it there when the layer was given ``input_shape``), which Keras 3's loader
    hands the layer as ``input_shape``, batch axis included: when the load fails on it (the
    layer built on ``(None, *batch shape)``: "expected ndim=3, found ndim=4"), or is being fixed
    for another reason (``loading``), so the model is built as Keras 2 built it."""
    shape, name = saved.first_batch_shape, saved.first_layer_class
    if shape is None or name is None:
        return None
    found = NDIM.search(message)
    received = found["shape"].replace(" ", "").rstrip(",") if found else None
    if loading or received == ",".join(str(d) for d in (None, *shape)):
        return name
    return None


def _same_default(value: Any, was: str) -> bool:
    """Is the saved ``value`` Keras 2's default ``was`` (its signature's text, ``"False"``)? An
    initializer's saved config with no argument set counts as its name (``{"class_name":
    "GlorotUniform", "config": {"seed": None}}`` is ``'glorot_uniform'``)."""
    if repr(value) == was:
        return True
    if isinstance(value, dict) and isinstance(value.get("class_name"), str):
        arguments = value.get("config") or {}
        name = re.sub(r"(?<!^)(?=[A-Z])", "_", value["class_name"]).lower()
        return isinstance(arguments, dict) and not any(arguments.values()) and repr(name) == was
    return False


def _refused(found: re.Match | None) -> set[str] | None:
    """The keywords Keras's message says it refused (none when it names none; None when its
    list cannot be read)."""
    if found is None:
        return set()
    if "keyword" in found.groupdict():
        return {found["keyword"]}
    refused = literal(found["kwargs"])
    return set(refused) if isinstance(refused, dict) else None


def _no_kwargs(name: str) -> bool:
    """Does the live Keras 3 layer ``name`` take no ``**kwargs`` (so every keyword it does not
    name is refused)? Read from its signature."""
    status, klass = live.resolve_path(f"keras.layers.{name}")
    params = (
        live.parameters(klass.__init__) if status == live.OK and isinstance(klass, type) else None
    )
    return params is not None and not params[1]


def _loaded_file(exc: BaseException | None) -> str | None:
    """The path Keras's ``load_model`` was reading when it raised (its ``filepath``)."""
    for frame in traceback_frames(exc):
        module = str(frame.f_globals.get("__name__", ""))
        if frame.f_code.co_name == "load_model" and module.startswith("keras."):
            path = frame.f_locals.get("filepath")
            return str(path) if path is not None else None
    return None


def _wrappers(configs: tuple, classes: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """The wrappers (``Bidirectional``, ``TimeDistributed``) whose saved config holds a layer of
    ``classes`` (under ``layer`` or ``backward_layer``): Keras 3 makes that layer from the
    wrapper's config by Keras's own name, whatever ``custom_objects`` says, so the wrapper drops
    the keywords from it: {wrapper: {keyword: Keras 2's default}}."""
    found: dict[str, dict[str, Any]] = {}
    for name, config in configs:
        for key in WRAPPED:
            inner = config.get(key)
            if isinstance(inner, dict) and inner.get("class_name") in classes:
                found.setdefault(name, {}).update(classes[inner["class_name"]])
    return found


WRAPPED = ("layer", "backward_layer")


def _edits(ctx: CellContext, classes: dict[str, dict[str, Any]], wrappers: dict[str, dict[str, Any]], batch: dict[str, int]) -> list[Edit] | None:  # fmt: skip
    """The subclasses above the statement of the failing load, and its ``custom_objects``."""
    cell = ctx.cell
    lines = cell.source.splitlines()
    for call, root, _target in load_calls(cell, ctx.namespace):
        if ctx.line is not None and not call.lineno <= ctx.line <= (call.end_lineno or call.lineno):
            continue
        statement = statement_of(cell.tree, call)
        head = lines[statement.lineno - 1][: statement.col_offset] if statement else None
        if statement is None or head is None or head.strip():
            continue  # `if x: model = load_model(…)`: no line of its own to put a class above
        spelt, imported = keras_module_spelling(cell, root, ctx.namespace)
        mapping = {name: f"Keras2{name}" for name in {*classes, *wrappers}}
        entries = ", ".join(f"{name!r}: {klass}" for name, klass in sorted(mapping.items()))
        objects = custom_objects_edit(cell, call, entries, others=True)
        if objects is None:
            continue
        made = [
            _subclass(spelt, name, kws, batch.get(name)) for name, kws in sorted(classes.items())
        ]
        made += [_wrapper(spelt, name, kws) for name, kws in sorted(wrappers.items())]
        body = (imported or "") + "\n".join(made)  # the import above the classes that read it
        text = "".join(head + line + "\n" if line else "\n" for line in body.splitlines())
        return [Edit(statement.lineno, 0, statement.lineno, 0, text + "\n"), objects]
    return None


def _subclass(spelt: str, name: str, keywords: dict[str, Any], batch_rank: int | None) -> str:
    """A subclass of the Keras 3 layer taking Keras 2's removed keywords at Keras 2's value, and
    (``batch_rank``: the first layer of a ``Sequential`` that recorded its batch shape) reading
    the ``input_shape`` Keras 3's loader gives it, batch axis first, without that axis."""
    params = "".join(f"{k}={v!r}, " for k, v in sorted(keywords.items()))
    checks = "".join(
        f"        if {_differs(k, v)}:\n"
        f'            raise ValueError("Keras 3\'s {name} has no {k}={{!r}}".format({k}))\n'
        for k, v in sorted(keywords.items())
    )
    said = [f"{params.rstrip(', ')} was Keras 2's default, what Keras 3 does"] if keywords else []
    if batch_rank is not None:
        checks += (
            f"        if len(kwargs.get('input_shape') or ()) == {batch_rank}:  # the recorded batch shape\n"
            f"            kwargs['input_shape'] = tuple(kwargs['input_shape'])[1:]\n"
        )
        said.append("its batch_input_shape is read without the batch axis, as Keras 2 read it")
    return (
        f"class Keras2{name}({spelt}.layers.{name}):\n"
        f'    """{name} reading a Keras 2 config: {"; ".join(said)}."""\n'
        f"\n"
        f"    def __init__(self, *args, {params}**kwargs):\n"
        f"{checks}"
        f"        super().__init__(*args, **kwargs)\n"
    )


def _differs(expr: str, value: Any) -> str:
    """The condition that ``expr`` is not Keras 2's default ``value`` (``is not`` for the
    singletons ``None``, ``True``, ``False``)."""
    return f"{expr} {'is not' if value is None or isinstance(value, bool) else '!='} {value!r}"


def _wrapper(spelt: str, name: str, keywords: dict[str, Any]) -> str:
    """A subclass of the Keras 3 wrapper dropping Keras 2's removed keywords, at Keras 2's
    value only, from the config of the layer it wraps."""
    params = ", ".join(f"{k}={v!r}" for k, v in sorted(keywords.items()))
    checks = "".join(
        f"            if {_differs(f'inner.pop({k!r}, {v!r})', v)}:\n"
        f'                raise ValueError("Keras 3\'s layers have no {k} but {v!r}")\n'
        for k, v in sorted(keywords.items())
    )
    return (
        f"class Keras2{name}({spelt}.layers.{name}):\n"
        f'    """{name} reading a Keras 2 config: its layer\'s {params} was Keras 2\'s default, what Keras 3 does."""\n'
        f"\n"
        f"    @classmethod\n"
        f"    def from_config(cls, config, custom_objects=None):\n"
        f"        for key in {WRAPPED!r}:\n"
        f"            inner = (config.get(key) or {{}}).get('config', {{}})\n"
        f"{checks}"
        f"        return super().from_config(config, custom_objects)\n"
    )
