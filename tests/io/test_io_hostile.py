"""Malformed and hostile files: each is a ValueError naming the file and the problem."""

import json
import re
import struct

import numpy as np
import pytest

import minigrad.io as mio
from minigrad.io import safetensors as fmt


def raw_file(path, header, data=b"", pad=True):
    """Write a safetensors file by hand; ``header`` is a dict (dumped to JSON) or raw bytes."""
    text = header if isinstance(header, bytes) else json.dumps(header).encode("utf-8")
    if pad:
        text += b" " * (-len(text) % 8)
    path.write_bytes(struct.pack("<Q", len(text)) + text + data)
    return path


def f32(name, shape, begin, end):
    return {name: {"dtype": "F32", "shape": shape, "data_offsets": [begin, end]}}


def assert_refused(path, problem):
    with pytest.raises(ValueError) as info:
        mio.load(path, as_numpy=True)
    message = str(info.value)
    assert message.startswith(f"{path}: "), message
    assert re.search(problem, message), message
    # The same checks guard the header-only entry points.
    with pytest.raises(ValueError, match=re.escape(str(path))):
        mio.safetensors_header(path)


@pytest.fixture
def bad(tmp_path):
    return tmp_path / "model.safetensors"


def test_truncated_below_the_length_prefix(bad):
    bad.write_bytes(b"\x10\x00\x00")
    assert_refused(bad, "file is 3 bytes, too short")


def test_truncated_mid_data(bad, tmp_path):
    good = tmp_path / "good.safetensors"
    mio.save({"w": np.arange(10, dtype=np.float32)}, good)
    bad.write_bytes(good.read_bytes()[:-5])
    assert_refused(bad, r"tensor 'w' has data_offsets \[0, 40\] past the end of the 35-byte")


def test_header_length_larger_than_file(bad):
    bad.write_bytes(struct.pack("<Q", 1000) + b'{"a": 1}')
    assert_refused(bad, "header length 1000 exceeds the 8 bytes that follow")


def test_header_length_huge(bad):
    bad.write_bytes(struct.pack("<Q", 2**63) + b"{}      ")
    assert_refused(bad, f"header length {2**63} exceeds the limit of {100 * 1024 * 1024} bytes")


def test_non_utf8_header(bad):
    raw_file(bad, b'{"\xff": 1}')
    assert_refused(bad, "header is not valid UTF-8")


def test_non_json_header(bad):
    raw_file(bad, b"{not json at all}")
    assert_refused(bad, "header is not valid JSON")


def test_json_array_instead_of_object(bad):
    raw_file(bad, b"[1, 2, 3]")
    assert_refused(bad, "header must be a JSON object, got a JSON list")


def test_leading_whitespace(bad):
    raw_file(bad, b"  {}")
    assert_refused(bad, "header must start with '{'")


def test_duplicate_keys(bad):
    entry = '{"dtype": "F32", "shape": [1], "data_offsets": [0, 4]}'
    raw_file(bad, f'{{"a": {entry}, "a": {entry}}}'.encode(), b"\0" * 4)
    assert_refused(bad, "duplicate key 'a'")


def test_unknown_dtype(bad):
    raw_file(bad, {"w": {"dtype": "F8_E4M3", "shape": [2], "data_offsets": [0, 2]}}, b"\0\0")
    assert_refused(bad, "tensor 'w' has unknown or unsupported dtype 'F8_E4M3'")


def test_dtype_not_a_string(bad):
    raw_file(bad, {"w": {"dtype": ["F32"], "shape": [1], "data_offsets": [0, 4]}}, b"\0" * 4)
    assert_refused(bad, r"tensor 'w' has unknown or unsupported dtype \['F32'\]")


@pytest.mark.parametrize("shape", [[2, -1], [1.5], [True], "3", [None]])
def test_bad_shape(bad, shape):
    raw_file(bad, {"w": {"dtype": "F32", "shape": shape, "data_offsets": [0, 4]}}, b"\0" * 4)
    assert_refused(bad, "tensor 'w' has shape .*non-negative integers")


@pytest.mark.parametrize("offsets", [[0], [0, 4, 8], [-4, 0], [0.0, 4], "0-4"])
def test_bad_offsets_type(bad, offsets):
    raw_file(bad, {"w": {"dtype": "F32", "shape": [1], "data_offsets": offsets}}, b"\0" * 4)
    assert_refused(bad, r"tensor 'w' has data_offsets .*expected \[begin, end\]")


def test_entry_keys(bad):
    raw_file(bad, {"w": {"dtype": "F32", "shape": [1]}}, b"\0" * 4)
    assert_refused(bad, r"tensor 'w': entry has keys \['dtype', 'shape'\], expected exactly")
    raw_file(bad, {"w": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4], "x": 1}}, b"\0" * 4)
    assert_refused(bad, r"tensor 'w': entry has keys \['data_offsets', 'dtype', 'shape', 'x'\]")
    raw_file(bad, {"w": [1, 2]})
    assert_refused(bad, "tensor 'w': entry must be an object, got array")


def test_overlapping_offsets(bad):
    raw_file(bad, {**f32("a", [4], 0, 16), **f32("b", [4], 8, 24)}, b"\0" * 24)
    assert_refused(bad, r"tensors 'a' and 'b' overlap \(data_offsets \[0, 16\] and \[8, 24\]\)")


def test_offsets_past_the_end(bad):
    raw_file(bad, f32("a", [4], 0, 16), b"\0" * 12)
    assert_refused(bad, r"tensor 'a' has data_offsets \[0, 16\] past the end of the 12-byte")


def test_begin_after_end(bad):
    raw_file(bad, f32("a", [0], 8, 4), b"\0" * 8)
    assert_refused(bad, r"tensor 'a' has data_offsets \[8, 4\] with begin > end")


def test_gap_between_tensors(bad):
    raw_file(bad, {**f32("a", [2], 0, 8), **f32("b", [2], 12, 20)}, b"\0" * 20)
    assert_refused(bad, r"gap in the data section: bytes \[8, 12\) before tensor 'b'")


def test_gap_at_start_and_trailing_bytes(bad):
    raw_file(bad, f32("a", [2], 4, 12), b"\0" * 12)
    assert_refused(bad, r"bytes \[0, 4\) before tensor 'a'")
    raw_file(bad, f32("a", [2], 0, 8), b"\0" * 12)
    assert_refused(bad, "data section is 12 bytes but the tensors cover only 8: 4 trailing")


def test_size_mismatch(bad):
    raw_file(bad, f32("fc.weight", [5, 6], 0, 100), b"\0" * 100)
    assert_refused(bad, r"tensor 'fc.weight' has data_offsets \[0, 100\] but shape \[5, 6\] "
                        "of F32 needs 120 bytes")


def test_huge_shape_is_refused_before_allocating(bad):
    raw_file(bad, f32("a", [10**6, 10**6, 10**6], 0, 8), b"\0" * 8)
    assert_refused(bad, "needs 4000000000000000000 bytes")


def test_metadata_non_string_value(bad):
    raw_file(bad, {"__metadata__": {"epoch": 3}})
    assert_refused(bad, "__metadata__ value for 'epoch' must be a string, got number")
    raw_file(bad, {"__metadata__": ["a"]})
    assert_refused(bad, "__metadata__ must be a JSON object of strings, got array")


PICKLES = [
    b"\x80\x02}q\x00.",  # protocol 2: an empty dict
    b"\x80\x02\x8a\nl\xfc\x9cF\xf9 j\xa8P\x19.\x80\x02M\xe9\x03.",  # legacy torch.save prefix
    b"\x80\x04\x95\x05\x00\x00\x00\x00\x00\x00\x00}\x94.",  # protocol 4 with a frame
    b"\x80\x05",  # short enough to be "truncated" too
]


@pytest.mark.parametrize("payload", PICKLES)
def test_pickle_bytes(bad, payload):
    bad.write_bytes(payload)
    assert_refused(bad, "looks like a pickle file.*minigrad never unpickles")


def test_zip_bytes(bad):
    bad.write_bytes(b"PK\x03\x04\x14\x00\x00\x00\x08\x00archive/data.pkl" + b"\0" * 64)
    assert_refused(bad, "looks like a zip archive as written by PyTorch's torch.save.*"
                        "never unpickles")


def test_header_length_that_looks_like_a_pickle_marker_still_loads(tmp_path):
    """A 640-byte header starts the file with b"\\x80\\x02", the pickle protocol-2 marker."""
    path = tmp_path / "m.safetensors"
    text = json.dumps(f32("a", [2], 0, 8)).encode()
    raw_file(path, text + b" " * (640 - len(text)), struct.pack("<2f", 1.5, -2.0), pad=False)
    assert path.read_bytes()[:2] == b"\x80\x02"
    np.testing.assert_array_equal(mio.load(path, as_numpy=True)["a"], [1.5, -2.0])


# ----------------------------------------------------------------------------- structure metadata


def with_structure(path, structure, tensors=("a",)):
    header = {"__metadata__": {"minigrad.structure": structure}}
    for i, name in enumerate(tensors):
        header.update(f32(name, [1], 4 * i, 4 * i + 4))
    return raw_file(path, header, b"\0" * (4 * len(tensors)))


def test_structure_that_is_not_json(bad):
    with_structure(bad, "{oops")
    with pytest.raises(ValueError, match=f"{re.escape(str(bad))}: malformed 'minigrad.structure'"):
        mio.load(bad, as_numpy=True)


@pytest.mark.parametrize("root, problem", [
    ({"dict": [["x", {"tensor": "nope"}], ["y", {"tensor": "a"}]]}, "names tensor 'nope'"),
    ({"dict": [["x", {"tensor": "a"}], ["y", {"tensor": "a"}]]}, "names tensor 'a' twice"),
    ({"dict": [["x", {"tensor": "a"}], ["x", 1]]}, "duplicate key 'x'"),
    ({"dict": [["x", {"tensor": "a"}], ["y", {"set": [1]}]]}, "bad node"),
    ({"dict": [["x", {"tensor": "a"}], [3.5, 1]]}, "bad dict item"),
    ({"dict": [["x", {"tensor": "a"}], [True, 1]]}, "bad dict item"),
    ({"list": [{"tensor": "a"}]}, "root must be a dict node"),
])
def test_malformed_structure(bad, root, problem):
    with_structure(bad, json.dumps({"version": 1, "root": root}))
    with pytest.raises(ValueError, match=f"malformed 'minigrad.structure' metadata: .*{problem}"):
        mio.load(bad, as_numpy=True)


def test_tensor_missing_from_structure(bad):
    root = {"dict": [["x", {"tensor": "a"}]]}
    with_structure(bad, json.dumps({"version": 1, "root": root}), tensors=("a", "b"))
    with pytest.raises(ValueError, match="tensor 'b' is missing from the 'minigrad.structure'"):
        mio.load(bad, as_numpy=True)


def test_deeply_nested_structure(bad):
    deep = '{"list":[' * 100_000 + "]}" * 100_000
    with_structure(bad, '{"version":1,"root":{"dict":[["x",' + deep + "]]}}")
    with pytest.raises(ValueError, match="malformed 'minigrad.structure'"):
        mio.load(bad, as_numpy=True)


def test_no_tensor_memory_is_read_before_everything_is_validated(bad, monkeypatch):
    def fail(*args):
        raise AssertionError("read_arrays called before validation finished")

    monkeypatch.setattr(fmt, "read_arrays", fail)
    raw_file(bad, {**f32("ok", [1], 0, 4), **f32("bad", [3], 4, 8)}, b"\0" * 8)
    with pytest.raises(ValueError, match="needs 12 bytes"):
        mio.load(bad, as_numpy=True)
    with_structure(bad, json.dumps({"version": 1, "root": {"dict": [["x", {"tensor": "zz"}]]}}))
    with pytest.raises(ValueError, match="names tensor 'zz'"):
        mio.load(bad, as_numpy=True)


def test_more_dimensions_than_numpy_supports(bad):
    raw_file(bad, f32("w", [1] * 65, 0, 4), b"\0" * 8)
    assert_refused(bad, "65 dimensions")


def test_a_dimension_over_numpys_limit(bad):
    raw_file(bad, f32("w", [2**70, 0], 0, 0))
    assert_refused(bad, "dimension over")


@pytest.mark.parametrize("structure, problem", [
    ({"version": 3, "root": 1}, r"a version in \(1, 2\)"),
    ({"version": 2}, "and a root"),
    ({"version": 1, "root": {"dict": [["x", {"ndarray": "a"}]]}}, "bad node"),
    ({"version": 2, "root": {"tensor": "a", "requires_grad": False}}, "bad node"),
    ({"version": 2, "root": {"tensor": "a", "requires_grad": True, "x": 1}}, "bad node"),
    ({"version": 2, "root": {"size": [2, 1.5]}}, "bad node"),
    ({"version": 2, "root": {"size": [2], "list": []}}, "bad node"),
    ({"version": 2, "root": {"list": [{"ndarray": "zz"}, {"tensor": "a"}]}}, "names tensor 'zz'"),
])
def test_malformed_version_2_structure(bad, structure, problem):
    with_structure(bad, json.dumps(structure))
    with pytest.raises(ValueError, match=f"malformed 'minigrad.structure' metadata: .*{problem}"):
        mio.load(bad, as_numpy=True)


def test_version_2_may_name_a_tensor_twice_and_loads_it_once(bad):
    with_structure(bad, json.dumps({"version": 2, "root": {"list": [{"tensor": "a"},
                                                                    {"tensor": "a"}]}}))
    first, second = mio.load(bad)
    assert first is second


def test_requires_grad_on_an_integer_tensor_is_refused(bad):
    header = {"__metadata__": {"minigrad.structure": json.dumps(
        {"version": 2, "root": {"tensor": "i", "requires_grad": True}})},
        "i": {"dtype": "I64", "shape": [1], "data_offsets": [0, 8]}}
    raw_file(bad, header, b"\0" * 8)
    with pytest.raises(ValueError, match="marks tensor 'i' of dtype I64 as requiring grad"):
        mio.load(bad)
