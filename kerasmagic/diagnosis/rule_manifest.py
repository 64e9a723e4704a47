"""Which rules each rule module registers: moments, kind, ``needs=`` patterns, ``errors=``.

Generated from the registry by ``python3 scripts/rule_manifest.py``; do not edit.
``tests/test_rules_architecture.py`` fails when it differs from the registry. The engine reads it
to import a rule module only when one of its rules could apply to the cell.
"""

# module: [(moments, kind, needs, errors), ...] in the order the module registers its rules
MANIFEST: dict[str, list[tuple[tuple[str, ...], str, tuple[str, ...], tuple[str, ...]]]] = {
    "kerasmagic.diagnosis.rules.mixed_imports": [
        (("static",), "error", ("keras",), ()),
    ],
    "kerasmagic.diagnosis.rules.imports": [
        (("static",), "error", ("import",), ()),
    ],
    "kerasmagic.diagnosis.rules.namespace_imports": [
        (("static",), "error", (), ()),
    ],
    "kerasmagic.diagnosis.rules.attributes": [
        (("static",), "error", (), ()),
    ],
    "kerasmagic.diagnosis.rules.methods": [
        (("static",), "error", ("evaluate_generator", "fit_generator", "predict_generator"), ()),
    ],
    "kerasmagic.diagnosis.rules.calls": [
        (("static",), "error", ("=", "\\*\\*"), ()),
    ],
    "kerasmagic.diagnosis.rules.keras1_conv": [
        (("static",), "error", ("AtrousConvolution2D", "Convolution2D", "Convolution3D"), ()),
    ],
    "kerasmagic.diagnosis.rules.keras1_merge": [
        (("static",), "error", ("\\bmerge\\b", "\\bMerge\\b"), ()),
    ],
    "kerasmagic.diagnosis.rules.keras1_initializers": [
        (("static",), "error", ("initializations", "initializers"), ()),
    ],
    "kerasmagic.diagnosis.rules.keras1_wrapped": [
        (("static",), "error", ("TimeDistributedDense",), ()),
    ],
    "kerasmagic.diagnosis.rules.keras3_sequence_input": [
        (("static",), "error", ("input_length", "input_dim"), ()),
        (("static",), "error", ("input_length",), ()),
    ],
    "kerasmagic.diagnosis.rules.removed_calls": [
        (("static",), "error", ("_make_predict_function", "set_learning_phase"), ()),
    ],
    "kerasmagic.diagnosis.rules.tf1_session": [
        (("static",), "error", ("set_session",), ()),
        (("static",), "error", ("get_session",), ()),
    ],
    "kerasmagic.diagnosis.rules.backend_ops": [
        (("static",), "error", ("\\(",), ()),
        (("error",), "error", ("\\(",), ("AttributeError", "TypeError", "ValueError")),
    ],
    "kerasmagic.diagnosis.rules.keras3_backend_function": [
        (("static",), "error", ("\\.function\\(",), ()),
    ],
    "kerasmagic.diagnosis.rules.keras3_calls": [
        (("static",), "error", ("=",), ()),
        (("static",), "error", ("epsilon",), ()),
        (("static",), "error", ("metrics",), ()),
        (("static",), "error", ("\\.lr",), ()),
        (("static",), "error", ("\\(",), ()),
    ],
    "kerasmagic.diagnosis.rules.keras3_positional": [
        (("static",), "error", ("\\(",), ()),
    ],
    "kerasmagic.diagnosis.rules.keras3_callbacks": [
        (("static",), "error", ("period",), ()),
        (("error",), "error", ("input_shape", "output_shape"), ("AttributeError",)),
        (("error",), "error", ("Model\\s*\\(",), ("TypeError", "ValueError")),
    ],
    "kerasmagic.diagnosis.rules.keras3_data": [
        (("static",), "error", ("batch_input_shape",), ()),
        (("static",), "error", ("yield",), ()),
        (("static",), "error", ("yield",), ()),
        (("static",), "error", ("reset_states",), ()),
    ],
    "kerasmagic.diagnosis.rules.keras3_models": [
        (("static",), "error", ("\\.add_loss\\(",), ()),
        (("error",), "error", (), ("ValueError",)),
        (("error",), "error", (), ("ValueError",)),
        (("error",), "error", (), ("AttributeError",)),
    ],
    "kerasmagic.diagnosis.rules.keras3_moved": [
        (("static",), "error", ("experimental",), ()),
        (("error",), "error", (), ("ValueError",)),
    ],
    "kerasmagic.diagnosis.rules.history": [
        (("static",), "error", ("history",), ()),
        (("error",), "error", (), ("KeyError",)),
        (("static",), "error", ("acc",), ()),
        (("error",), "error", (), ("KeyError",)),
        (("error",), "error", (), ("KeyError",)),
    ],
    "kerasmagic.diagnosis.rules.needs_package": [
        (("static",), "error", ("ImageDataGenerator",), ()),
        (("error",), "error", (), ()),
    ],
    "kerasmagic.diagnosis.rules.error_names": [
        (("error",), "error", (), ("NameError",)),
    ],
    "kerasmagic.diagnosis.rules.error_saving": [
        (("error",), "error", (), ("ValueError",)),
        (("static",), "error", ("ModelCheckpoint",), ()),
        (("error",), "error", ("load_model",), ()),
        (("error",), "error", (), ("ValueError",)),
        (("error",), "error", ("load",), ()),
    ],
    "kerasmagic.diagnosis.rules.error_save_folder": [
        (("error",), "error", (), ("FileNotFoundError",)),
    ],
    "kerasmagic.diagnosis.rules.error_layer_shapes": [
        (("error",), "error", (), ("AttributeError",)),
    ],
    "kerasmagic.diagnosis.rules.error_latest_checkpoint": [
        (("error",), "error", (), ("TypeError", "ValueError", "AttributeError")),
    ],
    "kerasmagic.diagnosis.rules.error_tf1_renames": [
        (("error",), "error", (), ("AttributeError",)),
    ],
    "kerasmagic.diagnosis.rules.error_data": [
        (("error",), "error", (), ("ValueError",)),
        (("error",), "error", (), ("TypeError",)),
        (("error",), "error", ("scikit_learn",), ()),
    ],
    "kerasmagic.diagnosis.rules.error_mixed": [
        (("error",), "error", (), ()),
    ],
    "kerasmagic.diagnosis.rules.error_calls": [
        (("error",), "error", (), ("TypeError", "ValueError")),
        (("error",), "error", ("predict_classes", "predict_proba"), ("AttributeError",)),
        (("error",), "error", ("image_dim_ordering",), ("AttributeError",)),
        (("error",), "error", (), ("ValueError",)),
    ],
    "kerasmagic.diagnosis.rules.documented_renames": [
        (("error",), "error", (), ("TypeError", "ValueError")),
    ],
    "kerasmagic.diagnosis.rules.numpy_printoptions": [
        (("error",), "error", (), ("TypeError", "ValueError")),
    ],
    "kerasmagic.diagnosis.rules.numpy_removed": [
        (("static", "error"), "error", ("np\\.", "numpy\\."), ()),
    ],
    "kerasmagic.diagnosis.rules.error_user_callables": [
        (("error",), "error", (), ("TypeError",)),
    ],
    "kerasmagic.diagnosis.rules.error_stateful": [
        (("error",), "error", (), ("ValueError", "OperatorNotAllowedInGraphError")),
    ],
    "kerasmagic.diagnosis.rules.error_own_lambda": [
        (("error",), "error", ("load",), ("ValueError",)),
    ],
    "kerasmagic.diagnosis.rules.error_dunder_call": [
        (("error",), "error", ("__call__",), ("ValueError", "AttributeError")),
    ],
    "kerasmagic.diagnosis.rules.error_model_build": [
        (("error",), "error", ("\\.build\\(",), ()),
    ],
    "kerasmagic.diagnosis.rules.error_logs_key": [
        (("error",), "error", (), ("KeyError",)),
    ],
    "kerasmagic.diagnosis.rules.error_optimizer_minimize": [
        (("error",), "error", ("minimize",), ("AttributeError",)),
    ],
    "kerasmagic.diagnosis.rules.error_symbolic_tf": [
        (("error",), "error", (), ("ValueError",)),
    ],
    "kerasmagic.diagnosis.rules.error_metric_dtype": [
        (("error",), "error", (), ("TypeError", "ValueError", "InvalidArgumentError")),
    ],
    "kerasmagic.diagnosis.rules.error_members": [
        (("error",), "error", (), ("AttributeError",)),
    ],
    "kerasmagic.diagnosis.rules.error_callback_model": [
        (("error",), "error", (), ("AttributeError",)),
    ],
    "kerasmagic.diagnosis.rules.error_outer_tensors": [
        (("error",), "error", (), ("ValueError", "TypeError", "NotImplementedError")),
    ],
    "kerasmagic.diagnosis.rules.error_super_init": [
        (("error",), "error", (), ("TypeError",)),
    ],
    "kerasmagic.diagnosis.rules.error_initial_state": [
        (("error",), "error", (), ("InvalidArgumentError", "ValueError", "TypeError")),
    ],
    "kerasmagic.diagnosis.rules.error_get_file": [
        (("error",), "error", ("get_file",), ("FileNotFoundError", "NotADirectoryError", "IndexError", "StopIteration")),
    ],
    "kerasmagic.diagnosis.rules.error_float_steps": [
        (("static",), "error", ("steps",), ()),
    ],
    "kerasmagic.diagnosis.rules.error_show_accuracy": [
        (("error",), "error", (), ("TypeError", "ValueError")),
    ],
    "kerasmagic.diagnosis.rules.error_config_keys": [
        (("error",), "error", (), ("ValueError",)),
    ],
    "kerasmagic.diagnosis.rules.error_messages": [
        (("error",), "error", (), ("ValueError",)),
        (("error",), "error", (), ("ValueError",)),
        (("error",), "error", (), ("ValueError",)),
        (("error",), "error", (), ("ValueError",)),
        (("error",), "error", (), ("TypeError",)),
    ],
    "kerasmagic.diagnosis.rules.optimizer_attributes": [
        (("error",), "error", (), ("AttributeError",)),
    ],
    "kerasmagic.diagnosis.rules.optimizer_state": [
        (("error",), "error", ("\\.compile\\s*\\(", "optimizer"), ()),
    ],
    "kerasmagic.diagnosis.rules.explain": [
        (("error",), "error", (), ()),
        (("error",), "error", (), ("ModuleNotFoundError",)),
    ],
    "kerasmagic.diagnosis.rules.trap_optimizers": [
        (("static", "after-run"), "trap", ("lr\\s*=", "decay\\s*="), ()),
    ],
    "kerasmagic.diagnosis.rules.trap_defaults": [
        (("static", "after-run"), "trap", ("da(?i:delta|grad)", "Da(?i:delta|grad)", "dA(?i:delta|grad)", "DA(?i:delta|grad)"), ()),
    ],
    "kerasmagic.diagnosis.rules.trap_environment": [
        (("static", "after-run"), "trap", ("TF_USE_LEGACY_KERAS",), ()),
        (("static", "after-run"), "trap", ("KERAS_BACKEND",), ()),
    ],
    "kerasmagic.diagnosis.rules.trap_imports": [
        (("static", "after-run"), "trap", ("keras",), ()),
        (("static", "after-run"), "trap", ("keras",), ()),
        (("static", "after-run"), "trap", ("keras",), ()),
    ],
    "kerasmagic.diagnosis.rules.trap_files": [
        (("after-run",), "trap", ("load_weights",), ()),
        (("static", "after-run"), "trap", ("load_model",), ()),
    ],
    "kerasmagic.diagnosis.rules.trap_get_file": [
        (("static", "after-run"), "trap", ("get_file",), ()),
    ],
    "kerasmagic.diagnosis.rules.colab_magics": [
        (("error",), "error", ("tensorflow_version",), ("UsageError",)),
    ],
}
