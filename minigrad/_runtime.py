"""Process-wide switches PyTorch programs set at startup: interop threads, determinism,
matmul precision (``set_num_threads`` is ``minigrad.kernels.set_num_threads``).
minigrad is deterministic and computes float32 matmuls in float32 already, so these
are recorded and reported back rather than changing anything."""

from __future__ import annotations

_state = {"interop_threads": 1, "deterministic": False, "warn_only": False,
          "matmul_precision": "highest"}


def _positive_int(fn: str, n: object) -> int:
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise ValueError(f"{fn}: the number of threads must be an int >= 1, got {n!r}")
    return n


def set_num_interop_threads(n: int) -> None:
    """Accepted and recorded (``torch.set_num_interop_threads``): minigrad runs ops one at
    a time, so there is no inter-op pool to size."""
    _state["interop_threads"] = _positive_int("set_num_interop_threads", n)


def get_num_interop_threads() -> int:
    """What ``set_num_interop_threads`` recorded (1 until then)."""
    return _state["interop_threads"]


def use_deterministic_algorithms(mode: bool, *, warn_only: bool = False) -> None:
    """Record ``mode`` (``torch.use_deterministic_algorithms``).

    minigrad's ops are deterministic whatever this says: the same inputs give the same
    bits on the same machine and thread count (kernels split work at fixed bounds).

    >>> import minigrad as mg
    >>> mg.use_deterministic_algorithms(True); mg.are_deterministic_algorithms_enabled()
    True
    >>> mg.use_deterministic_algorithms(False)
    """
    if not isinstance(mode, bool):
        raise TypeError(f"use_deterministic_algorithms: mode must be a bool, got {mode!r}")
    _state["deterministic"] = mode
    _state["warn_only"] = bool(warn_only)


def are_deterministic_algorithms_enabled() -> bool:
    """What ``use_deterministic_algorithms`` last set (False until then)."""
    return _state["deterministic"]


def is_deterministic_algorithms_warn_only_enabled() -> bool:
    """The ``warn_only`` that ``use_deterministic_algorithms`` last set."""
    return _state["warn_only"]


def set_float32_matmul_precision(precision: str) -> None:
    """Accept ``"highest"``, ``"high"`` or ``"medium"`` (``torch.set_float32_matmul_precision``).

    PyTorch may then use TF32 or bfloat16 inside float32 matmuls on some hardware;
    minigrad always multiplies float32 in float32, so the setting is recorded only.
    """
    if precision not in ("highest", "high", "medium"):
        raise ValueError("set_float32_matmul_precision: precision must be 'highest', 'high' "
                         f"or 'medium', got {precision!r}")
    _state["matmul_precision"] = precision


def get_float32_matmul_precision() -> str:
    """What ``set_float32_matmul_precision`` recorded (``"highest"`` until then)."""
    return _state["matmul_precision"]
