"""mg.save / mg.load as PyTorch programs use them: any nesting, file objects, refusals,
map_location / weights_only / mmap, files of the first format."""

import collections
import functools
import io
import json
import os

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import minigrad as mg
import minigrad.io as mio
from minigrad import nn
from minigrad.io import safetensors as fmt


def roundtrip(obj, **kwargs):
    buffer = io.BytesIO()
    mg.save(obj, buffer)
    buffer.seek(0)
    return mg.load(buffer, **kwargs)


def assert_tensor(got, want, requires_grad=False):
    assert type(got) is mg.Tensor
    assert got.requires_grad is requires_grad and got.is_leaf
    assert got.dtype == want.dtype and got.shape == want.shape
    np.testing.assert_array_equal(got.numpy(force=True), want)


# ----------------------------------------------------------------------------- what is stored


@pytest.mark.parametrize("obj", [3, -2**80, 0.25, float("inf"), True, None, "text-ü", [], (),
                                 [1, [2, (3, None)]], (1.5, "a"), {}, {"a": {"b": {"c": []}}}])
def test_plain_roots_and_nestings_come_back_equal_with_their_types(obj):
    out = roundtrip(obj)
    assert out == obj and type(out) is type(obj)
    assert repr(out) == repr(obj)   # tuples stay tuples, ints ints, floats floats, all the way


def test_tensor_and_array_leaves_keep_their_kind_dtype_and_values():
    w = mg.tensor([[1.0, 2.0], [3.0, 4.0]], dtype=mg.float64, requires_grad=True)
    ids = mg.tensor([3, 1, 2])
    half = mg.tensor([0.5, -1.0], dtype=mg.float16)
    arr = np.arange(6, dtype=np.int32).reshape(2, 3)
    out = roundtrip([w, ids, half, arr, {"nested": (arr[::-1],)}])
    assert_tensor(out[0], w.detach().numpy(), requires_grad=True)
    assert_tensor(out[1], np.array([3, 1, 2], np.int64))
    assert_tensor(out[2], np.array([0.5, -1.0], np.float16))
    assert type(out[3]) is np.ndarray and out[3].dtype == np.int32
    np.testing.assert_array_equal(out[3], arr)
    np.testing.assert_array_equal(out[4]["nested"][0], arr[::-1])


def test_a_bare_tensor_a_zero_dim_loss_and_a_size():
    x = mg.tensor([1.0, 2.0], requires_grad=True)
    loss = (x * x).sum()                       # 0-dim, computed: not a leaf
    out = roundtrip(loss)
    assert_tensor(out, np.array(5.0, np.float32), requires_grad=True)   # a leaf, as PyTorch
    assert out.item() == 5.0
    size = roundtrip({"shape": mg.zeros(2, 3).size()})["shape"]
    assert type(size) is mg.Size and size == (2, 3)


def test_a_parameter_comes_back_as_a_tensor_that_requires_grad():
    p = nn.Parameter(mg.ones(3))
    out = roundtrip({"p": p})["p"]
    assert_tensor(out, np.ones(3, np.float32), requires_grad=True)


def test_int_and_str_keys_and_ordered_dicts():
    state = collections.OrderedDict([("b", 1), ("a", {0: "zero", "0": "str zero", -3: None})])
    out = roundtrip(state)
    assert out == state and list(out) == ["b", "a"]
    assert list(out["a"]) == [0, "0", -3]


def test_the_same_tensor_twice_is_stored_once_and_loads_as_one_tensor():
    t = mg.arange(4.0)
    view = t[1:]                                # shares memory, but another tensor
    buffer = io.BytesIO()
    mg.save({"a": t, "b": [t, view], "c": t}, buffer)
    buffer.seek(0)
    header = json.loads(buffer.getvalue()[8:8 + int.from_bytes(buffer.getvalue()[:8], "little")])
    assert sorted(k for k in header if k != "__metadata__") == ["a", "b.1"]
    out = mg.load(buffer)
    assert out["a"] is out["b"][0] is out["c"]
    np.testing.assert_array_equal(out["b"][1].numpy(), [1.0, 2.0, 3.0])
    out["a"][0] = 9.0
    assert out["b"][1][0].item() == 1.0         # the view was stored on its own


def test_numpy_scalars_become_python_values():
    out = roundtrip({"f": np.float32(0.5), "i": np.int8(-3), "b": np.bool_(False)})
    assert out == {"f": 0.5, "i": -3, "b": False}
    assert [type(v) for v in out.values()] == [float, int, bool]


def test_structure_is_readable_by_other_safetensors_readers(tmp_path):
    st_numpy = pytest.importorskip("safetensors.numpy")
    path = tmp_path / "ckpt.pt"
    mg.save({"model": {"w": mg.ones(2)}, "opt": {"state": {0: {"m": np.zeros(2)}}}, "e": 1},
            path)
    arrays = st_numpy.load_file(str(path))
    assert sorted(arrays) == ["model.w", "opt.state.0.m"]


# ----------------------------------------------------------------------------- file objects


def test_binary_files_opened_by_the_caller(tmp_path):
    path = tmp_path / "x.pt"
    with open(path, "wb") as f:
        mg.save({"w": mg.ones(2), "epoch": 3}, f)
    with open(path, "rb") as f:
        out = mg.load(f)
        assert f.tell() == os.path.getsize(path)
    assert out["epoch"] == 3
    np.testing.assert_array_equal(out["w"].numpy(), [1.0, 1.0])
    assert mg.load(path)["epoch"] == 3               # the same bytes as saving to the path


def test_load_starts_at_the_file_position_and_stops_after_the_object():
    buffer = io.BytesIO()
    buffer.write(b"my own header\n")
    start = buffer.tell()
    mg.save({"first": mg.ones(1)}, buffer)
    mg.save([mg.zeros(2), "second"], buffer)
    buffer.write(b"trailer")
    buffer.seek(start)
    assert list(mg.load(buffer)) == ["first"]
    second = mg.load(buffer)
    assert second[1] == "second" and second[0].shape == (2,)
    assert buffer.read() == b"trailer"


def test_text_mode_and_unseekable_files_are_refused(tmp_path):
    with open(tmp_path / "t.txt", "w") as f, \
            pytest.raises(TypeError, match=r"t.txt is open in text mode.*mode 'wb'"):
        mg.save({}, f)

    class Pipe(io.RawIOBase):
        def readable(self):
            return True

        def seekable(self):
            return False

    with pytest.raises(ValueError, match=r"load: <Pipe> is not seekable; read it into an "
                                         r"io.BytesIO first"):
        mg.load(Pipe())
    with pytest.raises(TypeError, match="f must be a path .* read\\(\\) method, got list"):
        mg.load([1])


def test_truncated_stream_names_the_stream():
    buffer = io.BytesIO()
    mg.save({"w": mg.ones(10)}, buffer)
    short = io.BytesIO(buffer.getvalue()[:-4])
    with pytest.raises(ValueError, match=r"<BytesIO>: tensor 'w' has data_offsets \[0, 40\] "
                                         "past the end"):
        mg.load(short)


# ----------------------------------------------------------------------------- refusals


class Point:
    pass


Pair = collections.namedtuple("Pair", "x y")


@pytest.mark.parametrize("obj, message", [
    ({"model": nn.Linear(2, 2)},
     "save: obj['model'] is a Linear (a Module); save its state_dict() instead"),
    (nn.Sequential(nn.ReLU()), "save: obj is a Sequential (a Module); save its state_dict()"),
    ({"opt": mg.optim.SGD([mg.zeros(1, requires_grad=True)], lr=0.1)},
     "save: obj['opt'] is a SGD (an optimizer); save its state_dict() instead"),
    ({"fn": lambda x: x}, "save: obj['fn'] is a function; functions and classes are code, and "
                          "storing code needs pickle"),
    ({"f": [functools.partial(print)]}, "save: obj['f'][0] is a partial; functions"),
    ({"cls": Point}, "save: obj['cls'] is a type; functions and classes are code"),
    ({"p": Point()}, "save: obj['p'] is a Point; save stores Tensors, NumPy arrays, "
                     "None/bool/int/float/str, minigrad.Size and dicts (str or int keys), lists "
                     "and tuples of them, never arbitrary objects (rebuilding them needs pickle"),
    ({"tags": {"a", "b"}}, "save: obj['tags'] is a set, which has no order; save a list "
                           "(sorted(obj['tags'])) instead"),
    ([Pair(1, 2)], "save: obj[0] is a Pair (a namedtuple); save tuple(obj[0]) or "
                   "obj[0]._asdict() instead"),
    ({"z": 1j}, "save: obj['z'] is a complex (dtype complex128), which safetensors cannot store"),
    ({"raw": b"xy"}, "save: obj['raw'] is a bytes; save np.frombuffer(obj['raw'], np.uint8)"),
    ({"d": {(0, 1): 2}}, "save: key (0, 1) in obj['d'] is a tuple; dict keys must be str or "
                         "int"),
    ({"d": {None: 2}}, "save: key None in obj['d'] is a NoneType; dict keys must be str or int"),
])
def test_what_cannot_be_stored_is_refused_before_anything_is_written(tmp_path, obj, message):
    path = tmp_path / "m.pt"
    buffer = io.BytesIO()
    for target in (path, buffer):
        with pytest.raises((TypeError, ValueError)) as info:
            mg.save(obj, target)
        assert str(info.value).startswith(message), str(info.value)
    assert os.listdir(tmp_path) == [] and buffer.getvalue() == b""


def test_cycles_are_refused_but_repeated_containers_are_not():
    loop = {"a": [1]}
    loop["a"].append(loop)
    with pytest.raises(ValueError, match=r"save: obj\['a'\]\[1\] contains itself \(a cycle\)"):
        mg.save(loop, io.BytesIO())
    shared = [1, 2]
    out = roundtrip({"x": shared, "y": shared})     # a DAG: stored twice, loads as two lists
    assert out == {"x": [1, 2], "y": [1, 2]} and out["x"] is not out["y"]


def test_pickle_arguments(tmp_path):
    mg.save({"a": 1}, tmp_path / "m.pt", pickle_protocol=4)      # accepted, ignored
    mg.save({"a": 2}, tmp_path / "m.pt", _use_new_zipfile_serialization=False)
    assert mg.load(tmp_path / "m.pt") == {"a": 2}
    import pickle

    with pytest.raises(TypeError, match="save: pickle_module is not supported"):
        mg.save({}, tmp_path / "m.pt", pickle_module=pickle)
    with pytest.raises(TypeError, match="load: pickle_module is not supported"):
        mg.load(tmp_path / "m.pt", pickle_module=pickle)


# ----------------------------------------------------------------------------- load's options


@pytest.mark.parametrize("where", [None, "cpu", "cpu:0", mg.device("cpu"), {"cuda:0": "cpu"},
                                   {"cuda:1": "cuda:0"}, {"cpu": mg.device("cpu")}])
def test_map_location_naming_the_cpu(where):
    out = roundtrip({"w": mg.ones(2), "n": np.zeros(1)}, map_location=where)
    assert_tensor(out["w"], np.ones(2, np.float32))
    assert type(out["n"]) is np.ndarray


def test_map_location_positional_and_callable():
    buffer = io.BytesIO()
    mg.save({"w": mg.ones(2), "v": mg.zeros(1), "n": np.zeros(1)}, buffer)
    seen = []

    def keep(storage, location):
        seen.append((storage.shape, location))
        return storage

    buffer.seek(0)
    out = mg.load(buffer, keep)
    assert seen == [((2,), "cpu"), ((1,), "cpu")]      # tensors only, not the ndarray
    buffer.seek(0)
    doubled = mg.load(buffer, map_location=lambda storage, loc: storage * 2)
    np.testing.assert_array_equal(doubled["w"].numpy(), [2.0, 2.0])
    buffer.seek(0)
    kept = mg.load(buffer, map_location=lambda storage, loc: None)
    np.testing.assert_array_equal(kept["w"].numpy(), out["w"].numpy())


@pytest.mark.parametrize("where, error, message", [
    ("cuda", ValueError, "load: map_location: minigrad runs on the CPU only; got device 'cuda'"),
    (mg.device("cuda", 0), ValueError, "got device 'cuda:0'"),
    ({"cpu": "cuda:0"}, ValueError, "got device 'cuda:0'"),
    ({"cpu": 3.5}, TypeError, "map_location must map device names to device names"),
    (7.5, TypeError, "load: map_location must be None, a device ('cpu'), a dict of devices or "
                     "a function (storage, location) -> storage, got float"),
    (lambda storage, loc: storage.numpy(), TypeError,
     "load: map_location returned a ndarray for a tensor; it must return a Tensor"),
])
def test_map_location_errors(where, error, message):
    with pytest.raises(error) as info:
        roundtrip({"w": mg.ones(2)}, map_location=where)
    assert message in str(info.value)


@pytest.mark.parametrize("weights_only", [None, True, False])
def test_weights_only_accepts_every_value_and_changes_nothing(weights_only):
    out = roundtrip({"w": mg.ones(2), "epoch": 1}, weights_only=weights_only)
    assert out["epoch"] == 1 and out["w"].shape == (2,)


def test_weights_only_other_values_are_refused():
    with pytest.raises(TypeError, match="weights_only must be True, False or None, got 'yes'"):
        roundtrip({}, weights_only="yes")


def test_mmap_maps_copy_on_write(tmp_path):
    path = tmp_path / "m.pt"
    w = np.arange(12, dtype=np.float64).reshape(3, 4)
    mg.save({"w": mg.from_numpy(w), "b": np.array([True, False]), "e": 2}, path)
    before = path.read_bytes()
    out = mg.load(path, mmap=True)
    np.testing.assert_array_equal(out["w"].numpy(), w)
    assert out["e"] == 2 and out["b"].tolist() == [True, False]
    out["w"][0, 0] = -1.0                        # writable, and the file does not change
    assert out["w"][0, 0].item() == -1.0
    assert path.read_bytes() == before
    with pytest.raises(ValueError, match="mmap=True needs a path"):
        mg.load(io.BytesIO(before), mmap=True)


# ----------------------------------------------------------------------------- first format


def test_files_of_the_first_format_still_load(tmp_path):
    """Version 1: a dict root, every array (ndarray or Tensor when saved) loads as a Tensor."""
    structure = {"version": 1, "root": {"dict": [
        ["model", {"dict": [["w", {"tensor": "model.w"}]]}],
        ["state", {"dict": [[0, {"dict": [["exp_avg", {"tensor": "state.0.exp_avg"}]]}]]}],
        ["betas", {"tuple": [0.9, 0.999]}], ["epoch", 4]]}}
    arrays = {"model.w": np.arange(3, dtype=np.float32), "state.0.exp_avg": np.ones(3)}
    path = tmp_path / "old.safetensors"
    with open(path, "wb") as f:
        fmt.write(f, arrays, {"minigrad.structure": json.dumps(structure)})
    out = mg.load(path)
    assert list(out) == ["model", "state", "betas", "epoch"]
    assert_tensor(out["model"]["w"], arrays["model.w"])
    assert_tensor(out["state"][0]["exp_avg"], np.ones(3))
    assert out["betas"] == (0.9, 0.999) and out["epoch"] == 4
    assert type(mio.load(path, as_numpy=True)["model"]["w"]) is np.ndarray


# ----------------------------------------------------------------------------- properties

arrays = st.sampled_from(["bool", "uint8", "int32", "int64", "float16", "float32", "float64"]
                         ).flatmap(lambda dt: hnp.arrays(dt, hnp.array_shapes(
                             min_dims=0, max_dims=3, min_side=0, max_side=3)))
leaves = (st.none() | st.booleans() | st.integers(-2**70, 2**70) | st.text(max_size=4)
          | st.floats(allow_nan=False) | arrays | arrays.map(mg.from_numpy)
          | st.lists(st.integers(0, 5), max_size=3).map(mg.Size))
objects = st.recursive(leaves, lambda kids: st.lists(kids, max_size=3)
                       | st.lists(kids, max_size=3).map(tuple)
                       | st.dictionaries(st.text(max_size=3) | st.integers(-3, 3), kids,
                                         max_size=3), max_leaves=12)


def assert_same(got, want):
    if isinstance(want, mg.Tensor):
        assert_tensor(got, want.numpy())
    elif isinstance(want, np.ndarray):
        assert type(got) is np.ndarray and got.dtype == want.dtype
        np.testing.assert_array_equal(got, want)
    elif isinstance(want, (list, tuple)):
        assert type(got) is type(want) and len(got) == len(want)
        for g, w in zip(got, want):
            assert_same(g, w)
    elif isinstance(want, dict):
        assert type(got) is dict and list(got) == list(want)
        assert [type(k) for k in got] == [type(k) for k in want]
        for key in want:
            assert_same(got[key], want[key])
    else:
        assert type(got) is type(want) and got == want


@settings(max_examples=80, deadline=None)
@given(objects)
def test_any_nesting_roundtrips(obj):
    try:
        out = roundtrip(obj)
    except ValueError as exc:   # two key paths joining to one tensor name ("1" and 1)
        assert "would both be stored as the tensor" in str(exc)
        return
    assert_same(out, obj)


def test_file_objects_with_only_read_and_gzip_files_and_no_end(tmp_path):
    import gzip

    class ReadOnly:
        def __init__(self, raw):
            self.raw = io.BytesIO(raw)

        def read(self, n=-1):
            return self.raw.read(n)

        def seek(self, offset, whence=0):
            return self.raw.seek(offset, whence)

        def tell(self):
            return self.raw.tell()

        def seekable(self):
            return True

    buffer = io.BytesIO()
    mg.save({"w": mg.arange(5.0)}, buffer)
    out = mg.load(ReadOnly(buffer.getvalue()))
    np.testing.assert_array_equal(out["w"].numpy(), np.arange(5.0))
    with gzip.open(tmp_path / "m.pt.gz", "wb") as f:
        mg.save({"w": mg.arange(5.0)}, f)
    with gzip.open(tmp_path / "m.pt.gz", "rb") as f:
        out = mg.load(f)
    np.testing.assert_array_equal(out["w"].numpy(), np.arange(5.0))

    class NoEnd(ReadOnly):
        def seek(self, offset, whence=0):
            if whence == 2:
                raise OSError("no seeking from the end")
            return self.raw.seek(offset, whence)

    with pytest.raises(ValueError, match=r"<NoEnd>: cannot find the end of the file \(no "
                                         r"seeking from the end\); read it into an io.BytesIO"):
        mg.load(NoEnd(buffer.getvalue()))
