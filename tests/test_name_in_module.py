"""A ``NameError`` raised in the code of a module beside the notebook (a helper file whose ``from
keras.callbacks import *`` gave it ``K`` and ``np`` under Keras 2) is not fixed by an import in
the cell, which would not bind the name in the module's globals (``frames.looked_up_here``):
``migrate`` corrects the module (``origins.module_origin``). From the tuning arrival
yldlw__Cyclical-Learning-Rate."""

from __future__ import annotations

import importlib
import sys
from pathlib import Path

import pytest
from cell_helpers import keras3, run_as_cell

from kerasmagic.diagnosis.engine import diagnose
from kerasmagic.migrate import origins

HELPER = "from keras.callbacks import *\n\ndef smallest():\n    return K.epsilon()\n"


@keras3
def test_the_cell_gets_no_import_and_the_module_gets_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:  # fmt: skip
    (tmp_path / "helper_k.py").write_text(HELPER)
    monkeypatch.syspath_prepend(str(tmp_path))
    sys.modules.pop("helper_k", None)
    namespace: dict = {}
    run_as_cell("import helper_k\n", "<import>", namespace)
    cell = "print(helper_k.smallest())\n"
    with pytest.raises(NameError) as raised:
        run_as_cell(cell, "<cell>", namespace)
    result = diagnose(cell, raised.value, namespace=namespace, filename="<cell>", earlier=("import helper_k\n",))  # fmt: skip
    assert result.fixed_source is None, result.fixed_source  # no `import … as K` in the cell
    doc = origins.module_origin(raised.value, str(tmp_path))
    assert doc is not None and doc["imported"] == "helper_k.py"
    assert "from keras import backend as K" in doc["fixed_source"] or "import keras" in doc["fixed_source"]  # fmt: skip
    namespace_fixed: dict = {}
    exec(compile(doc["fixed_source"], str(tmp_path / "helper_k.py"), "exec"), namespace_fixed)
    assert namespace_fixed["smallest"]() > 0
    importlib.invalidate_caches()


@keras3
def test_a_name_a_function_of_an_earlier_cell_reads_is_still_imported_in_the_cell() -> None:
    """A function an earlier cell defines reads the cell's own globals: the import in the cell
    binds the name it looks up."""
    namespace: dict = {}
    run_as_cell("def smallest():\n    return K.epsilon()\n", "<def>", namespace)
    cell = "print(smallest())\n"
    with pytest.raises(NameError) as raised:
        run_as_cell(cell, "<cell>", namespace)
    result = diagnose(cell, raised.value, namespace=namespace, filename="<cell>", earlier=("def smallest():\n    return K.epsilon()\n",))  # fmt: skip
    assert result.fixed_source is not None and " as K\n" in result.fixed_source, result.fixed_source
