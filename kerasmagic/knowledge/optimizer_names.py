"""The optimizer names Keras releases know (data), and which asked-for names are none of them.

``python -m kerasmagic optimizers adamm`` is a typo, not an optimizer this Keras lacks: a name
that neither the live Keras lists nor any Keras release has is refused with the near names
(``did you mean adam?``); a real optimizer missing from the Keras here (``lamb`` in Keras 2) is
measured, so the report shows where it does not resolve.
"""

from __future__ import annotations

from collections.abc import Iterable

# every optimizer ``keras.optimizers.get(name)`` knows in Keras 2.15 … 3.x (lower case)
KERAS_OPTIMIZERS = (
    "adadelta",
    "adafactor",
    "adagrad",
    "adam",
    "adamax",
    "adamw",
    "ftrl",
    "lamb",
    "lion",
    "muon",
    "nadam",
    "rmsprop",
    "schedulefreeadamw",
    "sgd",
)


def unknown_optimizers(names: Iterable[str], live: Iterable[str]) -> dict[str, list[str]]:
    """``{name: the near known names}`` of the ``names`` that neither ``live`` (what the Keras
    here lists, and names that resolved there) nor any Keras release knows."""
    from kerasmagic.knowledge.api_index import closest

    known = sorted({n.lower() for n in live} | set(KERAS_OPTIMIZERS))
    return {
        name: closest(name.lower(), known, n=3, cutoff=0.6)
        for name in names
        if name.lower() not in known
    }
