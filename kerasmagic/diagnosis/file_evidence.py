"""The files a failing read or write names, and the file a corrected save wrote instead: facts
read from the exception and the disk (nothing written), shared by the saving rules."""

from __future__ import annotations

import os
import re


def named_file(exc: BaseException | None, message: str) -> str | None:
    """The file a failing read or write named: the exception's ``filename`` (``open``), or h5py's
    ``unable to open file: name = '…'``."""
    name = getattr(exc, "filename", None)
    if isinstance(name, str) and name:
        return name
    found = re.search(r"name = '([^']+)'", message)
    return found.group(1) if found else None


def written_instead(old: str, new: str) -> bool:
    """Is ``new`` the file the corrected save wrote in place of ``old``: there, and ``old``
    missing or older (a copy of the save before its correction)?"""
    if not os.path.exists(new):
        return False
    return not os.path.exists(old) or os.path.getmtime(old) < os.path.getmtime(new)
