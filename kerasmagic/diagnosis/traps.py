"""Silent traps: cells that run without error but do not do what they say.

``lint_traps(source)`` flags them before running, only where they apply to the Keras
implementations and versions of this kernel (installed versions, and the live modules when they
are imported already: nothing is imported here). ``inspect_after_run(source, namespace,
captured)`` confirms them after a successful run from the objects the cell left in the
namespace and the warnings / log lines it emitted (``kerasmagic.diagnosis.capture``).
The knowledge (which versions, why, the fix) lives in ``knowledge/catalogue/traps.toml``.
"""

from __future__ import annotations

import ast
import math
import os
import re
import sys
import types
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from kerasmagic.findings import Finding
from kerasmagic.knowledge.installs import code_for, fix_for

# cheap pre-filter: a cell without any of these cannot hold a trap
RELEVANT = re.compile(
    r"\blr\s*=|\bdecay\s*=|TF_USE_LEGACY_KERAS|KERAS_BACKEND|keras|load_weights|load_model|preprocessing"
)
KERAS_TYPE_PREFIXES = ("keras", "tf_keras", "tensorflow")
LEGACY_TRUE = ("true", "True", "1")
DISTRIBUTION = {
    "keras2": "keras",
    "keras3": "keras",
    "tf_keras": "tf-keras",
    "tf_private": "tensorflow",
}
KIND_NAMES = {
    "keras2": "Keras 2 (`keras`)",
    "keras3": "Keras 3 (`keras`)",
    "tf_keras": "tf_keras (Keras 2)",
    "tf_private": "TensorFlow's private `tensorflow.python.keras`",
}
DEFAULT_ALIASES = {"tf": "tensorflow", "keras": "keras", "tf_keras": "tf_keras"}
PUBLIC_SUBMODULES = {
    "layers", "models", "optimizers", "losses", "metrics", "callbacks", "activations",
    "initializers", "regularizers", "constraints", "backend", "utils", "preprocessing",
    "applications", "datasets", "mixed_precision",
}  # fmt: skip


# -- versions and implementations ---------------------------------------------------------------
def _versions() -> dict[str, str]:
    try:
        from kerasmagic.diagnosis.live import versions

        return versions()
    except Exception:
        return {}


def _keras_major(versions: Mapping[str, str]) -> int | None:
    keras = sys.modules.get("keras")
    version = getattr(keras, "__version__", None) or versions.get("keras")
    try:
        return int(str(version).split(".")[0]) if version else None
    except ValueError:
        return None


def kind_of_module(module: str, versions: Mapping[str, str]) -> str | None:
    """Which Keras implementation a module name belongs to (None: not Keras)."""
    if not isinstance(module, str):
        return None
    if module.startswith("tf_keras"):
        return "tf_keras"
    if module.startswith("tensorflow.python.keras"):
        return "tf_private"
    if module == "keras" or module.startswith("keras."):
        return "keras3" if _keras_major(versions) == 3 else "keras2"
    return None


def _version_of(kind: str, versions: Mapping[str, str]) -> str | None:
    dist = DISTRIBUTION.get(kind)
    return versions.get(dist) if dist else None


def _entry(entry_id: str) -> Any:
    from kerasmagic.knowledge.catalogue import entry

    return entry(entry_id)


def applies_to_kind(entry: Any, kind: str | None, versions: Mapping[str, str]) -> bool:
    """Does the trap apply to objects of this implementation at its installed version?"""
    from packaging.specifiers import InvalidSpecifier, SpecifierSet
    from packaging.version import InvalidVersion, Version

    if kind is None or not entry.applies_to(versions):
        return False
    spec = entry.data.get("implementations", {}).get(DISTRIBUTION.get(kind, ""))
    version = _version_of(kind, versions)
    if not spec or not version:
        return False
    try:
        return SpecifierSet(spec).contains(Version(version), prereleases=True)
    except (InvalidSpecifier, InvalidVersion):
        return False


def tf_keras_kind(versions: Mapping[str, str]) -> str | None:
    """What ``tf.keras`` is (measured if resolved, else predicted the way TF decides)."""
    tf = sys.modules.get("tensorflow")
    if tf is not None:
        try:
            from kerasmagic.probes.keras_setup import _loader_state, kind_of_keras_module

            accessed, name, file = _loader_state(tf)
            if accessed and name:
                return kind_of_keras_module(name, file)
        except Exception:
            pass
    if not versions.get("tensorflow"):
        return None
    from kerasmagic.probes.keras_setup import predict_tf_keras

    legacy = os.environ.get("TF_USE_LEGACY_KERAS") in LEGACY_TRUE
    return predict_tf_keras(
        versions.get("tensorflow"), versions.get("keras"), versions.get("tf-keras"), legacy
    )


def kind_of_path(path: str, versions: Mapping[str, str]) -> str | None:
    """The Keras implementation a fully resolved dotted path (``tensorflow.keras.X``) names."""
    if path.startswith("tensorflow.python.keras"):
        return "tf_private"
    if path == "tensorflow.keras" or path.startswith("tensorflow.keras."):
        return tf_keras_kind(versions)
    if path == "keras" or path.startswith("keras."):
        major = _keras_major(versions)
        return None if major is None else ("keras3" if major == 3 else "keras2")
    if path == "tf_keras" or path.startswith("tf_keras."):
        return "tf_keras" if versions.get("tf-keras") else None
    return None


# -- the cell's source ----------------------------------------------------------------------------
@dataclass
class CellFacts:
    """What the traps need from a cell's source."""

    cell: Any
    aliases: dict[str, str] = field(default_factory=dict)
    calls: list[tuple[ast.Call, str, str]] = field(default_factory=list)  # (call, text, resolved)
    paths: list[tuple[ast.AST, str, str]] = field(default_factory=list)  # every dotted name
    bound: dict[str, int] = field(default_factory=dict)  # names bound by the cell → line
    targets: dict[int, str] = field(default_factory=dict)  # id(call) → name its result is bound to
    imports: list[tuple[ast.AST, str]] = field(default_factory=list)  # (node, module)
    env_sets: list[tuple[str, int, str | None]] = field(default_factory=list)  # (var, line, value)


def dotted(node: ast.AST) -> str | None:
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        parts.append(node.id)
        return ".".join(reversed(parts))
    return None


def resolve(text: str, aliases: Mapping[str, str]) -> str:
    head, _, rest = text.partition(".")
    base = aliases.get(head) or DEFAULT_ALIASES.get(head)
    if base is None:
        return text
    return base + ("." + rest if rest else "")


ENV_MAGIC = re.compile(r"^\s*%env\s+(TF_USE_LEGACY_KERAS|KERAS_BACKEND)\s*[= ]\s*(\S*)", re.M)


def _const(node: ast.AST | None) -> str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    return None


def _value(node: ast.AST | None) -> str | None:
    """A set value: the string itself, else the expression's text (``wanted``)."""
    const = _const(node)
    if const is not None or node is None:
        return const
    try:
        return ast.unparse(node)
    except Exception:
        return None


def _env_set(node: ast.AST) -> tuple[str, str | None] | None:
    """``os.environ["X"] = v`` / ``os.environ.setdefault("X", v)`` / ``os.putenv("X", v)``."""
    if isinstance(node, ast.Assign):
        for target in node.targets:
            if isinstance(target, ast.Subscript) and (dotted(target.value) or "").endswith(
                "environ"
            ):
                name = _const(target.slice)
                if name:
                    return name, _value(node.value)
    if isinstance(node, ast.Call):
        func = dotted(node.func) or ""
        if func.endswith(("environ.setdefault", "putenv")) and node.args:
            name = _const(node.args[0])
            if name:
                return name, _value(node.args[1]) if len(node.args) > 1 else None
        if func.endswith("environ.update"):
            for kw in node.keywords:
                if kw.arg:
                    return kw.arg, _value(kw.value)
    return None


def cell_facts(source: str) -> CellFacts | None:
    """Parse the cell (IPython syntax allowed); None when it does not parse."""
    from kerasmagic.diagnosis.rewrite import parse_cell

    cell = parse_cell(source)
    if cell.tree is None:
        return None
    facts = CellFacts(cell)
    nodes = list(ast.walk(cell.tree))
    for node in nodes:
        if isinstance(node, ast.Import):
            for a in node.names:
                facts.imports.append((node, a.name))
                if a.asname:
                    facts.aliases[a.asname] = a.name
                    facts.bound[a.asname] = node.lineno
                else:
                    top = a.name.split(".")[0]
                    facts.aliases[top] = top
                    facts.bound[top] = node.lineno
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            facts.imports.append((node, node.module))
            for a in node.names:
                if a.name != "*":
                    facts.aliases[a.asname or a.name] = f"{node.module}.{a.name}"
                    facts.bound[a.asname or a.name] = node.lineno
    for node in nodes:
        if isinstance(node, (ast.Assign, ast.AnnAssign, ast.AugAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for t in targets:
                for n in ast.walk(t):
                    if isinstance(n, ast.Name):
                        facts.bound.setdefault(n.id, node.lineno)
            value = node.value
            if isinstance(value, ast.Call) and len(targets) == 1:
                if isinstance(targets[0], ast.Name):
                    facts.targets[id(value)] = targets[0].id
        elif isinstance(node, (ast.For, ast.With)):
            pass
        if isinstance(node, ast.Call):
            text = dotted(node.func)
            if text:
                facts.calls.append((node, text, resolve(text, facts.aliases)))
                if text.endswith(".compile"):
                    owner = text.rsplit(".", 1)[0]
                    opt = next((k.value for k in node.keywords if k.arg == "optimizer"), None)
                    if opt is None and node.args:
                        opt = node.args[0]
                    if isinstance(opt, ast.Call):
                        facts.targets[id(opt)] = owner + ".optimizer"
        if isinstance(node, (ast.Attribute, ast.Name)) and isinstance(
            getattr(node, "ctx", None), ast.Load
        ):
            text = dotted(node)
            if text:
                facts.paths.append((node, text, resolve(text, facts.aliases)))
        found = _env_set(node)
        if found:
            facts.env_sets.append((found[0], getattr(node, "lineno", 0), found[1]))
    for m in ENV_MAGIC.finditer(source):
        line = source.count("\n", 0, m.start()) + 1
        facts.env_sets.append((m.group(1), line, m.group(2) or None))
    return facts


def _literal(node: ast.AST) -> Any:
    try:
        return ast.literal_eval(node)
    except Exception:
        return None


def _is_optimizer_path(resolved: str) -> bool:
    return ".optimizers." in resolved or ".optimizer_v2." in resolved


def _is_legacy_optimizer(module_or_path: str) -> bool:
    return ".legacy." in module_or_path or ".optimizer_v2." in module_or_path


def _lookup(namespace: Mapping[str, Any], target: str) -> Any:
    """The object ``name`` or ``name.attr`` refers to in the namespace (plain attribute reads)."""
    head, _, attr = target.partition(".")
    obj = namespace.get(head) if isinstance(namespace, Mapping) else None
    if obj is None or not attr:
        return obj
    try:
        return getattr(obj, attr, None)
    except Exception:
        return None


def _float(value: Any) -> float | None:
    try:
        out = float(value)
    except Exception:
        return None
    return out if math.isfinite(out) else None


def _text(facts: CellFacts, node: ast.AST) -> str | None:
    from kerasmagic.diagnosis.rewrite import node_text

    try:
        return node_text(facts.cell, node)
    except Exception:
        return None


# -- findings -------------------------------------------------------------------------------------
def _finding(
    entry: Any, fields: Mapping[str, Any], versions: Mapping[str, str], **kw: Any
) -> Finding:
    class Default(dict):
        def __missing__(self, key: str) -> str:
            return "{" + key + "}"

    values = Default({**versions, **fields})

    def fill(text: str | None) -> str | None:
        if text is None:
            return None
        try:
            return text.format_map(values)
        except Exception:
            return text

    shown = {k: versions[k] for k in ("tensorflow", "keras", "tf-keras") if k in versions}
    return Finding(
        id=entry.id,
        severity=kw.pop("severity", entry.severity),
        title=fill(entry.title) or entry.id,
        cause=fill(entry.cause) or "",
        fix=kw.pop("fix", None) or fix_for(entry, fill),
        fix_code=kw.pop("fix_code", code_for(entry, fill)),
        versions=shown,
        references=[entry.source],
        **kw,
    )


def _rewrite(facts: CellFacts, edits: list[Any]) -> str | None:
    from kerasmagic.diagnosis.rewrite import apply_edits

    edits = [e for e in edits if e is not None]
    if not edits:
        return None
    try:
        fixed = apply_edits(facts.cell.source, edits)
        ast.parse(
            fixed
            if not fixed.lstrip().startswith("%")
            else "\n".join(
                "" if line.lstrip().startswith("%") else line for line in fixed.splitlines()
            )
        )
    except Exception:
        return None
    return fixed


class _Traps:
    """Collects the findings of one cell (lint or after a run)."""

    def __init__(
        self,
        facts: CellFacts,
        versions: dict[str, str],
        namespace: Mapping[str, Any] | None = None,
        captured: Any = None,
    ) -> None:
        self.facts = facts
        self.versions = versions
        self.ns = namespace
        self.captured = captured
        self.ran = namespace is not None
        self.findings: list[Finding] = []
        try:
            self.messages = list(captured.texts()) if captured is not None else []
        except Exception:
            self.messages = []

    def said(self, entry: Any) -> bool:
        patterns = entry.data.get("messages", [])
        return any(re.search(p, m) for p in patterns for m in self.messages)

    def add(self, finding: Finding) -> None:
        if not any(f.id == finding.id and f.title == finding.title for f in self.findings):
            self.findings.append(finding)

    # -- optimizer keywords -----------------------------------------------------------------------
    def optimizer_keywords(self) -> None:
        for call, text, resolved in self.facts.calls:
            for kw in call.keywords:
                if kw.arg == "lr":
                    self._lr(call, kw, text, resolved)
                elif kw.arg == "decay":
                    self._decay(call, kw, text, resolved)

    def _object_for(self, call: ast.Call) -> Any:
        target = self.facts.targets.get(id(call))
        if not self.ran or not target:
            return None
        obj = _lookup(self.ns or {}, target)
        module = type(obj).__module__ if obj is not None else ""
        if not (isinstance(module, str) and module.startswith(KERAS_TYPE_PREFIXES)):
            return None
        return obj

    def _call_kind(self, resolved: str, obj: Any) -> tuple[str | None, bool]:
        """(implementation, legacy optimizer?) of the optimizer a call builds."""
        if obj is not None:
            module = type(obj).__module__
            return kind_of_module(module, self.versions), _is_legacy_optimizer(module)
        if not _is_optimizer_path(resolved):
            return None, False
        return kind_of_path(resolved, self.versions), _is_legacy_optimizer(resolved)

    def _lr(self, call: ast.Call, kw: ast.keyword, text: str, resolved: str) -> None:
        entry = _entry("optimizer-lr-ignored")
        obj = self._object_for(call)
        kind, legacy = self._call_kind(resolved, obj)
        if legacy or not applies_to_kind(entry, kind, self.versions):
            return
        value = _literal(kw.value)
        value_text = _text(self.facts, kw.value) or repr(value)
        actual = "its default learning rate"
        confidence = 0.8
        if obj is not None:
            now = _float(getattr(obj, "learning_rate", None))
            if now is None:
                return
            if isinstance(value, (int, float)) and math.isclose(now, value, rel_tol=1e-6):
                return  # honoured here
            actual, confidence = f"{now:g}", 1.0
        elif self.ran and self.said(entry):
            confidence = 0.95
        name = self.facts.targets.get(id(call)) or text
        fixed = None
        if not any(k.arg == "learning_rate" for k in call.keywords):
            from kerasmagic.diagnosis.rewrite import node_edit

            edit = node_edit(self.facts.cell, kw, f"learning_rate={value_text}")
            fixed = _rewrite(self.facts, [edit])
        self.add(
            _finding(
                entry,
                {"value": value_text, "name": f"`{name}`", "actual": actual},
                self.versions,
                fix_code=f"learning_rate={value_text}",
                fixed_source=fixed,
                confidence=confidence,
                verify=f"After the corrected cell, `float({name}.learning_rate)` is {value_text}"
                if "." not in text or obj is not None
                else f"The optimizer's `learning_rate` is {value_text}.",
            )
        )

    def _decay(self, call: ast.Call, kw: ast.keyword, text: str, resolved: str) -> None:
        entry = _entry("optimizer-decay-ignored")
        obj = self._object_for(call)
        kind, legacy = self._call_kind(resolved, obj)
        if legacy or not applies_to_kind(entry, kind, self.versions):
            return
        if any(k.arg == "lr" for k in call.keywords):
            return  # Keras 3 raises on lr: not silent
        value_text = _text(self.facts, kw.value) or "decay"
        lr_kw = next((k for k in call.keywords if k.arg == "learning_rate"), None)
        lr_text = _text(self.facts, lr_kw.value) if lr_kw is not None else None
        if lr_text is None and obj is not None:
            now = _float(getattr(obj, "learning_rate", None))
            lr_text = f"{now:g}" if now is not None else None
        lr_text = lr_text or "0.001"
        prefix = text.rsplit(".optimizers.", 1)[0] if ".optimizers." in text else None
        schedule = (prefix or "keras") + ".optimizers.schedules.InverseTimeDecay"
        new_value = f"{schedule}({lr_text}, decay_steps=1, decay_rate={value_text})"
        fixed = None
        if prefix is not None and lr_text is not None:
            from kerasmagic.diagnosis.rewrite import delete_keyword_edit, node_edit

            if lr_kw is not None:
                edits = [
                    node_edit(self.facts.cell, lr_kw.value, new_value),
                    delete_keyword_edit(self.facts.cell, call, kw),
                ]
            else:
                edits = [node_edit(self.facts.cell, kw, f"learning_rate={new_value}")]
            if all(e is not None for e in edits):
                fixed = _rewrite(self.facts, edits)
        name = self.facts.targets.get(id(call)) or text
        self.add(
            _finding(
                entry,
                {"value": value_text, "name": f"`{name}`", "schedule": schedule, "lr": lr_text},
                self.versions,
                fix_code=f"learning_rate={new_value}",
                fixed_source=fixed,
                confidence=1.0 if (obj is not None or self.said(entry)) else 0.8,
                verify='The corrected cell emits no "decay is no longer supported" warning and '
                f"`{name}.learning_rate` decreases as `{name}.iterations` grows.",
            )
        )

    # -- environment variables ---------------------------------------------------------------------
    def _set_in_cell(self, var: str) -> tuple[bool, int | None, str | None]:
        sets = [(line, value) for name, line, value in self.facts.env_sets if name == var]
        if sets:
            return True, sets[0][0], sets[-1][1]
        before = getattr(getattr(self.captured, "before", None), "env", None) or {}
        if self.ran and var in before and before.get(var) != os.environ.get(var):
            return True, None, os.environ.get(var)
        return False, None, None

    def _first_line(self, prefixes: tuple[str, ...], *, imports_only: bool = False) -> int | None:
        lines = []
        for node, module in self.facts.imports:
            if module.startswith(prefixes) or any(module == p.rstrip(".") for p in prefixes):
                lines.append(node.lineno)
        if not imports_only:
            for node, _, resolved in self.facts.paths:
                if resolved.startswith(prefixes):
                    lines.append(node.lineno)
        return min(lines) if lines else None

    def legacy_env(self) -> None:
        entry = _entry("legacy-keras-env-too-late")
        changed, line, value = self._set_in_cell("TF_USE_LEGACY_KERAS")
        if not changed or not entry.applies_to(self.versions):
            return
        value = value if value is not None else os.environ.get("TF_USE_LEGACY_KERAS")
        if self.ran:
            value = os.environ.get("TF_USE_LEGACY_KERAS")
        if value not in LEGACY_TRUE:
            return
        moments, what, actual = self._legacy_moments(line)
        if not moments:
            return
        restart = "Restart the kernel and set the variable before `import tensorflow`."
        self.add(
            _finding(
                entry,
                {"value": value, "what": what, "actual": actual, "moment": "; ".join(moments)},
                self.versions,
                restart_needed=True,
                confidence=1.0 if self.ran else 0.9,
                verify="After the restart, `tf.keras.__name__` (and a module imported with "
                "`from tensorflow.keras import layers`) starts with `tf_keras`.",
                fix=restart
                if self.versions.get("tf-keras")
                else restart
                + " tf_keras is not installed: with the variable set in time `tf.keras` would "
                'fail ("Keras cannot be imported"); install the tf_keras release matching '
                "TensorFlow first.",
            )
        )

    def _legacy_moments(self, set_line: int | None) -> tuple[list[str], str, str]:
        tf = sys.modules.get("tensorflow") if self.ran or "tensorflow" in sys.modules else None
        before = getattr(self.captured, "before", None)
        moments: list[str] = []
        whats: list[str] = []
        kind = None
        tf_line = self._first_line(("tensorflow",), imports_only=True)
        use_line = self._first_line(("tensorflow.keras",))
        if tf is not None:
            from kerasmagic.diagnosis.capture import tf_keras_resolved

            if tf_keras_resolved(tf):
                kind = tf_keras_kind(self.versions)
                if kind != "tf_keras":
                    if (
                        before is not None
                        and before.tf_keras_resolved
                        or (before is None and not self.ran)
                    ):
                        moments.append("`tf.keras` was already resolved before this cell ran")
                    elif use_line is not None and (set_line is None or use_line < set_line):
                        moments.append(
                            f"`tf.keras` was first used on line {use_line}, before the variable "
                            f"was set{f' on line {set_line}' if set_line else ''}"
                        )
                    else:
                        moments.append("`tf.keras` was first used before the variable was set")
                    whats.append("`tf.keras`")
            at_import = tf.__dict__.get("_tf_uses_legacy_keras")
            if at_import is False:
                imported_before = before is None or before.tf_imported
                where = (
                    "`import tensorflow` ran before this cell"
                    if imported_before or tf_line is None
                    else f"`import tensorflow` ran on line {tf_line}"
                )
                moments.append(
                    where
                    + ", so `from tensorflow.keras import …` still loads "
                    + _kind_text(tf_keras_kind(self.versions), self.versions)
                )
                whats.append("`from tensorflow.keras import …`")
        elif tf_line is not None and set_line is not None and tf_line < set_line:
            moments.append(
                f"`import tensorflow` on line {tf_line} comes before the variable (line "
                f"{set_line}), so `from tensorflow.keras import …` will not load tf_keras"
            )
            whats.append("`from tensorflow.keras import …`")
            if use_line is not None and use_line < set_line:
                moments.append(f"`tf.keras` is first used on line {use_line}")
                whats.append("`tf.keras`")
        if kind is None:
            kind = tf_keras_kind(self.versions)
        return moments, " and ".join(whats) or "`tf.keras`", _kind_text(kind, self.versions)

    def backend_env(self) -> None:
        entry = _entry("keras-backend-env-too-late")
        changed, line, value = self._set_in_cell("KERAS_BACKEND")
        if not changed or not entry.applies_to(self.versions):
            return
        if self.ran:
            value = os.environ.get("KERAS_BACKEND")
        if not value:
            return
        keras = sys.modules.get("keras")
        before = getattr(self.captured, "before", None)
        import_line = self._first_line(("keras", "tensorflow"), imports_only=True)
        if keras is not None:
            try:
                actual = str(keras.backend.backend())
            except Exception:
                return
            if actual == value:
                return
            if before is not None and before.keras_imported or (before is None and not self.ran):
                moment = "keras was already imported before this cell ran"
            elif import_line is not None and (line is None or import_line < line):
                moment = f"keras was imported on line {import_line}, before the variable was set"
            else:
                moment = "keras was imported before the variable was set"
        elif import_line is not None and line is not None and import_line < line:
            actual = "the backend chosen at that import"
            moment = f"line {import_line} imports keras (or tensorflow) before line {line} sets it"
        else:
            return
        self.add(
            _finding(
                entry,
                {"value": value, "actual": actual, "moment": moment},
                self.versions,
                restart_needed=True,
                confidence=1.0 if keras is not None else 0.85,
                verify=f"After the restart, `keras.backend.backend()` returns {value!r}.",
            )
        )

    # -- private tensorflow.python.keras ------------------------------------------------------------
    def private_imports(self) -> None:
        entry = _entry("private-tf-python-keras-import")
        prefix = entry.data["private_prefix"]
        public = entry.data["public_prefix"]
        nodes = [(n, m) for n, m in self.facts.imports if m.startswith(prefix)]
        nodes += [  # written paths (`tf.python.keras.X`), not names imported from it
            (n, r)
            for n, text, r in self.facts.paths
            if ".python.keras" in text and (r.startswith(prefix + ".") or r == prefix)
        ]
        if not nodes or not applies_to_kind(entry, "tf_private", self.versions):
            return
        if not self.ran and not _private_keras_on_disk():
            return
        from kerasmagic.diagnosis.rewrite import node_edit

        edits = []
        certain = True
        for node, module in nodes:
            rest = module[len(prefix) :].lstrip(".")
            if rest and rest.split(".")[0] not in PUBLIC_SUBMODULES:
                certain = False
            original = _text(self.facts, node)
            if original is None or prefix not in original:
                certain = False
                continue
            edits.append(node_edit(self.facts.cell, node, original.replace(prefix, public)))
        fixed = _rewrite(self.facts, edits) if certain else None
        first = nodes[0][1]
        self.add(
            _finding(
                entry,
                {
                    "module": first,
                    "tf_keras": KIND_NAMES.get(tf_keras_kind(self.versions) or "", "tf.keras"),
                    "fixed_import": first.replace(prefix, public),
                },
                self.versions,
                fix_code=first.replace(prefix, public),
                fixed_source=fixed,
                confidence=0.9,
                verify="In the corrected cell, `type(obj).__module__` of every layer/optimizer "
                "starts with `keras` or `tf_keras`, never `tensorflow.python.keras`.",
            )
        )

    # -- Keras 3 legacy shims reached through tf.keras ----------------------------------------------
    def legacy_shims(self) -> None:
        entry = _entry("keras3-legacy-shim")
        if not entry.applies_to(self.versions):
            return
        prefix = entry.data["module_prefix"]
        replacements = entry.data.get("replacements", {})
        seen: set[str] = set()
        for _node, text, resolved in self.facts.paths:
            if not resolved.startswith("tensorflow.keras."):
                continue
            name = resolved.rsplit(".", 1)[-1]
            sub = resolved[len("tensorflow.keras.") :].rsplit(".", 1)[0]
            if sub not in entry.data["paths"] or name not in replacements or name in seen:
                continue
            if tf_keras_kind(self.versions) != "keras3":
                return
            module = self._live_module(resolved)
            if module is not None and not module.startswith(prefix):
                continue
            seen.add(name)
            self._shim_finding(entry, text, name, replacements[name])
        if self.ran and self.ns is not None:
            for var in self.facts.bound:
                obj = self.ns.get(var)
                module = _object_module(obj)
                if module and module.startswith(prefix):
                    name = obj.__name__ if isinstance(obj, type) else type(obj).__name__
                    if name not in seen and name in replacements:
                        seen.add(name)
                        self._shim_finding(
                            entry,
                            f"tf.keras.{module.split('.')[-1]}…{name}",
                            name,
                            replacements[name],
                            var=var,
                        )

    def _live_module(self, resolved: str) -> str | None:
        from kerasmagic.diagnosis.capture import tf_keras_resolved

        if not tf_keras_resolved(sys.modules.get("tensorflow")):
            return None  # resolving it here would decide tf.keras behind the user's back
        try:
            from kerasmagic.diagnosis.live import OK, resolve_path

            status, obj = resolve_path(resolved)
        except Exception:
            return None
        return getattr(obj, "__module__", None) if status == OK else None

    def _shim_finding(
        self, entry: Any, path: str, name: str, replacement: str, var: str = ""
    ) -> None:
        self.add(
            _finding(
                entry,
                {"path": path, "name": name, "replacement": replacement},
                self.versions,
                fix_code=None,
                confidence=1.0 if var else 0.9,
                verify=f"`from keras.preprocessing.image import {name}` fails here: the "
                "replacement runs under both `keras` and `tf.keras`.",
            )
        )

    # -- two Keras implementations --------------------------------------------------------------
    def mixed(self) -> None:
        entry = _entry("mixed-keras-implementations")
        kinds: dict[str, int] = {}
        for node, _, resolved in self.facts.paths:
            if _api_path(resolved):
                kind = kind_of_path(resolved, self.versions)
                if kind in DISTRIBUTION:
                    kinds.setdefault(kind, node.lineno)
        if self.ran and self.ns is not None:
            referenced = {text.split(".")[0] for _, text, _ in self.facts.paths}
            for var in sorted(set(self.facts.bound) | referenced):
                value = self.ns.get(var)
                if isinstance(value, types.ModuleType):
                    continue  # importing a module mixes nothing; using its objects does
                for obj in _keras_parts(value):
                    kind = kind_of_module(_object_module(obj) or "", self.versions)
                    if kind:
                        kinds.setdefault(kind, self.facts.bound.get(var, 0))
        kinds.pop("tf_private", None)  # reported by its own trap
        if len(kinds) < 2 or not all(applies_to_kind(entry, k, self.versions) for k in kinds):
            return
        names = [KIND_NAMES[k] for k in sorted(kinds, key=kinds.get)]
        tf_kind = tf_keras_kind(self.versions)
        other = (
            "`tf.keras` is tf_keras " + self.versions.get("tf-keras", "")
            if tf_kind == "tf_keras"
            else "`tf_keras` is " + self.versions.get("tf-keras", "")
        )
        advice = (
            "with TF_USE_LEGACY_KERAS=1 write `tf.keras.…` (tf_keras) everywhere, or unset it "
            "and use `keras.…` everywhere"
        )
        self.add(
            _finding(
                entry,
                {"kinds": " and ".join(names), "other": other, "advice": advice},
                self.versions,
                confidence=0.9,
                verify="Every Keras object of the cell has a `type(obj).__module__` starting with "
                "the same package (`keras` or `tf_keras`).",
            )
        )

    # -- optimizer state in checkpoints --------------------------------------------------------
    def checkpoints(self) -> None:
        if not self.ran or self.ns is None:
            return
        entry = _entry("optimizer-checkpoint-generation")
        for call, text, _ in self.facts.calls:
            if not text.endswith(".load_weights") or not call.args:
                continue
            path = _literal(call.args[0])
            if isinstance(call.args[0], ast.Name):  # a path variable: its value after the run
                path = self.ns.get(call.args[0].id)
            owner = text.rsplit(".", 1)[0]
            model = _lookup(self.ns, owner)
            opt = getattr(model, "optimizer", None) if model is not None else None
            kind = kind_of_module(_object_module(opt) or "", self.versions)
            if opt is None or not applies_to_kind(entry, kind, self.versions):
                continue
            loaded = "legacy" if _is_legacy_optimizer(_object_module(opt) or "") else "new (2.11+)"
            saved = _checkpoint_generation(path) if isinstance(path, str) else None
            if saved is None and self.said(entry):
                saved = "different"
            if saved is None or saved == loaded:
                continue
            use = (
                f"`{'tf.keras.optimizers.legacy' if saved == 'legacy' else 'tf.keras.optimizers'}"
                f".{type(opt).__name__}`"
            )
            self.add(
                _finding(
                    entry,
                    {"model": owner, "saved": saved, "loaded": loaded, "use": use},
                    self.versions,
                    confidence=1.0 if saved != "different" else 0.8,
                    verify=f"After `{owner}.load_weights(…)`, `int({owner}.optimizer.iterations)` "
                    "equals the step count of the run that saved the checkpoint.",
                )
            )

    # -- Keras 2 .h5 models loaded by Keras 3 ---------------------------------------------------
    def saved_models(self) -> None:
        from kerasmagic.diagnosis.reload_fix import keras_root, reload_edits
        from kerasmagic.probes.saved_files import read_h5_model

        entry = _entry("keras2-h5-optimizer-reset")
        for call, text, resolved in self.facts.calls:
            root = keras_root(resolved)
            if root is None or not call.args:
                continue
            if any(kw.arg == "compile" and _literal(kw.value) is False for kw in call.keywords):
                continue  # compiled by the cell itself: nothing of the file's optimizer is used
            path = _literal(call.args[0])
            if isinstance(call.args[0], ast.Name) and self.ran:  # a path variable, after the run
                path = (self.ns or {}).get(call.args[0].id)
            saved = read_h5_model(path) if path is not None else None
            kind = kind_of_path(resolved, self.versions)
            if saved is None or not saved.compiled or saved.keras_major != 2 or kind != "keras3":
                continue
            if not applies_to_kind(entry, kind, self.versions):
                continue
            target = self.facts.targets.get(id(call))
            saved_lr = _float(saved.optimizer_config.get("learning_rate"))
            state, confidence = "", 0.8
            if self.ran:
                model = _lookup(self.ns or {}, target) if target else None
                opt = getattr(model, "optimizer", None) if model is not None else None
                if opt is None:
                    continue
                now = _float(getattr(opt, "learning_rate", None))
                differs = None not in (now, saved_lr) and not math.isclose(
                    now, saved_lr, rel_tol=1e-5
                )
                if not differs and not self.said(entry):
                    continue  # restored as saved: no trap here
                confidence = 1.0
                if differs:
                    state = f" (learning_rate {now:.7g} instead of the saved {saved_lr:.7g})"
            fix = reload_edits(self.facts.cell, call, root, target, saved) if target else None
            fixed = _rewrite(self.facts, fix.edits) if fix else None
            extra = {}
            if fix and fix.left_out:
                extra["fix"] = fill_left_out(entry.fix, fix.left_out)
            name = target or text
            self.add(
                _finding(
                    entry,
                    {
                        "model": name,
                        "saved_keras": saved.keras_version,
                        "state": state,
                        "optimizer": f"`{saved.optimizer_class}`",
                        "file": os.path.basename(saved.path),
                    },
                    self.versions,
                    confidence=confidence,
                    fix_code=fix.code if fix else None,
                    fixed_source=fixed,
                    verify=(
                        f"`float({name}.optimizer.learning_rate)` is {saved_lr:.7g} and loading logs "
                        'no "Error in loading the saved optimizer state".'
                        if saved_lr is not None
                        else 'Loading logs no "Error in loading the saved optimizer state".'
                    ),
                    **extra,
                )
            )

    def run_all(self, after_run: bool) -> list[Finding]:
        for step in (
            self.optimizer_keywords,
            self.legacy_env,
            self.backend_env,
            self.private_imports,
            self.legacy_shims,
            self.mixed,
            self.saved_models,
        ) + ((self.checkpoints,) if after_run else ()):
            try:
                step()
            except Exception:  # one trap's failure must not hide the others
                continue
        return self.findings


API_ROOTS = ("tensorflow.keras.", "keras.", "tf_keras.", "tensorflow.python.keras.")
API_TOP_NAMES = {"Sequential", "Model", "Input"}


def _api_path(resolved: str) -> bool:
    """Does a resolved dotted path name a Keras API object (``keras.layers.Dense``), not just the
    module or its metadata (``keras.__version__``)?"""
    for root in API_ROOTS:
        if resolved.startswith(root):
            rest = resolved[len(root) :].split(".")
            return rest[0] in API_TOP_NAMES or (rest[0] in PUBLIC_SUBMODULES and len(rest) > 1)
    return False


def _kind_text(kind: str | None, versions: Mapping[str, str]) -> str:
    """``Keras 3.13.2`` / ``Keras 2.15.0`` / ``tf_keras 2.21.0`` for an implementation."""
    if kind in ("keras2", "keras3"):
        return f"Keras {versions.get('keras', kind[-1])}"
    if kind == "tf_keras":
        return f"tf_keras {versions.get('tf-keras', '')}".strip()
    return "not tf_keras"


def _object_module(obj: Any) -> str | None:
    if obj is None:
        return None
    if isinstance(obj, (type, types.FunctionType, types.BuiltinFunctionType)):
        module = getattr(obj, "__module__", None)
    elif isinstance(obj, types.ModuleType):
        module = getattr(obj, "__name__", None)
    else:
        module = type(obj).__module__
    return module if isinstance(module, str) else None


def _keras_parts(obj: Any) -> list[Any]:
    """A Keras object and, for a compiled model, its optimizer (cheap attribute reads)."""
    module = _object_module(obj)
    if not module or not module.startswith(KERAS_TYPE_PREFIXES):
        return []
    parts = [obj]
    if not isinstance(obj, (type, types.ModuleType)):
        try:
            opt = obj.__dict__.get("optimizer") if hasattr(obj, "__dict__") else None
        except Exception:
            opt = None
        if opt is not None:
            parts.append(opt)
    return parts


def _private_keras_on_disk() -> bool:
    """Does ``tensorflow/python/keras`` exist (found without importing TensorFlow)?"""
    import importlib.util

    tf = sys.modules.get("tensorflow")
    try:
        locations = list(getattr(tf, "__path__", None) or [])
        if not locations:
            spec = importlib.util.find_spec("tensorflow")
            locations = list(getattr(spec, "submodule_search_locations", None) or [])
    except (ImportError, ValueError):
        return False
    return any(os.path.isdir(os.path.join(base, "python", "keras")) for base in locations)


def fill_left_out(fix: str, left_out: list[str]) -> str:
    """The fix, saying which metrics the corrected cell could not carry over."""
    names = ", ".join(f"`{n}`" for n in left_out)
    return (
        f"{fix} The file's metrics {names} have no plain name here: add them to `metrics=` by hand."
    )


def _checkpoint_generation(path: str) -> str | None:
    """ "legacy" or "new (2.11+)": which optimizer generation wrote a TF checkpoint (its keys)."""
    if path.endswith((".h5", ".hdf5", ".keras")):
        return None
    tf = sys.modules.get("tensorflow")
    if tf is None:
        return None
    try:
        keys = [name for name, _ in tf.train.list_variables(path)]
    except Exception:
        return None
    if any(k.startswith("optimizer/_iterations") or "optimizer/_variables" in k for k in keys):
        return "new (2.11+)"
    if any(k.startswith("optimizer/iter/") for k in keys):
        return "legacy"
    return None


# -- entry points ---------------------------------------------------------------------------------
def lint_traps(source: Any) -> list[Finding]:
    """Silent traps ``source`` would fall into here, found before running. Never raises."""
    try:
        if not isinstance(source, str):
            source = str(source)
        if not RELEVANT.search(source):
            return []
        facts = cell_facts(source)
        if facts is None:
            return []
        return _Traps(facts, _versions()).run_all(after_run=False)
    except Exception:
        return []


def inspect_after_run(
    source: Any, namespace: Mapping[str, Any] | None, captured: Any
) -> list[Finding]:
    """Silent traps a cell that ran without error fell into, confirmed from the objects it left
    in ``namespace`` and what it emitted (``captured``). Never raises."""
    try:
        if not isinstance(source, str):
            source = str(source)
        try:
            messages = captured.texts() if captured is not None else []
        except Exception:
            messages = []
        if not RELEVANT.search(source) and not messages:
            return []
        facts = cell_facts(source)
        if facts is None:
            return []
        ns = namespace if isinstance(namespace, Mapping) else {}
        return _Traps(facts, _versions(), ns, captured).run_all(after_run=True)
    except Exception:
        return []
