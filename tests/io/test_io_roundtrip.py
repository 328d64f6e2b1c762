"""save/load round trips: nesting, plain values, every dtype, odd layouts, bad input."""

import json
import os
import struct
import tempfile

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import minigrad as mg
import minigrad.io as mio
from minigrad.io import safetensors as fmt

DTYPES = ["bool", "uint8", "int8", "int16", "uint16", "int32", "uint32", "int64", "uint64",
          "float16", "float32", "float64"]


def roundtrip(obj, tmp_path, **kwargs):
    path = tmp_path / "m.safetensors"
    mio.save(obj, path)
    return mio.load(path, as_numpy=True, **kwargs)


def assert_same_array(got, want):
    assert isinstance(got, np.ndarray)
    assert got.dtype == want.dtype
    assert got.shape == want.shape
    np.testing.assert_array_equal(got, want)


def test_nested_state_with_plain_values(tmp_path):
    w = np.arange(6, dtype=np.float32).reshape(2, 3)
    state = {
        "model": {"fc.weight": mg.from_numpy(w), "fc.bias": np.array([1.5, -2.0], np.float64)},
        "optimizer": {"state": {"0": {"step": 7, "exp_avg": np.ones(3, np.float32)}},
                      "param_groups": [{"lr": 0.001, "betas": (0.9, 0.999), "params": ["0"]}]},
        "epoch": 3, "best": float("inf"), "name": "run-ü", "done": False, "note": None,
        "buffers": [np.array([1, 2], np.int64), {"x": np.array(True)}],
    }
    out = roundtrip(state, tmp_path)
    assert list(out) == list(state)
    assert list(out["model"]) == ["fc.weight", "fc.bias"]
    assert_same_array(out["model"]["fc.weight"], w)
    assert_same_array(out["model"]["fc.bias"], state["model"]["fc.bias"])
    assert out["optimizer"]["state"]["0"]["step"] == 7
    assert_same_array(out["optimizer"]["state"]["0"]["exp_avg"], np.ones(3, np.float32))
    group = out["optimizer"]["param_groups"][0]
    assert group == {"lr": 0.001, "betas": (0.9, 0.999), "params": ["0"]}
    assert isinstance(group["betas"], tuple)
    assert (out["epoch"], out["best"], out["name"], out["done"], out["note"]) == (
        3, float("inf"), "run-ü", False, None)
    assert_same_array(out["buffers"][0], np.array([1, 2], np.int64))
    assert_same_array(out["buffers"][1]["x"], np.array(True))


def test_tensor_names_are_key_paths_joined_with_dots(tmp_path):
    path = tmp_path / "m.safetensors"
    state = {"model": {"fc.weight": np.zeros(2, np.float32)},
             "bufs": [np.zeros(1, np.int8)], "step": 1}
    mio.save(state, path)
    header = mio.safetensors_header(path)
    assert set(header) == {"__metadata__", "model.fc.weight", "bufs.0"}


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", [(), (0,), (3, 0, 2), (5,), (2, 3, 4)])
def test_every_dtype_and_shape_roundtrips(tmp_path, dtype, shape):
    gen = np.random.default_rng(0)
    want = np.asarray(gen.standard_normal(shape) * 50).astype(dtype)
    assert_same_array(roundtrip({"a": want}, tmp_path)["a"], want)


def test_non_contiguous_fortran_and_big_endian_arrays(tmp_path):
    base = np.arange(60, dtype=np.float32).reshape(6, 10)
    state = {"t": base.T, "s": base[::2, 1::3], "f": np.asfortranarray(base),
             "be": np.arange(5, dtype=">i4"), "neg": base[::-1]}
    out = roundtrip(state, tmp_path)
    for key, want in state.items():
        np.testing.assert_array_equal(out[key], want)
        assert out[key].dtype == want.dtype.newbyteorder("=")
        assert out[key].flags.c_contiguous
    assert out["be"].dtype.isnative


def test_loaded_arrays_are_writable_and_independent(tmp_path):
    path = tmp_path / "m.safetensors"
    mio.save({"a": np.arange(4, dtype=np.float32)}, path)
    first = mio.load(path, as_numpy=True)["a"]
    assert first.flags.writeable and first.base is None
    first[:] = -1
    np.testing.assert_array_equal(mio.load(path, as_numpy=True)["a"], [0, 1, 2, 3])


def test_numpy_scalars_are_stored_as_plain_values(tmp_path):
    out = roundtrip({"i": np.int64(5), "f": np.float32(0.5), "b": np.bool_(True)}, tmp_path)
    assert out == {"i": 5, "f": 0.5, "b": True}
    assert type(out["i"]) is int and type(out["b"]) is bool


def test_file_layout_by_hand(tmp_path):
    """Parse the bytes ourselves: length prefix, padded JSON, aligned little-endian data."""
    path = tmp_path / "m.safetensors"
    mio.save({"small": np.array([1, 2], np.int16), "big": np.array([3.0], np.float64),
              "flag": np.array([True])}, path)
    raw = path.read_bytes()
    n = struct.unpack("<Q", raw[:8])[0]
    assert n % 8 == 0
    text = raw[8:8 + n].decode("utf-8")
    assert text == text.rstrip(" ") + " " * (len(text) - len(text.rstrip(" ")))
    header = json.loads(text)
    data = raw[8 + n:]
    assert header["big"] == {"dtype": "F64", "shape": [1], "data_offsets": [0, 8]}
    assert header["small"] == {"dtype": "I16", "shape": [2], "data_offsets": [8, 12]}
    assert header["flag"] == {"dtype": "BOOL", "shape": [1], "data_offsets": [12, 13]}
    assert data == struct.pack("<d", 3.0) + b"\x01\x00\x02\x00" + b"\x01"


def test_tensors_are_aligned_to_their_item_size(tmp_path):
    path = tmp_path / "m.safetensors"
    state = {f"t{i}": np.zeros(i + 1, dt) for i, dt in enumerate(DTYPES)}
    mio.save(state, path)
    header = mio.safetensors_header(path)
    n = struct.unpack("<Q", path.read_bytes()[:8])[0]
    for name, entry in header.items():
        if name != "__metadata__":
            itemsize = np.dtype(state[name].dtype).itemsize
            assert (8 + n + entry["data_offsets"][0]) % itemsize == 0, name


def test_chunked_writer_writes_the_same_bytes(tmp_path, monkeypatch):
    base = np.arange(300, dtype=np.float64).reshape(10, 30)
    state = {"c": base, "t": base.T, "be": base.astype(">f4")[:, ::2],
             "i": np.arange(50, dtype=np.int16)}
    mio.save(state, tmp_path / "one.safetensors")
    calls = []
    monkeypatch.setattr(fmt, "CHUNK_BYTES", 7)
    monkeypatch.setattr(fmt, "_chunk_written_hook", lambda: calls.append(1))
    mio.save(state, tmp_path / "chunked.safetensors")
    assert len(calls) > 100
    one = (tmp_path / "one.safetensors").read_bytes()
    assert one == (tmp_path / "chunked.safetensors").read_bytes()


def test_user_metadata(tmp_path):
    path = tmp_path / "m.safetensors"
    mio.save({"a": np.zeros(1, np.float32)}, path, metadata={"author": "me", "format": "pt"})
    state, meta = mio.load(path, as_numpy=True, return_metadata=True)
    assert meta == {"author": "me", "format": "pt"}
    assert mio.load_metadata(path) == meta
    assert list(state) == ["a"]


def test_empty_state_dict(tmp_path):
    assert roundtrip({}, tmp_path) == {}


def test_save_overwrites_existing_file(tmp_path):
    path = tmp_path / "m.safetensors"
    mio.save({"a": np.zeros(3, np.float32)}, path)
    mio.save({"b": np.ones(2, np.int32)}, path)
    assert list(mio.load(path, as_numpy=True)) == ["b"]
    assert os.listdir(tmp_path) == ["m.safetensors"]


def test_load_returns_real_tensors(tmp_path):
    from minigrad._tensor import Tensor

    path = tmp_path / "m.safetensors"
    w = Tensor(np.arange(4, dtype=np.float32), requires_grad=True)
    mio.save({"fc": {"weight": w}, "step": 2, "ids": Tensor(np.array([3, 1], np.int64))}, path)
    out = mio.load(path)
    assert out["step"] == 2
    for got, want in [(out["fc"]["weight"], w.detach().numpy()), (out["ids"], np.array([3, 1]))]:
        assert isinstance(got, Tensor)
        assert got.requires_grad is (got is out["fc"]["weight"])   # kept, as PyTorch does
        assert got.is_leaf
        assert got.detach().numpy().dtype == want.dtype
        np.testing.assert_array_equal(got.detach().numpy(), want)


# ----------------------------------------------------------------------------- bad input


@pytest.mark.parametrize("dtype", [object, np.complex64, np.complex128, "U3", "S2", "M8[s]",
                                   np.longdouble if np.dtype(np.longdouble).itemsize > 8 else "V4"])
def test_unstorable_dtypes_are_refused(tmp_path, dtype):
    bad = np.zeros(2, dtype=dtype)
    with pytest.raises(TypeError, match=r"obj\['model'\]\['w'\] has dtype"):
        mio.save({"model": {"w": bad}}, tmp_path / "m.safetensors")
    assert not (tmp_path / "m.safetensors").exists()
    assert os.listdir(tmp_path) == []


def test_keys_other_than_str_or_int_are_refused_naming_the_path(tmp_path):
    with pytest.raises(TypeError, match=r"key 0.5 in obj\['optimizer'\]\['state'\] is a float"):
        mio.save({"optimizer": {"state": {0.5: {"step": 1}}}}, tmp_path / "m.safetensors")


def test_colliding_flattened_names_are_refused(tmp_path):
    state = {"model": {"fc.weight": np.zeros(1)}, "model.fc": {"weight": np.zeros(1)}}
    with pytest.raises(ValueError, match=r"obj\['model'\]\['fc.weight'\] and "
                                         r"obj\['model.fc'\]\['weight'\].*'model.fc.weight'"):
        mio.save(state, tmp_path / "m.safetensors")


def test_other_bad_states(tmp_path):
    path = tmp_path / "m.safetensors"
    with pytest.raises(TypeError, match=r"obj\['x'\] is a set"):
        mio.save({"x": {1, 2}}, path)
    with pytest.raises(TypeError, match=r"obj\['x'\]\[1\] is a bytes"):
        mio.save({"x": [1, b"raw"]}, path)
    loop = {"a": []}
    loop["a"].append(loop)
    with pytest.raises(ValueError, match=r"obj\['a'\]\[0\] contains itself"):
        mio.save(loop, path)
    with pytest.raises(ValueError, match="reserved"):
        mio.save({"__metadata__": np.zeros(1)}, path)
    with pytest.raises(TypeError, match=r"f must be a path \(str or os.PathLike\) or a binary "
                                        "file object with a write\\(\\) method, got int"):
        mio.save({}, 123)
    with pytest.raises(FileNotFoundError, match="does not exist"):
        mio.save({}, tmp_path / "missing" / "m.safetensors")
    assert os.listdir(tmp_path) == []


def test_bad_metadata_is_refused(tmp_path):
    path = tmp_path / "m.safetensors"
    with pytest.raises(TypeError, match="'epoch' -> 3 is str -> int"):
        mio.save({}, path, metadata={"epoch": 3})
    with pytest.raises(TypeError, match="metadata must be a dict"):
        mio.save({}, path, metadata=[("a", "b")])
    with pytest.raises(ValueError, match="'minigrad.structure' is reserved"):
        mio.save({}, path, metadata={"minigrad.structure": "{}"})


# ----------------------------------------------------------------------------- properties

plain = st.recursive(
    st.none() | st.booleans() | st.integers(-2**70, 2**70) | st.text(max_size=5)
    | st.floats(allow_nan=False),
    lambda kids: st.lists(kids, max_size=3) | st.tuples(kids, kids)
    | st.dictionaries(st.text(max_size=4), kids, max_size=3),
    max_leaves=10,
)
arrays = st.sampled_from(DTYPES).flatmap(
    lambda dt: hnp.arrays(dt, hnp.array_shapes(min_dims=0, max_dims=3, min_side=0, max_side=4)))


@settings(max_examples=60, deadline=None)
@given(st.dictionaries(st.text(min_size=1, max_size=6).filter(lambda k: "." not in k),
                       arrays | plain, max_size=5))
def test_random_states_roundtrip(state):
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "m.safetensors")
        mio.save(state, path)
        out = mio.load(path, as_numpy=True)
    assert list(out) == list(state)
    for key, want in state.items():
        if isinstance(want, np.ndarray):
            assert out[key].dtype == want.dtype
            np.testing.assert_array_equal(out[key], want)
        else:
            assert out[key] == want


def test_top_level_api_and_generator_state_resume(tmp_path):
    """mg.save/mg.load carry a random generator's state (128-bit ints) bit for bit."""
    import minigrad as mg
    from minigrad import random as mgrandom

    gen = mgrandom.Generator(5)
    gen.numpy.random(3)
    path = tmp_path / "ckpt.safetensors"
    mg.save({"rng": gen.get_state(), "w": mg.tensor([1.0, 2.0])}, path)
    state = mg.load(path)
    assert isinstance(state["w"], mg.Tensor) and state["w"].dtype == np.float32
    resumed = mgrandom.Generator()
    resumed.set_state(state["rng"])
    np.testing.assert_array_equal(resumed.numpy.random(4), gen.numpy.random(4))
