"""``Tensor``: an n-dimensional array that remembers how it was computed.

The values live in a NumPy array (``t.numpy(force=True)`` reaches it without a
copy; inside the core it is ``t._array``). ``grad_fn`` points at the recorded
operation (a ``Node``) that produced the tensor, and ``backward()`` fills the
``.grad`` of every leaf that requires grad.

This file holds the tensor itself: attributes, conversion and backward. The
math and in-place methods (``x + y``, ``x.exp()``, ``x.sum()``, ``x.add_(y)``)
are the op functions of ``minigrad/ops``, each attached beside its definition
with the ``tensor_method`` decorator defined at the end of this file.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

import numpy as np

from . import _device, _dtypes, _printing
from .autograd.engine import run_backward
from .autograd.grad_mode import _state
from .sparse import SparseGrad, accumulate_sparse

F = TypeVar("F", bound=Callable[..., Any])


class Size(tuple):
    """A tensor's shape, as ``x.size()`` returns it: a tuple of ints that prints like
    PyTorch's ``torch.Size``.

    >>> import minigrad as mg
    >>> s = mg.zeros(2, 3).size()
    >>> s, s == (2, 3), s.numel()
    (minigrad.Size([2, 3]), True, 6)
    """

    __slots__ = ()

    def __new__(cls, sizes: Any = ()) -> Size:
        return super().__new__(cls, (int(n) for n in sizes))

    def __repr__(self) -> str:
        return f"minigrad.Size({list(self)})"

    def numel(self) -> int:
        """The number of elements of a tensor of this shape."""
        return int(np.prod(self, dtype=np.int64))

    def __getitem__(self, index: Any) -> Any:
        item = super().__getitem__(index)
        return Size(item) if isinstance(index, slice) else item


class Tensor:
    """An array with autograd. Build one with ``mg.tensor(...)`` or a factory.

    >>> import minigrad as mg
    >>> x = mg.tensor([1.0, 2.0, 3.0], requires_grad=True)
    >>> (x * x).sum().backward()
    >>> x.grad
    tensor([2., 4., 6.])
    """

    # _base (set only on views, by Function.apply) is the tensor whose memory a view shares
    __slots__ = ("_array", "_grad", "grad_fn", "_requires_grad", "_version", "_hooks",
                 "_base", "__weakref__")
    # NumPy's binary operators defer to a Tensor (``array + t`` calls ``t.__radd__``);
    # NumPy functions applied to a Tensor see its array through ``__array__``.
    __array_priority__ = 1000

    def __init__(self, *data: Any, requires_grad: bool = False) -> None:
        # PyTorch's legacy constructor: Tensor(3, 4) is an uninitialised float32 tensor of
        # that shape, Tensor() an empty one, Tensor([1, 2]) float32 data; an ndarray (or a
        # NumPy scalar) keeps its dtype, so the internal Tensor(array) stays zero-copy.
        if len(data) == 1 and type(data[0]) is np.ndarray:
            array = data[0]
        elif not data:
            array = np.empty((0,), np.float32)
        elif all(isinstance(n, int) and not isinstance(n, bool) for n in data):
            if any(n < 0 for n in data):
                raise ValueError(f"Tensor: negative dimension in size {data}")
            array = np.empty(data, np.float32)
        elif len(data) == 1:
            item = data[0]
            floating = None if isinstance(item, np.generic | Tensor) else np.float32
            array = _dtypes.as_array(item, floating, "Tensor")
        else:
            raise TypeError(f"Tensor: expected data (a list, an array) or sizes (ints), got "
                            f"{', '.join(type(d).__name__ for d in data)}")
        self._array = array
        self._grad: Tensor | None = None
        self.grad_fn = None
        self._requires_grad = False
        self._version = 0
        self._hooks: list[Callable[[Any], Any]] | None = None
        if requires_grad:
            self.requires_grad = True

    @staticmethod
    def _make(data: np.ndarray, requires_grad: bool, grad_fn: Any) -> Tensor:
        """Wrap ``data`` without checks or copies (the ops' fast path)."""
        t = object.__new__(Tensor)
        t._array = data
        t._grad = None
        t.grad_fn = grad_fn
        t._requires_grad = requires_grad
        t._version = 0
        t._hooks = None
        return t

    # ----------------------------------------------------------- attributes
    @property
    def data(self) -> Tensor:
        """This tensor's values as a Tensor that shares its memory, does not require
        grad and is not recorded (PyTorch's ``.data``): ``w.data.mul_(0.5)`` changes
        ``w`` without autograd seeing it. ``w.data = other`` replaces the values with
        ``other``'s (any shape; a floating dtype if ``w`` requires grad). The ndarray
        itself is ``w.numpy(force=True)``.
        """
        return Tensor._make(self._array, False, None)

    @data.setter
    def data(self, value: Tensor) -> None:
        if _state.tracer is not None:
            _state.tracer.refuse("assigning tensor.data (the tensor's memory is replaced)")
        if not isinstance(value, Tensor):
            raise TypeError(
                f"data: assign a Tensor, got {type(value).__name__} (wrap an array with "
                "mg.from_numpy(array) or mg.tensor(array))"
            )
        if self._requires_grad and value._array.dtype.kind != "f":
            raise TypeError(
                f"data: a tensor that requires grad needs floating-point values, got dtype "
                f"{value._array.dtype}"
            )
        self._array = value._array
        self._version += 1

    @property
    def grad(self) -> Any:
        """The gradient backward accumulated (a Tensor of this tensor's shape and dtype,
        a ``SparseGrad`` for a sparse embedding, or None). Assigning checks the shape and
        dtype, as PyTorch does."""
        return self._grad

    @grad.setter
    def grad(self, value: Any) -> None:
        if _state.tracer is not None:
            _state.tracer.set_grad(self, value)
        if value is not None and type(value) is not SparseGrad:
            if not isinstance(value, Tensor):
                raise TypeError(f"assigned grad expected to be a Tensor or None but got "
                                f"{type(value).__name__}")
            if value._array.dtype != self._array.dtype:
                raise RuntimeError(
                    f"assigned grad has data of a different type: {value._array.dtype}, "
                    f"but the tensor is {self._array.dtype}"
                )
            if value._array.shape != self._array.shape:
                raise RuntimeError(
                    f"assigned grad has data of a different size: {value._array.shape}, "
                    f"but the tensor has shape {self._array.shape}"
                )
        self._grad = value

    @property
    def requires_grad(self) -> bool:
        """Whether backward computes a gradient for this tensor."""
        return self._requires_grad

    @requires_grad.setter
    def requires_grad(self, value: bool) -> None:
        if value and self._array.dtype.kind != "f":
            raise RuntimeError(
                f"only floating-point tensors can require gradients, got dtype {self._array.dtype}"
            )
        if not value and self.grad_fn is not None:
            raise RuntimeError(
                "requires_grad can only be turned off on leaf tensors; use detach() instead"
            )
        self._requires_grad = bool(value)

    @property
    def shape(self) -> tuple[int, ...]:
        return self._array.shape

    @property
    def dtype(self) -> _dtypes.dtype:
        return _dtypes.PUBLIC[self._array.dtype]

    @property
    def ndim(self) -> int:
        return self._array.ndim

    @property
    def is_leaf(self) -> bool:
        """True for tensors not produced by a recorded op (their ``.grad`` gets filled)."""
        return self.grad_fn is None

    is_sparse = False  # see minigrad/sparse.py for the gradients that are

    @property
    def device(self) -> _device.device:
        """``device(type='cpu')``: where every minigrad tensor lives (equals "cpu")."""
        return _device.CPU

    def size(self, dim: int | None = None) -> Size | int:
        """The shape as a ``Size`` (a tuple), or the length of dimension ``dim``."""
        return Size(self._array.shape) if dim is None else self._array.shape[dim]

    def numel(self) -> int:
        """Number of elements."""
        return int(self._array.size)

    nelement = numel

    def dim(self) -> int:
        return self._array.ndim

    def element_size(self) -> int:
        return self._array.itemsize

    def is_floating_point(self) -> bool:
        return self._array.dtype.kind == "f"

    # ---------------------------------------------------------- conversion
    def item(self) -> float | int | bool:
        """The value of a one-element tensor as a Python number."""
        if _state.tracer is not None:
            _state.tracer.refuse("Tensor.item() (a Python number read from a tensor)")
        if self._array.size != 1:
            raise ValueError(
                f"item(): only one-element tensors can be converted to a Python number, "
                f"got shape {self.shape}"
            )
        return self._array.reshape(()).item()

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
        if _state.tracer is not None:
            _state.tracer.refuse("Tensor.numpy() (the tensor's array leaves the recorded ops)")
        return self._array

    def tolist(self) -> Any:
        if _state.tracer is not None:
            _state.tracer.refuse("Tensor.tolist()")
        return self._array.tolist()

    def __array__(self, dtype: Any = None, copy: bool | None = None) -> np.ndarray:
        """The array NumPy functions see (``np.exp(t)`` gives an ndarray). Refused, as
        ``numpy()`` is, on a tensor that requires grad: the result would silently
        leave the graph."""
        if self._requires_grad:
            raise RuntimeError(
                "Can't convert a tensor that requires grad to a NumPy array. Use "
                "tensor.detach() first, or the minigrad op (mg.exp rather than np.exp)"
            )
        if _state.tracer is not None:
            _state.tracer.refuse("a NumPy function applied to a tensor (np.asarray(t))")
        if dtype is not None and np.dtype(dtype) != self._array.dtype:
            return self._array.astype(dtype)
        return self._array.copy() if copy else self._array

    def __len__(self) -> int:
        if self._array.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return self._array.shape[0]

    def __iter__(self) -> Iterator[Tensor]:
        if self._array.ndim == 0:
            raise TypeError("iteration over a 0-d tensor")
        return (self[i] for i in range(self._array.shape[0]))

    def __bool__(self) -> bool:
        if self._array.size != 1:
            raise RuntimeError(
                f"Boolean value of a tensor with {self._array.size} elements is ambiguous"
            )
        if _state.tracer is not None:
            _state.tracer.refuse("bool(tensor) (Python control flow on a tensor's value)")
        return bool(self._array.reshape(()))

    def __float__(self) -> float:
        return float(self.item())

    def __int__(self) -> int:
        return int(self.item())

    def __index__(self) -> int:
        if self._array.dtype.kind not in "iu" or self._array.size != 1:
            raise TypeError("only integer tensors of a single element can be converted to an index")
        return int(self.item())

    __hash__ = object.__hash__

    def __format__(self, format_spec: str) -> str:
        """``f"{loss:.4f}"``: a 0-dim tensor formats as its number, as in PyTorch; any
        tensor formats with an empty spec as ``str``."""
        if _state.tracer is not None:
            _state.tracer.refuse("formatting a tensor (f-string or print)")
        if self._array.ndim == 0:
            return format(self._array.item(), format_spec)
        if not format_spec:
            return str(self)
        raise TypeError(
            f"unsupported format string {format_spec!r} for a Tensor of shape "
            f"{self._array.shape}: only a 0-dim tensor formats as a number (as in PyTorch); "
            "use f'{t.item():...}' for a one-element tensor"
        )

    def __repr__(self) -> str:
        if _state.tracer is not None:
            _state.tracer.refuse("printing a tensor (repr/str)")
        body = _printing.array_text(self._array, "tensor(")
        extras = []
        default = _dtypes.DEFAULT_FLOAT if self._array.dtype.kind == "f" else _dtypes.int64
        if self._array.dtype != default and self._array.dtype != _dtypes.bool_:
            extras.append(f"dtype={self.dtype}")
        if self.grad_fn is not None:
            extras.append(f"grad_fn=<{self.grad_fn.name()}>")
        elif self._requires_grad:
            extras.append("requires_grad=True")
        if self._array.size == 0:
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
        tracer = _state.tracer
        if tracer is not None and tracer.backward(self, gradient, retain_graph, create_graph,
                                                  inputs):
            return  # mg.compile ran and recorded it (minigrad/compile/trace.py)
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
        if type(grad) is SparseGrad or type(self._grad) is SparseGrad:
            self._grad = accumulate_sparse(self._grad, grad, self._hooks)
            return
        if self._hooks:
            for hook in self._hooks:
                result = hook(grad if isinstance(grad, Tensor) else Tensor._make(grad, False, None))
                if result is not None:
                    grad = result if create_graph else _array_of(result)
        if isinstance(grad, Tensor):
            new = grad if self._grad is None else self._grad + grad
        else:
            if self._grad is None:
                owned = grad.base is None and grad.flags.writeable
                new = Tensor._make(grad if owned else grad.copy(), False, None)
            else:
                total = self._grad._array + grad
                if type(total) is not np.ndarray:  # NumPy gives a scalar for 0-dim sums
                    total = np.array(total)
                new = Tensor._make(total, False, None)
        self._grad = new

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
                return result if isinstance(g, Tensor) else _array_of(result)

        hooks.append(entry)
        return lambda: hooks.remove(entry) if entry in hooks else None

    def retain_grad(self) -> None:
        """Keep this non-leaf tensor's gradient in ``.grad`` after backward."""
        if self.grad_fn is not None:
            self.grad_fn.retained = weakref.ref(self)

    def _accumulate_retained(self, grad: Any) -> None:
        """Add a gradient the engine computed for this non-leaf (``retain_grad()``)."""
        value = grad if isinstance(grad, Tensor) else Tensor._make(np.array(grad), False, None)
        self._grad = value if self._grad is None else self._grad + value

    def detach(self) -> Tensor:
        """A tensor sharing the same data, cut off from the graph."""
        return Tensor._make(self._array, False, None)

    def detach_(self) -> Tensor:
        self.grad_fn = None
        self._requires_grad = False
        return self

    def requires_grad_(self, requires_grad: bool = True) -> Tensor:
        """Set ``requires_grad`` in place and return self."""
        self.requires_grad = requires_grad
        return self

    # ------------------------------------------------------------- in place
    def _check_inplace(self, op: str, recorded: bool = False) -> None:
        """Refuse an in-place write autograd would get wrong: into a leaf that requires
        grad, or (views are not tracked) into a view whose base requires grad, or a
        recorded write into any view, which the base's graph would miss."""
        if not _state.enabled:
            return
        if self._requires_grad and (self.grad_fn is None or not recorded):
            kind = "a leaf tensor" if self.grad_fn is None else "a tensor"
            raise RuntimeError(
                f"{op}: {kind} that requires grad can't be modified in place (the graph "
                "would silently go wrong). Wrap the update in mg.no_grad(), or use the "
                "out-of-place op."
            )
        base = getattr(self, "_base", None)
        if base is None:
            return
        if base._requires_grad and base.grad_fn is None:
            raise RuntimeError(
                f"{op}: a view of a leaf Variable that requires grad is being used in an "
                "in-place operation. clone() the view first, or update the leaf inside "
                "mg.no_grad()."
            )
        if recorded or base._requires_grad:
            raise RuntimeError(
                f"{op}: this tensor is a view of another tensor (shape {base.shape}); "
                "minigrad does not record in-place writes into views, so that tensor's "
                "graph would miss the write. clone() the view first, or write into the "
                "base tensor itself (base[index] = value)."
            )


def _array_of(x: Any) -> Any:
    return x._array if isinstance(x, Tensor) else x


def _as_tensor_list(x: Any) -> list[Tensor]:
    return [x] if isinstance(x, Tensor) else list(x)


def _root_gradient(root: Tensor, gradient: Any, create_graph: bool) -> Any:
    """The gradient backward starts from: ones for a scalar, else checked ``gradient``."""
    if gradient is None:
        if root._array.size != 1:
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
    return np.array(g_tensor._array, dtype=root.dtype)


def tensor_method(*names: str) -> Callable[[F], F]:
    """Decorator: attach an op function to ``Tensor`` under ``names`` as well.

    This is the one way the ops become methods: each op function carries its
    method names on the line above its ``def``, so ``x.exp()`` and ``mg.exp(x)``
    are the same code and a reader sees both names in one place::

        @tensor_method("exp")
        def exp(input): ...

    A property (``x.T``) is attached by decorating its getter with a name
    wrapped in ``property:``, e.g. ``@tensor_method("property:T")``.
    """

    def attach(fn: F) -> F:
        for name in names:
            if name.startswith("property:"):
                setattr(Tensor, name.removeprefix("property:"), property(fn))
            else:
                setattr(Tensor, name, fn)
        return fn

    return attach
