"""A fresh Jupyter kernel of the chosen interpreter for one notebook or script, driven by nbclient.

The kernel runs ``[PYTHON, -m, ipykernel_launcher, -f, {connection_file}]`` from a kernel spec
written to a temporary directory (so ``--python`` picks the environment, whatever kernels are
installed), in the notebook's directory, never in the user's own kernel. A cell that exceeds its
timeout is interrupted. The engine is reached only through ``kernel_side`` with hidden cells.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from contextlib import suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import kerasmagic
from kerasmagic.migrate.kernel_side import HIDDEN, MARK
from kerasmagic.migrate.traceback_lines import failing_line

KERNEL_NAME = "kerasmagic-migrate"
HOST_PATH = str(Path(kerasmagic.__file__).resolve().parent.parent)
HIDDEN_TIMEOUT = 600  # a diagnosis may import a module or two; never the cell's own timeout
# an interrupted cell's time to stop: native code (a huge `predict`, a TensorFlow op) may not see
# the interrupt for long, and every later call into its kernel would wait behind it
INTERRUPT_GRACE = 30
GRACE_PROBE = f"{HIDDEN}\npass  # does the kernel answer after the interrupt?"
START_TIMEOUT = 120
TIMEOUT_ENAME = "CellTimeoutError"
RUN_DEPENDENCIES = ("nbformat", "nbclient", "jupyter_client")


class KernelUnavailable(RuntimeError):
    """The kernel cannot be started; the message says why and what to install (nothing is)."""


class KernelSideError(RuntimeError):
    """kerasmagic's own code inside the kernel failed or answered nothing."""




@dataclass
class CellRun:
    """One execution of a cell: ``status`` is ok, error, timeout or dead (the kernel died)."""

    status: str
    outputs: list[Any] = field(default_factory=list)
    seconds: float = 0.0
    ename: str | None = None
    evalue: str | None = None

    @property
    def error(self) -> str | None:
        """``ename: evalue``, without the terminal codes Keras 3 bolds a layer call's message with
        (the report shows it as text)."""
        from kerasmagic.diagnosis.context import ANSI

        return ANSI.sub("", f"{self.ename}: {self.evalue}") if self.ename else None

    @property
    def cell_line(self) -> int | None:
        """The line of the cell the error was raised from (``traceback_lines``: IPython 8+ and
        Colab's 7.34); None when the traceback shows none."""
        for out in self.outputs:
            if out.get("output_type") == "error":
                line = failing_line(out.get("traceback") or [])
                if line is not None:
                    return line
        return None


def missing_run_dependencies() -> list[str]:
    """The host packages run mode needs that are not installed (``kerasmagic[migrate]``)."""
    import importlib.util

    return [name for name in RUN_DEPENDENCIES if importlib.util.find_spec(name) is None]


def resolve_interpreter(python: str | None) -> str:
    """An absolute path to the interpreter (a venv's ``bin/python`` is kept, not resolved)."""
    if not python:
        return sys.executable
    found = shutil.which(python) if os.sep not in python else python
    path = os.path.abspath(os.path.expanduser(found or python))
    if not os.path.isfile(path):
        raise KernelUnavailable(f"--python {python}: no such interpreter")
    return path


_checked: dict[str, str | None] = {}


def check_interpreter(python: str) -> None:
    """Raise ``KernelUnavailable`` when ``python`` cannot run an IPython kernel."""
    if python not in _checked:
        probe = "import importlib.util as u, sys; sys.exit(u.find_spec('ipykernel') is None)"
        try:
            proc = subprocess.run([python, "-c", probe], capture_output=True, timeout=60)
            problem = None if proc.returncode == 0 else "missing"
        except (OSError, subprocess.TimeoutExpired) as exc:
            problem = f"cannot run it: {exc}"
        _checked[python] = problem
    problem = _checked[python]
    if problem == "missing":
        raise KernelUnavailable(
            f"ipykernel is not installed in {python}, so no kernel can run the notebooks there. "
            f'Install it into that interpreter ("{python}" -m pip install ipykernel) or run '
            "`migrate --static`; kerasmagic installs nothing itself."
        )
    if problem:
        raise KernelUnavailable(f"{python}: {problem}")


def _literal(value: Any) -> str:
    return repr(value)


def bootstrap_code() -> str:
    """The first hidden cell: import the host's kerasmagic (whatever the kernel has installed),
    leave ``sys.path`` as it was, register the cell events."""
    return f"""{HIDDEN}
def _kerasmagic_migrate_bootstrap(host):
    import importlib, json, sys
    sys.path.insert(0, host)
    try:
        module = importlib.import_module("kerasmagic.migrate.kernel_side")
    except Exception as exc:
        print("\\n" + {MARK!r} + json.dumps({{"internal_error": "kerasmagic cannot be imported "
              "in this interpreter (" + sys.executable + "): " + repr(exc)}}))
        return
    finally:
        sys.path.remove(host)
    module.call("install", get_ipython())
_kerasmagic_migrate_bootstrap({_literal(HOST_PATH)})
del _kerasmagic_migrate_bootstrap
"""


def call_code(name: str, *args: Any, namespace: bool = False) -> str:
    """A hidden cell calling ``kernel_side.<name>(*args)`` (``namespace=globals()``: the
    notebook's namespace)."""
    arguments = ", ".join([_literal(name), *(_literal(a) for a in args)])
    if namespace:
        arguments += ", namespace=globals()"
    return (
        f'{HIDDEN}\n__import__("sys").modules["kerasmagic.migrate.kernel_side"].call({arguments})\n'
    )


def marked_document(outputs: list[Any]) -> Any:
    """The JSON document ``kernel_side.emit`` printed (the last marked line of stdout)."""
    found = None
    for out in outputs:
        if out.get("output_type") == "stream" and out.get("name") == "stdout":
            for line in out.get("text", "").splitlines():
                if line.startswith(MARK):
                    found = line[len(MARK) :]
    if found is None:
        raise KernelSideError(f"no answer from kerasmagic in the kernel: {_outputs_text(outputs)}")
    return json.loads(found)


def _outputs_text(outputs: list[Any]) -> str:
    parts = []
    for out in outputs:
        if out.get("output_type") == "stream":
            parts.append(out.get("text", ""))
        elif out.get("output_type") == "error":
            parts.append(f"{out.get('ename')}: {out.get('evalue')}")
    return "".join(parts)[-2000:]


class MigrationKernel:
    """A fresh kernel for one document: ``with MigrationKernel(...) as k: k.run(source, i)``."""

    def __init__(self, python: str, cwd: Path, cell_timeout: float | None, cells: int) -> None:
        self.python = python
        self.cwd = Path(cwd)
        self.cell_timeout = cell_timeout
        self.scratch = cells  # the index of the hidden cells' slot
        self.info: dict[str, Any] = {}
        self._client: Any = None
        self._context: Any = None
        self._spec_dir: str | None = None
        self._reply: dict[str, Any] | None = None
        self._log: Any = None
        self.hidden_seconds = 0.0  # spent in kerasmagic's own calls (diagnosis, traps)

    # -- life cycle -------------------------------------------------------------------------------
    def __enter__(self) -> MigrationKernel:
        check_interpreter(self.python)
        import nbformat
        from jupyter_client.kernelspec import KernelSpecManager
        from jupyter_client.manager import AsyncKernelManager
        from nbclient import NotebookClient

        self._spec_dir = tempfile.mkdtemp(prefix="kerasmagic-migrate-")
        spec = Path(self._spec_dir) / "kernels" / KERNEL_NAME
        spec.mkdir(parents=True)
        argv = [self.python, "-m", "ipykernel_launcher", "-f", "{connection_file}"]
        argv.append("--HistoryManager.hist_file=:memory:")
        kernel_json = {"argv": argv, "display_name": "kerasmagic migrate", "language": "python"}
        (spec / "kernel.json").write_text(json.dumps(kernel_json))
        ksm = KernelSpecManager(kernel_dirs=[str(spec.parent)])
        km = AsyncKernelManager(kernel_name=KERNEL_NAME, kernel_spec_manager=ksm)
        work = nbformat.v4.new_notebook()
        work.cells = [nbformat.v4.new_code_cell("") for _ in range(self.scratch + 1)]
        self._client = NotebookClient(
            work,
            km=km,
            timeout=self.cell_timeout,
            timeout_func=self._timeout_for,
            interrupt_on_timeout=True,
            error_on_timeout={"ename": TIMEOUT_ENAME, "evalue": "", "traceback": []},
            allow_errors=True,
            record_timing=False,
            startup_timeout=START_TIMEOUT,
            shutdown_kernel="immediate",
            on_cell_executed=self._executed,
        )
        # the kernel's own stdout/stderr (start-up warnings, a crash) go to a log, not the terminal
        self._log = open(Path(self._spec_dir) / "kernel.log", "wb")  # noqa: SIM115
        self._context = self._client.setup_kernel(
            cwd=str(self.cwd), cleanup_kc=True, stdout=self._log, stderr=self._log
        )
        try:
            self._context.__enter__()
            self.info = self._hidden(bootstrap_code())
        except BaseException as exc:
            tail = self.log_tail()
            self.close()
            if isinstance(exc, Exception):
                detail = f"\n{tail}" if tail else ""
                raise KernelUnavailable(
                    f"the kernel of {self.python} did not start: {exc}{detail}"
                ) from exc
            raise
        if self.info.get("internal_error"):
            message = self.info["internal_error"]
            self.close()
            raise KernelUnavailable(message)
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def close(self) -> None:
        """Shut the kernel down (immediately) and remove the temporary kernel spec."""
        context, self._context = self._context, None
        if context is not None:
            try:
                context.__exit__(None, None, None)
            except BaseException:
                self._kill()
        if self._log is not None:
            self._log.close()
            self._log = None
        if self._spec_dir:
            shutil.rmtree(self._spec_dir, ignore_errors=True)
            self._spec_dir = None

    def log_tail(self, limit: int = 2000) -> str:
        """The end of the kernel process's own output (why it died, for instance)."""
        if self._spec_dir is None:
            return ""
        try:
            self._log.flush()
            data = (Path(self._spec_dir) / "kernel.log").read_bytes()
        except (OSError, AttributeError):
            return ""
        return data.decode("utf-8", errors="replace")[-limit:].strip()

    def _kill(self) -> None:
        km = getattr(self._client, "km", None)
        provisioner = getattr(km, "provisioner", None)
        process = getattr(provisioner, "process", None)
        if process is not None:
            with suppress(Exception):
                process.kill()

    def kill(self) -> None:
        """End the kernel now, with what it started (its process group: jupyter_client starts
        each kernel in a session of its own), from any thread; the thread running a cell in it
        sees a dead kernel. ``close`` still cleans up."""
        process = getattr(getattr(getattr(self._client, "km", None), "provisioner", None), "process", None)  # fmt: skip
        if process is None:
            return
        if hasattr(os, "killpg"):
            with suppress(OSError):
                if os.getpgid(process.pid) == process.pid:  # the leader of its own group
                    os.killpg(process.pid, signal.SIGKILL)
                    return
        with suppress(Exception):
            process.kill()

    # -- running ----------------------------------------------------------------------------------
    def _timeout_for(self, cell: Any) -> float | None:
        if cell.source == GRACE_PROBE:
            return INTERRUPT_GRACE
        if cell.source.startswith(HIDDEN):
            return HIDDEN_TIMEOUT
        return self.cell_timeout

    def _stopped_when_interrupted(self) -> bool:
        """After a cell's timeout: does the kernel answer again (a hidden no-op runs) within
        ``INTERRUPT_GRACE`` seconds?"""
        return self._execute(GRACE_PROBE, self.scratch, None).status == "ok"

    def _executed(self, cell: Any = None, cell_index: int = 0, execute_reply: Any = None) -> None:
        self._reply = execute_reply

    def _execute(self, source: str, index: int, count: int | None) -> CellRun:
        import nbformat
        from nbclient.exceptions import CellTimeoutError, DeadKernelError

        cell = nbformat.v4.new_code_cell(source)
        self._reply = None
        start = time.perf_counter()
        hidden = source.startswith(HIDDEN)
        try:
            self._client.execute_cell(cell, index, execution_count=count, store_history=not hidden)
        except (DeadKernelError, CellTimeoutError, RuntimeError) as exc:  # the kernel is gone
            return CellRun(
                "dead",
                list(cell.outputs),
                time.perf_counter() - start,
                "DeadKernelError",
                self.log_tail() or str(exc),
            )
        seconds = time.perf_counter() - start
        content = (self._reply or {}).get("content", {})
        errors = [o for o in cell.outputs if o.get("output_type") == "error"]
        if content.get("status") == "error":
            ename = content.get("ename")
            if ename == TIMEOUT_ENAME:
                evalue = f"the cell ran longer than {self.cell_timeout:g} s and was interrupted"
                if not hidden and not self._stopped_when_interrupted():
                    self.kill()  # later calls fail at once instead of waiting behind the cell
                    evalue = (
                        f"the cell ran longer than {self.cell_timeout:g} s and did not stop when "
                        f"interrupted (within {INTERRUPT_GRACE} s): its kernel was ended"
                    )
                return CellRun("timeout", list(cell.outputs), seconds, ename, evalue)
            if ename == "NoneType" and errors:  # raised while IPython showed the value: outputs tell
                ename, content = errors[-1].get("ename"), errors[-1]
            return CellRun("error", list(cell.outputs), seconds, ename, content.get("evalue"))
        if errors:  # a reply lost; the outputs still tell
            return CellRun(
                "error",
                list(cell.outputs),
                seconds,
                errors[-1].get("ename"),
                errors[-1].get("evalue"),
            )
        return CellRun("ok", list(cell.outputs), seconds)

    def run(self, source: str, index: int, count: int | None = None) -> CellRun:
        """Execute a notebook cell as Jupyter would (in history, counted, displayed)."""
        return self._execute(source, index, count)

    def _hidden(self, code: str) -> dict[str, Any]:
        run = self._execute(code, self.scratch, None)
        self.hidden_seconds += run.seconds
        if run.status in ("timeout", "dead"):
            raise KernelSideError(f"kerasmagic's call in the kernel failed: {run.error}")
        return marked_document(run.outputs)

    def call(self, name: str, *args: Any, namespace: bool = True) -> dict[str, Any]:
        """``kernel_side.<name>(*args, namespace=<the notebook's globals>)`` in the kernel; the
        JSON document it emits."""
        return self._hidden(call_code(name, *args, namespace=namespace))
