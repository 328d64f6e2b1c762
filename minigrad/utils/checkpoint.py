"""``torch.utils.checkpoint``: ``checkpoint`` and ``checkpoint_sequential``.

PyTorch's checkpointing saves memory by dropping a segment's activations in the forward
pass and recomputing them during backward. minigrad runs the segment once, normally,
and keeps its activations: the result and the gradients are the same as PyTorch's, only
the memory saving (and the recomputation it costs) is absent. The arguments are checked
as PyTorch checks them, so a program written for checkpointing runs unchanged.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

__all__ = ["checkpoint", "checkpoint_sequential"]


def _check_reentrant(use_reentrant: Any, where: str) -> None:
    if use_reentrant is not None and not isinstance(use_reentrant, bool):
        raise TypeError(f"{where}: use_reentrant must be a bool or None, got "
                        f"{type(use_reentrant).__name__}")


def checkpoint(function: Callable[..., Any], *args: Any, use_reentrant: bool | None = None,
               context_fn: Callable[[], Any] | None = None, determinism_check: str = "default",
               debug: bool = False, preserve_rng_state: bool = True, **kwargs: Any) -> Any:
    """``function(*args, **kwargs)``, computed once without recomputation (so without
    PyTorch's memory saving; values and gradients are the same). ``use_reentrant``,
    ``preserve_rng_state``, ``determinism_check``, ``debug`` and ``context_fn`` are
    accepted; keyword arguments to ``function`` need ``use_reentrant=False``, as in
    PyTorch.

    >>> import minigrad as mg
    >>> from minigrad.utils.checkpoint import checkpoint
    >>> x = mg.tensor([1.0, 2.0], requires_grad=True)
    >>> checkpoint(lambda t: (t * t).sum(), x, use_reentrant=False).backward()
    >>> x.grad
    tensor([2., 4.])
    """
    _check_reentrant(use_reentrant, "checkpoint")
    if not callable(function):
        raise TypeError(f"checkpoint: function must be callable, got "
                        f"{type(function).__name__}")
    if use_reentrant is not False and kwargs:
        raise ValueError("Unexpected keyword arguments: " + ",".join(kwargs))
    if use_reentrant and context_fn is not None:
        raise ValueError("Passing `context_fn` or `debug` is only supported when "
                         "use_reentrant=False.")
    if determinism_check not in ("default", "none"):
        raise ValueError(f"determinism_check should be one of ['default', 'none'], but got "
                         f"{determinism_check!r}")
    return function(*args, **kwargs)


def checkpoint_sequential(functions: Any, segments: int, input: Any,
                          use_reentrant: bool | None = None, **kwargs: Any) -> Any:
    """Run ``functions`` (an ``nn.Sequential`` or a list of modules/callables) on
    ``input`` one after another; PyTorch would checkpoint them in ``segments`` chunks,
    minigrad computes them once (see ``checkpoint``).

    >>> import minigrad as mg, minigrad.nn as nn
    >>> model = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2))
    >>> checkpoint_sequential(model, 2, mg.ones(5, 3), use_reentrant=False).shape
    (5, 2)
    """
    _check_reentrant(use_reentrant, "checkpoint_sequential")
    layers: Sequence[Any] = (list(functions.children()) if hasattr(functions, "children")
                             else list(functions))
    if isinstance(segments, bool) or not isinstance(segments, int) or segments < 1:
        raise ValueError(f"checkpoint_sequential: segments must be a positive int, got "
                         f"{segments!r}")
    for layer in layers:
        input = layer(input)
    return input
