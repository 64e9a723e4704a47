"""Standard-library modules Python removed, imported by Keras-era notebooks
(rules/error_python_removed_module.py): on Colab's Python 3.13, ``import imp`` to reload a helper
module binds ``importlib`` under the old name; ``imghdr`` (PEP 594) is explained as removed, not
as a package to install."""

from __future__ import annotations

from pathlib import Path

import pytest

pytestmark = pytest.mark.envs("colab")


def test_a_helper_module_reloaded_through_imp_reloads_through_importlib(tmp_path: Path, monkeypatch) -> None:  # fmt: skip
    import kerasmagic

    (tmp_path / "helpers.py").write_text("SCALE = 255.0\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    result = kerasmagic.check("import imp\nimport helpers\nhelpers = imp.reload(helpers)\nscale = helpers.SCALE\n")  # fmt: skip
    assert [s.id for s in result.suggestions] == ["python-removed-module"]
    assert result.fixed_source == "import importlib as imp\nimport helpers\nhelpers = imp.reload(helpers)\nscale = helpers.SCALE\n"  # fmt: skip
    namespace: dict = {}
    exec(compile(result.fixed_source, "<fixed>", "exec"), namespace)
    assert namespace["scale"] == 255.0


def test_a_module_with_no_kept_twin_is_explained_as_removed_not_uninstalled() -> None:
    import kerasmagic

    result = kerasmagic.check("import imghdr\nkind = imghdr.what('cat.jpg')\n")
    assert [s.id for s in result.suggestions] == ["python-removed-module"]
    finding = result.suggestions[0]
    assert "3.13 removed it" in finding.title and "PIL.Image.open" in finding.cause
    assert result.fixed_source is None and not finding.fix_code
