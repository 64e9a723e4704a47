"""Keras 1's image dim ordering imported by name (``from keras.backend import
set_image_dim_ordering``) rather than reached through ``K.``: the import names the new function
and every call of the old name becomes a call of it with its value mapped, in the cell of the
import and in a later cell that calls the name (rules/error_dim_ordering.py)."""

from __future__ import annotations

from pathlib import Path

import pytest
from migrate_helpers import migrated_cells


@pytest.mark.envs("tf221-k3", "colab")
def test_the_imported_setter_and_getter_become_the_data_format_ones_across_cells(tmp_path: Path) -> None:  # fmt: skip
    cells = [
        "from keras.layers import Input\nfrom keras.backend import image_dim_ordering, set_image_dim_ordering",  # fmt: skip
        "set_image_dim_ordering('th')\nordering = image_dim_ordering()\n"
        "print(ordering, image_dim_ordering() == 'th', Input(shape=(1, 28, 28)).shape)",
    ]
    finals, shown = migrated_cells(tmp_path, "ordering.ipynb", cells)
    assert finals[0].endswith("from keras.backend import image_data_format, set_image_data_format"), finals[0]  # fmt: skip
    assert finals[1].startswith("set_image_data_format('channels_first')\n"), finals[1]
    # the value kept where it goes on, the comparison mapped
    assert "th True (None, 1, 28, 28)" in shown, shown
