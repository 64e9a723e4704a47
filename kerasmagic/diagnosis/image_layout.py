"""Can this kernel train a channels-first convolution? Measured, not assumed.

TensorFlow's CPU kernels for a convolution's gradient (``Conv2DBackpropInput``,
``Conv2DBackpropFilter``) take only channels-last tensors ("Conv2DCustomBackpropFilterOp only
supports NHWC"), unless its oneDNN operations are on (``TF_ENABLE_ONEDNN_OPTS``: on by default only
on some x86 CPUs, read once when TensorFlow is imported). On a GPU, and with JAX or PyTorch behind
Keras 3, channels first trains. So a fix that makes a model channels first is only a fix where one
step of training through such a convolution runs here: this module runs that step, with
TensorFlow's own ops (no Keras layer is made, so no name counter of Keras moves), on the device
training would use.
"""

from __future__ import annotations

from kerasmagic.diagnosis.live import imported_keras_backend
from kerasmagic.probes.loaded import loaded


def channels_first_trains(root: str) -> bool:
    """Does a gradient through a channels-first 2D convolution compute in this kernel, for the
    Keras package ``root`` (``keras``, ``tensorflow`` for ``tf.keras``, ``tf_keras``)? True where
    TensorFlow is not behind that Keras (Keras 3 on JAX or PyTorch)."""
    if root == "keras" and imported_keras_backend() not in (None, "tensorflow"):
        return True
    tf = loaded("tensorflow")
    if tf is None:
        return True  # no TensorFlow in this kernel: nothing of it to measure
    try:
        images = tf.ones((1, 1, 4, 4))
        kernel = tf.Variable(tf.ones((2, 2, 1, 1)))
        with tf.GradientTape() as tape:
            out = tf.nn.convolution(images, kernel, padding="VALID", data_format="NCHW")
        gradient = tape.gradient(out, kernel)
        return gradient is not None and bool(tf.reduce_all(tf.math.is_finite(gradient)))
    except Exception:  # noqa: BLE001 - TensorFlow's InvalidArgumentError / UnimplementedError
        return False

