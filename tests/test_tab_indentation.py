"""Code indented with tabs (many published scripts are): a rewrite that puts lines inside a block
writes them at the block's own indentation, so the corrected code compiles and runs. One space
per tab (``" " * col_offset``) made "inconsistent use of tabs and spaces" and no fix at all."""

from __future__ import annotations

import ast
import importlib.util

import pytest

import kerasmagic
from kerasmagic.diagnosis.indentation import indent_of, nested
from kerasmagic.diagnosis.rewrite import parse_cell


def _statement(source: str, kind: type) -> ast.stmt:
    return next(n for n in ast.walk(parse_cell(source).tree) if isinstance(n, kind))


def _corrected_and_run(source: str, error_type: str) -> tuple[str, dict]:
    """The corrected text of ``source``, which fails with ``error_type``, and the namespace of
    running it (it runs)."""
    result = kerasmagic.check(source)
    assert result.error_type == error_type
    fixed = result.fixed_source
    assert fixed is not None
    namespace: dict = {}
    exec(compile(fixed, "<fixed>", "exec"), namespace)
    return fixed, namespace


def test_a_statements_indentation_is_read_as_written() -> None:
    source = "def f():\n\tfor i in range(2):\n\t\tg(i)\n"
    assert indent_of(parse_cell(source), _statement(source, ast.Expr)) == "\t\t"
    assert indent_of(source, _statement(source, ast.For)) == "\t"
    spaced = "def f():\n    g(1)\n"
    assert indent_of(spaced, _statement(spaced, ast.Expr)) == "    "


def test_a_statement_after_code_on_its_line_keeps_the_column_as_spaces() -> None:
    source = "x = 1; y = 2\n"
    second = parse_cell(source).tree.body[1]
    assert indent_of(source, second) == " " * second.col_offset


def test_a_nested_line_goes_one_level_deeper_after_the_blocks_indentation() -> None:
    assert nested("\t", "\tg(1)") == "\t    g(1)"
    assert nested("    ", "    g(1)") == "        g(1)"
    assert nested("\t", "") == ""
    compile("def f():\n\tif x:\n" + nested("\t", "\tg(1)") + "\n\treturn 1\n", "<t>", "exec")


@pytest.mark.envs("tf221-k3")
@pytest.mark.skipif(importlib.util.find_spec("pydot") is not None, reason="pydot is installed here")
def test_a_drawing_in_a_tab_indented_helper_is_guarded_and_the_cell_runs(
    tmp_path, monkeypatch
) -> None:
    monkeypatch.chdir(tmp_path)
    source = (
        "import tensorflow as tf\n"
        "class Builder:\n"
        "\tdef build(self, units):\n"
        "\t\tnet = tf.keras.Sequential([tf.keras.Input((3,)), tf.keras.layers.Dense(units)])\n"
        "\t\ttf.keras.utils.plot_model(net, 'net.png', show_shapes=True)\n"
        "\t\treturn net\n"
        "net = Builder().build(2)\n"
    )
    fixed, namespace = _corrected_and_run(source, "ImportError")
    assert "\t\tif importlib.util.find_spec('pydot'):\n\t\t    tf.keras.utils.plot_model(" in fixed
    assert namespace["net"].layers[-1].units == 2


@pytest.mark.envs("tf221-k3")
def test_a_folder_made_before_a_save_in_a_tab_indented_function(tmp_path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    source = (
        "import os\n"
        "from tensorflow import keras\n"
        "def train(folder):\n"
        "\tmodel = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])\n"
        "\tfor run in range(1):\n"
        "\t\tmodel.save(os.path.join(folder, 'runs', 'model.keras'))\n"
        "\treturn model\n"
        "train('checkpoints')\n"
    )
    fixed, _ = _corrected_and_run(source, "FileNotFoundError")
    assert "\t\tos.makedirs(" in fixed
    assert (tmp_path / "checkpoints" / "runs" / "model.keras").exists()


@pytest.mark.envs("tf221-k3")
def test_a_graph_block_in_a_tab_indented_function_is_taken_apart(tmp_path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    source = (
        "import numpy as np\n"
        "import tensorflow as tf\n"
        "def run(x, y):\n"
        "\tgraph = tf.Graph()\n"
        "\twith graph.as_default():\n"
        "\t\tnet = tf.keras.Sequential([tf.keras.Input((3,)), tf.keras.layers.Dense(1)])\n"
        "\t\tnet.compile(loss='mse', optimizer='sgd')\n"
        "\t\tnet.fit(x, y, epochs=1, verbose=0)\n"
        "\treturn net\n"
        "net = run(np.ones((4, 3)), np.ones((4, 1)))\n"
    )
    fixed, namespace = _corrected_and_run(source, "RuntimeError")
    assert "\tnet = tf.keras.Sequential(" in fixed and "\t\tnet" not in fixed
    assert namespace["net"].built
