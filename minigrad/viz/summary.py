"""``summary``: the layer table of Keras' ``model.summary()`` and torchinfo.

One forward pass under ``no_grad`` in eval mode (each module's mode restored
after), with a forward hook on every module recording its output shapes.
Rows follow the module tree (``named_modules`` order), indented by depth.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .._dtypes import float32
from .._tensor import Tensor
from ..autograd.grad_mode import no_grad
from ..creation import from_numpy
from ..nn import Module
from .module_graph import evaluating, tensors_in

MB = 1e6


@dataclass
class LayerInfo:
    """One row: ``name`` (dotted path), ``type_name``, ``depth`` (0 = the model),
    ``output_shapes`` (one tuple per output tensor of the first call; None if never
    called), ``calls``, ``num_params`` (its whole subtree), ``trainable`` ("yes", "no",
    "partial" or "--" without parameters)."""

    name: str
    type_name: str
    depth: int
    output_shapes: list[tuple[int, ...]] | None
    calls: int
    num_params: int
    trainable: str


@dataclass
class ModelSummary:
    """What :func:`summary` measured; ``str()`` is the table."""

    layers: list[LayerInfo]
    total_params: int
    trainable_params: int
    input_bytes: int
    activation_bytes: int
    param_bytes: int
    columns: tuple[str, ...] = field(default=("Layer (type)", "Output shape", "Param #",
                                              "Trainable"))

    @property
    def non_trainable_params(self) -> int:
        return self.total_params - self.trainable_params

    @property
    def total_bytes(self) -> int:
        return self.input_bytes + self.activation_bytes + self.param_bytes

    def __str__(self) -> str:
        rows = [self.columns]
        for layer in self.layers:
            title = "  " * layer.depth + (f"{layer.name} ({layer.type_name})" if layer.depth
                                          else layer.type_name)
            if layer.output_shapes is None:
                shapes = "--"
            else:
                shapes = ", ".join(str(s) for s in layer.output_shapes) or "--"
                if layer.calls > 1:
                    shapes += f" x{layer.calls} calls"
            rows.append((title, shapes, f"{layer.num_params:,}", layer.trainable))
        widths = [max(len(row[i]) for row in rows) for i in range(4)]
        rule = "=" * (sum(widths) + 6)

        def line(row: tuple[str, ...]) -> str:
            return (f"{row[0]:<{widths[0]}}  {row[1]:<{widths[1]}}  "
                    f"{row[2]:>{widths[2]}}  {row[3]}").rstrip()

        out = [rule, line(rows[0]), rule, *(line(r) for r in rows[1:]), rule,
               f"Total params: {self.total_params:,}",
               f"Trainable params: {self.trainable_params:,}",
               f"Non-trainable params: {self.non_trainable_params:,}", rule,
               f"Input size (MB): {self.input_bytes / MB:.2f}",
               f"Forward activations (MB): {self.activation_bytes / MB:.2f}",
               f"Params size (MB): {self.param_bytes / MB:.2f}",
               f"Estimated total size (MB): {self.total_bytes / MB:.2f}", rule]
        return "\n".join(out)

    __repr__ = __str__


def _example_inputs(input_size: Any, dtypes: Any) -> tuple[Tensor, ...]:
    """Inputs of the given sizes: standard normal floats, zeros for integer dtypes, from a
    private generator (the global seed is not touched)."""
    sizes = [input_size] if all(isinstance(n, int) for n in input_size) else list(input_size)
    if dtypes is None:
        dtypes = [float32] * len(sizes)
    if len(dtypes) != len(sizes):
        raise ValueError(f"summary: {len(sizes)} input sizes but {len(dtypes)} dtypes")
    rng = np.random.default_rng(0)
    inputs = []
    for size, dtype in zip(sizes, dtypes):
        dtype = np.dtype(dtype)
        if dtype.kind == "f":
            array = rng.standard_normal(tuple(size)).astype(dtype)
        else:
            array = np.zeros(tuple(size), dtype)
        inputs.append(from_numpy(array))
    return tuple(inputs)


def _trainable(params: list[Any]) -> str:
    if not params:
        return "--"
    flags = {p.requires_grad for p in params}
    return "partial" if len(flags) == 2 else ("yes" if flags == {True} else "no")


def summary(model: Module, input_size: Any = None, input_data: Any = None,
            dtypes: Any = None, depth: int = 3) -> ModelSummary:
    """Run ``model`` once and tabulate its layers: output shapes, parameter counts,
    trainable or frozen, totals, and the memory of parameters and activations.

    Give either ``input_size`` (one shape, batch included, or a list of shapes; with
    ``dtypes``, e.g. ``[mg.int64]`` for token ids, which are then zeros) or
    ``input_data`` (a Tensor, a tuple of positional arguments, or a dict of keyword
    arguments). Rows go ``depth`` levels below the model. Totals count each
    parameter once (tied weights too); "Forward activations" is the size of the
    distinct tensors the modules returned (a module's output that is its own input, as
    Dropout's in eval mode, and a container's output that is its last layer's, count once).
    Returns a :class:`ModelSummary` (``print`` it; ``.total_params``, ``.trainable_params``,
    ``.layers``, ...).

    >>> import minigrad as mg, minigrad.nn as nn
    >>> model = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 2))
    >>> s = mg.viz.summary(model, input_size=(32, 4))
    >>> s.total_params, s.layers[1].output_shapes
    (58, [(32, 8)])
    """
    if not isinstance(model, Module):
        raise TypeError(f"summary: expected a Module, got {type(model).__name__}")
    if (input_size is None) == (input_data is None):
        raise ValueError("summary: give exactly one of input_size and input_data")
    kwargs: dict[str, Any] = {}
    if input_data is None:
        args: tuple[Any, ...] = _example_inputs(input_size, dtypes)
    elif isinstance(input_data, dict):
        args, kwargs = (), dict(input_data)
    elif isinstance(input_data, tuple | list):
        args = tuple(input_data)
    else:
        args = (input_data,)
    named = [(name, module) for name, module in model.named_modules()
             if name.count(".") + 1 <= depth or not name]
    outputs: dict[int, list[tuple[int, ...]]] = {}
    calls: dict[int, int] = {}
    produced: dict[int, Tensor] = {}  # every tensor a module returned that was not its input

    def record(module: Module, module_args: Any, output: Any) -> None:
        tensors = tensors_in(output)
        key = id(module)
        calls[key] = calls.get(key, 0) + 1
        outputs.setdefault(key, [tuple(t.shape) for t in tensors])
        passed = {id(t) for t in tensors_in(module_args)}
        produced.update((id(t), t) for t in tensors if id(t) not in passed)

    handles = [module.register_forward_hook(record) for module in model.modules()]
    try:
        with evaluating(model), no_grad():
            model(*args, **kwargs)
    finally:
        for handle in handles:
            handle.remove()
    layers = []
    for name, module in named:
        params = list(module.parameters())
        layers.append(LayerInfo(
            name=name or type(model).__name__, type_name=type(module).__name__,
            depth=name.count(".") + 1 if name else 0, output_shapes=outputs.get(id(module)),
            calls=calls.get(id(module), 0), num_params=sum(p.numel() for p in params),
            trainable=_trainable(params)))
    params = list(model.parameters())
    inputs = tensors_in((args, kwargs))
    return ModelSummary(
        layers=layers,
        total_params=sum(p.numel() for p in params),
        trainable_params=sum(p.numel() for p in params if p.requires_grad),
        input_bytes=sum(t.numel() * t.element_size() for t in inputs),
        activation_bytes=sum(t.numel() * t.element_size() for t in produced.values()),
        param_bytes=sum(p.numel() * p.element_size() for p in params),
    )
