"""``torch.amp`` on the CPU: ``autocast`` and ``GradScaler`` accepted and passed through.

minigrad computes every op in its inputs' dtype (float32 by default) and has no
half-precision kernels, so mixed precision has nothing to do here. Programs written for
a GPU still run: ``autocast`` is a context manager and decorator that changes nothing,
and ``GradScaler`` passes ``scale``/``step``/``update``/``unscale_`` through. Asked to be
enabled, both warn once and disable themselves, as PyTorch's do when CUDA is missing.

>>> import minigrad as mg
>>> scaler = mg.amp.GradScaler(enabled=False)
>>> loss = mg.tensor(2.0)
>>> scaler.scale(loss) is loss, scaler.get_scale(), scaler.is_enabled()
(True, 1.0, False)
"""

from __future__ import annotations

import functools
import warnings
from collections.abc import Callable
from typing import Any

from ._device import is_device_name


def _disabled_warning(what: str) -> None:
    warnings.warn(f"{what} is enabled, but minigrad computes in full precision on the CPU "
                  "only. Disabling (it passes everything through unchanged).", stacklevel=3)


class autocast:  # noqa: N801  (PyTorch's name)
    """``torch.autocast(device_type, dtype=None, enabled=True, cache_enabled=None)``.

    A context manager and a decorator that leaves every op in its inputs' dtype.
    ``enabled=True`` (the default) warns that it is disabled; ``enabled=False`` is silent.
    ``device_type`` must be a device name such as "cuda" or "cpu".

    >>> import minigrad as mg
    >>> with mg.amp.autocast("cpu", enabled=False):
    ...     (mg.ones(2) * 2).dtype
    minigrad.float32
    """

    def __init__(self, device_type: str, dtype: Any = None, enabled: bool = True,
                 cache_enabled: bool | None = None) -> None:
        if not is_device_name(device_type):
            raise ValueError(f"autocast: unsupported device_type {device_type!r}; "
                             'expected a device name such as "cuda" or "cpu"')
        self.device = device_type.split(":", 1)[0]
        self.fast_dtype = dtype
        self._enabled = False
        if enabled:
            _disabled_warning(f"autocast({device_type!r})")

    def __enter__(self) -> autocast:
        return self

    def __exit__(self, *exc: Any) -> None:
        return None

    def __call__(self, fn: Callable) -> Callable:
        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            with self:
                return fn(*args, **kwargs)

        return wrapper


def is_autocast_available(device_type: str) -> bool:
    """False: minigrad has no reduced-precision autocast on any device."""
    return False


class GradScaler:
    """``torch.amp.GradScaler``: loss scaling for float16 training, passed through here.

    Takes PyTorch's arguments (``device="cuda"``, ``init_scale``, ``growth_factor``,
    ``backoff_factor``, ``growth_interval``, ``enabled``). It is always disabled on
    minigrad (``enabled=True`` warns once): ``scale(outputs)`` returns ``outputs``,
    ``unscale_`` and ``update`` do nothing, ``step(optimizer)`` calls
    ``optimizer.step()`` and returns what it returned, ``get_scale()`` is 1.0. Without
    float16 gradients there is no underflow to guard against, so the training steps
    equal those of the same loop written without the scaler.
    """

    def __init__(self, device: str = "cuda", init_scale: float = 2.0 ** 16,
                 growth_factor: float = 2.0, backoff_factor: float = 0.5,
                 growth_interval: int = 2000, enabled: bool = True) -> None:
        if not is_device_name(device):
            raise ValueError(f"GradScaler: unsupported device {device!r}; "
                             'expected a device name such as "cuda" or "cpu"')
        self._device = device
        self._enabled = False
        if enabled:
            _disabled_warning("GradScaler")

    def is_enabled(self) -> bool:
        """False: the scaler never scales on minigrad."""
        return self._enabled

    def scale(self, outputs: Any) -> Any:
        """``outputs`` unchanged (a tensor, or any nesting of them)."""
        return outputs

    def unscale_(self, optimizer: Any) -> None:
        """Nothing to unscale: the gradients were never scaled."""
        return None

    def step(self, optimizer: Any, *args: Any, **kwargs: Any) -> Any:
        """``optimizer.step(*args, **kwargs)``, returning its result."""
        return optimizer.step(*args, **kwargs)

    def update(self, new_scale: Any = None) -> None:
        """Nothing to update."""
        return None

    def get_scale(self) -> float:
        """1.0, as PyTorch's disabled scaler reports."""
        return 1.0

    def state_dict(self) -> dict[str, Any]:
        """An empty dict, as a disabled PyTorch scaler returns."""
        return {}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Accepts a state dict (PyTorch's disabled scaler ignores it too)."""
        if not isinstance(state_dict, dict):
            raise TypeError(f"GradScaler.load_state_dict: expected a dict, "
                            f"got {type(state_dict).__name__}")


__all__ = ["GradScaler", "autocast", "is_autocast_available"]
