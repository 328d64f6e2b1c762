"""Benchmark harness: the `Case` format, thread pinning, interleaved timing, Markdown tables.

This module imports nothing heavy (no NumPy), so `pin_threads` can run before NumPy loads.

>>> import itertools
>>> ticks = itertools.count()
>>> case = Case("noop", {"numpy": lambda: None})
>>> result = run_case(case, repeats=3, warmup=0, clock=lambda: float(next(ticks)))
>>> result.impls["numpy"].median
1.0
"""

from __future__ import annotations

import gc
import math
import os
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from types import ModuleType

THREAD_ENV_VARS = (
    "OMP_NUM_THREADS",
    "OPENBLAS_NUM_THREADS",
    "MKL_NUM_THREADS",
    "NUMBA_NUM_THREADS",
)
MAX_CALLS_PER_SAMPLE = 100_000
_pinned_threads: int | None = None


@dataclass
class Case:
    """One benchmark: the same work done by several implementations.

    Each value of `impls` runs ONE repetition of the timed work. Keys are
    "numpy" (the baseline), "minigrad" and optionally "torch". `items` (tokens,
    ops, rows per call) adds per-item and throughput columns. `repeats` and
    `warmup` override the runner's settings for cases that must run cold.
    """

    name: str
    impls: dict[str, Callable[[], object]]
    items: int | None = None
    note: str = ""
    repeats: int | None = None
    warmup: int | None = None


@dataclass
class Measured:
    """Return this from an impl to report a time it measured itself (e.g. in a subprocess)."""

    seconds: float


@dataclass
class ImplResult:
    """Per-call timings of one implementation (seconds), or the error that stopped it."""

    samples: list[float] = field(default_factory=list)
    calls_per_sample: int = 1
    error: str = ""

    @property
    def median(self) -> float | None:
        return statistics.median(self.samples) if self.samples else None

    @property
    def min(self) -> float | None:
        return min(self.samples) if self.samples else None

    @property
    def max(self) -> float | None:
        return max(self.samples) if self.samples else None


@dataclass
class CaseResult:
    """What `run_case` returns: one row per implementation in the table."""

    workload: str
    case: str
    impls: dict[str, ImplResult]
    items: int | None = None
    note: str = ""

    def ratio(self, impl: str, base: str) -> float | None:
        """median(impl) / median(base): below 1 means `impl` is faster than `base`."""
        if impl not in self.impls or base not in self.impls:
            return None
        mine, theirs = self.impls[impl].median, self.impls[base].median
        if mine is None or theirs is None or theirs <= 0:
            return None
        return mine / theirs


def error_result(workload: str, case: str, error: BaseException | str) -> CaseResult:
    """A result row for a workload that failed to import or to build its cases."""
    return CaseResult(workload, case, impls={}, note=describe_error(error))


def describe_error(error: BaseException | str) -> str:
    if isinstance(error, BaseException):
        return f"{type(error).__name__}: {error}"
    return str(error)


def add_impl(impls: dict, name: str, build: Callable[[], Callable[[], object]]) -> str:
    """Set `impls[name] = build()`; if importing or building fails, leave it out.

    Returns a note for the Case ('' on success), e.g. "minigrad unavailable: ImportError: ...".
    """
    try:
        impls[name] = build()
    except Exception as exc:
        return f"{name} unavailable: {describe_error(exc)}"
    return ""


def join_notes(*notes: str) -> str:
    return "; ".join(n for n in notes if n)


def pin_threads(n: int) -> None:
    """Limit BLAS, OpenMP, numba and torch to `n` threads.

    Call it BEFORE NumPy is imported: BLAS libraries read their thread count
    once, when they load. Torch (if already imported) and numba (if already
    imported, lowering only) are set directly.
    """
    global _pinned_threads
    if not isinstance(n, int) or isinstance(n, bool) or n < 1:
        raise ValueError(f"pin_threads: n must be a positive int, got {n!r}")
    if "numpy" in sys.modules:
        print(
            "pin_threads: numpy is already imported; BLAS may ignore the thread limit",
            file=sys.stderr,
        )
    for name in THREAD_ENV_VARS:
        os.environ[name] = str(n)
    _pinned_threads = n
    if "torch" in sys.modules:
        sys.modules["torch"].set_num_threads(n)
    if "numba" in sys.modules:
        numba = sys.modules["numba"]
        numba.set_num_threads(min(n, numba.config.NUMBA_NUM_THREADS))


def tune_malloc() -> bool:
    """Apply ``minigrad.utils.tune_malloc()`` for the whole benchmark process (every impl
    shares the allocator, so NumPy and torch get it too). False if minigrad is missing."""
    try:
        from minigrad.utils import tune_malloc as tune
    except ImportError:
        return False
    return tune()


def try_import_torch() -> ModuleType | None:
    """Return the `torch` module (pinned to `pin_threads`' count), or None if not installed."""
    try:
        import torch
    except ImportError:
        return None
    if _pinned_threads is not None:
        torch.set_num_threads(_pinned_threads)
    return torch


def _time_calls(fn: Callable[[], object], calls: int, clock: Callable[[], float]) -> float:
    """Seconds per call, averaged over `calls` back-to-back calls (or as the impl measured)."""
    start = clock()
    for _ in range(calls):
        out = fn()
    elapsed = clock() - start
    if isinstance(out, Measured):
        return out.seconds
    return elapsed / calls


def _calibrate(
    fn: Callable[[], object], warmup: int, min_sample_time: float, clock: Callable[[], float]
) -> int:
    """Run the warm-up calls; return how many calls one timed sample needs.

    The last warm-up call is timed: a call shorter than `min_sample_time` is
    repeated so one sample lasts at least that long. Without warm-up (a cold
    measurement) or for a self-measured impl, every sample is one call.
    """
    for _ in range(warmup - 1):
        fn()
    if warmup < 1:
        return 1
    start = clock()
    out = fn()
    elapsed = clock() - start
    if isinstance(out, Measured) or elapsed >= min_sample_time:
        return 1
    return min(MAX_CALLS_PER_SAMPLE, math.ceil(min_sample_time / max(elapsed, 1e-9)))


def run_case(
    case: Case,
    repeats: int = 10,
    warmup: int = 2,
    *,
    workload: str = "",
    clock: Callable[[], float] = time.perf_counter,
    min_sample_time: float = 1e-3,
) -> CaseResult:
    """Time every impl of `case`: warm-up, then `repeats` interleaved samples.

    Each repeat runs every impl once, round-robin (the starting impl rotates),
    so drifting machine load hits all impls alike. An impl that raises is
    reported with its error and dropped from later rounds.
    """
    repeats = case.repeats if case.repeats is not None else repeats
    warmup = case.warmup if case.warmup is not None else warmup
    if repeats < 1:
        raise ValueError(f"run_case: repeats must be >= 1, got {repeats}")
    results = {name: ImplResult() for name in case.impls}
    gc.collect()  # garbage left by earlier cases should not be collected on our clock
    for name, fn in case.impls.items():
        try:
            results[name].calls_per_sample = _calibrate(fn, warmup, min_sample_time, clock)
        except Exception as exc:  # a broken impl becomes an error row, not a crash
            results[name].error = describe_error(exc)
    names = list(case.impls)
    for r in range(repeats):
        order = names[r % len(names):] + names[: r % len(names)] if names else []
        for name in order:
            res = results[name]
            if res.error:
                continue
            try:
                res.samples.append(_time_calls(case.impls[name], res.calls_per_sample, clock))
            except Exception as exc:
                res.error = describe_error(exc)
    return CaseResult(workload, case.name, results, items=case.items, note=case.note)


def format_seconds(seconds: float | None) -> str:
    """Three significant digits with a unit: '8.70 ms', '12.3 µs'."""
    if seconds is None:
        return "-"
    for unit, scale in (("s", 1.0), ("ms", 1e-3), ("µs", 1e-6)):
        if seconds >= scale:
            return f"{_three_digits(seconds / scale)} {unit}"
    return f"{_three_digits(seconds / 1e-9)} ns"


def format_rate(per_second: float | None) -> str:
    """A throughput with an SI prefix: '15.5 k/s'."""
    if per_second is None:
        return "-"
    for prefix, scale in (("G", 1e9), ("M", 1e6), ("k", 1e3)):
        if per_second >= scale:
            return f"{_three_digits(per_second / scale)} {prefix}/s"
    return f"{_three_digits(per_second)} /s"


def _three_digits(x: float) -> str:
    if x >= 100:
        return f"{x:.0f}"
    if x >= 10:
        return f"{x:.1f}"
    return f"{x:.2f}"


def _ratio_cell(ratio: float | None) -> str:
    return "-" if ratio is None else f"{ratio:.2f}x"


def _cell(text: str, limit: int = 240) -> str:
    text = " ".join(str(text).split()).replace("|", "\\|")
    return text if len(text) <= limit else text[: limit - 3] + "..."


TABLE_COLUMNS = (
    "workload", "case", "impl", "median", "min", "max",
    "vs numpy", "vs torch", "per item", "items/s", "note",
)


def format_table(results: list[CaseResult]) -> str:
    """A Markdown table, one row per (case, impl); ratios are medians over numpy's / torch's."""
    lines = ["| " + " | ".join(TABLE_COLUMNS) + " |", "|" + "---|" * len(TABLE_COLUMNS)]
    for res in results:
        if not res.impls:
            row = [res.workload, res.case, "-", "-", "-", "-", "-", "-", "-", "-", res.note]
            lines.append("| " + " | ".join(_cell(c) for c in row) + " |")
            continue
        for i, (name, impl) in enumerate(res.impls.items()):
            median = impl.median
            per_item = median / res.items if res.items and median is not None else None
            rate = res.items / median if res.items and median else None
            notes = [res.note] if i == 0 and res.note else []
            if impl.error:
                notes.append(f"error: {impl.error}")
            row = [
                res.workload, res.case, name,
                format_seconds(median), format_seconds(impl.min), format_seconds(impl.max),
                _ratio_cell(res.ratio(name, "numpy")), _ratio_cell(res.ratio(name, "torch")),
                format_seconds(per_item), format_rate(rate), "; ".join(notes),
            ]
            lines.append("| " + " | ".join(_cell(c) for c in row) + " |")
    return "\n".join(lines) + "\n"
