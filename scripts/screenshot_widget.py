"""Render the ``%keras_optimizers`` widget in a real JupyterLab and a headless browser.

    python scripts/screenshot_widget.py [--out docs/optimizer-widget.png] [--chromium /usr/bin/chromium]

Starts JupyterLab (of this interpreter) on a free port in a temporary directory, opens a notebook
that imports TensorFlow and runs ``%keras_optimizers adam sgd``, drives Debian's ``chromium`` with
Playwright (``executable_path``), switches the dropdown to ``sgd`` and back, and saves a screenshot
of the widget; then reads the computed ``text-align`` of the ``%keras_env`` table cells that show a
path (JupyterLab right-aligns table cells unless the report's own rule outranks its rule). Needs ``jupyterlab`` and ``playwright`` (the tf221-k3 environment has both).
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
CELLS = [
    "%load_ext kerasmagic",
    "import tensorflow as tf\nx = tf.constant([1.0, 2.0])\nSequential = tf.keras.Sequential",
    "%keras_optimizers adam sgd",
    "%keras_env",
]
# The computed alignment of every table cell of the static reports (here %keras_env) that shows a
# path, inside JupyterLab's own stylesheet: its `td` rule must not right-align them.
PATH_CELLS_JS = """() => Array.from(document.querySelectorAll('.jp-RenderedHTMLCommon .km-report td'))
    .filter(td => td.textContent.includes('/'))
    .map(td => [td.textContent.slice(0, 80), getComputedStyle(td).textAlign])"""


def _notebook(cells: list[str]) -> dict[str, Any]:
    return {
        "cells": [
            {
                "cell_type": "code",
                "metadata": {},
                "source": c,
                "outputs": [],
                "execution_count": None,
            }
            for c in cells
        ],
        "metadata": {
            "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}
        },
        "nbformat": 4,
        "nbformat_minor": 5,
    }


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait_for_server(url: str, proc: subprocess.Popen[str], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"JupyterLab exited with {proc.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=2) as resp:  # local server only
                if resp.status == 200:
                    return
        except OSError:
            time.sleep(0.5)
    raise TimeoutError(f"JupyterLab did not answer {url} in {timeout:.0f} s")


def render_widget(out: Path, chromium: str = CHROMIUM, timeout: float = 240) -> dict[str, Any]:
    """Run the notebook in JupyterLab, screenshot the widget; return what the page showed."""
    from playwright.sync_api import sync_playwright

    if not Path(chromium).exists():
        raise FileNotFoundError(f"{chromium} is missing: apt-get install -y chromium")
    seen: dict[str, Any] = {}
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        (work / "optimizers.ipynb").write_text(json.dumps(_notebook(CELLS)), encoding="utf-8")
        # no "get notified about Jupyter news?" toast over the widget
        settings = work / "settings" / "@jupyterlab" / "apputils-extension"
        settings.mkdir(parents=True)
        (settings / "notification.jupyterlab-settings").write_text('{"fetchNews": "false"}')
        port, token = _free_port(), "kerasmagic-test"
        env = dict(
            os.environ,
            JUPYTER_CONFIG_DIR=str(work / "config"),
            JUPYTER_RUNTIME_DIR=str(work / "runtime"),
            JUPYTERLAB_WORKSPACES_DIR=str(work / "workspaces"),
            TF_CPP_MIN_LOG_LEVEL="2",
        )
        server = subprocess.Popen(
            [
                sys.executable, "-m", "jupyterlab", "--no-browser", f"--port={port}",
                "--ServerApp.ip=127.0.0.1", f"--IdentityProvider.token={token}",
                f"--ServerApp.root_dir={work}", "--LabApp.expose_app_in_browser=True",
                "--ServerApp.allow_root=True", f"--LabApp.user_settings_dir={work / 'settings'}",
            ],
            cwd=work, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        )  # fmt: skip
        try:
            base = f"http://127.0.0.1:{port}"
            _wait_for_server(f"{base}/api/status?token={token}", server, 90)
            with sync_playwright() as pw:
                browser = pw.chromium.launch(
                    executable_path=chromium, headless=True, args=["--no-sandbox"]
                )
                page = browser.new_page(viewport={"width": 1400, "height": 1000})
                page.goto(f"{base}/lab/tree/optimizers.ipynb?token={token}")
                page.wait_for_selector(".jp-Notebook", timeout=timeout * 1000)
                page.wait_for_function(
                    "() => window.jupyterapp && document.querySelector('.jp-Notebook')"
                    " && !document.querySelector('.jp-Notebook-ExecutionIndicator[data-status=\"busy\"]')",
                    timeout=timeout * 1000,
                )
                # the kernel connects (a loaded machine needs more than a fixed pause)
                page.wait_for_function(
                    "() => window.jupyterapp.shell.currentWidget?.sessionContext?.session?.kernel"
                    "?.status === 'idle'",
                    timeout=timeout * 1000,
                )
                # not awaited: the command's promise settles only when every cell has run
                page.evaluate(
                    "() => { window.jupyterapp.commands.execute('notebook:run-all-cells'); }"
                )
                select = page.wait_for_selector(".widget-dropdown select", timeout=timeout * 1000)
                seen["options"] = page.eval_on_selector_all(
                    ".widget-dropdown select option", "els => els.map(e => e.textContent)"
                )
                seen["tabs"] = page.eval_on_selector_all(
                    ".jupyter-widgets .lm-TabBar-tabLabel, .jupyter-widgets .p-TabBar-tabLabel",
                    "els => els.map(e => e.textContent)",
                )
                widget = page.locator(".jupyter-widgets.widget-vbox").first
                seen["adam_text"] = widget.inner_text()
                select.select_option("sgd")
                page.wait_for_function(
                    "() => document.querySelector('.jupyter-widgets.widget-vbox')"
                    ".innerText.includes(\"get('sgd')\")",
                    timeout=30000,
                )
                seen["sgd_text"] = widget.inner_text()
                select.select_option("adam")
                page.wait_for_function(
                    "() => document.querySelector('.jupyter-widgets.widget-vbox')"
                    ".innerText.includes(\"get('adam')\")",
                    timeout=30000,
                )
                widget.scroll_into_view_if_needed()
                out.parent.mkdir(parents=True, exist_ok=True)
                widget.screenshot(path=str(out))
                page.wait_for_selector(
                    ".jp-RenderedHTMLCommon .km-report td", timeout=timeout * 1000
                )
                seen["env_path_cells"] = page.evaluate(PATH_CELLS_JS)
                browser.close()
        finally:
            server.terminate()
            try:
                server.wait(timeout=20)
            except subprocess.TimeoutExpired:
                server.kill()
    seen["screenshot"] = str(out)
    return seen


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "optimizer-widget.png")
    parser.add_argument("--chromium", default=CHROMIUM)
    args = parser.parse_args(argv)
    seen = render_widget(args.out, args.chromium)
    print(json.dumps(seen, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
