"""mg.bfloat16 exists as a name; making or converting a tensor to it is a clear TypeError."""

import pytest

import minigrad as mg
import minigrad.nn as nn


def test_bfloat16_is_a_dtype_name():
    assert isinstance(mg.bfloat16, mg.dtype)
    assert repr(mg.bfloat16) == "minigrad.bfloat16"
    assert mg.bfloat16.is_floating_point and mg.bfloat16.itemsize == 2
    table = {"bf16": mg.bfloat16, "fp16": mg.float16, "fp32": mg.float32}
    assert table["bf16"] is mg.bfloat16
    assert mg.bfloat16 != mg.float32 and mg.float32 != mg.bfloat16
    assert mg.bfloat16 != mg.float16 and mg.bfloat16 == mg.bfloat16
    assert not mg.cuda.is_bf16_supported()


@pytest.mark.parametrize("make", [
    lambda: mg.tensor([1.0], dtype=mg.bfloat16),
    lambda: mg.zeros(2, dtype=mg.bfloat16),
    lambda: mg.randn(2, dtype=mg.bfloat16),
    lambda: mg.arange(3, dtype=mg.bfloat16),
    lambda: mg.ones(2).to(mg.bfloat16),
    lambda: mg.ones(2).to(dtype=mg.bfloat16),
    lambda: mg.ones(2).type(mg.bfloat16),
    lambda: mg.ones(2).bfloat16(),
    lambda: nn.Linear(2, 2, dtype=mg.bfloat16),
    lambda: nn.Linear(2, 2).to(mg.bfloat16),
    lambda: nn.Linear(2, 2).bfloat16(),
])
def test_making_bfloat16_tensors_raises(make):
    with pytest.raises(TypeError, match="minigrad has no bfloat16.*float32"):
        make()
