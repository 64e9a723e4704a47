"""Robustness: fuzzed text entry points and real faults (no mocks of TF, real subprocesses).

Whatever goes wrong, the user's error and traceback are shown intact, the shell keeps working, and
a failure of kerasmagic itself is reported as such; 50 load/use/unload cycles leave no hook or
memory behind. (A KeyboardInterrupt raised by the cell's own code, a broken ``__str__`` under
``%%keras_check`` and heavy imports are also in test_check_magic.py and test_env_report.py.)
"""

from __future__ import annotations

import io
import json
import os
import re
import signal
import subprocess
import sys
import textwrap
import time
from contextlib import redirect_stderr, redirect_stdout, suppress
from pathlib import Path

import pytest
from environments import HAS_TF, MACHINERY_ENVS, here
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]|\x1b\][^\x07]*\x07")
FUZZ = settings(
    max_examples=100, deadline=None, suppress_health_check=list(HealthCheck), database=None
)
FEW = settings(
    max_examples=15, deadline=None, suppress_health_check=list(HealthCheck), database=None
)

# Lines a notebook cell really contains, good and bad, to be shuffled by Hypothesis.
LINES = [
    "import tensorflow as tf",
    "from tensorflow import keras",
    "import keras",
    "from keras.utils.np_utils import to_categorical",
    "from tensorflow.keras.layers.experimental.preprocessing import Rescaling",
    "opt = tf.keras.optimizers.Adam(lr=0.01)",
    "opt = keras.optimizers.legacy.Adam(learning_rate=1e-3, decay=1e-4)",
    "model.compile(optimizer='adam', loss='mse')",
    "model.fit_generator(gen, epochs=2)",
    "os.environ['TF_USE_LEGACY_KERAS'] = '1'",
    "%pip install tensorflow==2.15",
    "%load_ext kerasmagic",
    "%%keras_check",
    "!pip install -U keras",
    "x?",
    "??tf.keras",
    "tf.keras.optimizers.Adam?",
    "def f(:",
    "    indented = True",
    "\tmixed\ttabs",
    "class A(tf.keras.layers.Layer):",
    "    def call(self, x): return x",
    "from . import nothing",
    "from __future__ import braces",
    "lambda: (yield)",
    "'unclosed string",
    '"""unclosed triple',
    "x = 1 if else 2",
    "\x00",
    "\ufeffbom = 1",
    "é = 'unicode name'",
    "async def g(): await h()",
    "print(*[1] * 3)",
    "a[" * 50,
    "x = " + "1 + " * 400 + "1",
    "y = '" + "long " * 4000 + "'",
]

source_text = st.one_of(
    st.text(max_size=300),
    st.lists(st.sampled_from(LINES), max_size=8).map("\n".join),
    st.lists(st.one_of(st.sampled_from(LINES), st.text(max_size=40)), max_size=6).map("\n".join),
)

pytestmark = pytest.mark.envs(*MACHINERY_ENVS)


def strip(text: str) -> str:
    return ANSI.sub("", text)


# -- fuzzing the entry points that take text ------------------------------------------------------
@FUZZ
@given(source=source_text)
def test_lint_never_raises(source):
    from kerasmagic.diagnosis.engine import lint

    result = lint(source)
    assert result.ran is False
    assert isinstance(result.to_dict(), dict)
    json.dumps(result.to_dict(), default=str)
    str(result)  # the text view renders too


@FUZZ
@given(source=source_text)
def test_lint_traps_never_raises(source):
    from kerasmagic.diagnosis.traps import lint_traps

    findings = lint_traps(source)
    assert isinstance(findings, list)
    for finding in findings:
        assert finding.id and finding.severity in ("error", "warning", "info")


def _magic_functions():
    """(name, unbound magic function) of every kerasmagic magic that parses arguments."""
    import importlib

    from kerasmagic.extension import MAGIC_MODULES

    out = []
    for module_name in MAGIC_MODULES:
        try:
            cls = importlib.import_module(module_name).MAGICS
        except ImportError:
            continue
        for kind in ("line", "cell"):
            for magic, attr in cls.magics[kind].items():
                func = getattr(cls, attr)
                if hasattr(func, "parser"):
                    out.append((magic, func))
    return sorted(set(out), key=lambda p: p[0])


flag_text = st.one_of(
    st.text(max_size=60),
    st.lists(
        st.one_of(
            st.sampled_from(
                [
                    "--json",
                    "--probe",
                    "-o",
                    "--object",
                    "--fix",
                    "--lint",
                    "--no-run",
                    "-h",
                    "--help",
                    "on",
                    "off",
                    "status",
                    "sideways",
                    "--",
                    "-",
                    "--json=1",
                    "-x",
                    "'a b'",
                    "--no-such-flag",
                    "$x",
                    "{x}",
                    "%%",
                    "\\",
                    "adam",
                    "sgd",
                    "--names",
                ]
            ),
            st.text(min_size=1, max_size=10),
        ),
        max_size=6,
    ).map(" ".join),
)


@FUZZ
@given(line=flag_text)
def test_magic_argument_parsing_gives_usage_error_or_arguments(line):
    from IPython.core.error import UsageError

    from kerasmagic.magics.arguments import parse_line

    magics = _magic_functions()
    assert magics, "no kerasmagic magic with magic_arguments found"
    for _name, func in magics:
        with suppress(UsageError):
            parse_line(func, line)


def test_unbalanced_quote_is_a_usage_error(ipshell):
    from IPython.core.error import UsageError

    for name, _func in _magic_functions():
        with pytest.raises(UsageError):
            ipshell.run_line_magic(name, '--json "unclosed')


@FUZZ
@given(line=flag_text)
def test_magics_through_the_shell_never_raise_but_usage_errors(ipshell, line):
    """Through ``run_line_magic`` (what a notebook line does), minus the slow --probe."""
    from IPython.core.error import UsageError

    from kerasmagic.magics.arguments import parse_line

    for name, func in _magic_functions():
        try:
            args = parse_line(func, line)
        except UsageError:
            continue
        if getattr(args, "probe", False) or getattr(args, "fix", False):
            continue
        if name == "keras_optimizers" and not any(
            m in sys.modules for m in ("keras", "tf_keras", "tensorflow")
        ):
            continue  # with no Keras imported it imports TF/Keras here to measure: slow
        sink = io.StringIO()
        with redirect_stdout(sink), redirect_stderr(sink):
            try:
                if name == "keras_check":
                    ipshell.run_cell_magic(name, line, "fuzz_cell_value = 1\n")
                    ipshell.run_line_magic(name, "off")
                elif name in ipshell.magics_manager.magics["line"]:
                    ipshell.run_line_magic(name, line)
            except UsageError:
                pass
        problems = [line for line in sink.getvalue().splitlines() if "internal error" in line]
        assert not problems, sink.getvalue()


@FUZZ
@given(source=source_text)
def test_cli_check_lint_in_process(monkeypatch, source):
    from kerasmagic.__main__ import main

    monkeypatch.setattr(sys, "stdin", io.StringIO(source))
    out = io.StringIO()
    with redirect_stdout(out), redirect_stderr(out):
        code = main(["check", "--lint", "-"])
    assert code in (0, 1, 2)


RUNNABLE = [line for line in LINES if "tensorflow" not in line and "keras" not in line.split()[:2]]


@FEW
@given(
    source=st.one_of(
        st.text(max_size=200),
        st.lists(st.sampled_from(RUNNABLE), max_size=5).map("\n".join),
    ),
    lint=st.booleans(),
)
def test_cli_check_process_never_shows_a_traceback_of_its_own(source, lint):
    argv = [sys.executable, "-m", "kerasmagic", "check", "-"] + (["--lint"] if lint else [])
    proc = subprocess.run(
        argv, input=source, capture_output=True, text=True, timeout=120, errors="replace"
    )
    assert proc.returncode in (0, 1, 2), proc.stderr[-2000:]
    # a traceback may only be the checked code's own (shown as the user's error), never ours
    for block in proc.stderr.split("Traceback (most recent call last):")[1:]:
        assert "kerasmagic" + os.sep not in block.split("\n\n")[0], proc.stderr[-3000:]


# -- real faults in a real shell, in subprocesses -------------------------------------------------
SHELL_SCRIPT = """
import json, os, signal, sys
signal.signal(signal.SIGINT, signal.default_int_handler)  # what a kernel has
{pre}
from IPython.core.interactiveshell import InteractiveShell
shell = InteractiveShell.instance()
cells = json.loads(sys.argv[1])
for i, cell in enumerate(cells):
    print(f"@@cell {{i}}@@", flush=True)
    sys.last_value = None
    result = shell.run_cell(cell, store_history=True)
    # the cell's own error, or the one IPython showed inside it (%%keras_check runs the cell
    # through an inner run_cell, whose error the outer result does not carry)
    exc = result.error_in_exec or result.error_before_exec or sys.last_value
    print(f"\\n@@end {{i}} {{type(exc).__name__ if exc is not None else 'ok'}}@@", flush=True)
"""


def run_shell(
    cells: list[str],
    *,
    env: dict[str, str] | None = None,
    pre: str = "",
    cwd: str | None = None,
    timeout: float = 300,
) -> list[tuple[str, str]]:
    """Run ``cells`` one by one in a real IPython shell in a fresh process; per cell, (output with
    stdout and stderr merged, outcome: 'ok' or the type name of the error IPython showed)."""
    full = dict(os.environ, PYTHONUNBUFFERED="1", **(env or {}))
    proc = subprocess.run(
        [sys.executable, "-c", SHELL_SCRIPT.format(pre=pre), json.dumps(cells)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=full,
        cwd=cwd,
        timeout=timeout,
        errors="replace",
    )
    return parse_cells(proc.stdout, len(cells), proc.returncode)


def parse_cells(out: str, n: int, code: int | None) -> list[tuple[str, str]]:
    out = strip(out)
    cells = []
    for i in range(n):
        start, end = f"@@cell {i}@@", re.compile(rf"@@end {i} (\w+)@@")
        assert start in out, f"cell {i} never ran (exit {code}):\n{out[-4000:]}"
        body = out.split(start, 1)[1]
        m = end.search(body)
        assert m, f"cell {i} never finished (exit {code}):\n{body[-4000:]}"
        cells.append((body[: m.start()], m.group(1)))
    return cells


def normalized(text: str) -> str:
    """A traceback without what legitimately differs between two runs of the same cell."""
    text = re.sub(r"In ?\[\d+\]", "In[#]", text)
    text = re.sub(r"<ipython-input-\d+-[0-9a-f]+>", "<ipython-input>", text)
    text = re.sub(r"line \d+", "line #", text)
    text = re.sub(r"0x[0-9a-f]+", "0x#", text)
    return "\n".join(line.rstrip() for line in text.strip().splitlines() if line.strip())


def user_traceback(text: str) -> str:
    """The traceback IPython printed for the user's error (up to and including its last line)."""
    lines = text.strip().splitlines()
    start = next(
        (i for i, line in enumerate(lines) if set(line.strip()) == {"-"} or "Traceback" in line),
        0,
    )
    return normalized("\n".join(lines[start:]))


def assert_no_internal_traceback(text: str) -> None:
    """kerasmagic may say it failed (one line), never dump a traceback of its own frames."""
    for line in text.splitlines():
        if ("File " in line or "in " in line) and ("kerasmagic" + os.sep) in line:
            raise AssertionError(f"a kerasmagic frame was shown:\n{text[-4000:]}")


@pytest.fixture
def broken_tensorflow(tmp_path: Path) -> Path:
    """A ``tensorflow`` package whose import raises, first on PYTHONPATH (a broken build)."""
    pkg = tmp_path / "broken" / "tensorflow"
    pkg.mkdir(parents=True)
    (pkg / "__init__.py").write_text(
        "raise RuntimeError('DLL load failed while importing _pywrap_tensorflow_internal: "
        "simulated broken build')\n"
    )
    return pkg.parent


def test_tensorflow_whose_import_raises_in_the_magics(broken_tensorflow: Path):
    cell = "import tensorflow as tf\nprint('never', 'here'.upper())\n"
    out = run_shell(
        [
            "%load_ext kerasmagic",
            cell,
            "%%keras_check\n" + cell,
            "%keras_env",
            "print('alive', 6 * 7)",
        ],
        env={"PYTHONPATH": str(broken_tensorflow)},
    )
    (plain, plain_outcome), (checked, checked_outcome) = out[1], out[2]
    assert plain_outcome == checked_outcome == "RuntimeError"
    assert "simulated broken build" in plain and "never HERE" not in plain
    # the user's traceback, exactly as IPython shows it without kerasmagic
    assert user_traceback(plain) in normalized(checked), checked
    after = checked[checked.index("simulated broken build") :]
    assert "kerasmagic" in after.lower(), "kerasmagic's report follows the user's error"
    assert_no_internal_traceback(checked)
    env_report, env_outcome = out[3]
    assert env_outcome == "ok" and "kerasmagic" in env_report.lower()
    if here(HAS_TF, True):  # it hides the installed TensorFlow (elsewhere it is the only one)
        assert str(broken_tensorflow / "tensorflow") in env_report, "the shadowing package is named"
    assert out[4] == (out[4][0], "ok") and "alive 42" in out[4][0]


def test_distribution_with_corrupt_metadata(tmp_path: Path):
    site = tmp_path / "site"
    site.mkdir()
    # unreadable bytes where METADATA should be, and a keras dist-info with no Version at all,
    # placed before the real site-packages (the way a half-finished pip upgrade leaves them)
    (site / "kmcorrupt-1.0.dist-info").mkdir()
    (site / "kmcorrupt-1.0.dist-info" / "METADATA").write_bytes(b"\xff\xfe\x00garbage\x80\x81")
    (site / "keras-99.0.dist-info").mkdir()
    (site / "keras-99.0.dist-info" / "METADATA").write_text("Metadata-Version: 2.1\n")
    (site / "tensorflow-98.0.dist-info").mkdir()
    (site / "tensorflow-98.0.dist-info" / "METADATA").write_text("")
    failing = "from keras.utils.np_utils import to_categorical\n"
    out = run_shell(
        ["%load_ext kerasmagic", "%keras_env", failing, "%%keras_check\n" + failing, "ok = 1"],
        env={"PYTHONPATH": str(site)},
    )
    env_text, env_outcome = out[1]
    assert env_outcome == "ok", env_text
    assert_no_internal_traceback(env_text)
    (plain, plain_outcome), (checked, checked_outcome) = out[2], out[3]
    assert checked_outcome == plain_outcome == "ModuleNotFoundError"
    assert user_traceback(plain) in normalized(checked)
    assert_no_internal_traceback(checked)
    assert out[4][1] == "ok"


def _unwritable_home(tmp_path: Path) -> Path:
    """A HOME nothing can be written under, even as root: a path below a regular file."""
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("HOME points below this file\n")
    return blocker / "home"


def test_unwritable_home_does_not_break_the_diagnosis(tmp_path: Path):
    failing = "from keras.utils.np_utils import to_categorical\n"
    cells = ["%load_ext kerasmagic", "%%keras_check --json\n" + failing, "%keras_env --json"]
    home = _unwritable_home(tmp_path)
    bad = run_shell(
        cells,
        env={
            "HOME": str(home),
            "XDG_CACHE_HOME": str(home / ".cache"),
            "KERAS_HOME": str(home / ".keras"),
            "KERASMAGIC_CACHE_DIR": str(home / "km"),
        },
    )
    good_home = tmp_path / "good-home"
    good_home.mkdir()
    good = run_shell(cells, env={"HOME": str(good_home), "XDG_CACHE_HOME": str(good_home / ".c")})
    for (text, outcome), (_ref, ref_outcome) in zip(bad[1:], good[1:]):
        assert outcome == ref_outcome
        assert_no_internal_traceback(text)
    bad_check, good_check = (_last_json(bad[1][0]), _last_json(good[1][0]))
    assert bad_check["error_type"] == good_check["error_type"] == "ModuleNotFoundError"
    # the same diagnosis without a cache directory as with one
    assert [s["id"] for s in bad_check["suggestions"]] == [
        s["id"] for s in good_check["suggestions"]
    ]
    assert not home.exists()


def _last_json(text: str) -> dict:
    start = text.index("{")
    return json.loads(text[start : text.rindex("}") + 1])


BLOCK_WIDGETS = """
import importlib.abc, sys
class _NoWidgets(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name == "ipywidgets" or name.startswith("ipywidgets."):
            raise ModuleNotFoundError("No module named 'ipywidgets' (blocked by the test)")
        return None
sys.meta_path.insert(0, _NoWidgets())
"""


# the machinery's installs, and Colab's ipywidgets 7.7 (the other major)
@pytest.mark.envs(*MACHINERY_ENVS, "colab")
@pytest.mark.parametrize("widgets", ["blocked", "as installed"])
def test_magics_without_ipywidgets_or_with_another_major(widgets):
    pre = BLOCK_WIDGETS if widgets == "blocked" else ""
    cells = [
        "%load_ext kerasmagic",
        "import importlib.util as u; print('WIDGETS', bool(u.find_spec('ipywidgets')) and "
        "__import__('ipywidgets').__version__)",
        "print('OPT', 'keras_optimizers' in get_ipython().magics_manager.magics['line'])",
        "%keras_env",
        "%%keras_check\nimport tf\n",
    ]
    out = run_shell(cells, pre=pre)
    version_line = out[1][0].strip()
    if widgets == "blocked":
        assert version_line.endswith("False") or "No module" in version_line, version_line
    has_optimizers = "OPT True" in out[2][0]
    assert out[3][1] == "ok" and "kerasmagic" in out[3][0].lower()
    assert_no_internal_traceback(out[3][0])
    assert out[4][1] == "ModuleNotFoundError" and "No module named 'tf'" in out[4][0]
    if has_optimizers:
        more = run_shell(["%load_ext kerasmagic", "%keras_optimizers", "print('alive')"], pre=pre)
        assert more[1][1] == "ok", more[1][0]
        assert_no_internal_traceback(more[1][0])
        assert more[2][1] == "ok" and "alive" in more[2][0]


def test_display_without_any_shell():
    """``kerasmagic.env_report()`` / ``check()`` displayed with no IPython shell at all."""
    code = textwrap.dedent(
        """
        import json
        from IPython.display import display
        from IPython import get_ipython
        import kerasmagic
        assert get_ipython() is None
        report = kerasmagic.env_report()
        display(report)
        result = kerasmagic.check("import tf\\n")
        display(result)
        bundle = result._repr_mimebundle_()
        print("@@" + json.dumps({"ok": result.ok, "error_type": result.error_type,
                                 "mimes": sorted(bundle)}))
        """
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    data = json.loads(proc.stdout.rsplit("@@", 1)[1])
    assert data["ok"] is False and data["error_type"] == "ModuleNotFoundError"
    assert {"text/plain", "text/html"} <= set(data["mimes"])
    printed = proc.stdout.rsplit("@@", 1)[0]
    assert "kerasmagic" in printed.lower() and sys.executable in printed


INTERRUPTIBLE = [
    "%load_ext kerasmagic",
    "%%keras_check\nprint('READY 1', flush=True)\nimport time\ntime.sleep(60)\nprint('not', 'interrupted'.upper())\n",
    "print('NEXT 1', 20 + 1)",
    "%keras_check on",
    "print('READY 2', flush=True)\nimport time\ntime.sleep(60)\nprint('not', 'interrupted'.upper())\n",
    "print('NEXT 2', 20 + 2)",
    "%keras_check off",
]


def test_real_sigint_during_a_checked_cell_keeps_the_shell():
    full = dict(os.environ, PYTHONUNBUFFERED="1")
    proc = subprocess.Popen(
        [sys.executable, "-c", SHELL_SCRIPT.format(pre=""), json.dumps(INTERRUPTIBLE)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=full,
        errors="replace",
    )
    assert proc.stdout is not None
    seen: list[str] = []
    deadline = time.monotonic() + 240
    try:
        for line in proc.stdout:
            seen.append(line)
            if line.startswith("READY"):
                time.sleep(0.3)  # well inside time.sleep(60)
                proc.send_signal(signal.SIGINT)
            assert time.monotonic() < deadline, "".join(seen)[-3000:]
        code = proc.wait(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    cells = parse_cells("".join(seen), len(INTERRUPTIBLE), code)
    assert code == 0, "".join(seen)[-3000:]
    for i in (1, 4):
        text, outcome = cells[i]
        assert outcome == "KeyboardInterrupt", text
        assert "not INTERRUPTED" not in text and "KeyboardInterrupt" in text
        assert_no_internal_traceback(text)
    assert cells[2] == (cells[2][0], "ok") and "NEXT 1 21" in cells[2][0]
    assert cells[5] == (cells[5][0], "ok") and "NEXT 2 22" in cells[5][0]


BROKEN_STR = """
class Unprintable(ValueError):
    def __str__(self):
        raise RuntimeError("__str__ itself fails")
    def __repr__(self):
        raise RuntimeError("__repr__ too")
raise Unprintable("keras optimizer")
"""


def test_exception_whose_str_raises_in_global_mode_and_cli(tmp_path: Path):
    out = run_shell(
        ["%load_ext kerasmagic", BROKEN_STR, "%keras_check on", BROKEN_STR, "print('alive')"]
    )
    (plain, plain_outcome), (text, outcome) = out[1], out[3]
    # exactly what IPython alone shows for such an exception (it reports the __str__ failure too)
    assert outcome == plain_outcome and "Unprintable" in text
    assert user_traceback(plain) in normalized(text)
    assert_no_internal_traceback(text)
    assert out[4][1] == "ok" and "alive" in out[4][0]
    script = tmp_path / "broken_str.py"
    script.write_text(BROKEN_STR)
    proc = subprocess.run(
        [sys.executable, "-m", "kerasmagic", "check", str(script), "--json"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 1, proc.stdout[-2000:] + proc.stderr[-2000:]
    data = json.loads(proc.stdout)
    assert data["ok"] is False and data["error_type"] == "Unprintable"


def test_failing_checked_cell_stops_run_all_like_a_plain_one():
    import nbformat
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError

    def stops(cell: str) -> bool:
        nb = nbformat.v4.new_notebook()
        nb.cells = [
            nbformat.v4.new_code_cell(c)
            for c in ("%load_ext kerasmagic", cell, "print('ran after the failure')")
        ]
        try:
            NotebookClient(nb, timeout=300, kernel_name="python3").execute()
        except CellExecutionError:
            return True
        return False

    assert stops("import tf\n")  # what a plain failing cell does
    assert stops("%%keras_check\nimport tf\n")


# -- a fault inside kerasmagic itself ---------------------------------------------------------------
INJECT = """
import kerasmagic.diagnosis.engine as _engine
def _broken(*args, **kwargs):
    raise RuntimeError("injected fault in kerasmagic")
_engine.after_cell = _broken  # the one entry every door calls
"""


def test_a_fault_inside_kerasmagic_is_named_and_the_users_error_is_intact():
    """The diagnosis itself raising: the user's traceback as IPython shows it, then one line
    saying kerasmagic failed (no kerasmagic frames), and the shell goes on."""
    failing = "import tf\n"
    out = run_shell(
        [
            "%load_ext kerasmagic",
            failing,
            "%%keras_check\n" + failing,
            "%keras_check on",
            failing,
            "%keras_check off",
            "print('alive', 6 * 7)",
        ],
        pre=INJECT,
    )
    plain, plain_outcome = out[1]
    assert plain_outcome == "ModuleNotFoundError"
    for i in (2, 4):
        text, outcome = out[i]
        assert outcome == plain_outcome, text
        assert user_traceback(plain) in normalized(text), text
        assert "kerasmagic: internal error while diagnosing the cell" in text, text
        assert "injected fault in kerasmagic" in text
        assert_no_internal_traceback(text)
    assert out[6][1] == "ok" and "alive 42" in out[6][0]


def test_parse_cell_of_the_rewriter_never_raises_on_notebook_text():
    """The rewriter's cell parser (IPython syntax turned into Python) on the lines above, each
    alone and all together: a parsed cell or None, never an exception."""
    from kerasmagic.diagnosis.rewrite import parse_cell

    for source in [*LINES, "\n".join(LINES), "\n".join(reversed(LINES))]:
        parse_cell(source)


@FUZZ
@given(source=source_text)
def test_parse_cell_never_raises(source):
    from kerasmagic.diagnosis.rewrite import parse_cell

    parse_cell(source)


# -- load/unload 50 times ----------------------------------------------------------------------------
RELOAD = r"""
import gc, io, json, logging, sys, tracemalloc, warnings
from contextlib import redirect_stderr, redirect_stdout
from IPython.core.interactiveshell import InteractiveShell

shell = InteractiveShell.instance()
sink = io.StringIO()


def state():
    fmt = shell.display_formatter.formatters
    loggers = [logging.getLogger()] + [
        logging.getLogger(n) for n in ("tensorflow", "absl", "keras", "py.warnings")
    ]
    return {
        "events": {k: len(v) for k, v in shell.events.callbacks.items()},
        "custom_exceptions": repr(shell.custom_exceptions),
        "custom_exc_handler": repr(getattr(shell, "CustomTB", None)),
        "line magics": sorted(shell.magics_manager.magics["line"]),
        "cell magics": sorted(shell.magics_manager.magics["cell"]),
        "registry": sorted(shell.magics_manager.registry),
        "input_transformers": len(shell.input_transformers_post)
        + len(getattr(shell, "input_transformers_cleanup", [])),
        "ast_transformers": len(shell.ast_transformers),
        "formatters": {k: len(getattr(f, "type_printers", {})) + len(getattr(f, "deferred_printers", {}))
                       for k, f in fmt.items()},
        "warnings.filters": len(warnings.filters),
        "showwarning": repr(warnings.showwarning),
        "log handlers": [len(l.handlers) for l in loggers],
        "log filters": [len(l.filters) for l in loggers],
        "sys hooks": [repr(sys.excepthook), repr(sys.displayhook), len(sys.meta_path),
                      len(sys.path_hooks), repr(sys.stdout.__class__), repr(sys.stderr.__class__)],
        "threads": __import__("threading").active_count(),
    }


CELLS_ON = ["ok_value = sum(range(10))", "import tf"]
CELLS_CHECKED = ["%%keras_check\nchecked = 1\n", "%%keras_check\nimport tf\n"]


def cycle(with_extension, optimizers=False):
    with redirect_stdout(sink), redirect_stderr(sink):
        if with_extension:
            shell.run_line_magic("load_ext", "kerasmagic")
            shell.run_line_magic("keras_env", "")
            shell.run_line_magic("keras_check", "on")
            for cell in CELLS_ON + CELLS_CHECKED:
                shell.run_cell(cell, store_history=False)
            if optimizers and "keras_optimizers" in shell.magics_manager.magics["line"]:
                shell.run_line_magic("keras_optimizers", "--json")  # slow: once, in the warm-up
            shell.run_line_magic("unload_ext", "kerasmagic")
        else:
            for cell in CELLS_ON + ["checked = 1\n", "import tf\n"]:
                shell.run_cell(cell, store_history=False)
    sink.seek(0)
    sink.truncate()
    # IPython 9 keeps every displayed bundle in its output history (any display would): not ours
    outputs = getattr(shell.history_manager, "outputs", None)
    if outputs is not None:
        outputs.clear()


# %keras_optimizers builds the optimizers in this process (as asked): TensorFlow's and Keras's
# own imports add their warning filters, log handler and import hooks, which are theirs, not
# kerasmagic's; they are imported first so that `before` already holds them
for _name in ("tensorflow", "keras", "tf_keras"):
    try:
        __import__(_name)
    except Exception:
        pass
before = state()
for i in range(3):  # one-time costs: imports, the index of names, IPython's own caches
    cycle(True, optimizers=i == 0)
    cycle(False)
after_warmup = state()
gc.collect()
tracemalloc.start()
snap0 = tracemalloc.take_snapshot()
plain0 = tracemalloc.get_traced_memory()[0]
for _ in range(50):
    cycle(False)
gc.collect()
plain_growth = tracemalloc.get_traced_memory()[0] - plain0
base = tracemalloc.get_traced_memory()[0]
for _ in range(50):
    cycle(True)
gc.collect()
ext_growth = tracemalloc.get_traced_memory()[0] - base
top = [
    str(s) for s in tracemalloc.take_snapshot().compare_to(snap0, "lineno")[:8]
    if "kerasmagic" in str(s)
]
tracemalloc.stop()
import kerasmagic.extension as ext
print("@@" + json.dumps({
    "before": before, "after_warmup": after_warmup, "after": state(),
    "plain_growth": plain_growth, "ext_growth": ext_growth, "top": top,
    "loaded": ext.is_loaded(shell), "modules_tf": "tensorflow" in sys.modules,
}))
"""


# kerasmagic's own state: Keras 3 over TF, Colab's IPython 7.34, and no Keras at all
@pytest.mark.envs("tf221-k3", "colab", "bare")
def test_load_use_unload_50_times_leaves_nothing_behind():
    """Every hook a cycle of load → %keras_env → %keras_check on → checked cells (failing too) →
    unload (%keras_optimizers in the first cycle) could leave is back as it was, and 50 cycles
    retain no memory beyond what the same cells run plainly retain."""
    proc = subprocess.run(
        [sys.executable, "-c", RELOAD], capture_output=True, text=True, timeout=900
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    data = json.loads(strip(proc.stdout).rsplit("@@", 1)[1])
    assert data["loaded"] is False
    lazy = ("line magics", "cell magics", "registry")  # IPython registers some of its own lazily
    for key, value in data["before"].items():
        if key == "threads":
            continue
        if key in lazy:
            added = set(data["after"][key]) - set(value)
            assert not [n for n in added if "keras" in n.lower()], (key, added)
        else:
            assert data["after"][key] == value, (key, value, data["after"][key])
    for key, value in data["after_warmup"].items():  # and nothing accumulates cycle after cycle
        if key != "threads":
            assert data["after"][key] == value, (key, value, data["after"][key])
    assert data["after"]["threads"] <= data["after_warmup"]["threads"]
    # nothing retained per cycle: under 2 KB a cycle on average beyond the plain cells
    extra = data["ext_growth"] - data["plain_growth"]
    assert extra < 50 * 2_000, (extra, data["top"])
