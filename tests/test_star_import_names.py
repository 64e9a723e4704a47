"""A name a star import of a Keras module no longer gives (rules/error_star_import_name.py): the
star import in an earlier cell, the NameError in this one; diagnosed in-process with the cells
before it, as ``%%keras_check`` sees the kernel's history."""

from __future__ import annotations

import importlib.util

import pytest

from kerasmagic.diagnosis.engine import diagnose

keras3 = pytest.mark.skipif(
    importlib.util.find_spec("keras") is None
    or not __import__("keras").__version__.startswith("3"),
    reason="needs Keras 3",
)


@keras3
def test_a_star_import_cells_earlier_gets_the_name_imported_where_it_lives():
    earlier = "from keras.optimizers import *\n"
    cell = "opt = rmsprop(learning_rate=0.01)\nprint(type(opt).__name__)\n"
    namespace: dict = {}
    exec(compile(earlier, "<cell1>", "exec"), namespace)
    with pytest.raises(NameError) as raised:
        exec(compile(cell, "<cell2>", "exec"), namespace)
    result = diagnose(cell, raised.value, namespace=namespace, earlier=(earlier,))
    assert [s.id for s in result.suggestions][:1] == ["star-import-name-gone"]
    assert result.fixed_source.startswith("from keras.optimizers import RMSprop as rmsprop\n")
    exec(compile(result.fixed_source, "<fixed>", "exec"), namespace)
    assert type(namespace["opt"]).__name__ == "RMSprop"


@keras3
def test_no_finding_when_no_star_import_of_a_keras_module_is_in_view():
    cell = "opt = rmsprop(learning_rate=0.01)\n"
    with pytest.raises(NameError) as raised:
        exec(compile(cell, "<cell>", "exec"), {})
    result = diagnose(cell, raised.value, namespace={}, earlier=("from math import *\n",))
    assert "star-import-name-gone" not in [s.id for s in result.suggestions]
