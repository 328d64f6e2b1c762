"""Scenarios that run on several ranks:

    mpiexec -n 2 python tests/distributed/mpi_scenarios.py NAME [DIR]

Each scenario asserts on every rank and prints ``PASS NAME`` on rank 0 when all ranks
passed; any failure raises, which aborts the whole job (non-zero exit).
``tests/distributed/test_mpi.py`` launches them with a timeout.
"""

from __future__ import annotations

import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))

import minigrad as mg  # noqa: E402
import minigrad.distributed as dist  # noqa: E402
from minigrad import nn, optim  # noqa: E402
from minigrad.data import DistributedSampler  # noqa: E402
from minigrad.nn.parallel import DistributedDataParallel as DDP  # noqa: E402


def gathered(array: np.ndarray) -> np.ndarray:
    """Every rank's copy of ``array``, stacked: shape (world, *array.shape)."""
    t = mg.tensor(np.ascontiguousarray(array))
    out = [mg.zeros(*array.shape, dtype=t.dtype) for _ in range(dist.get_world_size())]
    dist.all_gather(out, t)
    return np.stack([o.numpy() for o in out])


def flat_weights(model: nn.Module) -> np.ndarray:
    return np.concatenate([p.numpy(force=True).ravel() for p in model.parameters()])


def assert_same_on_all_ranks(array: np.ndarray, what: str) -> None:
    copies = gathered(array)
    for r in range(1, len(copies)):
        assert np.array_equal(copies[0], copies[r]), f"{what}: rank {r} differs from rank 0"


def mlp(seed: int) -> nn.Module:
    mg.manual_seed(seed)
    return nn.Sequential(nn.Linear(5, 8), nn.Tanh(), nn.Linear(8, 2)).double()


def scenario_collectives() -> None:
    rank, world = dist.get_rank(), dist.get_world_size()
    assert world >= 2, "run under mpiexec -n 2 (or more)"
    assert os.environ["RANK"] == str(rank) and os.environ["WORLD_SIZE"] == str(world)
    assert os.environ["LOCAL_RANK"] == str(rank)  # one machine
    for dtype in (np.float32, np.float64, np.int64):
        base = np.array([1, -2, 3], dtype=dtype) * (rank + 1)
        expected = {
            dist.ReduceOp.SUM: sum(np.array([1, -2, 3]) * (r + 1) for r in range(world)),
            dist.ReduceOp.MAX: np.array([1, -2, 3]) * np.where([1, 0, 1], world, 1),
            dist.ReduceOp.MIN: np.array([1, -2, 3]) * np.where([1, 0, 1], 1, world),
        }
        for op, want in expected.items():
            t = mg.tensor(base.copy())
            dist.all_reduce(t, op=op)
            assert t.dtype == mg.tensor(base).dtype
            np.testing.assert_array_equal(t.numpy(), want.astype(dtype), err_msg=f"{op} {dtype}")
    t = mg.tensor(np.array([1.0, 3.0]) * (rank + 1))
    dist.all_reduce(t, op=dist.ReduceOp.AVG)
    np.testing.assert_allclose(t.numpy(), np.array([1.0, 3.0]) * (world + 1) / 2)
    # in place on a parameter, and on a non-contiguous view's owner
    w = nn.Parameter(mg.tensor(np.full((2, 3), float(rank))))
    dist.all_reduce(w)
    np.testing.assert_array_equal(w.numpy(force=True), np.full((2, 3), sum(range(world))))
    b = mg.tensor(np.arange(4.0) + 10 * rank)
    dist.broadcast(b, src=world - 1)
    np.testing.assert_array_equal(b.numpy(), np.arange(4.0) + 10 * (world - 1))
    out = [mg.zeros(2, dtype=mg.float64) for _ in range(world)]
    dist.all_gather(out, mg.tensor([float(rank), -float(rank)], dtype=mg.float64))
    for r, o in enumerate(out):
        np.testing.assert_array_equal(o.numpy(), [r, -r])
    dist.barrier()


def _batches(step: int, n: int = 32) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(100 + step)
    return rng.normal(size=(n, 5)), rng.normal(size=(n, 2))


def scenario_equivalence() -> None:
    """N SGD steps, float64: each rank 16 samples == one process with the combined 32."""
    rank, world = dist.get_rank(), dist.get_world_size()
    model = mlp(seed=rank)  # different initial weights on purpose: DDP broadcasts rank 0's
    ddp = DDP(model)
    reference = mlp(seed=0)  # rank 0's initial weights, trained on the combined batch
    assert np.array_equal(flat_weights(model), flat_weights(reference))
    opt = optim.SGD(ddp.parameters(), lr=0.1, momentum=0.9)
    ref_opt = optim.SGD(reference.parameters(), lr=0.1, momentum=0.9)
    per_rank = 16
    for step in range(6):
        x, y = _batches(step, per_rank * world)
        mine = slice(rank * per_rank, (rank + 1) * per_rank)
        opt.zero_grad()
        nn.functional.mse_loss(ddp(mg.tensor(x[mine])), mg.tensor(y[mine])).backward()
        opt.step()
        ref_opt.zero_grad()
        nn.functional.mse_loss(reference(mg.tensor(x)), mg.tensor(y)).backward()
        ref_opt.step()
        weights = flat_weights(model)
        assert_same_on_all_ranks(weights, f"weights after step {step + 1}")
        np.testing.assert_allclose(weights, flat_weights(reference), rtol=0, atol=1e-10,
                                   err_msg=f"step {step + 1}")
    # one in-place allreduce per bucket per step (a small MLP fits in one bucket)
    assert len(ddp.averager.buckets) == 1
    assert ddp.averager.allreduces == 6


def scenario_no_sync() -> None:
    """Inside no_sync backward accumulates locally; the next synced backward averages the sum."""
    rank = dist.get_rank()
    ddp = DDP(mlp(seed=0))
    plain = mlp(seed=0)
    x1, y1 = _batches(10 + rank, 8)
    x2, y2 = _batches(20 + rank, 8)
    with ddp.no_sync():
        nn.functional.mse_loss(ddp(mg.tensor(x1)), mg.tensor(y1)).backward()
    nn.functional.mse_loss(plain(mg.tensor(x1)), mg.tensor(y1)).backward()
    first_ddp = [p.grad.numpy().copy() for p in ddp.module.parameters()]
    for g, p in zip(first_ddp, plain.parameters()):
        np.testing.assert_array_equal(g, p.grad.numpy())  # local only: not averaged
    assert not np.array_equal(*gathered(first_ddp[0])[:2]), "ranks' local gradients coincide"
    nn.functional.mse_loss(ddp(mg.tensor(x2)), mg.tensor(y2)).backward()
    nn.functional.mse_loss(plain(mg.tensor(x2)), mg.tensor(y2)).backward()
    for p_ddp, p_plain in zip(ddp.module.parameters(), plain.parameters()):
        want = gathered(p_plain.grad.numpy()).mean(axis=0)  # mean over ranks of local sums
        np.testing.assert_allclose(p_ddp.grad.numpy(), want, rtol=0, atol=1e-12)


def scenario_sampler() -> None:
    rank, world = dist.get_rank(), dist.get_world_size()
    for n, drop_last in ((40, False), (37, False), (37, True)):
        sampler = DistributedSampler(range(n), shuffle=True, seed=3, drop_last=drop_last)
        assert (sampler.num_replicas, sampler.rank) == (world, rank)
        sampler.set_epoch(2)
        mine = sampler.index_array()
        shards = gathered(mine)
        every = np.concatenate(shards)
        assert len(mine) == len(sampler)
        if n % world == 0:
            assert sorted(every.tolist()) == list(range(n)), "disjoint and covering"
        elif drop_last:
            assert len(set(every.tolist())) == len(every) == n - n % world
        else:
            assert set(every.tolist()) == set(range(n)) and len(every) == n + world - n % world


def scenario_raise() -> None:
    """Rank 1 raises while rank 0 waits in an allreduce: the job must end, not hang."""
    if dist.get_rank() == 1:
        raise ValueError("deliberate failure on rank 1")
    dist.all_reduce(mg.tensor([1.0]))
    raise AssertionError("rank 0 finished an allreduce that rank 1 never joined")


def _trainer(seed: int, callbacks: list, model: nn.Module | None = None):
    from minigrad.train import Accuracy, Trainer

    model = model or nn.Sequential(nn.Linear(5, 16), nn.ReLU(), nn.Linear(16, 3))
    return Trainer(model, nn.CrossEntropyLoss(), optim.Adam(model.parameters(), lr=0.01),
                   metrics=[Accuracy()], callbacks=callbacks, batch_size=8,
                   generator=mg.Generator(seed))


def scenario_trainer(directory: str) -> None:
    """Trainer(distributed): same logs and weights on every rank, rank-0-only files, resume."""
    from minigrad.train import CSVLogger, ModelCheckpoint, Trainer

    rank = dist.get_rank()
    rng = np.random.default_rng(0)
    x = rng.normal(size=(96, 5)).astype(np.float32)
    y = (x[:, 0] > 0).astype(np.int64) + (x[:, 1] > 0.5)
    mg.manual_seed(rank)  # different inits: the Trainer starts every rank from rank 0's
    ckpt = os.path.join(directory, "epoch{epoch}.safetensors")
    logger = CSVLogger(os.path.join(directory, "log.csv"))
    full = _trainer(7, [logger, ModelCheckpoint(ckpt, monitor="loss")])
    history = full.fit((x, y), epochs=4, val_data=(x[:40], y[:40]), verbose=0)
    weights = flat_weights(full.model)
    assert_same_on_all_ranks(weights, "weights after fit")
    for key in ("loss", "accuracy", "val_loss", "val_accuracy"):
        assert_same_on_all_ranks(np.array(history[key]), f"history[{key!r}]")
    assert logger.last_epoch == (4 if rank == 0 else 0), "only rank 0 runs the CSVLogger"
    assert os.path.exists(os.path.join(directory, "epoch2.safetensors"))
    # validation metrics are over every sample: compare with one process evaluating it all
    alone = Trainer(full.model, nn.CrossEntropyLoss(), None, metrics=[_accuracy()],
                    distributed=False)
    single = alone.evaluate((x[:40], y[:40]))
    np.testing.assert_allclose(history["val_loss"][-1], single["loss"], rtol=1e-6)
    assert history["val_accuracy"][-1] == single["accuracy"]
    # resume on every rank from rank 0's epoch-2 checkpoint: the same end as the full run
    mg.manual_seed(100 + rank)
    resumed = _trainer(7, [CSVLogger(os.path.join(directory, "log2.csv")),
                           ModelCheckpoint(os.path.join(directory, "r{epoch}.safetensors"),
                                           monitor="loss")])
    resumed.fit((x, y), epochs=4, val_data=(x[:40], y[:40]), verbose=0,
                resume_from=os.path.join(directory, "epoch2.safetensors"))
    np.testing.assert_allclose(flat_weights(resumed.model), weights, rtol=0, atol=1e-6)


def scenario_downpour() -> None:
    """One server and one worker, fresh parameters every push: exactly sequential SGD.
    Then stale local parameters (fetch every 4 pushes) kept within max_staleness=2: the
    server sends fresh ones as soon as the worker lags 2 versions, so pushes are computed
    on parameters 0 or 1 versions old."""
    from minigrad.distributed.downpour import DownpourSGD

    rank = dist.get_rank()
    steps = 12

    def train(fetch_every: int, max_staleness: int):
        model = mlp(seed=rank)
        downpour = DownpourSGD(model, optim.SGD(model.parameters(), lr=0.05),
                               max_staleness=max_staleness, fetch_every=fetch_every)
        if downpour.is_server:
            stats = downpour.serve()
        else:
            stats = None
            for step in range(steps):
                x, y = _batches(step, 16)
                downpour.zero_grad()
                loss = nn.functional.mse_loss(model(mg.tensor(x)), mg.tensor(y))
                loss.backward()
                downpour.step(loss.item())
            downpour.finish()
        assert_same_on_all_ranks(flat_weights(model), "weights after Downpour")
        return model, stats

    model, stats = train(fetch_every=1, max_staleness=0)
    reference = mlp(seed=0)
    opt = optim.SGD(reference.parameters(), lr=0.05)
    for step in range(steps):
        x, y = _batches(step, 16)
        opt.zero_grad()
        nn.functional.mse_loss(reference(mg.tensor(x)), mg.tensor(y)).backward()
        opt.step()
    np.testing.assert_allclose(flat_weights(model), flat_weights(reference), rtol=0, atol=1e-12)
    if rank == 0:
        assert (stats.applied, stats.dropped) == (steps, 0) and set(stats.staleness) == {0}
        assert len(stats.history) == steps
    _, stats = train(fetch_every=4, max_staleness=2)
    if rank == 0:
        assert stats.applied == steps and stats.dropped == 0
        assert stats.staleness == [0, 1] * (steps // 2)


def scenario_metric_sums() -> None:
    """Metrics summed over ranks equal one metric fed every rank's samples, also when a
    confusion matrix grew to different sizes on different ranks."""
    from minigrad.train import Accuracy, ConfusionMatrix, Mean, MeanSquaredError
    from minigrad.train.distributed import DistributedTraining

    rank, world = dist.get_rank(), dist.get_world_size()
    helper = DistributedTraining(nn.Linear(1, 1))
    preds = [np.array([0, 1, 2, 1]), np.array([3, 4, 0, 4, 1])]
    targets = [np.array([0, 2, 2, 1]), np.array([3, 1, 0, 4, 4])]
    local = [ConfusionMatrix(), Accuracy(), MeanSquaredError(), Mean("loss")]
    everything = [ConfusionMatrix(), Accuracy(), MeanSquaredError(), Mean("loss")]
    for r in range(world):
        p, t = preds[r % 2], targets[r % 2]
        for mine, total in zip(local, everything):
            if isinstance(mine, Mean):
                args = (float(p.sum()),)
            elif isinstance(mine, MeanSquaredError):
                args = (p.astype(np.float64), t.astype(np.float64))
            else:
                args = (p, t)
            if r == rank:
                mine.update(*args)
            total.update(*args)
    assert local[0].matrix.shape != everything[0].matrix.shape or rank == 1
    helper.sum_states(local)
    for mine, total in zip(local, everything):
        np.testing.assert_allclose(mine.compute(), total.compute(), rtol=1e-12)


def _accuracy():
    from minigrad.train import Accuracy

    return Accuracy()


SCENARIOS = {
    "collectives": scenario_collectives,
    "equivalence": scenario_equivalence,
    "no_sync": scenario_no_sync,
    "sampler": scenario_sampler,
    "raise": scenario_raise,
    "trainer": scenario_trainer,
    "downpour": scenario_downpour,
    "metric_sums": scenario_metric_sums,
}


def main() -> None:
    name = sys.argv[1]
    dist.init_process_group("mpi")
    SCENARIOS[name](*sys.argv[2:])
    dist.barrier()
    if dist.get_rank() == 0:
        print(f"PASS {name}", flush=True)
    dist.destroy_process_group()


if __name__ == "__main__":
    main()
