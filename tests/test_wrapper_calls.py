"""A file path handed to a Keras save or load through the user's own function or method defined in
an earlier cell (a reinforcement-learning agent's ``save(name)``/``load(name)``, a
``restore(model, path)`` helper): the path is renamed where the calling cell's value is made, and
the functions stay as written (diagnosis/wrapper_calls.py, rules/error_saving.py)."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest
from environments import KERNEL_RULE_ENVS
from migrate_helpers import document, migrate_json, notebook
from nbclient import NotebookClient

pytestmark = pytest.mark.envs(*KERNEL_RULE_ENVS)

AGENT = (
    "import numpy as np\nimport keras\n\n"
    "class Agent:\n"
    "    def __init__(self):\n"
    "        self.model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])\n"
    "    def save(self, name):\n"
    "        self.model.save_weights(name)\n"
    "    def load(self, name):\n"
    "        self.model.load_weights(name)\n\n"
    "def restore(model, path):\n"
    "    model.load_weights(path)\n"
    "    return model\n"
)


def test_keras_check_renames_what_the_cell_passes_to_an_earlier_cells_method(
    ipshell, tmp_path, monkeypatch
):
    monkeypatch.chdir(tmp_path)
    assert ipshell.run_cell(AGENT, store_history=True).success
    cell = "agent = Agent()\nagent.save('agent.h5')\nagent.load('agent.h5')\n"
    outcome = ipshell.run_cell("%%keras_check -o\n" + cell, store_history=True)
    result = outcome.result.result if hasattr(outcome.result, "result") else outcome.result
    assert result.fixed_source == (
        "agent = Agent()\nagent.save('agent.weights.h5')\nagent.load('agent.weights.h5')\n"
    ), result.fixed_source
    assert ipshell.run_cell(result.fixed_source, store_history=True).success
    assert sorted(p.name for p in tmp_path.iterdir()) == ["agent.weights.h5"]


CELLS = [
    AGENT,
    "WEIGHTS = 'agent_weights.h5'\nagent = Agent()\n",
    "agent.save(WEIGHTS)\n",
    "copy = restore(Agent().model, 'agent_weights.h5')\n"
    "print(np.allclose(copy.predict(np.ones((1, 3)), verbose=0),"
    " agent.model.predict(np.ones((1, 3)), verbose=0)))\n",
]


@pytest.mark.slow
def test_migrate_renames_the_path_where_it_is_made_not_in_the_functions(tmp_path: Path) -> None:
    path = notebook(tmp_path / "agent.ipynb", CELLS)
    proc, report = migrate_json(str(path), "-o", str(tmp_path / "migrated"))
    doc = document(report, "agent.ipynb")
    assert doc["status"] == "migrated", (doc["message"], proc.stderr[-2000:])
    cells = {c["number"]: c for c in doc["cells"]}
    assert cells[1]["final"] == AGENT  # the class and the helper as written
    assert cells[2]["final"].startswith("WEIGHTS = 'agent_weights.weights.h5'\n"), cells[2]
    assert cells[3]["final"] == CELLS[2]  # the save reads the renamed name
    assert "restore(Agent().model, 'agent_weights.weights.h5')" in cells[4]["final"], cells[4]
    assert [r["id"] for ch in cells[4]["changes"] for r in ch["rules"]] == ["load-of-renamed-save"]
    migrated = nbformat.read(str(tmp_path / "migrated" / "agent.ipynb"), as_version=4)
    run_dir = tmp_path / "plain"
    run_dir.mkdir()
    ran = NotebookClient(migrated, timeout=300, resources={"metadata": {"path": str(run_dir)}})
    ran.execute()
    assert sorted(p.name for p in run_dir.iterdir()) == ["agent_weights.weights.h5"]
    printed = "".join(o.get("text", "") for o in ran.nb.cells[-1].outputs)
    assert printed.strip().endswith("True"), ran.nb.cells[-1].outputs
