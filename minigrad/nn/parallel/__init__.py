"""``nn.parallel``: ``DistributedDataParallel`` (PyTorch's name; see docs/distributed.md).

The class lives in ``minigrad.distributed``, which sits below ``nn`` in the layering,
so it is imported lazily here: ``import minigrad.nn`` must not pull in the transport.
"""

from typing import Any

__all__ = ["DistributedDataParallel"]


def __getattr__(name: str) -> Any:
    if name == "DistributedDataParallel":
        from minigrad.distributed.ddp import DistributedDataParallel

        return DistributedDataParallel
    raise AttributeError(f"module 'minigrad.nn.parallel' has no attribute {name!r}")
