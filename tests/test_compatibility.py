"""docs/compatibility.{json,md} are true: re-probe this environment and compare, then check key
facts of the table against direct calls (independent of the probe's own code)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from conftest import ENV_NAME, run_python_json

from kerasmagic.probes.compat import CLASSIC_IMPORTS, normalise

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))
import compat_table  # noqa: E402
import envs  # noqa: E402

STORED: dict[str, Any] = json.loads(compat_table.JSON_PATH.read_text())
ALL_ENVS = tuple(envs.ENVIRONMENTS)
HINT = "docs/compatibility.json is stale: regenerate with `python3 scripts/compat_table.py {}`"


def stored_facts() -> dict[str, Any]:
    return STORED["environments"][ENV_NAME]["facts"]


@pytest.fixture(scope="module")
def live() -> dict[str, Any]:
    """The probe, run now in a fresh process of this environment's interpreter."""
    proc = subprocess.run(
        [sys.executable, "-m", "kerasmagic.probes.compat"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    return json.loads(proc.stdout.rsplit(compat_table.MARKER, 1)[1])


def test_markdown_is_rendered_from_the_json() -> None:
    assert compat_table.MD_PATH.read_text() == compat_table.render_markdown(STORED), (
        "docs/compatibility.md was edited by hand or not re-rendered: "
        "python3 scripts/compat_table.py --markdown"
    )


def test_json_covers_every_environment_as_defined_now() -> None:
    assert STORED["exclude_newer"] == envs.EXCLUDE_NEWER, HINT.format("")
    stored = STORED["environments"]
    assert list(stored) == list(envs.ENVIRONMENTS)
    for name, env in envs.ENVIRONMENTS.items():
        assert stored[name]["install"] == [list(s) for s in env.steps], HINT.format(name)
        assert stored[name]["variables"] == env.env, HINT.format(name)
        assert stored[name]["facts"]["env"] == name
        assert list(stored[name]["facts"]["imports"]) == CLASSIC_IMPORTS, HINT.format(name)


def test_diff_names_every_changed_fact() -> None:
    old = {"a": {"b": 1, "c": [1]}, "d": 0}
    new = {"a": {"b": 2, "c": [1]}, "e": 3}
    assert compat_table.diff(old, new) == ["/a/b: 1 -> 2", "/d: 0 -> None", "/e: None -> 3"]
    assert compat_table.diff(new, new) == []


def test_messages_are_normalised() -> None:
    text = f"<Adam object at 0x7f3a2b> in {sys.prefix}/lib/python3.11/site-packages/keras/x.py"
    assert normalise(text) == "<Adam object at 0x…> in <site-packages>/keras/x.py"


@pytest.mark.envs(*ALL_ENVS)
def test_stored_facts_still_hold(live: dict[str, Any]) -> None:
    stored = {k: v for k, v in stored_facts().items() if k not in ("python", "versions")}
    now = {k: v for k, v in live.items() if k not in ("python", "versions")}
    differences = compat_table.diff(stored, now)
    assert not differences, HINT.format(ENV_NAME) + "\n" + "\n".join(differences)


@pytest.mark.envs(*ALL_ENVS)
def test_stored_versions_are_the_installed_ones(live: dict[str, Any]) -> None:
    assert live["versions"] == stored_facts()["versions"], HINT.format(ENV_NAME)


# ------------------------------------------------ key facts of the table, by direct calls

DIRECT = r"""
import importlib.util, json, os
out = {}
def outcome(fn):
    try:
        return ["ok", fn()]
    except Exception as exc:
        return [type(exc).__name__, str(exc)[:200]]
if importlib.util.find_spec("tensorflow"):
    import tensorflow as tf
    out["tf.keras"] = tf.keras.__name__
    out["tf_keras_is_keras"] = outcome(lambda: __import__("keras").Sequential is tf.keras.Sequential)
    out["legacy"] = outcome(lambda: type(tf.keras.optimizers.legacy.Adam()).__module__)
    out["legacy_lr"] = outcome(
        lambda: float(tf.keras.backend.get_value(tf.keras.optimizers.legacy.Adam(lr=0.01).lr)))
    out["new_lr"] = outcome(
        lambda: float(tf.keras.backend.get_value(tf.keras.optimizers.Adam(lr=0.01).learning_rate)))
    out["fit_generator"] = hasattr(tf.keras.Model, "fit_generator")
    if importlib.util.find_spec("keras"):
        import keras
        if keras.optimizers.Adam is not tf.keras.optimizers.Adam:
            def mix():
                m = tf.keras.Sequential([tf.keras.Input(shape=(2,)), tf.keras.layers.Dense(1)])
                m.compile(optimizer=keras.optimizers.Adam(), loss="mse")
                return type(m.optimizer).__module__
            out["mix"] = outcome(mix)
if importlib.util.find_spec("keras"):
    import keras
    out["keras"] = keras.__version__
    out["backend"] = keras.backend.backend()
    out["get_is_Adam"] = type(keras.optimizers.get("adam")) is keras.optimizers.Adam
    def legacy_import():
        from keras.optimizers.legacy import Adam
        return Adam.__module__
    out["legacy_import"] = outcome(legacy_import)
    out["legacy_call"] = outcome(lambda: type(keras.optimizers.legacy.Adam()).__name__)
if importlib.util.find_spec("tf_keras"):
    import tf_keras
    out["tf_keras.legacy"] = outcome(lambda: type(tf_keras.optimizers.legacy.Adam()).__module__)
print(json.dumps(out))
"""


@pytest.fixture(scope="module")
def direct() -> dict[str, Any]:
    return run_python_json(DIRECT, cwd=str(ROOT))


@pytest.mark.envs(*ALL_ENVS)
def test_direct_facts_agree_with_the_table(direct: dict[str, Any]) -> None:
    """In every environment: the table's tf.keras module and Keras backend are the real ones."""
    facts = stored_facts()
    if facts["tf.keras"] is None:
        assert "tf.keras" not in direct
    else:
        assert direct["tf.keras"] == facts["tf.keras"]["module"]
    if facts["tf.keras"] is not None:
        assert direct["fit_generator"] == facts["model methods"]["tf.keras"]["fit_generator"]
        mixing = facts["mixing"].get("tf.keras model + keras Adam")
        assert (mixing is None) == ("mix" not in direct)
        if mixing is not None:
            assert direct["mix"][0] == ("ok" if mixing["ok"] else mixing["error"])
    if facts["import keras"] is None:
        assert "keras" not in direct
    else:
        assert direct["keras"] == facts["import keras"]["version"]
        assert direct["backend"] == facts["keras backend"]["backend"]
        assert direct["get_is_Adam"] == facts["optimizers"]["keras"]["get('adam')"]["is_Adam"]


@pytest.mark.envs("tf215-k2")
def test_tf215_k2_legacy_adam_works_and_honours_lr(direct: dict[str, Any]) -> None:
    opt = stored_facts()["optimizers"]["tf.keras"]
    assert direct["legacy"] == ["ok", "keras.src.optimizers.legacy.adam"]
    assert opt["legacy.Adam()"]["class"] == "keras.src.optimizers.legacy.adam.Adam"
    assert direct["legacy_lr"][0] == "ok" and abs(direct["legacy_lr"][1] - 0.01) < 1e-7
    assert opt["legacy.Adam(lr=0.01)"]["outcome"] == "honoured"
    # the new optimizer silently trains at the default rate
    assert direct["new_lr"][0] == "ok" and abs(direct["new_lr"][1] - 0.001) < 1e-7
    assert opt["Adam(lr=0.01)"]["outcome"] == "ignored"


@pytest.mark.envs("tf221-k3", "tf215-broken-k3", "colab", "k3-jax")
def test_keras3_legacy_import_succeeds_but_construction_raises(direct: dict[str, Any]) -> None:
    facts = stored_facts()
    assert direct["legacy_import"][0] == "ok"
    assert facts["imports"]["from keras.optimizers.legacy import Adam"]["ok"] is True
    assert direct["legacy_call"][0] == "ImportError"
    assert "not supported in Keras 3" in direct["legacy_call"][1]
    legacy = facts["optimizers"]["keras"]["legacy.Adam()"]
    assert legacy["error"] == "ImportError" and direct["legacy_call"][1] in legacy["message"]
    assert facts["optimizers"]["keras"]["Adam(lr=0.01)"]["outcome"] == "raises"


@pytest.mark.envs("tf221-k3", "tf215-broken-k3", "colab")
def test_tf_keras_is_keras3(direct: dict[str, Any]) -> None:
    assert direct["tf_keras_is_keras"] == ["ok", True]
    assert stored_facts()["tf.keras"]["kind"] == "keras3"


@pytest.mark.envs("tf221-legacy")
def test_tf221_legacy_tf_keras_is_tf_keras(direct: dict[str, Any]) -> None:
    assert direct["tf.keras"].startswith("tf_keras.")
    assert direct["tf_keras_is_keras"] == ["ok", False]
    assert direct["legacy"] == ["ok", "tf_keras.src.optimizers.legacy.adam"]
    assert stored_facts()["tf.keras"]["kind"] == "tf_keras"
    # a Keras 3 optimizer cannot drive a tf_keras model
    assert direct["mix"][0] == "ValueError"
    assert "Could not interpret optimizer identifier" in direct["mix"][1]


@pytest.mark.envs("colab")
def test_colab_tf_keras_installed_but_unused(direct: dict[str, Any]) -> None:
    assert direct["tf_keras.legacy"] == ["ok", "tf_keras.src.optimizers.legacy.adam"]
    assert stored_facts()["tf.keras"]["kind"] == "keras3"


@pytest.mark.envs("k3-jax")
def test_k3_jax_backend(direct: dict[str, Any]) -> None:
    assert direct["backend"] == "jax"
    assert "tf.keras" not in direct
    assert stored_facts()["keras backend"]["backend"] == "jax"


@pytest.mark.envs("bare")
def test_bare_has_nothing(direct: dict[str, Any]) -> None:
    assert direct == {}
    assert all(not o["ok"] for o in stored_facts()["imports"].values())
