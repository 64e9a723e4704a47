"""A value held by a member of the notebook's own values, followed to where it is set
(diagnosis/member_values.py, provenance.py): argparse's ``default=``, a settings dict's item, a
settings class's attribute, a trainer's ``self.…``; and read live without running any code."""

from __future__ import annotations

import argparse
import ast

from kerasmagic.diagnosis.context import CellContext
from kerasmagic.diagnosis.member_values import MISSING, live_member, spelt
from kerasmagic.diagnosis.provenance import origins
from kerasmagic.diagnosis.rewrite import apply_edits
from kerasmagic.diagnosis.value_change import rewrite
from kerasmagic.diagnosis.value_transforms import suffix_transform

WEIGHTS = suffix_transform(".weights.h5", (".h5", ".hdf5"))

ARGS = (
    "import argparse\n"
    "parser = argparse.ArgumentParser()\n"
    "parser.add_argument('-w', '--weights-file', default='best.hdf5')\n"
    "parser.add_argument('--epochs', type=int, default=2)\n"
    "args = parser.parse_args([])\n"
)


def _first_arg(ctx: CellContext, method: str) -> ast.expr:
    return next(
        n.args[0]
        for n in ast.walk(ctx.cell.tree)
        if isinstance(n, ast.Call) and getattr(n.func, "attr", getattr(n.func, "id", "")) == method
    )


def _namespace(*sources: str) -> dict:
    ns: dict = {}
    for source in sources:
        exec(source, ns)
    return ns


def test_argparse_default_in_an_earlier_cell_is_changed_there_and_bound_again_here():
    cell = "m.save_weights(args.weights_file)\nm.load_weights(args.weights_file)\n"
    ctx = CellContext.of(cell, earlier=(ARGS,), namespace=_namespace(ARGS))
    change = rewrite(ctx, _first_arg(ctx, "save_weights"), WEIGHTS)
    assert change is not None
    assert apply_edits(ARGS, change.across, cell=0).count("default='best.weights.h5'") == 1
    assert apply_edits(cell, change.edits) == "args.weights_file = 'best.weights.h5'\n" + cell


def test_the_live_namespace_must_agree_with_the_argparse_default():
    """Run with ``--weights-file other.h5``: the default is not what the kernel holds."""
    ns = _namespace(ARGS)
    ns["args"] = argparse.Namespace(weights_file="other.h5", epochs=2)
    ctx = CellContext.of("m.save_weights(args.weights_file)\n", earlier=(ARGS,), namespace=ns)
    assert origins(ctx, _first_arg(ctx, "save_weights")) == []


def test_vars_of_parsed_arguments_and_a_getter_function():
    source = (
        "import argparse\n"
        "def get_args():\n"
        "    ap = argparse.ArgumentParser()\n"
        "    ap.add_argument('--model', dest='model_path', default='net.h5')\n"
        "    return ap.parse_args([])\n"
        "opts = vars(get_args())\n"
        "m.save_weights(opts['model_path'])\n"
    )
    ctx = CellContext.of(source)
    change = rewrite(ctx, _first_arg(ctx, "save_weights"), WEIGHTS)
    assert change is not None
    assert "dest='model_path', default='net.weights.h5'" in apply_edits(source, change.edits)


def test_settings_dict_item_and_class_attribute():
    source = (
        "config = {'lr': 0.01, 'ckpt': 'run/w.h5'}\n"
        "class Config:\n"
        "    OUT = 'final.h5'\n"
        "cfg = Config()\n"
        "m.save_weights(config['ckpt'])\n"
        "m.load_weights(cfg.OUT)\n"
    )
    ctx = CellContext.of(source)
    fixed = apply_edits(source, rewrite(ctx, _first_arg(ctx, "save_weights"), WEIGHTS).edits)  # type: ignore[union-attr]
    assert "'ckpt': 'run/w.weights.h5'" in fixed
    fixed = apply_edits(source, rewrite(ctx, _first_arg(ctx, "load_weights"), WEIGHTS).edits)  # type: ignore[union-attr]
    assert "OUT = 'final.weights.h5'" in fixed


def test_self_attribute_set_once_in_the_class():
    source = (
        "class Trainer:\n"
        "    def __init__(self):\n"
        "        self.weights = 'trainer.h5'\n"
        "    def save(self, m):\n"
        "        m.save_weights(self.weights)\n"
    )
    ctx = CellContext.of(source)
    change = rewrite(ctx, _first_arg(ctx, "save_weights"), WEIGHTS)
    assert change is not None
    assert "self.weights = 'trainer.weights.h5'" in apply_edits(source, change.edits)


def test_members_set_twice_or_by_a_call_are_not_followed():
    twice = (
        "class T:\n"
        "    def __init__(self):\n"
        "        self.w = 'a.h5'\n"
        "    def other(self):\n"
        "        self.w = 'b.h5'\n"
        "    def save(self, m):\n"
        "        m.save_weights(self.w)\n"
    )
    ctx = CellContext.of(twice)
    assert all(o.tail is None for o in origins(ctx, _first_arg(ctx, "save_weights")))
    spread = "base = {'w': 'a.h5'}\nconfig = {**base}\nm.save_weights(config['w'])\n"
    ctx = CellContext.of(spread)
    assert all(o.tail is None for o in origins(ctx, _first_arg(ctx, "save_weights")))


def test_a_member_assigned_after_its_base_is_its_newest_value():
    cell = "args.weights_file = 'set.h5'\nm.save_weights(args.weights_file)\n"
    ctx = CellContext.of(cell, earlier=(ARGS,), namespace=_namespace(ARGS))
    change = rewrite(ctx, _first_arg(ctx, "save_weights"), WEIGHTS)
    assert change is not None
    assert apply_edits(cell, change.edits).startswith("args.weights_file = 'set.weights.h5'\n")


def test_live_member_reads_own_attributes_and_dict_items_only():
    class Lazy:
        calls = 0

        @property
        def path(self) -> str:
            Lazy.calls += 1
            return "x.h5"

    ns = {"args": argparse.Namespace(out="o.h5"), "cfg": {"k": "v.h5"}, "lazy": Lazy()}
    assert live_member(ns, "args.out") == "o.h5"
    assert live_member(ns, "cfg['k']") == "v.h5"
    assert live_member(ns, "lazy.path") is MISSING and Lazy.calls == 0
    assert live_member(ns, "cfg['missing']") is MISSING
    assert spelt(ast.parse("a.b['c'].d", mode="eval").body) == "a.b['c'].d"
    assert spelt(ast.parse("a[i]", mode="eval").body) is None


def test_a_scripts_main_reads_argparse_defaults_its_getter_makes_in_an_earlier_cell():
    """``args = get_args()`` is a local of ``main``: nothing to bind again at the cell's top, so
    the getter is defined again there with the new default, and ``main`` calls that one."""
    getter = (
        "import argparse\n"
        "def get_args():\n"
        "    p = argparse.ArgumentParser()\n"
        "    p.add_argument('--out', default='run.h5')\n"
        "    return p.parse_args([])\n"
    )
    cell = "def main(m):\n    args = get_args()\n    m.save_weights(args.out)\n"
    ns = _namespace(getter, cell)

    class Refusing:  # Keras 3's save_weights of a name without `.weights.h5`
        def save_weights(self, path: str) -> None:
            raise ValueError(f"The filename must end in `.weights.h5`. Received: filepath={path}")

    try:
        ns["main"](Refusing())
    except ValueError as error:  # main's frame holds `args`, as the kernel's traceback does
        exc = error
    ctx = CellContext.of(cell, earlier=(getter,), namespace=ns, exc=exc)
    change = rewrite(ctx, _first_arg(ctx, "save_weights"), WEIGHTS)
    assert change is not None
    fixed = apply_edits(cell, change.edits)
    assert "def get_args():" in fixed and fixed.endswith(cell), fixed
    assert "default='run.weights.h5'" in fixed
    assert "default='run.weights.h5'" in apply_edits(getter, change.across, cell=0)
    exec(fixed, ns)  # the corrected cell defines the getter it calls
    assert ns["get_args"]().out == "run.weights.h5"
