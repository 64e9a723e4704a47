"""What each environment of scripts/envs.py is, stated explicitly for version-specific tests."""

from __future__ import annotations

from conftest import ENV_NAME

# tf_keras_is: what ``tf.keras`` resolves to — "keras3", "tf_keras" or "keras2"; None: no TF
TF_KERAS_IS = {
    "tf221-k3": "keras3",
    "tf221-legacy": "tf_keras",
    "tf215-k2": "keras2",
    "tf215-broken-k3": "keras3",
    "k3-jax": None,
    "bare": None,
    "colab": "keras3",
}
HAS_TF = {name: kind is not None for name, kind in TF_KERAS_IS.items()}
HAS_KERAS = {**HAS_TF, "k3-jax": True}
KERAS_MAJOR = {
    "tf221-k3": 3,
    "tf221-legacy": 3,
    "tf215-k2": 2,
    "tf215-broken-k3": 3,
    "k3-jax": 3,
    "bare": None,
    "colab": 3,
}


def here(table: dict[str, object], default: object = None) -> object:
    """This environment's entry of ``table`` (``default`` in an unknown/local environment)."""
    return table.get(ENV_NAME, default)


# Where a test whose outcome depends on kerasmagic's own code, not on the TF/Keras installed, runs:
# the CLI's handling of the user's files, arguments and options. One environment with Keras 3 over
# TF (there is a fix to write) and one with none; running it in all seven measured the same thing
# seven times and made CI pass its time limit (stop 33).
CLI_ENVS = ("tf221-k3", "bare")
# Where a rule verified through a real kernel runs when the kernel's versions do not change what it
# checks: the engine is the same code in tf221-k3 and colab, which both run Keras 3 over TF; colab
# keeps the kernel mechanics its older IPython/ipykernel can change (interrupts, timeouts, outputs).
KERNEL_RULE_ENVS = ("tf221-k3",)
# Where kerasmagic's own machinery (hostile inputs, robustness, the CLI's never-in-the-way, the
# engine CLI, no network) is tested: one environment with TF and Keras, one with neither. None of
# those tests branches on which Keras it meets; in tf215-k2 as well they took a sixth of its
# suite's time (stop 75), which CI's limit cannot hold. The other five exist for the facts that
# differ in them (which Keras `tf.keras` is, a broken install, another backend, Colab's versions)
# and run the tests about those facts, the cases, the traps and the workshops; Colab's IPython 7.34
# meets the magics there (test_never_in_the_way, test_kernel, test_colab, the notebooks).
MACHINERY_ENVS = ("tf221-k3", "bare")
# The same machinery where Python's or IPython's own version can change it as well (the parser's
# depth limit, the shell's display of an error): colab runs Python 3.13 and IPython 7.34. The
# other four environments ran these files to the same result (stop 76: about 650 test-seconds).
PYTHON_ENVS = (*MACHINERY_ENVS, "colab")


def index_reachable() -> bool:
    """Can this machine reach the package index (tests that install or build from it)?"""
    import socket

    try:
        socket.create_connection(("pypi.org", 443), timeout=5).close()
        return True
    except OSError:
        return False
