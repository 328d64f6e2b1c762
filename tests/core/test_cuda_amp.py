"""torch.cuda and torch.amp on a CPU-only library: PyTorch's answers without a GPU."""

import warnings

import numpy as np
import pytest

import minigrad as mg
from minigrad import nn, optim


def test_cuda_answers_as_pytorch_does_without_a_gpu():
    assert mg.cuda.is_available() is False
    assert mg.cuda.device_count() == 0
    assert mg.cuda.is_initialized() is False
    assert mg.cuda.empty_cache() is None
    device = "cuda" if mg.cuda.is_available() else "cpu"
    assert mg.zeros(2, device=device).shape == (2,)


@pytest.mark.parametrize("seed_fn", ["manual_seed", "manual_seed_all"])
def test_cuda_seeding_seeds_the_one_generator(seed_fn):
    getattr(mg.cuda, seed_fn)(7)
    a = mg.randn(5).numpy()
    mg.manual_seed(7)
    b = mg.randn(5).numpy()
    np.testing.assert_array_equal(a, b)
    getattr(mg.cuda, seed_fn)(8)
    assert not np.array_equal(mg.randn(5).numpy(), b)


@pytest.mark.parametrize("call", [
    lambda: mg.cuda.synchronize(), lambda: mg.cuda.current_device(),
    lambda: mg.cuda.set_device(0), lambda: mg.cuda.get_device_name(0),
    lambda: mg.cuda.get_device_properties(0), lambda: mg.cuda.memory_allocated(),
    lambda: mg.cuda.max_memory_allocated(),
])
def test_what_needs_a_gpu_raises_the_one_device_error(call):
    with pytest.raises(ValueError, match="minigrad runs on the CPU only; got device 'cuda'"):
        call()


def test_imports_of_pytorch_programs():
    from minigrad.amp import GradScaler as G2  # noqa: F401
    from minigrad.cuda.amp import GradScaler, autocast  # noqa: F401
    assert mg.autocast is mg.amp.autocast


def _train(use_scaler, enabled=False):
    mg.manual_seed(0)
    model = nn.Linear(3, 1)
    opt = optim.SGD(model.parameters(), lr=0.1)
    x, y = mg.randn(8, 3), mg.randn(8, 1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        scaler = mg.cuda.amp.GradScaler(enabled=enabled) if use_scaler else None
    for _ in range(3):
        opt.zero_grad()
        with mg.autocast("cpu", enabled=False):
            loss = ((model(x) - y) ** 2).mean()
        if scaler is None:
            loss.backward()
            opt.step()
        else:
            scaler.scale(loss).backward()
            scaler.unscale_(opt)
            scaler.step(opt)
            scaler.update()
    return model.weight.detach().numpy().copy()


@pytest.mark.parametrize("enabled", [False, True])
def test_a_scaler_loop_trains_exactly_as_the_loop_without_it(enabled):
    np.testing.assert_array_equal(_train(True, enabled), _train(False))


def test_disabled_grad_scaler_passes_through_silently():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        scaler = mg.amp.GradScaler("cuda", enabled=False)
    loss = mg.tensor(3.0)
    assert scaler.scale(loss) is loss
    assert scaler.get_scale() == 1.0 and scaler.is_enabled() is False
    assert scaler.state_dict() == {}
    scaler.load_state_dict({})

    class Opt:
        def step(self, closure=None):
            return "stepped"

    assert scaler.step(Opt()) == "stepped"


def test_enabled_grad_scaler_and_autocast_warn_and_disable_themselves():
    with pytest.warns(UserWarning, match="Disabling"):
        scaler = mg.amp.GradScaler()
    assert scaler.is_enabled() is False
    with pytest.warns(UserWarning, match="Disabling"):
        ctx = mg.autocast("cuda")
    with ctx:
        assert (mg.ones(2, dtype=mg.float64) * 2).dtype == mg.float64
    with pytest.warns(UserWarning, match="Disabling"):
        mg.cuda.amp.autocast()


def test_autocast_is_a_decorator_and_checks_its_device_type():
    @mg.amp.autocast("cpu", enabled=False)
    def f(x):
        return x * 2

    assert f(mg.ones(2)).tolist() == [2.0, 2.0]
    assert f.__name__ == "f"
    with pytest.raises(ValueError, match="device_type 'gpu'"):
        mg.autocast("gpu", enabled=False)
    with pytest.raises(ValueError, match="unsupported device"):
        mg.amp.GradScaler("gpu", enabled=False)
