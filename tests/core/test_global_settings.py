"""set_printoptions, thread counts, determinism and matmul-precision switches."""

import numpy as np
import pytest

import minigrad as mg


@pytest.fixture(autouse=True)
def _restore():
    threads = mg.get_num_threads()
    yield
    mg.set_printoptions(profile="default")
    mg.set_num_threads(threads)
    mg.use_deterministic_algorithms(False)
    mg.set_float32_matmul_precision("highest")


def test_printoptions_precision():
    x = mg.tensor([1 / 3, 2 / 3])
    assert repr(x) == "tensor([0.3333, 0.6667])"
    mg.set_printoptions(precision=2)
    assert repr(x) == "tensor([0.33, 0.67])"
    assert str(mg.tensor([1 / 3], requires_grad=True)) == "tensor([0.33], requires_grad=True)"
    mg.set_printoptions(precision=6)
    assert repr(x) == "tensor([0.333333, 0.666667])"


def test_printoptions_threshold_edgeitems_linewidth():
    x = mg.arange(10)
    mg.set_printoptions(threshold=5)
    assert repr(x) == "tensor([0, 1, 2, ..., 7, 8, 9])"
    mg.set_printoptions(edgeitems=1)
    assert repr(x) == "tensor([0, ..., 9])"
    mg.set_printoptions(profile="full")
    assert "..." not in repr(mg.arange(2000))
    mg.set_printoptions(profile="default", linewidth=20)
    assert max(len(line) for line in repr(mg.arange(12)).splitlines()) <= 20
    assert len(repr(mg.arange(12)).splitlines()) > 1


def test_printoptions_sci_mode_and_profiles():
    x = mg.tensor([1 / 3, 2 / 3])
    mg.set_printoptions(sci_mode=True)
    assert repr(x) == "tensor([3.3333e-01, 6.6667e-01])"
    mg.set_printoptions(sci_mode=False)
    assert repr(mg.tensor([1e-8, 1.0])) == "tensor([0., 1.])"
    mg.set_printoptions(profile="short")
    assert repr(x) == "tensor([0.33, 0.67])"
    mg.set_printoptions(profile="default")
    assert repr(x) == "tensor([0.3333, 0.6667])"


def test_printoptions_bad_input():
    with pytest.raises(ValueError, match="profile"):
        mg.set_printoptions(profile="long")
    with pytest.raises(ValueError, match="precision"):
        mg.set_printoptions(precision=-1)
    with pytest.raises(ValueError, match="sci_mode"):
        mg.set_printoptions(sci_mode="yes")


def test_num_threads_sets_the_kernel_pool():
    mg.set_num_threads(1)
    assert mg.get_num_threads() == 1 and mg.kernels.get_num_threads() == 1
    mg.set_num_threads(2)
    assert mg.kernels.get_num_threads() == 2
    with pytest.raises(ValueError, match="set_num_threads"):
        mg.set_num_threads(0)
    mg.set_num_interop_threads(2)
    assert mg.get_num_interop_threads() == 2
    with pytest.raises(ValueError, match="set_num_interop_threads"):
        mg.set_num_interop_threads(1.5)


def test_deterministic_flags_and_matmul_precision():
    assert not mg.are_deterministic_algorithms_enabled()
    mg.use_deterministic_algorithms(True, warn_only=True)
    assert mg.are_deterministic_algorithms_enabled()
    assert mg.is_deterministic_algorithms_warn_only_enabled()
    with pytest.raises(TypeError, match="bool"):
        mg.use_deterministic_algorithms("yes")
    a = np.random.default_rng(0).standard_normal((5, 5)).astype(np.float32)
    before = (mg.tensor(a) @ mg.tensor(a)).numpy()
    mg.set_float32_matmul_precision("medium")
    assert mg.get_float32_matmul_precision() == "medium"
    np.testing.assert_array_equal((mg.tensor(a) @ mg.tensor(a)).numpy(), before)
    with pytest.raises(ValueError, match="'highest', 'high' or 'medium'"):
        mg.set_float32_matmul_precision("low")
