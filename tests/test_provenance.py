"""Value provenance (diagnosis/provenance.py, value_change.py): where an argument's value is made,
in the cell or an earlier one, and the edits that change it there."""

from __future__ import annotations

import ast
import os

from kerasmagic.diagnosis.context import CellContext
from kerasmagic.diagnosis.provenance import origins
from kerasmagic.diagnosis.rewrite import apply_edits
from kerasmagic.diagnosis.value_change import rewrite
from kerasmagic.diagnosis.value_transforms import Transform, suffix_transform, wrap_transform

WEIGHTS = suffix_transform(".weights.h5", (".h5", ".hdf5", ".ckpt"))


def _arg(ctx: CellContext, method: str) -> ast.expr:
    call = next(
        n
        for n in ast.walk(ctx.cell.tree)
        if isinstance(n, ast.Call) and getattr(n.func, "attr", getattr(n.func, "id", "")) == method
    )
    return call.args[0]


def _fixed(ctx: CellContext, method: str, transform=WEIGHTS) -> tuple[str, list[str], str]:
    change = rewrite(ctx, _arg(ctx, method), transform)
    assert change is not None
    here = apply_edits(ctx.source, change.edits)
    earlier = [apply_edits(s, change.across, cell=i) for i, s in enumerate(ctx.earlier)]
    return here, earlier, apply_edits(ctx.source, change.across)


def _value(source: str, name: str) -> object:
    ns: dict = {}
    exec(source, ns)
    return ns[name]


def test_literal_argument_is_its_own_origin():
    ctx = CellContext.of("m.save_weights('w.h5')\n")
    here, _, _ = _fixed(ctx, "save_weights")
    assert here == "m.save_weights('w.weights.h5')\n"


def test_assignment_in_an_earlier_cell_rebinds_at_the_top_and_edits_across():
    ctx = CellContext.of("m.save_weights(path)\n", earlier=("import os\n", "path = 'out/w.h5'\n"))
    here, earlier, across_here = _fixed(ctx, "save_weights")
    assert here == "path = 'out/w.weights.h5'\nm.save_weights(path)\n"
    assert earlier == ["import os\n", "path = 'out/w.weights.h5'\n"]
    assert across_here == ctx.source  # the use is left alone: the origin changed


def test_two_changes_of_one_value_made_earlier_meet_in_one_binding():
    """Two rules change the same earlier literal (its suffix, a log key inside it): the origin
    gets both, and the corrected cell binds the name once, with both."""
    ctx = CellContext.of("ModelCheckpoint(f)\n", earlier=("f = 'w-{val_acc:.4f}.hdf5'\n",))
    keras_suffix = suffix_transform(".keras", (".h5", ".hdf5"))
    key = Transform("name the key", literal=lambda text: text.replace("val_acc", "val_accuracy"))
    changes = [rewrite(ctx, _arg(ctx, "ModelCheckpoint"), t) for t in (key, keras_suffix)]
    assert all(changes)
    here = apply_edits(ctx.source, [e for c in changes for e in c.edits])
    assert here == "f = 'w-{val_accuracy:.4f}.keras'\nModelCheckpoint(f)\n"
    earlier = apply_edits(ctx.earlier[0], [e for c in changes for e in c.across], cell=0)
    assert earlier == "f = 'w-{val_accuracy:.4f}.keras'\n"


def test_last_assignment_before_the_use_across_cells():
    ctx = CellContext.of(
        "path = base + '_v2.h5'\nm.save_weights(path)\n",
        earlier=("path = 'a.h5'\n", "path = 'b.h5'\nbase = 'c'\n"),
    )
    found = origins(ctx, _arg(ctx, "save_weights"))
    assert [o.cell for o in found] == [None]
    assert found[0].literal.value == "_v2.h5"
    ctx = CellContext.of("m.save_weights(path)\n", earlier=("path = 'a.h5'\n", "path = 'b.h5'\n"))
    assert [(o.cell, o.literal.value) for o in origins(ctx, _arg(ctx, "save_weights"))] == [
        (1, "b.h5")
    ]


def test_fstring_format_percent_plus_join_and_pathlib():
    earlier = (
        "import os, pathlib\nd = 'ckpt'\n"
        "a = f'{d}/w_{3}.h5'\nb = 'w_{}.h5'.format(3)\nc = 'w_%d.h5' % 3\n"
        "e = d + '/w.h5'\ng = os.path.join(d, 'w.h5')\nh = pathlib.Path(d) / 'w.h5'\n",
    )
    for name in "abcegh":
        ctx = CellContext.of(f"m.save_weights({name})\n", earlier=earlier)
        change = rewrite(ctx, _arg(ctx, "save_weights"), WEIGHTS)
        assert change is not None, name
        fixed = apply_edits(earlier[0], change.across, cell=0)
        value = str(_value(fixed, name))
        assert value.endswith(".weights.h5") and not value.endswith(".h5.weights.h5"), (name, value)
        # the corrected cell alone, run after the earlier cell as it was, binds the new value
        alone = apply_edits(ctx.source, change.edits).replace("m.save_weights", "_ = str")
        assert str(_value(earlier[0] + alone, name)).endswith(".weights.h5"), name


def test_a_parameter_is_followed_to_every_call():
    ctx = CellContext.of(
        "def keep(m, name):\n    m.save_weights(name)\nkeep(a, 'x.h5')\nkeep(b, name='y.h5')\n"
    )
    here, _, _ = _fixed(ctx, "save_weights")
    assert "keep(a, 'x.weights.h5')" in here and "name='y.weights.h5'" in here


def test_a_parameter_left_to_its_default_is_changed_in_the_signature():
    """``def main(name='w.h5')`` called as ``main()``: the value is the signature's default, changed
    there once, whatever number of calls leave it to it; a call passing its own gets it too."""
    ctx = CellContext.of(
        "def keep(m, name='w.h5', *, other='z.h5'):\n    m.save_weights(name)\n"
        "keep(a)\nkeep(b)\nkeep(c, 'y.h5')\n"
    )
    here, _, _ = _fixed(ctx, "save_weights")
    assert "name='w.weights.h5'" in here and "keep(c, 'y.weights.h5')" in here
    assert "other='z.h5'" in here  # another parameter's default is not the value


def test_a_loops_unpacked_names_are_followed_to_their_column():
    """``for name, epochs in [('w.h5', 1), …]`` (a search over settings): ``name``'s values are
    the rows' first column; ``zip`` of displays and ``enumerate`` of one are read the same way."""
    for loop, changed in [
        ("for name, e in [('w.h5', 1), ('v.h5', 2)]:\n", ("('w.weights.h5', 1)", "('v.weights.h5', 2)")),
        ("for e, name in zip([1, 2], ['w.h5', 'v.h5']):\n", ("['w.weights.h5', 'v.weights.h5']",)),
        ("for e, name in enumerate(['w.h5']):\n", ("enumerate(['w.weights.h5'])",)),
    ]:
        ctx = CellContext.of(loop + "    m.save_weights(name)\n")
        here, _, _ = _fixed(ctx, "save_weights")
        assert all(c in here for c in changed), here
    ctx = CellContext.of("for name, e in rows:\n    m.save_weights(name)\n")
    assert rewrite(ctx, _arg(ctx, "save_weights"), WEIGHTS) is None  # rows not written out


def test_a_loop_over_a_named_sequence_follows_it_to_its_display():
    """``for name in names`` with ``names = [...]`` in this cell or cells before (a search over
    settings set up once): each value is the display's element, changed where it is written;
    from an earlier cell, the corrected cell binds the sequence again, with every change."""
    ctx = CellContext.of("names = ['w.h5', 'v.h5']\nfor name in names:\n    m.save_weights(name)\n")
    here, _, _ = _fixed(ctx, "save_weights")
    assert here.startswith("names = ['w.weights.h5', 'v.weights.h5']\n"), here
    loop = "for e, name in zip(epochs, names):\n    m.save_weights(name)\n"
    earlier = ("names = ['w.h5', 'v.h5']\nepochs = [1, 2]\n",)
    live = {"names": ["w.h5", "v.h5"], "epochs": [1, 2]}
    ctx = CellContext.of(loop, earlier=earlier, namespace=live)
    here, earlier_fixed, _ = _fixed(ctx, "save_weights")
    assert here == "names = ['w.weights.h5', 'v.weights.h5']\n" + loop, here
    assert earlier_fixed == ["names = ['w.weights.h5', 'v.weights.h5']\nepochs = [1, 2]\n"]
    found = origins(ctx, _arg(ctx, "save_weights"))
    assert [o.value.value for o in found] == ["w.h5", "v.h5"] and all(o.element for o in found)
    other = CellContext.of(loop, earlier=earlier, namespace={**live, "names": ["x.ckpt"]})
    assert origins(other, _arg(other, "save_weights")) == []  # the kernel holds another list
    unknown = CellContext.of(loop, earlier=("names = pick()\n",))
    assert origins(unknown, _arg(unknown, "save_weights")) == []


def test_unknown_origins_give_nothing():
    for earlier, cell in [
        (("for path in ['a.h5']:\n    pass\n",), "m.save_weights(path)\n"),  # a loop's target
        (("path = pick()\n",), "m.save_weights(path)\n"),  # a call's result: no literal
        ((), "m.save_weights(path)\n"),  # never bound
        (("from conf import path\n",), "m.save_weights(path)\n"),
    ]:
        ctx = CellContext.of(cell, earlier=earlier)
        assert rewrite(ctx, _arg(ctx, "save_weights"), WEIGHTS) is None, earlier


def test_the_live_value_must_agree_with_the_source():
    earlier = ("path = 'a.h5'\n",)
    ctx = CellContext.of("m.save_weights(path)\n", namespace={"path": "a.h5"}, earlier=earlier)
    assert origins(ctx, _arg(ctx, "save_weights"))
    ctx = CellContext.of("m.save_weights(path)\n", namespace={"path": "z.ckpt"}, earlier=earlier)
    assert origins(ctx, _arg(ctx, "save_weights")) == []


def test_a_changed_input_rebinds_with_the_live_value_or_the_name():
    earlier = ("d = 'a'\npath = d + '/w.h5'\n", "d = 'b'\n")
    ctx = CellContext.of("m.save_weights(path)\n", namespace={"path": "a/w.h5"}, earlier=earlier)
    here, _, _ = _fixed(ctx, "save_weights")
    assert here.startswith("path = 'a/w.weights.h5'\n")
    ctx = CellContext.of("m.save_weights(path)\n", earlier=earlier)
    here, _, _ = _fixed(ctx, "save_weights")
    assert _value("path = 'a/w.h5'\n" + here.replace("m.save_weights", "_ = str"), "path") == (
        "a/w.weights.h5"
    )


def test_wrap_a_count_computed_earlier():
    ctx = CellContext.of("Dense(n)\n", earlier=("import numpy as np\nn = np.max([1, 2]) + 1\n",))
    change = rewrite(ctx, _arg(ctx, "Dense"), wrap_transform("int"))
    assert change is not None
    assert apply_edits(ctx.source, change.edits) == "n = int(n)\nDense(n)\n"
    assert apply_edits(ctx.earlier[0], change.across, cell=0).endswith(
        "n = int(np.max([1, 2]) + 1)\n"
    )


def test_what_binds_a_name_otherwise_gives_no_origin():
    """A loop's target or a ``with … as`` name, in an earlier cell or this one (outside the
    loop), has no origin; only a use inside a loop over a display follows the loop's values."""
    for earlier, cell in [
        (("for path in ['a.h5']:\n    pass\n",), "m.save_weights(path)\n"),
        (("with open('f') as path:\n    pass\n",), "m.save_weights(path)\n"),
        ((), "for path in ['a.h5', 'b.h5']:\n    pass\nm.save_weights(path)\n"),
    ]:
        ctx = CellContext.of(cell, earlier=earlier)
        assert origins(ctx, _arg(ctx, "save_weights")) == [], (earlier, cell)
    ctx = CellContext.of("for path in ['a.h5', 'b.h5']:\n    m.save_weights(path)\n")
    assert [o.literal.value for o in origins(ctx, _arg(ctx, "save_weights"))] == ["a.h5", "b.h5"]


def test_the_innermost_function_holds_the_parameter():
    ctx = CellContext.of(
        "def outer(p):\n"
        "    def inner(path):\n"
        "        m.save_weights(path)\n"
        "    inner('w.h5')\n"
        "outer('x')\n"
    )
    assert [o.literal.value for o in origins(ctx, _arg(ctx, "save_weights"))] == ["w.h5"]


def test_a_name_the_live_namespace_lacks_has_no_origin():
    """The earlier cell's assignment never ran (the namespace has no ``path``): the source
    misleads, nothing is followed."""
    ctx = CellContext.of(
        "m.save_weights(path)\n", namespace={"m": object()}, earlier=("path = 'a.h5'\n",)
    )
    assert origins(ctx, _arg(ctx, "save_weights")) == []


MODEL = suffix_transform(".keras", (".h5", ".hdf5"))


def test_a_name_that_is_also_part_of_another_path_is_changed_where_it_is_used():
    # NAME also names a folder (CHECKPOINTS + NAME + '/'): a new suffix at its origin would move
    # the folder too, so the saved path gets it where it is used, and NAME keeps its value
    ctx = CellContext.of(
        "m.save(DIR + NAME)\n",
        earlier=("DIR = 'out/'\nNAME = 'cnn'\nCHECKPOINTS = DIR + NAME + '/'\n",),
    )
    here, earlier, across_here = _fixed(ctx, "save", MODEL)
    assert here == across_here == "m.save(DIR + NAME + '.keras')\n"
    assert earlier == list(ctx.earlier)
    joined = CellContext.of(
        "m.save_weights(os.path.join(DIR, NAME + '.h5'))\n",
        earlier=("NAME = 'cnn'\nLOGS = f'{NAME}/logs'\n",),
    )
    here, earlier, _ = _fixed(joined, "save_weights")
    assert here == "m.save_weights(os.path.join(DIR, NAME + '.weights.h5'))\n"
    assert earlier == list(joined.earlier)


def test_a_name_used_whole_elsewhere_is_still_changed_at_its_origin():
    # the same file loaded again, its folder read: the value changes where it is made (bound
    # again at the top here, since a cell read it after), not at the use
    ctx = CellContext.of(
        "m.save(path)\n",
        earlier=("path = 'out/cnn.h5'\nfolder = os.path.dirname(path)\nm2 = load(path)\n",),
    )
    here, _earlier, _ = _fixed(ctx, "save", MODEL)
    assert here == "path = 'out/cnn.keras'\nm.save(path)\n"


MAKER = "import os\ndef weights_path(name):\n    return os.path.join('weights', name + '.h5')\n"


def test_a_path_returned_by_an_earlier_cells_function_changes_in_its_return():
    """``m.save_weights(weights_path('a'))``: the value is made in the function's ``return``;
    the corrected cell defines the function again, changed, and migrate changes its cell."""
    namespace = {"weights_path": _value(MAKER, "weights_path")}
    ctx = CellContext.of("m.save_weights(weights_path('a'))\n", namespace=namespace, earlier=(MAKER,))
    change = rewrite(ctx, _arg(ctx, "save_weights"), WEIGHTS)
    assert change is not None and "makes the value in its `return`" in change.note
    here, earlier, across_here = _fixed(ctx, "save_weights")
    redefined = here.split("m.save_weights")[0]
    assert _value("import os\n" + redefined, "weights_path")("a") == os.path.join("weights", "a.weights.h5")
    assert earlier == [MAKER.replace("'.h5'", "'.weights.h5'")]
    assert across_here == ctx.source


def test_a_path_returned_by_a_function_of_the_same_cell_changes_there():
    ctx = CellContext.of(MAKER + "m.save_weights(weights_path('a'))\n")
    here, _, _ = _fixed(ctx, "save_weights")
    assert here == MAKER.replace("'.h5'", "'.weights.h5'") + "m.save_weights(weights_path('a'))\n"


def test_a_function_is_followed_only_where_its_value_is_certain():
    """Not followed: a function of several returns, a decorated one, one another cell bound
    again to something else, a name an earlier cell bound from the call (it holds the old value:
    the rule changes it where it is used instead), a function the kernel holds otherwise."""
    two = "def p(n):\n    if n:\n        return n + '.h5'\n    return 'x.h5'\n"
    decorated = "import functools\n@functools.lru_cache\ndef p(n):\n    return n + '.h5'\n"
    plain = "def p(n):\n    return n + '.h5'\n"
    for earlier, cell in [
        ((two,), "m.save_weights(p('a'))\n"),
        ((decorated,), "m.save_weights(p('a'))\n"),
        ((plain, "p = str\n"), "m.save_weights(p('a'))\n"),
        ((plain, "q = p('a')\n"), "m.save_weights(q)\n"),
    ]:
        ctx = CellContext.of(cell, namespace={"p": _value(plain, "p"), "q": "a.h5"}, earlier=earlier)
        assert rewrite(ctx, _arg(ctx, "save_weights"), WEIGHTS) is None, earlier
    ctx = CellContext.of("m.save_weights(p('a'))\n", namespace={"p": len}, earlier=(plain,))
    assert rewrite(ctx, _arg(ctx, "save_weights"), WEIGHTS) is None
    ctx = CellContext.of("m.save_weights(p('a'))\n", namespace={"p": _value(plain, "p")}, earlier=(plain,))
    assert origins(ctx, _arg(ctx, "save_weights"))[0].literal is None  # only when asked: calls=True
