"""SciPy's removed image functions (``scipy.misc.imsave``/``imread``, gone in SciPy 1.2) in a
notebook that writes generated samples and reads them back: the corrected cell defines each as
SciPy did it over Pillow (rules/error_scipy_misc.py). Colab's environment has SciPy and Pillow."""

from __future__ import annotations

from pathlib import Path

import pytest

pytestmark = pytest.mark.envs("colab")


def _corrected(source: str) -> tuple[str, list[str]]:
    import kerasmagic

    result = kerasmagic.check(source)
    assert result.error_type in ("AttributeError", "ImportError"), result.error_message
    assert result.fixed_source is not None, [s.id for s in result.suggestions]
    return result.fixed_source, [s.id for s in result.suggestions]


def test_samples_written_through_the_module_are_scaled_as_scipy_scaled_them(tmp_path: Path, monkeypatch) -> None:  # fmt: skip
    import numpy as np

    monkeypatch.chdir(tmp_path)
    source = (
        "import numpy as np\n"
        "from scipy import misc\n"
        "samples = np.random.RandomState(0).rand(3, 5, 5)\n"
        "for i, sample in enumerate(samples):\n"
        "    misc.imsave('sample_%d.png' % i, sample * 0.5 + 0.25)\n"
    )
    fixed, ids = _corrected(source)
    assert ids == ["scipy-misc-image-removed"]
    assert "    scipy_misc_imsave('sample_%d.png' % i, sample * 0.5 + 0.25)\n" in fixed
    namespace: dict = {}
    exec(compile(fixed, "<fixed>", "exec"), namespace)
    from PIL import Image

    for i, sample in enumerate(namespace["samples"]):
        written = np.array(Image.open(tmp_path / f"sample_{i}.png"))
        expected = np.round((sample - sample.min()) * 255.0 / (sample.max() - sample.min()))
        np.testing.assert_array_equal(written, expected.astype(np.uint8))


def test_an_aliased_import_becomes_the_definition_under_its_name(tmp_path: Path, monkeypatch) -> None:  # fmt: skip
    monkeypatch.chdir(tmp_path)
    source = (
        "import numpy as np\n"
        "from scipy.misc import imread as load_picture, imsave\n"
        "imsave('grey.png', np.full((4, 6), 7, dtype=np.uint8))\n"
        "picture = load_picture('grey.png', mode='RGB')\n"
        "flat = load_picture('grey.png', flatten=True)\n"
    )
    fixed, _ = _corrected(source)
    assert "def load_picture(name, flatten=False, mode=None):" in fixed
    assert "from scipy.misc import" not in fixed
    namespace: dict = {}
    exec(compile(fixed, "<fixed>", "exec"), namespace)
    assert namespace["picture"].shape == (4, 6, 3) and int(namespace["picture"].max()) == 7
    assert str(namespace["flat"].dtype) == "float32"


def test_a_resize_for_the_network_input_gives_the_bytes_scipy_gave() -> None:
    import numpy as np

    source = (
        "import numpy as np\n"
        "import scipy.misc\n"
        "frame = np.arange(6 * 8, dtype=np.float64).reshape(6, 8)\n"
        "small = scipy.misc.imresize(frame, (3, 4), interp='nearest')\n"
        "half = scipy.misc.imresize(frame, 0.5)\n"
        "double = scipy.misc.imresize(frame.astype(np.uint8), 200)\n"
    )
    fixed, _ = _corrected(source)
    namespace: dict = {}
    exec(compile(fixed, "<fixed>", "exec"), namespace)
    small, half, double = namespace["small"], namespace["half"], namespace["double"]
    assert small.dtype == np.uint8 and small.shape == (3, 4)
    scaled = np.floor(namespace["frame"] * 255.0 / 47.0 + 0.5)  # bytescaled from 0..47
    np.testing.assert_array_equal(small, scaled[1::2, 1::2])  # nearest: the block centres
    assert half.shape == (3, 4) and double.shape == (12, 16)
    assert int(double.max()) == 47  # bytes are not rescaled
