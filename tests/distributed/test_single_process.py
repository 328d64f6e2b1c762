"""minigrad.distributed in a process started without mpiexec: a world of one, no MPI needed."""

from __future__ import annotations

import numpy as np
import pytest

import minigrad as mg
import minigrad.distributed as dist
from minigrad import nn, optim
from minigrad.autograd.graph import queue_callback
from minigrad.data import DataLoader, DistributedSampler, TensorDataset
from minigrad.nn.parallel import DistributedDataParallel as DDP


@pytest.fixture
def world_of_one(monkeypatch):
    for name in ("PMI_RANK", "PMI_SIZE", "PMI_FD", "OMPI_COMM_WORLD_SIZE", "PMIX_RANK",
                 "RANK", "WORLD_SIZE", "LOCAL_RANK"):
        monkeypatch.delenv(name, raising=False)
    dist.init_process_group("mpi")
    yield
    if dist.is_initialized():
        dist.destroy_process_group()


def test_world_of_one_without_a_launcher(world_of_one):
    assert dist.is_initialized() and dist.is_available()
    assert (dist.get_rank(), dist.get_world_size(), dist.get_backend()) == (0, 1, "mpi")
    t = mg.tensor([1.0, -2.0])
    for op in (dist.ReduceOp.SUM, dist.ReduceOp.AVG, dist.ReduceOp.MAX, dist.ReduceOp.MIN):
        dist.all_reduce(t, op=op)
        assert t.tolist() == [1.0, -2.0]
    dist.broadcast(t, src=0)
    out = [mg.zeros(2)]
    dist.all_gather(out, t)
    assert out[0].tolist() == [1.0, -2.0]
    assert dist.barrier(async_op=True).wait()
    dist.destroy_process_group()
    assert not dist.is_initialized()


def test_errors_name_the_problem(world_of_one, monkeypatch):
    with pytest.raises(RuntimeError, match="already initialized"):
        dist.init_process_group("mpi")
    with pytest.raises(ValueError, match="unknown op"):
        dist.all_reduce(mg.tensor([1.0]), op="median")
    with pytest.raises(TypeError, match="AVG needs a floating"):
        dist.all_reduce(mg.tensor([1, 2]), op=dist.ReduceOp.AVG)
    with pytest.raises(ValueError, match="src=1 is not a rank"):
        dist.broadcast(mg.tensor([1.0]), src=1)
    with pytest.raises(ValueError, match="tensor_list has 2 tensors"):
        dist.all_gather([mg.zeros(1), mg.zeros(1)], mg.zeros(1))
    with pytest.raises(TypeError, match="expected a minigrad Tensor"):
        dist.all_reduce(np.zeros(2))
    dist.destroy_process_group()
    with pytest.raises(RuntimeError, match="not initialized"):
        dist.get_rank()
    with pytest.raises(ValueError, match="unknown backend"):
        dist.init_process_group("tcp")
    with pytest.raises(ValueError, match="needs GPUs"):
        dist.init_process_group("nccl")
    monkeypatch.setenv("WORLD_SIZE", "2")
    with pytest.raises(RuntimeError, match="mpiexec -n 2"):
        dist.init_process_group("gloo")
    monkeypatch.setenv("WORLD_SIZE", "1")
    monkeypatch.setenv("RANK", "1")
    with pytest.raises(RuntimeError, match="RANK=1 but MPI says 0"):
        dist.init_process_group("gloo")


def test_ddp_in_a_world_of_one_is_the_plain_model(world_of_one):
    mg.manual_seed(0)
    model = nn.Linear(4, 2).double()
    mg.manual_seed(0)
    plain = nn.Linear(4, 2).double()
    ddp = DDP(model)
    assert ddp.module is model and set(ddp.state_dict()) == {"module.weight", "module.bias"}
    x = mg.randn(6, 4, dtype=mg.float64)
    ddp(x).pow(2).sum().backward()
    plain(x).pow(2).sum().backward()
    np.testing.assert_array_equal(model.weight.grad.numpy(), plain.weight.grad.numpy())
    with pytest.raises(TypeError, match="expected an nn.Module"):
        DDP(lambda v: v)
    with pytest.raises(ValueError, match="CPU"):
        DDP(nn.Linear(2, 2), device_ids=[0])


def test_ddp_needs_a_process_group():
    assert not dist.is_initialized()
    with pytest.raises(RuntimeError, match="init_process_group"):
        DDP(nn.Linear(2, 2))


def test_gradient_buckets_cover_every_parameter_once(world_of_one):
    from minigrad.distributed.ddp import GradientAverager
    from minigrad.distributed.process_group import default_group

    model = nn.Sequential(nn.Linear(30, 20), nn.Linear(20, 10).double(), nn.Linear(10, 5))
    params = list(model.parameters())
    averager = GradientAverager(params, default_group("test"), bucket_cap_mb=1000 * 4 / 2**20)
    seen = [p for bucket in averager.buckets for p in bucket.params]
    assert sorted(map(id, seen)) == sorted(map(id, params))
    for bucket in averager.buckets:
        assert len({p.dtype for p in bucket.params}) == 1
        assert bucket.buffer.nbytes <= 1000 * 4 or len(bucket.params) == 1
    assert len(averager.buckets) >= 3  # float32 / float64 / float32 and the 1000-float cap


def test_queue_callback_runs_once_backward_has_written_every_grad():
    w = mg.tensor([1.0, 2.0], requires_grad=True)
    v = mg.tensor([3.0], requires_grad=True)
    seen = []

    def hook(grad):
        if not seen:
            seen.append(None)
            queue_callback(lambda: seen.append((w.grad.tolist(), v.grad.tolist())))

    w.register_hook(hook)
    ((w * w).sum() + (v * w).sum()).backward()
    assert seen == [None, ([2.0 + 3.0, 4.0 + 3.0], [3.0])]
    with pytest.raises(RuntimeError, match="no backward is running"):
        queue_callback(print)


def test_distributed_sampler_shards_disjoint_covering_and_reshuffled_per_epoch():
    n, world = 23, 3
    for drop_last in (False, True):
        shards = [DistributedSampler(range(n), world, r, seed=5, drop_last=drop_last)
                  for r in range(world)]
        lists = [list(s) for s in shards]
        assert len({len(lst) for lst in lists}) == 1 and len(lists[0]) == len(shards[0])
        every = sum(lists, [])
        if drop_last:
            assert len(set(every)) == len(every) == n - n % world
        else:
            assert set(every) == set(range(n)) and len(every) == n + world - n % world
    s = DistributedSampler(range(40), 2, 1, seed=5)
    first = list(s)
    assert list(s) == first
    s.set_epoch(1)
    other = DistributedSampler(range(40), 2, 0, seed=5)
    other.set_epoch(1)
    assert list(s) != first and sorted(list(s) + list(other)) == list(range(40))
    ordered = DistributedSampler(range(6), 2, 0, shuffle=False)
    assert list(ordered) == [0, 2, 4]
    with pytest.raises(ValueError, match="rank 2 is not in"):
        DistributedSampler(range(6), 2, 2)
    with pytest.raises(RuntimeError, match="init_process_group"):
        DistributedSampler(range(6))
    loader = DataLoader(TensorDataset(np.arange(10.0)), batch_size=2,
                        sampler=DistributedSampler(range(10), 2, 0, shuffle=False))
    assert [b[0].tolist() for b in loader] == [[0.0, 2.0], [4.0, 6.0], [8.0]]


def test_trainer_distributed_true_in_a_world_of_one_trains_as_usual(world_of_one):
    from minigrad.train import R2Score, Trainer

    rng = np.random.default_rng(0)
    x = rng.normal(size=(64, 3)).astype(np.float32)
    y = x @ np.array([[1.0], [-2.0], [0.5]], dtype=np.float32)
    model = nn.Linear(3, 1)
    trainer = Trainer(model, nn.MSELoss(), optim.SGD(model.parameters(), lr=0.1),
                      batch_size=16, distributed=True)
    history = trainer.fit((x, y), epochs=20, verbose=0)
    assert history["loss"][-1] < 1e-3
    with pytest.raises(TypeError, match="cannot be combined across ranks"):
        Trainer(model, nn.MSELoss(), None, metrics=[R2Score()], distributed=True)
