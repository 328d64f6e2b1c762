"""Autograd basics, written as for PyTorch: requires_grad, backward, .grad, no_grad,
detach, accumulation and zeroing of gradients, and a vector-Jacobian product.

Run:  python examples/pytorch_style/autograd_basics.py [--quick] [--out DIR]   (under a second)
"""

import argparse
import os

import minigrad as torch

parser = argparse.ArgumentParser(description="Autograd basics.")
parser.add_argument("--quick", action="store_true", help="the same run (it is already quick)")
parser.add_argument("--out", default=os.path.join("runs", "autograd_basics"),
                    help="output folder (default: runs/autograd_basics)")
args = parser.parse_args()
print(f"writing to {args.out} (nothing is saved)")
torch.manual_seed(0)

# --- a one-layer network and its gradients --------------------------------------
x = torch.ones(5)              # input
y = torch.zeros(3)             # expected output
w = torch.randn(5, 3, requires_grad=True)
b = torch.randn(3, requires_grad=True)
z = torch.matmul(x, w) + b
loss = torch.nn.functional.binary_cross_entropy_with_logits(z, y)
print(f"loss {loss.item():.4f}, its grad_fn: {loss.grad_fn}")
loss.backward()
print(f"w.grad:\n{w.grad}")
print(f"b.grad: {b.grad}")
# by hand: d loss / d z = (sigmoid(z) - y) / 3 and x is all ones, so every row of w.grad is it
expected = (torch.sigmoid(z.detach()) - y) / 3
print(f"b.grad matches (sigmoid(z) - y) / 3: {torch.allclose(b.grad, expected)}")

# --- turning tracking off -------------------------------------------------------
z = torch.matmul(x, w) + b
print(f"tracked: z.requires_grad = {z.requires_grad}")
with torch.no_grad():
    z = torch.matmul(x, w) + b
print(f"under no_grad: z.requires_grad = {z.requires_grad}")
z_det = (torch.matmul(x, w) + b).detach()
print(f"detached: z_det.requires_grad = {z_det.requires_grad}")


@torch.no_grad()
def evaluate(inputs):
    return torch.matmul(inputs, w) + b


print(f"a function decorated with @torch.no_grad(): requires_grad = "
      f"{evaluate(x).requires_grad}")

# --- a simple derivative, checked by hand ----------------------------------------
a = torch.tensor([2.0, 3.0], requires_grad=True)
c = torch.tensor([6.0, 4.0], requires_grad=True)
q = 3 * a ** 3 - c ** 2
external_grad = torch.tensor([1.0, 1.0])
q.backward(gradient=external_grad)
print(f"dq/da = 9 a^2: {a.grad} (expected {9 * a.detach() ** 2})")
print(f"dq/dc = -2 c: {c.grad} (expected {-2 * c.detach()})")

# --- gradients accumulate until they are zeroed --------------------------------
p = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
for step in range(3):
    (p * p).sum().backward()
    print(f"after backward {step + 1}: p.grad = {p.grad}")
p.grad.zero_()
print(f"after p.grad.zero_(): {p.grad}")
(p * p).sum().backward()
print(f"one more backward: {p.grad}")
p.grad = None
print(f"after p.grad = None: {p.grad}")

# --- a vector-Jacobian product --------------------------------------------------
# backward of a non-scalar needs the vector v; it computes v^T J, where J is the Jacobian
inp = torch.eye(4, 5, requires_grad=True)
out = (inp + 1).pow(2).t()
out.backward(torch.ones_like(out), retain_graph=True)
print(f"first call:\n{inp.grad}")
out.backward(torch.ones_like(out))
print(f"second call (accumulated):\n{inp.grad}")
inp.grad.zero_()
out = (inp + 1).pow(2).t()
out.backward(torch.ones_like(out))
print(f"after zeroing and a fresh graph:\n{inp.grad}")

v = torch.tensor([0.1, 1.0, 0.0001])
xv = torch.randn(3, requires_grad=True)
yv = xv * 2
while yv.data.norm() < 1000:
    yv = yv * 2
yv.backward(v)
scale = (yv / xv).detach()  # y = 2^k x elementwise, so J = 2^k I and v^T J = 2^k v
print(f"vector-Jacobian product: {xv.grad}")
print(f"equals 2^k * v: {torch.allclose(xv.grad, scale * v)} (2^k = {scale[0].item():.0f})")

# the whole Jacobian at once, and v^T J from it
J = torch.autograd.functional.jacobian(lambda t: t.pow(3) * 2, torch.tensor([1.0, 2.0, 3.0]))
v = torch.tensor([1.0, 0.5, 0.0])
cube = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
(cube.pow(3) * 2).backward(v)
print(f"Jacobian of 2 x^3:\n{J}")
print(f"v^T J equals backward(v): {torch.allclose(v @ J, cube.grad)}")

# --- the graph is freed after backward ------------------------------------------
h = torch.tensor(2.0, requires_grad=True)
g = h * h
g.backward()
try:
    g.backward()
except RuntimeError as err:
    print(f"a second backward without retain_graph raises: {str(err)[:60]}...")
print(f"dg/dh at 2: {h.grad.item()}")
