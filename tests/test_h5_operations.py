"""A functional model built with Keras 2 backend calls on its tensors, saved to ``.h5`` cells
before it is loaded (rules/error_h5_operations.py): migrate turns ``K.abs`` into ``keras.ops.abs``,
which Keras 3 records as an operation node its HDF5 loader cannot rebuild ("Unknown layer:
'Absolute'"). The save, in an earlier cell, writes ``.keras`` instead; the load of the same
literal reads the file the corrected save wrote (the stale ``.h5`` of the first run is older);
the migrated copy runs with plain nbclient and the loaded model predicts what the saved one did."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest
from environments import KERNEL_RULE_ENVS
from kernel_helpers import Kernel, fixed_source, printed
from migrate_helpers import migrate_notebook, rule_ids
from nbclient import NotebookClient

from kerasmagic.render.base import REPORT_JSON

CELLS = [
    "import numpy as np\nfrom keras import backend as K\nfrom keras.layers import Input, Dense\n"
    "from keras.models import Model, load_model",
    "a = Input((4,))\nt = Input((1,))\n"
    "y = Dense(1, kernel_initializer='ones', bias_initializer='zeros')(a)\n"
    "model = Model([a, t], K.abs(y - t))\n"
    "x = [np.ones((2, 4)), np.full((2, 1), 9.0)]\nprint('saved', model.predict(x, verbose=0).ravel())",
    "model.save('distance.h5')",
    "again = load_model('distance.h5')\nprint('loaded', again.predict(x, verbose=0).ravel())",
]


@pytest.mark.envs(*KERNEL_RULE_ENVS)
def test_a_saved_model_with_operations_is_written_as_keras(tmp_path: Path) -> None:
    proc, doc = migrate_notebook(tmp_path, "distance.ipynb", CELLS)
    assert doc["status"] == "migrated", doc["message"]
    assert {"h5-cannot-hold-operations", "load-of-renamed-save"} <= rule_ids(doc)
    finals = [c["final"] for c in doc["cells"]]
    assert finals[2] == "model.save('distance.keras')", finals[2]
    assert finals[3].startswith("again = load_model('distance.keras')"), finals[3]
    migrated = nbformat.read(str(tmp_path / "out" / "distance.ipynb"), as_version=4)
    run_dir = tmp_path / "plain"
    run_dir.mkdir()
    NotebookClient(migrated, timeout=600, resources={"metadata": {"path": str(run_dir)}}).execute()
    printed = "".join(o.get("text", "") for c in migrated.cells for o in c.get("outputs", []))
    assert "saved [5. 5.]" in printed and "loaded [5. 5.]" in printed, printed
    assert proc.returncode == 0


@pytest.mark.envs(*KERNEL_RULE_ENVS)
def test_check_explains_a_load_whose_save_was_an_earlier_cell(kernel: Kernel) -> None:
    """``%%keras_check`` on the load alone: the save that wrote the file is in the kernel's
    history, so the cell gets the cause and the save's cell corrected (``earlier_fix``), not a
    rewrite of itself; once that cell ran, the load checked again reads what it wrote."""
    assert printed(kernel.run("%load_ext kerasmagic")) == ""
    printed(kernel.run("import os, tempfile\nos.chdir(tempfile.mkdtemp())"))  # the file it saves
    for cell in ("import keras", CELLS[0], CELLS[1].replace("K.abs", "keras.ops.abs"), CELLS[2]):
        printed(kernel.run(cell))
    outputs = kernel.run("%%keras_check\n" + CELLS[3])
    assert fixed_source(outputs) is None
    report = next(o["data"][REPORT_JSON] for o in outputs if REPORT_JSON in o.get("data", {}))
    found = [s for s in report["suggestions"] if s["id"] == "h5-cannot-hold-operations"]
    assert found and "earlier cell" in found[0]["fix"], report["suggestions"]
    earlier = report["earlier_fix"]  # the save's cell, corrected (diagnosis/earlier_cause.py)
    assert earlier["source"].strip() == CELLS[2].strip(), earlier
    printed(kernel.run(earlier["fixed_source"]))
    # the load of the old name, checked again, reads what the corrected save wrote
    load = fixed_source(kernel.run("%%keras_check\n" + CELLS[3]))
    assert load is not None and ".keras" in load, load
    assert "loaded [5. 5.]" in printed(kernel.run(load))
