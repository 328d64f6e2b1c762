"""Optimizers and learning-rate schedules, with PyTorch's names, arguments and algorithms.

>>> import minigrad as mg
>>> from minigrad import optim
>>> w = mg.tensor([1.0, 2.0], requires_grad=True)
>>> opt = optim.SGD([w], lr=0.1)
>>> opt.zero_grad(); (w * w).sum().backward(); opt.step()
>>> w
tensor([0.8, 1.6], requires_grad=True)

See docs/optim.md.
"""

from . import lr_scheduler
from .adadelta import Adadelta
from .adagrad import Adagrad
from .adam import Adam, AdamW
from .lbfgs import LBFGS
from .optimizer import Optimizer
from .rmsprop import RMSprop
from .sgd import SGD
from .sparse_adam import SparseAdam

__all__ = ["SGD", "Adadelta", "Adagrad", "Adam", "AdamW", "LBFGS", "Optimizer", "RMSprop",
           "SparseAdam", "lr_scheduler"]
