"""A tour of tensors, written as for PyTorch: creation, dtypes, indexing, broadcasting,
reshaping, reductions, in-place updates and NumPy round trips.

Run:  python examples/pytorch_style/tensor_tour.py [--quick] [--out DIR]   (under a second)
"""

import argparse
import os

import numpy as np

import minigrad as torch

parser = argparse.ArgumentParser(description="A tour of tensors.")
parser.add_argument("--quick", action="store_true", help="the same tour (it is already quick)")
parser.add_argument("--out", default=os.path.join("runs", "tensor_tour"),
                    help="output folder (default: runs/tensor_tour)")
args = parser.parse_args()
print(f"writing to {args.out}")
os.makedirs(args.out, exist_ok=True)

device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
print(f"using {device}")
torch.manual_seed(0)

# --- creation ------------------------------------------------------------------
data = [[1, 2], [3, 4]]
x_data = torch.tensor(data)
x_np = torch.from_numpy(np.array(data))
x_ones = torch.ones_like(x_data)
x_rand = torch.rand_like(x_data, dtype=torch.float)
print(f"from a list:\n{x_data}")
print(f"ones like it:\n{x_ones}")
print(f"random like it:\n{x_rand}")

shape = (2, 3)
print(f"rand {torch.rand(shape).shape}, ones {torch.ones(shape).shape}, "
      f"zeros {torch.zeros(shape).shape}")
print(f"arange: {torch.arange(0, 10, 2)}")
print(f"linspace: {torch.linspace(0, 1, steps=5)}")
print(f"eye:\n{torch.eye(3)}")
print(f"full: {torch.full((2, 2), 7.0)}")

# --- attributes and dtypes -----------------------------------------------------
tensor = torch.rand(3, 4, device=device)
print(f"shape {tensor.shape}, size() {tensor.size()}, dtype {tensor.dtype}, "
      f"device {tensor.device}")
print(f"numel {tensor.numel()}, dim {tensor.dim()}")
as_int = torch.tensor([1.7, -2.2, 3.5]).to(torch.int64)
print(f"float to int64 truncates: {as_int}, dtype {as_int.dtype}")
print(f"as double: {torch.tensor([1, 2, 3]).double().dtype}, "
      f"as float: {torch.tensor([1, 2, 3]).float().dtype}, "
      f"as long: {torch.tensor([1.0, 2.0]).long().dtype}")
print(f"int + float promotes to {(torch.tensor([1, 2]) + torch.tensor([0.5, 0.5])).dtype}")

# --- indexing and slicing ------------------------------------------------------
tensor = torch.arange(16.0).reshape(4, 4)
print(f"first row: {tensor[0]}")
print(f"first column: {tensor[:, 0]}")
print(f"last column: {tensor[..., -1]}")
print(f"every other row:\n{tensor[::2]}")
print(f"rows 0 and 2 by a list: {tensor[[0, 2]].shape}")
mask = tensor > 10
print(f"elements above 10 (a boolean mask): {tensor[mask]}")
tensor[:, 1] = 0
print(f"after zeroing column 1:\n{tensor}")

# --- joining and splitting -----------------------------------------------------
t1 = torch.cat([tensor, tensor, tensor], dim=1)
print(f"cat along dim 1: {t1.shape}")
print(f"stack: {torch.stack([tensor, tensor]).shape}")
a, b = torch.chunk(torch.arange(6), 2)
print(f"chunk: {a} and {b}")
print(f"split into sizes 1 and 3: {[p.shape for p in torch.split(tensor, [1, 3], dim=0)]}")

# --- broadcasting --------------------------------------------------------------
col = torch.tensor([[1.0], [2.0], [3.0]])   # 3 x 1
row = torch.tensor([10.0, 20.0])            # 2
print(f"(3, 1) + (2,) broadcasts to:\n{col + row}")
print(f"outer product by broadcasting equals matmul: "
      f"{torch.equal(col * row, col @ row.unsqueeze(0))}")

# --- arithmetic ----------------------------------------------------------------
m = torch.tensor([[1.0, 2.0], [3.0, 4.0]])
print(f"matmul m @ m.T:\n{m @ m.T}")
print(f"torch.matmul equals it: {torch.allclose(torch.matmul(m, m.T), m @ m.T)}")
print(f"elementwise m * m:\n{m * m}")
v = torch.tensor([1.0, 2.0, 3.0])
print(f"dot {torch.dot(v, v)}, outer:\n{torch.outer(v, v)}")
print(f"rows by unbind: {[row.tolist() for row in m.unbind(0)]}")
agg = m.sum()
print(f"sum {agg.item()} of type {type(agg.item()).__name__}")

# --- reshaping -----------------------------------------------------------------
x = torch.arange(24)
print(f"view(2, 3, 4): {x.view(2, 3, 4).shape}, view(-1, 6): {x.view(-1, 6).shape}")
y = x.view(2, 3, 4)
print(f"permute(2, 0, 1): {y.permute(2, 0, 1).shape}, transpose(0, 1): "
      f"{y.transpose(0, 1).shape}")
print(f"permuted is contiguous: {y.permute(2, 0, 1).is_contiguous()}; "
      f"reshape works on it: {y.permute(2, 0, 1).reshape(4, -1).shape}")
print(f"unsqueeze(0): {y.unsqueeze(0).shape}, squeeze of (1, 3, 1): "
      f"{torch.zeros(1, 3, 1).squeeze().shape}, flatten: {y.flatten().shape}")
shared = x.view(4, 6)
shared[0, 0] = 100
print(f"a view shares memory: x[0] is now {x[0].item()}")

# --- reductions ----------------------------------------------------------------
r = torch.tensor([[1.0, 5.0, 3.0], [4.0, 2.0, 6.0]])
print(f"sum {r.sum()}, mean {r.mean():.3f}, std {r.std():.3f}")
print(f"sum over dim 0: {r.sum(dim=0)}, mean over dim 1 keepdim: {r.mean(dim=1, keepdim=True)}")
values, indices = r.max(dim=1)
print(f"max over dim 1: values {values}, indices {indices}")
print(f"argmax over all: {r.argmax()}, argmin over dim 0: {r.argmin(dim=0)}")
print(f"top 2 of each row: {torch.topk(r, 2).values}")
print(f"running sum along dim 1: {r.cumsum(dim=1)}")
print(f"softmax of each row sums to one: {torch.softmax(r, dim=1).sum(dim=1)}")

# --- in-place operations -------------------------------------------------------
t = torch.ones(2, 3)
t.add_(5)
t.mul_(2)
print(f"in place add_(5) then mul_(2):\n{t}")
t.zero_()
print(f"zero_(): {t.sum().item()}")

# --- to and from NumPy ---------------------------------------------------------
t = torch.ones(5)
n = t.numpy()
t.add_(1)
print(f"numpy() shares memory: after t.add_(1) the array is {n}")
n = np.ones(5)
t = torch.from_numpy(n)
np.add(n, 1, out=n)
print(f"from_numpy shares memory: after np.add the tensor is {t} ({t.dtype})")
print(f"tolist: {torch.tensor([[1, 2], [3, 4]]).tolist()}")

# --- saving a tensor -----------------------------------------------------------
path = os.path.join(args.out, "tensors.pt")
torch.save({"weights": torch.randn(3, 3), "bias": torch.zeros(3)}, path)
loaded = torch.load(path)
print(f"saved and reloaded {sorted(loaded)} from {path}")
