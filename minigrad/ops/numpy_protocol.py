"""NumPy's dispatch protocols for Tensor (NEP 13 ``__array_ufunc__`` and NEP 18
``__array_function__``).

They let ``np.exp(t)`` or ``np.where(mask, t, 0)`` on a Tensor call minigrad's
differentiable op. That is what makes one backward formula serve both passes:
on arrays in an ordinary backward, on Tensors (recorded) under
``create_graph=True``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from . import arithmetic, pointwise, reduction, shape
from .activation import tanh


def _transpose(x: Any, axes: Any = None) -> Any:
    axes = tuple(reversed(range(x.ndim))) if axes is None else tuple(axes)
    return shape.permute(x, axes)


def _sum(x: Any, axis: Any = None, dtype: Any = None, out: Any = None, keepdims: bool = False,
         **_: Any) -> Any:
    return reduction.sum(x, axis, keepdims)


def _mean(x: Any, axis: Any = None, dtype: Any = None, out: Any = None, keepdims: bool = False,
          **_: Any) -> Any:
    return reduction.mean(x, axis, keepdims)


def _expand_dims(x: Any, axis: int) -> Any:
    return shape.unsqueeze(x, axis)


def _like(fill: float):
    def make(x: Any, dtype: Any = None, **_: Any) -> Any:
        from ..creation import full_like

        return full_like(x, fill, dtype=dtype)

    return make


UFUNCS = {
    np.add: arithmetic.add,
    np.subtract: arithmetic.sub,
    np.multiply: arithmetic.mul,
    np.true_divide: arithmetic.div,
    np.power: arithmetic.pow,
    np.negative: arithmetic.neg,
    np.matmul: arithmetic.matmul,
    np.exp: pointwise.exp,
    np.log: pointwise.log,
    np.log1p: pointwise.log1p,
    np.sqrt: pointwise.sqrt,
    np.sin: pointwise.sin,
    np.cos: pointwise.cos,
    np.tanh: tanh,
    np.absolute: pointwise.abs,
    np.sign: pointwise.sign,
    np.maximum: pointwise.maximum,
    np.minimum: pointwise.minimum,
    np.equal: pointwise.eq,
    np.not_equal: pointwise.ne,
    np.less: pointwise.lt,
    np.less_equal: pointwise.le,
    np.greater: pointwise.gt,
    np.greater_equal: pointwise.ge,
    np.logical_and: pointwise.logical_and,
    np.logical_or: pointwise.logical_or,
    np.logical_not: pointwise.logical_not,
    np.isnan: pointwise.isnan,
    np.isinf: pointwise.isinf,
    np.isfinite: pointwise.isfinite,
}

FUNCTIONS = {
    np.broadcast_to: shape.broadcast_to,
    np.swapaxes: shape.transpose,
    np.transpose: _transpose,
    np.reshape: shape.reshape,
    np.expand_dims: _expand_dims,
    np.squeeze: shape.squeeze,
    np.flip: shape.flip,
    np.tril: shape.tril,
    np.triu: shape.triu,
    np.concatenate: shape.cat,
    np.where: pointwise.where,
    np.sum: _sum,
    np.mean: _mean,
    np.clip: pointwise.clamp,
    np.zeros_like: _like(0.0),
    np.ones_like: _like(1.0),
}


def array_ufunc(self: Any, ufunc: np.ufunc, method: str, *inputs: Any, **kwargs: Any) -> Any:
    op = UFUNCS.get(ufunc)
    if method != "__call__" or op is None or kwargs.get("out") is not None:
        return NotImplemented
    return op(*inputs)


def array_function(self: Any, func: Any, types: Any, args: Any, kwargs: Any) -> Any:
    op = FUNCTIONS.get(func)
    if op is None:
        return NotImplemented
    return op(*args, **kwargs)
