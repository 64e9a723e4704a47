"""Saving into a folder that does not exist: Keras 2 made it, Keras 3 writes a file there."""

from __future__ import annotations

import ast
import os

from kerasmagic.diagnosis.context import ERROR, CellContext
from kerasmagic.diagnosis.file_evidence import named_file
from kerasmagic.diagnosis.indentation import indent_of
from kerasmagic.diagnosis.live_strings import string_value
from kerasmagic.diagnosis.path_terms import recomputable
from kerasmagic.diagnosis.problem import Problem, from_entry
from kerasmagic.diagnosis.rewrite import Edit, callee_name, node_text, walk
from kerasmagic.diagnosis.rules import rule
from kerasmagic.diagnosis.rules.error_saving import path_argument
from kerasmagic.knowledge.catalogue import find_entry

# the callables whose first argument (or ``filepath=``) is the file they write
SAVES = ("save", "save_weights", "save_model")
# calls a path expression may hold and that compute nothing but the path (evaluated twice)
PATH_CALLS = ("join", "format", "dirname", "abspath", "expanduser")


@rule("save-folder-missing", when=(ERROR,), family="saving", errors=("FileNotFoundError",))
def save_folder_missing(ctx: CellContext) -> list[Problem]:
    """``model.save('saved_model/my_model.keras')`` into a folder that is not there: the failing
    save's folder is made first (``os.makedirs(os.path.dirname(PATH), exist_ok=True)``), which
    Keras 2's saving did itself. Only when the path's value, read from the call's literal, the
    live name or (the one save on the failing line) the file the error names, lies in a folder
    that does not exist."""
    cell, exc, error_type, message, line, namespace = ctx.unpacked()
    entry = find_entry("save-folder-missing")
    if cell.tree is None or line is None or entry is None:
        return []
    saves = [
        call
        for call in walk(cell.tree)
        if _is_save(call) and call.lineno <= line <= (call.end_lineno or call.lineno)
    ]
    written = named_file(exc, message)
    for call in saves:
        path = path_argument(call)
        value = string_value(ctx, path) if path is not None else None
        if value is None and len(saves) == 1:
            value = written  # the one save on the line: the path the error names
        folder = os.path.dirname(value) if value else ""
        if not folder or os.path.isdir(folder) or not written:
            continue
        if os.path.normpath(value) != os.path.normpath(written):
            continue  # the error is about another file
        statement = _statement_of(cell.tree, call)
        text = node_text(cell, path) if statement is not None and recomputable(path, PATH_CALLS) else None
        if statement is None or text is None:
            return [from_entry(entry.id, line, [], list(SAVES), folder=folder)]
        indent = indent_of(cell, statement)
        edits = [
            Edit(statement.lineno, 0, statement.lineno, 0,
                 f"{indent}os.makedirs(os.path.dirname({text}), exist_ok=True)\n")
        ]  # fmt: skip
        if not _os_bound(cell.tree, ctx.live_names):
            edits.insert(0, Edit(1, 0, 1, 0, "import os\n"))
        problem = from_entry(entry.id, line, edits, list(SAVES), folder=folder)
        problem.certain = True  # the folder is missing now; making it is what Keras 2 did
        return [problem]
    return []


def _is_save(node: ast.AST) -> bool:
    if not isinstance(node, ast.Call):
        return False
    name = callee_name(node)
    return name in SAVES


def _statement_of(tree: ast.AST, call: ast.Call) -> ast.stmt | None:
    """The innermost simple statement holding ``call`` (a new line goes just before it)."""
    found = None
    for node in walk(tree):
        if isinstance(node, ast.stmt) and not hasattr(node, "body"):
            if node.lineno <= call.lineno and (node.end_lineno or 0) >= (call.end_lineno or 0):
                if any(sub is call for sub in ast.walk(node)):
                    found = node
    return found


def _os_bound(tree: ast.AST, names: dict) -> bool:
    module = names.get("os")
    if module is os:
        return True
    return any(
        isinstance(node, ast.Import) and any(a.name == "os" and not a.asname for a in node.names)
        for node in walk(tree)
    )
