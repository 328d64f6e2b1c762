"""Shape and movement: reshape, permute, broadcast, repeat, flip, tril/triu, pad,
cat, and the compositions built on them (view, flatten, transpose, squeeze,
unsqueeze, expand, stack, split, chunk)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from .._dtypes import promote
from .._tensor import Tensor, tensor_method
from ..autograd.function import Function
from ..creation import size_arg
from ._args import as_operand, normalize_dims, numpy_aliases, write_out


class Reshape(Function):
    @staticmethod
    def forward(ctx, x, shape):
        ctx.in_shape = x.shape
        try:
            return x.reshape(shape)
        except ValueError:
            raise ValueError(
                f"reshape: shape {tuple(shape)} is invalid for a tensor of shape {x.shape} "
                f"({x.size} elements)"
            ) from None

    @staticmethod
    def backward(ctx, grad):
        return grad.reshape(ctx.in_shape), None


class Permute(Function):
    @staticmethod
    def forward(ctx, x, dims):
        ctx.dims = dims
        return np.transpose(x, dims)

    @staticmethod
    def backward(ctx, grad):
        return ctx.xp.transpose(grad, np.argsort(ctx.dims)), None  # the inverse permutation


class BroadcastTo(Function):
    name = "expand"

    @staticmethod
    def forward(ctx, x, shape):
        try:
            return np.broadcast_to(x, shape)
        except ValueError:
            raise ValueError(f"expand: can't broadcast shape {x.shape} to {tuple(shape)}") from None

    @staticmethod
    def backward(ctx, grad):
        return grad, None  # the engine sums the gradient back to the input's shape


class Repeat(Function):
    @staticmethod
    def forward(ctx, x, repeats):
        if len(repeats) < x.ndim:
            raise ValueError(
                f"repeat: got {len(repeats)} repeat counts for a tensor of {x.ndim} dims "
                f"(shape {x.shape})"
            )
        ctx.padded_shape = (1,) * (len(repeats) - x.ndim) + x.shape
        ctx.repeats = repeats
        return np.tile(x, repeats)

    @staticmethod
    def backward(ctx, grad):
        # view the gradient as (r0, s0, r1, s1, ...) and sum over the repeat axes
        interleaved = []
        for r, s in zip(ctx.repeats, ctx.padded_shape):
            interleaved += [r, s]
        summed = grad.reshape(tuple(interleaved)).sum(axis=tuple(range(0, len(interleaved), 2)))
        return summed, None


class Flip(Function):
    @staticmethod
    def forward(ctx, x, dims):
        ctx.dims = dims
        return np.flip(x, dims)

    @staticmethod
    def backward(ctx, grad):
        return ctx.xp.flip(grad, ctx.dims), None


class Tril(Function):
    @staticmethod
    def forward(ctx, x, diagonal):
        ctx.diagonal = diagonal
        return np.tril(x, diagonal)

    @staticmethod
    def backward(ctx, grad):
        return ctx.xp.tril(grad, ctx.diagonal), None


class Triu(Function):
    @staticmethod
    def forward(ctx, x, diagonal):
        ctx.diagonal = diagonal
        return np.triu(x, diagonal)

    @staticmethod
    def backward(ctx, grad):
        return ctx.xp.triu(grad, ctx.diagonal), None


class Pad(Function):
    @staticmethod
    def forward(ctx, x, widths, value):
        ctx.crop = tuple(slice(lo, lo + n) for (lo, _), n in zip(widths, x.shape))
        return np.pad(x, widths, mode="constant", constant_values=value)

    @staticmethod
    def backward(ctx, grad):
        return grad[ctx.crop], None, None


class Cat(Function):
    @staticmethod
    def forward(ctx, dim, *xs):
        ctx.dim = dim
        ctx.sizes = [x.shape[dim] for x in xs]
        return np.concatenate(xs, axis=dim)

    @staticmethod
    def backward(ctx, grad):
        grads = [None]
        start = 0
        lead = (slice(None),) * ctx.dim
        for size in ctx.sizes:
            grads.append(grad[lead + (slice(start, start + size),)])
            start += size
        return tuple(grads)


@tensor_method("reshape", "view")
def reshape(input: Tensor, *shape: Any) -> Tensor:
    """The same values in a new shape (one dim may be -1).

    >>> import minigrad as mg
    >>> mg.arange(6).reshape(2, 3).shape
    (2, 3)
    """
    return Reshape.apply(input, size_arg(shape, "reshape", wildcard=True))


view = reshape


@tensor_method("flatten")
def flatten(input: Tensor, start_dim: int = 0, end_dim: int = -1) -> Tensor:
    """Merge dims ``start_dim..end_dim`` into one."""
    if input.ndim == 0:
        return reshape(input, (1,))
    start, end = (d % input.ndim for d in (start_dim, end_dim))
    shape = input.shape[:start] + (-1,) + input.shape[end + 1 :]
    if input._array.size == 0:
        shape = input.shape[:start] + (int(np.prod(input.shape[start : end + 1])),) + input.shape[
            end + 1 :
        ]
    return reshape(input, shape)


@tensor_method("unflatten")
@numpy_aliases
def unflatten(input: Tensor, dim: int, sizes: Sequence[int]) -> Tensor:
    """Split dim ``dim`` into ``sizes``."""
    dim = dim % input.ndim
    return reshape(input, input.shape[:dim] + tuple(sizes) + input.shape[dim + 1 :])


@tensor_method("permute")
def permute(input: Tensor, *dims: Any) -> Tensor:
    """Reorder the dims: ``x.permute(2, 0, 1)``."""
    dims = size_arg(dims, "permute", negative_ok=True)
    if sorted(d % max(input.ndim, 1) for d in dims) != list(range(input.ndim)):
        raise ValueError(f"permute: dims {dims} are not a permutation of {input.ndim} dims")
    return Permute.apply(input, tuple(d % input.ndim for d in dims))


@tensor_method("transpose", "swapaxes", "swapdims")
def transpose(input: Tensor, dim0: int, dim1: int) -> Tensor:
    """Swap two dims."""
    if input.ndim < 2 and input.ndim == 0:
        return input
    d0, d1 = normalize_dims(dim0, input.ndim, "transpose")[0], normalize_dims(
        dim1, input.ndim, "transpose"
    )[0]
    dims = list(range(input.ndim))
    dims[d0], dims[d1] = dims[d1], dims[d0]
    return Permute.apply(input, tuple(dims))


swapaxes = swapdims = transpose


@tensor_method("t")
def t(input: Tensor) -> Tensor:
    """Transpose a 1-D or 2-D tensor (``x.T``)."""
    if input.ndim > 2:
        raise ValueError(f"t: expects a tensor with <= 2 dims, got shape {input.shape}; "
                         "use permute or mT")
    return input if input.ndim < 2 else transpose(input, 0, 1)


@tensor_method("squeeze")
@numpy_aliases
def squeeze(input: Tensor, dim: Any = None) -> Tensor:
    """Remove size-1 dims (all of them, or those in ``dim``)."""
    if dim is None:
        return reshape(input, tuple(n for n in input.shape if n != 1))
    dims = normalize_dims(dim, input.ndim, "squeeze") or ()
    return reshape(input, tuple(n for i, n in enumerate(input.shape) if not (i in dims and n == 1)))


@tensor_method("unsqueeze")
@numpy_aliases
def unsqueeze(input: Tensor, dim: int) -> Tensor:
    """Insert a size-1 dim at ``dim``."""
    if not -input.ndim - 1 <= dim <= input.ndim:
        raise IndexError(f"unsqueeze: dim {dim} is out of range for a tensor of {input.ndim} dims")
    dim = dim % (input.ndim + 1)
    return reshape(input, input.shape[:dim] + (1,) + input.shape[dim:])


@tensor_method("broadcast_to")
def broadcast_to(input: Tensor, shape: Sequence[int]) -> Tensor:
    """Broadcast to ``shape`` (NumPy's rules); the gradient sums back."""
    return BroadcastTo.apply(input, tuple(int(n) for n in shape))


@tensor_method("expand")
def expand(input: Tensor, *sizes: Any) -> Tensor:
    """Broadcast to ``sizes``; -1 keeps a dim's size (PyTorch's ``expand``)."""
    sizes = size_arg(sizes, "expand", negative_ok=True)
    lead = len(sizes) - input.ndim
    shape = tuple(
        input.shape[i - lead] if n == -1 and i >= lead else n for i, n in enumerate(sizes)
    )
    if any(n < 0 for n in shape):
        raise RuntimeError(f"expand: invalid size {sizes} for a tensor of shape {input.shape} "
                           "(-1 only keeps an existing dim)")
    return broadcast_to(input, shape)


@tensor_method("expand_as")
def expand_as(input: Tensor, other: Tensor) -> Tensor:
    return broadcast_to(input, other.shape)


@tensor_method("repeat")
def repeat(input: Tensor, *repeats: Any) -> Tensor:
    """Tile the tensor ``repeats[i]`` times along each dim (PyTorch's ``repeat``)."""
    return Repeat.apply(input, size_arg(repeats, "repeat"))


@tensor_method("flip")
def flip(input: Tensor, dims: Any) -> Tensor:
    """Reverse the order along ``dims``."""
    return Flip.apply(input, normalize_dims(dims, input.ndim, "flip"))


@tensor_method("tril")
def tril(input: Tensor, diagonal: int = 0) -> Tensor:
    """Lower triangle of the last two dims (zeros above ``diagonal``)."""
    if input.ndim < 2:
        raise ValueError(f"tril: needs at least 2 dims, got shape {input.shape}")
    return Tril.apply(input, diagonal)


@tensor_method("triu")
def triu(input: Tensor, diagonal: int = 0) -> Tensor:
    """Upper triangle of the last two dims."""
    if input.ndim < 2:
        raise ValueError(f"triu: needs at least 2 dims, got shape {input.shape}")
    return Triu.apply(input, diagonal)


def pad(input: Tensor, pad: Sequence[int], mode: str = "constant", value: float = 0.0) -> Tensor:
    """Constant padding; ``pad`` lists (left, right) pairs starting from the LAST dim,
    as in PyTorch: ``pad(x, (1, 1))`` pads the last dim by one on each side."""
    if mode != "constant":
        raise ValueError(f"pad: only mode='constant' is supported, got {mode!r}")
    if len(pad) % 2 or len(pad) // 2 > input.ndim:
        raise ValueError(f"pad: padding {tuple(pad)} doesn't fit a tensor of shape {input.shape}")
    if any(int(p) < 0 for p in pad):
        raise ValueError(f"pad: negative padding {tuple(pad)} is not supported")
    widths = [(0, 0)] * input.ndim
    for i in range(len(pad) // 2):
        widths[input.ndim - 1 - i] = (int(pad[2 * i]), int(pad[2 * i + 1]))
    return Pad.apply(input, tuple(widths), value)


@numpy_aliases
def cat(tensors: Sequence[Tensor], dim: int = 0, *, out: Tensor | None = None) -> Tensor:
    """Join tensors along an existing dim.

    >>> import minigrad as mg
    >>> mg.cat([mg.zeros(2, 3), mg.ones(1, 3)]).shape
    (3, 3)
    """
    if out is not None:  # PyTorch's out=: compute, then write into out
        return write_out(cat(tensors, dim), out, "cat")
    tensors = [as_operand(t, "cat") for t in tensors]
    if not tensors:
        raise ValueError("cat: expected a non-empty list of tensors")
    first = tensors[0]
    d = normalize_dims(dim, first.ndim, "cat")[0]
    for i, t in enumerate(tensors):
        if t.ndim != first.ndim or any(
            a != b for j, (a, b) in enumerate(zip(t.shape, first.shape)) if j != d
        ):
            shapes = [tuple(x.shape) for x in tensors]
            raise ValueError(
                f"cat: tensor {i} has shape {t.shape}, which doesn't match the others "
                f"except in dim {dim} (shapes: {shapes})"
            )
    dtype = first.dtype
    for t in tensors[1:]:
        dtype = promote(dtype, t.dtype)
    tensors = [t if t.dtype == dtype else t.to(dtype) for t in tensors]
    return Cat.apply(d, *tensors)


concatenate = concat = cat


@numpy_aliases
def stack(tensors: Sequence[Tensor], dim: int = 0, *, out: Tensor | None = None) -> Tensor:
    """Join tensors of equal shape along a new dim."""
    if out is not None:  # PyTorch's out=: compute, then write into out
        return write_out(stack(tensors, dim), out, "stack")
    tensors = list(tensors)
    if not tensors:
        raise ValueError("stack: expected a non-empty list of tensors")
    shapes = {tuple(t.shape) for t in tensors}
    if len(shapes) > 1:
        raise ValueError(f"stack: all tensors must have the same shape, got {sorted(shapes)}")
    return cat([unsqueeze(t, dim) for t in tensors], dim)


@tensor_method("split")
def split(input: Tensor, split_size_or_sections: Any, dim: int = 0) -> tuple[Tensor, ...]:
    """Split into chunks of ``split_size`` (an int) or of the given sizes (a list)."""
    d = normalize_dims(dim, input.ndim, "split")[0]
    length = input.shape[d]
    if isinstance(split_size_or_sections, int):
        if split_size_or_sections <= 0:
            raise ValueError(f"split: split_size must be positive, got {split_size_or_sections}")
        sizes = [split_size_or_sections] * (length // split_size_or_sections)
        if length % split_size_or_sections:
            sizes.append(length % split_size_or_sections)
    else:
        sizes = [int(s) for s in split_size_or_sections]
        if sum(sizes) != length:
            raise ValueError(f"split: sizes {sizes} don't sum to the dim's length {length}")
    lead = (slice(None),) * d
    out = []
    start = 0
    for size in sizes:
        out.append(input[lead + (slice(start, start + size),)])
        start += size
    return tuple(out)


@tensor_method("chunk")
@numpy_aliases
def chunk(input: Tensor, chunks: int, dim: int = 0) -> tuple[Tensor, ...]:
    """Split into ``chunks`` pieces of (nearly) equal size, like PyTorch."""
    if chunks <= 0:
        raise ValueError(f"chunk: chunks must be positive, got {chunks}")
    length = input.shape[normalize_dims(dim, input.ndim, "chunk")[0]]
    size = max(1, -(-length // chunks))
    return split(input, size, dim)


@tensor_method("property:T")
def _reversed_dims(input: Tensor) -> Tensor:
    """``x.T``: all dims in reverse order."""
    return permute(input, tuple(reversed(range(input.ndim))))


@tensor_method("property:mT")
def _matrix_transpose(input: Tensor) -> Tensor:
    """``x.mT``: the last two dims swapped (a batch of transposed matrices)."""
    return transpose(input, -2, -1)
