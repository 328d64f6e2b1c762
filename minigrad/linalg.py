"""``torch.linalg``: ``inv``, ``det``, ``solve``, ``norm``, ``vector_norm`` and
``matrix_norm`` (differentiable; see ``minigrad/ops/linalg.py``).

>>> import minigrad as mg
>>> A = mg.tensor([[4.0, 1.0], [2.0, 3.0]], requires_grad=True)
>>> mg.linalg.det(A).backward()
>>> A.grad
tensor([[ 3., -2.],
        [-1.,  4.]])
"""

from minigrad.ops.linalg import inv, matrix_norm, solve, vector_norm
from minigrad.ops.linalg import linalg_det as det
from minigrad.ops.linalg import linalg_norm as norm

__all__ = ["det", "inv", "matrix_norm", "norm", "solve", "vector_norm"]
