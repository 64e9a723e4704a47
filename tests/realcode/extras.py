"""The overlay of third-party packages the published code imports (matplotlib, pandas…), built
once per Python version into ``.realcode/extras-py3XX`` with ``uv pip install --target --no-deps``
and appended to ``sys.path`` after site-packages by the shim (``$KERASMAGIC_CORPUS_EXTRAS``), so
the shared environments stay as they are and an environment's own copy of a package wins.

The versions are chosen to import with numpy 1.26 (tf215-k2) and numpy 2.x (tf221-k3, colab):
wheels built against numpy 2 run on numpy >= 1.23 too."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

PACKAGES = (
    "matplotlib==3.10.3",
    "contourpy==1.3.2",
    "cycler==0.12.1",
    "fonttools==4.58.4",
    "kiwisolver==1.4.8",
    "pyparsing==3.2.3",
    "python-dateutil==2.9.0.post0",
    "six==1.17.0",
    "pillow==11.3.0",
    "pandas==2.3.1",
    "pytz==2025.2",
    "tzdata==2025.2",
    "scipy==1.15.3",
    "scikit-learn==1.7.1",
    "joblib==1.5.1",
    "threadpoolctl==3.6.0",
    "seaborn==0.13.2",
    "opencv-python-headless==4.11.0.86",
    "tqdm==4.67.1",
    "plotly==5.24.1",
    "tenacity==9.0.0",
)
UV_CANDIDATES = ("/work/main/.envs/.tools/bin/uv",)


def _uv() -> str:
    for c in UV_CANDIDATES:
        if Path(c).exists():
            return c
    found = shutil.which("uv")
    if not found:
        raise RuntimeError("the corpus overlay needs uv (python3 scripts/envs.py installs it)")
    return found


def ensure(base: Path, python: str, py_tag: str) -> Path:
    """``base/extras-py<tag>``, built with ``python``'s version when it is not there yet."""
    target = base / f"extras-py{py_tag}"
    stamp = target / ".kmshim-packages"
    wanted = "\n".join(PACKAGES)
    if stamp.is_file() and stamp.read_text() == wanted:
        return target
    if target.exists():
        shutil.rmtree(target)
    target.mkdir(parents=True)
    subprocess.run(
        [
            _uv(),
            "pip",
            "install",
            "-q",
            "--python",
            python,
            "--target",
            str(target),
            "--no-deps",
            *PACKAGES,
        ],
        check=True,
    )
    stamp.write_text(wanted)
    return target
