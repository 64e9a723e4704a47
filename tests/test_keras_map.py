"""The generated Keras 2 -> 3 map (kerasmagic/knowledge/keras2to3.json): fresh, true, fast.

(a) Staleness: the file is ``build(dump keras2, dump keras3)`` by ``scripts/generate_keras_map.py``;
    the header records a digest of the script and of each side's dump. Here the script is hashed
    again, and in ``tf215-k2`` / ``tf221-k3`` that environment's side is dumped again: a
    difference means the file no longer follows from the generator and the real APIs.
(b) Against the real installs: every target resolves in the live Keras 3, every mapped Keras 2
    name exists in the live Keras 2, removed keywords and names are really gone; the curated
    ``backend-replace`` templates compute what the Keras 2 functions computed.
(c) The loader and the template renderer, in every environment (``bare`` included).
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from conftest import ENV_NAME, run_python, run_python_json

from kerasmagic.knowledge import keras_map
from kerasmagic.knowledge.call_template import parse_params, render_call
from kerasmagic.knowledge.catalogue import load_catalogue

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))
import generate_keras_map as generator  # noqa: E402

DATA = json.loads(keras_map.DATA_FILE.read_text(encoding="utf-8"))
HEADER = DATA["header"]
SIDE_OF = {env: side for side, env in generator.SIDES.items()}
REGENERATE = "regenerate it: python3 scripts/generate_keras_map.py"


# -- (a) staleness ------------------------------------------------------------------------------


def test_generator_is_the_one_that_wrote_the_file() -> None:
    assert HEADER["generator_sha256"] == generator.generator_digest(), (
        f"scripts/generate_keras_map.py changed since keras2to3.json was written; {REGENERATE}"
    )


def test_file_is_what_write_makes_of_its_own_content(tmp_path: Path) -> None:
    out = tmp_path / "again.json"
    generator.write(DATA, out)
    assert out.read_bytes() == keras_map.DATA_FILE.read_bytes(), f"edited by hand? {REGENERATE}"


@pytest.mark.slow
@pytest.mark.envs(*SIDE_OF)
def test_this_environments_side_is_unchanged() -> None:
    side = SIDE_OF[ENV_NAME]
    proc = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "generate_keras_map.py"), "dump", side],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=900,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    fresh = json.loads(proc.stdout)
    stored = HEADER[side]
    assert fresh["versions"] == {k: stored[k] for k in fresh["versions"]}, REGENERATE
    assert len(fresh["paths"]) == stored["public_paths"], REGENERATE
    assert generator.digest(fresh) == stored["dump_sha256"], (
        f"the public API dumped in {ENV_NAME} differs from the one the file was built from; "
        + REGENERATE
    )


def test_file_is_small_and_counts_add_up() -> None:
    assert keras_map.DATA_FILE.stat().st_size < 300_000
    counts = HEADER["counts"]
    assert sum(counts[k] for k in keras_map.KINDS) == counts["names"]
    assert counts["omitted_same"] == counts["names"] - len(DATA["names"])
    listed = [e["k"] for e in DATA["names"].values()]
    for kind in ("moved", "ops", "alias", "removed"):
        assert listed.count(kind) == counts[kind], kind
    assert all(e != {"k": "same"} for e in [*DATA["names"].values(), *DATA["members"].values()])
    assert HEADER["keras2"]["keras"].startswith("2.") and HEADER["keras3"]["keras"].startswith("3.")


# -- the generator's rules, on small hand-made dumps --------------------------------------------


def _dump(paths: dict[str, str], objects: dict[str, dict]) -> dict:
    return {"versions": {}, "paths": {p: [k, 1] for p, k in paths.items()}, "objects": objects}


def _fn(name: str, *params: list) -> dict:
    return {"kind": "function", "name": name, "sig": [list(p) for p in params]}


def test_build_classifies_same_moved_ops_alias_removed_stub() -> None:
    k2 = _dump(
        {
            "keras.losses": "module",
            "keras.losses.mse": "k2:mean_squared_error",
            "keras.losses.mean_squared_error": "k2:mean_squared_error",
            "keras.backend.mean": "k2:mean",
            "keras.backend.repeat": "k2:repeat",
            "keras.backend.int_shape": "k2:int_shape",
            "keras.layers.experimental.EinsumDense": "k2:EinsumDense",
            "keras.optimizers.legacy.Adam": "k2l:Adam",
            "keras.optimizers.legacy.SGD": "k2l:SGD",
        },
        {
            "k2:mean_squared_error": _fn("mean_squared_error", ["y_true", 1], ["y_pred", 1]),
            "k2:mean": _fn("mean", ["x", 1], ["axis", 1, "None"], ["keepdims", 1, "False"]),
            "k2:repeat": _fn("repeat", ["x", 1], ["n", 1]),
            "k2:int_shape": _fn("int_shape", ["x", 1]),
            "k2:EinsumDense": {"kind": "class", "name": "EinsumDense", "init": [], "mro": []},
            "k2l:Adam": {"kind": "class", "name": "Adam", "init": [["lr", 1, "0.001"]], "mro": []},
            "k2l:SGD": {"kind": "class", "name": "SGD", "init": [], "mro": []},
        },
    )
    k3 = _dump(
        {
            "keras.losses": "module",
            "keras.losses.mean_squared_error": "k3:mean_squared_error",
            "keras.ops.mean": "k3:mean",
            "keras.ops.repeat": "k3:repeat",
            "keras.layers.EinsumDense": "k3:EinsumDense",
            "keras.optimizers.Adam": "k3:Adam",
            "keras.optimizers.legacy.Adam": "k3:Stub",
            "keras.optimizers.legacy.SGD": "k3:Stub",
        },
        {
            "k3:mean_squared_error": _fn("mean_squared_error", ["y_true", 1], ["y_pred", 1]),
            "k3:mean": _fn("mean", ["x", 1], ["axis", 1, "None"], ["keepdims", 1, "False"]),
            "k3:repeat": _fn("repeat", ["x", 1], ["repeats", 1], ["axis", 1, "None"]),
            "k3:EinsumDense": {"kind": "class", "name": "EinsumDense", "init": [], "mro": []},
            "k3:Adam": {"kind": "class", "name": "Adam", "init": [["learning_rate", 1, "0.001"]]},
            "k3:Stub": {"kind": "class", "name": "LegacyOptimizerWarning", "init": [], "mro": []},
        },
    )
    names = generator.build(k2, k3, generator="test")["names"]
    assert "keras.losses.mean_squared_error" not in names  # same, nothing to say: omitted
    assert names["keras.losses.mse"]["k"] == "alias"
    assert names["keras.losses.mse"]["to"] == "keras.losses.mean_squared_error"
    assert names["keras.backend.mean"] == {"k": "ops", "t": "f", "to": "keras.ops.mean"}
    assert names["keras.backend.repeat"]["k"] == "removed"  # NOT_OPS: same name, other meaning
    assert names["keras.backend.int_shape"]["k"] == "removed"
    assert names["keras.layers.experimental.EinsumDense"]["to"] == "keras.layers.EinsumDense"
    adam = names["keras.optimizers.legacy.Adam"]
    assert (adam["k"], adam["to"], adam["stub"]) == ("moved", "keras.optimizers.Adam", 1)
    assert adam["kw"] == {"lr": "learning_rate"}  # same position, same non-None default
    assert names["keras.optimizers.legacy.SGD"]["k"] == "removed"


def test_keyword_changes_need_evidence_for_a_rename() -> None:
    P = generator.Params
    old = P([["filepath", 1], ["overwrite", 1, "True"], ["save_format", 1, "None"]], set(), set())
    old = P(old.sig, {"filepath", "overwrite", "save_format"}, set())
    new = P([["filepath", 1], ["overwrite", 1, "True"], ["zipped", 1, "None"]], set(), set())
    new = P(new.sig, {"filepath", "overwrite", "zipped"}, {"save_format"})
    # a shared None default proves nothing: save_format is not zipped
    assert generator.keyword_changes(old, new) == {
        "kw": {"save_format": None},
        "read": ["save_format"],
        "args": ["filepath", "overwrite", None],
    }
    old = P([["tensors", 1], ["axis", 1, "-1"]], {"tensors", "axis"}, set())
    new = P([["xs", 1], ["axis", 1, "0"]], {"xs", "axis"}, set())
    assert generator.keyword_changes(old, new, op=True) == {
        "kw": {"tensors": "xs"},  # both required at position 0
        "defaults": {"axis": ["-1", "0"]},
    }
    old = P([["x", 1], ["pattern", 1]], {"x", "pattern"}, set())
    new = P([["x", 1], ["axes", 1, "None"]], {"x", "axes"}, set())
    assert generator.keyword_changes(old, new, op=True)["kw"] == {"pattern": None}
    assert generator.keyword_changes(old, new, op=True, asserted=True)["kw"] == {"pattern": "axes"}
    old = P([["momentum", 1, "None"]], {"momentum"}, set())
    new = P([["momentum", 1, "0.99"]], {"momentum"}, set())
    assert generator.keyword_changes(old, new)["none"] == ["momentum"]


# -- (b) against the real installs --------------------------------------------------------------

RESOLVE = """
import importlib, inspect, json, sys
def resolve(path):
    parts = path.split(".")
    obj = importlib.import_module(parts[0])
    for part in parts[1:]:
        obj = getattr(obj, part)
    return obj
def keywords(obj, method=None):
    '''Every keyword accepted along the MRO while **kwargs hands them on (the map's rule).'''
    chain = obj.__mro__ if isinstance(obj, type) else [obj]
    names = set()
    for cls in chain:
        name = method or "__init__"
        if not isinstance(obj, type):
            fn = obj
        elif name in vars(cls):
            fn = getattr(cls, name)
        else:
            continue
        try:
            params = inspect.signature(fn).parameters
        except (TypeError, ValueError):
            break
        names |= {n for n, p in params.items() if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)}
        if not any(p.kind == p.VAR_KEYWORD for p in params.values()):
            break
    return names
"""


@pytest.mark.slow
@pytest.mark.envs("tf221-k3")
def test_keras3_targets_resolve_and_removed_things_are_gone() -> None:
    code = RESOLVE + textwrap.dedent(
        f"""
        data = json.load(open({str(keras_map.DATA_FILE)!r}))
        problems = []
        for path, e in data["names"].items():
            target = e.get("to") or (path if e["k"] == "same" else None)
            if e["k"] == "removed" or e.get("stub"):
                try:
                    resolve(path)
                    if not e.get("stub"):
                        problems.append(("removed yet resolves", path))
                except Exception:
                    if e.get("stub"):
                        problems.append(("stub does not resolve", path))
            if e.get("tfk"):
                try:
                    resolve("tensorflow.keras" + path[len("keras"):])
                except Exception:
                    problems.append(("tf.keras does not have it", path))
            if target is None:
                continue
            try:
                obj = resolve(target)
            except Exception as exc:
                problems.append(("target missing", path, target, repr(exc)))
                continue
            if e.get("t") != "m" and callable(obj) and "kw" in e:
                accepted = keywords(obj)
                for old, new in e["kw"].items():
                    if old in accepted:
                        problems.append(("keyword still accepted", target, old))
                    if new is not None and new not in accepted:
                        problems.append(("renamed keyword missing", target, new))
        homes = {{}}
        for path, e in data["names"].items():
            homes[path] = e.get("to") or (path if e["k"] != "removed" else None)
        for path, e in data["members"].items():
            owner, _, member = path.rpartition(".")
            home = homes.get(owner, owner)
            cls = resolve(home)
            present = hasattr(cls, member)
            if e["k"] == "removed" and present:
                problems.append(("removed member present", path))
            if e["k"] == "same":
                if not present:
                    problems.append(("member missing", path))
                for old, new in e.get("kw", {{}}).items():
                    accepted = keywords(cls, member)
                    if old in accepted or (new is not None and new not in accepted):
                        problems.append(("member keyword", path, old, new))
        import numpy as np, keras
        live = {{
            "keras.layers.Layer": keras.layers.Dense(2),
            "keras.optimizers.Optimizer": keras.optimizers.Adam(),
            "keras.Model": keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)]),
            "keras.metrics.Metric": keras.metrics.Mean(),
        }}
        live["keras.Model"].compile("adam", "mse")
        live["keras.Model"].fit(np.zeros((4, 3)), np.zeros((4, 2)), verbose=0)
        for path, e in data["members"].items():
            owner, _, member = path.rpartition(".")
            if owner in live and e["k"] == "removed" and hasattr(live[owner], member):
                problems.append(("removed member present on an instance", path))
        print(json.dumps(problems))
        """
    )
    problems = run_python_json(code, timeout=900)
    assert problems == [], problems[:30]


@pytest.mark.slow
@pytest.mark.envs("tf215-k2")
def test_every_mapped_keras2_name_exists_in_keras2() -> None:
    code = RESOLVE + textwrap.dedent(
        f"""
        import tensorflow as tf
        data = json.load(open({str(keras_map.DATA_FILE)!r}))
        problems = []
        for path, e in data["names"].items():
            for spelled in (path, "tensorflow.keras" + path[len("keras"):]):
                try:
                    obj = resolve(spelled)
                except Exception as exc:
                    problems.append(("missing", spelled, repr(exc)))
                    continue
            if "kw" in e and callable(obj) and e.get("t") != "m":
                accepted = keywords(obj)
                # an alias is read from **kwargs: Keras 2's source must pop it (or read it) into
                # the parameter (ReduceLROnPlateau: `min_delta = kwargs.pop("epsilon")`)
                init = obj.__init__ if isinstance(obj, type) else obj
                source = inspect.getsource(inspect.unwrap(init))
                for old, new in e.get("alias", {{}}).items():
                    popped = f'{{new}} = kwargs.pop("{{old}}", {{new}})'
                    read = (f'{{new}} = kwargs["{{old}}"]', f'{{new}} = kwargs.pop("{{old}}")')
                    if popped in source or any(r in source for r in read):
                        accepted.add(old)
                    else:
                        problems.append(("alias not read by Keras 2", path, old))
                problems += [("not a Keras 2 keyword", path, k) for k in e["kw"] if k not in accepted]
        classes = data["classes"]
        for path, e in data["members"].items():
            owner, _, member = path.rpartition(".")
            cls = resolve(owner)
            if not hasattr(cls, member):
                problems.append(("member missing", path))
            elif "kw" in e:
                # a method that handed every argument to another (same_as) takes that one's
                accepted = keywords(cls, e.get("same_as") or member)
                problems += [("not a Keras 2 keyword", path, k) for k in e["kw"] if k not in accepted]
        for other, canonical in classes.items():
            if resolve(other) is not resolve(canonical):
                problems.append(("class paths differ", other, canonical))
        print(json.dumps(problems))
        """
    )
    problems = run_python_json(code, timeout=900)
    assert problems == [], problems[:30]


BACKEND_ENTRIES = [e for e in load_catalogue() if e.data.get("rule") == "backend-replace"]
# Inputs for each curated template; the reference is TensorFlow 2.21's tf.keras.backend, which
# keeps the Keras 2 implementation (keras.src.legacy.backend) next to Keras 3.
SAMPLES = {
    "get_value": "tf.Variable([[1.0, -2.0], [3.0, 4.0]])",
    "eval": "tf.constant([1.0, 2.0])",
    "batch_get_value": "[tf.constant([1.0]), tf.Variable([2.0, 3.0])]",
    "int_shape": "tf.zeros((2, 3))",
    "count_params": "tf.Variable(tf.zeros((3, 4)))",
    "hard_sigmoid": "tf.constant([-3.0, -1.0, 0.0, 1.0, 3.0])",
    "sqrt": "tf.constant([-4.0, 0.0, 4.0])",
    "repeat": "tf.constant([[1.0, 2.0], [3.0, 4.0]]), 3",
    "gather": "tf.constant([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]]), [2, 0]",
    "flatten": "tf.ones((2, 3, 4))",
    "batch_flatten": "tf.ones((2, 3, 4))",
    "temporal_padding": "tf.ones((2, 3, 4)), (1, 2)",
    "constant": "[[1, 2], [3, 4]]",
}
TEMPLATES = {
    n: (t, e.data["params"][n]) for e in BACKEND_ENTRIES for n, t in e.data["replace"].items()
}


def _render(name: str, args: list[str], keywords: dict[str, str] | None = None) -> str:
    code = render_call(*TEMPLATES[name], args, keywords or {})
    assert code, name
    return code


@pytest.mark.slow
@pytest.mark.envs("tf221-k3")
def test_curated_templates_compute_what_keras2_computed() -> None:
    cases = [
        (name, _render(name, _split_args(sample)), f"tf.keras.backend.{name}({sample})")
        for name, sample in SAMPLES.items()
    ]
    code = textwrap.dedent(
        f"""
        import json, numpy as np, keras, tensorflow as tf
        t = tf.ones((2, 3, 4))
        out = []
        def close(a, b):
            if isinstance(a, (list, tuple)) or isinstance(b, (list, tuple)):
                return (
                    isinstance(a, (list, tuple)) and isinstance(b, (list, tuple))
                    and len(a) == len(b) and all(close(x, y) for x, y in zip(a, b))
                )
            a, b = np.asarray(keras.ops.convert_to_numpy(a)), np.asarray(b)
            return a.shape == b.shape and bool(np.allclose(a, b))
        for name, new, old in {cases!r}:
            out.append([name, close(eval(new), tf.keras.backend.get_value(eval(old))), new])
        v = keras.Variable(np.zeros(2, "float32"))
        exec({_render("set_value", ["v"], {"value": "[1.0, 2.0]"})!r})
        exec({_render("update_add", ["v", "[1.0, 1.0]"])!r})
        out.append(["set_value, update_add", v.numpy().tolist() == [2.0, 3.0], ""])
        w = {_render("variable", ["np.ones(3)"], {"name": "'w'"})!r}
        out.append(["variable", keras.ops.convert_to_numpy(eval(w)).tolist() == [1.0] * 3, w])
        x = {_render("placeholder", ["(None, 5)"], {"dtype": "'int32'"})!r}
        out.append(["placeholder", tuple(eval(x).shape) == (None, 5), x])
        opt = keras.optimizers.Adam()
        out.append(["lr", not hasattr(opt, "lr") and hasattr(opt, "learning_rate"), ""])
        out.append(["synchronized", keras.layers.BatchNormalization(synchronized=True).synchronized, ""])
        print(json.dumps(out))
        """
    )
    results = run_python_json(code, timeout=600)
    assert [r for r in results if not r[1]] == []


def _split_args(text: str) -> list[str]:
    import ast

    source = f"f({text})"
    call = ast.parse(source, mode="eval").body
    assert isinstance(call, ast.Call)
    return [ast.get_source_segment(source, a) or "" for a in call.args]


@pytest.mark.slow
@pytest.mark.envs("tf221-k3", "tf215-k2")
def test_epsilon_none_fails_with_the_new_optimizers() -> None:
    proc = run_python(
        """
        import numpy as np, keras
        m = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
        m.compile(keras.optimizers.Adam(epsilon=None), "mse")
        m.fit(np.ones((4, 2)), np.ones((4, 1)), verbose=0)
        """,
        timeout=600,
    )
    assert proc.returncode != 0 and "None values not supported" in proc.stderr


# -- (c) the loader and the template renderer ---------------------------------------------------


def test_importing_kerasmagic_does_not_read_the_map() -> None:
    proc = run_python(
        """
        import sys, kerasmagic
        from IPython.testing.globalipapp import get_ipython
        get_ipython().run_line_magic("load_ext", "kerasmagic")
        print("kerasmagic.knowledge.keras_map" in sys.modules)
        import kerasmagic.knowledge.keras_map as m
        print(m._MAP is None)
        """
    )
    assert proc.returncode == 0, proc.stderr
    # IPython 7.34 (Colab) writes the terminal title before them: read the two answers only
    assert re.findall(r"\b(True|False)\b", proc.stdout)[-2:] == ["False", "True"], proc.stdout


def test_lookups() -> None:
    where = keras_map.where_in_keras3
    assert keras_map.normalise("tf.keras.backend.mean") == "keras.backend.mean"
    assert keras_map.normalise("tensorflow.keras.layers.Dense") == "keras.layers.Dense"
    assert keras_map.normalise("tf_keras.losses.mse") == "keras.losses.mse"
    assert keras_map.normalise("numpy.mean") is None
    assert where("K.mean") is None  # an alias of the cell, not a path: the engine resolves it
    assert where("keras.backend.mean") == ("ops", "keras.ops.mean", "function", True, False)
    assert where("tensorflow.keras.backend.l2_normalize").target == "keras.ops.normalize"
    assert keras_map.keyword_changes("keras.backend.l2_normalize")["defaults"] == {
        "axis": ["None", "-1"]
    }
    assert keras_map.removed_keywords("keras.backend.concatenate") == {"tensors": "xs"}
    int_shape = where("tf.keras.backend.int_shape")
    assert (int_shape.kind, int_shape.target, int_shape.tf_keras) == ("removed", None, True)
    assert where("keras.losses.mse")[:2] == ("alias", "keras.losses.mean_squared_error")
    assert where("keras.metrics.mae")[:2] == ("alias", "keras.metrics.mean_absolute_error")
    assert where("keras.activations.softmax") is None  # same and unchanged: counted, not listed
    assert where("keras.layers.Dense") == ("same", "keras.layers.Dense", "", False, False)
    assert "fused" in keras_map.removed_keywords("keras.layers.BatchNormalization")
    sync = where("keras.layers.experimental.SyncBatchNormalization")
    assert sync.kind == "removed"
    assert keras_map.removed_keywords("keras.Model.fit") == {
        "max_queue_size": None,
        "use_multiprocessing": None,
        "workers": None,
    }
    assert "workers" in keras_map.removed_keywords("keras.models.Model.fit")  # another path
    assert where("keras.Model.fit_generator").kind == "removed"
    found = keras_map.find_member(["keras.optimizers.Adam", "keras.optimizers.Optimizer"], "lr")
    assert found is not None and found[0] == "keras.optimizers.Optimizer.lr"
    assert found[1].kind == "removed"
    legacy = where("keras.optimizers.legacy.Adam")
    assert (legacy.kind, legacy.target, legacy.stub) == ("moved", "keras.optimizers.Adam", True)
    assert keras_map.header()["keras3"]["keras"].startswith("3.")


def test_load_is_measured_and_lookups_take_microseconds() -> None:
    keras_map.clear_cache()
    start = time.perf_counter()
    loaded = keras_map.load()
    assert (time.perf_counter() - start) * 1000 < 500
    assert 0 < loaded.load_ms < 500
    paths = [*DATA["names"], *DATA["members"], "tf.keras.backend.mean", "keras.layers.Dense"]
    start = time.perf_counter()
    for _ in range(20):
        for path in paths:
            keras_map.where_in_keras3(path)
    per_lookup = (time.perf_counter() - start) / (20 * len(paths))
    assert per_lookup < 50e-6, f"{per_lookup * 1e6:.1f} µs per lookup"


def test_render_call() -> None:
    assert render_call("tuple({x}.shape)", "x", ["a + b"], {}) == "tuple((a + b).shape)"
    assert render_call("tuple({x}.shape)", "x", ["layer.output"], {}) == "tuple(layer.output.shape)"
    assert render_call("{x}.assign({value})", "x, value", ["v"], {"value": "lr * 0.5"}) == (
        "v.assign(lr * 0.5)"
    )
    assert render_call("keras.ops.clip(0.2 * {x} + 0.5, 0.0, 1.0)", "x", ["a - b"], {}) == (
        "keras.ops.clip(0.2 * (a - b) + 0.5, 0.0, 1.0)"
    )
    assert render_call("f(0.2 * {x})", "x", ["-1"], {}) == "f(0.2 * (-1))"
    variable = "keras.Variable({value}, dtype={dtype}{name?})"
    params = "value, dtype=keras.config.floatx(), name=None, constraint=None"
    assert render_call(variable, params, ["np.zeros(3)"], {"name": "'w'"}) == (
        "keras.Variable(np.zeros(3), dtype=keras.config.floatx(), name='w')"
    )
    assert render_call(variable, params, ["0"], {"constraint": "c"}) is None  # would drop it
    assert render_call(variable, params, [], {}) is None  # value is required
    assert render_call(variable, params, ["0"], {"shape": "(2,)"}) is None  # unknown keyword
    assert render_call("g({x}, {x}[0])", "x", ["f()"], {}) is None  # evaluated twice
    assert render_call("g({x}, {x}[0])", "x", ["t"], {}) == "g(t, t[0])"
    assert render_call("{{'a': {x}}}", "x", ["1"], {}) == "{'a': 1}"
    assert render_call("f({x}", "x", ["1"], {}) is None  # not Python
    assert parse_params("x, axis=-1") == [("x", None), ("axis", "-1")]


def test_curated_entries_are_valid() -> None:
    entries = [e for e in load_catalogue() if e.file == "keras3_backend.toml"]
    assert {e.data["rule"] for e in entries} >= {"backend-replace", "attribute-rename"}
    for e in entries:
        assert e.source.startswith("https://") and e.applies, e.id
    for e in BACKEND_ENTRIES:
        assert set(e.data["replace"]) == set(e.data["params"]), e.id
        for name, template in e.data["replace"].items():
            spec = parse_params(e.data["params"][name])
            required = [n for n, default in spec if default is None]
            assert render_call(template, e.data["params"][name], required, {}), name
            home = keras_map.where_in_keras3(f"keras.backend.{name}")
            assert home is not None and home.kind == "removed", (name, home)


def test_renamed_function_reads_keras2_aliases_from_the_map() -> None:
    """A Keras 2 function name that was another name of one (an alias in the generated map) gives
    the Keras 3 name; a name Keras 3 kept, or one the map does not know, gives None."""
    assert keras_map.renamed_function("losses", "kullback_leibler_divergence") == "kl_divergence"
    assert keras_map.renamed_function("losses", "mean_squared_error") is None
    assert keras_map.renamed_function("losses", "no_such_loss") is None


def test_the_alias_trap_looks_for_every_alias_of_the_map() -> None:
    """``rules/trap_keyword_alias.py`` examines only cells that pass an old keyword the map
    records as an alias: its list and the map's agree."""
    from kerasmagic.diagnosis.rules.trap_keyword_alias import ALIASES

    entries = json.loads(keras_map.DATA_FILE.read_text(encoding="utf-8"))
    found = {old for section in ("names", "members") for e in entries[section].values() for old in e.get("alias", {})}  # fmt: skip
    assert set(ALIASES) == found
