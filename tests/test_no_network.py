"""No network and no installs: every magic runs with the network blocked and pip watched.

A ``sitecustomize`` on PYTHONPATH (so it also loads in the ``--probe`` subprocess and any other
child) blocks ``socket.socket.connect`` and records, through an audit hook, every connection
attempt and every ``subprocess.Popen`` argv into a log shared by all the processes.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from environments import MACHINERY_ENVS

GUARD = '''
"""Test guard: no network, and a record of every subprocess (kerasmagic's test_no_network)."""
import json, os, socket, sys

_LOG = os.environ.get("KM_GUARD_LOG")


def _record(kind, detail):
    if not _LOG:
        return
    with open(_LOG, "a") as fh:
        fh.write(json.dumps({"pid": os.getpid(), "kind": kind, "detail": detail}) + "\\n")


def _is_network(address):
    return isinstance(address, tuple)  # AF_INET/AF_INET6 addresses; AF_UNIX ones are str/bytes


def _hook(event, args):
    if event == "subprocess.Popen":
        _record("popen", [str(a) for a in (args[1] or [])] if len(args) > 1 else [])
    elif event in ("socket.connect", "socket.sendto") and _is_network(args[1]):
        _record("connect", repr(args[1]))
    elif event == "socket.getaddrinfo":
        _record("getaddrinfo", repr(args[:2]))


_real_connect = socket.socket.connect
_real_connect_ex = socket.socket.connect_ex


def _blocked_connect(self, address):
    if _is_network(address):
        _record("blocked", repr(address))
        raise OSError(101, "network blocked by kerasmagic's test guard")
    return _real_connect(self, address)


def _blocked_connect_ex(self, address):
    if _is_network(address):
        _record("blocked", repr(address))
        return 101
    return _real_connect_ex(self, address)


socket.socket.connect = _blocked_connect
socket.socket.connect_ex = _blocked_connect_ex
sys.addaudithook(_hook)
_record("start", sys.argv[:3])
'''

SESSION = """
import json, socket, sys
from IPython.core.interactiveshell import InteractiveShell
shell = InteractiveShell.instance()
# the guard is live: a connection attempt is blocked and recorded (self-test)
try:
    socket.create_connection(("127.0.0.1", 9), timeout=1)
    print("GUARD FAILED")
except OSError:
    print("GUARD OK")
with open(sys.argv[1], "a") as fh:
    fh.write(json.dumps({"pid": -1, "kind": "selftest-done", "detail": None}) + "\\n")
shell.run_line_magic("load_ext", "kerasmagic")
magics = shell.magics_manager.magics
ran = []
for line in ["%keras_env", "%keras_env --json", "%keras_env --probe",
             "%%keras_check\\nfrom keras.utils.np_utils import to_categorical\\n",
             "%%keras_check\\nimport keras\\nkeras.optimizers.Adam(lr=0.01)\\n",
             "%%keras_check --fix\\nimport tf\\n",
             "%keras_optimizers", "%keras_optimizers --probe"]:
    name = line.lstrip("%").split()[0]
    if name not in magics["line"] and name not in magics["cell"]:
        continue
    shell.run_cell(line, store_history=True)
    ran.append(line.split("\\n")[0])
print("@@" + json.dumps(ran))
"""


def read_log(path: Path) -> list[dict]:
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


# One environment per kind of install the magics and the CLI take a different path in (see
# MACHINERY_ENVS); the others add no code path of kerasmagic that could reach the network or pip.
pytestmark = pytest.mark.envs(*MACHINERY_ENVS)


@pytest.fixture
def guarded(tmp_path: Path) -> tuple[dict[str, str], Path]:
    guard_dir = tmp_path / "guard"
    guard_dir.mkdir()
    (guard_dir / "sitecustomize.py").write_text(GUARD)
    log = tmp_path / "guard.log"
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(guard_dir), env.get("PYTHONPATH")) if p)
    env["KM_GUARD_LOG"] = str(log)
    return env, log


def test_every_magic_runs_without_network_or_pip(guarded, tmp_path: Path):
    env, log = guarded
    proc = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(SESSION), str(log)],
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
        cwd=str(tmp_path),
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "GUARD OK" in proc.stdout
    ran = json.loads(proc.stdout.rsplit("@@", 1)[1])
    assert "%keras_env --probe" in ran and any(r.startswith("%%keras_check") for r in ran)

    events = read_log(log)
    kernel_pid = next(e["pid"] for e in events if e["kind"] == "start")
    done = next(i for i, e in enumerate(events) if e["kind"] == "selftest-done")
    selftest, after = events[:done], events[done + 1 :]
    # the guard really blocks and records (so the assertions below can fail)
    assert any(e["kind"] == "blocked" for e in selftest), selftest

    started = [e for e in after if e["kind"] == "start"]
    assert any(e["pid"] != kernel_pid for e in started), "the --probe subprocess was guarded too"
    popens = [e["detail"] for e in after if e["kind"] == "popen"]
    assert popens, "the --probe subprocess was seen by the audit hook"
    network = [e for e in after if e["kind"] in ("connect", "blocked", "getaddrinfo")]
    assert not network, network
    installers = [
        argv
        for argv in popens
        if any(Path(a).name in ("pip", "pip3", "uv", "conda", "mamba") for a in argv)
        or any(a in ("pip", "install", "ensurepip") for a in argv)
    ]
    assert not installers, installers


def test_cli_runs_without_network_or_pip(guarded, tmp_path: Path):
    env, log = guarded
    script = tmp_path / "cell.py"
    script.write_text("from keras.utils.np_utils import to_categorical\n")
    commands = [
        ["env", "--json", "--probe"],
        ["check", str(script), "--json"],
        ["check", str(script), "--lint"],
    ]
    for args in commands:
        proc = subprocess.run(
            [sys.executable, "-m", "kerasmagic", *args],
            capture_output=True,
            text=True,
            env=env,
            timeout=600,
            cwd=str(tmp_path),
        )
        assert proc.returncode in (0, 1), (args, proc.stderr[-3000:])
    events = read_log(log)
    assert sum(e["kind"] == "start" for e in events) >= len(commands) + 1  # + the probe child
    assert not [e for e in events if e["kind"] in ("connect", "blocked", "getaddrinfo")]
    popens = [e["detail"] for e in events if e["kind"] == "popen"]
    assert not [a for a in popens if any(x in ("pip", "install") for x in a)], popens
