"""Files written here load in the `safetensors` package, and the other way round."""

import json
import struct

import numpy as np
import pytest

import minigrad.io as mio

st_numpy = pytest.importorskip("safetensors.numpy")
safetensors = pytest.importorskip("safetensors")

DTYPES = ["bool", "uint8", "int8", "int16", "uint16", "int32", "uint32", "int64", "uint64",
          "float16", "float32", "float64"]


def sample_arrays():
    gen = np.random.default_rng(1)
    arrays = {f"layer.{i}.{dt}": np.asarray(gen.standard_normal((3, i + 1)) * 40).astype(dt)
              for i, dt in enumerate(DTYPES)}
    arrays["scalar"] = np.array(2.5, np.float32)
    arrays["empty"] = np.zeros((0, 4), np.int32)
    return arrays


def test_our_files_load_in_safetensors(tmp_path):
    path = tmp_path / "ours.safetensors"
    arrays = sample_arrays()
    mio.save({"model": arrays, "epoch": 4}, path, metadata={"author": "me"})
    theirs = st_numpy.load_file(str(path))
    assert set(theirs) == {f"model.{name}" for name in arrays}
    for name, want in arrays.items():
        got = theirs[f"model.{name}"]
        assert got.dtype == want.dtype and got.shape == want.shape
        np.testing.assert_array_equal(got, want)
    with safetensors.safe_open(str(path), framework="np") as f:
        assert f.metadata()["author"] == "me"


def test_their_files_load_here_as_flat_dicts(tmp_path):
    path = tmp_path / "theirs.safetensors"
    arrays = {"encoder.layer.0.attention.self.query.weight": np.ones((2, 2), np.float32),
              **sample_arrays()}
    st_numpy.save_file(arrays, str(path), metadata={"format": "pt"})
    state, meta = mio.load(path, as_numpy=True, return_metadata=True)
    assert meta == {"format": "pt"}
    assert mio.load_metadata(path) == {"format": "pt"}
    assert set(state) == set(arrays)
    for name, want in arrays.items():
        assert state[name].dtype == want.dtype and state[name].shape == want.shape
        np.testing.assert_array_equal(state[name], want)
    header = mio.safetensors_header(path)
    assert header["scalar"]["dtype"] == "F32" and header["scalar"]["shape"] == []


def test_their_files_load_as_tensors(tmp_path):
    from minigrad._tensor import Tensor

    path = tmp_path / "theirs.safetensors"
    st_numpy.save_file({"w": np.arange(3, dtype=np.float32)}, str(path))
    state = mio.load(path)
    assert isinstance(state["w"], Tensor) and not state["w"].requires_grad
    np.testing.assert_array_equal(state["w"].data, [0, 1, 2])


def test_bf16_is_upcast_to_float32(tmp_path):
    """NumPy has no bfloat16, so build the file by hand: BF16 is a float32's top 16 bits."""
    bits = np.array([0x3F80, 0xC020, 0x3E20, 0x7F80, 0x8000, 0x4049], "<u2")
    header = json.dumps({"h": {"dtype": "BF16", "shape": [2, 3], "data_offsets": [0, 12]}})
    header += " " * (-len(header) % 8)
    path = tmp_path / "bf16.safetensors"
    path.write_bytes(struct.pack("<Q", len(header)) + header.encode() + bits.tobytes())
    got = mio.load(path, as_numpy=True)["h"]
    assert got.dtype == np.float32 and got.shape == (2, 3)
    expected = np.array([1.0, -2.5, 0.15625, np.inf, -0.0, 3.140625], np.float32)
    np.testing.assert_array_equal(got.ravel(), expected)
    assert np.signbit(got.ravel()[4])
    got[0, 0] = 5.0  # writable
