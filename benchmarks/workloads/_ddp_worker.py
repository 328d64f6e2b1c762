"""One timed data-parallel run, started by the ``ddp`` workload (directly or under mpiexec).

    python benchmarks/workloads/_ddp_worker.py MODEL LIB STEPS WARMUP [--quick]

MODEL is mlp or gpt (the workloads of the same names, same sizes, per rank); LIB is
minigrad or torch. Under ``mpiexec -n 2`` every rank trains its replica through DDP
(minigrad over MPI; torch over gloo, rendezvous on localhost); alone it is the plain
one-process step. Rank 0 prints one JSON line: the median step time, the median time
spent averaging gradients per step (minigrad), and the median time of a standalone
allreduce of a gradient-sized float32 buffer.
"""

from __future__ import annotations

import json
import os
import statistics
import sys
import time

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, REPO_ROOT)

import numpy as np  # noqa: E402

from benchmarks.workloads import gpt, mlp  # noqa: E402

WORLD = int(os.environ.get("PMI_SIZE", "1"))
RANK = int(os.environ.get("PMI_RANK", "0"))


def model_and_step(model_name: str, lib_name: str, quick: bool):
    """(step function, the model's parameters, the DDP object or None) for one rank."""
    rng = np.random.default_rng(RANK)
    if lib_name == "torch":
        import torch

        torch.set_num_threads(1)
        lib, nn, F, optim = torch, torch.nn, torch.nn.functional, torch.optim
        wrap = (lambda m: torch.nn.parallel.DistributedDataParallel(m)) if WORLD > 1 else None
    else:
        import minigrad as lib
        import minigrad.nn as nn
        import minigrad.nn.functional as F
        import minigrad.optim as optim
        from minigrad.nn.parallel import DistributedDataParallel

        wrap = DistributedDataParallel if WORLD > 1 else None
    built, wrapped = [], []

    def wrap_model(model):
        built.append(model)
        if wrap is None:
            return model
        wrapped.append(wrap(model))
        return wrapped[0]

    if model_name == "mlp":
        sizes = (64, 32, 32, 10) if quick else (784, 512, 512, 10)
        batch = 32 if quick else 256
        x = rng.standard_normal((batch, sizes[0]), dtype=np.float32)
        y = rng.integers(0, sizes[-1], batch)
        step = mlp.make_step(lib, nn, F, optim, sizes, x, y, wrap=wrap_model)
    else:
        cfg = gpt.QUICK if quick else gpt.FULL
        batch = 4 if quick else 32
        tokens = rng.integers(0, cfg["vocab_size"], (batch, cfg["block_size"] + 1))
        idx, targets = (np.ascontiguousarray(tokens[:, :-1]),
                        np.ascontiguousarray(tokens[:, 1:]))
        lib.manual_seed(0)
        if lib_name == "torch":
            model = gpt.torch_gpt(lib, cfg)
        else:
            from minigrad.models import GPT, GPTConfig

            model = GPT(GPTConfig(**cfg, dropout=0.0, bias=True))
        step = gpt.make_step(lib, F, optim, wrap_model(model), idx, targets, cfg["vocab_size"])
    return step, list(built[0].parameters()), (wrapped[0] if wrapped else None)


def allreduce_timer(lib_name: str, numel: int):
    """A function timing one allreduce of ``numel`` float32 (None in a world of one)."""
    if WORLD == 1:
        return None
    if lib_name == "torch":
        import torch
        import torch.distributed as tdist

        buffer = torch.ones(numel)

        def run() -> float:
            start = time.perf_counter()
            tdist.all_reduce(buffer)
            return time.perf_counter() - start
    else:
        from minigrad.distributed.collectives import all_reduce_array

        buffer = np.ones(numel, dtype=np.float32)

        def run() -> float:
            start = time.perf_counter()
            all_reduce_array(buffer)
            return time.perf_counter() - start
    return run


def barrier(lib_name: str) -> None:
    if WORLD == 1:
        return
    if lib_name == "torch":
        import torch.distributed as tdist

        tdist.barrier()
    else:
        import minigrad.distributed as dist

        dist.barrier()


def init(lib_name: str, port: str) -> None:
    if WORLD == 1:
        return
    if lib_name == "torch":
        import torch.distributed as tdist

        tdist.init_process_group("gloo", init_method=f"tcp://127.0.0.1:{port}",
                                 rank=RANK, world_size=WORLD)
    else:
        import minigrad.distributed as dist

        dist.init_process_group("mpi")


def main() -> None:
    model_name, lib_name, steps, warmup = sys.argv[1], sys.argv[2], int(sys.argv[3]), \
        int(sys.argv[4])
    quick = "--quick" in sys.argv
    port = os.environ.get("DDP_BENCH_PORT", "29531")
    init(lib_name, port)
    step, params, ddp = model_and_step(model_name, lib_name, quick)
    for _ in range(warmup):
        step()
    times, averaging = [], []
    for _ in range(steps):
        barrier(lib_name)  # every step starts together: its time is the slowest rank's
        before = ddp.averager.allreduce_seconds if lib_name == "minigrad" and ddp else 0.0
        start = time.perf_counter()
        step()
        times.append(time.perf_counter() - start)
        if lib_name == "minigrad" and ddp is not None:
            averaging.append(ddp.averager.allreduce_seconds - before)
    numel = sum(int(np.prod(tuple(p.shape))) for p in params)
    timer = allreduce_timer(lib_name, numel)
    standalone = [timer() for _ in range(10)] if timer else []
    if RANK == 0:
        print(json.dumps({
            "step": statistics.median(times),
            "averaging": statistics.median(averaging) if averaging else None,
            "allreduce": statistics.median(standalone) if standalone else None,
            "params": numel,
        }))


if __name__ == "__main__":
    main()
