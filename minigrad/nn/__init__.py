"""Neural-network building blocks: ``Module``, ``Parameter``, layers, losses,
``functional`` (F), ``init`` and ``utils``. See docs/nn.md.

>>> import minigrad as mg
>>> import minigrad.nn as nn
>>> model = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 1))
>>> model(mg.randn(5, 4)).shape
(5, 1)
"""

from . import functional, init, parallel, regularization, utils
from .modules import *
from .modules import __all__ as _module_names
from .parameter import Parameter

__all__ = ["Parameter", "functional", "init", "parallel", "regularization", "utils", *_module_names]
