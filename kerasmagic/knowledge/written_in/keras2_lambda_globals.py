# Keras 2 gave the function of a Lambda layer loaded from a file the globals of the module it was
# written in (kerasmagic wrote this in): Keras 3 gives it those of its own loading code, where the
# names the function reads (`K`, `tf`, `keras`) are not. Each loaded Lambda's function of `model`
# (nested models too) gets `namespace` as its globals, as in Keras 2.
import types


def _keras2_lambda_globals(model, namespace):
    layers = [model]
    while layers:
        layer = layers.pop()
        function = getattr(layer, "function", None)
        if type(layer).__name__ == "Lambda" and isinstance(function, types.FunctionType):
            layer.function = types.FunctionType(
                function.__code__, namespace, function.__name__,
                function.__defaults__, function.__closure__,
            )  # fmt: skip
        layers.extend(getattr(layer, "layers", None) or [])
    return model
