# keras-contrib (Keras 2 only, archived; never on PyPI for Keras 3): kerasmagic wrote in the part
# of it this code uses, computing what keras-contrib's did. Its InstanceNormalization divides by
# the standard deviation plus epsilon (not the square root of the variance plus epsilon), over
# every axis but the batch's and `axis`'s; with axis=None one gamma and one beta for the whole.
import types as _types

import keras as _keras


class _ContribInstanceNormalization(_keras.layers.Layer):
    def __init__(
        self,
        axis=None,
        epsilon=1e-3,
        center=True,
        scale=True,
        beta_initializer="zeros",
        gamma_initializer="ones",
        beta_regularizer=None,
        gamma_regularizer=None,
        beta_constraint=None,
        gamma_constraint=None,
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.supports_masking = True
        self.axis, self.epsilon, self.center, self.scale = axis, epsilon, center, scale
        self.beta_initializer = _keras.initializers.get(beta_initializer)
        self.gamma_initializer = _keras.initializers.get(gamma_initializer)
        self.beta_regularizer = _keras.regularizers.get(beta_regularizer)
        self.gamma_regularizer = _keras.regularizers.get(gamma_regularizer)
        self.beta_constraint = _keras.constraints.get(beta_constraint)
        self.gamma_constraint = _keras.constraints.get(gamma_constraint)

    def build(self, input_shape):
        shape = (1,) if self.axis is None else (input_shape[self.axis],)
        if self.scale:
            self.gamma = self.add_weight(
                shape=shape,
                name="gamma",
                initializer=self.gamma_initializer,
                regularizer=self.gamma_regularizer,
                constraint=self.gamma_constraint,
            )
        if self.center:
            self.beta = self.add_weight(
                shape=shape,
                name="beta",
                initializer=self.beta_initializer,
                regularizer=self.beta_regularizer,
                constraint=self.beta_constraint,
            )

    def call(self, inputs):
        ops, ndim = _keras.ops, len(inputs.shape)
        kept = None if self.axis is None else self.axis % ndim
        axes = [a for a in range(1, ndim) if a != kept]
        mean = ops.mean(inputs, axis=axes, keepdims=True)
        normed = (inputs - mean) / (ops.std(inputs, axis=axes, keepdims=True) + self.epsilon)
        shape = [1] * ndim
        if kept is not None:
            shape[kept] = inputs.shape[kept]
        if self.scale:
            normed = normed * ops.reshape(self.gamma, shape)
        if self.center:
            normed = normed + ops.reshape(self.beta, shape)
        return normed

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {
            **super().get_config(),
            "axis": self.axis,
            "epsilon": self.epsilon,
            "center": self.center,
            "scale": self.scale,
            "beta_initializer": _keras.initializers.serialize(self.beta_initializer),
            "gamma_initializer": _keras.initializers.serialize(self.gamma_initializer),
            "beta_regularizer": _keras.regularizers.serialize(self.beta_regularizer),
            "gamma_regularizer": _keras.regularizers.serialize(self.gamma_regularizer),
            "beta_constraint": _keras.constraints.serialize(self.beta_constraint),
            "gamma_constraint": _keras.constraints.serialize(self.gamma_constraint),
        }


_contrib = _types.SimpleNamespace(
    layers=_types.SimpleNamespace(InstanceNormalization=_ContribInstanceNormalization),
)
