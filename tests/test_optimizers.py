"""``%keras_optimizers`` against what each real environment does.

Every row of the table is checked against the same call made directly in a fresh process of this
interpreter (``eval`` of the shown code, ``lr=``/``decay=`` passed by hand), and the measured facts
of each environment (legacy namespace in TF 2.15, its ImportError under Keras 3, tf_keras with
``TF_USE_LEGACY_KERAS=1``) are asserted where the environment has them.
"""

from __future__ import annotations

import importlib.util

import pytest
from conftest import ENV_NAME, run_python_json

NAMES = ["adam", "sgd"]
KERAS_ENVS = ("tf221-k3", "tf221-legacy", "tf215-k2", "tf215-broken-k3", "k3-jax", "colab")

# One process per environment: the probe's table, then the same calls made by hand.
DIRECT = r"""
import json, warnings
from kerasmagic.probes.optimizers import HABITS, collect
report = collect(NAMES, in_kernel=False).to_dict()
scope = {}
for mod in ("tensorflow", "keras", "tf_keras"):
    try:
        scope[mod] = __import__(mod)
    except Exception:
        pass
if "tensorflow" in scope:
    scope["tf"] = scope["tensorflow"]

def call(code):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            obj = eval(code, dict(scope))
        except Exception as exc:
            return {"error_type": type(exc).__qualname__, "error": str(exc)}, None
    cls = type(obj)
    return {"class_path": f"{cls.__module__}.{cls.__qualname__}"}, obj

direct, habits = {}, {}
for opt in report["optimizers"]:
    for way in opt["ways"]:
        result, obj = call(way["code"])
        direct[way["code"]] = result
        if obj is None or not way["code"].endswith("()"):
            continue
        for arg, value, meant in HABITS:
            got, made = call(way["code"][:-2] + f"({arg}={value!r})")
            if made is None:
                habits[f"{way['code']} {arg}"] = ["rejected", got["error_type"]]
                continue
            config = made.get_config()
            held = config.get(meant, config.get("lr") if meant == "learning_rate" else None)
            ok = held is not None and abs(float(held) - value) < value * 1e-3
            habits[f"{way['code']} {arg}"] = ["honoured" if ok else "ignored", None]
print(json.dumps({"report": report, "direct": direct, "habits": habits}))
"""


@pytest.fixture(scope="module")
def measured():
    return run_python_json(f"NAMES = {NAMES!r}\n" + DIRECT)


def _ways(report: dict) -> dict[str, dict]:
    return {w["code"]: w for o in report["optimizers"] for w in o["ways"]}


def _way(measured: dict, code: str) -> dict:
    ways = _ways(measured["report"])
    assert code in ways, f"{code} not probed here: {sorted(ways)}"
    return ways[code]


def _habit(way: dict, arg: str) -> dict:
    return next(h for h in way["habits"] if h["argument"] == arg)


@pytest.mark.envs(*KERAS_ENVS)
def test_every_way_matches_the_direct_call(measured):
    ways = _ways(measured["report"])
    assert ways, measured["report"]
    for code, way in ways.items():
        direct = measured["direct"][code]
        if "class_path" in direct:
            assert way["class_path"] == direct["class_path"], code
            assert way["error_type"] is None and way["group"], code
        else:
            assert (way["error_type"], way["error"]) == (direct["error_type"], direct["error"]), (
                code
            )


@pytest.mark.envs(*KERAS_ENVS)
def test_habits_match_the_direct_call(measured):
    checked = 0
    for code, way in _ways(measured["report"]).items():
        for habit in way["habits"]:
            key = f"{code} {habit['argument']}"
            if key not in measured["habits"]:
                continue
            outcome, error_type = measured["habits"][key]
            assert habit["outcome"] == outcome, (key, habit)
            if error_type:
                assert habit["detail"].startswith(error_type + ":"), (key, habit)
            checked += 1
    assert checked >= 4


@pytest.mark.envs(*KERAS_ENVS)
def test_same_class_groups_are_class_identity(measured):
    for opt in measured["report"]["optimizers"]:
        by_group: dict[str, set[str]] = {}
        for way in opt["ways"]:
            if way["group"]:
                by_group.setdefault(way["group"], set()).add(way["class_path"])
        assert all(len(paths) == 1 for paths in by_group.values()), by_group
        assert opt["groups"] == {
            g: [w["code"] for w in opt["ways"] if w["group"] == g] for g in by_group
        }


@pytest.mark.envs(*KERAS_ENVS)
def test_string_and_class_agree_within_one_keras(measured):
    for ns in measured["report"]["namespaces"]:
        if not ns["available"]:
            continue
        got = _way(measured, f"{ns['name']}.optimizers.get('adam')")
        cls = _way(measured, f"{ns['name']}.optimizers.Adam()")
        assert got["group"] == cls["group"], (got, cls)


@pytest.mark.envs("tf215-k2")
def test_tf215_legacy_namespace_works_and_habits_split(measured):
    tfk = next(n for n in measured["report"]["namespaces"] if n["name"] == "tf.keras")
    assert (tfk["keras"], tfk["module"]) == ("keras2", "keras.api._v2.keras")
    new = _way(measured, "tf.keras.optimizers.Adam()")
    legacy = _way(measured, "tf.keras.optimizers.legacy.Adam()")
    assert legacy["error_type"] is None and ".legacy." in legacy["class_path"]
    assert legacy["group"] != new["group"]
    assert _way(measured, "tf.keras.optimizers.experimental.Adam()")["group"] == new["group"]
    assert _habit(new, "lr")["outcome"] == "ignored"  # trains at the default rate
    assert _habit(new, "decay")["outcome"] == "rejected"
    assert _habit(new, "decay")["detail"].startswith("ValueError: decay is deprecated")
    assert _habit(legacy, "lr")["outcome"] == "honoured"
    assert _habit(legacy, "decay")["outcome"] == "honoured"
    assert "decay" in measured["report"]["optimizers"][0]["differing"]


@pytest.mark.envs("tf221-k3", "k3-jax", "colab", "tf221-legacy")
def test_keras3_legacy_raises_at_construction(measured):
    legacy = _way(measured, "keras.optimizers.legacy.Adam()")
    assert legacy["failed_at"] == "construct"
    assert legacy["error_type"] == "ImportError"
    assert "not supported in Keras 3" in legacy["error"]
    new = _way(measured, "keras.optimizers.Adam()")
    assert new["keras"] == "keras3"
    assert _habit(new, "lr")["outcome"] == "rejected"
    assert _habit(new, "lr")["detail"].startswith("ValueError: Argument(s) not recognized")
    assert _habit(new, "decay")["outcome"] == "ignored"
    assert any("decay" in w for w in _habit(new, "decay")["warnings"])


@pytest.mark.envs("tf221-k3", "colab")
def test_tf_keras_is_keras3_without_legacy(measured):
    tf_legacy = _way(measured, "tf.keras.optimizers.legacy.Adam()")
    assert tf_legacy["error_type"] == "ImportError" and tf_legacy["failed_at"] == "construct"
    assert (
        _way(measured, "tf.keras.optimizers.Adam()")["group"]
        == (_way(measured, "keras.optimizers.Adam()")["group"])
    )
    exp = _way(measured, "tf.keras.optimizers.experimental.Adam()")
    assert exp["failed_at"] == "lookup" and exp["error_type"] == "AttributeError"


@pytest.mark.envs("tf221-legacy", "colab")
def test_tf_keras_package_keeps_legacy(measured):
    legacy = _way(measured, "tf_keras.optimizers.legacy.Adam()")
    assert legacy["error_type"] is None and legacy["keras"] == "tf_keras"
    assert _habit(legacy, "lr")["outcome"] == "honoured"


@pytest.mark.envs("tf221-legacy")
def test_use_legacy_keras_brings_legacy_back_to_tf_keras(measured):
    tfk = next(n for n in measured["report"]["namespaces"] if n["name"] == "tf.keras")
    assert tfk["keras"] == "tf_keras"
    legacy = _way(measured, "tf.keras.optimizers.legacy.Adam()")
    assert legacy["error_type"] is None and legacy["class_path"].startswith("tf_keras.")
    # tf.keras (tf_keras) and keras (Keras 3) are different classes: the mixing trap
    assert (
        _way(measured, "tf.keras.optimizers.Adam()")["group"]
        != (_way(measured, "keras.optimizers.Adam()")["group"])
    )


@pytest.mark.envs("bare")
def test_no_keras_gives_an_empty_answer_that_says_so():
    from kerasmagic.probes.optimizers import resolve_optimizers
    from kerasmagic.render.optimizers import optimizers_to_text

    report = resolve_optimizers(None)
    assert report.optimizers == [] and not any(n.available for n in report.namespaces)
    assert "not installed" in report.note
    assert "not installed" in optimizers_to_text(report)


# -- the kernel is left as it was ----------------------------------------------------------------

KERNEL = r"""
import contextlib, importlib.util, io, json, logging, sys
from kerasmagic.probes.optimizers import resolve_optimizers
heavy = ("tensorflow", "keras", "tf_keras", "jax")
out = {}
from kerasmagic.probes.optimizers import env_section
from kerasmagic.render.optimizers import optimizers_section_text
out["section_idle"] = optimizers_section_text(env_section())
out["imported"] = sorted(m for m in sys.modules if m.split(".")[0] in heavy)
def runtime_started():
    ctx = getattr(sys.modules.get("tensorflow.python.eager.context"), "_context", None)
    bridge = sys.modules.get("jax._src.xla_bridge")
    return bool(getattr(ctx, "_initialized", False) or getattr(bridge, "_backends", None))
if importlib.util.find_spec("tensorflow"):
    import tensorflow as tf
    tf.keras.optimizers
else:
    import keras
# imported, runtime not started: %keras_env starts nothing; %keras_optimizers (asked for this
# kernel's answer, issue 32 item 2) builds here and says that it started the runtime
out["started_before"] = runtime_started()
out["section_before_start"] = optimizers_section_text(env_section())
out["env_started"] = runtime_started()
built = resolve_optimizers(["adam"])
out["idle"] = [built.measured_in, len(built.optimizers), built.note]
out["started_after"] = runtime_started()
if "tensorflow" in sys.modules:
    tf.constant([1.0]) + 1.0  # the user's first TF op
else:
    keras.ops.ones((1,))
keras3 = sys.modules.get("keras") if str(getattr(sys.modules.get("keras"), "__version__", "")).startswith("3") else None
if keras3 is not None:  # two names before probing show how (whether) this Keras counts them
    out["names_before"] = [keras3.optimizers.Adam().name, keras3.optimizers.Adam().name]
loggers = {n: (logging.getLogger(n).handlers[:], logging.getLogger(n).level) for n in ("", "tensorflow", "absl")}
buf = io.StringIO()
with contextlib.redirect_stdout(buf), contextlib.redirect_stderr(buf):
    kernel = resolve_optimizers(["adam", "sgd"])
out["printed"] = buf.getvalue()
out["loggers_kept"] = all(
    (logging.getLogger(n).handlers, logging.getLogger(n).level) == v for n, v in loggers.items()
)
if keras3 is not None:
    out["name_after"] = keras3.optimizers.Adam().name
out["kernel"] = kernel.to_dict()
out["section"] = optimizers_section_text(env_section())
print(json.dumps(out))
"""


@pytest.mark.envs(*KERAS_ENVS)
def test_kernel_mode_builds_here_changes_nothing_else_and_agrees_with_subprocess(measured):
    out = run_python_json(KERNEL)
    out["sub"] = measured["report"]
    # %keras_env imports nothing and starts no subprocess unasked (issue 18)
    assert out["imported"] == []
    # a plain `python -c` process: "this Python" (in a kernel, "this kernel")
    assert "not imported in this Python" in " ".join(out["section_idle"].split())
    for way in _ways(out["kernel"]):
        if "adam" in way.lower():
            assert way in out["section"]
    if not out["started_before"]:  # %keras_env starts nothing; %keras_optimizers builds here
        assert "not started in this kernel" in out["section_before_start"], out
        assert not out["env_started"]
        measured_in, count, note = out["idle"]
        assert measured_in == "kernel" and count == 1 and out["started_after"], out["idle"]
        assert "Built in this kernel" in note and "started" in note, note
    assert out["printed"] == "" and out["loggers_kept"]
    if "names_before" in out:  # Keras 3.14+ counts auto names: probing must not shift them
        first, second = out["names_before"]
        assert out["name_after"] == (first if first == second else f"{first}_2")
    assert out["kernel"]["measured_in"] == "kernel"
    here = [n["name"] for n in out["kernel"]["namespaces"] if n["available"]]
    assert here, out["kernel"]["namespaces"]
    keys = ("class_path", "error_type", "error", "group", "defaults", "habits")
    sub = _ways(out["sub"])
    for code, way in _ways(out["kernel"]).items():
        assert way["namespace"] in here
        if all(w["namespace"] in here for w in sub.values()):
            assert {k: way[k] for k in keys} == {k: sub[code][k] for k in keys}, code
        else:  # fewer namespaces in the kernel: group letters may differ, the rest may not
            assert {k: way[k] for k in keys if k != "group"} == {
                k: sub[code][k] for k in keys if k != "group"
            }, code


# -- the magic, through a real IPython shell -----------------------------------------------------

SHELL = r"""
import contextlib, io, json
from IPython.core.interactiveshell import InteractiveShell
shell = InteractiveShell.instance()
shell.run_line_magic("load_ext", "kerasmagic")
out = {}
def run(line):
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        res = shell.run_cell(line)
    return buf.getvalue(), res.error_in_exec
if MODEL:
    shell.run_cell(MODEL)  # Keras imported first: the magic measures in this process
text, err = run("%keras_optimizers adam --json")
out["json"] = json.loads(text); out["json_err"] = repr(err)
text, err = run("%keras_optimizers adam --text")
out["text"] = text
text, err = run("%keras_optimizers --model nothing_here --text")
out["missing_var"] = type(err).__name__ if err else None
if MODEL:
    text, err = run("%keras_optimizers --model model --json")
    out["model"] = json.loads(text)["model"]; out["model_names"] = [o["name"] for o in json.loads(text)["optimizers"]]
    text, err = run("%keras_optimizers --model bare_model --json")
    out["bare_model"] = json.loads(text)["model"]
print(json.dumps(out))
"""

MODELS = {
    "tf": (
        "import tensorflow as tf\n"
        "model = tf.keras.Sequential([tf.keras.Input((3,)), tf.keras.layers.Dense(1)])\n"
        "model.compile(optimizer='adam', loss='mse')\n"
        "bare_model = tf.keras.Sequential([tf.keras.Input((3,)), tf.keras.layers.Dense(1)])\n"
    ),
    "keras": (
        "import keras\n"
        "model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])\n"
        "model.compile(optimizer=keras.optimizers.SGD(learning_rate=0.05), loss='mse')\n"
        "bare_model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])\n"
    ),
}


def _shell_model() -> str:
    if importlib.util.find_spec("tensorflow"):
        return MODELS["tf"]
    if importlib.util.find_spec("keras"):
        return MODELS["keras"]
    return ""


def test_magic_json_text_and_model():
    model = _shell_model()
    if ENV_NAME == "tf215-broken-k3":
        model = ""  # tf.keras cannot build a model there; the table above still holds
    out = run_python_json(f"MODEL = {model!r}\n" + SHELL)
    assert out["json_err"] == "None"
    assert out["missing_var"] == "UsageError"
    if importlib.util.find_spec("keras") is None and importlib.util.find_spec("tf_keras") is None:
        assert out["json"]["optimizers"] == [] and "not installed" in out["text"]
        return
    if not model:  # nothing imported: built here all the same, said so (issue 32, item 2)
        note = out["json"]["note"]
        assert note.startswith(("Built in this kernel", "No Keras could be used")), note
        assert "--probe" in out["text"], out["text"]
        return
    assert [o["name"] for o in out["json"]["optimizers"]] == ["adam"]
    for way in out["json"]["optimizers"][0]["ways"]:
        assert way["code"] in out["text"]
    m = out["model"]
    assert m["compiled"] and m["same_keras"] is True, m
    expected = "Adam" if model == MODELS["tf"] else "SGD"
    assert m["class_name"] == expected and out["model_names"] == [expected.lower()]
    if expected == "SGD":
        assert abs(m["config"]["learning_rate"] - 0.05) < 1e-6
    assert out["bare_model"]["compiled"] is False and "not compiled" in out["bare_model"]["note"]


def test_report_round_trips_through_json(measured):
    from kerasmagic.probes.optimizers import OptimizerReport

    data = measured["report"]
    assert OptimizerReport.from_dict(data).to_dict() == data


@pytest.mark.envs(*KERAS_ENVS)
def test_a_way_that_fails_is_an_error_row_not_a_class(measured):
    """Issue 19, item 5: ``legacy.Adam()`` raising under Keras 3 is an error row, never a class
    of its own ("2 different classes: … [B] = tf.keras.optimizers.legacy.Adam()")."""
    from kerasmagic.probes.optimizers import OptimizerReport
    from kerasmagic.render.optimizers import optimizers_to_text

    data = measured["report"]
    failing = [w for o in data["optimizers"] for w in o["ways"] if w["error_type"]]
    if ENV_NAME in ("tf221-k3", "tf215-broken-k3", "k3-jax", "colab"):  # Keras 3 is there
        assert any(w["code"].endswith("legacy.Adam()") for w in failing), failing
    for way in failing:
        assert way["group"] is None, way["code"]
    text = optimizers_to_text(OptimizerReport.from_dict(data))
    if all(len({w["group"] for w in o["ways"] if w["group"]}) == 1 for o in data["optimizers"]):
        assert "different classes" not in text, text
    if ENV_NAME == "tf221-k3":  # one Keras, one Adam class: tf.keras and keras share it
        adam = next(o for o in data["optimizers"] if o["name"] == "adam")
        assert {w["group"] for w in adam["ways"] if w["group"]} == {"A"}


@pytest.mark.envs("tf221-k3", "colab")
def test_before_keras_is_used_the_reports_say_so_and_how_to_see_it():
    """Issue 19, item 7: no "No Keras is in use" after a cell imported keras, no "No Keras module
    is usable here" in a healthy kernel before TensorFlow is imported: say what is true (issue 32,
    item 2: and measure, in this kernel, when asked)."""
    out = run_python_json(
        r"""
import contextlib, io, json, sys
import kerasmagic
env = str(kerasmagic.env_report())  # nothing imported yet
from IPython.core.interactiveshell import InteractiveShell
shell = InteractiveShell.instance()
shell.run_line_magic("load_ext", "kerasmagic")
shell.run_cell("import keras")  # a cell imported keras; no optimizer built yet
buf = io.StringIO()
with contextlib.redirect_stdout(buf):
    shell.run_line_magic("keras_optimizers", "adam --text")
print(json.dumps({"env": env, "opt": buf.getvalue()}))
"""
    )
    env = " ".join(out["env"].split())
    opt = " ".join(out["opt"].split())
    assert "No Keras module is usable" not in env
    # built before any IPython shell: a plain Python process, worded so (issue 32, item 8)
    assert "not imported in this Python yet" in env and "kerasmagic optimizers" in env, env
    assert "No Keras is in use" not in opt
    # asked for this kernel's answer, it builds here and says what that started (issue 32, item 2)
    assert "Built in this kernel" in opt and "started TensorFlow's runtime" in opt, opt
    assert "not used: imported" not in opt and "--probe" in opt, opt
