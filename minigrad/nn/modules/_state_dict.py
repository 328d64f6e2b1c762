"""Building and loading a Module's ``state_dict``: the helpers behind
``Module.state_dict`` and ``Module.load_state_dict``."""

from __future__ import annotations

from collections import OrderedDict, namedtuple
from typing import TYPE_CHECKING, Any

import numpy as np

from ..._tensor import Tensor
from ...autograd.grad_mode import no_grad

if TYPE_CHECKING:
    from .module import Module

IncompatibleKeys = namedtuple("IncompatibleKeys", ["missing_keys", "unexpected_keys"])


def state_entries(module: Module, prefix: str = "") -> list[tuple[str, Tensor]]:
    """``(key, tensor)`` for every parameter and persistent buffer, in ``named_modules``
    order, keys starting with ``prefix`` ("net." -> "net.fc.weight"). A tensor shared by
    two modules appears under both keys (as in PyTorch)."""
    entries = []
    for name, sub in module.named_modules(remove_duplicate=False):
        dot = prefix + name + "." if name else prefix
        for key, p in sub._parameters.items():
            if p is not None:
                entries.append((dot + key, p))
        for key, b in sub._buffers.items():
            if b is not None and key not in sub._non_persistent_buffers_set:
                entries.append((dot + key, b))
    return entries


def build_state_dict(module: Module, destination: Any, prefix: str, keep_vars: bool) -> Any:
    destination = OrderedDict() if destination is None else destination
    for key, t in state_entries(module, prefix):
        destination[key] = t if keep_vars else t.detach()
    return destination


def _as_array(value: Any, key: str) -> np.ndarray:
    if isinstance(value, Tensor):
        return value.numpy(force=True)
    if isinstance(value, np.ndarray):
        return value
    raise TypeError(
        f"load_state_dict: the value for {key!r} must be a Tensor or a numpy.ndarray, "
        f"got {type(value).__name__}"
    )


def load_state(module: Module, state_dict: Any, strict: bool) -> IncompatibleKeys:
    """Check every key and shape first, then copy the values in place (all or nothing)."""
    if not hasattr(state_dict, "keys") or not hasattr(state_dict, "__getitem__"):
        raise TypeError(
            f"load_state_dict: expected a dict of tensors, got {type(state_dict).__name__}"
        )
    expected = state_entries(module)
    expected_keys = {key for key, _ in expected}
    missing = [key for key, _ in expected if key not in state_dict]
    unexpected = [key for key in state_dict.keys() if key not in expected_keys]
    arrays = {}
    mismatched = []
    for key, target in expected:
        if key not in state_dict:
            continue
        arrays[key] = _as_array(state_dict[key], key)
        if arrays[key].shape != target.shape:
            mismatched.append((key, arrays[key].shape, target.shape))
    errors = []
    for key, target in expected:  # every value converted before anything is written
        if key not in arrays or arrays[key].shape != target.shape:
            continue
        if arrays[key].dtype.kind not in "biuf":
            errors.append(f"{key}: the value has dtype {arrays[key].dtype}, not a number type")
            continue
        arrays[key] = arrays[key].astype(target.dtype, copy=False)
        if not target.numpy(force=True).flags.writeable:
            errors.append(f"{key}: the module's tensor is read-only (it wraps a read-only "
                          "array); it can't be loaded in place")
    if strict and missing:
        errors.append("Missing key(s) in state_dict: " + ", ".join(f'"{k}"' for k in missing))
    if strict and unexpected:
        errors.append(
            "Unexpected key(s) in state_dict: " + ", ".join(f'"{k}"' for k in unexpected)
        )
    for key, got, want in mismatched:
        errors.append(
            f"size mismatch for {key}: copying a param with shape {tuple(got)} from "
            f"checkpoint, the shape in current model is {tuple(want)}."
        )
    if errors:
        raise RuntimeError(
            f"Error(s) in loading state_dict for {type(module).__name__}:\n\t"
            + "\n\t".join(errors)
        )
    with no_grad():
        for key, target in expected:
            if key in arrays:
                target.copy_(arrays[key])
    return IncompatibleKeys(missing, unexpected)
