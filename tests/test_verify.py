"""The one verification of every corrected cell (diagnosis/verify.py): it must compile as
IPython compiles it, import only what resolves here, and show no problem left unfixed; a fix
into earlier cells (``migrate``) must compile there.

Written from the mutants of ``verify.py`` that ``tests/test_rewrite.py`` let through
(docs/mutation.md). Problems come from the real rules where one exists, else are built with the
edits under test.
"""

from __future__ import annotations

import pytest

from kerasmagic.diagnosis.context import CellContext
from kerasmagic.diagnosis.problem import Problem
from kerasmagic.diagnosis.rewrite import Edit, parse_cell
from kerasmagic.diagnosis.verify import compiles, corrected_across, corrected_cell, static_errors

pytestmark = pytest.mark.envs("tf221-k3", "tf215-k2")


def _edit(line: int, col: int, end_col: int, text: str, cell: int | None = None) -> Edit:
    return Edit(line, col, line, end_col, text, cell)


def test_a_future_import_after_code_compiles_as_ipython_runs_it():
    assert compiles(parse_cell("x = 1\nfrom __future__ import annotations\n"))
    assert not compiles(parse_cell("x = (\n"))
    assert not compiles(parse_cell("def f():\n    return\nreturn 1\n"))  # parses, cannot compile


def test_the_corrected_cell_of_the_real_rules():
    import keras  # noqa: F401  (the live names a kernel that imported Keras has)

    ctx = CellContext.of("from keras.layers.core import Dense\nd = Dense(2)\n")
    fixed, done = corrected_cell(ctx, static_errors(ctx))
    assert fixed == "from keras.layers import Dense\nd = Dense(2)\n"
    assert [p.id for p in done] == ["moved-module"]


def test_a_missing_package_beside_is_left_and_the_rest_fixed():
    """The import of a package not installed here is not the fix's to resolve: the moved module
    is still fixed, the other import left as it was."""
    import keras  # noqa: F401

    source = "import surely_not_installed_pkg_km\nfrom keras.layers.core import Dense\n"
    ctx = CellContext.of(source)
    problems = [p for p in static_errors(ctx) if p.certain and p.edits]
    fixed, _ = corrected_cell(ctx, problems)
    assert fixed == "import surely_not_installed_pkg_km\nfrom keras.layers import Dense\n"


def test_a_keras_import_no_rule_knows_is_left_and_the_rest_fixed():
    """A Keras import that cannot resolve and that no rule explains stays as it was: the fix of
    the moved module above it is progress, and running the cell shows the next import's error
    (where the rules that read the raising statement see it). An import the fix itself writes
    must still resolve."""
    import keras  # noqa: F401

    source = "from keras.layers.core import Dense\nfrom keras.layers import NoSuchLayerKm\nNoSuchLayerKm(Dense(2))\n"
    ctx = CellContext.of(source)
    problems = [p for p in static_errors(ctx) if p.certain and p.edits]
    fixed, _ = corrected_cell(ctx, problems)
    assert fixed == source.replace("keras.layers.core", "keras.layers")
    writes_bad = Problem("p", 1, "t", edits=[_edit(1, 0, 35, "from keras.layers import OtherNoSuchKm as Dense")])
    assert corrected_cell(ctx, [writes_bad])[0] is None


def test_nothing_to_fix_or_an_edit_that_breaks_the_cell_gives_no_corrected_cell():
    ctx = CellContext.of("x = 1\n")
    assert corrected_cell(ctx, []) == (None, [])
    unsure = Problem("p", 1, "t", edits=[_edit(1, 4, 5, "2")], certain=False)
    assert corrected_cell(ctx, [unsure]) == (None, [unsure])
    breaks = Problem("p", 1, "t", edits=[_edit(1, 4, 5, "(")])
    assert corrected_cell(ctx, [breaks])[0] is None
    unknown = Problem("p", 1, "t", edits=[_edit(1, 0, 5, "import surely_not_installed_pkg_km")])
    assert corrected_cell(ctx, [unknown])[0] is None
    works = Problem("p", 1, "t", edits=[_edit(1, 4, 5, "2")])
    assert corrected_cell(ctx, [works]) == ("x = 2\n", [works])


def test_a_value_changed_in_an_earlier_cell():
    earlier = ("path = 'w.h5'\n", "n = 1\n")
    ctx = CellContext.of("m.save_weights(path)\n", earlier=earlier)

    def change(*across: Edit) -> Problem:
        return Problem("p", 1, "t", across=list(across))

    into_first = _edit(1, 7, 13, "'w.weights.h5'", cell=0)
    assert corrected_across(ctx, [change(into_first)]) == (
        {0: "path = 'w.weights.h5'\n"},
        ctx.source,
    )
    assert corrected_across(ctx, [Problem("p", 1, "t")]) is None  # nothing across
    assert corrected_across(ctx, [change(_edit(1, 7, 13, "'w.h5'", cell=0))]) is None  # same
    assert corrected_across(ctx, [change(_edit(1, 0, 1, "n", cell=5))]) is None  # no such cell
    assert corrected_across(ctx, [change(_edit(1, 7, 13, "(", cell=0))]) is None  # breaks it
    # with an edit of this cell too, that cell must verify
    here_breaks = _edit(1, 0, 1, "(")
    assert corrected_across(ctx, [change(into_first, here_breaks)]) is None


def test_the_imports_that_certainly_do_not_resolve_here():
    from kerasmagic.diagnosis.verify import unresolved_imports

    cell = parse_cell(
        "import os, surely_not_installed_pkg_km\nfrom os import path, nothing_km\n"
        "from surely_km.sub import y\nfrom . import local\nfrom os import *\n"
    )
    assert unresolved_imports(cell) == [
        "surely_not_installed_pkg_km",
        "os.nothing_km",
        "surely_km.sub",
    ]
    assert unresolved_imports(parse_cell("x = (\n")) == ["<syntax>"]


def test_a_fix_that_reveals_the_next_problem_is_fixed_in_another_round():
    """An edit writing ``from keras.optimizers import adam`` reveals a typo, fixed in the next
    round and counted among the problems done (the cell only imports it: the name it bound stays
    bound, for the cells after it); one revealing a missing package is refused."""
    import keras  # noqa: F401

    ctx = CellContext.of("x = 1\n")
    typo = Problem("p", 1, "t", edits=[_edit(1, 0, 5, "from keras.optimizers import adam")])
    fixed, done = corrected_cell(ctx, [typo])
    assert fixed == "from keras.optimizers import Adam as adam\n"
    assert [p.id for p in done] == ["p", "name-typo"]
    missing = Problem("p", 1, "t", edits=[_edit(1, 0, 5, "import surely_not_installed_pkg_km")])
    assert corrected_cell(ctx, [missing]) == (None, [missing])
