"""What the Trainer accepts as data, and how it reads a batch.

``train_data`` may be a ``DataLoader`` (any re-iterable of batches) or an
``(X, y)`` pair of arrays/Tensors, which becomes a ``DataLoader`` over a
``TensorDataset``. A batch is ``(inputs, targets)`` unless the Trainer has a
``step_fn``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from minigrad import random as mgrandom
from minigrad._tensor import Tensor
from minigrad.data import DataLoader, TensorDataset


def _is_array_like(x: Any) -> bool:
    return isinstance(x, (np.ndarray, Tensor))


def make_loader(data: Any, batch_size: int, shuffle: bool,
                generator: mgrandom.Generator | None, where: str) -> Any:
    """``data`` itself if it is a loader; a DataLoader over ``(X, y)`` (or ``X``) otherwise."""
    if isinstance(data, (tuple, list)):
        if not data or not all(_is_array_like(part) for part in data):
            raise TypeError(f"{where}: expected a DataLoader or an (X, y) pair of arrays or "
                            f"Tensors, got a {type(data).__name__} of "
                            f"{[type(part).__name__ for part in data]}")
        dataset = TensorDataset(*data)
    elif _is_array_like(data):
        dataset = TensorDataset(data)
    elif hasattr(data, "__iter__") and not isinstance(data, (str, bytes, dict)):
        return data
    else:
        raise TypeError(f"{where}: expected a DataLoader or an (X, y) pair of arrays or "
                        f"Tensors, got {type(data).__name__}")
    return DataLoader(dataset, batch_size=batch_size, shuffle=shuffle,
                      generator=generator if shuffle else None)


def loader_length(loader: Any) -> int | None:
    """Number of batches per epoch, or None if the loader cannot tell."""
    try:
        return len(loader)
    except TypeError:
        return None


def split_batch(batch: Any, where: str) -> tuple[Any, Any]:
    """``(inputs, targets)`` of a default-step batch."""
    if isinstance(batch, (tuple, list)) and len(batch) == 2:
        return batch[0], batch[1]
    kind = type(batch).__name__
    size = f" of length {len(batch)}" if isinstance(batch, (tuple, list)) else ""
    raise TypeError(f"{where}: a batch must be an (inputs, targets) pair, got a {kind}{size}; "
                    "pass step_fn= to the Trainer for other batch layouts")


def inputs_of(batch: Any) -> Any:
    """The model input of a predict batch: ``x`` from ``(x,)``, ``(x, y)`` or ``x``."""
    if isinstance(batch, (tuple, list)):
        if not batch:
            raise ValueError("Trainer.predict: got an empty batch")
        return batch[0]
    return batch


def batch_size_of(batch: Any) -> int:
    """Samples in a batch: the first dimension of its first tensor (1 if it has none)."""
    while isinstance(batch, (tuple, list, dict)) and len(batch) > 0:
        batch = next(iter(batch.values())) if isinstance(batch, dict) else batch[0]
    shape = getattr(batch, "shape", None)
    if shape:
        return int(shape[0])
    return 1


def first_output(out: Any) -> Any:
    """A model's prediction: the output itself, or the first element of a tuple output."""
    if isinstance(out, (tuple, list)):
        return out[0]
    return out


def concat_outputs(outputs: list[Any]) -> Tensor:
    """One Tensor of the batches' outputs joined along dimension 0."""
    arrays = [o.data if isinstance(o, Tensor) else np.asarray(o) for o in outputs]
    if not arrays:
        raise ValueError("Trainer.predict: the data yielded no batches")
    return Tensor(np.concatenate(arrays, axis=0))
