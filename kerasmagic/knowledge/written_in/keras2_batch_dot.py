# Keras 2.2's K.batch_dot (kerasmagic wrote it in): Keras 2.2.5 and every Keras since compute
# another result when x and y differ in rank or exceed rank 3 (capsule routing). Keras 2.2 gave
# the operand of lower rank trailing axes of 1, multiplied the two as matrices over their last
# two axes (transposed where `axes` said; every axis before them a batch axis) and dropped the
# added axes; this computes the same, as an einsum.
import importlib as _importlib


def _keras2_batch_dot(x, y, axes=None):
    nx, ny = len(x.shape), len(y.shape)
    n = max(nx, ny)
    if axes is None:
        axes = (nx - 1, ny - 2)
    elif isinstance(axes, int):
        axes = (axes, axes)
    ax, ay = (a % n for a in axes)
    if n == 2:  # two matrices: the sum of their product along the axis, kept as a column
        return _einsum()("ab,ab->a", x, y)[:, None]
    batch = "abcdefgh"[: n - 2]
    x_axes = batch + ("qp" if ax != n - 1 else "pq")  # q: the axis summed over
    y_axes = batch + ("rq" if ay == n - 1 else "qr")
    out = batch + "pr"
    diff = abs(nx - ny)
    if diff:
        start = nx + ny - 3 if nx > ny else nx - 1
        added = x_axes[nx:] if ny > nx else y_axes[ny:]
        if set(out[start : start + diff]) != set(added):
            raise ValueError(
                f"Keras 2.2's batch_dot of shapes {x.shape} and {y.shape} with axes={axes}"
            )
        out = out[:start] + out[start + diff :]
        x_axes, y_axes = x_axes[:nx], y_axes[:ny]
    result = _einsum()(f"{x_axes},{y_axes}->{out}", x, y)
    return result[:, None] if len(out) == 1 else result


def _einsum():
    keras = _importlib.import_module("keras")
    if hasattr(keras, "ops") and keras.backend.backend() != "tensorflow":
        return keras.ops.einsum
    return _importlib.import_module("tensorflow").einsum
