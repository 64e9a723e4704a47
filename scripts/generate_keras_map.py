"""Generate ``kerasmagic/knowledge/keras2to3.json``: where each public Keras 2 name lives in Keras 3.

    python3 scripts/generate_keras_map.py                 # dump in tf215-k2 and tf221-k3, build
    python3 scripts/generate_keras_map.py dump keras2     # one side, inside its environment
    python3 scripts/generate_keras_map.py build K2 K3     # two dump files -> the data file

As TensorFlow's ``generate_v2_renames_map.py`` did for TF 1 -> 2, the knowledge comes from the real
APIs, each loaded in its own environment (``scripts/envs.py``): ``dump keras2`` walks the public
modules of ``keras`` and ``tf.keras`` of Keras 2.15, ``dump keras3`` those of Keras 3 (``keras``,
``keras.ops`` included, and TensorFlow's ``tf.keras`` view of it, ``keras._tf_keras``). A dump is
deterministic JSON: every public path (never ``src``, ``api``, ``_`` names), the object behind it
(by identity) and that object's real ``inspect`` signatures. ``build`` compares two dumps and
classifies each Keras 2 path:

``same``     the same public path exists in Keras 3
``moved``    the same implementation (kind and ``__name__``; among several objects of that name,
             the one from a module of the same name) is public elsewhere in Keras 3
``ops``      a ``keras.backend.X`` whose equivalent is ``keras.ops.X`` / ``keras.random.X`` or a
             known rename (OPS_RENAMES); NOT_OPS lists same-named ops that compute something else
``alias``    in Keras 2 the path was another public name of the same object (``losses.mse`` is
             ``losses.mean_squared_error``) and that name has a home in Keras 3
``removed``  none of the above (``tfk``: TensorFlow's ``tf.keras`` over Keras 3 still has it;
             ``stub``: the Keras 3 path holds one placeholder for several Keras 2 objects)

Public attributes of public classes (their own, and their private Keras bases') are classified
``same`` or ``removed`` against the class's Keras 3 home (class attributes, and ``self.X =`` in
the source). For every callable with a Keras 3 counterpart (class ``__init__``, function, method),
:func:`keyword_changes` records the keywords Keras 3 no longer takes, renames only with evidence,
defaults that changed, positional calls that would mean something else. Entries that say nothing
beyond ``same`` are counted in the header, not written. The header also records a digest of this
script and of each dump: ``tests/test_keras_map.py`` dumps its environment's side again and fails
when the file no longer follows from them.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import inspect
import json
import os
import re
import subprocess
import sys
import tempfile
import types
from pathlib import Path
from typing import Any, NamedTuple

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "kerasmagic" / "knowledge" / "keras2to3.json"
SIDES = {"keras2": "tf215-k2", "keras3": "tf221-k3"}
FORMAT = 1

# Attribute names that are never public API even without a leading underscore.
PRIVATE_NAMES = frozenset({"src", "api", "protobuf"})
MAX_DEPTH = 6
# keras.backend functions whose Keras 3 op has another name but the same meaning; the argument
# differences (defaults, renamed keywords) are computed from the real signatures like any other.
OPS_RENAMES = {
    "pow": "keras.ops.power",
    "permute_dimensions": "keras.ops.transpose",
    "repeat_elements": "keras.ops.repeat",
    "switch": "keras.ops.where",
    "l2_normalize": "keras.ops.normalize",
    "reverse": "keras.ops.flip",
    "map_fn": "keras.ops.map",
    "conv1d": "keras.ops.conv",
    "conv2d": "keras.ops.conv",
    "conv3d": "keras.ops.conv",
    "separable_conv2d": "keras.ops.separable_conv",
    "depthwise_conv2d": "keras.ops.depthwise_conv",
    "random_normal": "keras.random.normal",
    "random_uniform": "keras.random.uniform",
    "truncated_normal": "keras.random.truncated_normal",
    "dropout": "keras.random.dropout",
}
# keras.backend functions whose same-named Keras 3 op means something else: not "ops" (the
# catalogue, knowledge/catalogue/keras3_backend.toml, has their exact replacement).
NOT_OPS = {
    "repeat": "K.repeat(x, n) repeats a 2D tensor along a new axis 1; ops.repeat repeats elements",
    "hard_sigmoid": "slope 0.2 in Keras 2, 1/6 in keras.ops.hard_sigmoid",
    "sqrt": "Keras 2 clips negative inputs to 0 first; keras.ops.sqrt gives NaN",
    "ctc_decode": "Keras 2's blank label is the last class; ops.ctc_decode's mask_index is 0",
}
OPS_MODULES = ("keras.ops", "keras.random")

ADDRESS = re.compile(r" at 0x[0-9a-fA-F]+")
KWARGS_READ = re.compile(
    r"""kwargs\.(?:pop|get)\(\s*["'](\w+)["']|["'](\w+)["']\s+(?:not\s+)?in\s+kwargs"""
)
# ``l2 = kwargs.pop("l", l2)``: an old keyword read as another name for a parameter (Keras 2.15's
# regularizers took ``l=`` for ``l1``/``l2``); the parameter is both what is set and the default.
KWARGS_ALIAS = re.compile(r"""\b(\w+)\s*=\s*kwargs\.pop\(\s*["'](\w+)["']\s*,\s*\1\s*\)""")
# ``num_tokens = kwargs["max_tokens"]`` after ``if "max_tokens" in kwargs:`` (Keras 2.15's
# CategoryEncoding, "max_tokens is deprecated, please use num_tokens instead"); the name set
# must be a parameter of the callable to count (``_keywords`` checks it)
# ``min_delta = kwargs.pop("epsilon")`` after ``if "epsilon" in kwargs:`` (Keras 2.15's
# ReduceLROnPlateau, "`epsilon` argument is deprecated and will be removed, use `min_delta`
# instead"): the same, read by ``pop`` without a default
KWARGS_ITEM_ALIAS = re.compile(
    r"""\b(\w+)\s*=\s*kwargs(?:\[\s*["'](\w+)["']\s*\]|\.pop\(\s*["'](\w+)["']\s*\))"""
)
SELF_ASSIGN = re.compile(r"\bself\.([A-Za-z]\w*)\s*(?::[^=\n]+)?=(?!=)")
# a method that hands all its arguments to another method of the object (Keras 2's deprecated
# ``Layer.add_variable``: ``return self.add_weight(*args, **kwargs)``)
FORWARDS = re.compile(r"\breturn\s+self\.([A-Za-z]\w*)\(\s*\*args\s*,\s*\*\*kwargs\s*\)")


# --------------------------------------------------------------------------------------------
# dump: runs inside one environment
# --------------------------------------------------------------------------------------------


def _kind(value: Any) -> str:
    if isinstance(value, types.ModuleType):
        return "module"
    if isinstance(value, type):
        return "class"
    if callable(value):
        return "function"
    return "other"


def _public_names(obj: Any) -> list[str]:
    try:
        names = dir(obj)
    except Exception:
        return []
    return sorted(n for n in names if isinstance(n, str) and not n.startswith("_"))


def _default(value: Any) -> str:
    if isinstance(value, (set, frozenset)):  # element order would follow PYTHONHASHSEED
        return f"{type(value).__name__}({sorted(map(repr, value))})"
    return ADDRESS.sub("", repr(value))


def _signature(func: Any, *, drop_first: bool = False) -> list[list[Any]] | None:
    """``[[name, kind, default-repr?], ...]`` of the real signature (kind: inspect's int)."""
    try:
        sig = inspect.signature(func)
    except (TypeError, ValueError):
        return None
    params = list(sig.parameters.values())
    if drop_first and params and params[0].kind <= inspect.Parameter.POSITIONAL_OR_KEYWORD:
        params = params[1:]
    out: list[list[Any]] = []
    for p in params:
        row: list[Any] = [p.name, int(p.kind)]
        if p.default is not inspect.Parameter.empty:
            row.append(_default(p.default))
        out.append(row)
    return out


def _kwargs_reads(func: Any) -> list[str]:
    """Keywords a ``**kwargs`` callable still reads by name (``kwargs.pop("input_shape")``)."""
    try:
        source = inspect.getsource(inspect.unwrap(func))
    except (OSError, TypeError, ValueError):
        return []
    return sorted({a or b for a, b in KWARGS_READ.findall(source)})


def _kwargs_aliases(func: Any) -> dict[str, str]:
    """Old keywords a ``**kwargs`` callable reads as another name of one of its parameters
    (``l2 = kwargs.pop("l", l2)``): {old keyword: parameter}."""
    try:
        source = inspect.getsource(inspect.unwrap(func))
    except (OSError, TypeError, ValueError):
        return {}
    items = [(param, a or b) for param, a, b in KWARGS_ITEM_ALIAS.findall(source)]
    found = KWARGS_ALIAS.findall(source) + items
    targets: dict[str, set[str]] = {}
    for param, old in found:
        targets.setdefault(old, set()).add(param)
    # one old keyword read into two parameters by its value (Keras 2.15's Discretization:
    # `bins` an int is `num_bins`, a list `bin_boundaries`): no single rename
    return {old: ps.pop() for old, ps in sorted(targets.items()) if len(ps) == 1 and old not in ps}


def _forwards(func: Any) -> str | None:
    """The method a ``(*args, **kwargs)`` method hands every argument to, read from its source
    (``return self.add_weight(*args, **kwargs)``): its parameters are the other method's."""
    try:
        source = inspect.getsource(inspect.unwrap(func))
    except (OSError, TypeError, ValueError):
        return None
    found = FORWARDS.findall(source)
    return found[0] if len(set(found)) == 1 else None


def _callable_info(func: Any, *, drop_first: bool) -> dict[str, Any]:
    info: dict[str, Any] = {"sig": _signature(func, drop_first=drop_first)}
    if info["sig"] and {p[1] for p in info["sig"]} == {inspect.Parameter.VAR_POSITIONAL, VAR_KW}:
        target = _forwards(func)
        if target:
            info["forwards"] = target
    if info["sig"] and any(p[1] == inspect.Parameter.VAR_KEYWORD for p in info["sig"]):
        reads = _kwargs_reads(func)
        if reads:
            info["reads"] = reads
        aliases = _kwargs_aliases(func)
        if aliases:
            info["aliases"] = aliases
    return info


def _ident(value: Any) -> str | None:
    """``module:qualname`` of the implementation behind ``value`` (wrappers unwrapped)."""
    try:
        target = inspect.unwrap(value) if callable(value) else value
    except Exception:
        target = value
    module = getattr(target, "__module__", None)
    qualname = getattr(target, "__qualname__", None) or getattr(target, "__name__", None)
    if isinstance(module, str) and isinstance(qualname, str):
        return f"{module}:{qualname}"
    return None


def _instance_attributes(cls: type) -> list[str]:
    """Public attributes the class's own source assigns on ``self`` (``self.name = name``)."""
    try:
        source = inspect.getsource(cls)
    except (OSError, TypeError):
        return []
    return [n for n in SELF_ASSIGN.findall(source) if not n.startswith("_")]


def _member(raw: Any) -> dict[str, Any]:
    """What a class attribute is: method / classmethod / staticmethod / property / attr."""
    if isinstance(raw, property):
        return {"kind": "property"}
    if isinstance(raw, staticmethod):
        return {"kind": "function", **_callable_info(raw.__func__, drop_first=False)}
    if isinstance(raw, classmethod):
        return {"kind": "method", **_callable_info(raw.__func__, drop_first=True)}
    if isinstance(raw, type):
        return {"kind": "class"}
    if callable(raw):  # functions, method descriptors, tf.function-decorated methods
        return {"kind": "method", **_callable_info(raw, drop_first=True)}
    return {"kind": "attr"}


class Dumper:
    """Walks public Keras modules; records paths and, once per object, what the object is."""

    def __init__(self) -> None:
        self.paths: dict[str, list[Any]] = {}
        self.objects: dict[str, dict[str, Any]] = {}
        self.key_of: dict[int, str] = {}
        self.alive: list[Any] = []  # keep walked objects alive so ids stay unique

    def key(self, value: Any, path: str) -> str:
        known = self.key_of.get(id(value))
        if known is not None:
            return known
        base = _ident(value) if _kind(value) in ("class", "function") else None
        base = base or f"={path}"
        key, n = base, 1
        while key in self.objects:
            n += 1
            key = f"{base}#{n}"
        self.key_of[id(value)] = key
        self.alive.append(value)
        self.objects[key] = {}  # reserved: describing walks the bases first
        self.objects[key] = self.describe(value)
        return key

    def describe(self, value: Any) -> dict[str, Any]:
        kind = _kind(value)
        info: dict[str, Any] = {"kind": kind}
        name = getattr(value, "__name__", None)
        if isinstance(name, str) and kind != "other":
            info["name"] = name
        if kind == "function":
            info.update(_callable_info(value, drop_first=False))
        elif kind == "class":
            own = vars(value)
            if "__init__" in own:
                init = _callable_info(own["__init__"], drop_first=True)
                info["init"] = init["sig"]
                if "reads" in init:
                    info["init_reads"] = init["reads"]
                if "aliases" in init:
                    info["init_aliases"] = init["aliases"]
            info["members"] = {
                n: _member(own[n]) for n in sorted(own) if isinstance(n, str) and n[:1] != "_"
            }
            attrs = sorted(set(_instance_attributes(value)) - set(info["members"]))
            if attrs:
                info["attrs"] = attrs
            info["mro"] = [self.key(base, "") for base in value.__mro__[1:] if base is not object]
        return info

    def walk(self, root: str, module: Any, mask: int) -> None:
        """Record every public path under ``module`` (written ``root``), breadth-first."""
        prefix = getattr(module, "__name__", root)
        queue: list[tuple[str, Any, tuple[int, ...]]] = [(root, module, (id(module),))]
        while queue:
            path, mod, chain = queue.pop(0)
            for name in _public_names(mod):
                if name in PRIVATE_NAMES:
                    continue
                try:
                    value = getattr(mod, name)
                except Exception:
                    continue
                sub = f"{path}.{name}"
                if isinstance(value, types.ModuleType):
                    modname = getattr(value, "__name__", "") or ""
                    if not modname.startswith(prefix + ".") or ".src." in modname + ".":
                        continue
                    if id(value) in chain or len(chain) > MAX_DEPTH:
                        continue
                    queue.append((sub, value, (*chain, id(value))))
                    self.record(sub, "module", mask)
                    continue
                self.record(sub, self.key(value, sub), mask)

    def record(self, path: str, key: str, mask: int) -> None:
        row = self.paths.setdefault(path, [key, 0])
        row[1] |= mask


# the modules whose ``get(identifier)`` turns a string into an object (``loss="mse"``)
IDENTIFIER_MODULES = ("activations", "constraints", "initializers", "losses", "metrics", "optimizers", "regularizers")  # fmt: skip


def _identifiers(keras: Any, dumper: Dumper) -> dict[str, dict[str, str]]:
    """``{module: {string: public path}}``: what ``keras.<module>.get(string)`` made in this Keras
    (an instance: its class), for the strings it resolves to an object that is public under
    another name (``metrics.get("cosine_proximity")``: ``keras.metrics.cosine_similarity``). The
    strings tried are the names ``get`` looks up: those of the module's implementation, classes
    lower-cased too."""
    import importlib

    found: dict[str, dict[str, str]] = {}
    for module in IDENTIFIER_MODULES:
        public = getattr(keras, module, None)
        try:
            source = importlib.import_module(f"keras.src.{module}")
        except ImportError:
            continue
        names = {n for n, v in vars(source).items() if not n.startswith("_") and callable(v)}
        names |= {n.lower() for n in names if isinstance(getattr(source, n), type)}
        strings: dict[str, str] = {}
        for name in sorted(names):
            try:
                made = public.get(name)
            except Exception:
                continue
            made = made if isinstance(made, type) or not hasattr(made, "get_config") else type(made)
            key = dumper.key_of.get(id(made))
            paths = sorted(p for p, row in dumper.paths.items() if row[0] == key and row[1] & 1)
            home = [p for p in paths if p.startswith(f"keras.{module}.")]
            own = getattr(made, "__name__", "")
            if not home and isinstance(own, str) and own.isidentifier() and own != name:
                home = [f"keras.{module}.{own}"]  # public in Keras 2 only through `get`, by its name
            if not home or f"keras.{module}.{name}" in paths:
                continue  # nothing named, or the string is its public name
            strings[name] = min(home, key=lambda p: (_leaf(p) != own, len(p), p))
        found[module] = strings
    return found


def dump(side: str) -> dict[str, Any]:
    """The public API of this environment's Keras: ``side`` is ``keras2`` or ``keras3``."""
    import importlib.metadata as md

    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    import keras

    major = int(keras.__version__.split(".")[0])
    if (side == "keras2") != (major == 2):
        raise SystemExit(f"dump {side}: this environment has Keras {keras.__version__}")
    dumper = Dumper()
    dumper.walk("keras", keras, 1)
    try:
        import tensorflow as tf

        tf_keras = tf.keras
        _ = tf_keras.layers  # resolve TensorFlow's lazy loader
    except Exception:
        tf_keras = None
    if tf_keras is not None:
        dumper.walk("keras", tf_keras, 2)
    versions = {}
    for dist in ("keras", "tensorflow"):
        with contextlib.suppress(md.PackageNotFoundError):
            versions[dist] = md.version(dist)
    return {
        "format": FORMAT,
        "side": side,
        "versions": versions,
        "roots": {"1": "keras", "2": f"tf.keras ({getattr(tf_keras, '__name__', None)})"},
        "paths": dict(sorted(dumper.paths.items())),
        "objects": dict(sorted(dumper.objects.items())),
        "identifiers": _identifiers(keras, dumper) if side == "keras2" else {},
    }


def canonical_json(data: Any) -> str:
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def digest(data: Any) -> str:
    return hashlib.sha256(canonical_json(data).encode()).hexdigest()[:16]


# --------------------------------------------------------------------------------------------
# build: pure, runs anywhere (no TensorFlow, no Keras)
# --------------------------------------------------------------------------------------------

KW = (inspect.Parameter.POSITIONAL_OR_KEYWORD, inspect.Parameter.KEYWORD_ONLY)
POSITIONAL = (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)
VAR_KW = inspect.Parameter.VAR_KEYWORD
DISFAVOURED = ("legacy", "experimental", "dtensor", "estimator")
KIND_CODE = {"module": "m", "class": "c", "function": "f", "other": "o"}
MEMBER_CODE = {"method": "f", "function": "f", "property": "p", "attr": "o", "class": "c"}


class Side:
    """One dump, indexed: public paths, objects, and where each object is public."""

    def __init__(self, data: dict[str, Any], mask: int = 1) -> None:
        self.data = data
        self.objects: dict[str, dict[str, Any]] = data["objects"]
        self.all_paths: dict[str, list[Any]] = data["paths"]
        self.paths = {p: row[0] for p, row in self.all_paths.items() if row[1] & mask}
        self.paths_of: dict[str, list[str]] = {}
        for path, key in self.paths.items():
            if key != "module":
                self.paths_of.setdefault(key, []).append(path)
        self.by_name: dict[tuple[str, str], list[str]] = {}
        for path, key in self.paths.items():
            obj = self.objects.get(key, {})
            if obj.get("name"):
                self.by_name.setdefault((obj["kind"], obj["name"]), []).append(path)

    def obj(self, path: str) -> dict[str, Any] | None:
        key = self.paths.get(path)
        return None if key in (None, "module") else self.objects[key]

    def canonical(self, key: str) -> str:
        """The path users write for ``key``: named like the object, not experimental, short."""
        name = self.objects[key].get("name")
        return min(self.paths_of[key], key=lambda p: (_leaf(p) != name, *_path_rank(p)))


def _leaf(path: str) -> str:
    return path.rsplit(".", 1)[-1]


def _ident_module(key: str) -> str:
    """The last module name of an object key: ``keras.src.applications.regnet:f`` -> ``regnet``."""
    return key.split(":", 1)[0].rsplit(".", 1)[-1]


def _path_rank(path: str, near: str = "") -> tuple[int, int, int, int, str]:
    parts = path.split(".")
    odd = sum(p in DISFAVOURED for p in parts)
    common = 0
    for a, b in zip(parts, near.split(".")):
        if a != b:
            break
        common += 1
    return (odd, -common, len(parts), len(path), path)


class Params(NamedTuple):
    """A callable's own signature, every keyword it accepts (through ``**kwargs`` too), the
    keywords its ``**kwargs`` code still reads by name, and those it reads as another name of a
    parameter (``aliases``: {old keyword: parameter})."""

    sig: list
    names: set[str]
    reads: set[str]
    aliases: dict[str, str] = {}
    # every keyword's default through the ``**kwargs`` chain (the nearest class's wins)
    defaults: dict[str, str] = {}


def _params(side: Side, key: str, member: str | None = None) -> Params | None:
    """The :class:`Params` of a class's ``__init__``, a function, or a class's method
    ``member``; a ``**kwargs`` hands keywords on to the same callable of the next class of the
    MRO, whose keywords then count as accepted too."""
    obj = side.objects.get(key)
    if obj is None:
        return None
    if member is None and obj["kind"] == "function":
        sig = obj.get("sig")
        if sig is None:
            return None
        names = {p[0] for p in sig if p[1] in KW}
        defaults = {p[0]: p[2] for p in sig if p[1] in KW and len(p) > 2}
        return Params(sig, names, set(obj.get("reads", ())), dict(obj.get("aliases", {})), defaults)  # fmt: skip
    if obj["kind"] != "class":
        return None
    own: list | None = None
    names: set[str] = set()
    reads: set[str] = set()
    aliases: dict[str, str] = {}
    defaults: dict[str, str] = {}
    for cls in [key, *obj.get("mro", [])]:
        info = side.objects.get(cls, {})
        if member is None:
            sig, read = info.get("init"), info.get("init_reads", ())
            if sig is not None:
                aliases = {**info.get("init_aliases", {}), **aliases}
        else:
            found = info.get("members", {}).get(member)
            if found is not None and found.get("sig") is None and own is None:
                return None  # a property or an attribute
            if found is not None and found.get("forwards") not in (None, member) and own is None:
                return _params(side, key, found["forwards"])
            sig, read = (found or {}).get("sig"), (found or {}).get("reads", ())
        if sig is None:
            continue
        if own is None:
            own = sig
        names |= {p[0] for p in sig if p[1] in KW}
        defaults = {**{p[0]: p[2] for p in sig if p[1] in KW and len(p) > 2}, **defaults}
        reads |= set(read)
        if not any(p[1] == VAR_KW for p in sig):
            break
    return None if own is None else Params(own, names, reads, aliases, defaults)


def _number(text: str | None) -> bool:
    """Is ``text`` the repr of an int or a float (not a bool, not None)?"""
    import ast

    try:
        value = ast.literal_eval(text or "")
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        return False
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _default_of(param: list) -> str | None:
    return param[2] if len(param) > 2 else None


def keyword_changes(
    old: Params, new: Params, *, op: bool = False, asserted: bool = False
) -> dict[str, Any]:
    """What a call written for ``old`` must change for ``new``.

    ``kw``: keywords ``new`` does not accept, among them the old aliases of a parameter
    (``l=`` of Keras 2's ``L2``: ``l2=``) (``read``: those of them its ``**kwargs`` code still
    reads by name: it may warn, convert or raise; only the live call can tell). A rename needs the new keyword at the same
    position, unknown to ``old``, and the same default (both required, or one equal default that
    is not None or a truth value: a shared ``None`` proves nothing, ``save_format=None`` is not
    ``zipped=None``, nor two flags, ``time_major=False`` is not ``zero_output_for_mask=False``);
    for an ``asserted`` op (OPS_RENAMES, read by a person) the position alone is enough.
    ``none``: ``old`` defaulted to None, ``new`` defaults to a number (``None`` would meet
    arithmetic or a comparison; not for an ``op``, whose rewrite passes the Keras 2 default).
    ``defaults``: for an ``op`` every changed default, else the numeric
    ones (``l1_l2`` 0.01 -> 0.0) and those Keras 3 requires (``AveragePooling2D(pool_size)``). ``args``: only when a positional call would mean something
    else (or hit a keyword-only parameter): each old positional parameter as its new keyword.
    """
    old_sig, old_names, _, old_aliases, old_defaults = old
    new_sig, new_names, new_reads, _, _ = new
    new_by_name = {p[0]: p for p in new_sig}
    old_pos = [p for p in old_sig if p[1] in POSITIONAL]
    new_pos = [p for p in new_sig if p[1] in POSITIONAL]
    out: dict[str, Any] = {}
    removed: dict[str, str | None] = {}
    claimed: set[str] = set()
    for name in sorted(old_names - new_names):
        target = None
        index = next((i for i, p in enumerate(old_pos) if p[0] == name), None)
        if index is not None and index < len(new_pos):
            cand = new_pos[index]
            was, now = _default_of(old_pos[index]), _default_of(cand)
            evidence = asserted or (was == now and was not in ("None", "True", "False"))
            if cand[0] not in old_names and cand[0] not in claimed and evidence:
                target = cand[0]
                claimed.add(target)
        removed[name] = target
    aliased: dict[str, str] = {}
    for alias, param in sorted(old_aliases.items()):  # Keras 2 read `alias=` as `param=`
        target = param if param in new_names else removed.get(param)
        known = alias in new_names or alias in removed or alias in new_reads  # Keras 3 reads it
        if not known and target is not None:
            removed[alias] = aliased[alias] = target
    if removed:
        out["kw"] = removed
        read = sorted(k for k, v in removed.items() if v is None and k in new_reads)
        if read:
            out["read"] = read
        # Keras 2's default of each keyword removed without a new name: passing exactly that
        # value asked for what Keras 2 did anyway (`time_major=False`), so leaving it out
        # changes nothing; any other value is a behaviour Keras 3 does not have
        was = {
            k: old_defaults[k]
            for k, v in sorted(removed.items())
            if v is None and k in old_defaults
        }
        if was:
            out["was"] = was
    if aliased:
        out["alias"] = aliased
    none: list[str] = []
    defaults: dict[str, list[str | None]] = {}
    for param in old_sig:
        new_name = removed.get(param[0], param[0])
        cand = new_by_name.get(new_name) if new_name and param[1] in KW else None
        if cand is None or param[0] == "name":
            continue
        was, now = _default_of(param), _default_of(cand)
        if was == "None" and _number(now) and not op:
            none.append(param[0])
        if was is not None and was != now and (op or (_number(was) and _number(now))):
            defaults[param[0]] = [was, now]
        elif was is not None and now is None:  # Keras 3 requires what Keras 2 defaulted
            defaults[param[0]] = [was, None]
    if none:
        out["none"] = none
    if defaults:
        out["defaults"] = defaults
    mapped = [p[0] if p[0] in new_names else removed.get(p[0]) for p in old_pos]
    if any(
        (new_pos[i][0] != m) if i < len(new_pos) else m is not None for i, m in enumerate(mapped)
    ):
        while len(mapped) > len(new_pos) and mapped[-1] is None:
            mapped.pop()
        out["args"] = mapped
    return out


class Builder:
    """Classifies every public Keras 2 path against Keras 3 (see the module docstring)."""

    def __init__(self, k2: dict[str, Any], k3: dict[str, Any]) -> None:
        self.k2 = Side(k2)
        self.k3 = Side(k3)
        self.k3_tf = Side(k3, mask=2)  # TensorFlow's tf.keras view of Keras 3
        self.stubs = self._stubs()
        self.homes: dict[str, tuple[str, str | None]] = {}

    def _stubs(self) -> set[str]:
        """Keras 3 paths holding a placeholder: one Keras 3 object standing at the paths of
        several different Keras 2 objects (``optimizers.legacy.*`` all raise ImportError)."""
        seen: dict[str, set[str]] = {}
        for path, key in self.k2.paths.items():
            k3key = self.k3.paths.get(path)
            if key != "module" and k3key not in (None, "module"):
                seen.setdefault(k3key, set()).add(key)
        return {
            path
            for path, k3key in self.k3.paths.items()
            if len(seen.get(k3key, ())) > 1
            and self.k3.objects[k3key].get("name")
            not in {self.k2.objects[k].get("name") for k in seen[k3key]}
        }

    def home(self, path: str) -> tuple[str, str | None]:
        """(kind, Keras 3 path) of the Keras 2 ``path``."""
        if path not in self.homes:
            self.homes[path] = self._home(path)
        return self.homes[path]

    def _home(self, path: str) -> tuple[str, str | None]:
        key = self.k2.paths[path]
        k3key = self.k3.paths.get(path)
        if key == "module":
            return ("same", path) if k3key == "module" else self._module_home(path)
        if k3key not in (None, "module") and path not in self.stubs:
            return "same", path
        obj = self.k2.objects[key]
        name = obj.get("name")
        if name and _leaf(path) != name:  # an alias: the same object under another name
            for other in sorted(self.k2.paths_of[key], key=lambda p: _path_rank(p, path)):
                if _leaf(other) == name:
                    kind, target = self.home(other)
                    if kind in ("same", "moved", "ops"):
                        return "alias", target
        if path.startswith("keras.backend."):  # TensorFlow functions: an op or nothing
            op = self._op(path)
            return ("ops", op) if op else ("removed", None)
        if name:
            found = self._moved(path, obj["kind"], name)
            if found:
                return "moved", found
        return "removed", None

    def _op(self, path: str) -> str | None:
        leaf = _leaf(path)
        if leaf in NOT_OPS:
            return None
        candidates = [OPS_RENAMES[leaf]] if leaf in OPS_RENAMES else []
        candidates += [f"{mod}.{leaf}" for mod in OPS_MODULES]
        for cand in candidates:
            if self.k3.obj(cand) is not None:
                return cand
        return None

    def _moved(self, path: str, kind: str, name: str) -> str | None:
        """A Keras 3 public path of the implementation of the same kind and ``__name__`` (or, for
        a Keras 2 object named otherwise, of the name the path uses). When several different
        Keras 3 objects carry that name (every application has its ``preprocess_input``), only
        one defined in a module of the same name as the Keras 2 one counts."""
        found = [p for p in self.k3.by_name.get((kind, name), []) if p not in self.stubs]
        if not found and _leaf(path) != name:
            leaf = _leaf(path)
            found = [p for p in self.k3.by_name.get((kind, leaf), []) if _leaf(p) == leaf]
        found = [p for p in found if not p.startswith(OPS_MODULES)]
        if len({self.k3.paths[p] for p in found}) > 1:
            module = _ident_module(self.k2.paths[path])
            found = [p for p in found if _ident_module(self.k3.paths[p]) == module]
            if len({self.k3.paths[p] for p in found}) != 1:
                return None
        if not found:
            return None
        return min(found, key=lambda p: (_leaf(p) != _leaf(path), *_path_rank(p, path)))

    def _module_home(self, path: str) -> tuple[str, str | None]:
        """A removed module whose names moved, at least half of them, all to one Keras 3 module."""
        prefix = path + "."
        targets = set()
        moved = total = 0
        for sub, key in self.k2.paths.items():
            if sub.startswith(prefix) and "." not in sub[len(prefix) :] and key != "module":
                kind, target = self.home(sub)
                total += 1
                if kind in ("moved", "alias", "ops") and target:
                    moved += 1
                    targets.add(target.rsplit(".", 1)[0])
        if len(targets) == 1 and moved * 2 >= total:
            return "moved", targets.pop()
        return "removed", None

    def entry(self, path: str) -> dict[str, Any]:
        key = self.k2.paths[path]
        kind, target = self.home(path)
        out: dict[str, Any] = {"k": kind}
        if target and target != path:
            out["to"] = target
        if kind != "same":
            out["t"] = KIND_CODE["module" if key == "module" else self.k2.objects[key]["kind"]]
            if path in self.k3_tf.paths:
                out["tfk"] = 1  # TensorFlow's tf.keras (keras._tf_keras) still has this path
            if path in self.stubs:
                out["stub"] = 1  # the Keras 3 path imports but is a placeholder that raises
        if target and key != "module":
            old = _params(self.k2, key)
            new_key = self.k3.paths.get(target)
            new = _params(self.k3, new_key) if new_key not in (None, "module") else None
            if old and new:
                asserted = kind == "ops" and _leaf(path) in OPS_RENAMES
                out.update(keyword_changes(old, new, op=kind == "ops", asserted=asserted))
        return out

    def public_classes(self) -> dict[str, str]:
        """{class key: canonical path} of every public Keras 2 class."""
        return {
            key: self.k2.canonical(key)
            for key in self.k2.paths_of
            if self.k2.objects[key]["kind"] == "class"
        }

    def members(self, classes: dict[str, str]) -> dict[str, dict[str, Any]]:
        """Public attributes of each public Keras 2 class (its own, and those of its private
        Keras bases up to the next public class), against the class's Keras 3 home."""
        out: dict[str, dict[str, Any]] = {}
        for key, cpath in sorted(classes.items(), key=lambda kv: kv[1]):
            kind, target = self.home(cpath)
            new_key = self.k3.paths.get(target) if target else None
            if kind == "removed" or new_key in (None, "module") or target in self.stubs:
                continue
            if self.k3.objects[new_key]["kind"] != "class":
                continue
            new_chain = [new_key, *self.k3.objects[new_key].get("mro", [])]
            for name, info in self._own_members(key, classes).items():
                mpath = f"{cpath}.{name}"
                holder = next((c for c in new_chain if self._has(c, name)), None)
                entry: dict[str, Any] = {"k": "same" if holder else "removed"}
                if holder is None:
                    entry["t"] = MEMBER_CODE.get(info["kind"], "o")
                else:
                    # a Keras 2 method that handed everything to another (add_variable ->
                    # add_weight) is that other method, when Keras 3 has it too
                    alias = info.get("forwards")
                    alias_holder = next((c for c in new_chain if alias and self._has(c, alias)), None)  # fmt: skip
                    if alias_holder is not None:
                        entry["same_as"] = alias
                        holder, name = alias_holder, alias
                    old = _params(self.k2, info["owner"], mpath.rsplit(".", 1)[1])
                    new = _params(self.k3, holder, name)
                    if old and new:
                        entry.update(keyword_changes(old, new))
                out[mpath] = entry
        return out

    def _has(self, cls: str, name: str) -> bool:
        info = self.k3.objects.get(cls, {})
        return name in info.get("members", {}) or name in info.get("attrs", ())

    def _own_members(self, key: str, classes: dict[str, str]) -> dict[str, dict[str, Any]]:
        found: dict[str, dict[str, Any]] = {}
        for cls in [key, *self.k2.objects[key].get("mro", [])]:
            if cls != key and cls in classes:
                break  # the next public class has its own entries
            if cls != key and not cls.startswith("keras."):
                continue  # TensorFlow's bases (tf.Module …) are not Keras API
            for name, info in self.k2.objects.get(cls, {}).get("members", {}).items():
                found.setdefault(name, {**info, "owner": cls})
        return dict(sorted(found.items()))


def build(k2: dict[str, Any], k3: dict[str, Any], *, generator: str) -> dict[str, Any]:
    """The data file: header, then every Keras 2 name that needs more than "same"."""
    builder = Builder(k2, k3)
    names: dict[str, Any] = {}
    counts = dict.fromkeys(("same", "moved", "ops", "alias", "removed"), 0)
    for path in sorted(builder.k2.paths):
        entry = builder.entry(path)
        counts[entry["k"]] += 1
        if entry != {"k": "same"}:
            names[path] = entry
    classes = builder.public_classes()
    members = builder.members(classes)
    member_counts = {"same": 0, "removed": 0}
    for entry in members.values():
        member_counts[entry["k"]] += 1
    members = {p: e for p, e in members.items() if e != {"k": "same"}}
    member_classes = {p.rsplit(".", 1)[0] for p in members}
    class_paths = {
        other: cpath
        for key, cpath in classes.items()
        if cpath in member_classes
        for other in builder.k2.paths_of[key]
        if other != cpath
    }
    changed = [e for e in [*names.values(), *members.values()] if "kw" in e]
    header = {
        "generator": "scripts/generate_keras_map.py",
        "generator_sha256": generator,
        "format": FORMAT,
        "keras2": {
            **k2["versions"],
            "environment": SIDES["keras2"],
            "dump_sha256": digest(k2),
            "public_paths": len(k2["paths"]),
        },
        "keras3": {
            **k3["versions"],
            "environment": SIDES["keras3"],
            "dump_sha256": digest(k3),
            "public_paths": len(k3["paths"]),
        },
        "counts": {
            "names": sum(counts.values()),
            **counts,
            "members": sum(member_counts.values()),
            "members_same": member_counts["same"],
            "members_removed": member_counts["removed"],
            "callables_with_keyword_changes": len(changed),
            "keywords_removed_or_renamed": sum(len(e["kw"]) for e in changed),
            "renamed": sum(v is not None for e in changed for v in e["kw"].values()),
            "none_rejected": sum(
                len(e.get("none", ())) for e in [*names.values(), *members.values()]
            ),
            "omitted_same": len(builder.k2.paths) - len(names),
        },
        "fields": {
            "k": "same | moved | ops | alias | removed",
            "to": "the Keras 3 path (moved, ops, alias; same when absent)",
            "t": "what the Keras 2 name is: m module, c class, f function, p property, o other",
            "kw": "keywords Keras 3 no longer takes: {old: new keyword, or null when removed}",
            "none": "keywords whose Keras 2 default None is no longer a Keras 3 default",
            "defaults": "{keyword: [Keras 2 default, Keras 3 default (null: required)]}",
            "args": "Keras 2 positional parameters, each as its Keras 3 keyword (null: none)",
            "alias": 'renames of `kw` read in Keras 2\'s own source: it took the old keyword as another name of the parameter (`l2 = kwargs.pop("l", l2)`)',
            "read": "removed keywords the Keras 3 **kwargs code still reads (warns, converts or raises)",
            "was": "{keyword removed (null in kw): its Keras 2 default}: that value asked for what Keras 2 did anyway",
            "same_as": "a Keras 2 method that handed every argument to this one (add_variable: add_weight), which Keras 3 has too: kw, args and defaults are against it",
            "tfk": "1: TensorFlow's tf.keras over Keras 3 still has this path",
            "stub": "1: the Keras 3 path exists but holds a placeholder that raises",
        },
    }
    identifiers = {m: dict(sorted(v.items())) for m, v in sorted(k2.get("identifiers", {}).items()) if v}
    header["fields"]["identifiers"] = "{module: {string: the public Keras 2 path of what keras.<module>.get(string) made}}, for strings that are no public name of it (metrics 'cosine_proximity')"
    return {"header": header, "names": names, "members": members, "classes": class_paths, "identifiers": identifiers}  # fmt: skip


# --------------------------------------------------------------------------------------------
# the whole run: a dump in each environment, then build
# --------------------------------------------------------------------------------------------


def generator_digest() -> str:
    """Digest of this script: a change to the generator makes the data file stale too."""
    return hashlib.sha256(Path(__file__).read_bytes()).hexdigest()[:16]


def dump_in_environments(files: dict[str, Path]) -> None:
    """Run ``dump SIDE`` in each side's environment at once (``scripts/envs.py``'s interpreter
    and variables, as ``envs.py run`` would), writing ``files[SIDE]``."""
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    import envs

    procs = {}
    for side, out in files.items():
        env = envs.ENVIRONMENTS[SIDES[side]]
        envs.build(env)
        print(f"dumping {side} in {env.name} ...", file=sys.stderr, flush=True)
        cmd = [str(env.python), str(Path(__file__).resolve()), "dump", side, "-o", str(out)]
        procs[side] = subprocess.Popen(
            cmd, cwd=ROOT, env=envs.run_env(env), stderr=subprocess.PIPE, text=True
        )
    for side, proc in procs.items():
        _, err = proc.communicate()
        if proc.returncode != 0:
            raise SystemExit(f"dump {side} failed in {SIDES[side]}:\n{err[-3000:]}")


def write(data: dict[str, Any], path: Path) -> None:
    """Sorted, one name per line: small, deterministic, readable in a diff."""
    lines = ["{"]
    lines.append(f'"header": {json.dumps(data["header"], sort_keys=True)},')
    sections = ("names", "members", "classes", "identifiers")
    for section in sections:
        items = sorted(data[section].items())
        lines.append(f'"{section}": {{')
        for i, (name, entry) in enumerate(items):
            comma = "," if i < len(items) - 1 else ""
            value = json.dumps(entry, sort_keys=True, separators=(",", ":"))
            lines.append(f"{json.dumps(name)}: {value}{comma}")
        lines.append("}," if section != sections[-1] else "}")
    lines.append("}")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    sub = parser.add_subparsers(dest="command")
    p_dump = sub.add_parser("dump", help="dump this environment's public Keras API (one side)")
    p_dump.add_argument("side", choices=sorted(SIDES))
    p_dump.add_argument("-o", "--output", type=Path, help="file (default: standard output)")
    p_build = sub.add_parser("build", help="build the data file from two dumps")
    p_build.add_argument("keras2", type=Path)
    p_build.add_argument("keras3", type=Path)
    for p in (parser, p_build):
        p.add_argument(
            "--out", type=Path, default=OUT, help=f"data file (default: {OUT.relative_to(ROOT)})"
        )
    args = parser.parse_args(argv)

    if args.command == "dump":
        text = canonical_json(dump(args.side))
        if args.output:
            args.output.write_text(text, encoding="utf-8")
        else:
            sys.stdout.write(text)
        return 0
    if args.command == "build":
        k2 = json.loads(args.keras2.read_text(encoding="utf-8"))
        k3 = json.loads(args.keras3.read_text(encoding="utf-8"))
    else:
        with tempfile.TemporaryDirectory() as tmp:
            files = {side: Path(tmp) / f"{side}.json" for side in SIDES}
            dump_in_environments(files)
            k2, k3 = (
                json.loads(files[s].read_text(encoding="utf-8")) for s in ("keras2", "keras3")
            )
    data = build(k2, k3, generator=generator_digest())
    write(data, args.out)
    counts = data["header"]["counts"]
    size = args.out.stat().st_size
    print(f"wrote {args.out} ({size / 1024:.0f} KB): {json.dumps(counts)}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
