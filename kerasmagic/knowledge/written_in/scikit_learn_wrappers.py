# keras.wrappers.scikit_learn was removed in Keras 2.12 and SciKeras is not installed here: kerasmagic
# wrote in its KerasClassifier/KerasRegressor (same fit, predict and score; SciKeras, `pip install
# scikeras`, is their maintained successor, with its own parameter routing and scores).
import inspect as _inspect

import numpy as _np

try:
    from sklearn.base import BaseEstimator as _Estimator
    from sklearn.base import ClassifierMixin as _ClassifierMixin
    from sklearn.base import RegressorMixin as _RegressorMixin
except ImportError:  # without scikit-learn they still fit, predict and score
    _Estimator = type("_Estimator", (), {})
    _ClassifierMixin = type("_ClassifierMixin", (), {})
    _RegressorMixin = type("_RegressorMixin", (), {})


class _KerasWrapper(_Estimator):
    def __init__(self, build_fn=None, **sk_params):
        self.build_fn = build_fn
        self.sk_params = sk_params

    def get_params(self, **params):
        return {**self.sk_params, "build_fn": self.build_fn}

    def set_params(self, **params):
        self.sk_params.update(params)
        return self

    def _params_for(self, fn, override=None):
        try:
            named = _inspect.signature(fn).parameters
        except (TypeError, ValueError):
            named = {}
        plain = (_inspect.Parameter.POSITIONAL_OR_KEYWORD, _inspect.Parameter.KEYWORD_ONLY)
        params = {k: v for k, v in self.sk_params.items() if k in named and named[k].kind in plain}
        params.update(override or {})
        return params

    def _one_hot_if_categorical(self, y):
        loss = getattr(self.model, "loss", None)
        if getattr(loss, "__name__", loss) == "categorical_crossentropy" and _np.ndim(y) != 2:
            y = _np.ravel(y).astype(int)
            y = _np.eye(y.max() + 1, dtype="float32")[y]
        return y

    def fit(self, x, y, **kwargs):
        build = self.build_fn if self.build_fn is not None else self.__call__
        plain = _inspect.isfunction(build) or _inspect.ismethod(build)
        self.model = build(**self._params_for(build if plain else build.__call__))
        y = self._one_hot_if_categorical(y)
        return self.model.fit(x, y, **self._params_for(type(self.model).fit, kwargs))


class KerasClassifier(_ClassifierMixin, _KerasWrapper):
    def fit(self, x, y, sample_weight=None, **kwargs):
        y = _np.array(y)
        if y.ndim == 2 and y.shape[1] > 1:
            self.classes_ = _np.arange(y.shape[1])
        elif y.ndim == 1 or (y.ndim == 2 and y.shape[1] == 1):
            self.classes_ = _np.unique(y)
            y = _np.searchsorted(self.classes_, y)
        else:
            raise ValueError("Invalid shape for y: " + str(y.shape))
        self.n_classes_ = len(self.classes_)
        if sample_weight is not None:
            kwargs["sample_weight"] = sample_weight
        return super().fit(x, y, **kwargs)

    def predict_proba(self, x, **kwargs):
        probs = self.model.predict(x, **self._params_for(type(self.model).predict, kwargs))
        return _np.hstack([1 - probs, probs]) if probs.shape[1] == 1 else probs

    def predict(self, x, **kwargs):
        probs = self.model.predict(x, **self._params_for(type(self.model).predict, kwargs))
        classes = probs.argmax(axis=-1) if probs.shape[-1] > 1 else (probs > 0.5).astype("int32")
        return self.classes_[classes]

    def score(self, x, y, **kwargs):
        y = self._one_hot_if_categorical(_np.searchsorted(self.classes_, y))
        kwargs = {**self._params_for(type(self.model).evaluate, kwargs), "return_dict": True}
        for name, value in self.model.evaluate(x, y, **kwargs).items():
            if name in ("accuracy", "acc"):
                return value
        raise ValueError(
            "The model is not configured to compute accuracy. "
            'You should pass `metrics=["accuracy"]` to the `model.compile()` method.'
        )


class KerasRegressor(_RegressorMixin, _KerasWrapper):
    def predict(self, x, **kwargs):
        kwargs = self._params_for(type(self.model).predict, kwargs)
        out = _np.asarray(self.model.predict(x, **kwargs))
        return _np.squeeze(out, axis=-1) if out.ndim and out.shape[-1] == 1 else out

    def score(self, x, y, **kwargs):
        loss = self.model.evaluate(x, y, **self._params_for(type(self.model).evaluate, kwargs))
        return -loss[0] if isinstance(loss, list) else -loss
