"""Colab's browser download outside Colab (rules/colab_downloads.py): the import of
``google.colab.files`` is tried and each ``files.download(…)`` runs only where it worked, so the
cell runs here and keeps the file it wrote; an upload (input) is left alone."""

from __future__ import annotations

from pathlib import Path

import pytest
from environments import KERNEL_RULE_ENVS

import kerasmagic

pytestmark = pytest.mark.envs(*KERNEL_RULE_ENVS)


def test_a_download_of_the_saved_weights_runs_only_in_colab(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    source = (
        "import numpy as np\n"
        "np.save('weights.npy', np.arange(3))\n"
        "from google.colab import files as colab_files\n"
        "for name in ['weights.npy']:\n"
        "    colab_files.download(name)\n"
        "print('kept', np.load('weights.npy').tolist())\n"
    )
    result = kerasmagic.check(source)
    assert result.error_type == "ModuleNotFoundError"
    assert [s.id for s in result.suggestions][:1] == ["colab-download-elsewhere"]
    fixed = result.fixed_source or ""
    assert "try:  # google.colab exists only in Colab\n    from google.colab import files as colab_files\nexcept ImportError:\n    colab_files = None\n" in fixed, fixed  # fmt: skip
    assert "    if colab_files is not None:\n        colab_files.download(name)\n" in fixed, fixed
    assert kerasmagic.check(fixed).error_type is None


def test_an_upload_is_input_and_is_not_guarded() -> None:
    source = "from google.colab import files\nuploaded = files.upload()\nfiles.download('x')\n"
    result = kerasmagic.check(source)
    assert "colab-download-elsewhere" not in {s.id for s in result.suggestions}
