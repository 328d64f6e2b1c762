"""einsum: sums of products named by subscripts (``"bij,bjk->bik"``).

The equation is checked and written out in full once (``...`` replaced by letters, the
implicit output made explicit), so the backward is einsum again: the gradient of operand
k is the output's gradient contracted with the other operands, onto k's subscripts.
"""

from __future__ import annotations

import string
from collections import Counter
from typing import Any

import numpy as np

from .._tensor import Tensor
from ..autograd.function import Function
from ._args import tensor_arg


class Einsum(Function):
    @staticmethod
    def forward(ctx, *operands, subscripts, output):
        ctx.subscripts, ctx.output = subscripts, output
        ctx.shapes = [a.shape for a in operands]
        ctx.save_for_backward(*operands)
        equation = ",".join(subscripts) + "->" + output
        return np.einsum(equation, *operands, optimize=len(operands) > 2)

    @staticmethod
    def backward(ctx, grad):
        # d out / d operand_k: the output's gradient times every other operand, summed
        # over whatever k's subscripts do not keep; letters only k had were summed away in
        # forward, so their gradient is the same along them (a broadcast)
        operands = ctx.saved_tensors
        grads = []
        for k, subscript in enumerate(ctx.subscripts):
            if not ctx.needs_input_grad[k]:
                grads.append(None)
                continue
            others = [j for j in range(len(operands)) if j != k]
            known = set(ctx.output).union(*(ctx.subscripts[j] for j in others))
            target = "".join(c for c in subscript if c in known)
            equation = ",".join([ctx.output] + [ctx.subscripts[j] for j in others])
            g = ctx.xp.einsum(equation + "->" + target, grad, *(operands[j] for j in others))
            if target != subscript:
                kept = tuple(n if c in known else 1 for c, n in zip(subscript, ctx.shapes[k]))
                g = ctx.xp.broadcast_to(g.reshape(kept), ctx.shapes[k])
            grads.append(g)
        return tuple(grads)


def _written_out(equation: str, shapes: list[tuple[int, ...]]) -> tuple[list[str], str]:
    """Each operand's subscripts and the output's, with ``...`` replaced by letters."""
    equation = equation.replace(" ", "")
    inputs, arrow, output = equation.partition("->")
    subscripts = inputs.split(",")
    if len(subscripts) != len(shapes):
        raise ValueError(f"einsum: the equation {equation!r} names {len(subscripts)} "
                         f"operand(s), but {len(shapes)} were given")
    for part in subscripts + [output]:
        if any(not (c.isalpha() and c.isascii()) for c in part.replace("...", "")):
            raise ValueError(f"einsum: subscripts must be letters (and '...'), got {part!r} "
                             f"in {equation!r}")
    free = [c for c in string.ascii_letters if c not in equation]
    spans = [len(shape) - len(sub.replace("...", "")) for sub, shape in zip(subscripts, shapes)]
    widest = max([n for n, s in zip(spans, subscripts) if "..." in s], default=0)
    ellipsis = "".join(free[:max(widest, 0)])
    written = []
    for i, (sub, shape, span) in enumerate(zip(subscripts, shapes, spans)):
        if "..." in sub and span >= 0:
            sub = sub.replace("...", ellipsis[len(ellipsis) - span:])
        if len(sub) != len(shape):
            raise ValueError(f"einsum: operand {i} has {len(shape)} dimension(s), but its "
                             f"subscripts {subscripts[i]!r} name {len(sub)}")
        written.append(sub)
    if arrow:
        output = output.replace("...", ellipsis)
    else:  # implicit: the ellipsis, then the letters used once, in alphabetical order
        counts = Counter("".join(written))
        output = ellipsis + "".join(sorted(c for c, n in counts.items()
                                           if n == 1 and c not in ellipsis))
    return written, output


def einsum(equation: str, *operands: Any) -> Tensor:
    """Sum of products of the operands' elements, as ``equation`` names their dimensions
    (NumPy's and PyTorch's notation: ``"ij,jk->ik"`` is a matrix product, ``"ii"`` a
    trace, ``"...ij->...ji"`` a transpose of the last two dims). The operands may also
    come as one list. A letter must have one size wherever it appears (size-1 dimensions
    are not broadcast), and for a gradient no operand may repeat a letter.

    >>> import minigrad as mg
    >>> a, b = mg.tensor([[1.0, 2.0], [3.0, 4.0]]), mg.tensor([1.0, 10.0])
    >>> mg.einsum("ij,j->i", a, b)
    tensor([21., 43.])
    >>> mg.einsum("ij->", a)
    tensor(10.)
    """
    if len(operands) == 1 and isinstance(operands[0], list | tuple):
        operands = tuple(operands[0])
    tensors = [tensor_arg(t, "einsum", f"operand {i}") for i, t in enumerate(operands)]
    subscripts, output = _written_out(equation, [tuple(t.shape) for t in tensors])
    sizes: dict[str, int] = {}
    for sub, t in zip(subscripts, tensors):
        for c, n in zip(sub, t.shape):
            if sizes.setdefault(c, n) != n:
                raise ValueError(f"einsum: subscript {c!r} has size {sizes[c]} in one place "
                                 f"and {n} in another (equation {equation!r}, shapes "
                                 f"{[tuple(t.shape) for t in tensors]})")
        if len(set(sub)) != len(sub) and t.requires_grad:
            raise NotImplementedError(f"einsum: the gradient of an operand that repeats a "
                                      f"subscript ({sub!r}, a diagonal) is not implemented")
    missing = sorted(set(output) - set("".join(subscripts)))
    if missing:
        raise ValueError(f"einsum: the output names {''.join(missing)!r}, which no operand "
                         f"has (equation {equation!r})")
    if len(set(output)) != len(output):
        raise ValueError(f"einsum: the output {output!r} repeats a subscript "
                         f"(equation {equation!r})")
    return Einsum.apply(*tensors, subscripts=subscripts, output=output)
