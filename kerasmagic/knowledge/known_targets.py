"""The Keras versions kerasmagic holds generated knowledge for, and ``--target`` resolved to one.

The generated map (``keras2to3.json``) records the two real installs it was dumped from: Keras 2
(``header.keras2``) and Keras 3 (``header.keras3``), each with the TensorFlow beside it. A target
names one of them (``keras==3.15``, ``keras>=3``, ``tensorflow==2.21``, ``3.15.1``); without one,
the Keras installed here (read from its metadata, never imported) picks the known version of its
major, else the newest known. Nothing here imports TensorFlow or Keras.
"""

from __future__ import annotations

import importlib.metadata as metadata
import re
from dataclasses import dataclass

from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.version import InvalidVersion, Version

from kerasmagic.knowledge import keras_map

AUTO = "auto"  # --target auto: the installed Keras when present, else the newest known
DISTRIBUTIONS = ("keras", "tensorflow")


class UnknownTarget(ValueError):
    """A ``--target`` that names no version kerasmagic has generated knowledge for (one line)."""


@dataclass(frozen=True)
class KnownTarget:
    """A Keras version with generated knowledge: its TensorFlow and where the data came from."""

    keras: str
    tensorflow: str | None
    environment: str  # the scripts/envs.py environment the API was dumped in
    chosen: str  # how it was chosen, in words ("--target keras==3.15", "installed keras 3.15.1")

    @property
    def major(self) -> int:
        return Version(self.keras).major

    def versions(self) -> dict[str, str]:
        """The catalogue's ``applies`` keys for this target (``Entry.applies_to``)."""
        out = {"keras": self.keras, "keras-major": str(self.major)}
        if self.tensorflow:
            out["tensorflow"] = self.tensorflow
        return out


def known() -> list[KnownTarget]:
    """Every version the generated map was dumped from, newest Keras first."""
    header = keras_map.header()
    found = []
    for side in ("keras3", "keras2"):
        info = header.get(side) or {}
        if info.get("keras"):
            found.append(
                KnownTarget(info["keras"], info.get("tensorflow"), info.get("environment", "?"), "")
            )
    return sorted(found, key=lambda t: Version(t.keras), reverse=True)


def _listing() -> str:
    return ", ".join(f"keras=={t.keras} (tensorflow=={t.tensorflow})" for t in known())


def _specifier(spec: str) -> tuple[str, SpecifierSet]:
    """``keras==3.15`` → ("keras", ==3.15.*): a release named by fewer parts means its series."""
    match = re.fullmatch(r"\s*([A-Za-z][A-Za-z0-9_.-]*)?\s*(.*?)\s*", spec)
    name = (match.group(1) or "keras").lower().replace("_", "-") if match else ""
    rest = match.group(2) if match else ""
    if name not in DISTRIBUTIONS:
        raise UnknownTarget(f"--target {spec}: name keras or tensorflow (known: {_listing()})")
    if re.fullmatch(r"\d+(\.\d+)*", rest):  # a bare version: 3.15.1
        rest = "==" + rest
    short = re.fullmatch(r"==\s*(\d+(?:\.\d+)?)", rest)
    if short:  # ==3 / ==3.15: that series
        rest = f"=={short.group(1)}.*"
    try:
        return name, SpecifierSet(rest)
    except InvalidSpecifier:
        raise UnknownTarget(
            f"--target {spec}: not a version specifier (e.g. keras==3.15; known: {_listing()})"
        ) from None


def resolve(spec: str | None) -> KnownTarget:
    """The known target ``spec`` names (None or ``auto``: the default); UnknownTarget otherwise."""
    if spec is None or spec.strip().lower() == AUTO:
        return default()
    name, wanted = _specifier(spec)
    for target in known():
        version = target.keras if name == "keras" else target.tensorflow
        if version and wanted.contains(Version(version), prereleases=True):
            return KnownTarget(
                target.keras, target.tensorflow, target.environment, f"--target {spec.strip()}"
            )
    raise UnknownTarget(
        f"--target {spec}: kerasmagic has no generated knowledge for it (known: {_listing()})"
    )


def installed_keras() -> str | None:
    """The installed Keras's version from its metadata (Keras is not imported), or None."""
    try:
        return metadata.version("keras")
    except metadata.PackageNotFoundError:
        return None


def default() -> KnownTarget:
    """The installed Keras's known version (its major's when that exact one is not known), else
    the newest known."""
    targets = known()
    here = installed_keras()
    try:
        major = Version(here).major if here else None
    except InvalidVersion:
        major = None
    for target in targets:
        if target.keras == here:
            chosen = f"installed keras {here}"
            return KnownTarget(target.keras, target.tensorflow, target.environment, chosen)
    for target in targets:
        if major is not None and target.major == major:
            chosen = f"installed keras {here}: nearest known Keras {major}"
            return KnownTarget(target.keras, target.tensorflow, target.environment, chosen)
    newest = targets[0]
    chosen = "newest known; no Keras installed here" if here is None else f"newest known; keras {here} installed"  # fmt: skip
    return KnownTarget(newest.keras, newest.tensorflow, newest.environment, chosen)
