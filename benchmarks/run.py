"""Run benchmark workloads and print a Markdown table.

    python benchmarks/run.py linreg mlp --threads 1
    python benchmarks/run.py --all            # also writes benchmarks/results.md

Arguments are parsed and threads pinned BEFORE NumPy is imported, because BLAS
libraries read their thread count once, when they load.
"""

from __future__ import annotations

import argparse
import datetime
import importlib
import os
import platform
import sys
import traceback

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
RESULTS_PATH = os.path.join(REPO_ROOT, "benchmarks", "results.md")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Run minigrad's benchmark workloads.")
    parser.add_argument("workloads", nargs="*", help="workload names (modules in workloads/)")
    parser.add_argument("--all", action="store_true", help="run every workload; write results.md")
    parser.add_argument("--threads", type=int, default=1, help="BLAS/numba/torch threads")
    parser.add_argument("--repeats", type=int, default=None, help="timed samples per impl")
    parser.add_argument("--warmup", type=int, default=None, help="untimed calls per impl")
    parser.add_argument("--quick", action="store_true", help="small sizes, few repeats")
    parser.add_argument("--out", default=None, help="also write the table to this file")
    args = parser.parse_args(argv)
    if not args.all and not args.workloads:
        parser.error("name one or more workloads, or pass --all")
    if args.threads < 1:
        parser.error(f"--threads must be >= 1, got {args.threads}")
    if args.repeats is None:
        args.repeats = 3 if args.quick else 10
    if args.warmup is None:
        args.warmup = 1 if args.quick else 2
    if args.repeats < 1 or args.warmup < 0:
        parser.error("--repeats must be >= 1 and --warmup >= 0")
    return args


def run_workload(name: str, args: argparse.Namespace) -> list:
    """Every case of one workload; an import or setup failure becomes one error row."""
    from benchmarks import harness

    try:
        module = importlib.import_module(f"benchmarks.workloads.{name}")
        cases = module.cases(quick=args.quick)
    except Exception as exc:
        traceback.print_exc(file=sys.stderr)
        return [harness.error_result(name, "(setup)", exc)]
    results = []
    for case in cases:
        print(f"[{name}] {case.name} ...", file=sys.stderr, flush=True)
        try:
            results.append(
                harness.run_case(case, args.repeats, args.warmup, workload=name)
            )
        except Exception as exc:
            traceback.print_exc(file=sys.stderr)
            results.append(harness.error_result(name, case.name, exc))
    return results


def workload_summary(name: str, rows: list) -> str:
    """Extra text a workload adds below the table (its module's ``summarize(rows)``), or ''."""
    module = sys.modules.get(f"benchmarks.workloads.{name}")
    summarize = getattr(module, "summarize", None)
    if summarize is None or not rows:
        return ""
    try:
        return f"## {name}\n\n{summarize(rows)}"
    except Exception as exc:
        traceback.print_exc(file=sys.stderr)
        return f"## {name}\n\nsummary failed: {exc}\n"


def machine_header(threads: int) -> str:
    """One line: date, CPU, core count, library versions, threads."""
    import numpy

    from benchmarks import harness

    try:
        import numba

        numba_version = numba.__version__
    except ImportError:
        numba_version = "not installed"
    torch = harness.try_import_torch()
    torch_version = torch.__version__ if torch is not None else "not installed"
    date = datetime.datetime.now().strftime("%Y-%m-%d %H:%M")
    return (
        f"{date}; CPU: {cpu_model()}, nproc {os.cpu_count()}; Python {platform.python_version()}; "
        f"numpy {numpy.__version__}, numba {numba_version}, torch {torch_version}; "
        f"threads {threads}"
    )


def cpu_model() -> str:
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if REPO_ROOT not in sys.path:
        sys.path.insert(0, REPO_ROOT)
    from benchmarks import harness

    harness.pin_threads(args.threads)  # before anything imports numpy
    harness.tune_malloc()

    from benchmarks.workloads import available

    names = available() if args.all else args.workloads
    results, summaries = [], []
    for name in names:
        rows = run_workload(name, args)
        results.extend(rows)
        summaries.append(workload_summary(name, rows))
    table = harness.format_table(results)
    header = machine_header(args.threads)
    if args.quick:
        header += " (--quick sizes: not comparable with full runs)"
    report = f"# minigrad benchmarks\n\n{header}\n\n{table}"
    report += "".join(f"\n{summary}" for summary in summaries if summary)
    print(report)
    paths = [args.out] if args.out else []
    if args.all and not args.quick:  # a quick run never overwrites the real results
        paths.append(RESULTS_PATH)
    for path in paths:
        with open(path, "w") as f:
            f.write(report)
        print(f"wrote {path}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
