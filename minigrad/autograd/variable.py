"""``Variable``: PyTorch's wrapper from before tensors carried gradients themselves.

Older course material writes ``Variable(x, requires_grad=True)``; since PyTorch 0.4 that
is a plain tensor, and here too.
"""

from __future__ import annotations

from .._tensor import Tensor


def Variable(data: Tensor, requires_grad: bool = False, volatile: bool = False) -> Tensor:
    """A leaf tensor sharing ``data``'s memory, requiring grad if asked (``volatile`` is
    accepted and ignored, as in PyTorch since 0.4).

    >>> import minigrad as mg
    >>> from minigrad.autograd import Variable
    >>> x = Variable(mg.ones(2), requires_grad=True)
    >>> (x * 3).sum().backward(); x.grad
    tensor([3., 3.])
    """
    if not isinstance(data, Tensor):
        raise TypeError(f"Variable: data must be a Tensor, got {type(data).__name__}")
    return data.detach().requires_grad_(requires_grad)
