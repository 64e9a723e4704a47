# Keras 2's keras.utils.conv_utils (and keras.backend.normalize_data_format): helpers custom
# layers called, gone in Keras 3. kerasmagic wrote them in, computing what Keras 2's did.
import importlib as _importlib
import types as _types

import numpy as _np


def _normalize_tuple(value, n, name, allow_zero=False):
    if isinstance(value, int):
        return (value,) * n
    try:
        values = tuple(value)
    except TypeError:
        raise ValueError(
            f"The `{name}` argument must be a tuple of {n} integers. Received: {value}"
        ) from None
    if len(values) != n or not all(isinstance(v, (int, _np.integer)) for v in values):
        raise ValueError(
            f"The `{name}` argument must be a tuple of {n} integers. Received: {value}"
        )
    return values


def _normalize_data_format(value):
    default = _importlib.import_module("keras").backend.image_data_format  # binds no name
    data_format = (default() if value is None else value).lower()
    if data_format not in ("channels_first", "channels_last"):
        raise ValueError(
            f'The `data_format` argument must be one of "channels_first", "channels_last". Received: {value}'
        )
    return data_format


def _normalize_padding(value):
    if isinstance(value, (list, tuple)):
        return value
    padding = value.lower()
    if padding not in ("valid", "same", "causal"):
        raise ValueError(
            f'The `padding` argument must be one of "valid", "same" (or "causal", only for `Conv1D`). Received: {value}'
        )
    return padding


def _conv_output_length(input_length, filter_size, padding, stride, dilation=1):
    if input_length is None:
        return None
    dilated = filter_size + (filter_size - 1) * (dilation - 1)
    length = {
        "same": input_length,
        "causal": input_length,
        "valid": input_length - dilated + 1,
        "full": input_length + dilated - 1,
    }[padding]
    return (length + stride - 1) // stride


def _conv_input_length(output_length, filter_size, padding, stride):
    if output_length is None:
        return None
    pad = {"same": filter_size // 2, "valid": 0, "full": filter_size - 1}[padding]
    return (output_length - 1) * stride - 2 * pad + filter_size


def _deconv_output_length(
    input_length, filter_size, padding, output_padding=None, stride=0, dilation=1
):
    if input_length is None:
        return None
    filter_size = filter_size + (filter_size - 1) * (dilation - 1)
    if output_padding is None:
        grown = {
            "valid": max(filter_size - stride, 0),
            "full": -(stride + filter_size - 2),
            "same": 0,
        }
        return input_length * stride + grown[padding]
    pad = {"same": filter_size // 2, "valid": 0, "full": filter_size - 1}[padding]
    return (input_length - 1) * stride + filter_size - 2 * pad + output_padding


def _deconv_length(dim_size, stride_size, kernel_size, padding, output_padding, dilation=1):
    return _deconv_output_length(
        dim_size, kernel_size, padding, output_padding, stride_size, dilation
    )


def _convert_kernel(kernel):
    kernel = _np.asarray(kernel)
    if not 3 <= kernel.ndim <= 5:
        raise ValueError(f"Invalid kernel shape: {kernel.shape}")
    flipped = (slice(None, None, -1),) * (kernel.ndim - 2) + (slice(None), slice(None))
    return _np.copy(kernel[flipped])


_conv_utils = _types.SimpleNamespace(
    normalize_tuple=_normalize_tuple,
    normalize_data_format=_normalize_data_format,
    normalize_padding=_normalize_padding,
    conv_output_length=_conv_output_length,
    conv_input_length=_conv_input_length,
    deconv_output_length=_deconv_output_length,
    deconv_length=_deconv_length,
    convert_kernel=_convert_kernel,
)
