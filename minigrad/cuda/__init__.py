"""``torch.cuda`` answered for a CPU-only library.

The questions programs ask before choosing a device get PyTorch's answers on a machine
without a GPU: ``is_available()`` is False and ``device_count()`` is 0, so
``"cuda" if torch.cuda.is_available() else "cpu"`` picks the CPU. Seeding calls seed
minigrad's one generator (as ``minigrad.manual_seed`` does), ``empty_cache()`` does
nothing, and ``minigrad.cuda.amp`` holds the pass-through ``autocast`` and
``GradScaler``. Everything that would need a GPU raises the one device error.

>>> import minigrad as mg
>>> mg.cuda.is_available(), mg.cuda.device_count()
(False, 0)
>>> mg.cuda.synchronize()
Traceback (most recent call last):
...
ValueError: cuda.synchronize: minigrad runs on the CPU only; got device 'cuda'...
"""

from __future__ import annotations

from typing import Any

from .. import random as _random
from .._device import check_device
from . import amp


def is_available() -> bool:
    """False: minigrad has no GPU backend."""
    return False


def is_bf16_supported(including_emulation: bool = True) -> bool:
    """False: minigrad has no bfloat16 (and no GPU)."""
    return False


def device_count() -> int:
    """0 GPUs."""
    return 0


def is_initialized() -> bool:
    """False: there is no CUDA state to initialize."""
    return False


def manual_seed(seed: int) -> None:
    """Seed minigrad's default generator, as ``minigrad.manual_seed(seed)`` does."""
    _random.manual_seed(seed)


def manual_seed_all(seed: int) -> None:
    """The same as ``manual_seed``: there is one generator."""
    _random.manual_seed(seed)


def empty_cache() -> None:
    """Nothing to release: a no-op, as in PyTorch before CUDA is initialized."""
    return None


def _needs_gpu(name: str) -> None:
    check_device("cuda", f"cuda.{name}")


def synchronize(device: Any = None) -> None:
    """Raises the device error: there is no GPU to wait for."""
    _needs_gpu("synchronize")


def current_device() -> int:
    """Raises the device error: there is no current GPU."""
    _needs_gpu("current_device")
    raise AssertionError("unreachable")


def set_device(device: Any) -> None:
    """Raises the device error."""
    _needs_gpu("set_device")


def get_device_name(device: Any = None) -> str:
    """Raises the device error."""
    _needs_gpu("get_device_name")
    raise AssertionError("unreachable")


def get_device_properties(device: Any = None) -> Any:
    """Raises the device error."""
    _needs_gpu("get_device_properties")


def memory_allocated(device: Any = None) -> int:
    """Raises the device error: there is no GPU memory."""
    _needs_gpu("memory_allocated")
    raise AssertionError("unreachable")


def max_memory_allocated(device: Any = None) -> int:
    """Raises the device error: there is no GPU memory."""
    _needs_gpu("max_memory_allocated")
    raise AssertionError("unreachable")


__all__ = ["amp", "current_device", "device_count", "empty_cache", "get_device_name",
           "get_device_properties", "is_available", "is_initialized", "manual_seed",
           "manual_seed_all", "max_memory_allocated", "memory_allocated", "set_device",
           "synchronize"]
