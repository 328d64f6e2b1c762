"""``step.explain()``: a recorded program as text a learner can read."""

from __future__ import annotations

from typing import Any

import numpy as np


def describe(compiled: Any) -> str:
    """Every cached signature's status, and the most recent program step by step."""
    lines = [f"mg.compile({getattr(compiled.fn, '__qualname__', compiled.fn)!s}): "
             f"{compiled.traces} trace(s), {len(compiled.cache)} cached signature(s)"]
    if compiled.fallback_reason:
        lines.append(f"  runs eagerly for some signatures: {compiled.fallback_reason}")
    programs = compiled.programs
    if not programs:
        lines.append("  no recorded program yet (call the function once)")
        return "\n".join(lines)
    return "\n".join(lines + program_text(programs[-1]))


def program_text(program: Any) -> list[str]:
    counts: dict[str, int] = {}
    for step in program.steps:
        counts[step.kind] = counts.get(step.kind, 0) + 1
    used = [s for s in program.shapes if s is not None]
    total = sum(int(np.prod(shape)) * np.dtype(dtype).itemsize for shape, dtype in used)
    lines = [
        f"program: {len(program.steps)} steps ("
        + ", ".join(f"{n} {kind}" for kind, n in counts.items()) + f"), {program.n_slots} "
        f"slots, {_bytes(total)} in the arrays recorded at trace time",
        f"recording call (eager, with first-use costs such as loading numba) "
        f"{program.trace_seconds * 1e3:.1f} ms; replayed {program.replays} time(s)",
        f"inputs: {', '.join(_slot(program, s) for s, _ in program.inputs) or '-'}",
        f"read from tensors outside the function at each replay: {len(program.loads)} "
        f"(parameters, buffers, constants)",
    ]
    for group in program.groups:
        lines.append(group.summary())
    for i, step in enumerate(program.steps):
        lines.append(f"{i:4d} {step.kind:<9} {step.describe()}{_out_shape(program, step)}")
    return lines


def _slot(program: Any, slot: int) -> str:
    shape = program.shapes[slot]
    if shape is None:
        return f"s{slot}"
    return f"s{slot}{list(shape[0])}:{np.dtype(shape[1]).name}"


def _out_shape(program: Any, step: Any) -> str:
    out = getattr(step, "out", None)
    if out is None or program.shapes[out] is None:
        return ""
    shape, dtype = program.shapes[out]
    return f"   -> {list(shape)} {np.dtype(dtype).name}"


def _bytes(n: int) -> str:
    for unit in ("B", "KiB", "MiB", "GiB"):
        if n < 1024 or unit == "GiB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n} B"
