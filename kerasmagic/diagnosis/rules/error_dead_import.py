"""Error rule: an import that fails here, of names the code never reads before binding them again.

Editors insert imports as one types (``token`` completed to ``from lib2to3.pgen2 import token``
above ``token = Tokenizer()``; a module this Python no longer has, or one not installed), and an
old script may import a module out of habit. Where the import fails, it bound nothing, and the
cell stopped there. When nothing reads a name it binds before the code binds that name again
(in the cell, then in the cells after it, which ``migrate`` holds), or at all (known only where
the cells after it are: ``migrate``), the import gives the code nothing: left out, the rest of
the cell runs, and nothing it computes changes.
"""

from __future__ import annotations

import ast
import sys

from kerasmagic.diagnosis.context import ERROR, CellContext
from kerasmagic.diagnosis.problem import Problem, from_entry
from kerasmagic.diagnosis.rewrite import node_edit, parse_cell, statement_removal, walk
from kerasmagic.diagnosis.rules import rule

ID = "import-never-read"


@rule(ID, when=(ERROR,), family="imports", errors=("ModuleNotFoundError",))
def import_never_read(ctx: CellContext) -> list[Problem]:
    """The failing import's names from the missing module, none read before it is bound again:
    left out of the import (the statement removed when it binds nothing else)."""
    missing = getattr(ctx.exc, "name", None)
    tree = ctx.cell.tree
    if not isinstance(missing, str) or not missing or tree is None or ctx.line is None:
        return []
    if missing in sys.modules:  # imported since (installed after the failure)
        return []
    stmt = next((s for s in tree.body if isinstance(s, (ast.Import, ast.ImportFrom)) and s.lineno == ctx.line), None)  # fmt: skip
    if stmt is None:
        return []
    gone = [a for a in stmt.names if _from_missing(stmt, a, missing)]
    if not gone or any(a.name == "*" for a in gone):
        return []
    bound = [_bound_name(stmt, a) for a in gone]
    after = [s for s in tree.body if s.lineno > stmt.lineno]  # this cell's, then the later cells'
    after += [s for source in ctx.later for s in (parse_cell(source).tree or ast.Module([], [])).body]  # fmt: skip
    rebound = {}
    for name in bound:
        dead, again = _never_read(after, name)
        if not dead or (again is None and not ctx.later):
            return []  # never mentioned here: a later cell may read it (the magics see none)
        if again is not None:
            rebound[name] = again
    keep = [a for a in stmt.names if a not in gone]
    edit = (
        node_edit(ctx.cell, stmt, _import_text(stmt, keep))
        if keep
        else statement_removal(ctx.cell, stmt, tree)
    )
    if edit is None:
        return []
    shown = ", ".join(f"`{n}`" for n in bound)
    reads = "; ".join(
        f"`{n}` is bound again by `{_first_line(rebound[n])}` before anything reads it"
        for n in bound
        if n in rebound
    )
    problem = from_entry(ID, stmt.lineno, [edit], [missing, *bound], ctx.shown_versions,
                         imported=shown, them="it" if len(bound) == 1 else "them", module=missing,
                         python=sys.version.split()[0], reads=f" ({reads})" if reads else "",
                         where="in this cell or the cells after it" if ctx.later else "in this cell")  # fmt: skip
    problem.certain = True
    return [problem]


def _from_missing(stmt: ast.Import | ast.ImportFrom, alias: ast.alias, missing: str) -> bool:
    """Does ``alias`` of the statement import from the missing module (or a module inside it)?"""
    module = stmt.module if isinstance(stmt, ast.ImportFrom) else alias.name
    if isinstance(stmt, ast.ImportFrom) and stmt.level:
        return False
    return module is not None and (module == missing or module.startswith(missing + "."))


def _bound_name(stmt: ast.Import | ast.ImportFrom, alias: ast.alias) -> str:
    if alias.asname:
        return alias.asname
    return alias.name if isinstance(stmt, ast.ImportFrom) else alias.name.split(".")[0]


def _import_text(stmt: ast.Import | ast.ImportFrom, keep: list[ast.alias]) -> str:
    if isinstance(stmt, ast.ImportFrom):
        return ast.unparse(ast.ImportFrom(stmt.module, keep, 0))
    return ast.unparse(ast.Import(keep))


def _never_read(after: list[ast.stmt], name: str) -> tuple[bool, ast.stmt | None]:
    """Is ``name`` never read before it is bound again in the statements ``after`` the import
    (the cell's, then the later cells')? With the statement that binds it again (None: never
    mentioned). The first top-level statement that mentions the name decides: a plain
    assignment to it whose value does not read it, or anything else (a read, a function that
    may read it when called)."""
    for node in after:
        mentions = [n for n in walk(node) if isinstance(n, ast.Name) and n.id == name]
        if not mentions:
            continue
        assigned = isinstance(node, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id == name for t in node.targets
        )
        loads = [n for n in mentions if isinstance(n.ctx, ast.Load)]
        return (True, node) if assigned and not loads else (False, None)
    return True, None


def _first_line(node: ast.stmt) -> str:
    text = ast.unparse(node).splitlines()[0]
    return text if len(text) <= 60 else text[:57] + "..."
