"""The glibc malloc tuning is applied at import and can be switched off."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

glibc = bool(os.confstr("CS_GNU_LIBC_VERSION")) if hasattr(os, "confstr") else False


def _tuned(env_value: str | None) -> str:
    env = dict(os.environ)
    env.pop("MINIGRAD_MALLOC_TUNING", None)
    if env_value is not None:
        env["MINIGRAD_MALLOC_TUNING"] = env_value
    code = "import minigrad._allocator as a; print(a.malloc_tuned)"
    return subprocess.run([sys.executable, "-c", code], env=env, capture_output=True,
                          text=True, check=True).stdout.strip()


@pytest.mark.skipif(not glibc, reason="malloc tuning applies to glibc only")
def test_malloc_tuning_on_by_default_and_switchable():
    assert _tuned(None) == "True"
    assert _tuned("0") == "False"
