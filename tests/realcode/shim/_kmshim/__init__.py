"""Post-import hooks that make published Keras code run offline and fast, unedited.

- ``keras``/``tf_keras``/``tensorflow.python.keras`` (every module, as it is imported): the
  ``datasets.*`` loaders give deterministic synthetic arrays of the published shapes and dtypes
  (small N); ``get_file`` serves generated files through the real ``get_file`` (a ``file://``
  origin), so each Keras version's own caching and extraction run; the ``*_dataset_from_directory``
  functions and ``ImageDataGenerator.flow_from_directory`` generate a class-folder tree where the
  folder is missing; ``fit``/``evaluate``/``predict`` (and ``*_generator``) run at most one epoch
  and two steps where steps are given. Every wrapper keeps the wrapped signature
  (``functools.wraps``) and calls the original unchanged when its arguments do not bind, so Keras
  raises its own errors.
- ``pandas.read_csv`` of an http(s) address reads the file of that name beside the script (a data
  file of the manifest) or fails naming the shim; ``matplotlib``: Agg backend (also where the code asks for another with ``matplotlib.use``), ``show()`` no-op.
- ``$KERASMAGIC_CORPUS_EXTRAS`` (the harness's overlay of matplotlib, pandas, …) is appended to
  ``sys.path`` after site-packages, so an environment's own copy of a package wins.
"""

from __future__ import annotations

import os
import sys


def install() -> None:
    os.environ.setdefault("MPLBACKEND", "Agg")
    extras = os.environ.get("KERASMAGIC_CORPUS_EXTRAS", "")
    for entry in extras.split(os.pathsep):
        if entry and entry not in sys.path:
            sys.path.append(entry)
    from _kmshim import hooks

    hooks.install()
