"""Run a notebook in a real JupyterLab 4 or Notebook 7 page in headless Chromium, read it back.

    python scripts/notebook_browser.py --front lab --out docs/check-fix-jupyterlab.png \\
        '%load_ext kerasmagic' $'%%keras_check --fix\\nimport tf\\nprint(tf.__version__)'

Starts the server (``jupyterlab``, or ``notebook`` 7 with ``--front notebook``) of this
interpreter on a free local port in a temporary directory, opens a notebook of the given cells,
runs them all with the front end's own "Run All" command, waits until the kernel is idle and no
cell is queued, and returns every cell's source, execution count and output text as the page
shows them; ``--out`` saves a screenshot of the notebook. Drives Debian's ``chromium`` with
Playwright (the tf221-k3 environment has jupyterlab, notebook and playwright).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))
from screenshot_widget import CHROMIUM, _free_port, _notebook, _wait_for_server  # noqa: E402

FRONTS = {"lab": ("jupyterlab", "LabApp", "lab/tree"), "notebook": ("notebook", "JupyterNotebookApp", "notebooks")}  # fmt: skip

CELLS_JS = """() => window.jupyterapp.shell.currentWidget.content.widgets.map(c => ({
    source: c.model.sharedModel.getSource(),
    count: c.model.executionCount ?? null,
    prompt: c.node.querySelector('.jp-InputPrompt')?.innerText ?? '',
    output: c.node.querySelector('.jp-OutputArea')?.innerText ?? '',
}))"""
IDLE_JS = (
    "() => window.jupyterapp?.shell.currentWidget?.sessionContext?.session?.kernel?.status"
    " === 'idle'"
)


def _settled(page: Any, timeout: float) -> list[dict[str, Any]]:
    """The cells once the kernel has been idle with no cell queued ("[*]") for two seconds."""
    deadline, calm_since, cells = time.monotonic() + timeout, None, []
    while time.monotonic() < deadline:
        cells = page.evaluate(CELLS_JS)
        quiet = page.evaluate(IDLE_JS) and not any("*" in c["prompt"] for c in cells)
        if not quiet:
            calm_since = None
        elif calm_since is None:
            calm_since = time.monotonic()
        elif time.monotonic() - calm_since > 2:
            return cells
        time.sleep(0.5)
    raise TimeoutError(f"the notebook did not finish in {timeout:.0f} s: {cells}")


def run_in_browser(
    cells: list[str],
    *,
    front: str = "lab",
    out: Path | None = None,
    chromium: str = CHROMIUM,
    timeout: float = 300,
) -> list[dict[str, Any]]:
    """Run ``cells`` with Run All in ``front`` (``lab`` or ``notebook``); the cells as shown."""
    from playwright.sync_api import sync_playwright

    if not Path(chromium).exists():
        raise FileNotFoundError(f"{chromium} is missing: apt-get install -y chromium")
    module, app, route = FRONTS[front]
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        (work / "cells.ipynb").write_text(json.dumps(_notebook(cells)), encoding="utf-8")
        settings = work / "settings" / "@jupyterlab" / "apputils-extension"
        settings.mkdir(parents=True)
        (settings / "notification.jupyterlab-settings").write_text('{"fetchNews": "false"}')
        port, token = _free_port(), "kerasmagic-test"
        env = dict(
            os.environ,
            JUPYTER_CONFIG_DIR=str(work / "config"),
            JUPYTER_RUNTIME_DIR=str(work / "runtime"),
            JUPYTERLAB_WORKSPACES_DIR=str(work / "workspaces"),
            JUPYTERLAB_SETTINGS_DIR=str(work / "settings"),
            TF_CPP_MIN_LOG_LEVEL="2",
            # the kernel imports this checkout's kerasmagic, whichever the environment installed
            PYTHONPATH=os.pathsep.join(p for p in (str(ROOT), os.environ.get("PYTHONPATH")) if p),
        )
        log = (work / "server.log").open("w")
        server = subprocess.Popen(
            [
                sys.executable, "-m", module, "--no-browser", f"--port={port}",
                "--ServerApp.ip=127.0.0.1", f"--IdentityProvider.token={token}",
                f"--ServerApp.root_dir={work}", f"--{app}.expose_app_in_browser=True",
                "--ServerApp.allow_root=True",
            ],
            cwd=work, env=env, stdout=log, stderr=subprocess.STDOUT, text=True,
        )  # fmt: skip
        try:
            base = f"http://127.0.0.1:{port}"
            _wait_for_server(f"{base}/api/status?token={token}", server, 90)
            with sync_playwright() as pw:
                browser = pw.chromium.launch(
                    executable_path=chromium, headless=True, args=["--no-sandbox"]
                )
                page = browser.new_page(viewport={"width": 1300, "height": 1700})
                page.goto(f"{base}/{route}/cells.ipynb?token={token}")
                page.wait_for_selector(".jp-Notebook", timeout=timeout * 1000)
                page.wait_for_function(IDLE_JS, timeout=timeout * 1000)
                # not awaited: the command's promise settles only when every cell has run
                page.evaluate(
                    "() => { window.jupyterapp.commands.execute('notebook:run-all-cells'); }"
                )
                time.sleep(1)
                shown = _settled(page, timeout)
                if out is not None:
                    out.parent.mkdir(parents=True, exist_ok=True)
                    page.locator(".jp-Notebook").first.screenshot(path=str(out))
                browser.close()
        finally:
            server.terminate()
            try:
                server.wait(timeout=20)
            except subprocess.TimeoutExpired:
                server.kill()
            log.close()
    return shown


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("cells", nargs="+", help="the source of each code cell")
    parser.add_argument("--front", choices=sorted(FRONTS), default="lab")
    parser.add_argument("--out", type=Path, help="save a screenshot of the notebook here")
    parser.add_argument("--chromium", default=CHROMIUM)
    args = parser.parse_args(argv)
    shown = run_in_browser(args.cells, front=args.front, out=args.out, chromium=args.chromium)
    print(json.dumps(shown, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
