"""torch.linalg's names: values, errors and the inverse/det identities (the op registry
checks the gradients against finite differences)."""

import numpy as np
import pytest

import minigrad as mg


def test_inv_det_solve_satisfy_their_definitions():
    a = np.array([[4.0, 1.0, 0.0], [2.0, 5.0, 1.0], [0.0, 1.0, 3.0]])
    A = mg.tensor(a)
    np.testing.assert_allclose((A @ mg.linalg.inv(A)).numpy(), np.eye(3), atol=1e-12)
    np.testing.assert_allclose(A.inverse().numpy(), np.linalg.inv(a))
    np.testing.assert_allclose(mg.det(A).item(), np.linalg.det(a))
    b = mg.tensor([1.0, 2.0, 3.0], dtype=mg.float64)
    np.testing.assert_allclose((A @ mg.linalg.solve(A, b)).numpy(), b.numpy())
    batch = mg.tensor(np.stack([a, 2 * a]))
    assert mg.linalg.det(batch).shape == (2,)
    assert mg.linalg.solve(batch, mg.ones(2, 3, dtype=mg.float64)).shape == (2, 3)


def test_det_gradient_is_det_times_inverse_transpose():
    A = mg.tensor([[4.0, 1.0], [2.0, 3.0]], dtype=mg.float64, requires_grad=True)
    mg.linalg.det(A).backward()
    np.testing.assert_allclose(A.grad.numpy(), [[3.0, -2.0], [-1.0, 4.0]])


@pytest.mark.parametrize("call, error, match", [
    (lambda: mg.linalg.inv(mg.zeros(2, 2)), RuntimeError, "singular"),
    (lambda: mg.linalg.inv(mg.ones(2, 3)), RuntimeError, "square"),
    (lambda: mg.linalg.det(mg.ones(3)), RuntimeError, "square"),
    (lambda: mg.linalg.solve(mg.eye(2), mg.ones(3)), RuntimeError, "do not fit"),
    (lambda: mg.linalg.matrix_norm(mg.eye(2), ord="nuc"), NotImplementedError,
     "singular values"),
    (lambda: mg.linalg.norm(mg.ones(2, 2, 2), ord=1), RuntimeError, "1-D or 2-D"),
])
def test_linalg_errors(call, error, match):
    with pytest.raises(error, match=match):
        call()


def test_norms_follow_pytorchs_dim_rules():
    x = mg.tensor([[3.0, -4.0], [0.0, 12.0]])
    assert mg.linalg.norm(x).item() == 13.0
    assert mg.linalg.norm(x, dim=1).tolist() == [5.0, 12.0]
    assert mg.linalg.norm(x, ord=float("inf")).item() == 12.0  # max row sum (2-D: matrix)
    assert mg.linalg.vector_norm(x, ord=float("inf")).item() == 12.0
    assert mg.linalg.vector_norm(x, ord=0).item() == 3.0
    assert mg.linalg.matrix_norm(x, keepdim=True).shape == (1, 1)
    assert mg.linalg.norm(x, ord=1).item() == 16.0  # max column sum
