"""Downpour SGD: asynchronous training with a parameter server (Dean et al., 2012).

Rank 0 holds the parameters and the optimizer; every other rank is a worker that
computes gradients on its own shard and pushes them to rank 0 without waiting for
the other workers. The server applies each push as it arrives (one optimizer step per
push) and counts versions; a push computed on parameters more than ``max_staleness``
versions old is dropped, and a worker that falls that far behind is sent fresh
parameters, so no applied gradient is staler than the bound. See docs/distributed.md.

Worker side (ranks 1..n-1)::

    downpour = DownpourSGD(model, optimizer, max_staleness=4)
    for x, y in loader:
        downpour.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        downpour.step(loss.item())
    downpour.finish()          # every rank ends with the server's parameters

Server side (rank 0): ``stats = downpour.serve()`` returns when every worker finished.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from minigrad.autograd.graph import increment_version
from minigrad.creation import from_numpy
from minigrad.distributed.process_group import ProcessGroup, default_group

_PUSH, _REPLY = 11, 12
_IDLE_SLEEP = 2e-4  # seconds the server sleeps when no push is waiting (frees the core)


@dataclass
class DownpourStats:
    """What the server saw: pushes applied and dropped, the staleness of each applied
    push, and ``history``: (seconds since serve() began, worker rank, its loss)."""

    applied: int = 0
    dropped: int = 0
    staleness: list[int] = field(default_factory=list)
    history: list[tuple[float, int, float]] = field(default_factory=list)


class DownpourSGD:
    """Asynchronous parameter-server SGD over the ranks of ``group`` (at least two).

    ``model``: the same architecture on every rank (rank 0's initial values win).
    ``optimizer``: built on ``model.parameters()``; only rank 0 steps it.
    ``max_staleness``: the largest number of server updates an applied gradient may
    lag behind. ``push_every``: a worker accumulates this many gradients per push.
    ``fetch_every``: a worker asks for fresh parameters every this many pushes
    (sooner when it falls ``max_staleness`` behind). ``on_update(server, version)``:
    called on rank 0 after each applied push (to evaluate, say).
    """

    def __init__(self, model: Any, optimizer: Any, max_staleness: int = 4, push_every: int = 1,
                 fetch_every: int = 1, group: ProcessGroup | None = None,
                 on_update: Callable[[DownpourSGD, int], None] | None = None) -> None:
        self.group = group or default_group("DownpourSGD")
        if self.group.world_size < 2:
            raise ValueError("DownpourSGD: needs at least 2 ranks (a server and a worker); "
                             "start with mpiexec -n 2 or more")
        for name, value in (("max_staleness", max_staleness), ("push_every", push_every),
                            ("fetch_every", fetch_every)):
            if not isinstance(value, int) or value < (0 if name == "max_staleness" else 1):
                raise ValueError(f"DownpourSGD: {name} must be an int >= "
                                 f"{0 if name == 'max_staleness' else 1}, got {value!r}")
        self.params = [p for p in model.parameters() if p.requires_grad]
        dtypes = {p.dtype for p in self.params}
        if len(dtypes) != 1:
            raise TypeError(f"DownpourSGD: parameters must share one dtype, got {dtypes}")
        self.model, self.optimizer = model, optimizer
        self.max_staleness, self.push_every, self.fetch_every = max_staleness, push_every, \
            fetch_every
        self.on_update = on_update
        self.rank = self.group.rank
        self.is_server = self.rank == 0
        self.version = 0
        self._flat = self._gather_params()
        self.group.comm.Bcast(self._flat, root=0)
        self._scatter_params(self._flat)
        self._grad_sum = np.zeros_like(self._flat)
        self._accumulated = 0
        self._based_on = 0  # the version the accumulated gradients were computed on
        self._losses: list[float] = []
        self._pushes_since_fetch = 0
        # a push: [version, loss, want params, done, count, *gradient]; a reply:
        # [server version, has params, *parameters] (the parameters only when sent)
        self._message = np.zeros(5 + self._flat.size, dtype=self._flat.dtype)
        self._reply = np.zeros(2 + self._flat.size, dtype=self._flat.dtype)

    # ------------------------------------------------------------ parameters
    def _gather_params(self) -> np.ndarray:
        return np.concatenate([p.numpy(force=True).ravel() for p in self.params])

    def _scatter_params(self, flat: np.ndarray) -> None:
        start = 0
        for p in self.params:
            array = p.numpy(force=True)
            np.copyto(array, flat[start:start + array.size].reshape(array.shape))
            start += array.size
        increment_version(self.params)

    # ---------------------------------------------------------------- worker
    def zero_grad(self) -> None:
        for p in self.params:
            p.grad = None

    def step(self, loss: float = float("nan")) -> None:
        """Worker: add this backward's gradients to the push; push when ``push_every``
        have accumulated (without waiting for the other workers)."""
        if self.is_server:
            raise RuntimeError("DownpourSGD.step: rank 0 is the parameter server; call serve()")
        if self._accumulated == 0:
            self._based_on = self.version
        start = 0
        for p in self.params:
            n = p.numel()
            if p.grad is not None:
                self._grad_sum[start:start + n] += p.grad.numpy().ravel()
            start += n
        self._accumulated += 1
        self._losses.append(float(loss))
        if self._accumulated == self.push_every:
            self._push(done=False)

    def _push(self, done: bool) -> None:
        """Send the accumulated gradient to the server and take its reply: its version,
        and fresh parameters when asked for or when this worker fell too far behind.
        Only this worker waits (for one round trip); the others keep computing."""
        count = self._accumulated
        self._pushes_since_fetch += 1
        want = done or self._pushes_since_fetch >= self.fetch_every
        loss = float(np.mean(self._losses)) if self._losses else float("nan")
        based_on = self._based_on if count else self.version
        self._message[:5] = (based_on, loss, want, done, count)
        np.multiply(self._grad_sum, 1.0 / max(count, 1), out=self._message[5:])
        comm = self.group.comm
        comm.Send(self._message, dest=0, tag=_PUSH)
        comm.Recv(self._reply, source=0, tag=_REPLY)
        if self._reply[1]:
            self._scatter_params(self._reply[2:])
            self.version = int(self._reply[0])
            self._pushes_since_fetch = 0
        self._grad_sum[:] = 0
        self._accumulated = 0
        self._losses = []

    def finish(self) -> None:
        """Worker: push what is left, then receive the final parameters (all ranks call
        this or ``serve``; afterwards every rank holds the server's parameters)."""
        if self.is_server:
            raise RuntimeError("DownpourSGD.finish: rank 0 is the parameter server")
        self._push(done=True)
        request = self.group.comm.Ibcast(self._flat, root=0)
        while not request.Test():  # the server may still serve others: wait without spinning
            time.sleep(_IDLE_SLEEP)
        self._scatter_params(self._flat)

    # ---------------------------------------------------------------- server
    def serve(self) -> DownpourStats:
        """Rank 0: apply the workers' pushes as they come until every worker has called
        ``finish``; then send the final parameters to every rank. Returns the statistics."""
        if not self.is_server:
            raise RuntimeError("DownpourSGD.serve: only rank 0 serves")
        from mpi4py import MPI

        comm, stats = self.group.comm, DownpourStats()
        message = self._message
        active = self.group.world_size - 1
        status = MPI.Status()
        start = time.perf_counter()
        while active:
            if not comm.Iprobe(source=MPI.ANY_SOURCE, tag=_PUSH, status=status):
                time.sleep(_IDLE_SLEEP)
                continue
            worker = status.Get_source()
            comm.Recv(message, source=worker, tag=_PUSH)
            based_on, loss, want, done, count = (float(v) for v in message[:5])
            staleness = self.version - int(based_on)
            if count and staleness <= self.max_staleness:
                self._apply(message[5:])
                stats.applied += 1
                stats.staleness.append(staleness)
                if self.on_update is not None:
                    self.on_update(self, self.version)
            elif count:
                stats.dropped += 1
            if not np.isnan(loss):
                stats.history.append((time.perf_counter() - start, worker, loss))
            send_params = bool(want) or self.version - int(based_on) >= self.max_staleness
            self._reply[:2] = (self.version, send_params)
            if send_params:
                self._reply[2:] = self._gather_params()
                comm.Send(self._reply, dest=worker, tag=_REPLY)
            else:
                comm.Send(self._reply[:2], dest=worker, tag=_REPLY)
            if done:
                active -= 1
        self._flat = self._gather_params()
        comm.Ibcast(self._flat, root=0).Wait()  # workers wait in Ibcast (it must match)
        return stats

    def _apply(self, grad: np.ndarray) -> None:
        """One optimizer step on the server's parameters with ``grad``."""
        start = 0
        for p in self.params:
            n = p.numel()
            p.grad = from_numpy(grad[start:start + n].reshape(p.shape).copy())
            start += n
        self.optimizer.step()
        self.version += 1
