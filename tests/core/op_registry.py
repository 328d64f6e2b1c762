"""The op registry: one entry per differentiable op, driving the generic tests.

Each entry draws a case with hypothesis: input arrays (float64, inside the op's
domain), the minigrad call, and the NumPy reference. ``test_ops.py`` turns
every entry into forward, gradient (finite differences, float64, every
element), float32, graph-hygiene and second-order checks.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import hypothesis.strategies as st
import numpy as np

import minigrad as mg


@dataclass
class Case:
    inputs: list[np.ndarray]
    fn: Callable[..., Any]  # minigrad: tensors -> tensor
    ref: Callable[..., np.ndarray]  # numpy: arrays -> array
    differentiable: list[bool] | None = None  # which inputs get a gradient check


@dataclass
class OpSpec:
    name: str
    draw: Callable[[Any], Case]  # hypothesis draw -> Case
    second_order: bool = True
    float32_rtol: float = 1e-5
    float32_atol: float = 1e-6
    tags: set[str] = field(default_factory=set)


def shapes(min_dims: int = 0, max_dims: int = 3, min_side: int = 1, max_side: int = 3):
    return st.lists(
        st.integers(min_side, max_side), min_size=min_dims, max_size=max_dims
    ).map(tuple)


def array(draw: Any, shape: tuple[int, ...], lo: float = -2.0, hi: float = 2.0,
          away_from: tuple[float, ...] = ()) -> np.ndarray:
    """Floats in [lo, hi], at least 0.05 from each kink in ``away_from``."""
    seed = draw(st.integers(0, 2**32 - 1))
    values = np.random.default_rng(seed).uniform(lo, hi, shape)
    for kink in away_from:
        near = np.abs(values - kink) < 0.05
        values = np.where(near, kink + 0.1 * np.sign(values - kink + 1e-12), values)
    return values


def distinct(draw: Any, shape: tuple[int, ...]) -> np.ndarray:
    """Values whose pairwise gaps are >= 0.1, so max/min have no ties."""
    n = int(np.prod(shape))
    seed = draw(st.integers(0, 2**32 - 1))
    values = np.random.default_rng(seed).permutation(n) * 0.1 - n * 0.05
    return values.reshape(shape)


def broadcast_pair(draw: Any, max_dims: int = 3) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """Two shapes that broadcast together (size-1 dims and missing leading dims)."""
    full = draw(shapes(0, max_dims))
    def reduce(shape):
        drop = draw(st.integers(0, len(shape)))
        kept = shape[drop:]
        return tuple(1 if draw(st.booleans()) else n for n in kept)
    return (full if draw(st.booleans()) else reduce(full)), reduce(full)


def dims_for(draw: Any, ndim: int) -> Any:
    """None, one dim (maybe negative), or a tuple of dims."""
    if ndim == 0:
        return None
    kind = draw(st.sampled_from(["none", "int", "tuple"]))
    if kind == "none":
        return None
    if kind == "int":
        return draw(st.integers(-ndim, ndim - 1))
    return tuple(sorted(draw(st.sets(st.integers(0, ndim - 1), min_size=1))))


def unary(name: str, fn, ref, lo=-2.0, hi=2.0, away_from=(), **kw) -> OpSpec:
    def draw_case(draw):
        x = array(draw, draw(shapes()), lo, hi, away_from)
        return Case([x], fn, ref)

    return OpSpec(name, draw_case, **kw)


def binary(name: str, fn, ref, a_range=(-2.0, 2.0), b_range=(-2.0, 2.0), b_away=(),
           **kw) -> OpSpec:
    def draw_case(draw):
        sa, sb = broadcast_pair(draw)
        a = array(draw, sa, *a_range)
        b = array(draw, sb, *b_range, away_from=b_away)
        return Case([a, b], fn, ref)

    return OpSpec(name, draw_case, **kw)


def reduction(name: str, fn, ref, values=None, **kw) -> OpSpec:
    def draw_case(draw):
        shape = draw(shapes(0, 3))
        x = values(draw, shape) if values else array(draw, shape)
        dim = dims_for(draw, len(shape))
        keepdim = draw(st.booleans())
        return Case([x], lambda t: fn(t, dim, keepdim), lambda a: ref(a, dim, keepdim))

    return OpSpec(name, draw_case, **kw)


_erf = np.vectorize(math.erf)


def _gelu_ref(x):
    return 0.5 * x * (1 + _erf(x / math.sqrt(2)))


def _gelu_tanh_ref(x):
    return 0.5 * x * (1 + np.tanh(math.sqrt(2 / math.pi) * (x + 0.044715 * x**3)))


# ----------------------------------------------------------------- entries
REGISTRY: list[OpSpec] = [
    # arithmetic
    binary("add", lambda a, b: a + b, np.add),
    binary("sub", lambda a, b: a - b, np.subtract),
    binary("mul", lambda a, b: a * b, np.multiply),
    binary("div", lambda a, b: a / b, np.divide, b_range=(0.5, 2.0)),
    binary("pow", lambda a, b: a ** b, np.power, a_range=(0.5, 2.0)),
    binary("maximum", mg.maximum, np.maximum, b_away=(), tags={"ties"}),
    binary("minimum", mg.minimum, np.minimum, tags={"ties"}),
    unary("neg", lambda x: -x, np.negative),
    unary("abs", lambda x: x.abs(), np.abs, away_from=(0.0,)),
    unary("pow_scalar", lambda x: x ** 3, lambda a: a**3),
    unary("rpow_scalar", lambda x: 2.0 ** x, lambda a: 2.0**a),
    unary("rsub_scalar", lambda x: 1.5 - x, lambda a: 1.5 - a),
    unary("rdiv_scalar", lambda x: 1.5 / x, lambda a: 1.5 / a, lo=0.5, hi=2.0),
    # elementwise
    unary("exp", mg.exp, np.exp),
    unary("log", mg.log, np.log, lo=0.1, hi=3.0),
    unary("log1p", mg.log1p, np.log1p, lo=-0.5, hi=3.0),
    unary("sqrt", mg.sqrt, np.sqrt, lo=0.1, hi=3.0),
    unary("rsqrt", mg.rsqrt, lambda a: 1 / np.sqrt(a), lo=0.1, hi=3.0),
    unary("square", mg.square, np.square),
    unary("sin", mg.sin, np.sin),
    unary("cos", mg.cos, np.cos),
    unary("tanh", mg.tanh, np.tanh),
    unary("sigmoid", mg.sigmoid, lambda a: 1 / (1 + np.exp(-a))),
    unary("relu", mg.relu, lambda a: np.maximum(a, 0), away_from=(0.0,)),
    unary("leaky_relu", lambda x: mg.leaky_relu(x, 0.1),
          lambda a: np.where(a > 0, a, 0.1 * a), away_from=(0.0,)),
    unary("elu", lambda x: mg.elu(x, 0.7), lambda a: np.where(a > 0, a, 0.7 * np.expm1(a)),
          away_from=(0.0,)),
    unary("gelu", mg.gelu, _gelu_ref),
    unary("gelu_tanh", lambda x: mg.gelu(x, approximate="tanh"), _gelu_tanh_ref),
    unary("erf", mg.erf, _erf),
    unary("silu", mg.silu, lambda a: a / (1 + np.exp(-a))),
    unary("softplus", mg.softplus, lambda a: np.log1p(np.exp(a))),
    unary("logsigmoid", lambda x: mg.nn.functional.logsigmoid(x), lambda a: -np.log1p(np.exp(-a)),
          lo=-30.0, hi=30.0, second_order=False),
    unary("softplus_beta", lambda x: mg.softplus(x, beta=2.0, threshold=3.0),
          lambda a: np.where(2 * a > 3, a, np.log1p(np.exp(2 * a)) / 2), away_from=(1.5,)),
    unary("clamp", lambda x: x.clamp(-1.0, 0.5), lambda a: np.clip(a, -1.0, 0.5),
          away_from=(-1.0, 0.5)),
    unary("clamp_min", lambda x: mg.clamp(x, min=0.2), lambda a: np.maximum(a, 0.2),
          away_from=(0.2,)),
    # reductions
    reduction("sum", lambda t, d, k: t.sum(dim=d, keepdim=k),
              lambda a, d, k: np.sum(a, axis=d, keepdims=k)),
    reduction("sum_axis_alias", lambda t, d, k: t.sum(axis=d, keepdims=k),
              lambda a, d, k: np.sum(a, axis=d, keepdims=k)),
    reduction("mean", lambda t, d, k: t.mean(dim=d, keepdim=k),
              lambda a, d, k: np.mean(a, axis=d, keepdims=k)),
    reduction("prod", lambda t, d, k: t.prod(dim=d, keepdim=k),
              lambda a, d, k: np.prod(a, axis=d, keepdims=k)),
    reduction("amax", lambda t, d, k: t.amax(dim=d, keepdim=k),
              lambda a, d, k: np.max(a, axis=d, keepdims=k), values=distinct),
    reduction("amin", lambda t, d, k: t.amin(dim=d, keepdim=k),
              lambda a, d, k: np.min(a, axis=d, keepdims=k), values=distinct),
    reduction("logsumexp", lambda t, d, k: t.logsumexp(dim=d, keepdim=k),
              lambda a, d, k: np.log(np.sum(np.exp(a), axis=d, keepdims=k))),
    reduction("norm", lambda t, d, k: t.norm(dim=d, keepdim=k),
              lambda a, d, k: np.sqrt(np.sum(a * a, axis=d, keepdims=k))),
]


def _reduction_over_two(name, fn, ref, **kw):
    """var/std need at least two elements per reduced group for correction=1."""
    def draw_case(draw):
        shape = draw(shapes(1, 3, min_side=2))
        x = array(draw, shape)
        dim = dims_for(draw, len(shape))
        keepdim = draw(st.booleans())
        return Case([x], lambda t: fn(t, dim, keepdim), lambda a: ref(a, dim, keepdim))

    return OpSpec(name, draw_case, **kw)


REGISTRY += [
    _reduction_over_two("var", lambda t, d, k: t.var(dim=d, keepdim=k),
                        lambda a, d, k: np.var(a, axis=d, keepdims=k, ddof=1)),
    _reduction_over_two("var_biased", lambda t, d, k: t.var(dim=d, keepdim=k, correction=0),
                        lambda a, d, k: np.var(a, axis=d, keepdims=k)),
    _reduction_over_two("std", lambda t, d, k: t.std(dim=d, keepdim=k),
                        lambda a, d, k: np.std(a, axis=d, keepdims=k, ddof=1)),
    _reduction_over_two("std_unbiased_false", lambda t, d, k: t.std(d, False, k),
                        lambda a, d, k: np.std(a, axis=d, keepdims=k)),
]


def _matmul_case(draw):
    kind = draw(st.sampled_from(["1x1", "2x2", "1x2", "2x1", "batched", "batched_bcast",
                                 "nd_1d", "1d_nd"]))
    m, k, n = (draw(st.integers(1, 3)) for _ in range(3))
    batch = draw(shapes(1, 2))
    shapes_by_kind = {
        "1x1": ((k,), (k,)),
        "2x2": ((m, k), (k, n)),
        "1x2": ((k,), (k, n)),
        "2x1": ((m, k), (k,)),
        "batched": (batch + (m, k), batch + (k, n)),
        "batched_bcast": (batch + (m, k), (k, n)),
        "nd_1d": (batch + (m, k), (k,)),
        "1d_nd": ((k,), batch + (k, n)),
    }
    sa, sb = shapes_by_kind[kind]
    if kind == "batched_bcast" and draw(st.booleans()):
        sa, sb = (1,) * len(batch) + (m, k), batch + (k, n)
    return Case([array(draw, sa), array(draw, sb)], lambda a, b: a @ b, np.matmul)


def _where_case(draw):
    sa, sb = broadcast_pair(draw)
    cond_seed = draw(st.integers(0, 1000))
    shape = np.broadcast_shapes(sa, sb)
    cond = np.random.default_rng(cond_seed).random(shape) > 0.5
    return Case([array(draw, sa), array(draw, sb)],
                lambda a, b: mg.where(mg.tensor(cond), a, b),
                lambda a, b: np.where(cond, a, b))


def _shape_case(build):
    """``build(draw, shape) -> (fn, ref)`` over one input of a drawn shape."""
    def draw_case(draw):
        shape = draw(shapes(1, 3))
        fn, ref = build(draw, shape)
        return Case([array(draw, shape)], fn, ref)

    return draw_case


def _reshape(draw, shape):
    target = tuple(reversed(shape)) + (1,)
    return (lambda t: t.reshape(*target)), (lambda a: a.reshape(target))


def _view_minus_one(draw, shape):
    return (lambda t: t.view(-1, shape[-1])), (lambda a: a.reshape(-1, shape[-1]))


def _flatten(draw, shape):
    start = draw(st.integers(0, len(shape) - 1))
    new = shape[:start] + (int(np.prod(shape[start:])),)
    return (lambda t: t.flatten(start)), (lambda a: a.reshape(new))


def _unflatten(draw, shape):
    return (lambda t: t.unflatten(0, (1, shape[0]))), (lambda a: a.reshape((1,) + shape))


def _permute(draw, shape):
    perm = tuple(draw(st.permutations(range(len(shape)))))
    return (lambda t: t.permute(*perm)), (lambda a: np.transpose(a, perm))


def _transpose(draw, shape):
    d0 = draw(st.integers(-len(shape), len(shape) - 1))
    d1 = draw(st.integers(-len(shape), len(shape) - 1))
    return (lambda t: t.transpose(d0, d1)), (lambda a: np.swapaxes(a, d0, d1))


def _swapaxes(draw, shape):
    return (lambda t: mg.swapaxes(t, 0, -1)), (lambda a: np.swapaxes(a, 0, -1))


def _squeeze_unsqueeze(draw, shape):
    d = draw(st.integers(0, len(shape)))
    return (lambda t: t.unsqueeze(d).squeeze(d) * 2.0), (lambda a: a * 2.0)


def _unsqueeze(draw, shape):
    d = draw(st.integers(-len(shape) - 1, len(shape)))
    return (lambda t: t.unsqueeze(d)), (lambda a: np.expand_dims(a, d))


def _squeeze_dim(draw, shape):
    padded = (1,) + shape
    return (lambda t: t.reshape(padded).squeeze(0)), (lambda a: a)


def _expand(draw, shape):
    padded = tuple(1 if i == 0 else n for i, n in enumerate(shape))
    target = (2,) + tuple(3 if i == 0 else -1 for i in range(len(shape)))
    full = (2,) + tuple(3 if i == 0 else n for i, n in enumerate(shape))
    return (lambda t: t[:1].reshape(padded).expand(*target)), (
        lambda a: np.broadcast_to(a[:1].reshape(padded), full)
    )


def _broadcast_to(draw, shape):
    target = (2,) + shape
    return (lambda t: t.broadcast_to(target)), (lambda a: np.broadcast_to(a, target))


def _repeat(draw, shape):
    reps = tuple(draw(st.integers(1, 3)) for _ in range(len(shape) + draw(st.integers(0, 1))))
    return (lambda t: t.repeat(*reps)), (lambda a: np.tile(a, reps))


def _flip(draw, shape):
    dims = tuple(sorted(draw(st.sets(st.integers(0, len(shape) - 1), min_size=1))))
    return (lambda t: t.flip(dims)), (lambda a: np.flip(a, dims))


def _tril(draw, shape):
    k = draw(st.integers(-1, 1))
    s = shape if len(shape) >= 2 else shape + (2,)
    return (lambda t: t.reshape(*s).tril(k) if t.shape == s else t.unsqueeze(-1).expand(
        *s).tril(k)), (lambda a: np.tril(a.reshape(s) if a.shape == s else np.broadcast_to(
            a[..., None], s), k))


def _triu(draw, shape):
    k = draw(st.integers(-1, 1))
    s = shape if len(shape) >= 2 else shape + (2,)
    return (lambda t: t.reshape(*s).triu(k) if t.shape == s else t.unsqueeze(-1).expand(
        *s).triu(k)), (lambda a: np.triu(a.reshape(s) if a.shape == s else np.broadcast_to(
            a[..., None], s), k))


def _pad(draw, shape):
    pads = tuple(draw(st.integers(0, 2)) for _ in range(2 * draw(st.integers(1, len(shape)))))
    widths = [(0, 0)] * len(shape)
    for i in range(len(pads) // 2):
        widths[len(shape) - 1 - i] = (pads[2 * i], pads[2 * i + 1])
    return (lambda t: mg.pad(t, pads, value=0.5)), (
        lambda a: np.pad(a, widths, constant_values=0.5)
    )


def _split(draw, shape):
    size = draw(st.integers(1, 3))
    d = len(shape) - 1
    def ref(a):
        parts = [a.take(range(i, min(i + size, a.shape[d])), axis=d)
                 for i in range(0, a.shape[d], size)]
        return np.concatenate([p * (j + 1) for j, p in enumerate(parts)], axis=d)
    def fn(t):
        parts = t.split(size, dim=d)
        return mg.cat([p * (j + 1) for j, p in enumerate(parts)], dim=d)
    return fn, ref


def _chunk(draw, shape):
    n = draw(st.integers(1, 3))
    def fn(t):
        return mg.cat([p * (j + 1) for j, p in enumerate(t.chunk(n, 0))], 0)
    def ref(a):
        size = -(-a.shape[0] // n)
        parts = [a[i:i + size] for i in range(0, a.shape[0], size)]
        return np.concatenate([p * (j + 1) for j, p in enumerate(parts)], 0)
    return fn, ref


def _cat_case(draw):
    shape = draw(shapes(1, 3))
    d = draw(st.integers(0, len(shape) - 1))
    other = tuple(draw(st.integers(1, 3)) if i == d else n for i, n in enumerate(shape))
    return Case([array(draw, shape), array(draw, other)],
                lambda a, b: mg.cat([a, b, a], dim=d),
                lambda a, b: np.concatenate([a, b, a], axis=d))


def _stack_case(draw):
    shape = draw(shapes(0, 2))
    d = draw(st.integers(0, len(shape)))
    return Case([array(draw, shape), array(draw, shape)],
                lambda a, b: mg.stack([a, b], dim=d),
                lambda a, b: np.stack([a, b], axis=d))


def _index_case(draw):
    shape = draw(shapes(1, 3, min_side=2))
    kind = draw(st.sampled_from(["int", "slice_step", "none_ellipsis", "int_array_repeats",
                                 "bool_mask", "mixed", "negative", "tensor_index"]))
    rng = np.random.default_rng(draw(st.integers(0, 1000)))
    if kind == "int":
        index = (draw(st.integers(-shape[0], shape[0] - 1)),)
    elif kind == "slice_step":
        index = (slice(None, None, 2),) + (slice(1, None),) * (len(shape) - 1)
    elif kind == "none_ellipsis":
        index = (None, Ellipsis, 0)
    elif kind == "int_array_repeats":
        index = (rng.integers(0, shape[0], size=5),)
    elif kind == "bool_mask":
        index = (rng.random(shape) > 0.4,)
    elif kind == "mixed":
        index = (slice(None), rng.integers(0, shape[1], size=(2, 3))) if len(shape) > 1 else (
            rng.integers(0, shape[0], size=(2, 3)),)
    elif kind == "negative":
        index = (np.array([-1, 0, -1]),)
    else:
        index = (mg.tensor(rng.integers(0, shape[0], size=4)),)
    np_index = tuple(i.detach().numpy() if isinstance(i, mg.Tensor) else i for i in index)
    return Case([array(draw, shape)], lambda t: t[index], lambda a: a[np_index])


def _gather_case(draw):
    shape = draw(shapes(1, 3))
    d = draw(st.integers(0, len(shape) - 1))
    rng = np.random.default_rng(draw(st.integers(0, 1000)))
    idx_shape = tuple(draw(st.integers(1, 4)) if i == d else n for i, n in enumerate(shape))
    idx = rng.integers(0, shape[d], size=idx_shape)
    return Case([array(draw, shape)], lambda t: t.gather(d, mg.tensor(idx)),
                lambda a: np.take_along_axis(a, idx, d))


def _index_select_case(draw):
    shape = draw(shapes(1, 3))
    d = draw(st.integers(0, len(shape) - 1))
    idx = np.random.default_rng(draw(st.integers(0, 1000))).integers(0, shape[d], size=4)
    return Case([array(draw, shape)], lambda t: t.index_select(d, mg.tensor(idx)),
                lambda a: np.take(a, idx, axis=d))


def _masked_fill_case(draw):
    shape = draw(shapes(1, 3))
    mask = np.random.default_rng(draw(st.integers(0, 1000))).random(shape[-1:]) > 0.5
    return Case([array(draw, shape)], lambda t: t.masked_fill(mg.tensor(mask), -3.0),
                lambda a: np.where(mask, -3.0, a))


REGISTRY += [
    OpSpec("matmul", _matmul_case),
    OpSpec("where", _where_case),
    OpSpec("reshape", _shape_case(_reshape)),
    OpSpec("view", _shape_case(_view_minus_one)),
    OpSpec("flatten", _shape_case(_flatten)),
    OpSpec("unflatten", _shape_case(_unflatten)),
    OpSpec("permute", _shape_case(_permute)),
    OpSpec("transpose", _shape_case(_transpose)),
    OpSpec("swapaxes", _shape_case(_swapaxes)),
    OpSpec("squeeze_unsqueeze", _shape_case(_squeeze_unsqueeze)),
    OpSpec("unsqueeze", _shape_case(_unsqueeze)),
    OpSpec("squeeze_dim", _shape_case(_squeeze_dim)),
    OpSpec("expand", _shape_case(_expand)),
    OpSpec("broadcast_to", _shape_case(_broadcast_to)),
    OpSpec("repeat", _shape_case(_repeat)),
    OpSpec("flip", _shape_case(_flip)),
    OpSpec("tril", _shape_case(_tril)),
    OpSpec("triu", _shape_case(_triu)),
    OpSpec("pad", _shape_case(_pad)),
    OpSpec("split", _shape_case(_split)),
    OpSpec("chunk", _shape_case(_chunk)),
    OpSpec("cat", _cat_case),
    OpSpec("stack", _stack_case),
    OpSpec("getitem", _index_case),
    OpSpec("gather", _gather_case),
    OpSpec("index_select", _index_select_case),
    OpSpec("masked_fill", _masked_fill_case),
]



# ------------------------------ names the pytorch_style examples reached for (issue 11)
def _cumsum(draw, shape):
    dim = draw(st.integers(-len(shape), len(shape) - 1))
    return (lambda t: t.cumsum(dim)), (lambda a: np.cumsum(a, axis=dim))


def _unbind(draw, shape):
    dim = draw(st.integers(-len(shape), len(shape) - 1))
    # every slice, weighted differently, so a gradient routed to the wrong slice shows
    weights = np.arange(1.0, shape[dim] + 1)

    def fn(t):
        return mg.stack([w * s for w, s in zip(weights, t.unbind(dim))])

    def ref(a):
        return np.stack([w * np.take(a, i, axis=dim) for i, w in enumerate(weights)])

    return fn, ref


def _select(draw, shape):
    dim = draw(st.integers(-len(shape), len(shape) - 1))
    index = draw(st.integers(-shape[dim], shape[dim] - 1))
    return (lambda t: t.select(dim, index)), (lambda a: np.take(a, index, axis=dim))


def _vector_pair_case(op):
    def draw_case(draw):
        n = draw(st.integers(1, 4))
        m = n if op == "dot" else draw(st.integers(1, 4))
        fn = mg.dot if op == "dot" else (lambda a, b: a.outer(b))
        ref = np.dot if op == "dot" else np.outer
        return Case([array(draw, (n,)), array(draw, (m,))], fn, ref)
    return draw_case


EINSUMS = [  # equation, operand shapes (letter sizes drawn per case)
    ("ij,jk->ik", ["ij", "jk"]),
    ("bij,bjk->bik", ["bij", "bjk"]),
    ("ij,kj", ["ij", "kj"]),  # implicit output: "ik"
    ("ij->", ["ij"]),
    ("ij->ji", ["ij"]),
    ("i,j->ij", ["i", "j"]),
    ("ijk,j->i", ["ijk", "j"]),  # k only in the first operand: its gradient broadcasts
    ("...ij,...jk->...ik", ["bij", "jk"]),  # the ellipsis: b in one operand, none in the other
    ("ij,jk,kl->il", ["ij", "jk", "kl"]),
]


def _einsum_case(draw):
    equation, letters = draw(st.sampled_from(EINSUMS))
    sizes = {c: draw(st.integers(1, 3)) for c in "bijkl"}
    inputs = [array(draw, tuple(sizes[c] for c in operand)) for operand in letters]
    return Case(inputs, lambda *ts: mg.einsum(equation, *ts),
                lambda *arrays: np.einsum(equation, *arrays))


def _rounding_case(op):
    # a / b kept 0.1 away from an integer: remainder and fmod jump there
    def draw_case(draw):
        shape = draw(shapes(1, 2))
        b = array(draw, shape, 1.0, 2.0) * draw(st.sampled_from([1.0, -1.0]))
        whole = np.floor(array(draw, shape, -2.0, 3.0))
        a = (whole + array(draw, shape, 0.1, 0.9)) * b
        fn = (lambda x, y: x % y) if op == "remainder" else mg.fmod
        return Case([a, b], fn, np.remainder if op == "remainder" else np.fmod)
    return draw_case


REGISTRY += [
    OpSpec("remainder", _rounding_case("remainder")),
    OpSpec("fmod", _rounding_case("fmod")),
    OpSpec("einsum", _einsum_case),
    OpSpec("cumsum", _shape_case(_cumsum)),
    OpSpec("unbind", _shape_case(_unbind)),
    OpSpec("select", _shape_case(_select)),
    OpSpec("dot", _vector_pair_case("dot")),
    OpSpec("outer", _vector_pair_case("outer")),
]

# ------------------------------------------ PyTorch's further names (issue 11)
def _roll(draw, shape):
    dims = tuple(sorted(draw(st.sets(st.integers(0, len(shape) - 1), min_size=1))))
    shifts = tuple(draw(st.integers(-4, 4)) for _ in dims)
    if draw(st.booleans()):
        return (lambda t: t.roll(shifts, dims)), (lambda a: np.roll(a, shifts, dims))
    return (lambda t: mg.roll(t, shifts[0])), (lambda a: np.roll(a, shifts[0]))


def _narrow(draw, shape):
    dim = draw(st.integers(-len(shape), len(shape) - 1))
    size = shape[dim]
    start = draw(st.integers(0, size - 1))
    length = draw(st.integers(1, size - start))
    index = [slice(None)] * len(shape)
    index[dim] = slice(start, start + length)
    return (lambda t: t.narrow(dim, start, length)), (lambda a: a[tuple(index)])


def _view_as(draw, shape):
    target = (int(np.prod(shape)), 1)
    return (lambda t: t.view_as(mg.zeros(target))), (lambda a: a.reshape(target))


def _sorted_case(op):
    def draw_case(draw):
        shape = draw(shapes(1, 3))
        dim = draw(st.integers(-len(shape), len(shape) - 1))
        flag = draw(st.booleans())
        order = (lambda a: -np.sort(-a, axis=dim)) if flag else (lambda a: np.sort(a, axis=dim))
        if op == "sort":
            return Case([distinct(draw, shape)], lambda t: t.sort(dim, descending=flag).values,
                        order)
        k = draw(st.integers(0, shape[dim]))
        return Case([distinct(draw, shape)], lambda t: mg.topk(t, k, dim, largest=flag).values,
                    lambda a: np.take(order(a), np.arange(k), axis=dim))
    return draw_case


def _mm_case(draw):
    m, k, n = (draw(st.integers(1, 3)) for _ in range(3))
    return Case([array(draw, (m, k)), array(draw, (k, n))], mg.mm, np.matmul)


def _bmm_case(draw):
    b, m, k, n = (draw(st.integers(1, 3)) for _ in range(4))
    return Case([array(draw, (b, m, k)), array(draw, (b, k, n))], lambda x, y: x.bmm(y),
                np.matmul)


def _conv1d_ref(x, w, b, stride, padding, dilation, groups):
    """Windows of the padded signal contracted with the filters, group by group."""
    n, c, _ = x.shape
    f, cg, k = w.shape
    x = np.pad(x, ((0, 0), (0, 0), (padding, padding)))
    windows = np.lib.stride_tricks.sliding_window_view(x, dilation * (k - 1) + 1, axis=2)
    windows = windows[:, :, ::stride, ::dilation]  # (N, C, L_out, k)
    xg = windows.reshape(n, groups, cg, -1, k)
    wg = w.reshape(groups, f // groups, cg, k)
    out = np.einsum("ngclk,gock->ngol", xg, wg).reshape(n, f, -1)
    return out + b.reshape(1, -1, 1)


def _conv1d_case(draw):
    groups = draw(st.integers(1, 2))
    cg, fg, k = (draw(st.integers(1, 2)) for _ in range(3))
    stride, padding, dilation = (draw(st.integers(lo, 2)) for lo in (1, 0, 1))
    length = draw(st.integers(dilation * (k - 1) + 1, 6))
    args = (stride, padding, dilation, groups)
    x = array(draw, (draw(st.integers(1, 2)), cg * groups, length))
    w, b = array(draw, (fg * groups, cg, k)), array(draw, (fg * groups,))
    return Case([x, w, b], lambda a, c, d: mg.nn.functional.conv1d(a, c, d, *args),
                lambda a, c, d: _conv1d_ref(a, c, d, *args))


REGISTRY += [
    OpSpec("conv1d", _conv1d_case, second_order=False),
    OpSpec("roll", _shape_case(_roll)),
    OpSpec("narrow", _shape_case(_narrow)),
    OpSpec("view_as", _shape_case(_view_as)),
    OpSpec("topk", _sorted_case("topk")),
    OpSpec("sort", _sorted_case("sort")),
    OpSpec("mm", _mm_case),
    OpSpec("bmm", _bmm_case),
]

def _sigmoid(a):
    return 1 / (1 + np.exp(-a))


def _lstm_cell_ref(gates, cx):
    i, f, g, o = np.split(gates, 4, axis=-1)
    c = _sigmoid(f) * cx + _sigmoid(i) * np.tanh(g)
    return np.concatenate([_sigmoid(o) * np.tanh(c), c], axis=-1)


def _gru_cell_ref(input_gates, hidden_gates, hx):
    xr, xz, xn = np.split(input_gates, 3, axis=-1)
    hr, hz, hn = np.split(hidden_gates, 3, axis=-1)
    r, z = _sigmoid(xr + hr), _sigmoid(xz + hz)
    n = np.tanh(xn + r * hn)
    return (1 - z) * n + z * hx


def _fused_cell_case(kind):
    from minigrad.ops.nn_rnn import fused_gru_cell, fused_lstm_cell

    def draw_case(draw):
        lead = draw(shapes(0, 2))
        hidden = draw(st.integers(1, 3))
        h = lead + (hidden,)
        if kind == "lstm":
            return Case([array(draw, lead + (4 * hidden,), -3.0, 3.0), array(draw, h)],
                        fused_lstm_cell, _lstm_cell_ref)
        gates = lead + (3 * hidden,)
        return Case([array(draw, gates, -3.0, 3.0), array(draw, gates, -3.0, 3.0),
                     array(draw, h)], fused_gru_cell, _gru_cell_ref)
    return draw_case


REGISTRY += [
    OpSpec("fused_lstm_cell", _fused_cell_case("lstm"), second_order=False),
    OpSpec("fused_gru_cell", _fused_cell_case("gru"), second_order=False),
]


def _sequence_case(kind):
    from minigrad.ops.nn_rnn_sequence import gru_sequence, lstm_sequence, rnn_sequence

    def scan(step, gates, states, reverse):
        outputs = [None] * len(gates)
        for t in (reversed(range(len(gates))) if reverse else range(len(gates))):
            states = step(gates[t], *states)
            outputs[t] = np.concatenate(states, axis=-1)
        return np.stack(outputs)

    def draw_case(draw):
        length, batch, hidden = (draw(st.integers(1, 3)) for _ in range(3))
        reverse = draw(st.booleans())
        gates = {"rnn": 1, "lstm": 4, "gru": 3}[kind] * hidden
        proj = kind == "lstm" and draw(st.booleans())
        size_h = max(1, hidden - 1) if proj else hidden
        inputs = [array(draw, (length, batch, gates), -3.0, 3.0), array(draw, (batch, size_h))]
        if kind == "lstm":
            inputs.append(array(draw, (batch, hidden)))
        inputs += [array(draw, (gates, size_h)), array(draw, (gates,))]
        if kind == "rnn":
            act = draw(st.sampled_from(["tanh", "relu"]))
            def step(g, h, w, b):
                pre = g + h @ w.T + b
                return (np.tanh(pre) if act == "tanh" else np.maximum(pre, 0),)
            def ref(g, h, w, b):
                return scan(lambda gt, h: step(gt, h, w, b), g, (h,), reverse)
            return Case(inputs, lambda g, h, w, b: rnn_sequence(g, h, w, b, act, reverse), ref)
        if kind == "gru":
            def ref(g, h, w, b):
                return scan(lambda gt, h: (_gru_cell_ref(gt, h @ w.T + b, h),), g, (h,), reverse)
            return Case(inputs, lambda g, h, w, b: gru_sequence(g, h, w, b, reverse), ref)
        if proj:
            inputs.append(array(draw, (size_h, hidden)))

        def lstm_step(gt, h, c, w, b, w_hr):
            hc = _lstm_cell_ref(gt + h @ w.T + b, c)
            h_new, c_new = hc[..., :hidden], hc[..., hidden:]
            return (h_new if w_hr is None else h_new @ w_hr.T), c_new

        def ref(g, h, c, w, b, w_hr=None):
            return scan(lambda gt, h, c: lstm_step(gt, h, c, w, b, w_hr), g, (h, c), reverse)

        def fn(g, h, c, w, b, w_hr=None):
            return lstm_sequence(g, h, c, w, b, w_hr, reverse)
        return Case(inputs, fn, ref)
    return draw_case


REGISTRY += [
    OpSpec("rnn_sequence", _sequence_case("rnn"), second_order=False),
    OpSpec("lstm_sequence", _sequence_case("lstm"), second_order=False),
    OpSpec("gru_sequence", _sequence_case("gru"), second_order=False),
]


# ------------------------------------- tensor ops teaching programs use (issue 11, names)
def _atan2_case(draw):
    sa, sb = broadcast_pair(draw)
    return Case([array(draw, sa, away_from=(0.0,)), array(draw, sb, away_from=(0.0,))],
                mg.atan2, np.arctan2)


def _lerp_case(draw):
    shape = draw(shapes(1, 3))
    if draw(st.booleans()):
        w = draw(st.floats(-0.5, 1.5))
        return Case([array(draw, shape), array(draw, shape)], lambda a, b: a.lerp(b, w),
                    lambda a, b: a + w * (b - a))
    return Case([array(draw, shape), array(draw, shape), array(draw, shape[-1:])],
                mg.lerp, lambda a, b, w: a + w * (b - a))


def _addmm_case(draw):
    n, m, p = (draw(st.integers(1, 4)) for _ in range(3))
    beta, alpha = draw(st.sampled_from([1, 0.5])), draw(st.sampled_from([1, -2.0]))
    bias = (p,) if draw(st.booleans()) else (n, p)
    return Case([array(draw, bias), array(draw, (n, m)), array(draw, (m, p))],
                lambda c, a, b: mg.addmm(c, a, b, beta=beta, alpha=alpha),
                lambda c, a, b: beta * c + alpha * (a @ b))


def _cumprod(draw, shape):
    dim = draw(st.integers(-len(shape), len(shape) - 1))
    return (lambda t: t.cumprod(dim)), (lambda a: np.cumprod(a, axis=dim))


def _diag_case(draw):
    k = draw(st.integers(-2, 2))
    if draw(st.booleans()):
        return Case([array(draw, (draw(st.integers(1, 4)),))], lambda t: mg.diag(t, k),
                    lambda a: np.diag(a, k))
    shape = (draw(st.integers(1, 4)), draw(st.integers(1, 4)))
    return Case([array(draw, shape)], lambda t: t.diag(k), lambda a: np.diag(a, k).copy())


def _trace_case(draw):
    shape = (draw(st.integers(1, 4)), draw(st.integers(1, 4)))
    return Case([array(draw, shape)], mg.trace, lambda a: np.asarray(np.trace(a)))


def _diff(draw, shape):
    dim = draw(st.integers(-len(shape), len(shape) - 1))
    n = draw(st.integers(0, 2))
    return (lambda t: t.diff(n, dim)), (lambda a: np.diff(a, n, axis=dim))


def _diff_prepend_case(draw):
    shape = draw(shapes(1, 3))
    edge = shape[:-1] + (1,)
    return Case([array(draw, shape), array(draw, edge), array(draw, edge)],
                lambda t, p, q: mg.diff(t, prepend=p, append=q),
                lambda a, p, q: np.diff(a, prepend=p, append=q))


def _movedim(draw, shape):
    src = draw(st.integers(-len(shape), len(shape) - 1))
    dst = draw(st.integers(-len(shape), len(shape) - 1))
    return (lambda t: t.movedim(src, dst)), (lambda a: np.moveaxis(a, src, dst))


def _tile(draw, shape):
    reps = tuple(draw(st.integers(1, 3)) for _ in range(draw(st.integers(1, 4))))
    return (lambda t: t.tile(reps)), (lambda a: np.tile(a, reps))


def _stack_pair_case(op):
    def draw_case(draw):
        shape = draw(shapes(1, 3))
        grow = 0 if op == "vstack" or len(shape) == 1 else 1
        other = tuple(n + 1 if i == grow else n for i, n in enumerate(shape))
        if op == "vstack" and len(shape) == 1:
            other = shape
        fn = getattr(mg, op)
        ref = getattr(np, op)
        return Case([array(draw, shape), array(draw, other)], lambda a, b: fn([a, b]),
                    lambda a, b: ref([a, b]))
    return draw_case


def _meshgrid_case(draw):
    indexing = draw(st.sampled_from(["ij", "xy"]))
    a, b = array(draw, (draw(st.integers(1, 4)),)), array(draw, (draw(st.integers(1, 4)),))
    weights = (1.0, 2.0)  # tells the two grids apart

    def fn(x, y):
        return mg.stack([g * w for g, w in zip(mg.meshgrid(x, y, indexing=indexing), weights)])

    def ref(x, y):
        return np.stack([g * w for g, w in zip(np.meshgrid(x, y, indexing=indexing), weights)])
    return Case([a, b], fn, ref)


def _scatter_index(draw, shape, d, unique):
    """An index of ``shape`` with a drawn length along ``d``; without repeats along ``d``
    when ``unique`` (scatter's result is then defined)."""
    rng = np.random.default_rng(draw(st.integers(0, 1000)))
    k = draw(st.integers(1, shape[d]))
    if unique:
        return np.take(np.argsort(rng.random(shape), axis=d), np.arange(k), axis=d)
    size = tuple(k if i == d else n for i, n in enumerate(shape))
    return rng.integers(0, shape[d], size=size)


def _scatter_ref(a, d, idx, src, add):
    out = a.copy()
    for pos in np.ndindex(*idx.shape):
        target = list(pos)
        target[d] = idx[pos]
        if add:
            out[tuple(target)] += src[pos]
        else:
            out[tuple(target)] = src[pos]
    return out


def _scatter_case(op):
    def draw_case(draw):
        shape = draw(shapes(1, 3))
        d = draw(st.integers(0, len(shape) - 1))
        add = op.startswith("scatter_add")
        idx = _scatter_index(draw, shape, d, unique=not add)
        src_shape = tuple(n + draw(st.integers(0, 1)) for n in idx.shape)
        index = mg.tensor(idx)
        if op == "scatter_value":
            return Case([array(draw, shape)], lambda t: t.scatter(d, index, value=-1.5),
                        lambda a: _scatter_ref(a, d, idx, np.full(idx.shape, -1.5), False))
        if op == "scatter_add_":
            def fn(t, s):
                return (t * 1).scatter_add_(d, index, s)
        else:
            def fn(t, s):
                return getattr(t, op)(d, index, s)

        def ref(a, s):
            return _scatter_ref(a, d, idx, s[tuple(slice(0, n) for n in idx.shape)], add)
        return Case([array(draw, shape), array(draw, src_shape)], fn, ref)
    return draw_case


def _index_add_case(inplace):
    def draw_case(draw):
        shape = draw(shapes(1, 3))
        d = draw(st.integers(0, len(shape) - 1))
        idx = np.random.default_rng(draw(st.integers(0, 1000))).integers(0, shape[d], size=3)
        alpha = draw(st.sampled_from([1, -0.5]))
        source = tuple(3 if i == d else n for i, n in enumerate(shape))

        def fn(t, s):
            if inplace:
                return (t * 1).index_add_(d, mg.tensor(idx), s, alpha=alpha)
            return mg.index_add(t, d, mg.tensor(idx), s, alpha=alpha)

        def ref(a, s):
            out = a.copy()
            for i, j in enumerate(idx):
                target = [slice(None)] * len(shape)
                target[d] = j
                out[tuple(target)] += alpha * np.take(s, i, axis=d)
            return out
        return Case([array(draw, shape), array(draw, source)], fn, ref)
    return draw_case


def _index_fill_case(draw):
    shape = draw(shapes(1, 3))
    d = draw(st.integers(0, len(shape) - 1))
    idx = np.random.default_rng(draw(st.integers(0, 1000))).integers(0, shape[d], size=2)

    def ref(a, v):
        out = a.copy()
        target = [slice(None)] * len(shape)
        target[d] = idx
        out[tuple(target)] = v
        return out
    if draw(st.booleans()):  # a 0-dim tensor value gets the gradient of every filled slot
        return Case([array(draw, shape), array(draw, ())],
                    lambda t, v: (t * 1).index_fill_(d, mg.tensor(idx), v), ref)
    return Case([array(draw, shape)], lambda t: t.index_fill(d, mg.tensor(idx), 2.5),
                lambda a: ref(a, 2.5))


def _masked_select_case(draw):
    shape = draw(shapes(1, 3))
    mask = np.random.default_rng(draw(st.integers(0, 1000))).random(shape[-1:]) > 0.5
    return Case([array(draw, shape)], lambda t: t.masked_select(mg.tensor(mask)),
                lambda a: a[np.broadcast_to(mask, a.shape)])


def _triangle_(draw, shape):
    k = draw(st.integers(-1, 1))
    if len(shape) < 2:
        shape = shape + (1,)
    upper = draw(st.booleans())

    def fn(t):
        t = t.reshape(shape).clone()
        return t.triu_(k) if upper else t.tril_(k)
    return fn, (lambda a: (np.triu if upper else np.tril)(a.reshape(shape), k))


def _prelu_case(draw):
    shape = draw(shapes(2, 4))
    per_channel = draw(st.booleans())
    slopes = shape[1] if per_channel else 1
    view = (1, slopes) + (1,) * (len(shape) - 2)
    return Case([array(draw, shape, away_from=(0.0,)), array(draw, (slopes,), 0.0, 1.0)],
                mg.nn.functional.prelu,
                lambda x, w: np.where(x >= 0, x, w.reshape(view) * x))


def _kl_div_case(draw):
    shape = draw(shapes(1, 3))
    reduction = draw(st.sampled_from(["none", "batchmean", "sum", "mean"]))
    log_target = draw(st.booleans())
    target = array(draw, shape) if log_target else array(draw, shape, 0.1, 1.0)

    def ref(x, t):
        pointwise = np.exp(t) * (t - x) if log_target else t * (np.log(t) - x)
        if reduction == "none":
            return pointwise
        if reduction == "sum":
            return np.asarray(pointwise.sum())
        if reduction == "mean":
            return np.asarray(pointwise.mean())
        return np.asarray(pointwise.sum() / shape[0])
    return Case([array(draw, shape), target],
                lambda x, t: mg.nn.functional.kl_div(x, t, reduction=reduction,
                                                     log_target=log_target), ref)


def _pairwise_distance_case(draw):
    shape = draw(shapes(1, 3))
    p = draw(st.sampled_from([2.0, 3.0]))
    keepdim = draw(st.booleans())
    a = array(draw, shape)
    gap = array(draw, shape, 0.3, 1.5) * np.where(array(draw, shape) > 0, 1.0, -1.0)
    return Case([a, a - gap],  # never equal: the norm has a kink at 0
                lambda a, b: mg.nn.functional.pairwise_distance(a, b, p, keepdim=keepdim),
                lambda a, b: np.linalg.norm(a - b + 1e-6, ord=p, axis=-1, keepdims=keepdim))


def _adaptive_pool_ref(x, oh, ow):
    h, w = x.shape[-2:]
    out = np.empty(x.shape[:-2] + (oh, ow))
    for i in range(oh):
        for j in range(ow):
            rows = slice(i * h // oh, -(-(i + 1) * h // oh))
            cols = slice(j * w // ow, -(-(j + 1) * w // ow))
            out[..., i, j] = x[..., rows, cols].mean((-2, -1))
    return out


def _adaptive_avg_pool2d_case(draw):
    shape = (draw(st.integers(1, 2)), draw(st.integers(1, 2)), draw(st.integers(1, 5)),
             draw(st.integers(1, 5)))
    oh, ow = draw(st.integers(1, shape[2])), draw(st.integers(1, shape[3]))
    return Case([array(draw, shape)],
                lambda x: mg.nn.functional.adaptive_avg_pool2d(x, (oh, ow)),
                lambda x: _adaptive_pool_ref(x, oh, ow))


def _group_norm_case(draw):
    groups = draw(st.integers(1, 3))
    shape = (draw(st.integers(1, 3)), groups * draw(st.integers(1, 2))) + draw(shapes(0, 2, 2))
    c = shape[1]
    view = (1, c) + (1,) * (len(shape) - 2)

    def ref(x, w, b):
        g = x.reshape(shape[0], groups, -1)
        y = (g - g.mean(-1, keepdims=True)) / np.sqrt(g.var(-1, keepdims=True) + 1e-5)
        return y.reshape(shape) * w.reshape(view) + b.reshape(view)
    return Case([array(draw, shape), array(draw, (c,)), array(draw, (c,))],
                lambda x, w, b: mg.nn.functional.group_norm(x, groups, w, b), ref)


REGISTRY += [
    unary("tan", mg.tan, np.tan, -1.2, 1.2),
    unary("sinh", lambda t: t.sinh(), np.sinh),
    unary("cosh", mg.cosh, np.cosh),
    OpSpec("atan2", _atan2_case),
    unary("reciprocal", lambda t: t.reciprocal(), np.reciprocal, 0.3, 2.0),
    unary("log2", mg.log2, np.log2, 0.3, 3.0),
    unary("exp2", lambda t: t.exp2(), np.exp2),
    OpSpec("lerp", _lerp_case),
    OpSpec("addmm", _addmm_case),
    OpSpec("cumprod", _shape_case(_cumprod)),
    OpSpec("diag", _diag_case),
    OpSpec("trace", _trace_case),
    OpSpec("diff", _shape_case(_diff)),
    OpSpec("diff_prepend_append", _diff_prepend_case),
    OpSpec("movedim", _shape_case(_movedim)),
    OpSpec("tile", _shape_case(_tile)),
    OpSpec("hstack", _stack_pair_case("hstack")),
    OpSpec("vstack", _stack_pair_case("vstack")),
    OpSpec("meshgrid", _meshgrid_case),
    OpSpec("scatter", _scatter_case("scatter")),
    OpSpec("scatter_value", _scatter_case("scatter_value")),
    OpSpec("scatter_add", _scatter_case("scatter_add")),
    OpSpec("scatter_add_", _scatter_case("scatter_add_")),
    OpSpec("index_add", _index_add_case(False)),
    OpSpec("index_add_", _index_add_case(True)),
    OpSpec("index_fill", _index_fill_case),
    OpSpec("masked_select", _masked_select_case),
    OpSpec("triu_tril_", _shape_case(_triangle_)),
    unary("hardtanh", lambda t: mg.nn.functional.hardtanh(t, -1.0, 1.5),
          lambda a: np.clip(a, -1.0, 1.5), away_from=(-1.0, 1.5)),
    OpSpec("prelu", _prelu_case),
    unary("mish", mg.nn.functional.mish, lambda a: a * np.tanh(np.log1p(np.exp(a)))),
    OpSpec("kl_div", _kl_div_case),
    OpSpec("pairwise_distance", _pairwise_distance_case),
    OpSpec("adaptive_avg_pool2d", _adaptive_avg_pool2d_case),
    OpSpec("group_norm", _group_norm_case, float32_rtol=1e-4, float32_atol=1e-4),
]


# median, kthvalue, mode, quantile, take_along_dim, column_stack, baddbmm, cartesian_prod,
# cdist (ops/statistics.py, ops/combining.py), linalg (ops/linalg.py), interpolate and
# bilinear (ops/nn_resize.py)
def _median_case(draw):
    shape = draw(shapes(1, 3))
    dim = draw(st.integers(-len(shape), len(shape) - 1))
    keepdim = draw(st.booleans())
    if draw(st.booleans()):
        return Case([distinct(draw, shape)], mg.median,
                    lambda a: np.sort(a.reshape(-1))[(a.size - 1) // 2])
    return Case([distinct(draw, shape)],
                lambda t: mg.median(t, dim, keepdim=keepdim).values,
                lambda a: np.take(np.sort(a, axis=dim), [(a.shape[dim] - 1) // 2],
                                  axis=dim).reshape(
                    mg.median(mg.tensor(a), dim, keepdim).values.shape))


def _kthvalue_case(draw):
    shape = draw(shapes(1, 3))
    dim = draw(st.integers(-len(shape), len(shape) - 1))
    k = draw(st.integers(1, shape[dim]))
    return Case([distinct(draw, shape)], lambda t: t.kthvalue(k, dim, keepdim=True).values,
                lambda a: np.take(np.sort(a, axis=dim), [k - 1], axis=dim))


def _mode_case(draw):
    shape = draw(shapes(1, 3))
    return Case([distinct(draw, shape)], lambda t: mg.mode(t, -1).values,
                lambda a: np.min(a, axis=-1))  # all counts 1: the smallest value


def _quantile_case(draw):
    shape = draw(shapes(1, 3))
    dim = draw(st.sampled_from([None, *range(len(shape))]))
    q = draw(st.sampled_from([0.3, 0.5, [0.1, 0.75]]))
    method = draw(st.sampled_from(["linear", "lower", "higher", "midpoint", "nearest"]))
    keepdim = draw(st.booleans())
    return Case([distinct(draw, shape)],
                lambda t: mg.quantile(t, mg.tensor(q, dtype=t.dtype) if isinstance(q, list) else q,
                                      dim, keepdim, interpolation=method),
                lambda a: np.quantile(a, q, axis=dim, keepdims=keepdim, method=method))


def _take_along_dim_case(draw):
    shape = draw(shapes(2, 3))
    dim = draw(st.integers(0, len(shape) - 1))
    seed = draw(st.integers(0, 2**32 - 1))
    idx_shape = tuple(draw(st.integers(1, 3)) if i == dim else
                      draw(st.sampled_from([1, s])) for i, s in enumerate(shape))
    idx = np.random.default_rng(seed).integers(0, shape[dim], idx_shape)
    return Case([array(draw, shape)], lambda t: mg.take_along_dim(t, mg.tensor(idx), dim),
                lambda a: np.take_along_axis(
                    a, np.broadcast_to(idx, np.broadcast_shapes(
                        a.shape[:dim] + (1,) + a.shape[dim + 1:],
                        idx.shape)), axis=dim))


def _column_stack_case(draw):
    n = draw(st.integers(1, 3))
    return Case([array(draw, (n,)), array(draw, (n, 2))],
                lambda a, b: mg.column_stack([a, b]), lambda a, b: np.column_stack([a, b]))


def _baddbmm_case(draw):
    b, n, m, p = (draw(st.integers(1, 3)) for _ in range(4))
    beta, alpha = draw(st.sampled_from([(1, 1), (0.5, -2.0)]))
    return Case([array(draw, (n, p)), array(draw, (b, n, m)), array(draw, (b, m, p))],
                lambda i, x, y: mg.baddbmm(i, x, y, beta=beta, alpha=alpha),
                lambda i, x, y: beta * i + alpha * (x @ y))


def _cartesian_prod_case(draw):
    sizes = [draw(st.integers(1, 3)) for _ in range(draw(st.integers(2, 3)))]
    return Case([array(draw, (s,)) for s in sizes], mg.cartesian_prod,
                lambda *a: np.stack([g.reshape(-1) for g in np.meshgrid(*a, indexing="ij")],
                                    axis=1))


def _cdist_case(draw):
    p = draw(st.sampled_from([1.0, 2.0, 3.0, float("inf")]))
    batch = draw(st.sampled_from([(), (2,)]))
    m = draw(st.integers(1, 3))
    a = array(draw, batch + (draw(st.integers(1, 3)), m))  # independent uniform draws: no
    b = array(draw, batch + (draw(st.integers(1, 3)), m))  # zero differences, no ties
    return Case([a, b], lambda x, y: mg.cdist(x, y, p),
                lambda x, y: np.linalg.norm(x[..., :, None, :] - y[..., None, :, :], ord=p,
                                            axis=-1))


def _well_conditioned(draw, batch=()):
    n = draw(st.integers(1, 3))
    return array(draw, batch + (n, n)) + 4.0 * np.eye(n)


def _inv_case(draw):
    batch = draw(st.sampled_from([(), (2,)]))
    fn = draw(st.sampled_from([mg.linalg.inv, mg.inverse]))
    return Case([_well_conditioned(draw, batch)], fn, np.linalg.inv)


def _det_case(draw):
    batch = draw(st.sampled_from([(), (2,)]))
    fn = draw(st.sampled_from([mg.linalg.det, mg.det, lambda t: t.det()]))
    return Case([_well_conditioned(draw, batch)], fn, np.linalg.det)


def _solve_case(draw):
    a = _well_conditioned(draw)
    n = a.shape[0]
    form = draw(st.sampled_from(["vector", "matrix", "right"]))
    b = array(draw, (n,) if form == "vector" else (n, 2) if form == "matrix" else (2, n))
    if form == "right":
        return Case([a, b], lambda x, y: mg.linalg.solve(x, y, left=False),
                    lambda x, y: np.linalg.solve(x.T, y.T).T)
    return Case([a, b], mg.linalg.solve, np.linalg.solve)


def _vector_norm_case(draw):
    shape = draw(shapes(1, 3))
    ord = draw(st.sampled_from([1, 2, 3.5, float("inf"), float("-inf")]))
    dim = draw(st.sampled_from([None, -1]))
    keepdim = draw(st.booleans())
    flat = dim is None
    return Case([array(draw, shape, away_from=(0.0,))],  # no kinks of |x|; ties unlikely
                lambda t: mg.linalg.vector_norm(t, ord, dim, keepdim),
                lambda a: np.linalg.norm(a.reshape(-1) if flat else a, ord,
                                         None if flat else dim,
                                         keepdims=keepdim).reshape(
                    (1,) * a.ndim if flat and keepdim else
                    np.linalg.norm(a.reshape(-1) if flat else a, ord, None if flat else dim,
                                   keepdims=keepdim).shape))


def _matrix_norm_case(draw):
    shape = draw(shapes(2, 3))
    ord = draw(st.sampled_from(["fro", 1, -1, float("inf"), float("-inf")]))
    keepdim = draw(st.booleans())
    fn = draw(st.sampled_from(["matrix_norm", "norm"]))
    return Case([array(draw, shape, away_from=(0.0,))],  # no kinks of |x|; ties unlikely
                lambda t: getattr(mg.linalg, fn)(t, ord, (-2, -1), keepdim),
                lambda a: np.linalg.norm(a, ord, (-2, -1), keepdims=keepdim))


def _resize_ref(a, sizes, mode, align_corners):
    """Direct NumPy resize: every output pixel from its (up to 4) source pixels."""
    spatial = a.shape[2:]
    out = np.zeros(a.shape[:2] + tuple(sizes))
    for pos in np.ndindex(*sizes):
        corners = [[]]
        for n, o, d in zip(spatial, sizes, pos):
            if mode == "nearest":
                src = min(int(np.floor(d * n / o)), n - 1)
                corners = [c + [(src, 1.0)] for c in corners]
                continue
            if align_corners:
                src = d * (n - 1) / (o - 1) if o > 1 else 0.0
            else:
                src = max((d + 0.5) * n / o - 0.5, 0.0)
            lo = min(int(np.floor(src)), n - 1)
            hi, w = min(lo + 1, n - 1), src - lo
            corners = [c + [(lo, 1 - w)] for c in corners] + [c + [(hi, w)] for c in corners]
        for c in corners:
            idx = tuple(i for i, _ in c)
            out[(...,) + pos] += np.prod([w for _, w in c]) * a[(...,) + idx]
    return out


def _interpolate_case(draw):
    mode = draw(st.sampled_from(["nearest", "linear", "bilinear"]))
    spatial = 1 if mode == "linear" else 2 if mode == "bilinear" else draw(st.integers(1, 2))
    shape = (draw(st.integers(1, 2)), draw(st.integers(1, 2))) + tuple(
        draw(st.integers(1, 4)) for _ in range(spatial))
    sizes = [draw(st.integers(1, 5)) for _ in range(spatial)]
    corners = None if mode == "nearest" else draw(st.booleans())
    return Case([array(draw, shape)],
                lambda t: mg.nn.functional.interpolate(t, size=sizes, mode=mode,
                                                       align_corners=corners),
                lambda a: _resize_ref(a, sizes, mode, corners))


def _bilinear_case(draw):
    n, i, j, o = (draw(st.integers(1, 3)) for _ in range(4))
    with_bias = draw(st.booleans())
    inputs = [array(draw, (n, i)), array(draw, (n, j)), array(draw, (o, i, j))]
    if with_bias:
        inputs.append(array(draw, (o,)))
    return Case(inputs, mg.nn.functional.bilinear,
                lambda x, y, w, *b: np.einsum("ni,oij,nj->no", x, w, y) + (b[0] if b else 0))


REGISTRY += [
    OpSpec("median", _median_case),
    OpSpec("kthvalue", _kthvalue_case),
    OpSpec("mode", _mode_case),
    OpSpec("quantile", _quantile_case),
    OpSpec("take_along_dim", _take_along_dim_case),
    OpSpec("column_stack", _column_stack_case),
    OpSpec("baddbmm", _baddbmm_case),
    OpSpec("cartesian_prod", _cartesian_prod_case),
    OpSpec("cdist", _cdist_case),
    OpSpec("linalg_inv", _inv_case),
    OpSpec("linalg_det", _det_case, second_order=False),
    OpSpec("linalg_solve", _solve_case),
    OpSpec("linalg_vector_norm", _vector_norm_case),
    OpSpec("linalg_matrix_norm", _matrix_norm_case),
    OpSpec("interpolate", _interpolate_case),
    OpSpec("bilinear", _bilinear_case),
]


SPECS = {spec.name: spec for spec in REGISTRY}
