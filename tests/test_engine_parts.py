"""The engine's own decisions, one at a time, in this process with real Keras objects: which
errors are worth explaining, when a cell is examined at all, the install line aimed at this
interpreter, the traps of a failing or linted cell, ``check``'s namespace and ``on_error``.

Written from the mutants of ``kerasmagic/diagnosis/engine.py`` that ``tests/test_engine.py``
(which drives the whole pipeline in another process) let through (docs/mutation.md).
"""

from __future__ import annotations

import os

import pytest

from kerasmagic.diagnosis import engine
from kerasmagic.findings import Finding

pytestmark = pytest.mark.envs("tf221-k3", "tf215-k2")

BACKEND_TOO_LATE = "import keras\nimport os\nos.environ['KERAS_BACKEND'] = 'jax'\n"


def _raised(source: str, ns: dict) -> BaseException:
    try:
        exec(source, ns)
    except Exception as exc:
        return exc
    raise AssertionError(f"{source!r} did not raise")


def test_which_errors_are_worth_explaining():
    import keras

    assert engine.worth_explaining(ImportError("No module named 'x'"), "import x\n")
    assert not engine.worth_explaining(KeyError("k"), "d = {}\nd['k']\n")
    plain = _raised("int('seven')\n", {})
    assert not engine.worth_explaining(plain, "int('seven')\n", {})
    # a plain ValueError of a cell whose names are bound to Keras objects: worth it
    ns = {"layer": keras.layers.Dense(2)}
    error = _raised("layer\nint('seven')\n", ns)
    assert engine.worth_explaining(error, "layer\nint('seven')\n", ns)
    # the same error, the cell unreadable: nothing says it works with Keras
    assert not engine.worth_explaining(error, "layer = (\n", ns)
    name_error = _raised("tf.constant(1)\n", {})
    assert engine.worth_explaining(name_error, "tf.constant(1)\n")


def test_an_unrelated_error_nobody_asked_about_is_not_examined():
    source = "d = {}\nd['k']\n"
    error = _raised(source, {})
    assert engine.after_cell(source, error=error, namespace={}, explicit=False) is None
    asked = engine.after_cell(source, error=error, namespace={}, explicit=True)
    assert asked is not None and not asked.ok and asked.error_type == "KeyError"
    # the user's own stop is no error of the cell
    assert engine.after_cell("input()\n", error=KeyboardInterrupt(), namespace={}) is None


def test_a_clean_cell_is_ok():
    result = engine.after_cell("total = sum(range(10))\n", namespace={})
    assert result is not None and result.ok and result.ran
    assert engine.lint("total = 1\n", traps_only=True).ok


def test_the_install_line_is_aimed_at_this_interpreter():
    """A ``%pip install`` in a fix's code (not in its words) is rewritten for a process that is
    not IPython, and a finding without code keeps its words."""
    from kerasmagic.probes.interpreter import interpreter_facts

    prefix = interpreter_facts(pip_on_path=False).install_prefix
    if prefix == engine.PIP_MAGIC:
        pytest.skip("an IPython shell made by an earlier test makes this process a kernel")
    code_only = Finding("x", "error", "t", fix="Install it.", fix_code="%pip install scikeras")
    words_only = Finding("y", "error", "t", fix="Run `%pip install scikeras`.")
    engine.for_this_interpreter([code_only, words_only])
    assert code_only.fix_code == f"{prefix} scikeras"
    assert words_only.fix == f"Run `{prefix} scikeras`." and words_only.fix_code is None


@pytest.mark.envs("tf221-k3")  # the trap is Keras 3's: KERAS_BACKEND read at its import
def test_a_trap_is_reported_by_lint_and_with_the_error_of_a_failing_cell():
    before = os.environ.get("KERAS_BACKEND")
    try:
        _trap_with_lint_and_check()
    finally:  # the cell sets it; processes started later by other tests must not inherit it
        if before is None:
            os.environ.pop("KERAS_BACKEND", None)
        else:
            os.environ["KERAS_BACKEND"] = before


def _trap_with_lint_and_check() -> None:
    assert [t.id for t in engine.lint(BACKEND_TOO_LATE).traps] == ["keras-backend-env-too-late"]
    failing = BACKEND_TOO_LATE + "keras.layers.Dense(2).no_such_attribute\n"
    result = engine.check(failing, namespace={"__name__": "__main__"})
    assert result.error_type == "AttributeError"
    assert "keras-backend-env-too-late" in [t.id for t in result.traps]


def test_check_runs_the_source_as_main_and_hands_its_error_over():
    assert engine.check("assert __name__ == '__main__'\n").ok
    seen: list[BaseException] = []
    result = engine.check("x = (\n", on_error=seen.append)
    assert [type(e) for e in seen] == [SyntaxError] and result.error_type == "SyntaxError"
    assert engine.check("x = (\n").error_type == "SyntaxError"  # no on_error: nothing to call


def test_in_a_kernel_without_pip_ensurepip_comes_first_and_only_before_pip(ipshell):
    """In IPython (``%pip`` is this kernel's install line) on a Python without pip: the words
    and the ``%pip`` code say to run ``ensurepip`` first; code without ``%pip`` is left alone."""
    from kerasmagic.probes.interpreter import interpreter_facts

    facts = interpreter_facts(pip_on_path=False)
    if facts.install_prefix != engine.PIP_MAGIC or not facts.install_first:
        pytest.skip("this Python has pip: no ensurepip step")  # tf221-k3 is built without pip
    pip_code = Finding("x", "error", "t", fix="Install it.", fix_code="%pip install scikeras")
    other_code = Finding("y", "error", "t", fix="Run `%pip install x`.", fix_code="import x")
    engine.for_this_interpreter([pip_code, other_code])
    assert pip_code.fix_code == f"{facts.install_first}\n%pip install scikeras"
    assert other_code.fix_code == "import x"
    assert facts.install_first in other_code.fix and facts.install_first in pip_code.fix
