"""The optimizer widget rendered by JupyterLab in a real headless browser (Debian ``chromium``,
driven by Playwright), screenshot saved to ``docs/optimizer-widget.png``; the ``%keras_env``
report's tables read in JupyterLab's own stylesheet (computed ``text-align`` of path cells).

Only in tf221-k3, the environment with jupyterlab and playwright. There a missing chromium fails
the test (CI installs it: ``apt-get install -y chromium``); it is never skipped silently.
"""

from __future__ import annotations

import importlib.util
import shutil
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SHOT = ROOT / "docs" / "optimizer-widget.png"

pytestmark = pytest.mark.envs("tf221-k3")


def _script():
    spec = importlib.util.spec_from_file_location(
        "screenshot_widget", ROOT / "scripts" / "screenshot_widget.py"
    )
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("screenshot_widget", module)
    spec.loader.exec_module(module)
    return module


def test_widget_renders_in_jupyterlab_and_follows_the_dropdown():
    script = _script()
    missing = [m for m in ("jupyterlab", "playwright") if importlib.util.find_spec(m) is None]
    assert not missing, f"tf221-k3 must have {missing} (scripts/envs.py installs them)"
    assert Path(script.CHROMIUM).exists() or shutil.which("chromium"), (
        "Debian chromium is missing: apt-get install -y chromium (.ci/run does it)"
    )
    seen = script.render_widget(SHOT)
    assert seen["options"] == ["adam", "sgd"]
    assert seen["tabs"][:3] == ["Ways of asking", "Defaults (diff)", "lr / decay habits"]
    assert "tf.keras.optimizers.get('adam')" in seen["adam_text"]
    assert "keras.src.optimizers.adam.Adam" in seen["adam_text"]
    assert "tf.keras.optimizers.get('sgd')" in seen["sgd_text"]
    assert "get('adam')" not in seen["sgd_text"]
    # issue 19, item 5: legacy.Adam() raises under Keras 3: an error row, not a class [B]
    assert "different classes" not in seen["adam_text"], seen["adam_text"]
    # issue 19, item 10: inside JupyterLab's stylesheet, paths in the report tables read from
    # the left (its `:not(.jp-RenderedMarkdown).jp-RenderedHTMLCommon td` rule right-aligns)
    cells = seen["env_path_cells"]
    assert cells, "no table cell with a path in the %keras_env report"
    assert all(align in ("left", "start") for _, align in cells), cells
    assert SHOT.stat().st_size > 10_000
    assert SHOT.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


FRESH_SHOT = ROOT / "docs" / "optimizer-widget-fresh-kernel.png"


def test_widget_measures_in_a_kernel_whose_runtime_has_not_started():
    """Issue 32, item 2: after `import tensorflow as tf` (TensorFlow's runtime not started) the
    widget shows the classes, built in this kernel, and says in one line that it started the
    runtime; before, it said "not used: imported; TensorFlow's runtime has not started"."""
    sys.path.insert(0, str(ROOT / "scripts"))
    import notebook_browser

    cells = ["%load_ext kerasmagic", "import tensorflow as tf", "%keras_optimizers adam sgd"]
    shown = notebook_browser.run_in_browser(cells, out=FRESH_SHOT)
    widget = shown[2]["output"]
    assert "not started" not in widget and "not used: imported" not in widget, widget
    assert "Built in this kernel" in widget and "started TensorFlow's runtime" in widget, widget
    assert (
        "tf.keras.optimizers.get('adam')" in widget and "keras.src.optimizers.adam.Adam" in widget
    )
    assert "Ways of asking" in widget  # the widget's tabs, not a static fallback
    assert FRESH_SHOT.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
