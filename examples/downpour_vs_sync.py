"""Synchronous data parallelism against asynchronous Downpour SGD, on the same task and clock.

    mpiexec -n 3 python examples/downpour_vs_sync.py                    # 3 processes
    mpiexec -n 3 python examples/downpour_vs_sync.py --straggler 0.02   # one slow worker

Task: an MLP (64-256-256-10) classifying 8x8 digit images, batch 32 per worker, SGD
with momentum. Each method trains for the same wall-clock budget on the same processes:

- sync: every rank computes a gradient (``DistributedDataParallel``), the ranks average
  them and all take the same step; a step takes as long as the slowest rank.
- downpour: rank 0 is the parameter server (``DownpourSGD``), ranks 1.. push gradients
  and take fresh parameters without waiting for each other, within a staleness bound.

``--straggler S`` makes the last rank sleep S seconds per step (a slower or busier
machine). The held-out loss is recorded against wall time; rank 0 writes curves.csv,
a table and, with matplotlib, curves.png. See docs/distributed.md for when each wins.
"""

from __future__ import annotations

import argparse
import os
import time

import numpy as np

import minigrad as mg
import minigrad.distributed as dist
from minigrad import nn, optim
from minigrad.data import load_digits
from minigrad.distributed.downpour import DownpourSGD
from minigrad.nn.parallel import DistributedDataParallel as DDP

BATCH, LR, MOMENTUM = 32, 0.05, 0.9


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="2 s per method instead of 20")
    parser.add_argument("--out", default=os.path.join("runs", "downpour_vs_sync"),
                        help="output directory (default runs/downpour_vs_sync)")
    parser.add_argument("--seconds", type=float, default=None, help="budget per method")
    parser.add_argument("--straggler", type=float, default=0.0,
                        help="seconds the last rank sleeps per step")
    parser.add_argument("--max-staleness", type=int, default=4)
    parser.add_argument("--sync-batch", type=int, default=BATCH,
                        help="batch per rank for sync (default 32, as each Downpour worker)")
    return parser.parse_args(argv)


def make_model() -> nn.Module:
    mg.manual_seed(0)
    return nn.Sequential(nn.Linear(64, 256), nn.ReLU(), nn.Linear(256, 256), nn.ReLU(),
                         nn.Linear(256, 10))


def batches(x: np.ndarray, y: np.ndarray, seed: int, size: int = BATCH):
    """Endless random batches of ``size`` samples, a different stream per ``seed``."""
    rng = np.random.default_rng(seed)
    while True:
        rows = rng.integers(0, len(x), size)
        yield mg.tensor(x[rows]), mg.tensor(y[rows])


def held_out_loss(model: nn.Module, x_val: mg.Tensor, y_val: mg.Tensor) -> float:
    with mg.no_grad():
        return nn.functional.cross_entropy(model(x_val), y_val).item()


def warm_up(x: np.ndarray, y: np.ndarray) -> None:
    """A few untimed steps, so neither method's clock includes compiling the kernels."""
    model = make_model()
    opt = optim.SGD(model.parameters(), lr=LR, momentum=MOMENTUM)
    stream = batches(x, y, seed=99)
    for _ in range(3):
        xb, yb = next(stream)
        opt.zero_grad()
        nn.functional.cross_entropy(model(xb), yb).backward()
        opt.step()


def run_sync(data, seconds: float, straggler: float, batch: int) -> tuple[list, int]:
    """Every rank trains its DDP replica; returns rank 0's (time, loss) curve and steps."""
    x, y, x_val, y_val = data
    rank, world = dist.get_rank(), dist.get_world_size()
    model = DDP(make_model())
    opt = optim.SGD(model.parameters(), lr=LR, momentum=MOMENTUM)
    stream = batches(x, y, seed=rank, size=batch)
    curve, steps = [], 0
    dist.barrier()
    start = time.perf_counter()
    while True:
        elapsed = time.perf_counter() - start
        if steps % 10 == 0 and rank == 0:
            curve.append((elapsed, held_out_loss(model.module, x_val, y_val)))
        stop = mg.tensor([float(elapsed > seconds)])
        dist.all_reduce(stop, op=dist.ReduceOp.MAX)  # everyone stops at the same step
        if stop.item():
            break
        xb, yb = next(stream)
        if straggler and rank == world - 1:
            time.sleep(straggler)
        opt.zero_grad()
        nn.functional.cross_entropy(model(xb), yb).backward()
        opt.step()
        steps += 1
    return curve, steps


def run_downpour(data, seconds: float, straggler: float, max_staleness: int) -> tuple[list, int]:
    """Rank 0 serves, the others train for ``seconds``; returns the server's curve, updates."""
    x, y, x_val, y_val = data
    rank, world = dist.get_rank(), dist.get_world_size()
    model = make_model()
    curve: list[tuple[float, float]] = []
    start = [0.0]

    def record(server: DownpourSGD, version: int) -> None:
        if version % 10 == 0:
            curve.append((time.perf_counter() - start[0], held_out_loss(model, x_val, y_val)))

    downpour = DownpourSGD(model, optim.SGD(model.parameters(), lr=LR, momentum=MOMENTUM),
                           max_staleness=max_staleness, on_update=record)
    dist.barrier()
    start[0] = time.perf_counter()
    if downpour.is_server:
        curve.append((0.0, held_out_loss(model, x_val, y_val)))
        stats = downpour.serve()
        curve.append((time.perf_counter() - start[0], held_out_loss(model, x_val, y_val)))
        staleness = np.asarray(stats.staleness or [0])
        print(f"downpour: {stats.applied} updates applied, {stats.dropped} dropped, "
              f"staleness mean {staleness.mean():.2f} max {staleness.max()}")
        return curve, stats.applied
    stream = batches(x, y, seed=rank)
    while time.perf_counter() - start[0] < seconds:
        xb, yb = next(stream)
        if straggler and rank == world - 1:
            time.sleep(straggler)
        downpour.zero_grad()
        loss = nn.functional.cross_entropy(model(xb), yb)
        loss.backward()
        downpour.step(loss.item())
    downpour.finish()
    return curve, 0


def loss_at(curve: list[tuple[float, float]], t: float) -> float:
    """The last recorded loss at or before time ``t``."""
    seen = [loss for when, loss in curve if when <= t]
    return seen[-1] if seen else float("nan")


def report(out: str, curves: dict, updates: dict, seconds: float, world: int,
           straggler: float, sync_batch: int) -> None:
    with open(os.path.join(out, "curves.csv"), "w") as f:
        f.write("method,seconds,held_out_loss\n")
        for name, curve in curves.items():
            f.writelines(f"{name},{t:.4f},{loss:.6f}\n" for t, loss in curve)
    marks = [seconds * q for q in (0.1, 0.25, 0.5, 1.0)]
    lines = [f"{world} processes, straggler sleep {straggler} s/step, {seconds:g} s each, "
             f"batch {sync_batch} per sync rank, {BATCH} per Downpour worker",
             "", "| method | updates | " + " | ".join(f"loss @ {m:.1f} s" for m in marks) + " |",
             "| --- | ---: | " + " | ".join("---:" for _ in marks) + " |"]
    for name, curve in curves.items():
        cells = " | ".join(f"{loss_at(curve, m):.4f}" for m in marks)
        lines.append(f"| {name} | {updates[name]} | {cells} |")
    table = "\n".join(lines)
    print(table)
    with open(os.path.join(out, "table.md"), "w") as f:
        f.write(table + "\n")
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print('matplotlib is not installed, so no curves.png: pip install ".[plot]"')
        return
    fig, ax = plt.subplots(figsize=(6, 4))
    for name, curve in curves.items():
        ax.plot([t for t, _ in curve], [loss for _, loss in curve], label=name)
    ax.set_xlabel("wall time (s)")
    ax.set_ylabel("held-out cross-entropy")
    ax.set_title(f"{world} processes, straggler {straggler} s/step")
    ax.legend()
    fig.tight_layout()
    fig.savefig(os.path.join(out, "curves.png"), dpi=120)
    print(f"wrote {os.path.join(out, 'curves.png')}")


def main(argv: list[str] | None = None) -> dict:
    args = parse_args(argv)
    dist.init_process_group("mpi")
    rank, world = dist.get_rank(), dist.get_world_size()
    if world < 2:
        raise SystemExit("run under MPI with 2 or more processes: "
                         "mpiexec -n 3 python examples/downpour_vs_sync.py")
    seconds = args.seconds or (2.0 if args.quick else 20.0)
    if rank == 0:
        os.makedirs(args.out, exist_ok=True)
        print(f"writing to {args.out}")
    x, y = load_digits(3000, generator=mg.Generator(0))
    data = (x[:2400], y[:2400], mg.tensor(x[2400:]), mg.tensor(y[2400:]))
    warm_up(x, y)
    sync_curve, sync_steps = run_sync(data, seconds, args.straggler, args.sync_batch)
    down_curve, down_updates = run_downpour(data, seconds, args.straggler, args.max_staleness)
    result = {}
    if rank == 0:
        curves = {"sync": sync_curve, "downpour": down_curve}
        report(args.out, curves, {"sync": sync_steps, "downpour": down_updates}, seconds,
               world, args.straggler, args.sync_batch)
        result = {name: curve[-1][1] for name, curve in curves.items()}
    dist.destroy_process_group()
    return result


if __name__ == "__main__":
    main()
