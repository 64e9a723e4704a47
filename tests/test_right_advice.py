"""Issue 19 (items 1, 2, 3, 3b, 3c): right fixes and right advice, in the real environments where
each mistake happened.

One subprocess per environment runs every scenario through the engine (the cell runs for real,
then ``engine.diagnose`` / ``engine.check`` / ``engine.lint``) and runs the corrected cell it
offers in a fresh namespace; the tests assert on that one JSON document.
"""

from __future__ import annotations

import json

import pytest
from conftest import ENV_NAME, run_python_json
from environments import HAS_KERAS, HAS_TF, here

SCENARIOS = {
    # item 1: a tf.keras model (tf_keras under TF_USE_LEGACY_KERAS=1), a mistyped Keras 3 import
    "wrong-keras": (
        "import tensorflow as tf\n"
        "from keras.optimizers import RMSProp\n"
        "model = tf.keras.Sequential([tf.keras.layers.Dense(1, input_shape=(3,))])\n"
        "model.compile(optimizer=RMSProp(learning_rate=1e-3), loss='mse')\n"
        "opt_module = type(model.optimizer).__module__\n"
    ),
    # item 2: batches drawn from ImageDataGenerator (Keras 3 has none: the fix takes tf.keras's)
    "idg-draw": (
        "import numpy as np\n"
        "from keras.preprocessing.image import ImageDataGenerator\n"
        "gen = ImageDataGenerator(rescale=1 / 255, rotation_range=10)\n"
        "x, y = next(gen.flow(np.zeros((2, 8, 8, 3)), np.zeros(2), batch_size=2))\n"
    ),
    # item 2: Keras 3's copy needs SciPy for geometric transforms only: a flip-only generator
    "idg-flip": (
        "import numpy as np\n"
        "from keras.preprocessing.image import ImageDataGenerator\n"
        "gen = ImageDataGenerator(horizontal_flip=True)\n"
        "x, y = next(gen.flow(np.zeros((2, 8, 8, 3)), np.zeros(2), batch_size=2))\n"
    ),
    # item 3: lr= silently ignored, then the cell fails for another reason
    "lr-then-assert": (
        "from tensorflow.keras.optimizers import Adam\n"
        "opt = Adam(lr=0.01)\n"
        "assert abs(float(opt.learning_rate) - 0.01) < 1e-9, 'learning rate not applied'\n"
    ),
    "lr-then-removed-method": (
        "import numpy as np\n"
        "from tensorflow import keras\n"
        "model = keras.Sequential([keras.layers.Dense(2, activation='softmax', input_shape=(3,))])\n"
        "model.compile(optimizer=keras.optimizers.Adam(lr=0.01), loss='mse')\n"
        "classes = model.predict_classes(np.zeros((2, 3)))\n"
        "lr_now = float(model.optimizer.learning_rate)\n"
    ),
    # item 3b: "Unknown variable": the cause named only when the cell shows it
    "unknown-variable": (
        "import numpy as np\n"
        "import keras\n"
        "model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])\n"
        "model.compile(optimizer='adam', loss='mse')\n"
        "model.fit(np.zeros((4, 3)), np.zeros(4), verbose=0)\n"
        "extra = keras.Variable(np.zeros(1))\n"
        "model.optimizer.apply_gradients([(np.ones(1), extra)])\n"
    ),
    # Keras 2's `optimizer.decay`, read by a callback: Keras 3's and Keras 2.15's optimizers lack it
    "decay-attribute": (
        "import numpy as np\n"
        "import keras\n"
        "class ShowRate(keras.callbacks.Callback):\n"
        "    def on_epoch_end(self, epoch, logs=None):\n"
        "        print(float(self.model.optimizer.learning_rate) / (1. + float(self.model.optimizer.decay)))\n"
        "model = keras.Sequential([keras.layers.Dense(1, input_shape=(3,))])\n"
        "model.compile(optimizer='adam', loss='mse')\n"
        "model.fit(np.zeros((4, 3)), np.zeros(4), verbose=0, callbacks=[ShowRate()])\n"
    ),
    # a callback that sets the decay (its own schedule): not a reading of Keras 2's 0.0
    "decay-set": (
        "import numpy as np\n"
        "import keras\n"
        "class Schedule(keras.callbacks.Callback):\n"
        "    def on_epoch_end(self, epoch, logs=None):\n"
        "        self.model.optimizer.decay.assign(0.1 * epoch)\n"
        "model = keras.Sequential([keras.layers.Dense(1, input_shape=(3,))])\n"
        "model.compile(optimizer='adam', loss='mse')\n"
        "model.fit(np.zeros((4, 3)), np.zeros(4), verbose=0, callbacks=[Schedule()])\n"
    ),
    "shared-optimizer": (
        "import numpy as np\n"
        "import keras\n"
        "opt = keras.optimizers.Adam()\n"
        "first = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])\n"
        "second = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2), keras.layers.Dense(1)])\n"
        "first.compile(optimizer=opt, loss='mse')\n"
        "first.fit(np.zeros((4, 3)), np.zeros(4), verbose=0)\n"
        "second.compile(optimizer=opt, loss='mse')\n"
        "second.fit(np.zeros((4, 3)), np.zeros(4), verbose=0)\n"
    ),
}
# item 2: the generator was made by an earlier cell; this cell only draws a batch
EARLIER = {
    "idg-earlier": (
        "import numpy as np\n"
        "import tensorflow as tf\n"
        "gen = tf.keras.preprocessing.image.ImageDataGenerator(rotation_range=10)\n"
        "batches = gen.flow(np.zeros((2, 8, 8, 3)), np.zeros(2), batch_size=2)\n"
    ),
}
SCENARIOS["idg-earlier"] = "x, y = next(batches)\n"
# item 3c: defaults that changed (lint: before running)
LINTED = {
    "adadelta-class": "from tensorflow import keras\nopt = keras.optimizers.Adadelta()\n",
    "adadelta-string": (
        "from tensorflow import keras\n"
        "model = keras.Sequential([keras.layers.Dense(1)])\n"
        "model.compile(optimizer='adadelta', loss='mse')\n"
    ),
    "adadelta-explicit": (
        "from tensorflow import keras\nopt = keras.optimizers.Adadelta(learning_rate=1.0)\n"
    ),
    "adam-default": "from tensorflow import keras\nopt = keras.optimizers.Adam()\n",
}

RUNNER = r"""
import contextlib, io, json, os, sys, tempfile
os.chdir(tempfile.mkdtemp())
import tensorflow as tf
from kerasmagic.diagnosis import engine
try:
    from kerasmagic.diagnosis.rules.needs_package import package_gap
except ImportError:  # a kerasmagic without the check (the same scenarios, run before the change)
    package_gap = None

SCENARIOS = json.loads(os.environ["KM_SCENARIOS"])
LINTED = json.loads(os.environ["KM_LINTED"])

EARLIER = json.loads(os.environ["KM_EARLIER"])

def run(source, earlier=None):
    ns = {"__name__": "__main__"}
    if earlier:
        exec(earlier, ns)
    sink = io.StringIO()
    try:
        with contextlib.redirect_stdout(sink), contextlib.redirect_stderr(sink):
            exec(compile(source, "<cell>", "exec"), ns)
    except Exception as exc:
        return exc, ns
    return None, ns

def finding(f):
    return {k: f.get(k) for k in ("id", "title", "cause", "fix", "fix_code", "fixed_source")}

out = {"scenarios": {}, "lint": {}}
for name, source in SCENARIOS.items():
    exc, ns = run(source, EARLIER.get(name))
    if exc is None:
        result = engine.check(source).to_dict()
    else:
        result = engine.diagnose(source, exc, namespace=ns, filename="<cell>").to_dict()
    row = {
        "error": f"{type(exc).__name__}: {exc}"[:300] if exc is not None else None,
        "suggestions": [finding(s) for s in result["suggestions"]],
        "traps": [finding(t) for t in result["traps"]],
        "fixed_source": result["fixed_source"],
        "internal_error": result["internal_error"],
    }
    if result["fixed_source"]:
        fixed_exc, fixed_ns = run(result["fixed_source"])
        row["fixed_error"] = f"{type(fixed_exc).__name__}: {fixed_exc}"[:300] if fixed_exc else None
        row["fixed_values"] = {
            k: (float(v) if isinstance(v, float) else str(v))
            for k, v in fixed_ns.items()
            if k in ("opt_module", "lr_now")
        }
    out["scenarios"][name] = row
for name, source in LINTED.items():
    result = engine.lint(source).to_dict()
    out["lint"][name] = {"traps": [finding(t) for t in result["traps"]]}
idg = tf.keras.preprocessing.image.ImageDataGenerator
out["gap"] = package_gap(idg, "scipy") if package_gap else "no check"
print(json.dumps(out))
"""


@pytest.fixture(scope="module")
def results():
    if not here(HAS_TF, False):
        pytest.skip("needs TensorFlow")
    scenarios = {
        "KM_SCENARIOS": json.dumps(SCENARIOS),
        "KM_LINTED": json.dumps(LINTED),
        "KM_EARLIER": json.dumps(EARLIER),
    }
    return run_python_json(RUNNER, env=scenarios, timeout=900)


def _ids(row, key="suggestions"):
    return [f["id"] for f in row[key]]


def _no_wrong_fix(row):
    assert row.get("fixed_error") is None, f"the corrected cell fails: {row['fixed_error']}"


@pytest.mark.envs("tf221-legacy")
def test_fix_takes_every_object_from_the_models_keras(results):
    row = results["scenarios"]["wrong-keras"]
    assert "RMSProp" in row["error"]
    top = row["suggestions"][0]
    assert top["id"] == "mixed-keras-imports"
    assert "two different Keras packages" in top["title"]
    assert "tf_keras" in top["title"]
    assert "from tensorflow.keras.optimizers import RMSprop" in row["fixed_source"]
    assert "from keras" not in row["fixed_source"]
    _no_wrong_fix(row)
    assert row["fixed_values"]["opt_module"].startswith("tf_keras.")


SCIPY_MISSING = {"tf221-legacy": "eager", "tf215-k2": "eager", "tf221-k3": "lazy", "colab": None}


@pytest.mark.envs(*SCIPY_MISSING)
def test_what_the_live_generator_needs_is_read_from_its_module(results):
    assert results["gap"] == SCIPY_MISSING[ENV_NAME]


@pytest.mark.envs("tf221-legacy", "tf215-k2", "tf221-k3")
def test_no_fix_that_needs_a_missing_package_the_install_line_instead(results):
    row = results["scenarios"]["idg-draw"]
    assert row["error"] is not None
    assert row["fixed_source"] is None, "a corrected cell whose transforms need the missing SciPy"
    scipy = [f for f in row["suggestions"] if f["id"] == "image-transforms-need-scipy"]
    assert scipy, _ids(row)
    assert "install" in scipy[0]["fix_code"] and "scipy" in scipy[0]["fix_code"]
    assert "SciPy" in scipy[0]["title"]


@pytest.mark.envs("tf221-legacy", "tf215-k2", "tf221-k3")
def test_kerass_own_scipy_error_gets_the_install_line(results):
    row = results["scenarios"]["idg-earlier"]
    assert "scipy" in row["error"].lower()
    found = [f for f in row["suggestions"] if f["id"] == "keras-needs-scipy"]
    assert found, _ids(row)
    assert "install" in found[0]["fix_code"] and "scipy" in found[0]["fix_code"]
    assert row["fixed_source"] is None


@pytest.mark.envs("tf221-k3")
def test_a_fix_that_needs_nothing_missing_is_still_offered(results):
    row = results["scenarios"]["idg-flip"]
    assert row["fixed_source"] is not None
    assert "image-transforms-need-scipy" not in _ids(row)
    _no_wrong_fix(row)


@pytest.mark.envs("colab")
def test_with_scipy_installed_the_fix_runs(results):
    row = results["scenarios"]["idg-draw"]
    assert "image-transforms-need-scipy" not in _ids(row)
    assert row["fixed_source"] is not None
    _no_wrong_fix(row)


@pytest.mark.envs("tf215-k2", "tf221-legacy")
def test_silent_trap_reported_when_the_cell_then_fails(results):
    row = results["scenarios"]["lr-then-assert"]
    assert "learning rate not applied" in row["error"]
    traps = [t for t in row["traps"] if t["id"] == "optimizer-lr-ignored"]
    assert traps and traps[0]["fix_code"] == "learning_rate=0.01"
    # the trap's fix alone is not offered as the fix of the error
    assert row["fixed_source"] is None


@pytest.mark.envs("tf215-k2", "tf221-legacy")
def test_error_fix_carries_the_traps_fix(results):
    row = results["scenarios"]["lr-then-removed-method"]
    assert "predict_classes" in row["error"]
    assert "optimizer-lr-ignored" in _ids(row, "traps")
    assert "learning_rate=0.01" in row["fixed_source"]
    assert "argmax" in row["fixed_source"]
    _no_wrong_fix(row)
    assert abs(float(row["fixed_values"]["lr_now"]) - 0.01) < 1e-7


@pytest.mark.envs("tf221-k3", "colab")
def test_unknown_variable_names_no_cause_the_cell_does_not_show(results):
    row = results["scenarios"]["unknown-variable"]
    assert "Unknown variable" in row["error"]
    ids = _ids(row)
    assert "optimizer-reused-across-models" not in ids
    assert "optimizer-unknown-variable" in ids
    assert not any("One optimizer object" in f["title"] for f in row["suggestions"])
    text = json.dumps(row["suggestions"])
    assert "not known from this cell" in text


@pytest.mark.envs("tf221-k3", "colab")
def test_shared_optimizer_is_named_when_the_cell_shows_it(results):
    row = results["scenarios"]["shared-optimizer"]
    assert "Unknown variable" in row["error"]
    found = [f for f in row["suggestions"] if f["id"] == "optimizer-reused-across-models"]
    assert found, _ids(row)
    assert "`opt`" in found[0]["title"] and "`first`" in found[0]["cause"]


@pytest.mark.envs(*[e for e, has in HAS_KERAS.items() if has and HAS_TF.get(e)])
def test_changed_default_is_told_from_the_live_class(results):
    for name in ("adadelta-class", "adadelta-string"):
        traps = [
            t for t in results["lint"][name]["traps"] if t["id"] == "optimizer-default-changed"
        ]
        assert traps, (name, results["lint"][name])
        assert "0.001 here" in traps[0]["title"] and ", 1.0 in" in traps[0]["title"]
        assert traps[0]["fix_code"] == "learning_rate=1.0"
    for name in ("adadelta-explicit", "adam-default"):
        ids = [t["id"] for t in results["lint"][name]["traps"]]
        assert "optimizer-default-changed" not in ids, name


@pytest.mark.envs("tf221-k3")
def test_the_decay_keras2_read_is_the_zero_it_was(results):
    row = results["scenarios"]["decay-attribute"]
    assert "has no attribute 'decay'" in row["error"]
    assert "float(keras.ops.zeros(()))" in row["fixed_source"], _ids(row)
    _no_wrong_fix(row)


@pytest.mark.envs("tf221-k3")
def test_a_decay_the_code_sets_is_not_read_as_zero(results):
    row = results["scenarios"]["decay-set"]
    assert "has no attribute 'decay'" in row["error"]
    assert "optimizer-decay-attribute" not in _ids(row)


@pytest.mark.envs("tf215-k2")
def test_no_keras3_ops_in_a_fix_for_keras_2(results):
    """Keras 2.15's optimizers have no ``decay`` either, and its ``keras`` no ``ops``: the zero
    Keras 3's ops would write is not offered there."""
    row = results["scenarios"]["decay-attribute"]
    assert "has no attribute 'decay'" in row["error"]
    assert "optimizer-decay-attribute" not in _ids(row)
    assert row["fixed_source"] is None or "keras.ops" not in row["fixed_source"]
