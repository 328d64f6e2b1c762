"""``torch.cuda.amp``: the deprecated CUDA spellings of ``minigrad.amp``'s no-ops."""

from __future__ import annotations

from typing import Any

from .. import amp as _amp


class autocast(_amp.autocast):  # noqa: N801  (PyTorch's name)
    """``torch.cuda.amp.autocast(enabled=True, dtype=float16, cache_enabled=True)``:
    ``minigrad.amp.autocast("cuda", ...)``, which changes nothing (see minigrad.amp)."""

    def __init__(self, enabled: bool = True, dtype: Any = None,
                 cache_enabled: bool = True) -> None:
        super().__init__("cuda", dtype=dtype, enabled=enabled, cache_enabled=cache_enabled)


class GradScaler(_amp.GradScaler):
    """``torch.cuda.amp.GradScaler``: ``minigrad.amp.GradScaler("cuda", ...)``, always
    disabled (see minigrad.amp)."""

    def __init__(self, init_scale: float = 2.0 ** 16, growth_factor: float = 2.0,
                 backoff_factor: float = 0.5, growth_interval: int = 2000,
                 enabled: bool = True) -> None:
        super().__init__("cuda", init_scale, growth_factor, backoff_factor, growth_interval,
                         enabled)


__all__ = ["GradScaler", "autocast"]
