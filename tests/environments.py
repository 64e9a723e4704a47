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
