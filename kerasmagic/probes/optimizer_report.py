"""The answer of ``%keras_optimizers`` as plain dataclasses (views: ``kerasmagic.render.optimizers``).

For each optimizer name, every way of asking for it (``get(name)``, the class, ``legacy``,
``experimental`` in each Keras present) with the class it gives, or the exact exception; the
defaults; what the habits ``lr=`` and ``decay=`` do. ``to_dict``/``from_dict`` carry it across the
subprocess of ``--probe``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from kerasmagic.findings import plain


@dataclass
class KerasNamespace:
    """One Keras a user can reach (``tf.keras``, ``keras``, ``tf_keras``) and whether it was used."""

    name: str
    available: bool
    keras: str | None = None  # keras3 | tf_keras | keras2
    version: str | None = None
    module: str | None = None  # the real module behind the name (tf.keras is an alias)
    note: str = ""  # why it was not used: not installed, not imported here, import error


@dataclass
class Habit:
    """What ``Opt(lr=0.01)`` / ``Opt(decay=1e-4)`` does with this class, measured."""

    argument: str
    value: float
    outcome: str  # rejected | honoured | ignored
    detail: str  # the exception, or the value the built optimizer holds
    warnings: list[str] = field(default_factory=list)
    maps_to: str = ""  # the argument (or code) that does it here


@dataclass
class Way:
    """One way of asking for an optimizer and what it gives here."""

    code: str  # e.g. "tf.keras.optimizers.legacy.Adam()"
    namespace: str
    route: str  # get | class | legacy | experimental
    class_path: str | None = None
    keras: str | None = None
    keras_version: str | None = None
    error_type: str | None = None
    error: str | None = None  # the exception's message, exactly
    failed_at: str | None = None  # lookup | construct
    group: str | None = None  # ways with the same letter give the same class object
    defaults: dict[str, Any] = field(default_factory=dict)
    defaults_source: str = ""  # get_config | signature
    habits: list[Habit] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.error_type is None


@dataclass
class OptimizerResolution:
    """Every way of asking for one optimizer name, side by side."""

    name: str
    class_name: str
    ways: list[Way]
    differing: list[str] = field(default_factory=list)  # defaults that differ between ways

    def groups(self) -> dict[str, list[str]]:
        out: dict[str, list[str]] = {}
        for way in self.ways:
            if way.group:
                out.setdefault(way.group, []).append(way.code)
        return out


@dataclass
class ModelOptimizer:
    """The optimizer a (compiled) model carries, and whether it is of the model's Keras."""

    variable: str
    model_class: str
    model_keras: str | None
    model_keras_version: str | None
    compiled: bool
    class_path: str | None = None
    class_name: str | None = None
    keras: str | None = None
    keras_version: str | None = None
    config: dict[str, Any] = field(default_factory=dict)
    same_keras: bool | None = None
    note: str = ""


@dataclass
class OptimizerReport:
    """The answer of ``%keras_optimizers``: namespaces, then one resolution per name."""

    namespaces: list[KerasNamespace]
    optimizers: list[OptimizerResolution]
    measured_in: str  # kernel | subprocess
    note: str = ""
    problems: list[str] = field(default_factory=list)
    model: ModelOptimizer | None = None
    known: list[str] = field(default_factory=list)  # the names the Keras modules here list

    @property
    def names(self) -> list[str]:
        return [o.name for o in self.optimizers]

    def resolved(self) -> list[str]:
        """The listed names, and the names asked for that some way of asking resolved."""
        found = [o.name for o in self.optimizers if any(w.ok for w in o.ways)]
        return sorted(set(self.known) | set(found))

    def get(self, name: str) -> OptimizerResolution | None:
        return next((o for o in self.optimizers if o.name == name.lower()), None)

    def to_dict(self) -> dict[str, Any]:
        out = plain(self)
        for opt, data in zip(self.optimizers, out["optimizers"]):
            data["groups"] = opt.groups()
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> OptimizerReport:
        def way(d: dict[str, Any]) -> Way:
            d = dict(d)
            d["habits"] = [Habit(**h) for h in d.get("habits", [])]
            return Way(**d)

        return cls(
            namespaces=[KerasNamespace(**n) for n in data["namespaces"]],
            optimizers=[
                OptimizerResolution(
                    name=o["name"],
                    class_name=o["class_name"],
                    ways=[way(w) for w in o["ways"]],
                    differing=list(o.get("differing", [])),
                )
                for o in data["optimizers"]
            ],
            measured_in=data["measured_in"],
            note=data.get("note", ""),
            problems=list(data.get("problems", [])),
            model=ModelOptimizer(**data["model"]) if data.get("model") else None,
            known=list(data.get("known", [])),
        )
