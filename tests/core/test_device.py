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
