"""minigrad runs on the CPU: every ``device`` argument says so in one message."""

from __future__ import annotations

import pytest

import minigrad as mg
from minigrad import nn

MESSAGE = r"minigrad runs on the CPU only; got device 'cuda(:0)?'\. Leave out the device"


@pytest.mark.parametrize("make", [
    lambda: mg.tensor([1.0], device="cuda"),
    lambda: mg.zeros(2, device="cuda"),
    lambda: mg.randn(2, device="cuda"),
    lambda: mg.arange(3, device="cuda"),
    lambda: mg.randn(2).to("cuda"),
    lambda: mg.randn(2).to(device="cuda:0"),
    lambda: mg.randn(2).to("cuda", mg.float64),
    lambda: nn.Linear(2, 3, device="cuda"),
    lambda: nn.Linear(2, 3).to("cuda"),
    lambda: nn.Linear(2, 3).cuda(),
])
def test_any_other_device_is_refused_with_one_message(make):
    with pytest.raises(ValueError, match=MESSAGE):
        make()


def test_the_cpu_is_accepted_everywhere_a_device_is():
    x = mg.zeros(2, device="cpu")
    assert x.to("cpu") is x and x.to(device="cpu:0") is x
    assert x.to("cpu", mg.float64).dtype == mg.float64
    assert x.to("float64").dtype == mg.float64  # a dtype name is not a device
    layer = nn.Linear(2, 3, device="cpu")
    assert layer.to("cpu") is layer and layer.cpu() is layer


# ----------------------------------------------------------------- mg.device objects
CREATORS = [
    lambda d: mg.tensor([1.0], device=d), lambda d: mg.as_tensor([1.0], device=d),
    lambda d: mg.zeros(2, device=d), lambda d: mg.ones(2, device=d),
    lambda d: mg.empty(2, device=d), lambda d: mg.full((2,), 1.0, device=d),
    lambda d: mg.arange(3, device=d), lambda d: mg.linspace(0, 1, 3, device=d),
    lambda d: mg.eye(2, device=d), lambda d: mg.rand(2, device=d),
    lambda d: mg.randn(2, device=d), lambda d: mg.randint(0, 3, (2,), device=d),
    lambda d: mg.randperm(3, device=d), lambda d: mg.zeros_like(mg.ones(2), device=d),
    lambda d: mg.ones_like(mg.ones(2), device=d), lambda d: mg.empty_like(mg.ones(2), device=d),
    lambda d: mg.full_like(mg.ones(2), 3.0, device=d),
    lambda d: mg.rand_like(mg.ones(2), device=d), lambda d: mg.randn_like(mg.ones(2), device=d),
]


@pytest.mark.parametrize("make", CREATORS)
def test_every_creation_function_takes_a_device_object(make):
    assert make(mg.device("cpu")).device == "cpu"
    assert make(mg.device("cpu", 0)).device == mg.device("cpu")
    with pytest.raises(ValueError, match=MESSAGE):
        make(mg.device("cuda"))


def test_device_object_spelling_and_equality():
    cpu = mg.device("cpu")
    assert (cpu.type, cpu.index) == ("cpu", None)
    assert repr(cpu) == "device(type='cpu')" and str(cpu) == "cpu"
    assert cpu == "cpu" and cpu == mg.device("cpu") and cpu != "cuda" and cpu != 3
    assert hash(cpu) == hash(mg.device("cpu"))
    cuda1 = mg.device("cuda:1")
    assert (cuda1.type, cuda1.index, str(cuda1)) == ("cuda", 1, "cuda:1")
    assert repr(mg.device("cuda", 0)) == "device(type='cuda', index=0)"
    assert mg.device(0) == "cuda:0" and mg.device(cpu) == cpu
    assert cpu != mg.device("cpu", 0)  # as in PyTorch: an index makes another device
    with pytest.raises(RuntimeError, match="device type at start of device string: gpu"):
        mg.device("gpu")
    with pytest.raises(RuntimeError, match="must not include an index"):
        mg.device("cuda:0", 1)
    with pytest.raises(RuntimeError, match="invalid device string"):
        mg.device("cuda:x")


def test_tensor_device_is_a_cpu_device_object():
    x = mg.ones(2)
    assert isinstance(x.device, mg.device)
    assert x.device == "cpu" and x.device.type == "cpu" and repr(x.device) == "device(type='cpu')"
    assert mg.zeros(2, device=x.device).device == x.device  # the common idiom


def test_to_and_module_to_take_device_objects():
    cpu = mg.device("cpu")
    x = mg.ones(2)
    assert x.to(cpu) is x and x.to(device=cpu) is x
    assert x.to(cpu, mg.float64).dtype == mg.float64
    assert x.to(mg.zeros(1, dtype=mg.float64)).dtype == mg.float64  # another tensor's dtype
    layer = nn.Linear(2, 3, device=cpu)
    assert layer.to(cpu) is layer and layer.to(device=cpu) is layer
    with pytest.raises(ValueError, match=MESSAGE):
        layer.to(mg.device("cuda"))
    with pytest.raises(ValueError, match=MESSAGE):
        x.to(mg.device("cuda", 0))


def test_backends_answer_false_and_take_flags():
    assert mg.backends.mps.is_available() is False and mg.backends.mps.is_built() is False
    assert mg.backends.cudnn.is_available() is False
    before = (mg.backends.cudnn.enabled, mg.backends.cudnn.benchmark,
              mg.backends.cudnn.deterministic, mg.backends.cuda.matmul.allow_tf32)
    try:
        mg.backends.cudnn.benchmark = True
        mg.backends.cudnn.deterministic = True
        mg.backends.cudnn.enabled = False
        mg.backends.cuda.matmul.allow_tf32 = True
        mg.manual_seed(0)
        a = (mg.randn(3, 3) @ mg.randn(3, 3)).numpy()
    finally:
        (mg.backends.cudnn.enabled, mg.backends.cudnn.benchmark,
         mg.backends.cudnn.deterministic, mg.backends.cuda.matmul.allow_tf32) = before
    mg.manual_seed(0)
    b = (mg.randn(3, 3) @ mg.randn(3, 3)).numpy()
    assert (a == b).all()  # the same computation repeated: the flags change nothing
    import minigrad.backends.cudnn as cudnn
    assert cudnn is mg.backends.cudnn
