"""``torch.backends`` for a CPU-only library: the flags programs set are accepted and
change nothing, the questions get PyTorch's answers on a machine without a GPU.

>>> import minigrad as mg
>>> mg.backends.mps.is_available(), mg.backends.cudnn.is_available()
(False, False)
>>> mg.backends.cudnn.benchmark = True   # harmless: there is no cuDNN to tune
"""

from . import cuda, cudnn, mps

__all__ = ["cuda", "cudnn", "mps"]
