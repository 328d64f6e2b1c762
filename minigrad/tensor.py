"""``Tensor``: an n-dimensional array that remembers how it was computed.

The values live in a NumPy array (``.data``); ``grad_fn`` points at the
recorded operation that produced the tensor, and ``backward()`` fills the
``.grad`` of every leaf that requires grad. Operators and math methods are
bound in ``minigrad/_tensor_methods.py``; this file holds the tensor itself.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import numpy as np

from . import _dtypes
from .autograd import function as _function_module
from .autograd.engine import run_backward
from .autograd.grad_mode import _state
from .sparse import SparseGrad, accumulate_sparse


class Tensor:
    """An array with autograd. Build one with ``mg.tensor(...)`` or a factory.

    >>> import minigrad as mg
    >>> x = mg.tensor([1.0, 2.0, 3.0], requires_grad=True)
    >>> (x * x).sum().backward()
    >>> x.grad
    tensor([2., 4., 6.])
    """

    __slots__ = ("data", "grad", "grad_fn", "_requires_grad", "_version", "_hooks", "__weakref__")
    __array_priority__ = 1000

    def __init__(self, data: Any, requires_grad: bool = False) -> None:
        from .creation import _as_array

        self.data = data if type(data) is np.ndarray else _as_array(data, None, "Tensor")
        self.grad: Tensor | None = None
        self.grad_fn = None
        self._requires_grad = False
        self._version = 0
        self._hooks: list[Callable[[Any], Any]] | None = None
        if requires_grad:
            self.requires_grad = True

    @classmethod
    def _make(cls, data: np.ndarray, requires_grad: bool, grad_fn: Any) -> Tensor:
        """Wrap ``data`` without checks or copies (the ops' fast path)."""
        t = object.__new__(cls)
        t.data = data
        t.grad = None
        t.grad_fn = grad_fn
        t._requires_grad = requires_grad
        t._version = 0
        t._hooks = None
        return t

    # ----------------------------------------------------------- attributes
    @property
    def requires_grad(self) -> bool:
        """Whether backward computes a gradient for this tensor."""
        return self._requires_grad

    @requires_grad.setter
    def requires_grad(self, value: bool) -> None:
        if value and self.data.dtype.kind != "f":
            raise RuntimeError(
                f"only floating-point tensors can require gradients, got dtype {self.data.dtype}"
            )
        if not value and self.grad_fn is not None:
            raise RuntimeError(
                "requires_grad can only be turned off on leaf tensors; use detach() instead"
            )
        self._requires_grad = bool(value)

    @property
    def shape(self) -> tuple[int, ...]:
        return self.data.shape

    @property
    def dtype(self) -> np.dtype:
        return self.data.dtype

    @property
    def ndim(self) -> int:
        return self.data.ndim

    @property
    def is_leaf(self) -> bool:
        """True for tensors not produced by a recorded op (their ``.grad`` gets filled)."""
        return self.grad_fn is None

    is_sparse = False  # see minigrad/sparse.py for the gradients that are

    @property
    def device(self) -> str:
        return "cpu"

    def size(self, dim: int | None = None) -> tuple[int, ...] | int:
        """The shape, or the length of dimension ``dim``."""
        return self.data.shape if dim is None else self.data.shape[dim]

    def numel(self) -> int:
        """Number of elements."""
        return int(self.data.size)

    def dim(self) -> int:
        return self.data.ndim

    def element_size(self) -> int:
        return self.data.itemsize

    def is_floating_point(self) -> bool:
        return self.data.dtype.kind == "f"

    # ---------------------------------------------------------- conversion
    def item(self) -> float | int | bool:
        """The value of a one-element tensor as a Python number."""
        if self.data.size != 1:
            raise ValueError(
                f"item(): only one-element tensors can be converted to a Python number, "
                f"got shape {self.shape}"
            )
        return self.data.reshape(()).item()

    def numpy(self, force: bool = False) -> np.ndarray:
        """The underlying array, sharing memory with the tensor.

        Refuses a tensor that requires grad (as PyTorch does) unless
        ``force=True``, which is the zero-copy way to reach the values of any
        tensor, parameters included.
        """
        if self._requires_grad and not force:
            raise RuntimeError(
                "Can't call numpy() on a tensor that requires grad. Use tensor.detach().numpy()"
            )
        return self.data

    def tolist(self) -> Any:
        return self.data.tolist()

    def __array__(self, dtype: Any = None, copy: bool | None = None) -> np.ndarray:
        if dtype is not None and np.dtype(dtype) != self.data.dtype:
            return self.data.astype(dtype)
        return self.data.copy() if copy else self.data

    def __len__(self) -> int:
        if self.data.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return self.data.shape[0]

    def __iter__(self) -> Iterator[Tensor]:
        if self.data.ndim == 0:
            raise TypeError("iteration over a 0-d tensor")
        return (self[i] for i in range(self.data.shape[0]))

    def __bool__(self) -> bool:
        if self.data.size != 1:
            raise RuntimeError(
                f"Boolean value of a tensor with {self.data.size} elements is ambiguous"
            )
        return bool(self.data.reshape(()))

    def __float__(self) -> float:
        return float(self.item())

    def __int__(self) -> int:
        return int(self.item())

    def __index__(self) -> int:
        if self.data.dtype.kind not in "iu" or self.data.size != 1:
            raise TypeError("only integer tensors of a single element can be converted to an index")
        return int(self.item())

    __hash__ = object.__hash__

    def __repr__(self) -> str:
        body = np.array2string(
            self.data, separator=", ", prefix="tensor(", precision=4, threshold=1000
        )
        extras = []
        default = _dtypes.DEFAULT_FLOAT if self.data.dtype.kind == "f" else _dtypes.int64
        if self.data.dtype != default and self.data.dtype != _dtypes.bool_:
            extras.append(f"dtype={self.data.dtype.name}")
        if self.grad_fn is not None:
            extras.append(f"grad_fn=<{self.grad_fn.name()}>")
        elif self._requires_grad:
            extras.append("requires_grad=True")
        if self.data.size == 0:
            body = f"[], size={self.shape}"
        return "tensor(" + ", ".join([body, *extras]) + ")"

    # ------------------------------------------------------------ autograd
    def backward(
        self,
        gradient: Any = None,
        retain_graph: bool | None = None,
        create_graph: bool = False,
        inputs: Any = None,
    ) -> None:
        """Accumulate d(self)/d(leaf) into every leaf's ``.grad``.

        ``gradient`` is required unless the tensor has one element. The graph is
        freed afterwards unless ``retain_graph`` (default: ``create_graph``).
        """
        if not self._requires_grad:
            raise RuntimeError(
                "backward(): this tensor does not require grad and has no grad_fn "
                "(did you compute it under no_grad(), or from tensors without requires_grad?)"
            )
        root_grad = _root_gradient(self, gradient, create_graph)
        if retain_graph is None:
            retain_graph = create_graph
        only = None if inputs is None else {id(t) for t in _as_tensor_list(inputs)}

        def accumulate(leaf: Tensor, grad: Any) -> None:
            if only is not None and id(leaf) not in only:
                return
            leaf._accumulate_grad(grad, create_graph)

        run_backward([self], [root_grad], retain_graph, create_graph, accumulate)

    def _accumulate_grad(self, grad: Any, create_graph: bool) -> None:
        if type(grad) is SparseGrad or type(self.grad) is SparseGrad:
            self.grad = accumulate_sparse(self.grad, grad, self._hooks)
            return
        if self._hooks:
            for hook in self._hooks:
                result = hook(grad if isinstance(grad, Tensor) else Tensor._make(grad, False, None))
                if result is not None:
                    grad = result if create_graph else _as_data(result)
        if isinstance(grad, Tensor):
            new = grad if self.grad is None else self.grad + grad
        else:
            if self.grad is None:
                owned = grad.base is None and grad.flags.writeable
                new = Tensor._make(grad if owned else grad.copy(), False, None)
            else:
                new = Tensor._make(self.grad.data + grad, False, None)
        self.grad = new

    def register_hook(self, hook: Callable[[Tensor], Tensor | None]) -> Callable[[], None]:
        """Call ``hook(grad)`` when this tensor's gradient is computed; it may return a
        replacement. Returns a function that removes the hook."""
        if not self._requires_grad:
            raise RuntimeError("register_hook: cannot register a hook on a tensor that "
                               "doesn't require gradient")
        if self.grad_fn is None:
            if self._hooks is None:
                self._hooks = []
            hooks = self._hooks
            entry: Callable[[Any], Any] = hook
        else:
            if not isinstance(self.grad_fn.hooks, list):
                self.grad_fn.hooks = []
            hooks = self.grad_fn.hooks

            def entry(g: Any) -> Any:
                result = hook(g if isinstance(g, Tensor) else Tensor._make(g, False, None))
                if result is None:
                    return None
                return result if isinstance(g, Tensor) else _as_data(result)

        hooks.append(entry)
        return lambda: hooks.remove(entry) if entry in hooks else None

    def retain_grad(self) -> None:
        """Keep this non-leaf tensor's gradient in ``.grad`` after backward."""
        import weakref

        if self.grad_fn is not None:
            self.grad_fn.retained = weakref.ref(self)

    def detach(self) -> Tensor:
        """A tensor sharing the same data, cut off from the graph."""
        return Tensor._make(self.data, False, None)

    def detach_(self) -> Tensor:
        self.grad_fn = None
        self._requires_grad = False
        return self

    def requires_grad_(self, requires_grad: bool = True) -> Tensor:
        """Set ``requires_grad`` in place and return self."""
        self.requires_grad = requires_grad
        return self

    # ------------------------------------------------------------- in place
    def _check_inplace(self, op: str) -> None:
        if _state.enabled and self._requires_grad:
            kind = "a leaf tensor" if self.grad_fn is None else "a tensor"
            raise RuntimeError(
                f"{op}: {kind} that requires grad can't be modified in place (the graph "
                "would silently go wrong). Wrap the update in mg.no_grad(), or use the "
                "out-of-place op."
            )

    def _inplace(self, op: str, values: np.ndarray) -> Tensor:
        return self._inplace_ufunc(op, np.copyto, values)

    def _inplace_ufunc(self, op: str, ufunc: Any, other: Any) -> Tensor:
        """``self.data = ufunc(self.data, other)`` written into the same memory."""
        self._check_inplace(op)
        other = _as_data(other)
        try:
            if ufunc is np.copyto:
                np.copyto(self.data, other, casting="same_kind")
            else:
                ufunc(self.data, other, out=self.data, casting="same_kind")
        except (TypeError, ValueError) as exc:
            raise RuntimeError(
                f"{op}: can't write a result with {np.shape(other)} {np.asarray(other).dtype} "
                f"into a tensor of shape {self.shape} and dtype {self.dtype}"
            ) from exc
        self._version += 1
        return self

    def add_(self, other: Any, alpha: float = 1) -> Tensor:
        """In-place ``self += alpha * other``."""
        other = _as_data(other)
        return self._inplace_ufunc("add_", np.add, other if alpha == 1 else alpha * other)

    def sub_(self, other: Any, alpha: float = 1) -> Tensor:
        """In-place ``self -= alpha * other``."""
        other = _as_data(other)
        return self._inplace_ufunc("sub_", np.subtract, other if alpha == 1 else alpha * other)

    def mul_(self, other: Any) -> Tensor:
        return self._inplace_ufunc("mul_", np.multiply, other)

    def div_(self, other: Any) -> Tensor:
        return self._inplace_ufunc("div_", np.true_divide, other)

    def zero_(self) -> Tensor:
        return self._inplace("zero_", np.zeros((), self.dtype))

    def fill_(self, value: Any) -> Tensor:
        return self._inplace("fill_", np.asarray(_as_data(value)))

    def copy_(self, src: Any) -> Tensor:
        """Copy ``src``'s values into this tensor (broadcasting)."""
        return self._inplace("copy_", _as_data(src))

    def clamp_(self, min: Any = None, max: Any = None) -> Tensor:
        return self._inplace("clamp_", np.clip(self.data, min, max))

    def uniform_(self, a: float = 0.0, b: float = 1.0, generator: Any = None) -> Tensor:
        from .random import rng

        return self._inplace("uniform_", rng(generator).uniform(a, b, self.shape))

    def normal_(self, mean: float = 0.0, std: float = 1.0, generator: Any = None) -> Tensor:
        from .random import rng

        return self._inplace("normal_", rng(generator).normal(mean, std, self.shape))

    def __iadd__(self, other: Any) -> Tensor:
        return self.add_(other)

    def __isub__(self, other: Any) -> Tensor:
        return self.sub_(other)

    def __imul__(self, other: Any) -> Tensor:
        return self.mul_(other)

    def __itruediv__(self, other: Any) -> Tensor:
        return self.div_(other)

    def __setitem__(self, index: Any, value: Any) -> None:
        from .ops.indexing import normalize_index

        self._check_inplace("__setitem__")
        self.data[normalize_index(index, self.shape, "__setitem__")] = _as_data(value)
        self._version += 1


_function_module._tensor_class = Tensor


def _as_data(x: Any) -> Any:
    return x.data if isinstance(x, Tensor) else x


def _as_tensor_list(x: Any) -> list[Tensor]:
    return [x] if isinstance(x, Tensor) else list(x)


def _root_gradient(root: Tensor, gradient: Any, create_graph: bool) -> Any:
    """The gradient backward starts from: ones for a scalar, else checked ``gradient``."""
    if gradient is None:
        if root.data.size != 1:
            raise RuntimeError(
                f"backward(): grad can be implicitly created only for scalar outputs; this "
                f"tensor has shape {root.shape}. Pass gradient= of that shape."
            )
        g = np.ones(root.shape, root.dtype)
        return Tensor._make(g, False, None) if create_graph else g
    if isinstance(gradient, Tensor):
        g_tensor = gradient
    else:
        g_tensor = Tensor._make(np.array(gradient, dtype=root.dtype), False, None)
    if g_tensor.shape != root.shape:
        raise RuntimeError(
            f"backward(): gradient has shape {g_tensor.shape} but the tensor has shape {root.shape}"
        )
    if create_graph:
        return g_tensor
    return np.array(g_tensor.data, dtype=root.dtype)
