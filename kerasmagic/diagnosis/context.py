"""The context of one check: everything a rule may read, computed once.

A ``CellContext`` holds the cell (parsed once), its import bindings, the versions installed, the
exception with its message and failing line, the namespace the cell ran in, and what it emitted.
Rules read it and return problems; they write nothing to it. What several rules need is a fact
of the context, worked out once when a rule first reads it: the scope as the cell's corrected
imports bind it (``import_fixes``) and the new paths of its broken attribute chains
(``chain_fixes``), so no rule depends on another having run before it.
"""

from __future__ import annotations

import ast
import linecache
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, Union

from kerasmagic.diagnosis.compiled_cell import code_lines, leading_blank_lines
from kerasmagic.diagnosis.frames import (
    cell_function_locals,
    cell_lineno,
    failing_line,
    is_cell_frame,
    traceback_frames,
)
from kerasmagic.diagnosis.quoted_errors import QuotedError, quoted_error
from kerasmagic.diagnosis.rewrite import ParsedCell, parse_cell, walk

STATIC, ERROR, AFTER_RUN = "static", "error", "after-run"
MOMENTS = (STATIC, ERROR, AFTER_RUN)

# the sources of the cells run before this one, oldest first, or a function returning them (read
# once, only when a rule follows a name into them: a clean cell never pays for the history)
Earlier = Union[Sequence[str], Callable[[], Sequence[str]]]


AUTOMATIC_BUILD = "Unable to automatically build the model."  # keras/src/trainers/trainer.py
ANSI = re.compile(r"\x1b\[[0-9;]*m")  # the bold Keras 3 gives a layer call's error message


def safe_str(exc: BaseException) -> str:
    """``str(exc)`` that survives a broken ``__str__``."""
    try:
        return str(exc)
    except Exception:
        try:
            return repr(exc)
        except Exception:
            return f"<{type(exc).__name__} with an unprintable message>"


def value_in(scope: dict, node: Any) -> Any:
    """The value of a name or an attribute chain (``self.model.optimizer``) in ``scope`` (a
    frame's locals, the namespace), read with ``getattr`` (nothing called); None when it is not
    there."""
    if isinstance(node, ast.Name):
        return scope.get(node.id)
    if isinstance(node, ast.Attribute):
        owner = value_in(scope, node.value)
        try:
            return getattr(owner, node.attr, None) if owner is not None else None
        except Exception:
            return None
    return None


def error_names(exc: BaseException | None, message: str) -> set[str]:
    """The names an error message quotes (``'Adam'``, `` `lr` ``, ``identifier: adm``)."""
    names: set[str] = set()
    for attr in ("name", "path"):
        value = getattr(exc, attr, None)
        if isinstance(value, str):
            names.add(value)
    names.update(re.findall(r"'([A-Za-z_][\w.]*)'", message))
    names.update(re.findall(r"`([A-Za-z_][\w.]*)`", message))
    names.update(re.findall(r"identifier:\s*([A-Za-z_][\w.]*)\s*$", message))
    return names


def captured_texts(captured: Any) -> list[str]:
    """The warnings and log lines a run emitted (``capture.CapturedOutput``); [] if none."""
    try:
        return list(captured.texts()) if captured is not None else []
    except Exception:
        return []


@dataclass
class CellContext:
    """One cell as the rules see it. Build it with :meth:`of`; every field is computed once."""

    source: str
    namespace: dict | None = None
    exc: BaseException | None = None
    filename: str | None = None
    captured: Any = None
    ran: bool = False
    failures: list[str] = field(default_factory=list)  # rules that failed (kerasmagic's own bugs)
    static: list[Any] | None = None  # the static rules' problems, once run (verify.static_errors)
    earlier_cells: Earlier = ()  # read through ``earlier``
    # the cells after this one (``migrate`` holds them; the magics do not): read only by the
    # checks that must not break code that runs later (``rate_setters``)
    later: tuple[str, ...] = ()
    # an error raised in a function an earlier cell defines: that cell's fixes placed in this one
    # (``engine.diagnose``'s ``defining_cell``)
    defining_cell: bool = True

    @classmethod
    def of(
        cls,
        source: Any,
        *,
        namespace: dict | None = None,
        exc: BaseException | None = None,
        filename: str | None = None,
        captured: Any = None,
        ran: bool = False,
        earlier: Earlier = (),
        later: tuple[str, ...] = (),
    ) -> CellContext:
        text = source if isinstance(source, str) else str(source)
        return cls(
            text, namespace, exc, filename, captured, ran, earlier_cells=earlier, later=later
        )

    @cached_property
    def cell(self) -> ParsedCell:
        """The cell parsed (IPython syntax allowed), once, when a rule first needs it."""
        return parse_cell(self.source)

    def again(self, source: str) -> CellContext:
        """The context of a corrected version of this cell (same namespace, nothing run)."""
        earlier = self.__dict__.get("earlier", self.earlier_cells)  # the history read once
        return CellContext.of(source, namespace=self.namespace, earlier=earlier, later=self.later)

    @cached_property
    def earlier(self) -> tuple[str, ...]:
        """The sources of the cells run before this one, oldest first (the kernel's input
        history for the magics, the notebook's earlier code cells for ``migrate``; empty for a
        file or a lint). An ``Edit`` whose ``cell`` is ``i`` edits ``earlier[i]``."""
        given = self.earlier_cells
        try:
            cells = given() if callable(given) else given
            return tuple(c if isinstance(c, str) else str(c) for c in cells or ())
        except Exception:
            return ()

    # -- the error ----------------------------------------------------------------------------
    @cached_property
    def quoted(self) -> QuotedError | None:
        """The error scikit-learn quoted as text when every fit of a model failed (``cross_val_score``
        of a Keras wrapper): the one the cell is diagnosed for (``quoted_errors``)."""
        return quoted_error(self.exc, safe_str(self.exc)) if self.exc is not None else None

    @cached_property
    def error_type(self) -> str:
        if self.quoted is not None:
            return self.quoted.type_name
        try:
            return type(self.exc).__name__ if self.exc is not None else ""
        except Exception:
            return "Exception"

    @cached_property
    def message(self) -> str:
        """The exception's message (the quoted error's), without the terminal codes Keras 3 bolds
        the message of a layer call's error with (a pattern it states is read as written)."""
        if self.quoted is not None:
            return ANSI.sub("", self.quoted.message)
        return ANSI.sub("", safe_str(self.exc)) if self.exc is not None else ""

    @cached_property
    def line(self) -> int | None:
        if self.exc is None:
            return None
        quoted = self.quoted_lines
        line = quoted[-1] if quoted else failing_line(self.exc, self.namespace, self.filename, self.source)  # fmt: skip
        return line + self.stripped_lines if line is not None else None

    @cached_property
    def quoted_lines(self) -> list[int]:
        """The lines of the quoted error's traceback that ran the cells' own code: in this
        cell's file, else in a file whose text is this cell's or an earlier one's (as the frames
        of an earlier cell's function count in a real traceback: they run in the namespace)."""
        if self.quoted is None:
            return []
        own = self.quoted.lines_in(self.filename) if self.filename else []
        if own:
            return own
        cells = {tuple(code_lines(c.splitlines())) for c in (self.source, *self.earlier)}
        return [line for file, line in self.quoted.frames if tuple(code_lines(linecache.getlines(file))) in cells]  # fmt: skip

    @cached_property
    def stripped_lines(self) -> int:
        """The blank lines at the top of the cell that the code which ran did not have: IPython
        drops a cell's leading empty lines before compiling it, so its tracebacks count from the
        first line with code (read from the cell's own text in ``linecache``)."""
        lines = self.source.splitlines()
        blank = leading_blank_lines(self.source)
        frames = [f for f in traceback_frames(self.exc) if is_cell_frame(f, self.namespace, self.filename)] if blank else []  # fmt: skip
        if not frames:
            return 0
        # an earlier cell read as the one that raised (``defining_cell``): its own file's frame,
        # not the frame of the cell that called it, which runs in the same namespace
        own = [f for f in frames if self.filename and f.f_code.co_filename == self.filename]
        ran = [text.rstrip() for text in linecache.getlines((own or frames)[0].f_code.co_filename)]
        return blank if ran and ran == [text.rstrip() for text in lines[blank:]] else 0

    @cached_property
    def failing_lines(self) -> set[int]:
        """The failing line, the cell's lines in the traceback of the error and of the errors
        it was raised from (a Lambda's function fails inside Keras's shape inference), each
        with the other lines of its statement (a call written over several lines: the traceback
        names its first), and the bodies of the cell's functions the failing line names
        (``Lambda(distance)``)."""
        if self.exc is None:
            return set()
        lines = {self.line} if self.line is not None else set()
        seen: set[int] = set()
        exc: BaseException | None = self.exc
        while exc is not None and id(exc) not in seen and len(seen) < 8:
            seen.add(id(exc))
            tb = getattr(exc, "__traceback__", None)
            while tb is not None:
                if is_cell_frame(tb.tb_frame, self.namespace, self.filename):
                    lines.add(cell_lineno(tb, self.source) + self.stripped_lines)
                tb = tb.tb_next
            exc = exc.__cause__ or exc.__context__
        lines.update(line + self.stripped_lines for line in self.quoted_lines)
        tree = self.cell.tree
        if tree is None or self.line is None:
            return lines
        lines |= {n for line in lines for n in statement_lines(tree, line)}
        named = {
            n.id
            for n in walk(tree)
            if isinstance(n, ast.Name) and getattr(n, "lineno", None) == self.line
        }
        for node in walk(tree):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name in named:
                lines.update(range(node.lineno, (node.end_lineno or node.lineno) + 1))
        return lines

    @cached_property
    def live_names(self) -> dict:
        """What a name of the failing lines holds: the namespace, under the locals of each of the
        cell's frames that raised, a function of the cell (``def main(): model = …``), the inner
        ones over the outer (``main`` calling ``model.fit``, which called the cell's own loss
        function: the loss's locals, and ``main``'s ``model`` beside them). Read only; nothing is
        called."""
        names = dict(self.namespace or {})
        for local in cell_function_locals(self.exc, self.namespace, self.filename):
            names.update(local)
        return names

    @cached_property
    def error_names(self) -> set[str]:
        return error_names(self.exc, self.message)

    def unpacked(self) -> tuple[Any, BaseException | None, str, str, int | None, dict | None]:
        """``(cell, exc, error_type, message, line, namespace)``: what an error rule reads."""
        return self.cell, self.exc, self.error_type, self.message, self.line, self.namespace

    @cached_property
    def wrapped(self) -> BaseException | None:
        """The error Keras wrapped: its shape inference re-raises a Lambda's function or a
        layer's ``call`` that failed on symbolic inputs as ``NotImplementedError`` ("could not
        automatically infer the output shape"), its trainer re-raises the error of building a
        subclassed model before ``fit`` as ``RuntimeError`` ("Unable to automatically build the
        model", Keras 3.13+ under JAX), and both Keras 2 and 3 re-raise an error of a layer's
        call with "Exception encountered when calling …" and the arguments around its message;
        the error each was raised from is the first of the chain that is none of these. None for
        any other error."""
        return wrapped_error(self.exc)

    def error_is(self, *names: str) -> bool:
        """Is the exception one of these classes (by name, base classes included)?"""
        try:
            mro = type(self.exc).__mro__ if self.exc is not None else ()
        except Exception:
            return False
        return any(c.__name__ in names for c in mro)

    # -- versions and bindings ------------------------------------------------------------------
    @cached_property
    def versions(self) -> dict[str, str]:
        """Installed versions and the catalogue's virtual keys (``live.versions``)."""
        from kerasmagic.diagnosis.live import versions

        try:
            return versions()
        except Exception:
            return {}

    @cached_property
    def shown_versions(self) -> dict[str, str]:
        keys = ("tensorflow", "keras", "tf-keras", "numpy")
        return {k: self.versions[k] for k in keys if k in self.versions}

    @cached_property
    def captured_texts(self) -> list[str]:
        return captured_texts(self.captured)

    @cached_property
    def scope_as_written(self) -> Any:
        """Import bindings of the namespace and the cell as written (``diagnosis.bindings``)."""
        from kerasmagic.diagnosis.bindings import Scope

        return Scope.of(self)

    @cached_property
    def import_fixes(self) -> Any:
        """What correcting the cell's imports does: their problems, the names they bind and the
        names they rename (``diagnosis.import_fixes``)."""
        from kerasmagic.diagnosis.import_fixes import import_fixes

        return import_fixes(self)

    @cached_property
    def scope(self) -> Any:
        """Import bindings of the namespace and the cell, as the cell's corrected imports bind
        them (``from keras.optimizers import adam`` binds ``Adam``): what every rule reads."""
        return self.import_fixes.scope

    @cached_property
    def chain_fixes(self) -> Any:
        """The cell's attribute chains through Keras modules that do not resolve here, and
        where the live API has their targets (``diagnosis.chain_fixes``)."""
        from kerasmagic.diagnosis.chain_fixes import chain_fixes

        return chain_fixes(self)

    @cached_property
    def facts(self) -> Any:
        """The cell's calls, dotted paths, imports and env-var settings (the traps' view)."""
        from kerasmagic.diagnosis.cell_facts import CellFacts, cell_facts

        outer = None
        if self.namespace:  # what earlier cells bound counts as the cell's own imports
            scope = self.scope
            outer = {n: scope.bindings[n] for n in scope.outer if n in scope.bindings}
        return cell_facts(self.cell, outer) or CellFacts(self.cell)


COMPOUND = (ast.For, ast.AsyncFor, ast.While, ast.If, ast.With, ast.AsyncWith, ast.Try,
            ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)  # fmt: skip


def wrapped_error(exc: BaseException | None) -> BaseException | None:
    """The error Keras wrapped in ``exc`` (``CellContext.wrapped``), or None."""
    seen = 0
    while exc is not None and seen < 8:
        text = safe_str(exc)
        inference = isinstance(exc, NotImplementedError) and "automatically infer" in text
        build = isinstance(exc, RuntimeError) and text.startswith(AUTOMATIC_BUILD)
        if not (inference or build or text.startswith("Exception encountered when calling")):
            break
        exc, seen = exc.__cause__ or exc.__context__, seen + 1
    return exc if seen and exc is not None else None


def statement_lines(tree: ast.AST, line: int) -> range:
    """The lines of the innermost simple statement (not a loop, a block, a definition) that
    holds ``line``; ``line`` alone when none does."""
    best: ast.stmt | None = None
    for node in ast.walk(tree):
        if isinstance(node, ast.stmt) and not isinstance(node, COMPOUND):
            end = node.end_lineno or node.lineno
            if node.lineno <= line <= end and (best is None or end - node.lineno < (best.end_lineno or best.lineno) - best.lineno):  # fmt: skip
                best = node
    if best is None:
        return range(line, line + 1)
    return range(best.lineno, (best.end_lineno or best.lineno) + 1)
