"""The rule registry: every diagnosis is a rule, one function from a cell context to problems.

A rule module registers its rules with ``@rule(id, when=..., family=...)``::

    @rule("history-acc-key", when=(STATIC,), family="model-methods")
    def history_acc_key(ctx: CellContext) -> Iterable[Problem]:
        ...

``when`` says at which moments it runs: ``STATIC`` (from the source and the live API, before or
without running: ``--lint``, and before a diagnosis), ``ERROR`` (after the cell raised: the
exception is ``ctx.exc``), ``AFTER_RUN`` (after a successful run: the namespace holds what the cell
made). A rule reads the context and returns problems; it writes nothing (what several rules need,
such as the names the cell's corrected imports bind, is a fact the context works out once:
``CellContext.import_fixes``, ``chain_fixes``), so the order rules run in changes no result; they
run in the order of ``RULE_MODULES`` and, within a module, of their definitions, which is the
order of their problems. A failing rule is skipped and noted in ``ctx`` (``failures``): one rule's
bug never hides the others' findings.

Every rule module is imported the first time the registry is read (the first cell examined).
"""

from __future__ import annotations

import importlib
import re
import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from kerasmagic.diagnosis import live
from kerasmagic.diagnosis.context import AFTER_RUN, ERROR, MOMENTS, STATIC

if TYPE_CHECKING:
    from kerasmagic.diagnosis.context import CellContext
    from kerasmagic.diagnosis.problem import Problem

__all__ = ["AFTER_RUN", "ERROR", "STATIC", "Rule", "problems_for", "registry", "rule", "words"]

# In running order (the order of the problems: a rule reads nothing another one left).
RULE_MODULES = tuple(
    f"kerasmagic.diagnosis.rules.{name}"
    for name in (
        "mixed_imports", "imports", "namespace_imports", "attributes", "methods", "calls",
        "keras1_conv", "keras1_merge", "keras1_initializers", "keras1_layer_weights", "keras1_wrapped", "keras1_numpy_helpers", "error_channels_first",
        "keras3_gradients", "keras3_sequence_input", "removed_calls", "backend_train_phase", "tf1_session", "tf1_session_run", "backend_ops", "backend_tf_module", "backend_legacy", "keras3_backend_function", "keras3_calls", "keras3_optimizer_epsilon", "keras3_initial_weights", "keras3_result_dtype",
        "keras3_positional", "keras3_callbacks", "keras3_layer_shapes", "keras3_batch_shape", "keras3_data", "keras3_models", "keras3_sequential_output", "keras3_generators",
        "keras3_moved", "history_arguments", "history", "history_elsewhere", "callback_keys", "needs_package", "error_names", "error_star_import_name", "error_dead_import", "error_saving", "error_h5_config", "error_h5_layer_list", "error_h5_operations", "error_h5_optimizer", "error_h5_sequential_input", "error_h5_layer_keywords", "trap_h5_resume",
        "error_save_folder", "error_layer_shapes", "error_shape_concatenation", "error_callback_params", "error_scipy_misc", "error_pandas_removed", "error_column_vectors", "error_grid_scores", "error_matplotlib_style", "error_vendored_package", "error_unused_input", "error_input_tensor", "error_tensor_fed_model", "error_lambda_dtype", "error_latest_checkpoint", "error_tf1_renames", "error_tf1_keywords", "error_contrib_keras", "error_dataset_methods", "error_tf1_graph_reset", "error_available_gpus",
        "error_data", "error_get_file_path", "error_scikit_learn", "error_dense_features", "error_tensorflow_addons", "error_keras_contrib", "error_conv_utils", "error_batch_dot", "error_preprocessing_adapt", "error_sklearn_preprocessing", "error_library_renames", "error_seaborn_positional", "error_library_keywords", "error_python_removed_module", "error_splitter_seed", "error_library_seed", "error_multi_gpu", "error_mixed", "error_calls", "error_dim_ordering", "error_keyword_to_call", "documented_renames", "numpy_printoptions", "numpy_removed", "numpy_scalars", "numpy_scalar_methods", "numpy_ragged",
        "error_user_callables", "error_stateful", "error_own_lambda", "error_dunder_call", "error_call_tf_function", "error_call_control_flow", "error_declared_input_shape", "error_iterator_data", "error_dropout_rate_one", "error_model_build", "error_empty_sequential", "error_logs_key", "error_checkpoint_key", "error_monitor_key", "error_config_key_read", "error_config_input_shape", "error_metrics_names", "error_dimension_value", "error_add_metric", "error_to_yaml", "keras2_model_from_yaml", "error_legacy_model_json", "tf1_optimizers", "error_optimizer_minimize",
        "error_symbolic_tf", "error_symbolic_shape", "error_variable_start", "error_loss_outer_tensors", "error_metric_dtype", "error_members", "error_keras1_weights", "error_callback_model", "error_callback_validation_data", "error_outer_tensors", "error_lambda_outer_input", "error_super_init", "error_config_init", "error_get_config", "error_receiver_keyword", "error_subplot_float", "error_private_module", "error_text_encoding", "colab_downloads", "error_keyword_only", "error_positional_only", "error_weights_setter", "error_unbuilt_load", "error_generator_lists", "error_initial_state", "error_cell_initial_state", "error_schedule_step", "error_schedule_float", "error_saved_model_call", "error_h5_reload", "error_loaded_lambda_globals", "error_loaded_lambda_shape", "error_checkpoint_files", "error_load_by_name", "error_keras_tensor_shape", "error_optimizer_new_model", "error_target_rank", "error_retraced_rank", "error_compile_metrics", "error_time_distributed", "error_get_file", "error_optional_output", "error_float_steps", "error_next_method", "error_input_layer_input", "error_symbolic_index", "error_scope_name", "error_drawing_file", "error_eager_disabled", "error_backend_gone", "error_plot_backend", "error_show_accuracy", "error_config_keys",
        "error_messages", "error_custom_objects", "error_registered_name", "error_keras2_identifier", "error_call_defaults", "error_loss_per_output", "error_target_per_output", "error_message_choice", "error_message_name", "error_layer_auto_names", "error_layer_number_lists", "error_positional_flags", "error_dropout_cell_masks", "error_sequential_build", "optimizer_attributes", "optimizer_state", "explain", "trap_optimizers",
        "trap_defaults", "trap_logs_get", "trap_environment", "trap_imports", "trap_files", "trap_get_file", "trap_targets", "trap_trainable", "trap_scope_name", "trap_untracked_variables", "trap_keyword_alias", "trap_monitor_key", "trap_metrics_names", "trap_keras1_conv", "colab_magics",
    )
)  # fmt: skip

# rule modules that read the live Keras API: where no Keras package exists at all (no keras,
# tensorflow or tf_keras), they have nothing to read and are not run
LIVE_KERAS_MODULES = frozenset(
    f"kerasmagic.diagnosis.rules.{name}"
    for name in (
        "mixed_imports",
        "namespace_imports",
        "attributes",
        "methods",
        "calls",
        "trap_keyword_alias",
        "keras1_conv",
        "keras1_merge",
        "error_tensor_fed_model",
        "keras1_initializers",
        "keras1_layer_weights",
        "keras1_wrapped",
        "keras3_sequence_input",
        "error_keras2_identifier",
        "error_model_build",
        "error_call_control_flow",
        "error_dropout_rate_one",
        "keras3_backend_function",
        "keras3_gradients",
        "error_optional_output",
        "error_input_layer_input",
        "error_config_key_read",
        "error_config_input_shape",
        "error_metrics_names",
        "error_optimizer_minimize",
        "removed_calls",
        "backend_train_phase",
        "tf1_session",
        "tf1_session_run",
        "backend_ops",
        "backend_tf_module",
        "backend_legacy",
        "keras3_calls",
        "keras3_optimizer_epsilon",
        "keras3_result_dtype",
        "keras3_positional",
        "keras3_callbacks",
        "keras3_layer_shapes",
        "keras3_batch_shape",
        "keras3_data",
        "keras3_models",
        "keras3_sequential_output",
        "keras3_generators",
        "keras3_moved",
        "history",
        "callback_keys",
        "history_arguments",
        "needs_package",
        "error_saving",
        "error_h5_operations",
        "error_data",
        "error_scikit_learn",
        "error_dense_features",
        "error_tensorflow_addons",
        "error_keras_contrib",
        "error_conv_utils",
        "error_preprocessing_adapt",
        "error_multi_gpu",
        "trap_logs_get",
        "trap_monitor_key",
        "error_mixed",
        "error_calls",
        "error_dim_ordering",
        "error_user_callables",
        "error_stateful",
        "error_own_lambda",
        "error_call_defaults",
        "error_symbolic_tf",
        "error_metric_dtype",
        "error_messages",
        "error_message_choice",
        "error_message_name",
        "error_loss_per_output",
        "optimizer_attributes",
        "optimizer_state",
        "trap_get_file",
        "error_get_file",
        "error_float_steps",
        "error_custom_objects",
        "error_registered_name",
        "error_loss_outer_tensors",
        "trap_targets",
        "trap_trainable",
        "trap_scope_name",
        "error_show_accuracy",
        "error_config_keys",
        "error_keras1_weights",
    )
)

RuleFunction = Callable[["CellContext"], Iterable["Problem"]]


@dataclass(frozen=True)
class Rule:
    """A registered rule: its id (the catalogue entry it reports, or a generic id), the moments
    it runs at, its family, and the function."""

    id: str
    when: tuple[str, ...]
    family: str
    function: RuleFunction
    module: str
    patterns: tuple[re.Pattern[str] | str, ...] = ()  # it cannot apply to a source holding none
    kind: str = "error"  # what its problems are: "error" (lint, error fixes) or "trap"
    errors: tuple[str, ...] = ()  # after an error: the exception class names it can explain


_REGISTRY: list[Rule] = []  # as rules register; registry() sorts it into running order
_SORTED = [0]  # how many rules _REGISTRY held when registry() last sorted it


def rule(
    rule_id: str,
    *,
    when: tuple[str, ...],
    family: str = "",
    needs: str | tuple[str, ...] | None = None,
    errors: tuple[str, ...] = (),
    kind: str = "error",
) -> Callable:
    """Register the decorated function as a rule. ``needs``: a regex the cell's source must
    match for the rule to apply, or several of which one must match (a cheap pre-filter of the
    rule's own; after a run, a cell that emitted warnings or log lines is examined whatever its
    source). A regex that starts with a literal (``lr\\s*=``) is searched for as fast as the
    literal, and so is a ``\\b`` followed by a word (``_patterns``); an alternation is several
    times slower on every cell, so give the alternatives as a tuple. ``errors``: after an error,
    the names of the exception classes (``type(exc).__name__``) the rule can explain; it is not
    run for others."""
    unknown = set(when) - set(MOMENTS)
    if unknown:
        raise ValueError(f"rule {rule_id}: unknown moment(s) {sorted(unknown)}")
    if errors and ERROR not in when:
        raise ValueError(f"rule {rule_id}: errors= needs the ERROR moment")

    def register(function: RuleFunction) -> RuleFunction:
        if any(r.function is function for r in _REGISTRY):
            return function
        patterns = _patterns((needs,) if isinstance(needs, str) else needs or ())
        if kind not in ("error", "trap"):
            raise ValueError(f"rule {rule_id}: kind must be 'error' or 'trap', not {kind!r}")
        module = function.__module__
        entry = Rule(rule_id, tuple(when), family, function, module, patterns, kind, tuple(errors))
        _REGISTRY.append(entry)
        return function

    return register


_WORD = re.compile(r"\w+")
_BOUNDED_WORD = re.compile(r"\\b(\w+)")  # a regex's leading ``\b`` and the word after it


def _patterns(needs: Iterable[str]) -> tuple[re.Pattern[str] | str, ...]:
    """``needs=`` as searched: a plain word stays a string (``in`` is several times faster than
    a regex search), anything else is compiled. A leading ``\\b`` before a word defeats the
    regex engine's literal scan (30 µs a search on a 50-line cell instead of 1): it is searched
    as the same regex written word first, the boundary checked behind it (``\\bl\\s*=`` as
    ``l(?<!\\wl)\\s*=``)."""
    out: list[re.Pattern[str] | str] = []
    for n in needs:
        bounded = _BOUNDED_WORD.match(n)
        if _WORD.fullmatch(n):
            out.append(n)
        elif bounded:
            word = bounded.group(1)
            out.append(re.compile(rf"{word}(?<!\w{word}){n[bounded.end():]}"))
        else:
            out.append(re.compile(n))
    return tuple(out)


def words(names: Iterable[str]) -> tuple[str, ...]:
    """``needs=`` patterns for a rule that looks only for these names (each a literal)."""
    return tuple(re.escape(name) for name in names)


_POSITION = {name: i for i, name in enumerate(RULE_MODULES)}


def _running_order(r: Rule) -> int:
    return _POSITION.get(r.module, len(_POSITION))


def registry() -> list[Rule]:
    """Every rule, in running order (importing every rule module not imported yet)."""
    for name in RULE_MODULES:
        if name not in sys.modules:
            importlib.import_module(name)
    if len(_REGISTRY) != _SORTED[0]:  # rules registered since: sorted once, not at each one
        _REGISTRY.sort(key=_running_order)  # stable: a module's rules keep their order
        _SORTED[0] = len(_REGISTRY)
    return list(_REGISTRY)


def _rules_of(when: str, kind: str | None) -> list[Rule]:
    """The rules of moment ``when`` and of ``kind`` (None: both kinds), in running order."""
    return [r for r in registry() if when in r.when and (kind is None or r.kind == kind)]


def _needed(rule: Rule, source: str, error_types: tuple[str, ...] = ()) -> bool:
    """Could the rule apply: does ``source`` hold something its ``needs=`` pre-filter asks for,
    and (after an error) is the error, or the one Keras's shape inference wrapped, one of its
    ``errors=`` or of a subclass of one? (True for a rule with neither.)"""
    if rule.errors and error_types and not set(error_types) & set(rule.errors):
        return False
    return not rule.patterns or any(
        p in source if isinstance(p, str) else p.search(source) for p in rule.patterns
    )


def may_find(when: str, kind: str | None, source: str) -> bool:
    """Would any rule of moment ``when`` (and of ``kind``) look at ``source`` at all? False when
    every one's ``needs=`` pre-filter rules it out: the engine then has nothing to examine."""
    return any(_needed(r, source) for r in _rules_of(when, kind))


def problems_for(ctx: CellContext, when: str, kind: str | None = None, only: Iterable[str] | None = None) -> list[Problem]:  # fmt: skip
    """Run every rule registered for moment ``when`` (and of ``kind``; ``only``: of those ids)
    on ``ctx`` whose pre-filters let it apply; their problems, in order. After an error the
    ``needs=`` pre-filters read the earlier cells too: the model, callback or path the failing
    line uses may be made cells before it (bindings made earlier count as the cell's own)."""
    out: list[Problem] = []
    rules = _rules_of(when, kind)
    if only is not None:
        wanted = set(only)
        rules = [r for r in rules if r.id in wanted]
    if not any(live.top_exists(top) for top in live.KERAS_TOPS):
        rules = [r for r in rules if r.module not in LIVE_KERAS_MODULES]  # nothing live to read
    source = ctx.source
    if when == ERROR:  # what the failing code uses may be made in an earlier cell
        source = "\n".join((*ctx.earlier, source))
    error_types: tuple[str, ...] = ()
    if when == ERROR and ctx.error_type:  # with their base classes (ModuleNotFoundError: ImportError)
        raised = [e for e in (ctx.exc, ctx.wrapped) if e is not None]
        error_types = (ctx.error_type, *(k.__name__ for e in raised for k in type(e).__mro__))
    unfiltered = when == AFTER_RUN and bool(ctx.captured_texts)  # a warning may name anything
    for r in rules:
        if not unfiltered and not _needed(r, source, error_types):
            continue
        try:
            found = list(r.function(ctx) or ())
        except RecursionError:
            if when == STATIC:
                break  # a deeply nested cell: later static rules would recurse as well
            continue
        except Exception as exc:  # one rule's failure must not hide the others
            ctx.failures.append(f"rule {r.id}: {type(exc).__name__}: {exc}")
            continue
        out.extend(found)
    return out


def ids(when: str | None = None) -> list[str]:
    """The ids of the registered rules (of one moment)."""
    return [r.id for r in registry() if when is None or when in r.when]


__all__ += ["ERROR", "ids"]
