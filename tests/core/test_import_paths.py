"""PyTorch's import paths resolve under minigrad (issue 11)."""

import importlib

import pytest

import minigrad as mg


@pytest.mark.parametrize("name", [
    "minigrad.onnx", "minigrad.nn.parallel", "minigrad.distributed", "minigrad.cuda",
    "minigrad.cuda.amp", "minigrad.amp", "minigrad.backends", "minigrad.backends.cudnn",
    "minigrad.backends.mps", "minigrad.utils.data",
])
def test_module_imports_and_is_an_attribute_of_its_parent(name):
    module = importlib.import_module(name)
    parent, _, child = name.rpartition(".")
    assert getattr(importlib.import_module(parent), child) is module


def test_onnx_export_says_it_is_not_implemented_and_writes_nothing(tmp_path):
    path = tmp_path / "model.onnx"
    with pytest.raises(NotImplementedError, match="minigrad cannot export models to ONNX"):
        mg.onnx.export(mg.nn.Linear(2, 1), mg.ones(1, 2), str(path))
    assert not path.exists() and mg.onnx.is_in_onnx_export() is False


def test_ddp_import_line():
    from minigrad.nn.parallel import DistributedDataParallel  # noqa: F401
    assert callable(mg.distributed.is_available)
