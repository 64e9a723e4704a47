"""Measure every silent trap in every environment and write ``docs/traps.md``.

    python3 scripts/trap_table.py [ENV ...]          # default: every built environment
    python3 scripts/trap_table.py --save RESULTS.json [ENV ...]   # also keep the raw results
    python3 scripts/trap_table.py --render RESULTS.json           # rewrite the page from them
    python3 scripts/trap_table.py --probe            # (inside one env) print that env's JSON

Each scenario is a few cells run for real, in order, through ``kerasmagic.check`` (capture and
``inspect_after_run`` included) in a fresh process of the environment's interpreter. Whether the
trap really happened is measured independently of kerasmagic by the scenario's ``truth``
expression (evaluated in the cell's namespace: the learning rate in use, the module an object
comes from …). Then the fix — the finding's ``fixed_source``, or the scenario's ``fixed`` cells
when the fix is not a certain rewrite — runs in a fresh process and must leave no finding and a
false ``truth``. tests/test_traps.py runs the same scenarios.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MARK = "@@traps@@"


@dataclass(frozen=True)
class Scenario:
    """Cells to run in order (the last one is the checked one) and how to tell the trap happened."""

    name: str
    trap: str  # the finding id expected where the trap occurs
    cells: tuple[str, ...]
    truth: str  # Python expression over the namespace: True when the trap silently happened
    fixed: tuple[str, ...] | None = None  # fix cells when the finding has no fixed_source
    fresh: bool = False  # needs its own process (interpreter-wide state: env vars, tf.keras)
    env: dict[str, str] = field(default_factory=dict)


LR_TRUTH = "abs(float(opt.learning_rate) - 0.01) > 1e-6"
DECAY_TRUTH = "__km_lr_after_steps(opt) > 0.0099"
CKPT_SETUP = """\
import os, tempfile
import numpy as np
import tensorflow as tf
x = np.random.rand(32, 2).astype("float32"); y = np.random.rand(32, 1).astype("float32")
def make(opt):
    m = tf.keras.Sequential([tf.keras.Input((2,)), tf.keras.layers.Dense(1)])
    m.compile(optimizer=opt, loss="mse")
    return m
CK = os.path.join(tempfile.mkdtemp(), "ck")
saver = make(tf.keras.optimizers.Adam(0.01))
saver.fit(x, y, epochs=3, verbose=0)
saver.save_weights(CK)
"""

# a backend other than the environment's own, importable where possible (numpy's needs scipy)
OTHER_BACKEND = """\
import importlib.util
mine = os.environ.get("KERAS_BACKEND", "tensorflow")
wanted = "jax" if mine != "jax" and importlib.util.find_spec("jax") else "numpy"
os.environ["KERAS_BACKEND"] = wanted
"""

# a model Keras 2.15 saved (.h5, Adam at learning_rate=0.01, trained): scripts/make_keras2_models.py
KERAS2_H5 = str(ROOT / "tests" / "data" / "keras2-adam-lr0.01.h5")

SCENARIOS: tuple[Scenario, ...] = (
    Scenario(
        "lr on the new optimizer",
        "optimizer-lr-ignored",
        ("import tensorflow as tf\nopt = tf.keras.optimizers.Adam(lr=0.01)\n",),
        LR_TRUTH,
    ),
    Scenario(
        "lr through compile",
        "optimizer-lr-ignored",
        (
            "import tensorflow as tf\n"
            "model = tf.keras.Sequential([tf.keras.Input((2,)), tf.keras.layers.Dense(1)])\n"
            "model.compile(optimizer=tf.keras.optimizers.Adam(lr=0.01), loss='mse')\n"
            "opt = model.optimizer\n",
        ),
        LR_TRUTH,
    ),
    Scenario(
        "lr on the legacy optimizer (honoured)",
        "optimizer-lr-ignored",
        ("import tensorflow as tf\nopt = tf.keras.optimizers.legacy.Adam(lr=0.01)\n",),
        LR_TRUTH,
    ),
    Scenario(
        "decay on the optimizer",
        "optimizer-decay-ignored",
        (
            "import tensorflow as tf\nopt = tf.keras.optimizers.Adam(learning_rate=0.01, decay=0.5)\n",
        ),
        DECAY_TRUTH,
    ),
    Scenario(
        "TF_USE_LEGACY_KERAS after the first tf.keras use",
        "legacy-keras-env-too-late",
        (
            "import tensorflow as tf\nDense = tf.keras.layers.Dense\n",
            "import os\nos.environ['TF_USE_LEGACY_KERAS'] = '1'\n",
        ),
        "not tf.keras.layers.Dense.__module__.startswith('tf_keras')",
        fixed=(
            "import os\nos.environ['TF_USE_LEGACY_KERAS'] = '1'\n"
            "import tensorflow as tf\nDense = tf.keras.layers.Dense\n",
        ),
        fresh=True,
    ),
    Scenario(
        "TF_USE_LEGACY_KERAS after import tensorflow, then from tensorflow.keras import",
        "legacy-keras-env-too-late",
        (
            "import tensorflow as tf\n",
            "import os\nos.environ['TF_USE_LEGACY_KERAS'] = '1'\n"
            "from tensorflow.keras import layers\n",
        ),
        "not layers.__name__.startswith('tf_keras')",
        fixed=(
            "import os\nos.environ['TF_USE_LEGACY_KERAS'] = '1'\n"
            "import tensorflow as tf\nfrom tensorflow.keras import layers\n",
        ),
        fresh=True,
    ),
    Scenario(
        "KERAS_BACKEND after import keras",
        "keras-backend-env-too-late",
        ("import keras\n", "import os\n" + OTHER_BACKEND + "import keras\n"),
        "int(keras.__version__.split('.')[0]) >= 3 and keras.backend.backend() != wanted",
        fixed=("import os\n" + OTHER_BACKEND + "import keras\n",),
        fresh=True,
    ),
    Scenario(
        "private tensorflow.python.keras import",
        "private-tf-python-keras-import",
        ("from tensorflow.python.keras.layers import Dense\nlayer = Dense(1)\n",),
        "type(layer).__module__.startswith('tensorflow.python.keras')",
    ),
    Scenario(
        "tf.keras.preprocessing.image.ImageDataGenerator",
        "keras3-legacy-shim",
        (
            "import tensorflow as tf\n"
            "gen = tf.keras.preprocessing.image.ImageDataGenerator(rotation_range=10)\n",
        ),
        "type(gen).__module__.startswith('keras.src.legacy')",
        fixed=(
            "import tensorflow as tf\n"
            "gen = tf.keras.Sequential([tf.keras.layers.RandomRotation(10 / 360)])\n",
        ),
    ),
    Scenario(
        "tf.keras model with a keras callback",
        "mixed-keras-implementations",
        (
            "import keras\nimport tensorflow as tf\n"
            "model = tf.keras.Sequential([tf.keras.Input((2,)), tf.keras.layers.Dense(1)])\n"
            "model.compile(optimizer='sgd', loss='mse')\n"
            "stop = keras.callbacks.EarlyStopping(monitor='loss')\n",
        ),
        "type(model).__module__.split('.')[0] != type(stop).__module__.split('.')[0]",
        fixed=(
            "import keras\nimport tensorflow as tf\n"
            "model = tf.keras.Sequential([tf.keras.Input((2,)), tf.keras.layers.Dense(1)])\n"
            "model.compile(optimizer='sgd', loss='mse')\n"
            "stop = tf.keras.callbacks.EarlyStopping(monitor='loss')\n",
        ),
    ),
    Scenario(
        "weights of a new optimizer loaded under a legacy one",
        "optimizer-checkpoint-generation",
        (
            CKPT_SETUP,
            "model = make(tf.keras.optimizers.legacy.Adam(0.01))\n"
            "model.load_weights(CK)\n"
            "model.fit(x, y, epochs=1, verbose=0)\n",
        ),
        "int(model.optimizer.iterations) < 4",
        fixed=(
            CKPT_SETUP,
            "model = make(tf.keras.optimizers.Adam(0.01))\n"
            "model.load_weights(CK)\n"
            "model.fit(x, y, epochs=1, verbose=0)\n",
        ),
        fresh=True,
    ),
    Scenario(
        "Keras 2 .h5 model loaded by Keras 3",
        "keras2-h5-optimizer-reset",
        (f"import keras\nmodel = keras.models.load_model({KERAS2_H5!r})\nopt = model.optimizer\n",),
        LR_TRUTH,
    ),
    Scenario(
        "hasattr(optimizer, 'lr') guard in a schedule callback",
        "optimizer-lr-guard-silent",
        (
            "import numpy as np\n"
            "import tensorflow as tf\n"
            "class Halve(tf.keras.callbacks.Callback):\n"
            "    def on_epoch_end(self, epoch, logs=None):\n"
            "        if hasattr(self.model.optimizer, 'lr'):\n"
            "            self.model.optimizer.lr = 0.005\n"
            "model = tf.keras.Sequential([tf.keras.Input((2,)), tf.keras.layers.Dense(1)])\n"
            "model.compile(optimizer=tf.keras.optimizers.Adam(0.01), loss='mse')\n"
            "model.fit(np.ones((4, 2)), np.ones((4, 1)), epochs=1, verbose=0, callbacks=[Halve()])\n"
            "opt = model.optimizer\n",
        ),
        "abs(float(opt.learning_rate) - 0.005) > 1e-6",
    ),
    Scenario(
        "optimizer.lr = value on a compiled model",
        "optimizer-lr-set-ignored",
        (
            "import numpy as np\n"
            "import tensorflow as tf\n"
            "model = tf.keras.Sequential([tf.keras.Input((2,)), tf.keras.layers.Dense(1)])\n"
            "model.compile(optimizer=tf.keras.optimizers.Adam(0.01), loss='mse')\n"
            "model.fit(np.ones((4, 2)), np.ones((4, 1)), epochs=1, verbose=0)\n"
            "model.optimizer.lr = 0.005\n"
            "opt = model.optimizer\n",
        ),
        "abs(float(opt.learning_rate) - 0.005) > 1e-6",
    ),
    Scenario(
        "Keras 1's Convolution2D(filters, rows, cols) on an input large enough",
        "keras1-conv-kernel-strides-silent",
        (
            "import numpy as np\n"
            "from keras.models import Sequential\n"
            "from keras.layers import Convolution2D, Flatten, Dense\n"
            "model = Sequential()\n"
            "model.add(Convolution2D(4, 3, 3, input_shape=(16, 16, 1)))\n"
            "model.add(Flatten())\n"
            "model.add(Dense(1))\n"
            "model.compile(loss='mse', optimizer='sgd')\n"
            "model.fit(np.ones((4, 16, 16, 1)), np.ones((4, 1)), epochs=1, verbose=0)\n",
        ),
        "tuple(model.layers[0].strides) != (1, 1)",
    ),
    Scenario(
        "metric function of the notebook's own with 1-D targets",
        "metric-one-dimensional-targets",
        (
            "import numpy as np\n"
            "import tensorflow as tf\n"
            "def rmse(y_true, y_pred):\n"
            "    return tf.sqrt(tf.reduce_mean(tf.square(y_pred - y_true)))\n"
            "x = np.linspace(0, 1, 48, dtype='float32').reshape(16, 3)\n"
            "y = x.sum(axis=1)\n"
            "model = tf.keras.Sequential([tf.keras.Input((3,)), tf.keras.layers.Dense(1, kernel_initializer='ones')])\n"
            "model.compile(optimizer='sgd', loss='mse', metrics=[rmse])\n"
            "scores = model.evaluate(x, y, verbose=0, batch_size=16)\n"
            "pred = model.predict(x, verbose=0)[:, 0]\n",
        ),
        "abs(scores[1] - float(np.sqrt(np.mean((pred - y) ** 2)))) > 1e-3",
    ),
    Scenario(
        "model frozen after its own compile (the Keras 2 GAN recipe)",
        "trainable-set-after-compile",
        (
            "import numpy as np\n"
            "import keras\n"
            "gen = keras.Sequential([keras.Input((2,)), keras.layers.Dense(2)])\n"
            "disc = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1, activation='sigmoid')])\n"
            "disc.compile(loss='binary_crossentropy', optimizer='adam')\n"
            "disc.trainable = False\n"
            "z = keras.Input((2,))\n"
            "combined = keras.Model(z, disc(gen(z)))\n"
            "combined.compile(loss='binary_crossentropy', optimizer='adam')\n",
            "before = disc.get_weights()[0].copy()\n"
            "d_loss = disc.train_on_batch(np.ones((8, 2)), np.ones((8, 1)))\n"
            "after = disc.get_weights()[0].copy()\n"
            "g_loss = combined.train_on_batch(np.ones((8, 2)), np.ones((8, 1)))\n",
        ),
        "bool(np.allclose(before, after)) or not np.allclose(after, disc.get_weights()[0])",
    ),
    Scenario(
        "model named with a space, trained cells later",
        "tf-scope-name-made",
        (
            "import numpy as np\n"
            "import keras\n",
            "model = keras.Sequential([keras.layers.Dense(1)], name='My Model 1')\n",
        ),
        "__km_raises(lambda: (model.compile(optimizer='sgd', loss='mse'),"
        " model.fit(np.ones((4, 2)), np.ones((4, 1)), verbose=0)))",
        fresh=True,  # a refused name stays on Keras's name-scope stack of the process
    ),
    Scenario(
        "callback reading logs.get('acc') of a model compiled with 'accuracy'",
        "callback-logs-get-old-key",
        (
            "import numpy as np\n"
            "import keras\n"
            "model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(2, activation='softmax')])\n"
            "model.compile(loss='sparse_categorical_crossentropy', optimizer='adam', metrics=['accuracy'])\n",
            "class StopAtTarget(keras.callbacks.Callback):\n"
            "    seen = []\n"
            "    def on_epoch_end(self, epoch, logs={}):\n"
            "        self.seen.append(logs.get('acc'))\n"
            "        if logs.get('acc', 0) > 2.0:\n"
            "            self.model.stop_training = True\n"
            "cb = StopAtTarget()\n"
            "model.fit(np.ones((8, 2)), np.arange(8) % 2, epochs=2, callbacks=[cb], verbose=0)\n",
        ),
        "len(cb.seen) == 2 and all(v is None for v in cb.seen)",
    ),
    Scenario(
        "layer weights kept in tf.Variable",
        "tf-variable-untracked-by-keras3",
        (
            "import numpy as np\n"
            "import tensorflow as tf\n"
            "import keras\n"
            "class Linear(keras.layers.Layer):\n"
            "    def __init__(self, units=2):\n"
            "        super().__init__()\n"
            "        self.w = tf.Variable(tf.ones((2, units)), trainable=True)\n"
            "    def call(self, x):\n"
            "        return tf.matmul(x, self.w)\n"
            "layer = Linear()\n"
            "model = keras.Sequential([keras.Input((2,)), layer])\n"
            "model.compile(optimizer=keras.optimizers.SGD(0.1), loss='mse')\n"
            "before = np.array(layer.w).copy()\n"
            "model.fit(np.ones((8, 2)), np.zeros((8, 2)), epochs=1, verbose=0)\n",
        ),
        "bool(np.allclose(before, np.array(layer.w)))",
    ),
    Scenario(
        "get_file of an archive",
        "keras3-get-file-extract-folder",
        (
            "import os, tarfile, tempfile\n"
            "work = tempfile.mkdtemp()\n"
            "os.makedirs(os.path.join(work, 'photos', 'roses'))\n"
            "open(os.path.join(work, 'photos', 'roses', 'a.jpg'), 'w').close()\n"
            "with tarfile.open(os.path.join(work, 'photos.tgz'), 'w:gz') as t:\n"
            "    t.add(os.path.join(work, 'photos'), arcname='photos')\n"
            "cache = os.path.join(work, 'cache')\n"
            "os.makedirs(cache)\n",
            "import keras\n"
            "origin = 'file://' + os.path.join(work, 'photos.tgz')\n"
            "data_dir = keras.utils.get_file('photos', origin=origin, untar=True, cache_dir=cache)\n",
        ),
        "not os.path.isdir(os.path.join(data_dir, 'roses'))",
    ),
    Scenario(
        "epsilon= of ReduceLROnPlateau, Keras 2's other name for min_delta=",
        "keras2-keyword-alias-ignored",
        (
            "import keras\n",
            "plateau = keras.callbacks.ReduceLROnPlateau(monitor='loss', patience=2, epsilon=0.5)\n",
        ),
        "abs(plateau.min_delta - 0.5) > 1e-9",
    ),
    Scenario(
        "monitor='val_acc' of a model compiled with metrics=['accuracy'], made a cell earlier",
        "callback-monitor-key-missing",
        (
            "import numpy as np\nimport keras\n"
            "x = np.random.rand(32, 4).astype('float32')\n"
            "y = (x.sum(axis=1) > 2).astype('float32')\n"
            "model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(1, activation='sigmoid')])\n"
            "model.compile(optimizer='adam', loss='binary_crossentropy', metrics=['accuracy'])\n"
            "stopper = keras.callbacks.EarlyStopping(monitor='val_acc', patience=0, mode='max')\n",
            "history = model.fit(x, y, validation_split=0.25, epochs=3, verbose=0, callbacks=[stopper])\n",
        ),
        "stopper.best is None or not np.isfinite(stopper.best)",
    ),
    Scenario(
        "a model resumed from the .h5 a ModelCheckpoint of the same run writes",
        "h5-resume-after-save",
        (
            "import os, tempfile\nimport numpy as np\nimport keras\nos.chdir(tempfile.mkdtemp())\n"
            "model_file = 'resume.h5'\n"
            "x = np.random.rand(32, 4).astype('float32'); y = np.random.rand(32, 1).astype('float32')\n",
            "try:\n    model = keras.models.load_model(model_file)\nexcept (OSError, ValueError):\n"
            "    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(1)])\n"
            "    model.compile(optimizer='adam', loss='mse')\n",
            "model.fit(x, y, epochs=1, verbose=0, callbacks=[keras.callbacks.ModelCheckpoint(model_file)])\n",
        ),
        "__km_raises(lambda: keras.models.load_model(model_file).fit(x, y, epochs=1, verbose=0))",
    ),
    Scenario(
        "model.metrics_names[1] printed beside evaluate's scores[1]",
        "keras3-metrics-names-grouped",
        (
            "import numpy as np\nimport keras\n"
            "x = np.random.rand(32, 4).astype('float32')\n"
            "y = (x.sum(axis=1) > 2).astype('float32')\n"
            "model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(1, activation='sigmoid')])\n"
            "model.compile(optimizer='adam', loss='binary_crossentropy', metrics=['accuracy'])\n"
            "model.fit(x, y, epochs=1, verbose=0)\n",
            "scores = model.evaluate(x, y, verbose=0)\n"
            "label = '%s: %.2f%%' % (model.metrics_names[1], scores[1] * 100)\n",
        ),
        "not label.startswith('accuracy')",
    ),
)

# runs inside an environment: python -c RUNNER '<json list of jobs>'
RUNNER = r'''
import json, os, sys, warnings, logging
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
warnings.simplefilter("ignore", DeprecationWarning)
from kerasmagic.diagnosis.engine import check, lint

def __km_lr_after_steps(opt):
    """The learning rate the optimizer uses after 3 update steps (a decay shows here)."""
    import keras
    v = keras.Variable([1.0])
    for _ in range(3):
        opt.apply_gradients([(keras.ops.ones((1,)), v)])
    return float(opt.learning_rate)

def __km_raises(run):
    """Does ``run()`` raise (the step that fails cells after the trap)?"""
    try:
        run()
    except Exception:
        return True
    return False

out = []
for job in json.loads(sys.argv[1]):
    ns = {"__name__": "__main__", "__km_lr_after_steps": __km_lr_after_steps, "__km_raises": __km_raises}
    row = {"name": job["name"], "variant": job["variant"], "trap": job["trap"]}
    cells = job["cells"]
    try:
        for cell in cells[:-1]:
            r = check(cell, namespace=ns)
            if not r.ok:
                raise RuntimeError(f"{r.error_type}: {r.error_message}")
        row["lint"] = [t.id for t in lint(cells[-1]).traps]
        r = check(cells[-1], namespace=ns, earlier=tuple(cells[:-1]))  # as %%keras_check reads history
        row["ok"] = r.ok
        row["error"] = None if r.ok else f"{r.error_type}: {(r.error_message or '')[:200]}"
        found = [t for t in r.traps if t.id == job["trap"]]
        row["found"] = bool(found)
        row["other_traps"] = sorted({t.id for t in r.traps if t.id != job["trap"]})
        row["finding"] = found[0].to_dict() if found else None
        row["internal"] = r.internal_error
        row["truth"] = bool(eval(job["truth"], ns)) if r.ok else None
    except Exception as exc:
        row.update(ok=False, error=f"setup {type(exc).__name__}: {str(exc)[:200]}", found=False,
                   truth=None, lint=[], finding=None, other_traps=[], internal=None)
    out.append(row)
print("@@traps@@" + json.dumps(out))
'''


def _job(s: Scenario, variant: str, cells: tuple[str, ...] | list[str]) -> dict[str, object]:
    return {
        "name": s.name,
        "variant": variant,
        "trap": s.trap,
        "cells": list(cells),
        "truth": s.truth,
    }


def run_jobs(
    python: str, jobs: list[dict[str, object]], env: dict[str, str] | None = None
) -> list[dict]:
    """Run jobs in ONE fresh process of ``python``; their rows."""
    proc = subprocess.run(
        [python, "-c", RUNNER, json.dumps(jobs)],
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
        timeout=900,
    )
    for line in reversed(proc.stdout.splitlines()):
        if line.startswith(MARK):
            return json.loads(line[len(MARK) :])
    raise RuntimeError(f"trap runner failed ({proc.returncode}): {proc.stderr[-2000:]}")


def measure(python: str = sys.executable) -> list[dict]:
    """Every scenario, then its fix, in this interpreter (shared process where state allows)."""
    shared = [s for s in SCENARIOS if not s.fresh]
    rows = run_jobs(python, [_job(s, "trap", s.cells) for s in shared])
    for s in SCENARIOS:
        if s.fresh:
            rows += run_jobs(python, [_job(s, "trap", s.cells)], s.env)
    fixes_shared, fixes_fresh = [], []
    for s in SCENARIOS:
        row = next(r for r in rows if r["name"] == s.name)
        if not row.get("found"):
            continue
        fixed_source = (row["finding"] or {}).get("fixed_source")
        cells = [*s.cells[:-1], fixed_source] if fixed_source else list(s.fixed or ())
        if not cells:
            continue
        job = _job(s, "fixed", cells)
        job["fixed_from"] = "finding" if fixed_source else "scenario"
        (fixes_fresh if s.fresh else fixes_shared).append((s, job))
    if fixes_shared:
        rows += run_jobs(python, [job for _, job in fixes_shared])
    for s, job in fixes_fresh:
        rows += run_jobs(python, [job], s.env)
    for s, job in fixes_shared + fixes_fresh:
        for r in rows:
            if r["name"] == s.name and r["variant"] == "fixed":
                r["fixed_from"] = job["fixed_from"]
    return rows


def verdict(trap_row: dict, fixed_row: dict | None) -> str:
    """One table cell: detected / missed / false alarm / silent (correct) / raises / n.a."""
    if trap_row.get("error", "") and str(trap_row.get("error")).startswith("setup"):
        return "n.a."
    if not trap_row["ok"]:
        return "raises (not silent)"
    if trap_row["truth"] and trap_row["found"]:
        fix = ""
        if fixed_row is not None:
            good = fixed_row["ok"] and not fixed_row["found"] and fixed_row["truth"] is False
            error = str(fixed_row.get("error") or "")
            no_tf_keras = "tf-keras" not in (trap_row.get("finding") or {}).get("versions", {})
            if good:
                fix = ", fix verified"
            elif trap_row["trap"] == "legacy-keras-env-too-late" and no_tf_keras:
                fix = ", fix needs tf_keras (not installed here; the finding says so)"
            elif error.startswith("ModuleNotFoundError"):
                fix = f", fix needs a package missing here ({error.split(': ', 1)[-1]})"
            else:
                fix = ", fix NOT verified"
        return "**detected**" + fix
    if trap_row["truth"]:
        return "MISSED"
    if trap_row["found"]:
        return "FALSE ALARM"
    return "absent, silent"


def _write(results: dict[str, list[dict]], path: Path) -> None:
    envs = list(results)
    lines = [
        "# Silent traps × environments (measured)",
        "",
        "Generated by `python3 scripts/trap_table.py` from real runs in each environment of "
        "`scripts/envs.py`; do not edit by hand. Each scenario's cells run through "
        "`kerasmagic.check` (warnings capture + `inspect_after_run`) in a fresh process; whether "
        "the trap really happened is measured apart from kerasmagic (learning rate in use, "
        "module of the object …), then the fix (the finding's `fixed_source`, or the scenario's "
        "fix when the fix is not a certain rewrite) runs in another fresh process and must leave "
        "no finding.",
        "",
        "- **detected**: the trap happened and kerasmagic reported it (`fix verified`: the fix ran, "
        "the finding is gone and the trap no longer happens)",
        "- absent, silent: the trap did not happen here and kerasmagic said nothing",
        "- raises (not silent): the cell fails here, with an error the check engine explains",
        "- n.a.: the cell cannot run here (package missing)",
        "- MISSED / FALSE ALARM: a detection error",
        "",
        "| scenario | trap id | " + " | ".join(envs) + " |",
        "|---|---|" + "---|" * len(envs),
    ]
    for s in SCENARIOS:
        cells = []
        for env in envs:
            rows = results[env]
            trap = next((r for r in rows if r["name"] == s.name and r["variant"] == "trap"), None)
            fixed = next((r for r in rows if r["name"] == s.name and r["variant"] == "fixed"), None)
            cells.append(verdict(trap, fixed) if trap else "—")
        lines.append(f"| {s.name} | `{s.trap}` | " + " | ".join(cells) + " |")
    lines += ["", "Lint (`%%keras_check --lint`, before running) on the checked cell:", ""]
    lines.append("| scenario | " + " | ".join(envs) + " |")
    lines.append("|---|" + "---|" * len(envs))
    for s in SCENARIOS:
        cells = []
        for env in envs:
            trap = next(
                (r for r in results[env] if r["name"] == s.name and r["variant"] == "trap"), None
            )
            if trap is None or str(trap.get("error") or "").startswith("setup"):
                cells.append("n.a.")
            else:
                cells.append("flags" if s.trap in trap["lint"] else "—")
        lines.append(f"| {s.name} | " + " | ".join(cells) + " |")
    lines += ["", "Findings as reported (first environment where each was detected):", ""]
    for s in SCENARIOS:
        for env in envs:
            trap = next(
                (r for r in results[env] if r["name"] == s.name and r["variant"] == "trap"), None
            )
            if trap and trap["found"] and trap["finding"]:
                f = trap["finding"]
                lines += [f"### {s.name} ({env})", "", f"- **{f['title']}**", f"- {f['cause']}"]
                lines += [
                    f"- fix: {f['fix']}" + (f" `{f['fix_code']}`" if f.get("fix_code") else "")
                ]
                if f.get("verify"):
                    lines.append(f"- verify: {f['verify']}")
                lines.append("")
                break
    path.write_text("\n".join(lines) + "\n")


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["--probe"]:
        print(MARK + json.dumps(measure()))
        return 0
    if argv[:1] == ["--render"] and len(argv) == 2:  # re-render saved results, no measuring
        _write(json.loads(Path(argv[1]).read_text()), ROOT / "docs" / "traps.md")
        return 0
    save = None
    if argv[:1] == ["--save"] and len(argv) >= 2:
        save, argv = Path(argv[1]), argv[2:]
    sys.path.insert(0, str(ROOT / "scripts"))
    import envs as envs_script

    selected = argv or [n for n in envs_script.ENVIRONMENTS if n != "bare"]
    results: dict[str, list[dict]] = {}
    for name in selected:
        env = envs_script.ENVIRONMENTS[name]
        if not env.python.exists():
            print(f"{name}: not built, skipped", file=sys.stderr)
            continue
        print(f"{name}: measuring…", file=sys.stderr)
        proc = subprocess.run(
            [str(env.python), __file__, "--probe"],
            capture_output=True,
            text=True,
            env=envs_script.run_env(env),
        )
        line = next((x for x in reversed(proc.stdout.splitlines()) if x.startswith(MARK)), None)
        if line is None:
            print(textwrap.indent(proc.stderr[-3000:], f"{name}: "), file=sys.stderr)
            continue
        results[name] = json.loads(line[len(MARK) :])
    out = ROOT / "docs" / "traps.md"
    _write(results, out)
    if save is not None:
        save.write_text(json.dumps(results, default=str))
    print(f"wrote {out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
