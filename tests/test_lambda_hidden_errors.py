"""Keras 3's ``Lambda`` hides the error of its function behind "could not automatically infer
the shape of the Lambda's output": the rules read the error under it (``CellContext.wrapped``),
and ``migrate`` counts a fix after which the Lambda fails on another hidden error as progress
(``failures.Failure.cause``), not as the same error again."""

from __future__ import annotations

from pathlib import Path

import pytest
from migrate_helpers import migrated_cells

from kerasmagic.migrate.failures import Failure

LAMBDA = "NotImplementedError: Exception encountered when calling Lambda.call(). We could not automatically infer the shape of the Lambda's output."  # fmt: skip


def test_the_same_wrapper_over_another_hidden_error_is_progress():
    before = Failure(LAMBDA, "up = Lambda(f)(x)", "src", "AttributeError: module 'keras.backend' has no attribute 'tf'")  # fmt: skip
    after = Failure(LAMBDA, "up = Lambda(f)(x)", "src", "AttributeError: module 'tensorflow._api.v2.image' has no attribute 'resize_images'")  # fmt: skip
    assert not after.repeats(before)
    assert Failure(LAMBDA, "up = Lambda(f)(x)", "src", before.cause).repeats(before)


IMPORTS = "import numpy as np\nimport tensorflow as tf\nfrom keras import backend as K\nfrom keras.layers import Input, Lambda, Conv2D\nfrom keras.models import Model\n"  # fmt: skip
# a segmentation head of the Keras 2.2 era: up-sampling in Lambdas through the backend's `tf`
UPSAMPLE = (
    "pixels = Input((6, 6, 3))\n"
    "features = Conv2D(2, 3, padding='same')(pixels)\n"
    "wide = Lambda(lambda t: K.tf.image.resize_nearest_neighbor(t, (12, 12)))(features)\n"
    "smooth = Lambda(lambda t: tf.image.resize_bilinear(t, (24, 24), align_corners=True))(wide)\n"
    "head = Model(pixels, smooth)\n"
    "print('shape', head.predict(np.zeros((1, 6, 6, 3)), verbose=0).shape)"
)


@pytest.mark.envs("tf221-k3", "colab")
def test_migrate_goes_on_through_each_error_a_lambda_hides(tmp_path: Path) -> None:
    finals, shown = migrated_cells(tmp_path, "head.ipynb", [IMPORTS, UPSAMPLE])
    assert "tf.compat.v1.image.resize_nearest_neighbor(t, (12, 12))" in finals[1]
    assert "tf.compat.v1.image.resize_bilinear(t, (24, 24), align_corners=True)" in finals[1]
    assert "shape (1, 24, 24, 2)" in shown, shown
