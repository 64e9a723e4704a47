"""A notebook's words and what a script run from a terminal calls the same thing.

The catalogue speaks to a notebook user ("the corrected cell", "restart the runtime", "install it
into this kernel … (not `!pip`)"); ``python -m kerasmagic check FILE`` shows the same findings to
someone at a terminal, where there is no cell, kernel or ``!`` line. Each pair is a regular
expression (matched case-insensitively, whole words) and its replacement, applied in order.
"""

from __future__ import annotations

SCRIPT_WORDS: tuple[tuple[str, str], ...] = (
    (r" \(not `!pip`\)", ""),
    (r"`!pip`", "`pip`"),
    (r"A notebook kernel can run another Python than the terminal where it was installed\. ?", ""),
    (r"restart the runtime", "start Python again"),
    (r"restart the kernel", "start Python again"),
    (r"this kernel's Python", "this Python"),
    (r"into this kernel", "into this Python"),
    (r"this kernel", "this Python"),
    (r"the kernel", "Python"),
    (r"cells", "scripts"),
    (r"cell", "script"),
)
