"""Train a small character GPT data-parallel, written the way a PyTorch DDP script is.

    mpiexec -n 2 python examples/train_gpt_ddp.py            # 2 ranks, batch 16 each
    python examples/train_gpt_ddp.py --batch-size 32         # 1 process, the combined batch

The idiom: ``init_process_group``, a ``DistributedSampler`` that gives each rank its
share of the windows, the model wrapped in ``DistributedDataParallel`` (gradients
averaged across ranks after backward), and ``if rank == 0`` around printing and
saving. Two ranks with batch b each take the same steps as one process with batch
2b (the sampler deals one shuffled order out round-robin), up to rounding: with
``--dtype float64`` the saved weights agree to about 1e-12. See docs/distributed.md.
"""

from __future__ import annotations

import argparse
import os
import time

import numpy as np

import minigrad as mg
import minigrad.distributed as dist
from minigrad import optim
from minigrad.data import CharTokenizer, DataLoader, DistributedSampler, TensorDataset
from minigrad.models import GPT, GPTConfig
from minigrad.nn.parallel import DistributedDataParallel as DDP

TEXT = (
    "A gradient is a promise: nudge each weight against it and the loss goes down. "
    "Reverse mode keeps that promise cheaply, one backward pass for every weight at once. "
    "Data parallel training splits each batch across processes; every process computes "
    "the gradient of its share, the shares are averaged, and every process takes the same "
    "step, so all of them hold the same weights from the first step to the last. "
)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a tiny model, a few steps")
    parser.add_argument("--out", default=os.path.join("runs", "train_gpt_ddp"),
                        help="where rank 0 writes the weights (default runs/train_gpt_ddp)")
    parser.add_argument("--batch-size", type=int, default=16, help="windows per rank per step")
    parser.add_argument("--steps", type=int, default=None, help="optimizer steps")
    parser.add_argument("--dtype", choices=("float32", "float64"), default="float32")
    parser.add_argument("--seed", type=int, default=0)
    return parser.parse_args(argv)


def windows(block_size: int) -> tuple[np.ndarray, np.ndarray, int]:
    """(inputs, next-character targets, vocabulary size) of every window of the text."""
    tokenizer = CharTokenizer(sorted(set(TEXT)))
    ids = np.asarray(tokenizer.encode(TEXT * 4), dtype=np.int64)
    starts = np.arange(0, len(ids) - block_size - 1, 3)
    x = np.stack([ids[s:s + block_size] for s in starts])
    y = np.stack([ids[s + 1:s + block_size + 1] for s in starts])
    return x, y, tokenizer.vocab_size


def main(argv: list[str] | None = None) -> dict[str, float]:
    args = parse_args(argv)
    dist.init_process_group(backend="gloo")  # carried by MPI in minigrad
    rank, world_size = dist.get_rank(), dist.get_world_size()
    if rank == 0:
        print(f"writing to {args.out}; {world_size} rank(s), batch {args.batch_size} per rank")
    mg.manual_seed(args.seed)
    block = 16 if args.quick else 32
    x, y, vocab = windows(block)
    dataset = TensorDataset(x, y)
    sampler = DistributedSampler(dataset, shuffle=True, seed=args.seed)
    loader = DataLoader(dataset, batch_size=args.batch_size, sampler=sampler, drop_last=True)

    size = {"n_layer": 1, "n_head": 2, "n_embd": 32} if args.quick else \
        {"n_layer": 2, "n_head": 4, "n_embd": 64}
    model = GPT(GPTConfig(vocab_size=vocab, block_size=block, **size))
    if args.dtype == "float64":
        model = model.double()
    model = DDP(model)
    optimizer = optim.AdamW(model.parameters(), lr=3e-3, weight_decay=0.01)
    steps = args.steps or (8 if args.quick else 200)

    step, epoch, start, loss_value = 0, 0, time.perf_counter(), float("nan")
    while step < steps:
        sampler.set_epoch(epoch)
        for xb, yb in loader:
            _, loss = model(xb, yb)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            step += 1
            reported = loss.detach().clone()
            dist.all_reduce(reported, op=dist.ReduceOp.AVG)  # the combined batch's loss
            loss_value = reported.item()
            if rank == 0 and (step % 20 == 0 or step == steps):
                print(f"step {step:4d}  loss {loss_value:.4f}  "
                      f"{time.perf_counter() - start:.1f}s")
            if step == steps:
                break
        epoch += 1

    if rank == 0:
        os.makedirs(args.out, exist_ok=True)
        path = os.path.join(args.out, "gpt.safetensors")
        mg.save(model.module.state_dict(), path)
        print(f"saved {path}")
    dist.destroy_process_group()
    return {"loss": loss_value, "steps": step}


if __name__ == "__main__":
    main()
