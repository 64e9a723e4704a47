"""Code written for channels-first images (Keras 1's built-in ``'th'`` ordering, or the author's
``keras.json``), run where Keras reads images channels last (rules/error_channels_first.py): the
author's setting is made after the notebook's first Keras import, and the notebook runs again from
there, through a real kernel; a model that is channels last and merely too deep gets nothing."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from migrate_helpers import code_cells, migrate_notebook

from kerasmagic.diagnosis.engine import diagnose
from kerasmagic.diagnosis.image_layout import ONEDNN_LINES, channels_first_trains

pytestmark = pytest.mark.envs("tf221-k3", "tf215-k2", "k3-jax", "colab")

IMPORTS = (
    "import numpy as np\nfrom keras.models import Sequential\n"
    "from keras.layers import Conv2D, MaxPooling2D, Flatten, Dense\n"
)
MODEL = (
    "model = Sequential()\n"
    "model.add(Conv2D(4, (3, 3), activation='relu', input_shape={shape}))\n"
    "model.add(Conv2D(4, (3, 3), activation='relu'))\n"
    "model.add(MaxPooling2D(pool_size=(2, 2)))\n"
    "model.add(Flatten())\n"
    "model.add(Dense(2, activation='softmax'))\n"
    "model.compile(optimizer='adam', loss='categorical_crossentropy')\n"
)
TRAIN = (
    "model.fit(x, np.eye(2)[np.arange(len(x)) % 2], epochs=1, verbose=0)\n"
    "print('trained', model.layers[0].data_format, model.output_shape)\n"
)


@pytest.fixture(scope="module")
def trains_here() -> bool:
    """Does this machine train a channels-first convolution (image_layout), measured in a fresh
    process of this interpreter, as the migrate kernel would?"""
    probe = (
        "import keras\nfrom kerasmagic.diagnosis.image_layout import ONEDNN_LINES, channels_first_trains\n"
        "print(channels_first_trains('keras'))\n"
    )
    proc = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=300)  # fmt: skip
    assert proc.returncode == 0, proc.stderr[-2000:]
    return proc.stdout.strip().splitlines()[-1] == "True"


def _switch_as_needed(migrated: list[str], trains_here: bool) -> None:
    """Where channels first cannot train (TensorFlow on a CPU without oneDNN's operations), the
    first cell also switches oneDNN's operations on, before its first Keras import (TensorFlow
    reads the variable at its import); elsewhere it does not."""
    switch = 'os.environ["TF_ENABLE_ONEDNN_OPTS"] = "1"'
    assert (switch in migrated[0]) == (not trains_here), migrated[0]
    if switch in migrated[0]:
        assert migrated[0].index(switch) < migrated[0].index("from keras")


def _migrated(tmp_path: Path, cells: list[str]) -> list[str]:
    """Migrated with the author's setting (and, where needed, oneDNN's switch) in the first cell,
    after a fresh kernel where the switch was needed."""
    proc, doc = migrate_notebook(tmp_path, "th.ipynb", cells)
    assert doc["status"] == "migrated", (doc["message"], proc.stderr[-2000:])
    ids = {r["id"] for ch in doc["cells"][0]["changes"] for r in ch["rules"]}
    assert ids == {"keras1-channels-first"}, doc["cells"][0]["changes"]
    return [c.source for c in code_cells(tmp_path / "out" / "th.ipynb")]


def _runs_plainly(tmp_path: Path, cells: list[str]) -> str:
    script = tmp_path / "migrated.py"
    script.write_text("\n".join(cells), encoding="utf-8")
    proc = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=300)  # fmt: skip
    assert proc.returncode == 0, proc.stderr[-2000:]
    return proc.stdout


def test_keras1s_channels_first_model_gets_the_authors_setting_at_the_first_import(tmp_path: Path, trains_here: bool) -> None:  # fmt: skip
    # Keras 1's default: the code says nothing of the ordering; (1, 28, 28) is a grey image
    cells = [
        IMPORTS,
        "x = np.random.rand(16, 28 * 28).astype('float32').reshape(16, 1, 28, 28)\n",
        MODEL.format(shape="(1, 28, 28)"),
        TRAIN,
    ]
    migrated = _migrated(tmp_path, cells)
    _switch_as_needed(migrated, trains_here)
    assert 'set_image_data_format("channels_first")' in migrated[0]
    assert migrated[0].index("import Sequential") < migrated[0].index("set_image_data_format")
    assert migrated[1:] == cells[1:]  # the author's lines are left as written
    assert "trained channels_first (None, 2)" in _runs_plainly(tmp_path, migrated)


@pytest.mark.envs("tf221-k3")
def test_a_model_a_module_builds_is_read_live_and_the_loaders_arrays_made_again(tmp_path: Path, trains_here: bool) -> None:  # fmt: skip
    # the model comes from a module of the user's, so the shape is read from the live model; the
    # arrays come from Keras's loader cells before the failing fit, channels last until the
    # setting comes first and the notebook runs again from there
    (tmp_path / "classifier.py").write_text(
        "from keras.models import Sequential\n"
        "from keras.layers import Conv2D, Flatten, Dense\n\n\n"
        "def create_model():\n"
        "    model = Sequential()\n"
        "    model.add(Conv2D(4, (3, 3), padding='same', input_shape=(3, 16, 16)))\n"
        "    model.add(Flatten())\n"
        "    model.add(Dense(2, activation='softmax'))\n"
        "    model.compile(optimizer='adam', loss='categorical_crossentropy')\n"
        "    return model\n",
        encoding="utf-8",
    )
    cells = [
        "import numpy as np\nfrom keras.utils import img_to_array\n",
        "x = np.stack([img_to_array(np.random.rand(16, 16, 3)) for _ in range(8)])\n",
        "from classifier import create_model\nmodel = create_model()\n",
        TRAIN,
    ]
    migrated = _migrated(tmp_path, cells)
    _switch_as_needed(migrated, trains_here)
    assert 'set_image_data_format("channels_first")' in migrated[0]
    assert "trained channels_first (None, 2)" in _runs_plainly(tmp_path, migrated)


@pytest.mark.envs("tf221-k3", "tf215-k2", "k3-jax")  # Keras 3.13 (colab) pools a 1x1 map to 0x0 unasked
def test_a_channels_last_model_too_deep_for_its_images_gets_no_setting() -> None:
    source = (
        IMPORTS
        + MODEL.format(shape="(8, 8, 1)").replace(
            "model.add(Flatten())",
            "model.add(MaxPooling2D((2, 2)))\nmodel.add(MaxPooling2D((2, 2)))\nmodel.add(Flatten())",  # fmt: skip
        )
    )
    namespace: dict = {"__name__": "__main__"}
    with pytest.raises(ValueError) as raised:
        exec(compile(source, "<cell>", "exec"), namespace)
    result = diagnose(source, raised.value, namespace=namespace)
    assert "keras1-channels-first" not in [f.id for f in result.suggestions]


def test_a_cell_that_imports_keras_itself_is_corrected_in_place() -> None:
    # %%keras_check on the one cell: the setting goes after its Keras import, and the cell runs
    import keras

    source = IMPORTS + "x = np.random.rand(4, 1, 28, 28).astype('float32')\n" + MODEL.format(shape="(1, 28, 28)") + TRAIN  # fmt: skip
    namespace: dict = {"__name__": "__main__"}
    with pytest.raises(ValueError) as raised:
        exec(compile(source, "<cell>", "exec"), namespace)
    suggestions = diagnose(source, raised.value, namespace=namespace).suggestions
    top = suggestions[0]
    assert top.id == "keras1-channels-first" and top.fixed_source
    if not channels_first_trains("keras"):  # TensorFlow on a CPU without oneDNN's operations
        # the switch too, before the import; TensorFlow reads it at its import: a fresh process
        _switch_as_needed([top.fixed_source], trains_here=False)
        assert "restart" in top.fix
        proc = subprocess.run([sys.executable, "-c", top.fixed_source], capture_output=True, text=True, timeout=300)  # fmt: skip
        assert proc.returncode == 0 and "trained channels_first" in proc.stdout, proc.stderr[-2000:]
        return
    try:
        exec(compile(top.fixed_source, "<fixed>", "exec"), {"__name__": "__main__"})
    finally:
        keras.backend.set_image_data_format("channels_last")  # the other tests' default


@pytest.mark.envs("tf221-k3", "colab")  # the rule is Keras-version blind: the two judged ones
def test_the_authors_own_channels_first_setting_trains_after_the_switch(tmp_path: Path, trains_here: bool) -> None:  # fmt: skip
    # the code sets the ordering itself (Theano-era code, Keras 2 spelling): the model builds,
    # and its fit fails in TensorFlow's gradient op where the CPU kernels refuse channels first
    cells = [
        "import numpy as np\nfrom keras import backend as K\n" + IMPORTS.split("\n", 1)[1]
        + "K.set_image_data_format('channels_first')\n",
        "x = np.random.rand(16, 1, 28, 28).astype('float32')\n" + MODEL.format(shape="(1, 28, 28)"),  # fmt: skip
        TRAIN,
    ]
    proc, doc = migrate_notebook(tmp_path, "own.ipynb", cells)
    ids = {r["id"] for cell in doc["cells"] for ch in cell["changes"] for r in ch["rules"]}
    if trains_here:  # nothing to change: the notebook runs as the author wrote it
        assert ids == set() and proc.returncode == 0, doc["cells"]
        return
    assert doc["status"] == "migrated", (doc["message"], proc.stderr[-2000:])
    assert ids == {"channels-first-cpu-training"}, doc["cells"]
    migrated = [c.source for c in code_cells(tmp_path / "out" / "own.ipynb")]
    _switch_as_needed(migrated, trains_here)
    assert migrated[0].replace(ONEDNN_LINES, "") == cells[0] and migrated[1:] == cells[1:]  # fmt: skip
    assert "trained channels_first (None, 2)" in _runs_plainly(tmp_path, migrated)


def test_the_fit_of_an_earlier_cells_channels_first_model_is_explained_in_place() -> None:
    # %%keras_check on the failing cell, the Keras import cells before it: the switch belongs to
    # the first of them, so here the finding says what to do and needs a restart
    import keras

    from kerasmagic.diagnosis.engine import check

    cells = [
        "import numpy as np\nfrom keras import backend as K\nfrom keras.models import Sequential\n"
        "from keras.layers import Conv2D, Flatten, Dense\nK.set_image_data_format('channels_first')\n",
        "model = Sequential([Conv2D(4, (3, 3), input_shape=(1, 12, 12)), Flatten(), Dense(1)])\n"
        "model.compile('sgd', 'mse')\n",
        "model.fit(np.random.rand(8, 1, 12, 12), np.random.rand(8, 1), epochs=1, verbose=0)\n",
    ]
    namespace: dict = {"__name__": "__main__", "In": [""]}
    try:
        for i, cell in enumerate(cells):
            namespace["In"].append(cell)
            result = check(cell, namespace=namespace, earlier=tuple(cells[:i]))
            if i < 2:
                assert result.ok, (result.error_type, result.error_message)
    finally:
        keras.backend.set_image_data_format("channels_last")  # the other tests' default
    if channels_first_trains("keras"):
        assert result.ok, (result.error_type, result.error_message)
        return
    found = [s for s in result.suggestions if s.id == "channels-first-cpu-training"]
    assert found and not found[0].fixed_source and found[0].restart_needed, result.suggestions
    assert 'os.environ["TF_ENABLE_ONEDNN_OPTS"] = "1"' in found[0].fix


@pytest.mark.envs("tf221-k3", "colab")  # Keras 3's refusal of a model's declared input
def test_a_generator_reshaped_channels_first_feeding_a_channels_first_model(tmp_path: Path, trains_here: bool) -> None:  # fmt: skip
    # a Keras 1 GAN: the generator reshapes to (16, 7, 7) and upsamples, which channels last reads
    # as 16 rows; stacking it on the discriminator is refused, for a declared input of (1, 28, 28)
    cells = [
        "import numpy as np\nfrom keras.models import Sequential\n"
        "from keras.layers import Dense, Reshape, UpSampling2D, Conv2D, Flatten\n",
        "generator = Sequential([Dense(16 * 7 * 7, input_shape=(10,)), Reshape((16, 7, 7)),\n"
        "                        UpSampling2D(size=(2, 2)), Conv2D(8, (3, 3), padding='same'),\n"
        "                        UpSampling2D(size=(2, 2)), Conv2D(1, (3, 3), padding='same')])\n"
        "discriminator = Sequential([Conv2D(4, (3, 3), padding='same', input_shape=(1, 28, 28)),\n"
        "                            Flatten(), Dense(1, activation='sigmoid')])\n",
        "gan = Sequential([generator, discriminator])\n"
        "gan.compile(optimizer='sgd', loss='binary_crossentropy')\n",
        "gan.fit(np.random.rand(8, 10), np.ones((8, 1)), epochs=1, verbose=0)\n"
        "print('trained', generator.output_shape, gan.output_shape)\n",
    ]
    migrated = _migrated(tmp_path, cells)
    _switch_as_needed(migrated, trains_here)
    assert 'set_image_data_format("channels_first")' in migrated[0]
    assert migrated[1:] == cells[1:]
    assert "trained (None, 1, 28, 28) (None, 1)" in _runs_plainly(tmp_path, migrated)
