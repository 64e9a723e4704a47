"""An old script or notebook whose Keras 2 code sits in the user's own modules beside it (a
``helpers`` package: a removed import path at import time, ``fit_generator`` inside a training
function). Through a real kernel: ``migrate`` diagnoses each error on the module's source, runs
the corrected module in the kernel (the file untouched), runs the importing cells again, and
writes the corrected modules where the document's copy goes; the copy then runs plainly."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from environments import KERNEL_RULE_ENVS
from migrate_helpers import document, hashes, migrate, migrate_json, notebook

from kerasmagic.render.migration import render

HELPERS = {
    "helpers/__init__.py": "from .layers import make_model\n",
    "helpers/layers.py": (
        "from keras.layers.core import Dense\nfrom keras.models import Sequential\n\n\n"
        "def make_model():\n"
        '    return Sequential([Dense(3, activation="softmax", input_shape=(4,))])\n'
    ),
    "helpers/data.py": "def batches(x, y):\n    while True:\n        yield x, y\n",
    "helpers/training.py": (
        "from helpers.data import batches\n\n\ndef train(model, x, y):\n"
        '    model.compile(optimizer="adam", loss="categorical_crossentropy")\n'
        "    return model.fit_generator(batches(x, y), steps_per_epoch=2, epochs=1, verbose=0)\n"
    ),
}
CELLS = [
    "import numpy as np\nfrom helpers import make_model\nfrom helpers.training import train",
    "x = np.random.rand(32, 4)\ny = np.eye(3)[np.random.randint(0, 3, 32)]\n"
    "history = train(make_model(), x, y)\nprint('trained', sorted(history.history))",
]


def project(root: Path) -> Path:
    for relative, text in HELPERS.items():
        (root / relative).parent.mkdir(parents=True, exist_ok=True)
        (root / relative).write_text(text, encoding="utf-8")
    return root


@pytest.mark.envs("tf221-k3", "k3-jax")
def test_migrate_corrects_the_users_modules_and_the_copy_runs_with_them(tmp_path: Path) -> None:
    root = project(tmp_path / "project")
    script = root / "train.py"
    script.write_text("\n".join(CELLS) + "\n", encoding="utf-8")
    before = hashes(root)
    proc, report = migrate_json(str(script), "-o", str(tmp_path / "out"), cwd=root)
    doc = document(report, "train.py")
    assert doc["status"] == "migrated", doc["message"]
    assert not any(c["changed"] for c in doc["cells"])  # the script itself was right
    modules = {m["relative"]: m for m in doc["modules"]}
    assert set(modules) == {"helpers/layers.py", "helpers/training.py"}
    assert all(ch["verified"] for m in modules.values() for ch in m["changes"])
    out = tmp_path / "out"
    layers = (out / "helpers/layers.py").read_text(encoding="utf-8")
    assert "keras.layers.core" not in layers and "Dense" in layers
    training = (out / "helpers/training.py").read_text(encoding="utf-8")
    assert ".fit(batches(x, y), steps_per_epoch=2" in training and "fit_generator" not in training
    # the modules it imported unchanged are beside them, byte for byte: the copy imports from OUT
    for relative in ("helpers/__init__.py", "helpers/data.py"):
        assert (out / relative).read_bytes() == (root / relative).read_bytes()
    assert hashes(root) == before  # nothing of the user's was written
    assert proc.returncode == 0
    markdown = render(report, "md")
    assert "Module helpers/training.py" in markdown and "-    return model.fit_generator" in markdown
    plain = subprocess.run(
        [sys.executable, str(out / "train.py")], cwd=root, capture_output=True, text=True, timeout=300
    )
    assert plain.returncode == 0, plain.stderr[-2000:]
    assert "trained ['loss']" in plain.stdout


@pytest.mark.envs(*KERNEL_RULE_ENVS)
def test_migrate_in_place_rewrites_the_module_and_leaves_the_notebook(tmp_path: Path) -> None:
    """``--in-place``: the corrected module is written over itself; the notebook, whose cells
    were right, is not rewritten."""
    root = project(tmp_path)
    path = notebook(root / "course.ipynb", CELLS)
    stored = path.read_bytes()
    proc, report = migrate_json(str(path), "--in-place", cwd=root)
    doc = document(report, "course.ipynb")
    assert doc["status"] == "migrated", doc["message"]
    assert {m["relative"] for m in doc["modules"] if m["written"]} == {"helpers/layers.py", "helpers/training.py"}  # fmt: skip
    assert "fit_generator" not in (root / "helpers/training.py").read_text(encoding="utf-8")
    assert (root / "helpers/data.py").read_text(encoding="utf-8") == HELPERS["helpers/data.py"]
    assert not any(c["changed"] for c in doc["cells"])
    assert proc.returncode == 0
    again = migrate(str(path), "--in-place", cwd=root)  # now it runs as it is
    assert again.returncode == 0 and "nothing to change" in again.stdout, again.stdout[-2000:]
    assert path.read_bytes() == stored


SIBLING_SCRIPT = """\
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "src"))
import numpy as np
from fitting import train

x = np.random.rand(32, 4)
y = np.eye(3)[np.random.randint(0, 3, 32)]
print("trained", sorted(train(x, y).history))
"""
FITTING = (
    "from keras.models import Sequential\nfrom keras.layers import Dense\n\n\n"
    "def batches(x, y):\n    while True:\n        yield x, y\n\n\ndef train(x, y):\n"
    '    model = Sequential([Dense(3, activation="softmax", input_shape=(4,))])\n'
    '    model.compile(optimizer="adam", loss="categorical_crossentropy")\n'
    "    return model.fit_generator(batches(x, y), steps_per_epoch=2, epochs=1, verbose=0)\n"
)


@pytest.mark.envs("tf221-k3")
def test_a_module_beside_the_documents_folder_is_the_users_when_its_folder_is_migrated(tmp_path: Path) -> None:  # fmt: skip
    """``scripts/train.py`` imports ``src/fitting.py`` through ``sys.path``. Migrating the project
    folder corrects the module (it lies below the folder named) and writes it at its place in
    OUT_DIR, over the unchanged copy the folder's own run of it wrote. Naming the script alone
    corrects it too (the script put its folder on ``sys.path``: the user's code), written at its
    import path beside the script's copy, which imports from its own folder; nothing is
    written outside OUT_DIR."""
    project = tmp_path / "project"
    (project / "scripts").mkdir(parents=True)
    (project / "src").mkdir()
    (project / "scripts" / "train.py").write_text(SIBLING_SCRIPT, encoding="utf-8")
    (project / "src" / "fitting.py").write_text(FITTING, encoding="utf-8")
    proc, report = migrate_json(str(project), "-o", str(tmp_path / "out"), "-j", "1", cwd=tmp_path)
    doc = document(report, "train.py")
    assert doc["status"] == "migrated", doc["message"]
    assert [m["relative"] for m in doc["modules"]] == ["../src/fitting.py"]
    corrected = (tmp_path / "out" / "src" / "fitting.py").read_text(encoding="utf-8")
    assert "model.fit(batches(x, y)" in corrected and "fit_generator" not in corrected
    assert proc.returncode == 0
    plain = subprocess.run([sys.executable, str(tmp_path / "out" / "scripts" / "train.py")],
                           capture_output=True, text=True, timeout=300)  # fmt: skip
    assert plain.returncode == 0 and "trained ['loss']" in plain.stdout, plain.stderr[-2000:]

    alone, report = migrate_json(str(project / "scripts" / "train.py"), "-o", str(tmp_path / "alone"))
    doc = document(report, "train.py")
    assert doc["status"] == "migrated", doc["message"]
    assert [(m["relative"], m["placed"], m["written"]) for m in doc["modules"]] == [("../src/fitting.py", "fitting.py", True)]  # fmt: skip
    assert "model.fit(batches(x, y)" in (tmp_path / "alone" / "fitting.py").read_text(encoding="utf-8")  # fmt: skip
    assert not (tmp_path / "src").exists() and alone.returncode == 0
    plain = subprocess.run([sys.executable, str(tmp_path / "alone" / "train.py")],
                           capture_output=True, text=True, timeout=300)  # fmt: skip
    assert plain.returncode == 0 and "trained ['loss']" in plain.stdout, plain.stderr[-2000:]
    assert "fit_generator" in (project / "src" / "fitting.py").read_text(encoding="utf-8")


def test_a_served_module_runs_the_corrected_text_and_leaves_the_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:  # fmt: skip
    """No kernel: the import finder hands the corrected text to the next import (never the cached
    bytecode of the old one), the file is untouched, and only the user's modules are forgotten."""
    from kerasmagic.migrate import user_modules

    package = tmp_path / "shapes_pkg"
    package.mkdir()
    (package / "__init__.py").write_text("from .sizes import side\n", encoding="utf-8")
    sizes = package / "sizes.py"
    sizes.write_text("def side():\n    return 'old'\n", encoding="utf-8")
    (tmp_path / "keras").mkdir()  # a copy of Keras kept in the repository is never the user's
    (tmp_path / "keras" / "layers.py").write_text("", encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setattr(sys, "dont_write_bytecode", False)
    import shapes_pkg  # noqa: PLC0415

    assert shapes_pkg.side() == "old"
    stored = sizes.read_bytes()
    try:
        forgotten = user_modules.serve(str(sizes), "def side():\n    return 'new'\n", str(tmp_path))
        assert set(forgotten) == {"shapes_pkg", "shapes_pkg.sizes"} and "json" in sys.modules
        import shapes_pkg as again  # noqa: PLC0415

        assert again.side() == "new" and sizes.read_bytes() == stored
        assert user_modules.loaded_files(str(tmp_path)) == {
            str(package / "__init__.py"): "shapes_pkg/__init__.py",
            str(sizes): "shapes_pkg/sizes.py",
        }
        assert not user_modules.is_users(str(tmp_path / "keras" / "layers.py"), str(tmp_path))
        assert not user_modules.is_users(str(sizes), str(package / "elsewhere"))
    finally:
        user_modules._corrected.clear()
        for name in ("shapes_pkg", "shapes_pkg.sizes"):
            sys.modules.pop(name, None)


def test_a_class_the_message_names_leads_to_the_module_that_defines_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:  # fmt: skip
    from kerasmagic.migrate import user_modules

    (tmp_path / "nets_mod.py").write_text("class Net:\n    pass\n", encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path))
    import nets_mod  # noqa: F401, PLC0415

    try:
        error = TypeError("constructor to <class 'nets_mod.Net'>: Net.__init__() got an unexpected keyword argument 'name'")  # fmt: skip
        found = list(user_modules.named_modules(error, str(tmp_path)))
        assert [f for f, _ in found] == [str(tmp_path / "nets_mod.py")]
        assert found[0][1]["Net"].__name__ == "Net"
        assert not list(user_modules.named_modules(TypeError("Dense.__init__() got it"), str(tmp_path)))  # fmt: skip
    finally:
        sys.modules.pop("nets_mod", None)


@pytest.mark.envs("tf221-k3")
def test_a_module_imported_in_a_cell_with_a_magic_is_imported_again(tmp_path: Path) -> None:
    """The cell that imports the module under another name also holds an IPython line
    (``%env``): after the module's fix for a later cell, that cell runs again, so the name it
    binds holds the corrected module (it did not when the magic kept the cell from parsing)."""
    root = project(tmp_path)
    cells = [
        "import numpy as np\nimport helpers.training as trainer\n%env TF_CPP_MIN_LOG_LEVEL=2",
        "from helpers import make_model\n" + CELLS[1].replace("train(", "trainer.train("),
    ]
    path = notebook(root / "course.ipynb", cells)
    proc, report = migrate_json(str(path), "-o", str(tmp_path / "out"), cwd=root)
    doc = document(report, "course.ipynb")
    assert doc["status"] == "migrated", doc["message"]
    assert {m["relative"] for m in doc["modules"]} == {"helpers/layers.py", "helpers/training.py"}
    assert not any(c["changed"] for c in doc["cells"])
    assert proc.returncode == 0


@pytest.mark.envs(*KERNEL_RULE_ENVS)
def test_a_cells_own_fixes_stay_when_a_module_it_imports_then_fails_unfixed(tmp_path: Path) -> None:
    """The cell's moved imports are corrected (each removed its error); the next error is raised
    in a module of the user's that imports a package not installed: the module's own change (its
    moved import, a line later) does not remove it and is undone, and the cell's corrections stay
    (they are progress, not the cause), so the copy written fails only where no change helps."""
    (tmp_path / "helper.py").write_text(
        "from package_not_installed_here import tool\nfrom keras.layers.core import Dense\n", encoding="utf-8"
    )
    script = tmp_path / "train.py"
    script.write_text(
        "from keras.layers.convolutional import Conv2D\nfrom keras.utils import np_utils\nimport helper\n",
        encoding="utf-8",
    )
    proc, report = migrate_json(str(script), "-o", str(tmp_path / "out"), cwd=tmp_path)
    doc = document(report, "train.py")
    assert doc["status"] == "stopped" and proc.returncode == 1
    written = (tmp_path / "out" / "train.py").read_text(encoding="utf-8")
    assert written.startswith("from keras.layers import Conv2D\n"), written
    assert "package_not_installed_here" in doc["message"]


COURSE_UTIL = {
    "util/__init__.py": "",
    "util/plots.py": (
        "from keras.layers.core import Dense\nfrom keras.models import Sequential\n\n\n"
        "def make_model():\n"
        '    return Sequential([Dense(3, activation="softmax", input_shape=(4,))])\n'
    ),
}
COURSE_CELLS = [
    "import sys\nsys.path.append('../')\nimport numpy as np\nfrom util.plots import make_model",
    "model = make_model()\nprint('units', model.layers[-1].units)",
]


@pytest.mark.envs("tf221-k3")
def test_a_course_notebooks_shared_package_a_folder_up_is_corrected_into_out_dir(tmp_path: Path) -> None:  # fmt: skip
    """A course's ``chapter1/lesson.ipynb`` reaches the repository's shared ``util`` package with
    ``sys.path.append('../')``: the package is the user's code, corrected in the kernel, and
    written at its import path in OUT_DIR with the package's other files (``util/__init__.py``),
    where the notebook's copy imports it from its own folder; the published package is left
    as it is and nothing is written outside OUT_DIR."""
    course = tmp_path / "course"
    for relative, text in COURSE_UTIL.items():
        (course / relative).parent.mkdir(parents=True, exist_ok=True)
        (course / relative).write_text(text, encoding="utf-8")
    (course / "chapter1").mkdir()
    path = notebook(course / "chapter1" / "lesson.ipynb", COURSE_CELLS)
    before = hashes(course)
    out = course / "chapter1" / "migrated"
    proc, report = migrate_json(str(path), "-o", str(out), cwd=course / "chapter1")
    doc = document(report, "lesson.ipynb")
    assert doc["status"] == "migrated", doc["message"]
    assert [(m["relative"], m["placed"], m["written"]) for m in doc["modules"]] == [
        ("../util/plots.py", "util/plots.py", True)
    ]
    assert doc["module_files"] == {"../util/__init__.py": "util/__init__.py"}
    assert "from keras.layers import Dense" in (out / "util" / "plots.py").read_text(encoding="utf-8")  # fmt: skip
    assert (out / "util" / "__init__.py").is_file() and proc.returncode == 0
    assert {k: v for k, v in hashes(course).items() if not k.startswith("chapter1/migrated")} == before  # fmt: skip
    script = "\n".join(["import os", f"os.chdir({str(out)!r})", *COURSE_CELLS])
    plain = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                           timeout=300, cwd=out)  # fmt: skip
    assert plain.returncode == 0 and "units 3" in plain.stdout, plain.stderr[-2000:]


def _left_ids(doc: dict, number: int) -> list[str]:
    cell = next(c for c in doc["cells"] if c["number"] == number)
    return [finding["id"] for finding in cell["left"]]


@pytest.mark.envs("tf221-k3")
def test_cells_after_a_stop_import_the_users_package_through_the_folder_the_code_added(tmp_path: Path) -> None:  # fmt: skip
    """The cells after the one where running stopped get static fixes; the user's package that
    an earlier cell's ``sys.path.append('../')`` reaches is theirs there too, never a package to
    install, while a module nobody provides still is."""
    course = tmp_path / "course"
    for relative, text in COURSE_UTIL.items():
        (course / relative).parent.mkdir(parents=True, exist_ok=True)
        (course / relative).write_text(text, encoding="utf-8")
    (course / "chapter1").mkdir()
    cells = [COURSE_CELLS[0].split("\nfrom")[0], "raise KeyError('stops here')",
             "from util.plots import make_model", "import nosuchpackage_kerasmagic_test"]  # fmt: skip
    path = notebook(course / "chapter1" / "lesson.ipynb", cells)
    _proc, report = migrate_json(str(path), "-o", str(tmp_path / "out"), cwd=course / "chapter1")
    doc = document(report, "lesson.ipynb")
    assert doc["status"] == "stopped" and doc["stopped_at"] == 2, doc["message"]
    assert _left_ids(doc, 3) == []
    assert _left_ids(doc, 4) == ["package-not-installed"]


@pytest.mark.envs(*KERNEL_RULE_ENVS)
def test_static_fixes_see_the_users_modules_beside_the_document(tmp_path: Path) -> None:
    path = notebook(project(tmp_path) / "nb.ipynb", [CELLS[0], "import nosuchpackage_kerasmagic_test"])  # fmt: skip
    _proc, report = migrate_json(str(path), "--static", "-o", str(tmp_path / "out"), cwd=tmp_path)
    doc = document(report, "nb.ipynb")
    assert _left_ids(doc, 1) == [] and _left_ids(doc, 2) == ["package-not-installed"]


@pytest.mark.envs("bare", "tf221-k3")
def test_static_fixes_never_import_the_users_module_named_like_keras(tmp_path: Path) -> None:
    """The document's folder is searched for the user's modules, last: a ``keras.py`` of theirs
    is never imported as the library (where no Keras is installed, it would be the only one)."""
    marker = tmp_path / "imported.txt"
    (tmp_path / "keras.py").write_text(f"open({str(marker)!r}, 'w').close()\n", encoding="utf-8")
    path = notebook(tmp_path / "nb.ipynb", ["import keras\nfrom keras.layers import Dense"])
    proc, report = migrate_json(str(path), "--static", "-o", str(tmp_path / "out"), cwd=tmp_path)
    assert document(report, "nb.ipynb")["status"] in ("unchanged", "migrated"), proc.stderr[-2000:]
    assert not marker.exists()


VAE_MODULE = '''import keras
from keras import layers


def build_vae(features, latent):
    inputs = keras.Input(shape=(features,))
    hidden = layers.Dense(8, activation="relu")(inputs)
    mean = layers.Dense(latent)(hidden)
    log_var = layers.Dense(latent)(hidden)
    code = layers.Lambda(lambda t: t[0] + keras.ops.exp(0.5 * t[1]))([mean, log_var])
    decoded = layers.Dense(features, activation="sigmoid")(code)
    vae = keras.Model(inputs, decoded)

    def elbo(x, x_decoded):
        rec = keras.losses.binary_crossentropy(x, x_decoded) * features
        kl = -0.5 * keras.ops.sum(1 + log_var - keras.ops.square(mean) - keras.ops.exp(log_var), axis=-1)
        return keras.ops.mean(rec + kl)

    vae.compile(optimizer="adam", loss=elbo)
    return vae
'''


@pytest.mark.envs("tf221-k3")
def test_a_loss_its_module_makes_from_the_models_tensors_is_corrected_there(tmp_path: Path) -> None:
    """The loss closes over a builder's tensors in a module of the user's; the script only
    trains. The traceback shows no frame of the module (AutoGraph runs a converted copy of the
    loss): the module is found through the live model the failing ``fit`` trained."""
    root = tmp_path / "project"
    root.mkdir()
    (root / "vae_parts.py").write_text(VAE_MODULE, encoding="utf-8")
    script = root / "train.py"
    script.write_text(
        "import numpy as np\nfrom vae_parts import build_vae\n\n"
        "data = np.random.rand(32, 6).astype('float32')\nvae = build_vae(6, 2)\n"
        "history = vae.fit(data, data, epochs=1, batch_size=8, verbose=0)\n"
        "print('trained', sorted(history.history))\n",
        encoding="utf-8",
    )
    proc, report = migrate_json(str(script), "-o", str(tmp_path / "out"), cwd=root)
    doc = document(report, "train.py")
    modules = {m["relative"]: m for m in doc["modules"]}
    assert set(modules) == {"vae_parts.py"}, doc["message"]
    ids = {r["id"] for ch in modules["vae_parts.py"]["changes"] for r in ch["rules"]}
    assert "keras3-loss-outer-tensors" in ids
    corrected = (tmp_path / "out" / "vae_parts.py").read_text(encoding="utf-8")
    assert "self.add_loss(keras.ops.mean(elbo(*inputs)))" in corrected and 'vae.compile(optimizer="adam")' in corrected
    plain = subprocess.run(
        [sys.executable, str(tmp_path / "out" / "train.py")], cwd=root, capture_output=True, text=True, timeout=300
    )
    assert plain.returncode == 0, plain.stderr[-2000:]
    assert "trained ['loss']" in plain.stdout


@pytest.mark.envs("tf221-k3", "k3-jax")
def test_a_module_in_the_encoding_its_coding_line_names_is_corrected_and_written_in_it(tmp_path: Path) -> None:  # fmt: skip
    """A user's module saved in GBK under ``# coding=gbk`` (read as UTF-8 it never decodes): its
    Keras 2 layer is corrected, the import the fix adds goes below the coding line, and the copy
    is written in GBK, its Chinese comment intact, so that the migrated script runs."""
    root = tmp_path / "project"
    root.mkdir()
    module = "# coding=gbk\n# 拼接层\nfrom keras import backend as K\nfrom keras.layers import Layer\n\n\nclass Join(Layer):\n    def call(self, inputs):\n        return K.concatenate([inputs, inputs])\n"  # fmt: skip
    (root / "blocks.py").write_bytes(module.encode("gbk"))
    script = root / "train.py"
    script.write_text(
        "import numpy as np\nimport keras\nfrom blocks import Join\n\n"
        "inp = keras.Input((3,))\nmodel = keras.Model(inp, Join()(inp))\n"
        "print(model.predict(np.ones((1, 3)), verbose=0).shape)\n",
        encoding="utf-8",
    )
    proc, report = migrate_json(str(script), "-o", str(tmp_path / "out"), cwd=root)
    doc = document(report, "train.py")
    assert doc["status"] == "migrated", doc["message"]
    written = (tmp_path / "out" / "blocks.py").read_bytes().decode("gbk")
    assert written.startswith("# coding=gbk\n") and "# 拼接层" in written
    assert "keras.ops.concatenate" in written
    plain = subprocess.run(
        [sys.executable, str(tmp_path / "out" / "train.py")], cwd=root, capture_output=True, text=True, timeout=300
    )  # fmt: skip
    assert plain.returncode == 0, plain.stderr[-2000:]
    assert "(1, 6)" in plain.stdout


GRAPH_MODE = {
    "nets.py": (
        "import tensorflow as tf\n"
        "tf.compat.v1.disable_eager_execution()\n"
        "from tensorflow import keras\n\n\n"
        "def trained(x, y):\n"
        "    net = keras.Sequential([keras.layers.Dense(1, input_shape=(3,))])\n"
        "    net.compile(optimizer='sgd', loss='mse')\n"
        "    net.fit(x, y, epochs=1, verbose=0)\n"
        "    return net\n"
    ),
}


@pytest.mark.envs(*KERNEL_RULE_ENVS)
def test_a_module_that_turned_eager_execution_off_runs_corrected_in_a_fresh_kernel(tmp_path: Path) -> None:  # fmt: skip
    """The module's import switched TensorFlow to graph mode, which no process can undo, and its
    function trains: its corrected source (the switch gone) runs in the fresh kernel the notebook
    goes on in."""
    root = tmp_path / "project"
    root.mkdir()
    (root / "nets.py").write_text(GRAPH_MODE["nets.py"], encoding="utf-8")
    cells = [
        "import numpy as np\nfrom nets import trained",
        "net = trained(np.ones((8, 3)), np.zeros((8, 1)))\n"
        "print('trained', net.predict(np.ones((2, 3)), verbose=0).shape)",
    ]
    path = notebook(root / "graph.ipynb", cells)
    proc, report = migrate_json(str(path), "-o", str(tmp_path / "out"), cwd=root)
    doc = document(report, "graph.ipynb")
    assert doc["status"] == "migrated", doc["message"]
    assert "disable_eager_execution" not in (tmp_path / "out" / "nets.py").read_text(encoding="utf-8")
    assert all(ch["verified"] for m in doc["modules"] for ch in m["changes"])
    assert proc.returncode == 0
