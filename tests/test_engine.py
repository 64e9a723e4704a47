"""The check engine in the real environments: representative broken cells of every family.

One subprocess per environment runs every cell through ``kerasmagic.diagnosis.engine.check`` and
then runs the corrected cell for real in a fresh namespace. Whatever the environment, an offered
corrected cell must run (wrong-fix rate 0); where the cell fails here and the packages a fix
needs are installed, the expected explanation must be there and its corrected cell must run.
"""

from __future__ import annotations

import json

import pytest
from conftest import ENV_NAME, run_python_json
from environments import TF_KERAS_IS, here

# (name, cell, acceptable suggestion ids, modules the fix needs)
CASES = [
    ("import-tf", "import tf\nprint(tf.__version__)\n", {"import-tf-alias"}, ("tensorflow",)),
    ("name-tf", "x = tf.constant(1)\nprint(int(x))\n", {"import-tf-alias"}, ("tensorflow",)),
    (
        "np-utils",
        "from keras.utils.np_utils import to_categorical  # old path\n"
        "import numpy as np\nprint(to_categorical(np.array([0, 2])).shape)\n",
        {"moved-module"},
        ("keras",),
    ),
    (
        "lr",
        "import keras\nopt = keras.optimizers.Adam(lr=0.01)\nprint(float(opt.learning_rate))\n",
        {"optimizer-lr-renamed"},
        ("keras",),
    ),
    (
        "lr-and-decay",
        "import keras\nopt = keras.optimizers.SGD(lr=0.1, decay=1e-3, momentum=0.9)\n",
        {"optimizer-lr-renamed", "optimizer-decay-removed"},
        ("keras",),
    ),
    (
        "cudnn-attr",
        "import tensorflow as tf\nlayer = tf.keras.layers.CuDNNLSTM(4)\n",
        {"renamed-name"},
        ("tensorflow",),
    ),
    (
        "cudnn-import",
        "from keras.layers import CuDNNGRU, Dense\nlayer = CuDNNGRU(4)\n",
        {"renamed-name"},
        ("keras",),
    ),
    (
        "experimental-preprocessing",
        "from keras.layers.experimental.preprocessing import Rescaling\nr = Rescaling(1 / 255)\n",
        {"moved-module"},
        ("keras",),
    ),
    (
        "experimental-adamw",
        "from tensorflow.keras.optimizers.experimental import AdamW\nopt = AdamW(learning_rate=1e-3)\n",
        {"moved-module"},
        ("tensorflow",),
    ),
    (
        "several-imports",
        "from keras.layers.core import Dense, Dropout\nfrom keras.optimizers import adam\n"
        "from keras.engine import Layer\nopt = adam(lr=0.01)\nd = Dense(2)\n",
        {"moved-module", "name-typo", "moved-name", "optimizer-lr-renamed"},
        ("keras",),
    ),
    (
        "fit-generator",
        "import numpy as np\nimport keras\n"
        "model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])\n"
        "model.compile(optimizer='adm', loss='mse')\n"
        "def batches():\n    while True:\n        yield np.zeros((4, 3)), np.zeros((4, 1))\n"
        "model.fit_generator(batches(), steps_per_epoch=2, epochs=1, verbose=0, workers=1)\n",
        {"generator-methods-removed", "optimizer-string-typo"},
        ("keras",),
    ),
    (
        "save-no-extension",
        "import keras\nmodel = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])\n"
        "model.save('km_model')\nagain = keras.models.load_model('km_model')\n",
        {"save-needs-extension"},
        ("keras",),
    ),
    (
        "learning-phase",
        "import keras\nfrom keras import backend as K\nK.set_learning_phase(0)\nprint('ok')\n",
        {"learning-phase-removed"},
        ("keras",),
    ),
    (
        "legacy-optimizer",
        "from tensorflow.keras.optimizers.legacy import Adam\nopt = Adam(learning_rate=0.01)\n",
        {"legacy-optimizers-keras3"},
        ("tensorflow",),
    ),
    (
        "scikit-wrappers",
        "from keras.wrappers.scikit_learn import KerasClassifier\n",
        {"scikit-learn-wrappers", "scikit-learn-wrappers-written-in"},
        ("keras",),
    ),
    (
        "legacy-optimizer-attribute",
        "import tensorflow as tf\nopt = tf.keras.optimizers.legacy.Adam(learning_rate=0.01)\n",
        {"legacy-optimizers-keras3"},
        ("tensorflow",),
    ),
    (
        "keras1-arguments",
        "import numpy as np\nimport keras\nfrom keras.layers import Dense, Convolution2D\n"
        "m = keras.Sequential([keras.Input((8, 8, 1)), Convolution2D(nb_filter=4, kernel_size=3),"
        " keras.layers.Flatten(), Dense(output_dim=1, init='uniform')])\n"
        "m.compile(optimizer='sgd', loss='mse')\n"
        "m.fit(np.zeros((4, 8, 8, 1)), np.zeros((4, 1)), nb_epoch=1, verbose=0)\n",
        {"keras1-keyword-renamed"},
        ("keras",),
    ),
    (
        "image-data-generator",
        "from keras.preprocessing.image import ImageDataGenerator\ng = ImageDataGenerator(rescale=1 / 255)\n",
        {"moved-name", "image-data-generator-keras3"},
        ("keras", "tensorflow"),
    ),
    (
        "typo-import",
        "from keras.models import Sequental\nm = Sequental()\n",
        {"name-typo"},
        ("keras",),
    ),
    (
        "typo-attribute",
        "import keras\nopt = keras.optimizers.adam(learning_rate=0.1)\n",
        {"name-typo"},
        ("keras",),
    ),
    (
        "mixed-packages",
        "import tensorflow as tf\nfrom keras.layers import Dense\nfrom keras.optimizers import Adam\n"
        "model = tf.keras.Sequential([tf.keras.Input((3,)), Dense(1)])\n"
        "model.compile(optimizer=Adam(learning_rate=0.01), loss='mse')\n",
        {"mixed-keras-objects"},
        ("tensorflow",),
    ),
    (
        "private-tf-python-keras",
        "from tensorflow.python.keras.layers import Dense\nfrom tensorflow.keras.models import Sequential\n"
        "m = Sequential([Dense(2, input_shape=(3,))])\n",
        {"private-tf-python-keras", "mixed-keras-objects"},
        ("tensorflow",),
    ),
    (
        "predict-classes",
        "import numpy as np\nimport keras\n"
        "model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(4, activation='softmax')])\n"
        "labels = model.predict_classes(np.zeros((2, 3)), verbose=0)\nprint(labels.shape)\n",
        {"predict-classes-removed"},
        ("keras",),
    ),
    (
        "session",
        "import keras\nfrom keras import backend as K\nsess = K.get_session()\n",
        {"backend-session-removed"},
        ("keras",),
    ),
    (
        "not-installed",
        "import surely_not_installed_pkg_km\n",
        {"package-not-installed"},
        (),
    ),
]

EXPLAIN_ONLY = {"not-installed", "session"}  # install / remove code

HARNESS = """
import importlib.util, json, os, sys, io, contextlib
os.chdir({tmp!r})
from kerasmagic.diagnosis.engine import check
cases = json.loads({cases!r})
out = {{}}
for name, cell in cases:
    sink = io.StringIO()
    with contextlib.redirect_stdout(sink), contextlib.redirect_stderr(sink):
        result = check(cell)
    row = {{"ok": result.ok, "error": result.error_type, "ids": [s.id for s in result.suggestions],
           "fixed": result.fixed_source, "internal": result.internal_error, "fixed_runs": None}}
    if result.fixed_source is not None:
        try:
            with contextlib.redirect_stdout(sink), contextlib.redirect_stderr(sink):
                exec(compile(result.fixed_source, "<fixed>", "exec"),
                     {{"__name__": "__main__"}})
            row["fixed_runs"] = "ok"
        except Exception as exc:
            row["fixed_runs"] = f"{{type(exc).__name__}}: {{exc}}"
    out[name] = row
out["_installed"] = {{m: importlib.util.find_spec(m) is not None
                      for m in ("tensorflow", "keras", "scikeras")}}
print(json.dumps(out))
"""


@pytest.fixture(scope="module")
def outcomes(tmp_path_factory):
    tmp = str(tmp_path_factory.mktemp("cells"))
    cases = json.dumps([(name, cell) for name, cell, _ids, _needs in CASES])
    return run_python_json(HARNESS.format(tmp=tmp, cases=cases), timeout=600)


@pytest.mark.parametrize("name,cell,ids,needs", CASES, ids=[c[0] for c in CASES])
def test_family(outcomes, name, cell, ids, needs):
    row = outcomes[name]
    assert row["internal"] is None or "traps" in row["internal"], row["internal"]
    if row["fixed"] is not None:  # never a fix that does not run here
        assert row["fixed_runs"] == "ok", (ENV_NAME, row)
        assert row["fixed"] != cell
    if row["ok"]:
        assert not row["ids"], (ENV_NAME, row)  # a cell that runs here gets no suggestion
        pytest.skip(f"{name} runs in {ENV_NAME}: nothing to explain")
    installed = outcomes["_installed"]
    if not all(installed.get(m, True) for m in needs):
        pytest.skip(f"{name} needs {needs}, not all installed in {ENV_NAME}")
    assert set(row["ids"]) & ids, (ENV_NAME, row)
    explain_only = set(EXPLAIN_ONLY)
    if here(TF_KERAS_IS) == "tf_keras":  # its fix would mix tf_keras objects into Keras 3
        explain_only.add("image-data-generator")
    if name not in explain_only:  # a corrected cell is expected where its packages are here
        assert row["fixed"] is not None, (ENV_NAME, row)


def test_formatting_and_comments_survive(outcomes):
    row = outcomes["np-utils"]
    if row["fixed"] is None:
        pytest.skip(f"np_utils needs no fix or keras is absent in {ENV_NAME}")
    assert "# old path" in row["fixed"]
    assert "from keras.utils import to_categorical" in row["fixed"]


def test_every_problem_of_the_cell_is_fixed(outcomes):
    row = outcomes["several-imports"]
    if row["ok"] or row["fixed"] is None:
        assert row["ok"] or not outcomes["_installed"]["keras"], row
        return
    fixed = row["fixed"]
    assert "keras.layers.core" not in fixed and "keras.engine" not in fixed
    assert "lr=" not in fixed and "learning_rate=0.01" in fixed


LINT = """
import json, sys
from kerasmagic.diagnosis.engine import lint
r = lint("from keras.utils.np_utils import to_categorical\\nimport tf\\n")
print(json.dumps({"ids": [s.id for s in r.suggestions], "fixed": r.fixed_source,
                  "imported": [m for m in ("tensorflow", "keras", "jax") if m in sys.modules]}))
"""


def test_lint_proves_without_importing_tensorflow():
    data = run_python_json(LINT)
    assert data["imported"] == []
    assert "import-tf-alias" in data["ids"]
    from importlib.util import find_spec

    if find_spec("tensorflow") is not None:
        assert "import tensorflow as tf" in data["fixed"]
    else:
        assert data["fixed"] is None
    if find_spec("keras") is not None:
        assert "moved-module" in data["ids"]  # keras/utils/np_utils.py is not on disk
    else:
        assert "package-not-installed" in data["ids"]


LEARNING_PHASE = """
import json
from kerasmagic.diagnosis.engine import lint
out = {}
for phase in ("0", "1", "True"):
    r = lint("from keras import backend as K\\nK.set_learning_phase(" + phase + ")\\n")
    found = [s for s in r.suggestions if s.id == "learning-phase-removed"]
    out[phase] = {"fix": found[0].fix if found else None, "fixed": r.fixed_source}
print(json.dumps(out))
"""


@pytest.mark.envs("tf221-k3", "colab", "k3-jax")
def test_set_learning_phase_to_training_is_removed_saying_what_changes():
    """``K.set_learning_phase(0)`` did what Keras 3 does anyway; ``(1)`` made Keras 2's predict run
    dropout in training mode: removed as well (Keras 3 has no global phase), and said."""
    data = run_python_json(LEARNING_PHASE)
    assert "training mode" not in data["0"]["fix"]
    for phase in ("1", "True"):
        assert f"given `{phase}`" in data[phase]["fix"] and "training=True" in data[phase]["fix"], data
        assert "set_learning_phase" not in data[phase]["fixed"]
