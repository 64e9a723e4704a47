"""Where the cause of a cell's error was made, when the cell itself has no fix (the migrate
kernel's side, with ``kernel_side``: the only modules of ``kerasmagic.migrate`` that call the
engine): code an earlier cell defined (``cell_origin``), a value an earlier cell made
(``origin_before``), or a module of the user's beside the document (``module_origin``). Each
answer is the fix document of the earlier source, diagnosed with the same error. Where none
explains the error, the rewrites lint proves in the code the run went through are tried
(``certain_rewrites``)."""

from __future__ import annotations

import linecache
import os
import sys
from itertools import chain
from typing import Any

from kerasmagic.diagnosis.quoted_errors import quoted_error
from kerasmagic.migrate.fix_documents import CERTAIN, fix_document


def raised_in(exc: BaseException, root: str) -> list[Any] | None:
    """Where in the user's modules ``exc`` was raised: the innermost such file and its line's
    text (None when it was not raised in one)."""
    from kerasmagic.migrate import user_modules

    frame = next(user_modules.module_frames(exc, root), None)
    if frame is None:
        return None
    return [frame.f_code.co_filename, linecache.getline(frame.f_code.co_filename, frame.f_lineno).strip()]  # fmt: skip


def module_origin(exc: BaseException, root: str) -> dict[str, Any] | None:
    """An error raised in a module of the user's (beside the document, or in a folder its code
    put on ``sys.path``; the innermost first), or naming a class one of them defines (Keras
    rebuilding it from its config), or defining a loss or metric the model of a failing ``fit``
    was compiled with: the module's source, diagnosed with the same error in the
    module's own namespace, its corrected version (``user_modules.serve`` runs it from then on)
    and its ``import_path``."""
    from kerasmagic.diagnosis.engine import diagnose
    from kerasmagic.migrate import user_modules

    frames = ((f.f_code.co_filename, f.f_globals) for f in user_modules.module_frames(exc, root))
    held = user_modules.compiled_with_modules(exc, root)
    for filename, namespace in chain(frames, user_modules.named_modules(exc, root), held):
        source = user_modules.source_of(filename)
        if source is None:
            continue
        result = diagnose(source, exc, namespace=namespace, filename=filename)
        if result.fixed_source and result.fixed_source != source:
            doc = fix_document(result)
            imported = user_modules.import_path(namespace.get("__name__"), filename)
            doc.update(path=filename, source=source, root=root, imported=imported)
            return doc
    return None


def certain_rewrites(exc: BaseException, source: str, root: str, earlier: tuple[str, ...] = (), namespace: dict | None = None, later: tuple[str, ...] = ()) -> dict[str, Any] | None:  # fmt: skip
    """Nothing explained the error: the certain rewrites lint proves (problems of kind error, at
    least ``CERTAIN``) in the code the failing run went through, the innermost module of the
    user's in the traceback first (with its ``path``, ``source``, ``import_path``), else the
    failing cell itself, else a module of the user's the kernel imported, whose code may have
    made what the failing line uses (a model its function built, trained by this cell: the
    traceback passes through Keras only); ``trigger`` is ``lint``. ``later``: the cells after
    the failing one, which some rewrites read (an import of ``merge`` that they call). A cause lines away from the
    failing one: Keras 1's ``Convolution2D(32, 3, 3)`` builds a layer of stride 3, and a later
    layer fails on the size left. The kernel's ``namespace`` gives the failing cell the names
    earlier cells bound (``SimpleRNN`` imported cells before its Keras 1 ``output_dim=``), as
    the diagnosis has them. ``migrate`` keeps such a rewrite only where the error is gone or
    changed when run."""
    from kerasmagic.diagnosis.engine import lint
    from kerasmagic.migrate import user_modules

    for frame in user_modules.module_frames(exc, root):
        filename = frame.f_code.co_filename
        doc = _certain_in_module(filename, root, user_modules.import_path(frame.f_globals.get("__name__"), filename))  # fmt: skip
        if doc is not None:
            return doc
    doc = _certain(lint(source, earlier=earlier, namespace=namespace, later=later))
    for filename, imported in user_modules.loaded_files(root).items() if doc is None else ():
        doc = _certain_in_module(filename, root, imported)
        if doc is not None:
            break
    return doc


def _certain_in_module(filename: str, root: str, imported: str | None) -> dict[str, Any] | None:
    """``_certain`` of a module of the user's, with its ``path``, ``source``, ``import_path``."""
    from kerasmagic.diagnosis.engine import lint
    from kerasmagic.migrate import user_modules

    text = user_modules.source_of(filename)
    doc = _certain(lint(text)) if text is not None else None
    if doc is not None:
        doc.update(path=filename, source=text, root=root, imported=imported)
    return doc


def _certain(result: Any) -> dict[str, Any] | None:
    doc = fix_document(result, CERTAIN)
    if not doc["fixed_source"] or doc["fixed_source"] == result.source:
        return None
    return {**doc, "trigger": "lint"}


def raised_in_an_earlier_cell(exc: BaseException) -> bool:
    """Did code an earlier cell defined run in the traceback of ``exc`` (more than the failing
    cell's own file)?"""
    return len(_cell_files(exc)) > 1


def _cell_files(exc: BaseException) -> list[str]:
    """The notebook cells' file names in the traceback of ``exc`` and of the errors it was
    raised from, outermost first (IPython keeps each cell's source in ``linecache``)."""
    names: list[str] = []
    seen: set[int] = set()
    chain: BaseException | None = exc
    while chain is not None and id(chain) not in seen and len(seen) < 8:
        seen.add(id(chain))
        tb = chain.__traceback__
        while tb is not None:
            name = tb.tb_frame.f_code.co_filename
            if _is_cell_file(name) and name not in names:
                names.append(name)
            tb = tb.tb_next
        chain = chain.__cause__ or chain.__context__
    quoted = quoted_error(exc, str(exc))  # scikit-learn's quote of a fit's error: deeper still
    for name, _ in quoted.frames if quoted is not None else ():
        if _is_cell_file(name) and name not in names:
            names.append(name)
    return names


def _is_cell_file(name: str) -> bool:
    """Is ``name`` the file of a notebook cell (IPython keeps each cell's source in ``linecache``)?"""
    kept = getattr(linecache, "_ipython_cache", {})  # IPython 7 keeps cells there
    return name.startswith("<ipython-input-") or (
        linecache.cache.get(name) is not None and ("ipykernel_" in name or name in kept)
    )


def cell_origin(exc: BaseException, namespace: dict, earlier: list[str] | None = None, failing: str | None = None, later: tuple[str, ...] = ()) -> dict[str, Any] | None:  # fmt: skip
    """An error raised inside code an EARLIER cell defined (a class, a function the failing cell
    calls): that cell's source, diagnosed with the same error (and the cells before it, when
    ``earlier``, the cells run before the failing one, holds it: a value the class reads from a
    settings cell is followed there; and the cells after it: up to the ``failing`` one, where its
    function's calls pass its parameters, and ``later``, the cells after that one, which a fix
    must not break: a rate a later cell sets), and its corrected version."""
    from kerasmagic.diagnosis.engine import diagnose

    files = _cell_files(exc)
    for name in reversed(files[1:]):  # the deepest cell first; files[0] is the failing cell
        entry = linecache.cache.get(name)
        if entry is None:
            continue
        source = "".join(entry[2])
        before = _cells_before(source, earlier or [])
        held = bool(earlier) and (bool(before) or earlier[0].strip() == source.strip())  # type: ignore[index]
        after = (*(earlier[len(before) + 1 :] if held else []), *([failing] if failing else []), *later)  # type: ignore[index]
        result = diagnose(source, exc, namespace=namespace, filename=name, earlier=before, later=after)  # fmt: skip
        if result.fixed_source and result.fixed_source != source:
            doc = fix_document(result)
            doc["source"] = source
            return doc
    return None


def _cells_before(source: str, earlier: list[str]) -> tuple[str, ...]:
    """The cells run before the newest of ``earlier`` that is ``source``; () when none is."""
    for index in range(len(earlier) - 1, -1, -1):
        if earlier[index].strip() == source.strip():
            return tuple(earlier[:index])
    return ()


def origin_before(exc: BaseException, namespace: dict, earlier: list[str], failing: str | None = None, later: tuple[str, ...] = ()) -> dict[str, Any] | None:  # fmt: skip
    """An error raised from a value an earlier cell made: in the user's own module (a plotting
    helper beside the notebook reading ``history['acc']``, made by the ``compile`` that named the
    metric), or by a fix whose catalogue entry says its cause is made earlier (``earlier_cell``):
    the newest earlier cell whose diagnosis with the same error corrects it. ``migrate`` runs
    that cell again and the cells after it, then this one (``loop._fix_earlier``). Asked after
    ``cell_origin`` found nothing: the error may pass through code of several cells (a ``main()``
    of one cell training a model whose class another cell compiles). As for
    ``cell_origin``, the cells after the earlier one, the ``failing`` one and those ``later``
    are what a fix of it must not break."""
    from kerasmagic.diagnosis.engine import diagnose

    anywhere = _raised_in_user_module(exc)
    for index in range(len(earlier) - 1, -1, -1):
        source = earlier[index]
        after = (*earlier[index + 1 :], *([failing] if failing else []), *later)
        result = diagnose(source, exc, namespace=namespace, earlier=tuple(earlier[:index]), later=after)
        if result.fixed_source and result.fixed_source != source:
            doc = fix_document(result)
            if anywhere or _made_earlier(doc):
                doc["source"] = source
                return doc
    return None


def _made_earlier(doc: dict[str, Any]) -> bool:
    """The fix is one whose catalogue entry says the error it explains is raised later than the
    cell that made its cause (``earlier_cell``: a model compiled with an optimizer another model
    was built with, and trained cells later)."""
    from kerasmagic.diagnosis.earlier_cause import made_earlier

    ids = [rule.get("id") for rule in doc.get("rules") or [] if isinstance(rule, dict)]
    return any(made_earlier(i) for i in ids if isinstance(i, str))


def _raised_in_user_module(exc: BaseException) -> bool:
    """Is the innermost frame of ``exc`` in a file of the user's (not Python's, not a package's)?"""
    tb, last = exc.__traceback__, None
    while tb is not None:
        last, tb = tb, tb.tb_next
    name = last.tb_frame.f_code.co_filename if last is not None else ""
    if not os.path.isfile(name) or "site-packages" in name or "dist-packages" in name:
        return False
    return not name.startswith((sys.base_prefix, sys.prefix))
