"""Atomic file replacement: a crash mid-write never leaves a half-written file.

The new contents go to a temporary file in the target's directory, which is
flushed and fsynced, then renamed over the target with ``os.replace`` (atomic
on POSIX and Windows), then the directory is fsynced so the rename itself is
durable. Readers see either the old file or the new one, never a mix.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from typing import BinaryIO


@contextmanager
def atomic_write(path: str | os.PathLike[str]) -> Iterator[BinaryIO]:
    """Open a temporary file that replaces ``path`` when the ``with`` block succeeds.

    If the block raises, the temporary file is removed and ``path`` is untouched.

    >>> import tempfile, os.path
    >>> target = os.path.join(tempfile.mkdtemp(), "x.bin")
    >>> with atomic_write(target) as f:
    ...     _ = f.write(b"new")
    >>> open(target, "rb").read()
    b'new'
    """
    target = os.path.abspath(os.fspath(path))
    directory = os.path.dirname(target)
    if not os.path.isdir(directory):
        raise FileNotFoundError(f"save: directory {directory!r} does not exist")
    fd, temp = _create_temp(directory, os.path.basename(target))
    try:
        with os.fdopen(fd, "wb") as f:
            yield f
            f.flush()
            os.fsync(f.fileno())
        os.replace(temp, target)
    except BaseException:
        try:
            os.unlink(temp)
        except FileNotFoundError:
            pass
        raise
    fsync_directory(directory)


def _create_temp(directory: str, name: str) -> tuple[int, str]:
    """Create ``.<name>.<random>.tmp`` exclusively, with mode 0o666 less the umask like open()."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
    while True:
        temp = os.path.join(directory, f".{name}.{secrets.token_hex(6)}.tmp")
        try:
            return os.open(temp, flags, 0o666), temp
        except FileExistsError:
            continue


def fsync_directory(directory: str) -> None:
    """Make a rename in ``directory`` durable (best effort: not possible on Windows)."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
