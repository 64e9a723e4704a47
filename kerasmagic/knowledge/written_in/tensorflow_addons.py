# TensorFlow Addons ended in 2024 (its last release supports TensorFlow 2.15 and Keras 2 only):
# kerasmagic wrote in the parts of it Keras has (every one this code uses), over Keras's own,
# computing what Addons' did. Its AdamW decays the weights by `weight_decay` at each step (Keras's
# AdamW by `weight_decay` times the learning rate); its gelu is the tanh approximation by default.
import types as _types

import keras as _keras


class _AddonsAdamW(_keras.optimizers.AdamW):
    def __init__(
        self,
        weight_decay,
        learning_rate=0.001,
        beta_1=0.9,
        beta_2=0.999,
        epsilon=1e-07,
        amsgrad=False,
        name="AdamW",
        exclude_from_weight_decay=None,
        **kwargs,
    ):
        super().__init__(
            learning_rate=learning_rate,
            weight_decay=weight_decay,
            beta_1=beta_1,
            beta_2=beta_2,
            epsilon=epsilon,
            amsgrad=amsgrad,
            name=name,
            **kwargs,
        )
        if exclude_from_weight_decay:
            self.exclude_from_weight_decay(var_names=exclude_from_weight_decay)

    def _apply_weight_decay(self, variables):
        decay = self.weight_decay() if callable(self.weight_decay) else self.weight_decay
        for variable in variables:
            if self._use_weight_decay(variable):
                variable.assign(variable - variable * _keras.ops.cast(decay, variable.dtype))


def _addons_gelu(x, approximate=True):
    return _keras.activations.gelu(x, approximate=approximate)


def _addons_instance_normalization(**kwargs):  # a group per channel, as Addons' was
    return _keras.layers.GroupNormalization(groups=-1, **kwargs)


def _addons_f1_score(num_classes=None, average=None, threshold=None, name="f1_score", dtype=None):
    return _keras.metrics.F1Score(average=average, threshold=threshold, name=name, dtype=dtype)


_addons = _types.SimpleNamespace(
    optimizers=_types.SimpleNamespace(AdamW=_AddonsAdamW),
    activations=_types.SimpleNamespace(gelu=_addons_gelu, mish=_keras.activations.mish),
    layers=_types.SimpleNamespace(
        GroupNormalization=_keras.layers.GroupNormalization,
        InstanceNormalization=_addons_instance_normalization,
        SpectralNormalization=_keras.layers.SpectralNormalization,
    ),
    metrics=_types.SimpleNamespace(F1Score=_addons_f1_score),
)
