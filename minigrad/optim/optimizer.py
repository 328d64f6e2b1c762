"""``Optimizer``: the base class that owns parameter groups, per-parameter state and resuming.

A subclass supplies three small pieces: ``_check_group`` (refuse bad hyperparameters),
``_init_state`` (the state a parameter starts with) and ``_update`` (one step for one
parameter's array, written in place). Everything else lives here: grouping and
validating parameters, skipping parameters without a gradient, ``zero_grad``, the closure,
bumping the parameters' version counters, and ``state_dict`` / ``load_state_dict`` in
PyTorch's layout.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterable, Mapping
from typing import Any

import numpy as np

from .._tensor import Tensor
from ..autograd import enable_grad
from ..autograd.graph import increment_version
from ..autograd.tracing import host
from ..creation import zeros

ParamGroup = dict[str, Any]


class Optimizer:
    """Base class of all optimizers.

    ``params`` is an iterable of Tensors, or of dicts (parameter groups) each holding a
    ``"params"`` list plus any hyperparameters that override ``defaults`` for that group.

    >>> import minigrad as mg
    >>> from minigrad.optim import SGD
    >>> w, b = mg.ones(2, requires_grad=True), mg.zeros(1, requires_grad=True)
    >>> opt = SGD([{"params": [w]}, {"params": [b], "lr": 0.5}], lr=0.1)
    >>> [g["lr"] for g in opt.param_groups]
    [0.1, 0.5]
    """

    def __init__(self, params: Iterable[Any], defaults: Mapping[str, Any]) -> None:
        self.defaults: dict[str, Any] = dict(defaults)
        self._check_group(self.defaults, "")
        self.state: dict[Tensor, dict[str, Any]] = {}
        self.param_groups: list[ParamGroup] = []
        if hasattr(params, "parameters") and callable(params.parameters):
            raise TypeError(
                f"{self._name}: params must be the model's parameters, not the "
                f"{type(params).__name__} itself: pass model.parameters()"
            )
        if callable(params) and not hasattr(params, "__iter__"):
            raise TypeError(
                f"{self._name}: params must be an iterable of Tensors, got a "
                f"{type(params).__name__}; call it: model.parameters() (with parentheses)"
            )
        if isinstance(params, (Tensor, Mapping)):
            raise TypeError(
                f"{self._name}: params must be an iterable of Tensors or of dicts (parameter "
                f"groups), got a {type(params).__name__}; wrap it in a list"
            )
        groups = list(params)
        if not groups:
            raise ValueError("optimizer got an empty parameter list")
        if not isinstance(groups[0], Mapping):
            groups = [{"params": groups}]
        for group in groups:
            self.add_param_group(group)

    # ------------------------------------------------------------- subclass hooks
    def _check_group(self, group: Mapping[str, Any], where: str) -> None:
        """Raise ValueError if a hyperparameter in ``group`` is out of range."""

    def _init_state(self, p: Tensor, group: ParamGroup) -> dict[str, Any]:
        """The state of a parameter before its first step."""
        return {}

    def _update(self, param: np.ndarray, grad: np.ndarray, state: dict[str, Any],
                group: ParamGroup) -> None:
        """Apply one step to ``param``, the parameter's array, in place (``grad`` has its
        shape and dtype; the base class bumps the parameter's version afterwards)."""
        raise NotImplementedError

    def _load_state_value(self, value: Any, p: Tensor, where: str, name: str) -> Any:
        """A loaded state entry, checked and copied (arrays: ``p``'s shape, float dtype)."""
        return _load_value(value, p, where, name)

    def _sparse_update(self, p: Tensor, grad: Any, state: dict[str, Any],
                       group: ParamGroup) -> None:
        """One step from a sparse gradient (minigrad/sparse.py); refused unless overridden."""
        raise RuntimeError(f"{self._name} does not support sparse gradients, please consider "
                           "SparseAdam instead")

    # ---------------------------------------------------------------- the groups
    @property
    def _name(self) -> str:
        return type(self).__name__

    def add_param_group(self, param_group: Mapping[str, Any]) -> None:
        """Add a group of parameters (a dict with ``"params"`` and optional hyperparameters).

        Useful when unfreezing layers during fine-tuning. A parameter may belong to one group
        only; missing hyperparameters are taken from the optimizer's defaults.
        """
        if not isinstance(param_group, Mapping):
            raise TypeError(f"{self._name}: param_group must be a dict, got "
                            f"{type(param_group).__name__}")
        if "params" not in param_group:
            raise ValueError(f"{self._name}: a parameter group needs a 'params' entry")
        where = f"param group {len(self.param_groups)}"
        group = dict(param_group)
        params, names = _param_list(group["params"], self._name, where)
        group["params"] = params
        if names is not None:
            group["param_names"] = names
        for name, default in self.defaults.items():
            group.setdefault(name, default)
        self._check_group(group, where + ": ")
        taken = {id(p): i for i, g in enumerate(self.param_groups) for p in g["params"]}
        for i, p in enumerate(params):
            if id(p) in taken:
                label = repr(names[i]) if names is not None else f"{i} (shape {p.shape})"
                raise ValueError(f"{self._name}: parameter {label} of the new group is already "
                                 f"in param group {taken[id(p)]}; some parameters appear in "
                                 "more than one parameter group")
        self.param_groups.append(group)

    @host  # mg.compile re-runs it on replay (minigrad/autograd/tracing.py)
    def zero_grad(self, set_to_none: bool = True) -> None:
        """Reset the gradients of all parameters: to None (default), or to zeros in place."""
        for group in self.param_groups:
            for p in group["params"]:
                grad = p.grad
                if grad is None:
                    continue
                if set_to_none:
                    p.grad = None
                elif grad.is_sparse:
                    grad.zero_()
                elif grad.grad_fn is None and grad.numpy(force=True).flags.writeable:
                    grad.requires_grad_(False).zero_()
                else:
                    p.grad = zeros(p.shape, dtype=p.dtype)

    # ---------------------------------------------------------------------- step
    @host
    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """Update every parameter that has a gradient; return ``closure()``'s loss, if given.

        ``closure`` re-evaluates the model and returns the loss; it runs with grad enabled
        before the update.
        """
        loss = None
        if closure is not None:
            with enable_grad():
                loss = closure()
        updated: list[Tensor] = []  # their versions are bumped together, even after an error
        try:
            for gi, group in enumerate(self.param_groups):
                for i, p in enumerate(group["params"]):
                    if p.grad is None:
                        continue
                    sparse = p.grad.is_sparse
                    if not sparse:
                        grad = _grad_array(p, self._name, f"param {i} of param group {gi}")
                    state = self.state.get(p)
                    if not state:
                        state = self._init_state(p, group)
                        self.state[p] = state
                    updated.append(p)
                    if sparse:
                        self._sparse_update(p, p.grad, state, group)
                    else:
                        self._update(p.numpy(force=True), grad, state, group)
        finally:
            increment_version(updated)
        return loss

    # ------------------------------------------------------------ saving, resuming
    def state_dict(self) -> dict[str, Any]:
        """A snapshot of the optimizer: ``{"state": {index: {...}}, "param_groups": [...]}``.

        Parameters are replaced by integer indices, numbered across groups in order; the
        arrays are copies, so later steps don't change a state dict already taken.
        """
        index: dict[int, int] = {}
        groups = []
        for group in self.param_groups:
            packed = {k: copy.deepcopy(v) for k, v in group.items() if k != "params"}
            packed["params"] = [index.setdefault(id(p), len(index)) for p in group["params"]]
            groups.append(packed)
        state = {}
        for p, values in self.state.items():
            if id(p) in index:
                state[index[id(p)]] = {k: _copy_value(v) for k, v in values.items()}
        return {"state": dict(sorted(state.items())), "param_groups": groups}

    def load_state_dict(self, state_dict: Mapping[str, Any]) -> None:
        """Restore a ``state_dict()`` (from this or an identically built optimizer).

        Hyperparameters come from the state dict; arrays are copied and cast to each
        parameter's dtype. Everything is checked before anything changes.
        """
        fn = f"{self._name}.load_state_dict"
        if not isinstance(state_dict, Mapping) or not {"state", "param_groups"} <= set(state_dict):
            raise ValueError(f"{fn}: expected a dict with 'state' and 'param_groups' entries")
        saved_groups = list(state_dict["param_groups"])
        if len(saved_groups) != len(self.param_groups):
            raise ValueError(f"{fn}: loaded state dict has {len(saved_groups)} parameter groups, "
                             f"but the optimizer has {len(self.param_groups)}")
        by_index: dict[int, Tensor] = {}
        groups = []
        for gi, (group, saved) in enumerate(zip(self.param_groups, saved_groups)):
            ids = list(saved.get("params", ()))
            if len(ids) != len(group["params"]):
                raise ValueError(f"{fn}: loaded param group {gi} has {len(ids)} parameters, but "
                                 f"the optimizer's group {gi} has {len(group['params'])}")
            by_index.update(zip((_index(k, fn) for k in ids), group["params"]))
            new = {k: copy.deepcopy(v) for k, v in saved.items()
                   if k not in ("params", "param_names")}
            new["params"] = group["params"]
            if "param_names" in group:
                new["param_names"] = group["param_names"]
            for name, default in self.defaults.items():
                new.setdefault(name, default)
            self._check_group(new, f"{fn}: param group {gi}: ")
            groups.append(new)
        state = {}
        for key, values in state_dict["state"].items():
            k = _index(key, fn)
            if k not in by_index:
                raise ValueError(f"{fn}: state for parameter {k}, which no param group lists")
            p = by_index[k]
            state[p] = {name: self._load_state_value(v, p, f"{fn}: state[{k}][{name!r}]", name)
                        for name, v in values.items()}
        self.param_groups = groups
        self.state = state

    def __repr__(self) -> str:
        lines = [f"{self._name} ("]
        for i, group in enumerate(self.param_groups):
            lines.append(f"Parameter Group {i}")
            for key in sorted(group):
                if key not in ("params", "param_names"):
                    lines.append(f"    {key}: {group[key]}")
        return "\n".join(lines) + "\n)"


# ----------------------------------------------------------------------- helpers
def _param_list(params: Any, fn: str, where: str) -> tuple[list[Tensor], list[str] | None]:
    """The group's parameters as a list (and their names, if given as (name, tensor) pairs)."""
    if isinstance(params, Tensor):
        params = [params]
    elif isinstance(params, (set, frozenset)):
        raise TypeError(f"{fn}: {where}: parameters must be in an ordered collection (a list); "
                        "the order of a set changes between runs")
    else:
        params = list(params)
    named = [isinstance(p, tuple) and len(p) == 2 and isinstance(p[0], str) for p in params]
    names = None
    if any(named):
        if not all(named):
            raise ValueError(f"{fn}: {where}: give all parameters with names or none")
        names = [p[0] for p in params]
        params = [p[1] for p in params]
    seen: dict[int, int] = {}
    for i, p in enumerate(params):
        if not isinstance(p, Tensor):
            raise TypeError(f"{fn}: optimizer can only optimize Tensors, but parameter {i} of "
                            f"{where} is a {type(p).__name__}")
        if not p.is_leaf:
            raise ValueError(f"{fn}: can't optimize a non-leaf Tensor (parameter {i} of {where}, "
                             f"computed by {p.grad_fn.name()}); optimize the leaf it comes from")
        if id(p) in seen:
            raise ValueError(f"{fn}: parameter {i} of {where} is the same Tensor as parameter "
                             f"{seen[id(p)]}; each parameter may appear once")
        seen[id(p)] = i
    return params, names


def _grad_array(p: Tensor, fn: str, where: str) -> np.ndarray:
    grad = p.grad.numpy(force=True)
    if grad.shape != p.shape:
        raise ValueError(f"{fn}.step: {where} has shape {p.shape} but its grad has shape "
                         f"{grad.shape}")
    if grad.dtype != p.dtype:
        grad = grad.astype(p.dtype)
    return grad


def _copy_value(value: Any) -> Any:
    if isinstance(value, np.ndarray):
        return value.copy()
    return copy.deepcopy(value)


def _index(key: Any, fn: str) -> int:
    if isinstance(key, (int, np.integer)) and not isinstance(key, bool):
        return int(key)
    raise ValueError(f"{fn}: parameters are numbered by ints, got the key {key!r}")


def _load_value(value: Any, p: Tensor, where: str, name: str) -> Any:
    """A state entry, copied: arrays (or Tensors) get p's shape checked and float dtype."""
    data = value.numpy(force=True) if isinstance(value, Tensor) else value
    if name == "step" and isinstance(data, np.ndarray) and data.size == 1:
        return int(data.reshape(()))
    if not isinstance(data, np.ndarray):
        return copy.deepcopy(value)
    if data.shape != p.shape:
        raise ValueError(f"{where} has shape {data.shape}, but the parameter has shape "
                         f"{p.shape}")
    dtype = p.dtype if data.dtype.kind == "f" else data.dtype
    return np.array(data, dtype=dtype, copy=True)


def check_nonneg(fn: str, where: str, group: Mapping[str, Any], *names: str) -> None:
    """ValueError unless each named hyperparameter of ``group`` is a number >= 0."""
    for name in names:
        value = group[name]
        if isinstance(value, bool) or not isinstance(value, (int, float, np.number)):
            raise ValueError(f"{fn}: {where}{name} must be a number, got {value!r}")
        if not value >= 0:
            raise ValueError(f"{fn}: {where}invalid {name} value: {value} (must be >= 0)")


def check_cpu_flags(fn: str, where: str, group: Mapping[str, Any]) -> None:
    """Check PyTorch's implementation switches, those of them ``group`` has.

    ``foreach`` and ``fused`` choose between PyTorch's per-tensor loop, multi-tensor and
    fused CUDA/CPU kernels; minigrad has one implementation (its updates already run as
    fused array kernels), so both are accepted and change nothing, except that both True
    is PyTorch's error too. ``capturable`` (CUDA graphs) and ``differentiable`` (autograd
    through the step) do not exist here: True is a ValueError.
    """
    if group.get("fused") and group.get("foreach"):
        raise RuntimeError(f"{fn}: {where}`fused` and `foreach` cannot be `True` together.")
    if group.get("capturable"):
        raise ValueError(f"{fn}: {where}capturable=True is for CUDA graphs; minigrad runs on "
                         "the CPU only: leave it False")
    if group.get("differentiable"):
        raise ValueError(f"{fn}: {where}differentiable=True (autograd through the step) is "
                         "not supported: leave it False")


def check_betas(fn: str, where: str, betas: Any) -> None:
    """ValueError unless ``betas`` is a pair of numbers in [0, 1) (Adam's (beta1, beta2))."""
    if not isinstance(betas, (tuple, list)) or len(betas) != 2:
        raise ValueError(f"{fn}: {where}betas must be a pair (beta1, beta2), got {betas!r}")
    check_beta(fn, where, "beta parameter at index 0", betas[0])
    check_beta(fn, where, "beta parameter at index 1", betas[1])


def check_beta(fn: str, where: str, name: str, value: Any) -> None:
    """ValueError unless ``0 <= value < 1``."""
    if isinstance(value, bool) or not isinstance(value, (int, float, np.number)):
        raise ValueError(f"{fn}: {where}{name} must be a number, got {value!r}")
    if not 0.0 <= value < 1.0:
        raise ValueError(f"{fn}: {where}invalid {name}: {value} (must be in [0, 1))")
