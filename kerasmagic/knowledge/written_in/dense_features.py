# tf.keras 2's DenseFeatures is not in Keras 3: kerasmagic wrote it in. It turns TensorFlow's
# feature columns into one dense tensor as tf.keras 2 did (each column's values in the order of
# the columns' names, side by side); a column's variables (an embedding's table) are this
# layer's weights, made with the column's own initializer and trained with the model.
import keras as _keras
import tensorflow as _tf


class _FeatureColumnState(_tf.__internal__.feature_column.StateManager):
    def __init__(self, layer):
        super().__init__(None, layer.trainable)
        self.layer = layer
        self.variables = {}

    def create_variable(
        self, column, name, shape, dtype=None, trainable=True, use_resource=True, initializer=None
    ):
        weight = self.layer.add_weight(
            name=name,
            shape=shape,
            dtype=dtype,
            initializer=initializer,
            trainable=self._trainable and trainable,
        )
        self.variables[column, name] = weight
        return weight

    def get_variable(self, column, name):
        return self.variables[column, name].value


class DenseFeatures(_keras.layers.Layer):
    def __init__(self, feature_columns, trainable=True, name=None, **kwargs):
        super().__init__(trainable=trainable, name=name, **kwargs)
        self.feature_columns = sorted(feature_columns, key=lambda column: column.name)
        self.column_state = _FeatureColumnState(self)
        for column in self.feature_columns:
            column.create_state(self.column_state)

    def call(self, features):
        cache = _tf.__internal__.feature_column.FeatureTransformationCache(features)
        dense = []
        for column in self.feature_columns:
            tensor = column.get_dense_tensor(cache, self.column_state)
            dense.append(_tf.reshape(tensor, (-1, column.variable_shape.num_elements())))
        return _tf.concat(dense, axis=1)
