"""A dataset's ``load_data(path)`` given a path with a folder: Keras 3's ``get_file`` refuses it
before downloading anything, and the message's received name is the path the fix shortens
(rules/error_get_file_path.py; ``get_file`` itself: tests/cases/get-file-fname-path.toml)."""

from __future__ import annotations

import pytest
from environments import KERNEL_RULE_ENVS

from kerasmagic.diagnosis.engine import diagnose

pytestmark = pytest.mark.envs(*KERNEL_RULE_ENVS)


def _fixed(source: str) -> str | None:
    namespace: dict = {}
    try:
        exec(compile(source, "<cell>", "exec"), namespace)
    except ValueError as error:
        return diagnose(source, error, namespace=namespace, filename="<cell>").fixed_source
    raise AssertionError("the cell ran")


def test_load_data_gets_the_files_own_name():
    source = "from keras.datasets import boston_housing\n(x, y), (xt, yt) = boston_housing.load_data('./boston_housing.npz')\n"  # fmt: skip
    assert _fixed(source) == source.replace("'./boston_housing.npz'", "'boston_housing.npz'")


def test_a_path_held_by_a_name_is_shortened_where_it_is_used():
    source = (
        "import os\nfrom keras.datasets import mnist\n"
        "DATA = os.path.join(os.getcwd(), 'mnist.npz')\n"
        "(x, y), (xt, yt) = mnist.load_data(path=DATA)\n"
    )
    assert _fixed(source) == source.replace("path=DATA", "path=os.path.basename(DATA)")


def test_an_extraction_asked_by_names_is_still_seen():
    """``extract=`` and the archive's name held by names a settings line binds: the trap of Keras
    3's own extraction folder reads their values as it reads literals."""
    from kerasmagic.diagnosis.engine import lint

    source = (
        "import tensorflow as tf\n"
        "EXTRACT = True\nARCHIVE = 'cats_and_dogs.zip'\n"
        "path_to_zip = tf.keras.utils.get_file(ARCHIVE, origin='file:///nowhere.zip', extract=EXTRACT)\n"
    )
    result = lint(source)
    assert "keras3-get-file-extract-folder" in [t.id for t in result.traps]
    assert "os.path.join(tf.keras.utils.get_file(ARCHIVE" in (result.fixed_source or "")
