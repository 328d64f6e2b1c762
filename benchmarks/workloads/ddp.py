"""ddp: data-parallel training steps of the mlp and gpt workloads, 1 process vs 2 ranks.

Each rank keeps the single-process batch (mlp 256, gpt 32 x 64 tokens), so 2 ranks
take steps of twice the samples (weak scaling). Every timed call launches fresh
processes (``benchmarks/workloads/_ddp_worker.py``: alone, or under ``mpiexec -n 2``
for 2 ranks; torch's DDP over gloo is launched the same way when torch is installed),
each pinned to the benchmark's thread count; the worker warms up, then reports the
median step time over its steps (each step starts at a barrier, so it lasts as long
as the slowest rank). The table's "items" are samples per rank per step.

After the table, a summary gives samples/s, scaling efficiency (time per step of 1
process / time per step of 2 ranks: 100% when the second rank costs nothing),
minigrad's time averaging gradients per step (waiting for the slower rank included)
and a standalone allreduce of a gradient-sized float32 buffer.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import statistics
import subprocess
import sys

from benchmarks import harness

WORKER = os.path.join(os.path.dirname(os.path.abspath(__file__)), "_ddp_worker.py")
RANKS = 2
_extra: dict[tuple[str, str], list[dict]] = {}  # (case, impl) -> the workers' JSON reports


def _mpiexec() -> str | None:
    beside = os.path.join(os.path.dirname(sys.executable), "mpiexec")
    return beside if os.path.exists(beside) else shutil.which("mpiexec")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _launcher(case: str, impl: str, model: str, lib: str, ranks: int, steps: int,
              warmup: int, quick: bool):
    def run() -> harness.Measured:
        command = [sys.executable, WORKER, model, lib, str(steps), str(warmup)]
        if quick:
            command.append("--quick")
        if ranks > 1:
            command = [_mpiexec(), "-n", str(ranks), *command]
        env = dict(os.environ, DDP_BENCH_PORT=str(_free_port()))
        for name in ("RANK", "WORLD_SIZE", "LOCAL_RANK"):
            env.pop(name, None)
        proc = subprocess.run(command, capture_output=True, text=True, timeout=900, env=env)
        if proc.returncode != 0:
            tail = proc.stderr.strip().splitlines()[-1:] or ["(no stderr)"]
            raise RuntimeError(f"{impl} exited with {proc.returncode}: {tail[0]}")
        report = json.loads(proc.stdout.strip().splitlines()[-1])
        _extra.setdefault((case, impl), []).append(report)
        return harness.Measured(report["step"])

    return run


def cases(quick: bool = False) -> list[harness.Case]:
    missing = []
    try:
        import mpi4py  # noqa: F401
    except ImportError:
        missing.append('mpi4py (pip install ".[mpi]")')
    if _mpiexec() is None:
        missing.append("mpiexec")
    torch = harness.try_import_torch()
    result = []
    for model, batch in (("mlp", 32 if quick else 256), ("gpt", 4 * 16 if quick else 32 * 64)):
        name = f"{model}: 1 process vs {RANKS} ranks"
        steps = 3 if quick else (10 if model == "gpt" else 40)
        warmup = 1 if quick else 3
        impls = {}
        libs = ["minigrad"] + (["torch"] if torch is not None else [])
        for lib in libs:
            impls[f"{lib} 1 proc"] = _launcher(name, f"{lib} 1 proc", model, lib, 1, steps,
                                               warmup, quick)
            if not missing:
                impls[f"{lib} {RANKS} ranks"] = _launcher(name, f"{lib} {RANKS} ranks", model,
                                                          lib, RANKS, steps, warmup, quick)
        note = f"items = {'tokens' if model == 'gpt' else 'samples'} per rank per step"
        if missing:
            note += "; 2-rank rows need " + " and ".join(missing)
        if torch is None:
            note += "; torch not installed"
        result.append(harness.Case(name, impls, items=batch, note=note,
                                   repeats=1 if quick else 5, warmup=0))
    return result


def _median(reports: list[dict], key: str) -> float | None:
    values = [r[key] for r in reports if r.get(key) is not None]
    return statistics.median(values) if values else None


def summarize(results: list) -> str:
    """Samples/s, scaling efficiency and allreduce times, from the rows of this workload."""
    lines = ["| case | impl | step (median) | items/s | scaling efficiency | "
             "averaging / step | standalone allreduce |", "|---|---|---|---|---|---|---|"]
    for res in results:
        if not res.impls:
            continue
        for impl, timing in res.impls.items():
            step = timing.median
            if step is None:
                continue
            ranks = RANKS if impl.endswith("ranks") else 1
            lib = impl.split()[0]
            rate = res.items * ranks / step if res.items else None
            efficiency = ""
            single = res.impls.get(f"{lib} 1 proc")
            if ranks > 1 and single is not None and single.median:
                efficiency = f"{100 * single.median / step:.0f}%"
            reports = _extra.get((res.case, impl), [])
            averaging = _median(reports, "averaging")
            allreduce = _median(reports, "allreduce")
            lines.append(
                f"| {res.case} | {impl} | {harness.format_seconds(step)} | "
                f"{harness.format_rate(rate)} | {efficiency} | "
                f"{harness.format_seconds(averaging) if averaging is not None else ''} | "
                f"{harness.format_seconds(allreduce) if allreduce is not None else ''} |")
    return "\n".join(lines) + "\n"
