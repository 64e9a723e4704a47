"""The user's own modules inside the migrate kernel: the ``.py`` files beside the document (a
``utils.py``, a ``core/model.py`` package) that its cells import.

An error raised in one of them is diagnosed on the module's source (``kernel_side``); when a
fix corrects it, the corrected source replaces the file's for every later import in this kernel
(``serve``), without touching the file: an import finder placed first on ``sys.meta_path`` hands
the file's module the corrected text, compiled under the file's own name (its tracebacks and
``__file__`` stay the file's; its cached bytecode is never read). Every module loaded from the
user's folder is then forgotten (``sys.modules``), so that the next import, by the cell run
again, runs the corrected code and rebinds what it imports. Imports only the standard library.

The user's folders are the document's (or the directory named on the command line) and every
folder the document's own code put on ``sys.path`` since the kernel started (a course's
``sys.path.append('..')`` to reach the repository's shared ``util/`` package): the modules
imported from there are the user's as well. ``import_path`` says where such a module sits below
the folder it was imported through (``util/my_plot.py``), where its copy goes beside the
document's copy, which imports from its own folder first.
"""

from __future__ import annotations

import importlib.abc
import importlib.machinery
import linecache
import os
import re
import sys
from collections.abc import Iterator
from types import FrameType
from typing import Any

from kerasmagic.source_encoding import decoded, encoded

VENDORED = ("keras", "tensorflow", "tf_keras")
_corrected: dict[str, str] = {}  # a module file's absolute path → the source it runs with
_path_at_start: set[str] = set()  # sys.path's folders before the document's code ran


def _real(path: str) -> str:
    return os.path.realpath(path or os.curdir)


def note_start_path() -> None:
    """Remember ``sys.path`` before the document's code runs (``kernel_side.user_root``)."""
    _path_at_start.clear()
    _path_at_start.update(_real(p) for p in sys.path if isinstance(p, str))


def user_folders(root: str) -> list[str]:
    """``root`` and the folders the document's code added to ``sys.path`` since, that are no
    interpreter's (never its prefix, never a ``site-packages``)."""
    interpreters = {_real(p) for p in (sys.prefix, sys.base_prefix, sys.exec_prefix)}
    folders = [_real(root)]
    for entry in sys.path:
        if not isinstance(entry, str) or not _path_at_start:
            continue
        folder = _real(entry)
        if folder in _path_at_start or folder in folders or not os.path.isdir(folder):
            continue
        inside = any(os.path.commonpath([folder, p]) == p for p in interpreters)
        if not inside and not {"site-packages", "dist-packages"} & set(folder.split(os.sep)):
            folders.append(folder)
    return folders


def is_users(filename: str, root: str) -> bool:
    """Is ``filename`` a Python file of the user's below one of their folders (``root``, the
    document's, and the folders its code put on ``sys.path``), not an installed package's?"""
    if not filename.endswith(".py") or not os.path.isfile(filename):
        return False
    path = _real(filename)
    for top in user_folders(root):
        if os.path.commonpath([path, top]) != top:
            continue
        parts = os.path.relpath(path, top).split(os.sep)
        if parts[0] in VENDORED:  # a copy of Keras or TensorFlow kept in the repository
            return False
        return not any(part in ("site-packages", "dist-packages") for part in parts)
    return False


def import_path(name: object, filename: str) -> str | None:
    """Where the module ``name`` loaded from ``filename`` sits below the folder it was imported
    through (``util.my_plot`` → ``util/my_plot.py``; a package's ``__init__.py`` inside its
    folder), when the file's path ends so; else None."""
    if not isinstance(name, str) or not name or name == "__main__":
        return None
    parts = name.split(".")
    if os.path.basename(filename) == "__init__.py":
        parts.append("__init__")
    relative = os.path.join(*parts) + ".py"
    return relative if _real(filename).endswith(os.sep + relative) else None


def module_frames(exc: BaseException, root: str) -> Iterator[FrameType]:
    """The frames of the user's module files in the traceback of ``exc`` (and of the errors it
    was raised from), the innermost first, one per file."""
    seen_files: set[str] = set()
    seen: set[int] = set()
    chain: BaseException | None = exc
    while chain is not None and id(chain) not in seen and len(seen) < 8:
        seen.add(id(chain))
        frames = []
        tb = chain.__traceback__
        while tb is not None:
            frames.append(tb.tb_frame)
            tb = tb.tb_next
        for frame in reversed(frames):
            name = frame.f_code.co_filename
            if name not in seen_files and is_users(name, root):
                seen_files.add(name)
                yield frame
        chain = chain.__cause__ or chain.__context__


CLASS_PATH = re.compile(r"<class '([\w.]+)\.(\w+)'>")
INIT_OF = re.compile(r"\b(\w+)\.__init__\(\)")


def named_modules(exc: BaseException, root: str) -> Iterator[tuple[str, dict]]:
    """The user's modules below ``root`` defining a class the message of ``exc`` names (``<class
    'model.model.CNN'>``, ``CNN.__init__()``: Keras rebuilding it from a config): each file and
    the module's namespace, once."""
    text = str(exc)
    wanted = [(m[0], m[1]) for m in CLASS_PATH.findall(text)]
    wanted += [(None, name) for name in INIT_OF.findall(text)]
    seen: set[str] = set()
    for module_name, cls in wanted:
        for name, module in list(sys.modules.items()):
            file = getattr(module, "__file__", None)
            if module_name not in (None, name) or not isinstance(file, str) or file in seen:
                continue
            held = getattr(module, "__dict__", {}).get(cls)
            if isinstance(held, type) and held.__module__ == name and is_users(file, root):
                seen.add(file)
                yield file, module.__dict__


def compiled_with_modules(exc: BaseException, root: str) -> Iterator[tuple[str, dict]]:
    """The user's modules below ``root`` defining a loss or metric function that the model a
    failing ``fit`` trained was compiled with (the traceback rarely shows its frame: AutoGraph
    runs a converted copy, Keras's filter drops the rest): each file and the module's
    namespace, once."""
    from kerasmagic.diagnosis.compiled import code_of, own_functions, traceback_model_calls

    seen: set[str] = set()
    for _call, model in traceback_model_calls(exc, ("fit", "fit_generator", "train_on_batch")):
        for function in own_functions(model) if model is not None else ():
            code = code_of(function)
            file = getattr(code, "co_filename", None)
            namespace = getattr(getattr(function, "__func__", function), "__globals__", None)
            if isinstance(file, str) and file not in seen and isinstance(namespace, dict) and is_users(file, root):  # fmt: skip
                seen.add(file)
                yield file, namespace


def source_of(filename: str) -> str | None:
    """The source a module file runs with here: its corrected text, else the file's."""
    if _real(filename) in _corrected:
        return _corrected[_real(filename)]
    try:
        with open(filename, "rb") as handle:
            return decoded(handle.read())  # in the encoding its coding line names
    except (OSError, SyntaxError, UnicodeDecodeError):
        return None


class _CorrectedLoader(importlib.machinery.SourceFileLoader):
    """The file's loader, reading the corrected text instead of the file."""

    def get_data(self, path: str) -> bytes:
        text = _corrected.get(_real(path))
        if text is not None:
            return encoded(text)
        return super().get_data(path)

    def path_stats(self, path: str) -> Any:
        raise OSError("corrected by kerasmagic migrate: its cached bytecode is the old code")


class _CorrectedFinder(importlib.abc.MetaPathFinder):
    def find_spec(self, fullname: str, path: Any = None, target: Any = None) -> Any:
        if not _corrected:
            return None
        spec = importlib.machinery.PathFinder.find_spec(fullname, path)
        origin = getattr(spec, "origin", None)
        if spec is None or not origin or _real(origin) not in _corrected:
            return None
        spec.loader = _CorrectedLoader(fullname, origin)
        return spec


_FINDER = _CorrectedFinder()


def serve(filename: str, source: str, root: str) -> list[str]:
    """Run ``filename``'s module with ``source`` from now on in this kernel; the user's modules
    forgotten so that the next import runs them again (their names)."""
    _corrected[_real(filename)] = source
    lines = source.splitlines(keepends=True)
    linecache.cache[filename] = (len(source), None, lines, filename)  # tracebacks show it
    if _FINDER not in sys.meta_path:
        sys.meta_path.insert(0, _FINDER)
    forgotten = [name for name, _ in _imported(root)]
    for name in forgotten:
        del sys.modules[name]
    return forgotten


def _imported(root: str) -> list[tuple[str, str]]:
    """``(name, file)`` of the user's modules in ``sys.modules``; never the kernel's main module,
    whose ``__file__`` is the script's (``kernel_side.enter_script``) under ``__main__`` and under
    any other name it was registered as (multiprocessing's ``__mp_main__``)."""
    main = sys.modules.get("__main__")
    out = []
    for name, module in list(sys.modules.items()):
        file = getattr(module, "__file__", None)
        if module is not main and isinstance(file, str) and is_users(file, root):
            out.append((name, file))
    return out


def loaded_files(root: str) -> dict[str, str | None]:
    """The files of the user's modules (``is_users``) that this kernel has imported, each with
    its ``import_path``."""
    return dict(sorted({file: import_path(name, file) for name, file in _imported(root)}.items()))
