"""What a saved Keras ``.h5`` model file says about itself: the Keras that wrote it and how it was
compiled (optimizer class and hyperparameters, loss, metrics). Read with h5py, never by Keras."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from typing import Any

H5_SUFFIXES = (".h5", ".hdf5")


@dataclass(frozen=True)
class SavedH5Model:
    """The attributes Keras writes at the root of a whole-model ``.h5`` file."""

    path: str
    keras_version: str | None
    backend: str | None
    optimizer_class: str | None = None  # "Adam" (Keras 2 writes "Custom>Adam" for the new ones)
    optimizer_config: dict[str, Any] = field(default_factory=dict)
    loss: Any = None
    metrics: Any = None
    # a ``Sequential`` whose first layer (not an ``InputLayer``) records ``batch_input_shape``, as
    # standalone Keras up to 2.3 saved it: that shape, batch axis first
    first_batch_shape: tuple[int | None, ...] | None = None
    # that first layer's class (``"LSTM"``), when it records the shape
    first_layer_class: str | None = None
    # a ``Sequential`` recorded as the bare list of its layers, as Keras 2.0 and 2.1 saved it
    # (Keras 2.2 wrote ``{"name", "layers"}``, the only form Keras 3's loader reads)
    layer_list: bool = False
    # every layer config the model config records, nested ones included (a ``Bidirectional``'s
    # ``LSTM``, a model inside a model): ``(class_name, config)``
    layer_configs: tuple[tuple[str, dict[str, Any]], ...] = ()

    @property
    def keras_major(self) -> int | None:
        try:
            return int(str(self.keras_version).split(".")[0])
        except ValueError:
            return None

    @property
    def compiled(self) -> bool:
        return self.optimizer_class is not None


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return str(value)


def read_h5_model(path: Any) -> SavedH5Model | None:
    """The file's Keras version and training config, or None (not an .h5 model file, no h5py,
    unreadable). Reads the root attributes only, so it is fast whatever the weights' size."""
    try:
        path = os.fspath(path)
    except TypeError:
        return None
    if not isinstance(path, str) or not path.lower().endswith(H5_SUFFIXES):
        return None
    if not os.path.isfile(path):
        return None
    try:
        import h5py
    except ImportError:
        return None
    try:
        with h5py.File(path, "r") as handle:
            attrs = dict(handle.attrs)
    except Exception:
        return None
    if "keras_version" not in attrs and "model_config" not in attrs:
        return None  # a weights-only file, or not Keras at all
    training: dict[str, Any] = {}
    try:
        raw = _text(attrs.get("training_config"))
        training = json.loads(raw) if raw else {}
    except ValueError:
        training = {}
    optimizer = training.get("optimizer_config") or {}
    class_name = optimizer.get("class_name") if isinstance(optimizer, dict) else None
    if isinstance(class_name, str):
        class_name = class_name.split(">")[-1]  # "Custom>Adam" → "Adam"
    config = optimizer.get("config", {}) if isinstance(optimizer, dict) else {}
    sequential = _sequential_config(attrs.get("model_config"))
    try:
        model_config = json.loads(_text(attrs.get("model_config")) or "")
    except ValueError:
        model_config = None
    return SavedH5Model(
        path=path,
        keras_version=_text(attrs.get("keras_version")),
        backend=_text(attrs.get("backend")),
        optimizer_class=class_name,
        optimizer_config=config if isinstance(config, dict) else {},
        loss=training.get("loss"),
        metrics=training.get("metrics"),
        first_batch_shape=_first_batch_shape(sequential),
        first_layer_class=_first_layer(sequential).get("class_name")
        if _first_batch_shape(sequential)
        else None,
        layer_list=sequential is not None and isinstance(sequential.get("config"), list),
        layer_configs=tuple(_layer_configs(model_config)),
    )


def _layer_configs(node: Any) -> list[tuple[str, dict[str, Any]]]:
    """Every ``{"class_name", "config"}`` pair under ``node`` except the models themselves, in
    the order the file records them."""
    found: list[tuple[str, dict[str, Any]]] = []
    if isinstance(node, list):
        for item in node:
            found += _layer_configs(item)
    elif isinstance(node, dict):
        name, config = node.get("class_name"), node.get("config")
        if isinstance(name, str) and isinstance(config, dict) and name not in MODELS:
            found.append((name, config))
        for value in node.values():
            found += _layer_configs(value)
    return found


MODELS = ("Sequential", "Functional", "Model")


def _sequential_config(raw: Any) -> dict | None:
    """The ``model_config`` attribute, parsed, where it records a ``Sequential``."""
    try:
        config = json.loads(_text(raw) or "")
    except ValueError:
        return None
    return config if isinstance(config, dict) and config.get("class_name") == "Sequential" else None


def _first_layer(config: dict | None) -> dict[str, Any]:
    """The first layer entry of a saved ``Sequential``'s config (empty when there is none)."""
    inner = config.get("config") if config is not None else None
    layers = inner.get("layers") if isinstance(inner, dict) else inner  # Keras 2.0-2.1: a list
    first = layers[0] if isinstance(layers, list) and layers else None
    return first if isinstance(first, dict) else {}


def _first_batch_shape(config: dict | None) -> tuple[int | None, ...] | None:
    """The ``batch_input_shape`` a saved ``Sequential``'s first layer records, when that layer is
    not an ``InputLayer`` (whose shape every Keras reads as the batch shape)."""
    first = _first_layer(config)
    if not first or first.get("class_name") == "InputLayer":
        return None
    shape = (first.get("config") or {}).get("batch_input_shape")
    if not isinstance(shape, list) or not all(d is None or isinstance(d, int) for d in shape):
        return None
    return tuple(shape)
