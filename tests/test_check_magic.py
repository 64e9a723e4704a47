"""%%keras_check and %keras_check on|off driven through a real IPython shell."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from environments import HAS_KERAS, HAS_TF, here

FAILING_IMPORT = "import tf\n"  # the alias used as a module name: fails in every environment


def run(shell, cell: str):
    return shell.run_cell(cell, store_history=True)


def test_failing_cell_shows_traceback_then_diagnosis(ipshell, capsys):
    run(ipshell, "%%keras_check\n" + FAILING_IMPORT)
    out = capsys.readouterr()
    text = out.out + out.err
    assert "ModuleNotFoundError" in text and "No module named 'tf'" in text
    assert "kerasmagic" in text.lower()
    # the user's traceback comes first, the diagnosis after it
    assert text.index("No module named 'tf'") < text.lower().rindex("kerasmagic")
    assert isinstance(sys.last_value, ModuleNotFoundError)  # what %debug inspects
    # the diagnosis itself: the alias explained, the corrected import shown after the traceback
    assert "import-tf-alias" in text or "usual alias" in text, text
    if here(HAS_TF, True):  # the corrected import, where TensorFlow is there to import
        assert text.index("No module named 'tf'") < text.index("import tensorflow as tf")


def test_cell_runs_in_the_user_namespace(ipshell, capsys):
    run(ipshell, "%%keras_check\nanswer = 41 + 1\nprint('printed', answer)")
    assert ipshell.user_ns["answer"] == 42
    assert "printed 42" in capsys.readouterr().out


def test_lint_does_not_run_the_cell(ipshell, capsys):
    ipshell.user_ns.pop("not_run", None)
    run(ipshell, "%%keras_check --lint\nnot_run = 1\n")
    assert "not_run" not in ipshell.user_ns


def test_json_result(ipshell, capsys):
    run(ipshell, "%%keras_check --json\n" + FAILING_IMPORT)
    out = capsys.readouterr().out
    data = json.loads(out[out.index("{") : out.rindex("}") + 1])
    assert data["ok"] is False
    assert data["error_type"] == "ModuleNotFoundError"
    assert "tf" in data["error_message"]
    assert data["suggestions"], data
    top = data["suggestions"][0]
    assert top["id"] == "import-tf-alias"
    assert top["message"] == top["title"] and "`tf`" in top["title"]
    if here(HAS_KERAS, True):  # `bare` has none of the packages a versions line names
        assert data["versions"], "the versions the diagnosis was made for"
    if here(HAS_TF, False):
        assert "import tensorflow as tf" in data["fixed_source"]


@pytest.mark.skipif(not here(HAS_TF, False), reason="the fix `import tensorflow as tf` needs TF")
def test_fix_puts_the_corrected_cell_in_the_notebook(ipshell, capsys):
    ipshell.rl_next_input = None
    run(ipshell, "%%keras_check --fix\nimport tf\nprint(tf.__version__)\n")
    out = capsys.readouterr().out
    assert "import tensorflow as tf" in out
    assert ipshell.rl_next_input and "import tensorflow as tf" in ipshell.rl_next_input


class _Kernel:
    """The part of ipykernel's kernel that ``probes/front_end.py`` reads: the parent message."""

    def __init__(self, metadata: dict) -> None:
        self.metadata = metadata

    def get_parent(self, channel: str = "shell") -> dict:
        return {"metadata": self.metadata, "content": {}}


LAB_METADATA = {"trusted": False, "deletedCells": [], "recordTiming": False, "cellId": "c1"}


@pytest.mark.skipif(not here(HAS_TF, False), reason="the fix `import tensorflow as tf` needs TF")
@pytest.mark.parametrize("front", ["jupyterlab", "classic"])
def test_fix_leaves_the_cell_ok_only_where_the_front_end_needs_it(ipshell, capsys, front):
    """Issue 32, item 1 (the browser test is tests/test_check_fix_browser.py): JupyterLab's
    request metadata makes a failing cell with a fix reply "ok" so that the fix lands; any
    other front end (the classic Notebook sends ``{}``) gets a failing cell, Run All stops."""
    ipshell.kernel = _Kernel(LAB_METADATA if front == "jupyterlab" else {})
    try:
        result = run(ipshell, "%%keras_check --fix\nimport tf\nprint(tf.__version__)\n")
    finally:
        del ipshell.kernel
    out = capsys.readouterr()
    lines = (out.out + out.err).splitlines()
    assert lines.count("ModuleNotFoundError: No module named 'tf'") == 1, lines
    assert ipshell.rl_next_input and "import tensorflow as tf" in ipshell.rl_next_input
    said = " ".join(out.out.split())
    if front == "jupyterlab":
        assert result.success, result
        assert "--fix replaced this cell's code with the corrected cell" in said, said
    else:
        assert isinstance(result.error_in_exec, ModuleNotFoundError)
        assert "asked the front end to put the corrected cell" in said, said
        assert "copy the corrected cell from above" in said and "Run All stops here" in said


def test_keyboard_interrupt_and_broken_str_keep_the_shell_alive(ipshell, capsys):
    run(ipshell, "%%keras_check\nraise KeyboardInterrupt\n")
    run(
        ipshell,
        "%%keras_check\nclass Weird(ImportError):\n    def __str__(self):\n"
        "        raise RuntimeError('no str')\nraise Weird()\n",
    )
    text = "".join(capsys.readouterr())
    assert "KeyboardInterrupt" in text and "Weird" in text
    result = run(ipshell, "ok_after = 1")
    assert result.success and ipshell.user_ns["ok_after"] == 1


def test_unknown_mode_is_a_usage_error(ipshell, capsys):
    result = run(ipshell, "%keras_check sideways")
    assert type(result.error_in_exec).__name__ == "UsageError" or "unknown mode" in "".join(
        capsys.readouterr()
    )


def host_note_handler(shell, etype, value, tb, tb_offset=None):
    """A host handler like Colab's: show the traceback, then append a note."""
    shell.showtraceback((etype, value, tb), tb_offset=tb_offset)
    print("HOST NOTE: use !pip to install missing packages")


def test_global_mode_coexists_with_a_hosts_custom_exception_handler(capsys):
    from IPython.testing.globalipapp import get_ipython

    shell = get_ipython()
    shell.set_custom_exc((ImportError,), host_note_handler)
    try:
        before = list(shell.events.callbacks["post_run_cell"])
        shell.run_line_magic("load_ext", "kerasmagic")
        shell.run_line_magic("keras_check", "on")
        capsys.readouterr()
        run(shell, FAILING_IMPORT)
        on = "".join(capsys.readouterr())
        assert "HOST NOTE" in on and "No module named 'tf'" in on
        assert "kerasmagic" in on.lower()  # the diagnosis, beside the host's note

        run(shell, "%%keras_check\n" + FAILING_IMPORT)
        both = "".join(capsys.readouterr())
        assert "HOST NOTE" in both and both.lower().count("kerasmagic") >= 1

        shell.run_line_magic("keras_check", "off")
        capsys.readouterr()
        run(shell, FAILING_IMPORT)
        off = "".join(capsys.readouterr())
        assert "HOST NOTE" in off and "kerasmagic" not in off.lower()

        shell.run_line_magic("keras_check", "on")
        shell.run_line_magic("unload_ext", "kerasmagic")
        assert list(shell.events.callbacks["post_run_cell"]) == before
        assert shell.custom_exceptions == (ImportError,)
        capsys.readouterr()
        run(shell, FAILING_IMPORT)
        after = "".join(capsys.readouterr())
        assert "HOST NOTE" in after and "kerasmagic" not in after.lower()
    finally:
        shell.set_custom_exc((), None)


def test_load_unload_many_times_leaves_nothing_behind():
    from IPython.testing.globalipapp import get_ipython

    shell = get_ipython()
    shell.run_line_magic(
        "unload_ext", "kerasmagic"
    ) if "kerasmagic" in shell.extension_manager.loaded else None
    events = {k: list(v) for k, v in shell.events.callbacks.items()}
    custom = shell.custom_exceptions
    for _ in range(100):
        shell.run_line_magic("load_ext", "kerasmagic")
        shell.run_line_magic("keras_check", "on")
        shell.run_line_magic("unload_ext", "kerasmagic")
    assert {k: list(v) for k, v in shell.events.callbacks.items()} == events
    assert shell.custom_exceptions == custom
    assert not any(n.startswith("keras_") for n in shell.magics_manager.magics["line"])
    from kerasmagic import extension

    assert not extension.is_loaded(shell)


MODEL_CELL = (
    "import keras\n"
    "model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])\n"
    "model.compile(loss='mse')\n"
)
GENERATOR_CELL = (
    "model.fit_generator(iter([]), steps_per_epoch=1)\n"  # no Keras word, no Keras frame
)


@pytest.mark.skipif(not here(HAS_KERAS, False), reason="needs Keras")
def test_global_mode_explains_what_the_cell_magic_explains(ipshell, capsys):
    """Issue 32, item 3: an error raised on a Keras object without entering Keras (Keras 3 has no
    ``fit_generator``) is explained by ``%keras_check on`` as by ``%%keras_check``: the cell's Keras
    bindings decide, here a model made in an earlier cell."""
    run(ipshell, MODEL_CELL)
    if hasattr(ipshell.user_ns["model"], "fit_generator"):
        pytest.skip("this Keras still has fit_generator")
    capsys.readouterr()
    run(ipshell, "%%keras_check\n" + GENERATOR_CELL)
    magic = "".join(capsys.readouterr())
    assert "generator-methods-removed" in magic or "fit_generator" in magic.split("kerasmagic")[-1]
    ipshell.run_line_magic("keras_check", "on")
    try:
        capsys.readouterr()
        run(ipshell, GENERATOR_CELL)
        on = "".join(capsys.readouterr())
        assert on.count("has no attribute 'fit_generator'") >= 1  # the user's traceback …
        assert "kerasmagic" in on.lower() and "model.fit(" in on, on  # … then the diagnosis
        # an error of a cell that works with nothing of TF/Keras is still left alone
        capsys.readouterr()
        run(ipshell, "settings = {}\nsettings.epochs\n")
        plain = "".join(capsys.readouterr())
        assert "has no attribute 'epochs'" in plain and "kerasmagic" not in plain.lower()
    finally:
        ipshell.run_line_magic("keras_check", "off")


RUNTIME_SCRIPT = r"""
import sys
from IPython.testing.globalipapp import get_ipython
shell = get_ipython()
shell.run_line_magic("load_ext", "kerasmagic")
shell.run_cell("import tensorflow as tf", store_history=True)
from tensorflow.python.eager import context
for cell in sys.argv[1:]:
    shell.run_cell(cell, store_history=True)
    if context.context()._context_handle is not None:
        print("STARTED BY", repr(cell))
        break
print("DONE")
"""


@pytest.mark.skipif(not here(HAS_TF, False), reason="needs TensorFlow")
def test_diagnosing_never_starts_tensorflows_runtime():
    """Issue 32, item 4: a cell that only failed on an import is diagnosed without TensorFlow
    starting its device runtime (cuInit, GPU discovery) in the user's kernel; the optimizer
    identifiers are read from Keras's tables, never built."""
    cells = [
        "%%keras_check\nfrom tensorflow.keras.optimizers import adam\n",
        "%%keras_check\nfrom keras.optimizers import adam\n",
        "%%keras_check\nfrom keras.initializers import he_normal_typo\n",
        "%%keras_check\nfrom keras.layers.core import Dense\n",
        "%keras_check on",
        "from keras.losses import msee\n",
    ]
    proc = subprocess.run(
        [sys.executable, "-c", RUNTIME_SCRIPT, *cells], capture_output=True, text=True, timeout=600
    )
    assert "DONE" in proc.stdout, proc.stderr[-2000:]
    assert "STARTED BY" not in proc.stdout, proc.stdout[-2000:]
