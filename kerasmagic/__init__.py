"""kerasmagic: TensorFlow/Keras troubleshooting for IPython and Jupyter, answered from the live kernel.

``%load_ext kerasmagic`` adds ``%keras_env``, ``%%keras_check`` and ``%keras_optimizers``.
Importing this package never imports TensorFlow, Keras, JAX, torch or ipywidgets.
"""

from __future__ import annotations

TYPE_CHECKING = False  # not `typing`: importing this package stays well under a millisecond

__all__ = [
    "__version__",
    "check",
    "env_report",
    "load_ipython_extension",
    "unload_ipython_extension",
]

if TYPE_CHECKING:
    from typing import Any

    from kerasmagic.render.check import CheckView
    from kerasmagic.render.env import EnvView


def __getattr__(name: str) -> str:
    """``kerasmagic.__version__``, read from ``_version`` when asked (one module fewer to find
    and load on ``import kerasmagic``)."""
    if name == "__version__":
        from kerasmagic._version import __version__

        return __version__
    raise AttributeError(f"module 'kerasmagic' has no attribute {name!r}")


def load_ipython_extension(ipython: Any) -> None:
    """Register the magics (``%load_ext kerasmagic``); loading twice is harmless."""
    from kerasmagic.extension import load

    load(ipython)


def unload_ipython_extension(ipython: Any) -> None:
    """Remove every magic, event callback and handler the extension added."""
    from kerasmagic.extension import unload

    unload(ipython)


def check(source: str, *, run: bool = True) -> CheckView:
    """Check a cell's source: run it (unless ``run=False``), diagnose a failure, find traps.

    Returns the ``CheckResult`` in a view: rich in a notebook, text as ``str()``, and every
    attribute of the result (``fixed_source``, ``suggestions``, ``to_dict()``) reachable;
    ``.report`` is the dataclass."""
    from kerasmagic.diagnosis.engine import check as _check
    from kerasmagic.render.check import CheckView

    return CheckView(_check(source, run=run))


def env_report(*, probe: bool = False) -> EnvView:
    """The ``%keras_env`` report of this interpreter (an ``EnvReport`` in a view, like ``check``)."""
    from kerasmagic.render.env import EnvView
    from kerasmagic.report import build_env_report

    return EnvView(build_env_report(probe=probe))
