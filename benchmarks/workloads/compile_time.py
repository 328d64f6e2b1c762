"""compile_time: what ``mg.compile`` costs before its first fast step, in fresh processes.

For each compiled workload (overhead, linreg, micro, gpt), timed inside a fresh
interpreter (so numba's own import, about half a second, is in every figure):

- trace + first replay, cold: the first two calls of the compiled step (the trace, an
  eager run that records; then the first replay, which compiles the fused numba
  kernels) with empty kernel caches (``MINIGRAD_COMPILE_CACHE`` and ``NUMBA_CACHE_DIR``
  pointing at new directories);
- trace + first replay, warm: the same in a second process after the first filled those
  caches, beside the first two eager steps (``minigrad``) in the same setting;
- first replay, warm: the second call alone, the first step that runs compiled code.
"""

from __future__ import annotations

import os
import tempfile

from benchmarks import harness
from benchmarks.workloads.coldstart import run_script

WORKLOADS = ("overhead", "linreg", "micro", "gpt")
WARM_REPEATS = 3  # fresh processes on a shared machine vary by a few tenths of a second

SCRIPT = """
import importlib, time
import benchmarks.harness as harness
harness.pin_threads(1)
module = importlib.import_module("benchmarks.workloads.{name}")
impl = module.cases(quick={quick})[0].impls["{impl}"]
t0 = time.perf_counter()
impl()
t1 = time.perf_counter()
impl()
t2 = time.perf_counter()
print(t2 - {start})
"""


def _run(name: str, quick: bool, cache: str, impl: str = "compiled",
         start: str = "t0") -> harness.Measured:
    os.environ["MINIGRAD_COMPILE_CACHE"] = cache  # inherited by the subprocess
    try:
        return run_script(SCRIPT.format(name=name, quick=quick, impl=impl, start=start), cache)
    finally:
        del os.environ["MINIGRAD_COMPILE_CACHE"]


def cases(quick: bool = False) -> list[harness.Case]:
    result = []
    for name in WORKLOADS:
        warm_dir = tempfile.mkdtemp(prefix=f"minigrad-compile-warm-{name}-")

        def cold(name: str = name) -> harness.Measured:
            with tempfile.TemporaryDirectory(prefix="minigrad-compile-cold-") as cache:
                return _run(name, quick, cache)

        def warm(name: str = name, cache: str = warm_dir, impl: str = "compiled",
                 start: str = "t0") -> harness.Measured:
            return _run(name, quick, cache, impl, start)  # the warm-up call filled the cache

        result.append(harness.Case(f"{name}: trace + first replay, cold cache",
                                   {"compiled": cold}, repeats=1, warmup=0))
        result.append(harness.Case(
            f"{name}: trace + first replay, warm cache (2nd process)",
            {"compiled": warm, "minigrad": lambda w=warm: w(impl="minigrad")},
            repeats=WARM_REPEATS, warmup=1,
            note="minigrad: the first two eager steps; cache filled by the warm-up run"))
        result.append(harness.Case(f"{name}: first replay alone, warm cache (2nd process)",
                                   {"compiled": lambda w=warm: w(start="t1")},
                                   repeats=WARM_REPEATS, warmup=1))
    return result
