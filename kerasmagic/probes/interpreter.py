"""The interpreter and the host it runs in: how to install into it and how to restart it."""

from __future__ import annotations

import importlib.util
import os
import platform
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path

from kerasmagic.probes.path_state import import_state, program_state
from kerasmagic.probes.pip_target import PipTarget, pip_target

# How to restart, per host: the words of the host's own menu.
RESTART_HINTS = {
    "colab": "Runtime → Restart session",
    "kaggle": "Run → Restart & clear cell outputs",
    "vscode": "the Restart button of the notebook toolbar (or Ctrl+Shift+P → 'Jupyter: Restart Kernel')",
    "jupyter": "Kernel → Restart Kernel",
    "ipython": "exit IPython and start it again",
    "python": "start the Python process again",
}


@dataclass
class Interpreter:
    """Facts about the running Python and the front end it serves."""

    executable: str
    version: str
    implementation: str
    platform: str
    prefix: str
    env_kind: str  # venv, conda, system
    host: str  # colab, kaggle, vscode, jupyter, ipython, python
    in_kernel: bool
    pip_on_path: str | None
    pip_python: str | None
    has_pip: bool = True
    uv_on_path: str | None = None
    pip_shim: str | None = None  # "pyenv", "asdf", "a shell script": `pip` on PATH is a wrapper
    pip_via: str = ""  # how the wrapper's Python was read (pyenv version file …)

    @property
    def magic(self) -> bool:
        """The user types into IPython: ``%pip`` and ``!`` lines work."""
        return self.in_kernel or self.host == "ipython"

    @property
    def here(self) -> str:
        """What the user calls this process: "this kernel" where they type into IPython, else
        "this Python" (a terminal, a script)."""
        return "this kernel" if self.magic else "this Python"

    @property
    def pip_typed(self) -> str:
        """How the user would type an install with the ``pip`` on PATH, from where they type."""
        return "`!pip install`" if self.magic else "`pip install`"

    @property
    def install_prefix(self) -> str:
        """How to install into *this* interpreter, from where the user types (one line).

        ``%pip`` runs ``sys.executable -m pip``: in an environment without pip (``uv venv``) it
        needs ``ensurepip`` first (``install_first``), unless uv is there to be told the Python."""
        if not self.has_pip and self.uv_on_path:
            return f'{"!" if self.magic else ""}uv pip install --python "{self.executable}"'
        if self.magic:
            return "%pip install"
        if not self.has_pip:
            return f'"{self.executable}" -m ensurepip && "{self.executable}" -m pip install'
        return f'"{self.executable}" -m pip install'

    @property
    def install_first(self) -> str | None:
        """The step ``install_prefix`` needs first: pip itself, in a kernel whose Python has none."""
        if self.magic and not self.has_pip and not self.uv_on_path:
            return f'!"{self.executable}" -m ensurepip'
        return None

    @property
    def install_advice(self) -> str:
        """One sentence saying how to install into this interpreter, true to ``install_command``."""
        if not self.has_pip and self.uv_on_path:
            return (
                "This Python has no pip (an environment made by `uv venv`): install with uv, "
                "told which Python to install into."
            )
        if self.magic and not self.has_pip:
            return (
                "This kernel's Python has no pip: add it once with `ensurepip`, then install with "
                "`%pip install`, which installs into the Python running this kernel."
            )
        if self.magic:
            return (
                "Install with `%pip install`, which installs into the Python running this kernel."
            )
        if not self.has_pip:
            return "This Python has no pip: add it with `ensurepip`, then install with its pip."
        return "Install with this Python's own pip (`python -m pip`), not the `pip` on PATH."

    def install_command(self, *requirements: str) -> str:
        quoted = " ".join(f'"{r}"' if any(c in r for c in "<>=!~; ") else r for r in requirements)
        line = f"{self.install_prefix} {quoted}"
        return f"{self.install_first}\n{line}" if self.install_first else line

    @property
    def restart_hint(self) -> str:
        return RESTART_HINTS.get(self.host, RESTART_HINTS["python"])

    @property
    def pip_mismatch(self) -> bool:
        """``pip`` on PATH installs into another Python than this one."""
        if not self.pip_python:
            return False
        return _same_environment(self.pip_python, self.executable) is False


def _same_environment(a: str, b: str) -> bool | None:
    """Both Pythons install into one environment: they sit in the same ``bin`` directory (a
    venv's ``python`` is a symlink to its base interpreter, yet installs into the venv)."""
    try:
        return os.path.samefile(
            os.path.dirname(os.path.abspath(a)), os.path.dirname(os.path.abspath(b))
        )
    except OSError:
        return None


def env_kind() -> str:
    if os.path.isdir(os.path.join(sys.prefix, "conda-meta")):
        return "conda"
    if sys.prefix != getattr(sys, "base_prefix", sys.prefix):
        return "venv"
    return "system"


def detect_host(shell: object | None = None) -> tuple[str, bool]:
    """``(host, in_kernel)`` from the live process: modules, environment variables, shell class."""
    env = os.environ
    if shell is None and "IPython" in sys.modules:
        shell = sys.modules["IPython"].get_ipython()
    in_kernel = type(shell).__name__ == "ZMQInteractiveShell"
    if "google.colab" in sys.modules or "COLAB_RELEASE_TAG" in env or "COLAB_GPU" in env:
        return "colab", True
    if "KAGGLE_KERNEL_RUN_TYPE" in env or "KAGGLE_URL_BASE" in env:
        return "kaggle", True
    if in_kernel and ("VSCODE_PID" in env or "VSCODE_CWD" in env or env.get("VSCODE_AGENT_FOLDER")):
        return "vscode", True
    if in_kernel:
        return "jupyter", True
    if shell is not None and type(shell).__name__ == "TerminalInteractiveShell":
        return "ipython", False
    return "python", False


def place() -> str:
    """The words "this kernel" inside IPython (a kernel or a terminal IPython), else "this Python": the
    words a report uses for the process it describes."""
    host, in_kernel = detect_host()
    return "this kernel" if in_kernel or host == "ipython" else "this Python"


def interpreter_facts(shell: object | None = None, *, pip_on_path: bool = True) -> Interpreter:
    """This interpreter, its host and how to install into it. ``pip_on_path=False`` leaves out
    which Python the ``pip`` on PATH serves (reading its script): the install line does not
    need it."""
    host, in_kernel = detect_host(shell)
    pip, target, has_pip, uv = _installers(pip_on_path)
    return Interpreter(
        executable=sys.executable,
        version=platform.python_version(),
        implementation=platform.python_implementation(),
        platform=platform.platform(terse=True),
        prefix=sys.prefix,
        env_kind=env_kind(),
        host=host,
        in_kernel=in_kernel,
        pip_on_path=pip,
        pip_python=target.python if target else None,
        has_pip=has_pip,
        uv_on_path=uv,
        pip_shim=target.shim if target else None,
        pip_via=target.via if target else "",
    )


_installers_seen: dict[bool, tuple[tuple, tuple]] = {}  # pip_on_path → (state, answer)


def _installers(pip_on_path: bool) -> tuple[str | None, PipTarget | None, bool, str | None]:
    """``(pip on PATH, the Python it serves, this Python has pip, uv on PATH)``, looked up
    again only when the search paths or their directories changed."""
    state = (program_state(), import_state())
    seen = _installers_seen.get(pip_on_path)
    if seen is not None and seen[0] == state:
        return seen[1]  # type: ignore[return-value]
    pip = shutil.which("pip") if pip_on_path else None
    target = pip_target(pip) if pip else None
    answer = (pip, target, importlib.util.find_spec("pip") is not None, shutil.which("uv"))
    _installers_seen[pip_on_path] = (state, answer)
    return answer


def home_dir_writable() -> bool:
    home = Path.home()
    return os.access(home, os.W_OK)
