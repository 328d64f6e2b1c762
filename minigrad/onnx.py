"""``torch.onnx``: importable, so programs that import it run; exporting a model to ONNX
is not implemented in minigrad and ``export`` says so.

>>> import minigrad.onnx
>>> minigrad.onnx.export(None, None, "model.onnx")
Traceback (most recent call last):
...
NotImplementedError: onnx.export: minigrad cannot export models to ONNX...
"""

from __future__ import annotations

from typing import Any


def export(model: Any, args: Any = None, f: Any = None, *more: Any, **kwargs: Any) -> None:
    """Always raises NotImplementedError (nothing is written)."""
    raise NotImplementedError(
        "onnx.export: minigrad cannot export models to ONNX. Save the weights with "
        "mg.save(model.state_dict(), path) (safetensors, which other frameworks load) instead."
    )


def is_in_onnx_export() -> bool:
    """False: minigrad never exports."""
    return False


__all__ = ["export", "is_in_onnx_export"]
