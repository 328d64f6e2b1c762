"""minigrad: a from-scratch reverse-mode autodiff library on NumPy, with numba kernels.

>>> import minigrad as mg
>>> x = mg.tensor([[1., 2.], [3., 4.]], requires_grad=True)
>>> y = (x @ x.T).relu().sum()
>>> y.backward()
>>> x.grad
tensor([[ 8., 12.],
        [ 8., 12.]])
"""

from importlib import import_module as _import_module
from typing import Any as _Any

from ._device import device
from ._dtypes import (
    bfloat16,
    bool_,
    double,
    dtype,
    float,
    float16,
    float32,
    float64,
    half,
    int,
    int8,
    int16,
    int32,
    int64,
    long,
    short,
    uint8,
)
from ._printing import set_printoptions
from ._runtime import (
    are_deterministic_algorithms_enabled,
    get_float32_matmul_precision,
    get_num_interop_threads,
    is_deterministic_algorithms_warn_only_enabled,
    set_float32_matmul_precision,
    set_num_interop_threads,
    use_deterministic_algorithms,
)
from ._tensor import Size, Tensor
from .autograd import (
    enable_grad,
    inference_mode,
    is_grad_enabled,
    is_inference_mode_enabled,
    no_grad,
    set_grad_enabled,
)
from .creation import (
    arange,
    as_tensor,
    empty,
    empty_like,
    eye,
    from_numpy,
    full,
    full_like,
    linspace,
    ones,
    ones_like,
    rand,
    rand_like,
    randint,
    randn,
    randn_like,
    randperm,
    tensor,
    zeros,
    zeros_like,
)
from .kernels import get_num_threads, set_num_threads
from .ops import *  # noqa: F403  (the op functions: mg.exp, mg.cat, mg.where, ...)
from .random import Generator, get_rng_state, initial_seed, manual_seed, seed, set_rng_state
from .sampling import multinomial, normal
from .tensor_info import (
    finfo,
    get_default_dtype,
    iinfo,
    is_floating_point,
    is_tensor,
    set_default_dtype,
)
from .tensor_types import (
    BoolTensor,
    ByteTensor,
    CharTensor,
    DoubleTensor,
    FloatTensor,
    HalfTensor,
    IntTensor,
    LongTensor,
    ShortTensor,
)

bool = bool_
__version__ = "0.1.0"

# PyTorch's constants (torch.pi, torch.inf, ...): plain Python floats, as there
from math import e, inf, nan, pi  # noqa: E402  (after the dtypes named float and int)

_SUBMODULES = ("amp", "autograd", "backends", "cuda", "data", "distributed", "finetune", "io",
               "kernels", "linalg", "models", "nn", "onnx", "optim", "train", "utils", "viz")


def save(obj: _Any, f: _Any, metadata: _Any = None, **kwargs: _Any) -> None:
    """Save tensors, arrays and nestings of them to a safetensors file or binary file object
    (``torch.save``'s place; never pickles; see ``minigrad.io.save``)."""
    from .io import save as _save

    _save(obj, f, metadata, **kwargs)


def load(f: _Any, map_location: _Any = None, **kwargs: _Any) -> _Any:
    """Load what ``save`` wrote (``torch.load``'s place; never unpickles, whatever
    ``weights_only`` says; see ``minigrad.io.load``)."""
    from .io import load as _load

    return _load(f, map_location, **kwargs)


def compile(fn: _Any = None, *, fullgraph: bool = False, cache_size: int = 8) -> _Any:
    """Record a training step once and replay it as an array program (see
    ``minigrad.compile.compile`` and docs/compile.md)."""
    from .compile import compile as _compile

    return _compile(fn, fullgraph=fullgraph, cache_size=cache_size)


def __getattr__(name: str) -> _Any:
    if name in _SUBMODULES:
        return _import_module(f".{name}", __name__)
    if name == "autocast":  # torch.autocast is torch.amp.autocast
        return _import_module(".amp", __name__).autocast
    raise AttributeError(f"module 'minigrad' has no attribute {name!r}")
