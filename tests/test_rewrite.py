"""Exact-span rewrites: formatting, comments and IPython syntax survive."""

from __future__ import annotations

import ast
from pathlib import Path

from kerasmagic.diagnosis.rewrite import (
    Edit,
    apply_edits,
    delete_keyword_edit,
    node_edit,
    node_text,
    parse_cell,
    single_assignment,
    walk,
)


def _first(tree: ast.AST, kind: type) -> ast.AST:
    return next(n for n in ast.walk(tree) if isinstance(n, kind))


def test_replacing_a_node_keeps_everything_else():
    src = "x = f(a,   b)  # keep me\n\n# and me\ny = 2\n"
    cell = parse_cell(src)
    name = next(n for n in ast.walk(cell.tree) if isinstance(n, ast.Name) and n.id == "a")
    out = apply_edits(src, [node_edit(cell, name, "alpha")])
    assert out == "x = f(alpha,   b)  # keep me\n\n# and me\ny = 2\n"


def test_lines_put_after_a_cells_last_line_without_a_newline_start_a_line_of_their_own():
    """A notebook cell's source ends without a newline: statements inserted after its last
    statement (at the line after it) must not be glued onto it."""
    src = "# data\nfrom keras.datasets import cifar10"
    cell = parse_cell(src)
    after = cell.tree.body[-1].end_lineno + 1
    out = apply_edits(src, [Edit(after, 0, after, 0, "from keras import backend\nbackend.clear_session()\n")])
    assert out == "# data\nfrom keras.datasets import cifar10\nfrom keras import backend\nbackend.clear_session()"
    ast.parse(out)
    ended = src + "\n"
    assert apply_edits(ended, [Edit(after, 0, after, 0, "x = 1\n")]) == ended + "x = 1\n"


def test_ipython_syntax_survives_and_positions_match():
    src = (
        "%matplotlib inline\n!echo hi\nimport keras  # k\nx?\nopt = keras.optimizers.Adam(lr=0.1)\n"
    )
    cell = parse_cell(src)
    assert cell.tree is not None
    kw = _first(cell.tree, ast.keyword)
    assert node_text(cell, kw) == "lr=0.1"
    out = apply_edits(src, [node_edit(cell, kw, "learning_rate=0.1")])
    assert out == src.replace("lr=0.1", "learning_rate=0.1")
    assert {1, 2, 4} <= cell.frozen_lines  # IPython lines are never edited


def test_cell_magic_body_is_parsed():
    src = "%%time\nimport keras\nkeras.utils.np_utils\n"
    cell = parse_cell(src)
    assert cell.tree is not None
    attr = _first(cell.tree, ast.Attribute)
    assert attr.lineno == 3


def test_unicode_columns_are_characters():
    src = "s = 'é✓'; opt = Adam(lr=1)\n"
    cell = parse_cell(src)
    kw = _first(cell.tree, ast.keyword)
    assert node_text(cell, kw) == "lr=1"


def test_deleting_keywords_keeps_the_call_valid():
    for src, want in [
        ("f(a, decay=1, b=2)\n", "f(a, b=2)\n"),
        ("f(decay=1, b=2)\n", "f(b=2)\n"),
        ("f(decay=1)\n", "f()\n"),
        ("f(\n    a,\n    decay=1,  # gone\n)\n", "f(\n    a,  # gone\n)\n"),
    ]:
        cell = parse_cell(src)
        call = _first(cell.tree, ast.Call)
        kw = next(k for k in call.keywords if k.arg == "decay")
        out = apply_edits(src, [delete_keyword_edit(cell, call, kw)])
        assert out == want
        ast.parse(out)


def test_overlapping_edits_first_wins():
    assert apply_edits("abcdef\n", [Edit(1, 1, 1, 3, "X"), Edit(1, 2, 1, 4, "Y")]) == "aXdef\n"


def test_two_edits_of_one_span_changing_different_parts_make_both_changes():
    source = "f = 'w-{val_acc:.4f}.hdf5'\n"
    key = Edit(1, 4, 1, 26, "'w-{val_accuracy:.4f}.hdf5'")
    suffix = Edit(1, 4, 1, 26, "'w-{val_acc:.4f}.keras'")
    assert apply_edits(source, [key, suffix]) == "f = 'w-{val_accuracy:.4f}.keras'\n"
    assert apply_edits(source, [suffix, key]) == "f = 'w-{val_accuracy:.4f}.keras'\n"
    clash = Edit(1, 4, 1, 26, "'w-{val_loss:.4f}.hdf5'")  # the same part changed otherwise
    assert apply_edits(source, [key, clash]) == "f = 'w-{val_accuracy:.4f}.hdf5'\n"


def test_an_edit_inside_another_merges_where_they_change_different_words():
    source = "from keras.layers import CuDNNLSTM, Dense, merge\n"
    statement = Edit(1, 0, 1, 48, "from keras.layers import Dense, merge\nfrom keras.layers import LSTM as CuDNNLSTM")  # fmt: skip
    name = Edit(1, 43, 1, 48, "multiply")
    merged = "from keras.layers import Dense, multiply\nfrom keras.layers import LSTM as CuDNNLSTM\n"
    assert apply_edits(source, [statement, name]) == merged
    assert apply_edits(source, [name, statement]) == merged


def test_insertions_from_one_base_merge_and_others_are_all_kept():
    base = "f = 'w-{val_acc}.hdf5'\n"
    one = Edit(1, 0, 1, 0, "f = 'w-{val_accuracy}.hdf5'\n", base=base)
    two = Edit(1, 0, 1, 0, "f = 'w-{val_acc}.keras'\n", base=base)
    assert apply_edits("fit(f)\n", [one, two]) == "f = 'w-{val_accuracy}.keras'\nfit(f)\n"
    plain = [Edit(1, 0, 1, 0, "import os\n"), Edit(1, 0, 1, 0, "import numpy as np\n")]
    assert apply_edits("fit(f)\n", plain).count("import") == 2


def test_syntax_error_gives_no_tree():
    cell = parse_cell("def f(:\n")
    assert cell.tree is None and cell.error


def test_walk_lists_the_nodes_of_ast_walk():
    tree = ast.parse("x = f(1, y=[2, 3])\nfor i in x:\n    print(i)\n")
    nodes = walk(tree)
    assert [type(n) for n in nodes] == [type(n) for n in ast.walk(tree)]
    sub = tree.body[1]
    assert [type(n) for n in walk(sub)] == [type(n) for n in ast.walk(sub)]
    big = ast.parse(Path(ast.__file__).read_text())  # every kind of node, the same ones in order
    listed, walked = walk(big), list(ast.walk(big))
    assert len(listed) == len(walked) > 5_000
    assert all(a is b for a, b in zip(listed, walked))


def test_single_assignment_is_the_one_plain_binding_of_a_name():
    def value(source: str, name: str = "path") -> str | None:
        found = single_assignment(ast.parse(source), name)
        return ast.unparse(found) if found is not None else None

    assert value("path = 'cp-{epoch}'\nsave(path)\n") == "'cp-{epoch}'"
    assert value("a = path = 'x.h5'\n") == "'x.h5'"
    assert value("path = 'a'\npath = 'b'\n") is None
    assert value("path = 'a'\npath += '.h5'\n") is None
    assert value("path, other = 'a', 'b'\n") is None
    assert value("path = 'a'\nfor path in paths:\n    pass\n") is None
    assert value("path = 'a'\nwith open(f) as path:\n    pass\n") is None
    assert value("if (path := 'a'):\n    pass\n") is None
    assert value("other = 'a'\n") is None


def test_a_future_import_after_other_code_compiles_as_ipython_runs_it():
    """IPython compiles a cell's top-level statements one by one, so ``from __future__ import
    print_function`` after other imports runs in a notebook (a file refuses it): a corrected
    cell holding one is not refused for it; a real syntax error still is."""
    from kerasmagic.diagnosis.verify import compiles

    cell = "import numpy as np\nfrom __future__ import print_function\nprint(np.pi)\n"
    assert compiles(parse_cell(cell))
    assert not compiles(parse_cell(cell + "def broken(:\n    pass\n"))


def test_parsing_never_raises_and_keeps_what_ipython_cannot_transform_line_for_line():
    import IPython  # noqa: F401  (in a kernel: IPython's transforms apply)

    from kerasmagic.diagnosis.rewrite import _to_python

    assert parse_cell(42).source == "42" and parse_cell(42).tree is not None
    joined = "!ls \\\n  -la\nx = 1\n"  # IPython joins the two lines into one call
    assert _to_python(joined) == joined


def test_no_edit_on_a_line_ipython_transformed():
    import IPython  # noqa: F401

    cell = parse_cell("x = 1\n!ls\n")
    assert cell.frozen_lines == {2}
    assert node_edit(cell, cell.tree.body[1], "y") is None
    assert node_edit(cell, cell.tree.body[0], "y") == Edit(1, 0, 1, 5, "y")
    assert node_edit(cell, ast.Name("made", ast.Load()), "y") is None  # a node without position


def test_a_new_import_goes_after_the_future_imports():
    from kerasmagic.diagnosis.rewrite import insertion_line

    assert insertion_line(parse_cell("x = 1\n")) == 1
    assert insertion_line(parse_cell("%%time\nx = 1\n")) == 2
    assert insertion_line(parse_cell("from __future__ import annotations\nx = 1\n")) == 2
    # a coding comment must stay in a script's first two lines (PEP 263), after a #! line
    assert insertion_line(parse_cell("# coding=gbk\nx = 1\n")) == 2
    assert insertion_line(parse_cell("#!/usr/bin/env python\n# -*- coding: utf-8 -*-\nx = 1\n")) == 3
    assert insertion_line(parse_cell("# a comment\nx = 1\n")) == 1


def test_removing_a_statement_leaves_valid_code():
    from kerasmagic.diagnosis.rewrite import statement_removal

    def removed(source: str, index: int, inner: bool = False) -> str:
        cell = parse_cell(source)
        stmt = cell.tree.body[index]
        if inner:
            stmt = stmt.body[0]
        return apply_edits(source, [statement_removal(cell, stmt, cell.tree)])

    assert removed("x = 1\ny = 2\nz = 3\n", 1) == "x = 1\nz = 3\n"
    assert removed("x = 1\ny = 2\n", 1) == "x = 1\n"
    assert removed("x = 1\ny = 2", 1) == "x = 1\n"
    assert removed("x = 1; y = 2\n", 0) == "pass; y = 2\n"
    assert removed("y = 2;\nz = 3\n", 0) == "z = 3\n"
    assert removed("if x:\n    y = 2\nz = 3\n", 0, inner=True) == "if x:\n    pass\nz = 3\n"


def test_two_answers_for_one_dotted_name_never_merge_into_a_third():
    # one rule drops the qualifier, another renames the name after it: both are one name's answer,
    # and their words side by side would make `random.set_seed`, which nothing binds
    source = "tf.set_random_seed(7)\n"
    moved = Edit(1, 0, 1, 18, "set_random_seed")
    renamed = Edit(1, 0, 1, 18, "tf.random.set_seed")
    assert apply_edits(source, [moved, renamed]) == "set_random_seed(7)\n"
    assert apply_edits(source, [renamed, moved]) == "tf.random.set_seed(7)\n"


def test_insertions_at_one_place_come_out_in_the_order_given():
    """Lines written in at one place keep the order their edits were given in, whatever their
    text (a re-binding of a path, then the save that reads it)."""
    src = "restored = load(path)\n"
    rebinding = Edit(1, 0, 1, 0, "path = 'folder'\n")
    export = Edit(1, 0, 1, 0, "model.export(path)\n")
    assert apply_edits(src, [rebinding, export]) == "path = 'folder'\nmodel.export(path)\n" + src
    assert apply_edits(src, [export, rebinding]) == "model.export(path)\npath = 'folder'\n" + src
