"""Deterministic synthetic stand-ins for ``keras.datasets.*``: the published shapes, dtypes and
sample counts (published code hard-codes ``reshape(60000, 784)``), arguments (``num_words``,
``maxlen``, ``label_mode``…) honoured. Training stays short through ``training`` (2 steps)."""

from __future__ import annotations

import functools
import inspect
import zlib
from collections.abc import Callable
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np

SIZES = {  # (train, test) as published
    "mnist": (60000, 10000),
    "fashion_mnist": (60000, 10000),
    "cifar10": (50000, 10000),
    "cifar100": (50000, 10000),
    "imdb": (25000, 25000),
    "reuters": (8982, 2246),
    "boston": (404, 102),
    "california": (16512, 4128),
}
WORDS = [
    "the",
    "and",
    "a",
    "of",
    "to",
    "is",
    "br",
    "in",
    "it",
    "i",
    "this",
    "that",
    "was",
    "as",
    "for",
    "with",
    "movie",
    "but",
    "film",
    "on",
    "not",
    "you",
    "are",
    "his",
    "have",
    "he",
    "be",
    "one",
    "all",
    "at",
    "by",
    "an",
    "they",
    "who",
    "so",
    "from",
    "like",
    "her",
    "or",
    "just",
    "about",
    "out",
    "if",
    "has",
    "what",
    "some",
    "good",
    "can",
    "more",
    "when",
    "very",
    "up",
    "no",
    "time",
    "even",
    "she",
    "my",
    "would",
    "which",
    "only",
    "story",
    "really",
    "see",
    "their",
    "had",
]
# more ordinary words after them (english_words.txt), so that code encoding its own sentences
# with get_word_index() finds them, as it does in the real index
WORDS = list(
    dict.fromkeys(
        WORDS
        + [
            w
            for line in Path(__file__).with_name("english_words.txt").read_text().splitlines()
            if not line.startswith("#")
            for w in line.split()
        ]
    )
)
VOCAB = {"imdb": 88584, "reuters": 30979}
CLASSES = {"imdb": 2, "reuters": 46}


def _rng(name: str) -> np.random.Generator:
    return np.random.default_rng(zlib.crc32(name.encode()))


def _labels(rng: np.random.Generator, n: int, classes: int, dtype: str) -> np.ndarray:
    y = np.arange(n) % classes
    rng.shuffle(y)
    return y.astype(dtype)


def _images(name: str, shape: tuple[int, ...], classes: int, ydim: bool) -> tuple:
    rng = _rng(name)
    out = []
    for n in SIZES[name.split("-")[0]]:
        x = rng.integers(0, 256, size=(n, *shape), dtype=np.uint8)
        y = _labels(rng, n, classes, "uint8")
        out.append((x, y.reshape(n, 1) if ydim else y))
    return tuple(out)


def _channels_first(fn: Callable[..., Any]) -> bool:
    backend = fn.__globals__.get("backend") or fn.__globals__.get("K")
    try:
        return backend.image_data_format() == "channels_first"  # type: ignore[union-attr]
    except Exception:
        return False


def mnist(fn: Callable[..., Any], a: dict) -> tuple:
    return _images(fn.__module__.rsplit(".", 1)[-1], (28, 28), 10, False)


def cifar10(fn: Callable[..., Any], a: dict) -> tuple:
    shape = (3, 32, 32) if _channels_first(fn) else (32, 32, 3)
    return _images("cifar10", shape, 10, True)


def cifar100(fn: Callable[..., Any], a: dict) -> tuple:
    mode = a.get("label_mode", "fine")
    if mode not in ("fine", "coarse"):
        raise ValueError(
            f'`label_mode` must be one of `"fine"`, `"coarse"`. Received: label_mode={mode}.'
        )
    shape = (3, 32, 32) if _channels_first(fn) else (32, 32, 3)
    return _images(f"cifar100-{mode}", shape, 100 if mode == "fine" else 20, True)


def _reads_kwargs(fn: Callable[..., Any]) -> bool:
    """Does the real loader read its ``**kwargs``? Keras 2 and tf_keras took Keras 1's
    ``nb_words`` as ``num_words`` and raised on any other; Keras 3's ``load_data(..., **kwargs)``
    reads nothing from them (keras/src/datasets/imdb.py, reuters.py of 3.x)."""
    if (getattr(fn, "__module__", "") or "").split(".")[0] != "keras":
        return True
    try:
        return int(metadata.version("keras").split(".")[0]) < 3
    except (metadata.PackageNotFoundError, ValueError):
        return True


def _sequences(dataset: str, a: dict, fn: Callable[..., Any]) -> tuple:
    kwargs = dict(a.pop("kwargs", {}) or {})
    if _reads_kwargs(fn):  # as the installed loader does with them
        if "nb_words" in kwargs:
            a["num_words"] = kwargs.pop("nb_words")
        if kwargs:
            raise TypeError(f"Unrecognized keyword arguments: {kwargs}.")
    rng = _rng(dataset)
    num_words, skip_top = a.get("num_words"), a.get("skip_top", 0) or 0
    maxlen, start_char = a.get("maxlen"), a.get("start_char", 1)
    oov_char, index_from = a.get("oov_char", 2), a.get("index_from", 3)
    n_train, n_test = SIZES[dataset]
    if dataset == "reuters":
        total = n_train + n_test
        n_test = int(total * a.get("test_split", 0.2))
        n_train = total - n_test
    hi = 300 if not maxlen else max(3, min(300, int(maxlen)))
    top = num_words if num_words is not None else VOCAB[dataset] + index_from
    out = []
    for n in (n_train, n_test):
        lengths = rng.integers(1, hi - 1, size=n)
        ids = rng.zipf(1.3, size=int(lengths.sum())) % VOCAB[dataset] + index_from
        keep = (ids >= skip_top) & (ids < top)
        ids = np.where(keep, ids, -1 if oov_char is None else oov_char)
        xs = np.empty(n, dtype=object)
        start = [start_char] if start_char is not None else []
        for i, chunk in enumerate(np.split(ids, np.cumsum(lengths)[:-1])):
            xs[i] = start + [int(w) for w in chunk if w >= 0]
        out.append((xs, _labels(rng, n, CLASSES[dataset], "int64")))
    return tuple(out)


def imdb(fn: Callable[..., Any], a: dict) -> tuple:
    return _sequences("imdb", a, fn)


def reuters(fn: Callable[..., Any], a: dict) -> tuple:
    return _sequences("reuters", a, fn)


def word_index(dataset: str) -> dict[str, int]:
    index = {w: i + 1 for i, w in enumerate(WORDS)}
    for i in range(len(WORDS) + 1, VOCAB[dataset] + 1):
        index[f"word{i}"] = i
    return index


def _regression(name: str, features: int, dtype: str, a: dict) -> tuple:
    split = a.get("test_split", 0.2)
    if not 0 <= split < 1:
        raise AssertionError("test_split must be in [0, 1)")
    rng = _rng(name)
    n = sum(SIZES[name])
    x = (rng.random((n, features)) * 10).astype(dtype)
    y = (x @ rng.random(features) + rng.normal(size=n)).astype(dtype)
    cut = int(n * (1 - split))
    return (x[:cut], y[:cut]), (x[cut:], y[cut:])


def boston_housing(fn: Callable[..., Any], a: dict) -> tuple:
    return _regression("boston", 13, "float64", a)


def california_housing(fn: Callable[..., Any], a: dict) -> tuple:
    return _regression("california", 8, "float32", a)


LOADERS: dict[str, Callable[[Callable[..., Any], dict], tuple]] = {
    "mnist": mnist,
    "fashion_mnist": mnist,
    "cifar10": cifar10,
    "cifar100": cifar100,
    "imdb": imdb,
    "reuters": reuters,
    "boston_housing": boston_housing,
    "california_housing": california_housing,
}


def wrap(fn: Callable[..., Any], dataset: str, what: str) -> Callable[..., Any]:
    sig = inspect.signature(fn)

    @functools.wraps(fn)
    def synthetic(*args: Any, **kwargs: Any) -> Any:
        __tracebackhide__ = True  # noqa: F841
        try:
            bound = sig.bind(*args, **kwargs)
        except TypeError:
            return fn(*args, **kwargs)
        bound.apply_defaults()
        a = dict(bound.arguments)
        if what == "get_word_index":
            return word_index(dataset)
        return LOADERS[dataset](fn, a)

    return synthetic
