"""Files the published code would download or find on its author's disk, generated here.

``get_file``: the real function runs, with ``origin`` pointed at a generated local file
(``file://``) and the hash arguments dropped, so each Keras version's own caching, extraction and
return value hold. Text files get generated prose, image archives a class-folder tree of small
images; anything else fails naming the shim."""

from __future__ import annotations

import functools
import inspect
import os
import tarfile
import tempfile
import zipfile
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

from _kmshim import datasets

SHIM = "kerasmagic corpus shim"
TEXT = (".txt", ".text", ".md")
ARCHIVES = (".tar.gz", ".tgz", ".tar", ".zip", ".tar.bz2")
CLASSES = ("class_a", "class_b")
PER_CLASS = 6


class ShimDataError(RuntimeError):
    """Data the shim cannot make up (the corpus file needs a ``data`` entry in its manifest)."""


def _scratch() -> Path:
    base = Path(os.environ.get("KERASMAGIC_CORPUS_SCRATCH") or tempfile.gettempdir())
    path = Path(tempfile.mkdtemp(prefix="kmshim-", dir=base))
    return path


def write_text(path: Path, chars: int = 60_000) -> None:
    import numpy as np

    rng = np.random.default_rng(7)
    words = datasets.WORDS
    lines, size = [], 0
    while size < chars:
        line = " ".join(words[int(i)] for i in rng.integers(0, len(words), 12)).capitalize() + "."
        lines.append(line)
        size += len(line) + 1
    # every printable ASCII character once, as a real corpus holds them (a text-generation
    # notebook seeds its model with "ROMEO: " and looks each character up in the vocabulary)
    lines.insert(len(lines) // 2, "".join(chr(c) for c in range(32, 127)))
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def write_images(folder: Path, kind: str = "image", classes: tuple[str, ...] = CLASSES) -> None:
    """``folder/<class>/<n>.png`` (or ``.txt``): a tree the directory loaders read."""
    import numpy as np

    rng = np.random.default_rng(11)
    for c in classes:
        (folder / c).mkdir(parents=True, exist_ok=True)
        for i in range(PER_CLASS):
            if kind == "text":
                (folder / c / f"{i}.txt").write_text(
                    " ".join(rng.choice(datasets.WORDS, 30)), encoding="utf-8"
                )
                continue
            from PIL import Image

            pixels = rng.integers(0, 256, (48, 48, 3), dtype=np.uint8)
            Image.fromarray(pixels).save(folder / c / f"{i}.png")


def beside(basename: str) -> Path | None:
    """A data file of the manifest, materialised in or below the working directory."""
    if not basename:
        return None
    direct = Path.cwd() / basename
    if direct.is_file():
        return direct
    return next((p for p in sorted(Path.cwd().rglob(basename)) if p.is_file()), None)


def _archive(fname: str, suffix: str) -> Path:
    """An archive of ``<stem>/<class>/<n>.png``, ``stem`` being ``fname`` less its suffix."""
    stem = fname[: -len(suffix)] if fname.lower().endswith(suffix) else fname
    tree = _scratch()
    write_images(tree / stem)
    out = tree / (stem + suffix)
    if suffix == ".zip":
        with zipfile.ZipFile(out, "w") as z:
            for f in sorted((tree / stem).rglob("*")):
                z.write(f, f.relative_to(tree))
    else:
        mode = {".tar": "w", ".tar.bz2": "w:bz2"}.get(suffix, "w:gz")
        with tarfile.open(out, mode) as t:
            t.add(tree / stem, arcname=stem)
    return out


def synthetic_file(fname: str, origin: str | None) -> Path:
    name = fname or os.path.basename(origin or "")
    low = name.lower()
    from_origin = os.path.basename((origin or "").split("?")[0]).lower()
    suffix = next((s for s in ARCHIVES if low.endswith(s) or from_origin.endswith(s)), None)
    if suffix is not None:
        return _archive(name, suffix)
    if low.endswith(TEXT):
        out = _scratch() / name
        write_text(out)
        return out
    local = beside(os.path.basename(origin or name))
    if local is not None:
        return local
    raise ShimDataError(
        f"{SHIM}: get_file({fname!r}, origin={origin!r}) needs data the shim cannot generate; "
        "add the file to the manifest's data (tests/realcode/README.md)"
    )


def wrap_get_file(fn: Callable[..., Any]) -> Callable[..., Any]:
    sig = inspect.signature(fn)

    @functools.wraps(fn)
    def get_file(*args: Any, **kwargs: Any) -> Any:
        __tracebackhide__ = True  # noqa: F841
        try:
            bound = sig.bind(*args, **kwargs)
        except TypeError:
            return fn(*args, **kwargs)
        a = bound.arguments
        fname, origin = a.get("fname"), a.get("origin")
        if not origin or str(origin).startswith("file://"):
            return fn(*bound.args, **bound.kwargs)
        local = synthetic_file(str(fname or ""), str(origin))
        a["origin"] = local.as_uri()
        home = os.environ.get("KERASMAGIC_CORPUS_KERAS_HOME")
        if home and "cache_dir" in sig.parameters and a.get("cache_dir") is None:
            a["cache_dir"] = home  # Keras 2 ignores $KERAS_HOME here
        for h in ("md5_hash", "file_hash"):
            if h in a:
                a[h] = None
        return fn(*bound.args, **bound.kwargs)

    return get_file


def _generated_dir(directory: Any, kind: str) -> Any:
    """``directory`` when it exists, else a generated class-folder tree (at the same relative
    path below the working directory, or in a scratch folder for an absolute path)."""
    if not isinstance(directory, (str, os.PathLike)) or os.path.isdir(directory):
        return directory
    path = Path(directory)
    target = path if not path.is_absolute() else _scratch() / path.name
    if path.exists():  # a file, not a folder: let Keras say so
        return directory
    write_images(target, kind)
    return str(target) if isinstance(directory, str) else target


def wrap_from_directory(
    fn: Callable[..., Any], kind: str, method: bool = False
) -> Callable[..., Any]:
    sig = inspect.signature(fn)
    param = list(sig.parameters)[1 if method else 0]

    @functools.wraps(fn)
    def from_directory(*args: Any, **kwargs: Any) -> Any:
        __tracebackhide__ = True  # noqa: F841
        try:
            bound = sig.bind(*args, **kwargs)
        except TypeError:
            return fn(*args, **kwargs)
        if param in bound.arguments:
            bound.arguments[param] = _generated_dir(bound.arguments[param], kind)
        return fn(*bound.args, **bound.kwargs)

    return from_directory


def patch_pandas(module: ModuleType) -> None:
    original = getattr(module, "read_csv", None)
    if original is None or getattr(original, "_kmshim", False):
        return

    @functools.wraps(original)
    def read_csv(*args: Any, **kwargs: Any) -> Any:
        __tracebackhide__ = True  # noqa: F841
        src = args[0] if args else kwargs.get("filepath_or_buffer")
        if isinstance(src, str) and src.startswith(("http://", "https://")):
            local = beside(os.path.basename(src.split("?")[0]))
            if local is None:
                raise ShimDataError(
                    f"{SHIM}: read_csv({src!r}) reads the network; add the file to the "
                    "manifest's data (tests/realcode/README.md)"
                )
            args = (str(local), *args[1:]) if args else args
            if not args:
                kwargs["filepath_or_buffer"] = str(local)
        return original(*args, **kwargs)

    read_csv._kmshim = True  # type: ignore[attr-defined]
    module.read_csv = read_csv  # type: ignore[attr-defined]
