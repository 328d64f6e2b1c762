"""Atomic saves: a failed or killed save leaves the previous checkpoint intact."""

import os
import signal
import stat
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import pytest

import minigrad.io as mio
from minigrad.io import atomic
from minigrad.io import safetensors as fmt

REPO = Path(__file__).resolve().parents[2]


def old_checkpoint(tmp_path):
    path = tmp_path / "m.safetensors"
    mio.save({"w": np.full(10, 1.0, np.float32), "epoch": 1}, path)
    return path


def assert_old_checkpoint(path):
    state = mio.load(path, as_numpy=True)
    assert state["epoch"] == 1
    np.testing.assert_array_equal(state["w"], np.full(10, 1.0, np.float32))


@pytest.mark.parametrize("error", [RuntimeError, KeyboardInterrupt])
def test_failure_mid_write_keeps_the_old_file(tmp_path, monkeypatch, error):
    path = old_checkpoint(tmp_path)
    written = []

    def fail_after_first_chunk():
        written.append(1)
        if len(written) == 2:
            raise error("injected failure")

    monkeypatch.setattr(fmt, "CHUNK_BYTES", 64)
    monkeypatch.setattr(fmt, "_chunk_written_hook", fail_after_first_chunk)
    with pytest.raises(error, match="injected failure"):
        mio.save({"w": np.zeros(1000, np.float32), "epoch": 2}, path)
    assert len(written) == 2
    assert_old_checkpoint(path)
    assert os.listdir(tmp_path) == ["m.safetensors"]


def test_failure_before_writing_keeps_the_old_file(tmp_path):
    path = old_checkpoint(tmp_path)
    before = path.read_bytes()
    with pytest.raises(TypeError):
        mio.save({"w": np.zeros(3, np.complex64)}, path)
    assert path.read_bytes() == before
    assert os.listdir(tmp_path) == ["m.safetensors"]


def test_file_and_directory_are_fsynced_around_the_rename(tmp_path, monkeypatch):
    path = old_checkpoint(tmp_path)
    old = path.read_bytes()
    real_fsync = os.fsync
    synced = []

    def record(fd):
        is_dir = stat.S_ISDIR(os.fstat(fd).st_mode)
        synced.append((is_dir, path.read_bytes() == old))
        real_fsync(fd)

    monkeypatch.setattr(atomic.os, "fsync", record)
    mio.save({"w": np.zeros(3, np.float32)}, path)
    # The temp file is synced while the target still holds the old bytes,
    # the directory after the rename.
    assert synced == [(False, True), (True, False)]


@pytest.mark.skipif(os.name != "posix", reason="umask is POSIX")
def test_new_file_gets_normal_permissions(tmp_path):
    previous = os.umask(0o022)
    try:
        mio.save({}, tmp_path / "m.safetensors")
    finally:
        os.umask(previous)
    assert stat.S_IMODE(os.stat(tmp_path / "m.safetensors").st_mode) == 0o644


CHILD = textwrap.dedent("""
    import sys, time
    import numpy as np
    import minigrad.io as mio
    from minigrad.io import safetensors as fmt

    target, marker = sys.argv[1], sys.argv[2]

    def stall():
        open(marker, "w").close()
        time.sleep(600)

    fmt.CHUNK_BYTES = 1 << 16
    fmt._chunk_written_hook = stall
    mio.save({"w": np.full(1 << 20, 7.0, np.float32), "epoch": 2}, target)
""")


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs SIGKILL")
def test_sigkill_mid_save_keeps_the_old_file(tmp_path):
    path = old_checkpoint(tmp_path)
    marker = tmp_path / "started"
    pythonpath = os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")])
    env = {**os.environ, "PYTHONPATH": pythonpath}
    child = subprocess.Popen([sys.executable, "-c", CHILD, str(path), str(marker)], env=env,
                             stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 60
        while not marker.exists():
            if child.poll() is not None:
                pytest.fail(f"child exited early: {child.stderr.read().decode()}")
            if time.monotonic() > deadline:
                pytest.fail("child never started writing")
            time.sleep(0.01)
        child.send_signal(signal.SIGKILL)
        child.wait()
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
        child.stderr.close()
    assert child.returncode == -signal.SIGKILL
    assert_old_checkpoint(path)
    # The killed save left its partial temp file next to the target (a hard kill
    # cannot clean up); it is never mistaken for the checkpoint.
    leftovers = [p for p in tmp_path.iterdir() if p.name not in ("m.safetensors", "started")]
    assert len(leftovers) == 1
    assert leftovers[0].name.startswith(".m.safetensors.") and leftovers[0].suffix == ".tmp"
    assert 0 < leftovers[0].stat().st_size < 4 * (1 << 20)
    mio.save({"w": np.zeros(2, np.float32)}, path)
    assert list(mio.load(path, as_numpy=True)) == ["w"]
