"""The real-code corpus's data shim (tests/realcode/README.md): active only when
``KERASMAGIC_CORPUS_SHIM=1`` and this folder is on PYTHONPATH, as the harness
(scripts/realcode_report.py) sets them; kernels started by migrate or nbclient inherit both.
It never edits the published code: it patches data loaders and training lengths as they are
imported (``_kmshim``)."""

import os

if os.environ.get("KERASMAGIC_CORPUS_SHIM") == "1":
    import _kmshim

    _kmshim.install()
