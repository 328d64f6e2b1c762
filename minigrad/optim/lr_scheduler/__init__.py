"""Learning-rate schedules, with PyTorch's names and semantics (``torch.optim.lr_scheduler``).

Build the scheduler after the optimizer; call ``scheduler.step()`` after
``optimizer.step()``. See docs/optim.md for every formula and when to step.
"""

from .base import LRScheduler
from .one_cycle import OneCycleLR
from .plateau import ReduceLROnPlateau
from .schedules import (
    CosineAnnealingLR,
    ExponentialLR,
    LambdaLR,
    LinearLR,
    MultiStepLR,
    StepLR,
)
from .sequential import SequentialLR
from .warmup import WarmupCosineLR, get_cosine_schedule_with_warmup

__all__ = [
    "CosineAnnealingLR",
    "ExponentialLR",
    "LRScheduler",
    "LambdaLR",
    "LinearLR",
    "MultiStepLR",
    "OneCycleLR",
    "ReduceLROnPlateau",
    "SequentialLR",
    "StepLR",
    "WarmupCosineLR",
    "get_cosine_schedule_with_warmup",
]
