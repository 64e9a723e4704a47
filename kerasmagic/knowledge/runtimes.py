"""Runtimes whose pins kerasmagic knows (``migrate --to colab``), from ``runtimes.json``: each with
the source its pins were read from and when."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

DATA_FILE = Path(__file__).with_name("runtimes.json")


@dataclass(frozen=True)
class Runtime:
    name: str
    description: str
    python: str  # X.Y
    pins: tuple[str, ...]
    source: str
    date: str


def _load() -> dict[str, Runtime]:
    data = json.loads(DATA_FILE.read_text(encoding="utf-8"))
    return {
        name: Runtime(name, r["description"], r["python"], tuple(r["pins"]), r["source"], r["date"])
        for name, r in data.items()
    }


RUNTIMES = _load()
