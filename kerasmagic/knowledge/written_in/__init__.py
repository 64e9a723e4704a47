"""Code kerasmagic writes into a user's cell when an API their code calls is gone and nothing
installed here replaces it (the removed scikit-learn wrappers, tf.keras 2's ``DenseFeatures``,
the parts of TensorFlow Addons that Keras has). Each is a plain module, tested as one, and never
imported by kerasmagic: ``written_in(name)`` gives its text."""

from __future__ import annotations

from pathlib import Path


def written_in(name: str) -> str:
    """The source of ``written_in/{name}.py``, as it goes into a cell."""
    return Path(__file__).with_name(f"{name}.py").read_text(encoding="utf-8")
