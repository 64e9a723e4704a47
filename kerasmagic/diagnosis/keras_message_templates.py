"""The Keras 3 (and TensorFlow) error messages that state what an argument should be, as data;
also the messages of the libraries Keras-era code calls beside Keras (scikit-learn's parameter
validation, Matplotlib's checks of a choice), which state the same facts.

Each template is read from the installed sources (Keras 3.15 in ``tf221-k3``, Keras 3.13 in
``colab``; ``source`` says where) and written as a regular expression whose named groups are the
parts of a ``MessageFact`` (``diagnosis/keras_messages.py``, the logic): ``argument``, ``expected``,
``received``, ``owner`` (the class whose parameter it is), ``given`` and ``wanted`` (counts), ``structure`` (the model's outputs, one ``'X'`` each).
A constant the template itself says (the suffix a file must end in) is in ``fixed``. Order
matters: the first template that matches is the fact; the last one, ``received``, is Keras's
general ending ``Received: name=value``.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Template:
    id: str
    kind: str  # what the repair keyed on it does: suffix, integer, float, returned-float, shape, count, required, dtype, choice, identifier, object, character
    pattern: str
    exceptions: tuple[str, ...]
    source: str  # where Keras (or TensorFlow) raises it
    fixed: dict[str, str] = field(default_factory=dict)


_RECEIVED = r"Received: (?P<argument>filepath)=(?P<received>.*?)\.?\s*$"

TEMPLATES: tuple[Template, ...] = (
    Template(
        "weights-suffix",
        "suffix",
        r"The filename must end in `(?P<expected>\.weights\.h5)`\. " + _RECEIVED,
        ("ValueError",),
        "keras/src/saving/saving_api.py save_weights; keras/src/saving/saving_lib.py load_weights_only",
    ),
    Template(
        "checkpoint-weights-suffix",
        "suffix",
        r"When using `save_weights_only=True` in `ModelCheckpoint`, the filepath provided must "
        r"end in `(?P<expected>\.weights\.h5)` \(Keras weights format\)\. " + _RECEIVED,
        ("ValueError",),
        "keras/src/callbacks/model_checkpoint.py ModelCheckpoint.__init__",
    ),
    Template(
        "checkpoint-model-suffix",
        "suffix",
        r"The filepath provided must end in `(?P<expected>\.keras)` \(Keras model format\)\. "
        + _RECEIVED,
        ("ValueError",),
        "keras/src/callbacks/model_checkpoint.py ModelCheckpoint.__init__",
    ),
    Template(
        "save-model-suffix",
        "suffix",
        r"Invalid filepath extension for saving\. Please add either a `(?P<expected>\.keras)` "
        r"extension.*" + _RECEIVED,
        ("ValueError",),
        "keras/src/saving/saving_api.py save_model",
    ),
    Template(
        "invalid-value-positive-integer",
        "integer",
        r"Received an invalid value for (?:argument )?`(?P<argument>\w+)`, expected a positive "
        r"integer(?: or `None`)?[.,] (?:Received: \w+=|got )(?P<received>.*?)\.?\s*$",
        ("ValueError",),
        "keras/src/layers/core/dense.py Dense; layers/rnn/{lstm,gru,simple_rnn}.py; "
        "layers/attention/multi_head_attention.py; layers/normalization/group_normalization.py",
        {"expected": "positive integer"},
    ),
    Template(
        "must-be-positive-integer",
        "integer",
        r"`(?P<argument>\w+)` must be a positive integer\. Received: \w+=(?P<received>.*?)"
        r"(?: \(of type \w+\))?\.?\s*$",
        ("ValueError",),
        "keras/src/layers/core/embedding.py Embedding (input_dim, output_dim); ops/math.py",
        {"expected": "positive integer"},
    ),
    Template(
        "filters-one-group",
        "integer",
        # with one group every whole count divides: only a count with a fraction (7.5) fails
        r"The number of filters must be evenly divisible by the number of groups\. "
        r"Received: groups=1, (?P<argument>filters)=(?P<received>.*?)\.?\s*$",
        ("ValueError",),
        "keras/src/layers/convolutional/base_conv.py BaseConv.__init__",
        {"expected": "positive integer"},
    ),
    Template(
        "float-argument",
        "float",
        r"Argument `(?P<argument>\w+)` (?:should|must) be (?:a )?float\b.*?Received(?: instead)?: "
        r"\w+=(?P<received>.*?)\.?\s*$",
        ("ValueError",),
        "keras/src/optimizers/base_optimizer.py BaseOptimizer.__init__ (learning_rate); "
        "optimizers/adamw.py AdamW (weight_decay)",
        {"expected": "float"},
    ),
    Template(
        "schedule-output-float",
        "returned-float",
        r"The output of the `(?P<argument>schedule)` function should be a float\. "
        r"Got: (?P<received>.*?)\s*$",
        ("ValueError",),
        "keras/src/callbacks/learning_rate_scheduler.py LearningRateScheduler._update_optimizer_lr",
        {"expected": "float"},
    ),
    Template(
        "tuple-of-integers",
        "integer",
        r"The `(?P<argument>\w+)` argument must be a tuple of (?P<wanted>\d+) integers\. "
        r"Received:? (?:\w+=)?(?P<received>.*?)\s*$",
        ("ValueError",),
        "keras/src/utils/argument_validation.py standardize_tuple",
        {"expected": "tuple of integers"},
    ),
    Template(
        "not-a-shape",
        "shape",
        r"Cannot convert '(?P<received>.*)' to a shape\.",
        ("ValueError",),
        "keras/src/backend/common/variables.py standardize_shape",
        {"expected": "shape tuple"},
    ),
    Template(
        "loss-weights-count",
        "count",
        r"`loss_weights` must match the number of losses, got (?P<given>\d+) losses and "
        r"(?P<wanted>\d+) weights\.",
        ("ValueError",),
        "keras/src/trainers/compile_utils.py CompileLoss.build",
        {"argument": "loss", "expected": "one per output"},
    ),
    Template(
        "metrics-count",
        "count",
        r"(?s)For a model with multiple outputs, when providing the `(?P<argument>\w+)` argument "
        r"as a list, it should have as many entries as the model has outputs\. Received:\n"
        r"\w+=(?P<received>.*)\nof length (?P<given>\d+) whereas the model has (?P<wanted>\d+) "
        r"outputs\.",
        ("ValueError",),
        "keras/src/trainers/compile_utils.py CompileMetrics.build (Keras 3.13)",
        {"expected": "one per output"},
    ),
    Template(
        "metrics-structure",
        "count",
        r"(?s)Invalid `(?P<argument>\w+)`\. `\w+` should contain metrics objects and .*match the "
        r"output structure of the model: (?P<structure>.*?)\.\nReceived: \w+=(?P<received>.*)$",
        ("ValueError",),
        "keras/src/trainers/compile_utils.py CompileMetrics.build (Keras 3.15)",
        {"expected": "one per output"},
    ),
    Template(
        "object-identifier",
        "object",
        r"Could not interpret (?P<expected>optimizer|loss|metric|initializer) identifier: "
        r"<(?P<received>[A-Za-z_][\w.]*) object at 0x[0-9a-fA-F]+>",
        ("ValueError",),
        "keras/src/{optimizers,losses,metrics,initializers}/__init__.py get",
    ),
    Template(
        "sequential-added-object",
        "object",
        r"Only instances of `keras\.(?P<expected>Layer)` can be added to a Sequential model\. "
        r"Received: .* \(of type <class '(?P<received>[A-Za-z_][\w.]*)'>\)",
        ("ValueError",),
        "keras/src/models/sequential.py Sequential.add",
    ),
    Template(
        "sequential-added-object-keras2",
        "object",
        r"The added layer must be an instance of class (?P<expected>Layer)\. "
        r"Received: layer=.* of type <class '(?P<received>[A-Za-z_][\w.]*)'>",
        ("TypeError",),
        "keras 2.15 / tf_keras 2.21 src/engine/sequential.py Sequential.add",
    ),
    Template(
        "unknown-identifier",
        "identifier",
        r"Could not interpret (?P<expected>activation function|loss|metric|initializer|regularizer"
        r"|constraint) identifier: (?P<received>[A-Za-z_][\w.>-]*)\s*$",
        ("ValueError",),
        "keras/src/{activations,losses,metrics,initializers,regularizers,constraints}/__init__.py get",
    ),
    Template(
        "missing-argument",
        "required",
        r"missing a required argument: '(?P<argument>\w+)'",
        ("TypeError",),
        "CPython inspect.Signature.bind, from keras/src/layers/layer.py CallSpec",
    ),
    Template(
        "sequential-required-arguments",
        "required",
        r"Layer (?P<received>\w+) has multiple (?:required )?positional arguments: "
        r"\[.*(?:'|<Parameter \")(?P<argument>training|mask)(?:'|\">).*\]",
        ("ValueError",),
        'keras/src/models/sequential.py Sequential.build (Keras 3.13 leaves out "required")',
    ),
    Template(
        "name-character",
        "character",
        r"Argument `(?P<argument>name)` must be a string and cannot contain character "
        r"`(?P<expected>.)`\. Received: name=(?P<received>.*?)(?: \(of type .*\))?\s*$",
        ("ValueError",),
        "keras/src/ops/operation.py Operation.__init__; backend/common/variables.py Variable",
    ),
    Template(
        "op-input-dtype",
        "dtype",
        r"Input '(?P<argument>\w+)' of '\w+' Op has type (?P<received>\w+) that does not match "
        r"type (?P<expected>\w+) of argument '\w+'",
        ("TypeError", "ValueError"),
        "tensorflow/python/framework/op_def_library.py _apply_op_helper",
    ),
    Template(
        "eager-input-dtype",
        "dtype",
        r"cannot compute \w+ as input #(?P<argument>\d+)\(zero-based\) was expected to be a "
        r"(?P<expected>\w+) tensor but is a (?P<received>\w+) tensor",
        ("InvalidArgumentError",),
        "tensorflow/core/common_runtime/eager/execute.cc (ValidateInputTypeAndPlacement)",
    ),
    Template(
        "one-of-choices",
        "choice",
        r"`(?P<argument>\w+)`(?: argument)? must be (?:either |one of )(?P<expected>(?:`?'[\w-]+'`?"
        r"(?:,? or |, )?){2,})\.? Received:? (?:\w+=)?(?P<received>[^\n]*?)\.?\s*$",
        ("ValueError",),
        "keras/src/ops/operation_utils.py compute_pooling_output_shape (padding); "
        "backend/common/backend_utils.py (padding); layers/pooling/base_pooling.py (pool_mode)",
    ),
    Template(
        "invalid-value-one-of",
        "choice",
        r"Invalid value for argument `(?P<argument>\w+)`\. Expected one of (?P<expected>\{[^}]*\})\. "
        r"Received:? (?:\w+=)?(?P<received>[^\n]*?)\.?\s*$",
        ("ValueError",),
        "keras/src/losses/loss.py standardize_reduction",
    ),
    Template(
        "scikit-learn-invalid-parameter",
        "choice",
        r"The '(?P<argument>\w+)' parameter of (?P<owner>\w+) must be (?P<expected>.+?)\. "
        r"Got (?P<received>.+?) instead\.",
        ("InvalidParameterError",),
        "sklearn/utils/_param_validation.py validate_parameter_constraints (scikit-learn >= 1.2)",
    ),
    Template(
        "matplotlib-not-valid-value",
        "choice",
        r"^(?P<received>'[^'\n]*') is not a valid value for (?P<argument>\w+); supported values "
        r"are (?P<expected>[^\n]+)$",
        ("ValueError",),
        "matplotlib/_api/__init__.py check_in_list, check_getitem (Legend's loc)",
    ),
    Template(
        "received",
        "received",
        r"Received:? (?P<argument>[a-z_]\w*)=(?P<received>[^\n]*?)\.?\s*$",
        ("ValueError", "TypeError"),
        "keras/src (the ending of 800+ argument checks: grep 'Received: ')",
    ),
)
