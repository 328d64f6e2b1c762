"""compile_time: what ``mg.compile`` costs before its first fast step, in fresh processes.

For each compiled workload (overhead, linreg, micro, gpt): the first two calls of the
compiled step (the trace, an eager run that records; then the first replay, which
compiles the fused numba kernels), timed inside a fresh interpreter:

- cold: with empty kernel caches (``MINIGRAD_COMPILE_CACHE`` and ``NUMBA_CACHE_DIR``
  pointing at new directories);
- warm: a second process after the first filled those caches (numba loads the
  compiled kernels instead of compiling them).
"""

from __future__ import annotations

import os
import tempfile

from benchmarks import harness
from benchmarks.workloads.coldstart import run_script

WORKLOADS = ("overhead", "linreg", "micro", "gpt")

SCRIPT = """
import importlib, time
import benchmarks.harness as harness
harness.pin_threads(1)
module = importlib.import_module("benchmarks.workloads.{name}")
impl = module.cases(quick={quick})[0].impls["compiled"]
t0 = time.perf_counter()
impl()
impl()
print(time.perf_counter() - t0)
"""


def _run(name: str, quick: bool, cache: str) -> harness.Measured:
    os.environ["MINIGRAD_COMPILE_CACHE"] = cache  # inherited by the subprocess
    try:
        return run_script(SCRIPT.format(name=name, quick=quick), cache)
    finally:
        del os.environ["MINIGRAD_COMPILE_CACHE"]


def cases(quick: bool = False) -> list[harness.Case]:
    result = []
    for name in WORKLOADS:
        warm_dir = tempfile.mkdtemp(prefix=f"minigrad-compile-warm-{name}-")

        def cold(name: str = name) -> harness.Measured:
            with tempfile.TemporaryDirectory(prefix="minigrad-compile-cold-") as cache:
                return _run(name, quick, cache)

        def warm(name: str = name, cache: str = warm_dir) -> harness.Measured:
            return _run(name, quick, cache)  # the warm-up call filled the cache

        result.append(harness.Case(f"{name}: trace + first replay, cold cache",
                                   {"compiled": cold}, repeats=1, warmup=0))
        result.append(harness.Case(f"{name}: trace + first replay, warm cache (2nd process)",
                                   {"compiled": warm}, repeats=1, warmup=1,
                                   note="cache filled by the warm-up run"))
    return result
