"""L-BFGS: quasi-Newton steps from the last few gradient differences, for full-batch problems."""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Mapping
from typing import Any

import numpy as np

from .._tensor import Tensor
from ..autograd import enable_grad
from ..autograd.graph import increment_version
from .line_search import strong_wolfe
from .optimizer import Optimizer, check_nonneg

LINE_SEARCHES = (None, "strong_wolfe")
# The step's state arrays (flat, one element per parameter element) and lists of them.
FLAT_STATE = ("d", "prev_flat_grad")
FLAT_LISTS = ("old_dirs", "old_stps")


class LBFGS(Optimizer):
    """L-BFGS (PyTorch's algorithm and arguments). ``step(closure)`` runs up to ``max_iter``
    iterations, each::

        d = -H g       H: the inverse-Hessian estimate from the last history_size pairs
                       (s = step taken, y = change of gradient), by the two-loop recursion;
                       d = -g on the very first iteration
        t = lr * min(1, 1/|g|_1) on the first iteration, else lr
        t = a step satisfying the strong Wolfe conditions, if line_search_fn="strong_wolfe"
        p = p + t d

    and stops early when the gradient's largest element is at most ``tolerance_grad``,
    when the step or the loss change is below ``tolerance_change``, or when the closure
    has been called ``max_eval`` times (default ``max_iter * 5 // 4``). It returns the
    loss the first closure call returned. All parameters are treated as one flat
    vector, so there is a single parameter group. The state (``d``, ``t``,
    ``old_dirs``, ``old_stps``, ``ro``, ``H_diag``, ``prev_flat_grad``, ``prev_loss``,
    ``n_iter``, ``func_evals``) carries over between ``step`` calls and is kept under
    the first parameter, as in PyTorch.

    >>> import minigrad as mg
    >>> x = mg.tensor([3.0, -2.0], requires_grad=True)
    >>> opt = LBFGS([x], line_search_fn="strong_wolfe")
    >>> def closure():
    ...     opt.zero_grad()
    ...     loss = ((x - 1.0) ** 2).sum()
    ...     loss.backward()
    ...     return loss
    >>> opt.step(closure).item()    # the loss before the step
    13.0
    >>> x
    tensor([1., 1.], requires_grad=True)
    """

    def __init__(self, params: Iterable[Any], lr: float = 1, max_iter: int = 20,
                 max_eval: int | None = None, tolerance_grad: float = 1e-7,
                 tolerance_change: float = 1e-9, history_size: int = 100,
                 line_search_fn: str | None = None) -> None:
        if max_eval is None:
            max_eval = max_iter * 5 // 4
        defaults = dict(lr=lr, max_iter=max_iter, max_eval=max_eval,
                        tolerance_grad=tolerance_grad, tolerance_change=tolerance_change,
                        history_size=history_size, line_search_fn=line_search_fn)
        super().__init__(params, defaults)

    def _check_group(self, group: Mapping[str, Any], where: str) -> None:
        check_nonneg("LBFGS", where, group, "lr", "tolerance_grad", "tolerance_change")
        for name in ("max_iter", "max_eval", "history_size"):
            value = group[name]
            if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
                raise ValueError(f"LBFGS: {where}{name} must be an int >= 1, got {value!r}")
        if group["line_search_fn"] not in LINE_SEARCHES:
            raise ValueError(f"LBFGS: {where}line_search_fn must be None or 'strong_wolfe' "
                             f"(only 'strong_wolfe' is supported), got "
                             f"{group['line_search_fn']!r}")

    def add_param_group(self, param_group: Mapping[str, Any]) -> None:
        """LBFGS takes one group only (all parameters form one vector): a second is an error."""
        if self.param_groups:
            raise ValueError("LBFGS doesn't support per-parameter options (parameter groups)")
        super().add_param_group(param_group)

    # ------------------------------------------------------------ the flat vector
    @property
    def _params(self) -> list[Tensor]:
        return self.param_groups[0]["params"]

    def _flat_dtype(self) -> np.dtype:
        return np.result_type(*(p.dtype for p in self._params))

    def _gather_flat_grad(self) -> np.ndarray:
        parts = []
        for p in self._params:
            if p.grad is None:
                parts.append(np.zeros(p.numel(), p.dtype))
            elif p.grad.is_sparse:
                parts.append(p.grad.dense_array().reshape(-1))
            else:
                parts.append(p.grad.numpy(force=True).reshape(-1))
        return np.concatenate(parts).astype(self._flat_dtype(), copy=False)

    def _add_to_params(self, t: float, d: np.ndarray) -> None:
        """p += t * d, slice by slice (in place: views and the Parameter objects stay valid)."""
        offset = 0
        for p in self._params:
            array = p.numpy(force=True)
            array += t * d[offset:offset + array.size].reshape(array.shape)
            offset += array.size
        increment_version(self._params)

    def _copy_params(self) -> list[np.ndarray]:
        return [p.numpy(force=True).copy() for p in self._params]

    def _set_params(self, values: list[np.ndarray]) -> None:
        for p, value in zip(self._params, values):
            p.numpy(force=True)[...] = value
        increment_version(self._params)

    def _evaluate_along(self, evaluate: Callable[[], tuple[Any, float, np.ndarray]],
                        start: list[np.ndarray], d: np.ndarray,
                        t: float) -> tuple[float, np.ndarray]:
        """Loss and flat gradient at ``start + t d``; the parameters go back to ``start``."""
        self._add_to_params(t, d)
        _, loss, grad = evaluate()
        self._set_params(start)
        return loss, grad

    # ---------------------------------------------------------------------- step
    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """Run up to ``max_iter`` L-BFGS iterations; return the first ``closure()``'s loss.

        ``closure`` is required: it zeroes the gradients, computes the loss, calls
        ``backward()`` and returns the loss. It runs with grad enabled.
        """
        if closure is None:
            raise TypeError("LBFGS.step needs a closure: a function that zeroes the gradients, "
                            "computes the loss, calls loss.backward() and returns the loss; "
                            "call opt.step(closure)")
        group = self.param_groups[0]
        lr, max_iter, max_eval = group["lr"], group["max_iter"], group["max_eval"]
        tolerance_grad, tolerance_change = group["tolerance_grad"], group["tolerance_change"]

        def evaluate() -> tuple[Any, float, np.ndarray]:
            with enable_grad():
                loss = closure()
            return loss, float(loss), self._gather_flat_grad()

        state = self.state.setdefault(self._params[0], {})
        state.setdefault("func_evals", 0)
        state.setdefault("n_iter", 0)
        orig_loss, loss, flat_grad = evaluate()
        state["func_evals"] += 1
        evals = 1
        if np.abs(flat_grad).max() <= tolerance_grad:
            return orig_loss

        d, t = state.get("d"), state.get("t")
        old_dirs, old_stps, ro = state.get("old_dirs"), state.get("old_stps"), state.get("ro")
        h_diag, prev_flat_grad = state.get("H_diag"), state.get("prev_flat_grad")
        prev_loss = state.get("prev_loss")
        n_iter = 0
        while n_iter < max_iter:
            n_iter += 1
            state["n_iter"] += 1
            if state["n_iter"] == 1:
                d = -flat_grad
                old_dirs, old_stps, ro, h_diag = [], [], [], 1.0
            else:
                y = flat_grad - prev_flat_grad
                s = d * t
                ys = float(y @ s)
                if ys > 1e-10:  # keep the pair only where the curvature is positive
                    if len(old_dirs) == group["history_size"]:
                        del old_dirs[0], old_stps[0], ro[0]
                    old_dirs.append(y)
                    old_stps.append(s)
                    ro.append(1.0 / ys)
                    h_diag = ys / float(y @ y)
                d = inverse_hessian_product(-flat_grad, old_dirs, old_stps, ro, h_diag)
            prev_flat_grad = flat_grad.copy()
            prev_loss = loss

            if state["n_iter"] == 1:
                t = min(1.0, 1.0 / float(np.abs(flat_grad).sum())) * lr
            else:
                t = lr
            slope = float(flat_grad @ d)
            if slope > -tolerance_change:  # not a descent direction (any more)
                break

            used = 0
            converged = False
            if group["line_search_fn"] == "strong_wolfe":
                along = functools.partial(self._evaluate_along, evaluate, self._copy_params(), d)
                found, used = strong_wolfe(along, d, t, loss, flat_grad, slope,
                                           tolerance_change=tolerance_change,
                                           max_evals=max(1, min(25, max_eval - evals)))
                loss, flat_grad, t = found.f, found.grad, found.t
                self._add_to_params(t, d)
                converged = np.abs(flat_grad).max() <= tolerance_grad
            else:
                self._add_to_params(t, d)
                if n_iter != max_iter:  # the gradient at the new point, for the next iteration
                    _, loss, flat_grad = evaluate()
                    converged = np.abs(flat_grad).max() <= tolerance_grad
                    used = 1
            evals += used
            state["func_evals"] += used

            if n_iter == max_iter or evals >= max_eval or converged:
                break
            if np.abs(d * t).max() <= tolerance_change:
                break
            if abs(loss - prev_loss) < tolerance_change:
                break

        state.update(d=d, t=t, old_dirs=old_dirs, old_stps=old_stps, ro=ro, H_diag=h_diag,
                     prev_flat_grad=prev_flat_grad, prev_loss=prev_loss)
        return orig_loss

    # ------------------------------------------------------------ saving, resuming
    def _load_state_value(self, value: Any, p: Tensor, where: str, name: str) -> Any:
        """The step state is flat: arrays of all parameters' elements (lists of them for
        the history), floats and counts."""
        size = sum(q.numel() for q in self._params)
        if name in FLAT_STATE:
            return None if value is None else _flat(value, size, self._flat_dtype(), where)
        if name in FLAT_LISTS:
            return [_flat(v, size, self._flat_dtype(), f"{where}[{i}]")
                    for i, v in enumerate(value)]
        if name == "ro":
            return [_number(v, f"{where}[{i}]") for i, v in enumerate(value)]
        if name in ("n_iter", "func_evals"):
            return int(_number(value, where))
        return None if value is None else _number(value, where)


def inverse_hessian_product(v: np.ndarray, old_dirs: list[np.ndarray],
                            old_stps: list[np.ndarray], ro: list[float],
                            h_diag: float) -> np.ndarray:
    """``H v`` for the L-BFGS inverse-Hessian estimate ``H``, by the two-loop recursion.

    ``H`` is built from ``H_diag * I`` by one BFGS update per pair ``(s_i, y_i) =
    (old_stps[i], old_dirs[i])``, oldest first, with ``ro[i] = 1 / (y_i . s_i)``; it
    satisfies the secant condition ``H y_i = s_i`` for the newest pair.

    >>> s, y = np.array([1.0, 0.0]), np.array([2.0, 0.0])     # curvature 2 along x
    >>> inverse_hessian_product(y, [y], [s], [1 / (y @ s)], 0.5)
    array([1., 0.])
    """
    q = v.copy()
    alphas = [0.0] * len(old_dirs)
    for i in reversed(range(len(old_dirs))):
        alphas[i] = float(old_stps[i] @ q) * ro[i]
        q -= alphas[i] * old_dirs[i]
    r = q * h_diag
    for i in range(len(old_dirs)):
        beta = float(old_dirs[i] @ r) * ro[i]
        r += (alphas[i] - beta) * old_stps[i]
    return r


def _flat(value: Any, size: int, dtype: np.dtype, where: str) -> np.ndarray:
    array = value.numpy(force=True) if isinstance(value, Tensor) else np.asarray(value)
    if array.shape != (size,):
        raise ValueError(f"{where} has shape {array.shape}, but the parameters have {size} "
                         f"elements in all (expected shape ({size},))")
    return np.array(array, dtype=dtype, copy=True)


def _number(value: Any, where: str) -> float:
    data = value.numpy(force=True) if isinstance(value, Tensor) else np.asarray(value)
    if data.size != 1 or data.dtype.kind not in "biuf":
        raise ValueError(f"{where} must be a number, got {value!r}")
    return float(data.reshape(()))
