"""The value an argument is known to have, however it is written (diagnosis/known_values.py):
written in the call, bound to a name cells earlier (the kernel holds it), a member of a settings
object or dict, or assigned earlier in the same cell; unknown for anything computed or bound
otherwise. In every environment: nothing here needs Keras."""

from __future__ import annotations

import argparse
import ast
import math

import pytest

from kerasmagic.diagnosis.context import CellContext
from kerasmagic.diagnosis.known_values import MISSING, known_value


def _value_of(source: str, keyword: str, namespace: dict | None = None) -> object:
    ctx = CellContext.of(source, namespace=namespace or {})
    kw = next(k for n in ast.walk(ctx.cell.tree) if isinstance(n, ast.Call) for k in n.keywords if k.arg == keyword)  # fmt: skip
    return known_value(ctx, kw.value)


class Settings:
    def __init__(self) -> None:
        self.period = 5

    @property
    def computed(self) -> int:  # never run: a property is not an own attribute
        raise AssertionError("a property of the user's ran")


@pytest.mark.parametrize(
    ("source", "keyword", "namespace", "expected"),
    [
        ("cb = ModelCheckpoint('w.h5', period=1)", "period", None, 1),
        ("opt = Adam(epsilon=None)", "epsilon", None, None),
        ("pool = MaxPooling2D(pool_size=(2, 2), dim_ordering='tf')", "dim_ordering", None, "tf"),
        ("x = f(shift=-3)", "shift", None, -3),
        # bound cells earlier: what the kernel holds
        ("cb = ModelCheckpoint('w.h5', period=every)", "period", {"every": 1}, 1),
        ("np.set_printoptions(threshold=t)", "threshold", {"t": "nan"}, "nan"),
        ("cb = ModelCheckpoint('w.h5', period=args.period)", "period", {"args": argparse.Namespace(period=2)}, 2),
        ("cb = ModelCheckpoint('w.h5', period=cfg['period'])", "period", {"cfg": {"period": 3}}, 3),
        ("cb = ModelCheckpoint('w.h5', period=s.period)", "period", {"s": Settings()}, 5),
        ("model.compile(metrics=which)", "metrics", {"which": ["accuracy", "mae"]}, ["accuracy", "mae"]),
        # bound earlier in the same cell: its literal, whatever the kernel holds from a run before
        ("every = 4\ncb = ModelCheckpoint('w.h5', period=every)", "period", {"every": 1}, 4),
        ("cfg = {}\ncfg['p'] = 2\ncb = ModelCheckpoint('w.h5', period=cfg['p'])", "period", None, 2),
    ],
)
def test_known(source: str, keyword: str, namespace: dict | None, expected: object) -> None:
    assert _value_of(source, keyword, namespace) == expected


@pytest.mark.parametrize(
    ("source", "namespace"),
    [
        ("cb = ModelCheckpoint('w.h5', period=every)", {}),  # bound nowhere in view
        ("cb = ModelCheckpoint('w.h5', period=n_epochs // 2)", {"n_epochs": 4}),  # computed
        ("cb = ModelCheckpoint('w.h5', period=pick())", {"pick": lambda: 1}),  # a call: never run
        ("cb = ModelCheckpoint('w.h5', period=s.computed)", {"s": Settings()}),  # a property
        ("cb = ModelCheckpoint('w.h5', period=model)", {"model": object()}),  # not a plain value
        ("every = pick()\ncb = ModelCheckpoint('w.h5', period=every)", {"every": 1}),
        ("for every in (1, 2):\n    cb = ModelCheckpoint('w.h5', period=every)", {"every": 1}),
        ("every = 1\nevery, k = f()\ncb = ModelCheckpoint('w.h5', period=every)", {"every": 1}),
        ("every, *rest = 1, 2, 3\ncb = ModelCheckpoint('w.h5', period=every)", {"every": 1}),  # starred
        ("every, k = 1, 2, 3\ncb = ModelCheckpoint('w.h5', period=every)", {"every": 1}),  # lengths differ
        ("cb = ModelCheckpoint('w.h5', period=every)\nevery = 1", {"every": 7}),  # bound after
    ],
)
def test_unknown(source: str, namespace: dict) -> None:
    assert _value_of(source, "period", namespace) is MISSING


def test_a_nan_float_bound_earlier() -> None:
    value = _value_of("np.set_printoptions(threshold=t)", "threshold", {"t": float("nan")})
    assert isinstance(value, float) and math.isnan(value)


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("def main():\n    every = 2\n    cb = ModelCheckpoint('w.h5', period=every)", 2),
        ("every = 9\ndef main():\n    every = 2\n    cb = ModelCheckpoint('w.h5', period=every)", 2),
        ("def main(every):\n    cb = ModelCheckpoint('w.h5', period=every)", MISSING),  # a parameter
        ("def main():\n    every = pick()\n    cb = ModelCheckpoint('w.h5', period=every)", MISSING),
        ("def main():\n    for every in (1, 2):\n        cb = ModelCheckpoint('w.h5', period=every)", MISSING),
    ],
)
def test_a_local_of_the_function_the_use_is_in(source: str, expected: object) -> None:
    """A script's ``main()`` binds the value itself: its own statements, whatever the kernel
    holds under that name."""
    assert _value_of(source, "period", {"every": 7}) == expected


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        ("{'a': 1, 'period': 1, 'b': 2}", "{'a': 1, 'b': 2}"),
        ("{'a': 1, 'period': 1}", "{'a': 1}"),
        ("{'period': 1}", "{}"),
        ("dict(a=1, period=1)", "dict(a=1)"),
        ("dict(period=1, a=1)", "dict(a=1)"),
        ("{\n    'a': 1,\n    'period': 1,\n}", "{\n    'a': 1,\n}"),  # its layout kept
        ("{'a': 1}", None),  # no such entry
        ("{**base, 'period': 1}", None),  # merged with another dict: not followed
    ],
)
def test_an_entry_is_taken_out_of_the_dict_where_it_is_made(written: str, expected: str | None) -> None:
    from kerasmagic.diagnosis.keyword_dicts import dropped_key

    assert dropped_key("period", "lose `period`").value(written, None) == expected


def _value_at_failure(source: str) -> object:
    """Run ``source`` for real (its ``fail`` raises), then read ``period=`` as a diagnosis would."""
    namespace: dict = {"fail": _fail, "argparse": argparse}
    try:
        exec(compile(source, "<cell>", "exec"), namespace)
    except RuntimeError as exc:
        ctx = CellContext.of(source, namespace=namespace, exc=exc, filename="<cell>")
    else:
        raise AssertionError("the cell did not fail")
    calls = [n for n in ast.walk(ctx.cell.tree) if isinstance(n, ast.Call)]
    kw = next(k for c in calls for k in c.keywords if k.arg == "period")
    return known_value(ctx, kw.value)


def _fail(**_: object) -> None:
    raise RuntimeError("unexpected keyword argument 'period'")


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        # bound in the cell by a call (a parser's options): what the raising statement was given
        ("p = argparse.ArgumentParser()\np.add_argument('--period', default=3)\nargs = p.parse_args([])\nfail(period=args.period)", 3),  # fmt: skip
        # a loop's variable: its value when the call raised (the first round)
        ("for every in (2, 4):\n    fail(period=every)", 2),
        # inside a function of the cell: the raising frame's locals
        ("def main():\n    every = int('5')\n    fail(period=every)\nmain()", 5),
    ],
)
def test_the_raising_statement_reads_what_it_was_given(source: str, expected: object) -> None:
    assert _value_at_failure(source) == expected


def test_another_statement_is_not_read_from_the_failure() -> None:
    """A use that did not raise is not known from the namespace left by the failure: the name
    may have held something else when it ran."""
    source = "every = int('7')\nx = dict(period=every)\nevery = 1\nfail(other=every)"
    namespace: dict = {"fail": _fail}
    with pytest.raises(RuntimeError) as info:
        exec(compile(source, "<cell>", "exec"), namespace)
    ctx = CellContext.of(source, namespace=namespace, exc=info.value, filename="<cell>")
    kw = next(k for n in ast.walk(ctx.cell.tree) if isinstance(n, ast.Call) for k in n.keywords if k.arg == "period")  # fmt: skip
    assert known_value(ctx, kw.value) is MISSING


def _calls_back(function: object) -> None:
    """A library calling the cell's own function back (Keras calling a loss of the notebook)."""
    function()  # type: ignore[operator]


def test_every_frame_of_the_cell_that_raised_is_read_the_inner_over_the_outer() -> None:
    """``main`` makes ``model`` and hands the library a function of its own, which raises: the
    names of both frames are known, the inner frame's where both bind one."""
    source = (
        "def main():\n    model, shared = 'the model', 'outer'\n"
        "    def loss():\n        y_true, shared = 'targets', 'inner'\n        raise ValueError(y_true)\n"
        "    calls_back(loss)\nmain()\n"
    )
    namespace: dict = {"calls_back": _calls_back}
    with pytest.raises(ValueError) as info:
        exec(compile(source, "<cell>", "exec"), namespace)
    names = CellContext.of(source, namespace=namespace, exc=info.value, filename="<cell>").live_names
    assert (names["model"], names["y_true"], names["shared"]) == ("the model", "targets", "inner")


def test_a_later_cell_is_read_as_its_own_statements_then_the_kernel() -> None:
    """A use in a cell after this one (``migrate`` holds them): that cell's own assignment
    before it, else this cell's (it runs first), else what the kernel holds now."""
    ctx = CellContext.of("x = 1", namespace={"mode": "concat"})

    def later(source: str) -> object:
        tree = ast.parse(source)
        kw = next(k for n in ast.walk(tree) if isinstance(n, ast.Call) for k in n.keywords if k.arg == "mode")  # fmt: skip
        return known_value(ctx, kw.value, tree)

    assert later("m = merge([a, b], mode=mode)") == "concat"
    assert later("mode = 'mul'\nm = merge([a, b], mode=mode)") == "mul"
    assert later("mode = pick()\nm = merge([a, b], mode=mode)") is MISSING
    assert later("m = merge([a, b], mode=other)") is MISSING
    ctx = CellContext.of("from keras.layers import merge\nmode = 'sum'", namespace={"mode": "concat"})
    assert later("m = merge([a, b], mode=mode)") == "sum"  # this cell runs before the later one


def test_a_parameter_of_a_later_cells_function_is_what_its_calls_pass() -> None:
    """``def main(mode): … merge(…, mode=mode)`` in a later cell, called in the one after it
    with ``main(mode='mul')``: the one value every call passes (the default where a call leaves
    it); calls that pass different values, or something computed, give nothing."""
    definition = "def main(mode, axis=-1):\n    m = merge([a, b], mode=mode, concat_axis=axis)\n"
    tree = ast.parse(definition)
    kws = {k.arg: k.value for n in ast.walk(tree) if isinstance(n, ast.Call) for k in n.keywords}

    def value(keyword: str, *calls: str) -> object:
        ctx = CellContext.of("from keras.layers import merge", namespace={}, later=(definition, *calls))
        return known_value(ctx, kws[keyword], tree)

    assert value("mode", "main(mode='mul')") == "mul"
    assert value("mode", "main('sum')", "main(mode='sum')") == "sum"
    assert value("concat_axis", "main('concat')") == -1  # the signature's default
    assert value("mode", "main('sum')", "main('mul')") is MISSING
    assert value("mode", "main(pick())") is MISSING
    assert value("mode") is MISSING  # never called


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        # an attribute another method of the class sets
        (
            "class Experiment:\n    def __init__(self):\n        self.every = 3\n"
            "    def run(self):\n        cb = ModelCheckpoint('w.h5', period=self.every)\n",
            3,
        ),
        # an argparse option's default, read as args.every
        (
            "import argparse\nparser = argparse.ArgumentParser()\n"
            "parser.add_argument('--every', default=2)\nargs = parser.parse_args([])\n"
            "cb = ModelCheckpoint('w.h5', period=args.every)\n",
            2,
        ),
        # one tuple assignment of several settings, nested too
        ("rate, every = 0.1, 6\ncb = ModelCheckpoint('w.h5', period=every)\n", 6),
        ("(rate, (every, k)) = (0.1, [7, 2])\ncb = ModelCheckpoint('w.h5', period=every)\n", 7),
    ],
)
def test_where_the_source_makes_it(source: str, expected: object) -> None:
    assert _value_of(source, "period") == expected
