"""How tensors print: ``set_printoptions`` (PyTorch's arguments and profiles)."""

from __future__ import annotations

import sys
from typing import Any

import numpy as np

_DEFAULT = {"precision": 4, "threshold": 1000, "edgeitems": 3, "linewidth": 80, "sci_mode": None}
_PROFILES = {
    "default": _DEFAULT,
    "short": {"precision": 2, "threshold": 1000, "edgeitems": 2, "linewidth": 80},
    "full": {"precision": 4, "threshold": float("inf"), "edgeitems": 3, "linewidth": 80},
}
OPTIONS: dict[str, Any] = dict(_DEFAULT)


def set_printoptions(precision: int | None = None, threshold: float | None = None,
                     edgeitems: int | None = None, linewidth: int | None = None,
                     profile: str | None = None, sci_mode: bool | None = None) -> None:
    """Set how tensors print, as ``torch.set_printoptions`` does.

    ``precision``: digits after the point (default 4); ``threshold``: more elements than
    this print summarized (default 1000); ``edgeitems``: items kept at each end of a
    summarized dimension (3); ``linewidth``: characters per line (80); ``profile``:
    ``"default"``, ``"short"`` or ``"full"`` sets all of these first; ``sci_mode``: True
    always prints floats in scientific notation, False never, None (default) lets NumPy
    choose. Arguments left None keep their current value (``sci_mode`` is always set).

    >>> import minigrad as mg
    >>> mg.set_printoptions(precision=2)
    >>> mg.tensor([1 / 3, 2 / 3])
    tensor([0.33, 0.67])
    >>> mg.set_printoptions(profile="default")
    >>> mg.tensor([1 / 3, 2 / 3])
    tensor([0.3333, 0.6667])
    """
    if profile is not None:
        if profile not in _PROFILES:
            raise ValueError(f"set_printoptions: profile must be one of {sorted(_PROFILES)}, "
                             f"got {profile!r}")
        OPTIONS.update(_PROFILES[profile])
    for name, value in (("precision", precision), ("threshold", threshold),
                        ("edgeitems", edgeitems), ("linewidth", linewidth)):
        if value is None:
            continue
        if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
            raise ValueError(f"set_printoptions: {name} must be a number >= 0, got {value!r}")
        OPTIONS[name] = value
    if sci_mode is not None and not isinstance(sci_mode, bool):
        raise ValueError(f"set_printoptions: sci_mode must be True, False or None, "
                         f"got {sci_mode!r}")
    OPTIONS["sci_mode"] = sci_mode


def array_text(array: np.ndarray, prefix: str) -> str:
    """``array`` as text under the current print options (the body of a tensor's repr)."""
    threshold = OPTIONS["threshold"]
    precision = int(OPTIONS["precision"])
    kwargs: dict[str, Any] = {}
    if OPTIONS["sci_mode"] is True and array.dtype.kind == "f":
        kwargs["formatter"] = {"float_kind": lambda v: f"{v:.{precision}e}"}
    elif OPTIONS["sci_mode"] is False:
        kwargs["suppress_small"] = True
    return np.array2string(
        array, separator=", ", prefix=prefix, precision=precision,
        threshold=sys.maxsize if threshold == float("inf") else int(threshold),
        edgeitems=int(OPTIONS["edgeitems"]), max_line_width=int(OPTIONS["linewidth"]),
        **kwargs,
    )
