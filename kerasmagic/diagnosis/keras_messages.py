"""An error message read as a fact: which argument, what Keras expected, what it received.

Keras 3 states these in many of its errors ("Received an invalid value for `units`, expected a
positive integer. Received: units=46.0"); the templates are data
(``keras_message_templates.TEMPLATES``, each with the Keras source it comes from). ``parse`` turns
a message into one ``MessageFact`` that the general repairs (``rules/error_messages.py``) consume:
a repair keys on ``kind``, never on the words of one example.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from typing import Any

from kerasmagic.diagnosis.context import ANSI
from kerasmagic.diagnosis.keras_message_templates import TEMPLATES


@dataclass(frozen=True)
class MessageFact:
    """What an error message says about an argument. ``given``/``wanted``: the counts of a
    count mismatch (1 loss given, 2 wanted: one per output)."""

    kind: str
    template: str
    argument: str | None = None
    expected: str | None = None
    received: str | None = None
    given: int | None = None
    wanted: int | None = None
    source: str = ""
    owner: str | None = None  # the class whose parameter it is, where the message names it

    def received_value(self) -> Any:
        """The received value as Python reads it (``46.0``, ``3``, ``(3.0,)``), else None."""
        return literal(self.received)


def literal(text: str | None) -> Any:
    """``text`` as a Python literal (a number, a tuple of them, a string), else None."""
    if text is None:
        return None
    try:
        return ast.literal_eval(text.strip())
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        return None




def parse(error_type: str, message: str) -> MessageFact | None:
    """The fact of the first template matching ``message`` of an exception called
    ``error_type`` (or a Keras/TensorFlow subclass of one it lists); None when none does."""
    if not message:
        return None
    message = ANSI.sub("", message)  # Keras 3 bolds the message of a layer call's error
    for template in TEMPLATES:
        if template.exceptions and error_type not in template.exceptions:
            if not any(error_type.endswith(e) for e in template.exceptions):
                continue
        found = re.search(template.pattern, message, re.M)  # compiled when first asked (re keeps it)
        if found is None:
            continue
        groups = {k: v for k, v in found.groupdict().items() if v is not None}
        values = {**template.fixed, **groups}
        wanted = _count(values.get("wanted"))
        if "structure" in values:  # the model's outputs, one 'X' each: ['X', 'X']
            wanted = values["structure"].count("'X'") or None
        given = _count(values.get("given"))
        if given is None and template.kind == "count" and "received" in values:
            received = literal(values["received"])
            given = len(received) if isinstance(received, (list, tuple)) else None
        return MessageFact(
            kind=template.kind,
            template=template.id,
            argument=values.get("argument"),
            expected=values.get("expected"),
            received=values.get("received"),
            given=given,
            wanted=wanted,
            source=template.source,
            owner=values.get("owner"),
        )
    return None


def _count(text: str | None) -> int | None:
    return int(text) if text is not None and text.isdigit() else None


def integral(value: Any) -> int | None:
    """``value`` as the int it equals (``46.0`` → 46), None when it is not a whole number (or
    is a bool)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return None
