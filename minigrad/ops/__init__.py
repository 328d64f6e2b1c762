"""Every op, grouped by kind; each module holds Function classes (forward and
backward side by side) and the public functions that call them. Importing a
module attaches its functions to ``Tensor`` (the ``@tensor_method`` line above
each one), so every module is imported here."""

from types import ModuleType as _ModuleType

from . import inplace
from .activation import elu, erf, gelu, leaky_relu, relu, sigmoid, silu, softplus, tanh
from .arithmetic import add, div, matmul, mul, neg, pow, sub
from .combining import baddbmm, cartesian_prod, cdist, column_stack, take_along_dim
from .conversion import clone, to
from .counting import bincount, logspace, tril_indices, triu_indices, unique
from .cumulative import cumsum
from .division import floor_divide, fmod, remainder
from .einsum import einsum
from .indexing import gather, getitem, index_select, masked_fill
from .linalg import det, inverse
from .matrix import diag, diff, hstack, meshgrid, movedim, tile, trace, vstack
from .matrix import movedim as moveaxis
from .more_math import (
    addmm,
    atan2,
    cosh,
    cumprod,
    exp2,
    lerp,
    log2,
    reciprocal,
    sinh,
    tan,
)
from .movement import (
    bmm,
    contiguous,
    dot,
    mm,
    mv,
    narrow,
    numel,
    outer,
    roll,
    select,
    unbind,
    view_as,
)
from .nn_softmax import log_softmax, softmax
from .pointwise import (
    abs,
    all,
    allclose,
    any,
    argwhere,
    ceil,
    clamp,
    clip,
    cos,
    eq,
    equal,
    exp,
    floor,
    ge,
    gt,
    isclose,
    isfinite,
    isinf,
    isnan,
    le,
    log,
    log1p,
    logical_and,
    logical_not,
    logical_or,
    logical_xor,
    lt,
    maximum,
    minimum,
    ne,
    nonzero,
    round,
    rsqrt,
    sign,
    sin,
    sqrt,
    square,
    where,
)
from .reduction import (
    amax,
    amin,
    argmax,
    argmin,
    logsumexp,
    max,
    mean,
    min,
    norm,
    prod,
    std,
    sum,
    var,
)
from .scatter import (
    index_add,
    index_fill,
    masked_select,
    scatter,
    scatter_add,
)
from .shape import (
    broadcast_to,
    cat,
    chunk,
    concat,
    concatenate,
    expand,
    flatten,
    flip,
    pad,
    permute,
    repeat,
    reshape,
    split,
    squeeze,
    stack,
    swapaxes,
    swapdims,
    t,
    transpose,
    tril,
    triu,
    unflatten,
    unsqueeze,
    view,
)
from .sorting import argsort, sort, topk
from .statistics import kthvalue, median, mode, quantile

__all__ = [
    name for name, value in globals().items()
    if not name.startswith("_") and not isinstance(value, _ModuleType)
]
