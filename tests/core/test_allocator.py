"""``mg.utils.tune_malloc``: an explicit call (or ``Trainer.fit``'s, or a compiled
program's first replay), never made by ``import minigrad``.

glibc has no getter for its mmap threshold, so the tests look at where an 8 MiB NumPy
array lands: with glibc's defaults it gets its own mmap, outside the ``[heap]`` mapping;
after ``tune_malloc()`` it comes from the heap.
"""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

glibc = bool(os.confstr("CS_GNU_LIBC_VERSION")) if hasattr(os, "confstr") else False

PROBE = """
import numpy as np
{setup}
a = np.ones(8 << 20, np.uint8)
address = a.ctypes.data
heap = False
with open("/proc/self/maps") as f:
    for line in f:
        if line.rstrip().endswith("[heap]"):
            lo, hi = (int(x, 16) for x in line.split()[0].split("-"))
            heap = heap or lo <= address < hi
print(heap, tuned)
"""


def _probe(setup: str, tuning_env: str | None = None) -> list[str]:
    env = dict(os.environ)
    env.pop("MINIGRAD_MALLOC_TUNING", None)
    if tuning_env is not None:
        env["MINIGRAD_MALLOC_TUNING"] = tuning_env
    out = subprocess.run([sys.executable, "-c", PROBE.format(setup=setup)], env=env,
                         capture_output=True, text=True, check=True).stdout
    return out.split()


needs_glibc = pytest.mark.skipif(not glibc or not os.path.exists("/proc/self/maps"),
                                 reason="malloc tuning applies to glibc on Linux only")


@needs_glibc
def test_import_leaves_malloc_alone():
    setup = ("import minigrad, minigrad.nn, minigrad.optim, minigrad.train, minigrad.utils\n"
             "tuned = minigrad.utils.malloc_tuned()")
    assert _probe(setup) == ["False", "False"]


@needs_glibc
def test_tune_malloc_moves_large_arrays_to_the_heap():
    setup = "import minigrad\ntuned = minigrad.utils.tune_malloc()"
    assert _probe(setup) == ["True", "True"]


@needs_glibc
def test_environment_switch_turns_the_call_off():
    setup = "import minigrad\ntuned = minigrad.utils.tune_malloc()"
    assert _probe(setup, tuning_env="0") == ["False", "False"]


@needs_glibc
def test_trainer_fit_tunes_malloc():
    setup = ("import minigrad as mg\n"
             "from minigrad import nn, optim\n"
             "from minigrad.train import Trainer\n"
             "model = nn.Linear(2, 1)\n"
             "trainer = Trainer(model, nn.MSELoss(), optim.SGD(model.parameters(), lr=0.1))\n"
             "assert not mg.utils.malloc_tuned()\n"
             "trainer.fit((mg.randn(8, 2), mg.randn(8, 1)), epochs=1, verbose=0)\n"
             "tuned = mg.utils.malloc_tuned()")
    assert _probe(setup) == ["True", "True"]


@needs_glibc
@pytest.mark.parametrize("tuning_env, expected", [(None, ["True", "True"]),
                                                  ("0", ["False", "False"])])
def test_a_compiled_programs_first_replay_tunes_malloc(tuning_env, expected):
    setup = ("import minigrad as mg\n"
             "w = mg.ones(3, requires_grad=True)\n"
             "step = mg.compile(lambda x: (w * x).sum().backward())\n"
             "step(mg.ones(3))\n"
             "assert not mg.utils.malloc_tuned()  # the recording call is an eager step\n"
             "step(mg.ones(3))\n"
             "tuned = mg.utils.malloc_tuned()")
    assert _probe(setup, tuning_env) == expected
