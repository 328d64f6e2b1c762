"""A custom autograd Function, written as for PyTorch: the Legendre polynomial
P3(x) = (5x^3 - 3x) / 2 with its hand-written derivative, checked by gradcheck and then
used to fit y = sin(x) as y = a + b * P3(c + d * x).

Run:  python examples/pytorch_style/custom_function.py [--quick] [--out DIR]   (about a second)
"""

import argparse
import math
import os

import minigrad as torch

parser = argparse.ArgumentParser(description="A custom autograd Function.")
parser.add_argument("--quick", action="store_true", help="1000 steps instead of 2000")
parser.add_argument("--out", default=os.path.join("runs", "custom_function"),
                    help="output folder (default: runs/custom_function)")
args = parser.parse_args()
print(f"writing to {args.out}")
os.makedirs(args.out, exist_ok=True)


class LegendreP3(torch.autograd.Function):
    """P3(x) = (5x^3 - 3x) / 2, with P3'(x) = (15x^2 - 3) / 2."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return 0.5 * (5 * x ** 3 - 3 * x)

    @staticmethod
    def backward(ctx, grad_output):
        (x,) = ctx.saved_tensors
        return grad_output * 1.5 * (5 * x ** 2 - 1)


# --- check the hand-written backward against finite differences, in float64 -----
torch.manual_seed(0)
x64 = torch.randn(6, dtype=torch.double, requires_grad=True)
ok = torch.autograd.gradcheck(LegendreP3.apply, (x64,), eps=1e-6, atol=1e-4)
print(f"gradcheck: {ok}")

# --- use it in a model ------------------------------------------------------------
dtype = torch.float
device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
x = torch.linspace(-math.pi, math.pi, 2000, device=device, dtype=dtype)
y = torch.sin(x)

# the initial values must be near the answer for this to converge
a = torch.full((), 0.0, device=device, dtype=dtype, requires_grad=True)
b = torch.full((), -1.0, device=device, dtype=dtype, requires_grad=True)
c = torch.full((), 0.0, device=device, dtype=dtype, requires_grad=True)
d = torch.full((), 0.3, device=device, dtype=dtype, requires_grad=True)

learning_rate = 5e-6
steps = 1000 if args.quick else 2000
P3 = LegendreP3.apply
for t in range(steps):
    y_pred = a + b * P3(c + d * x)
    loss = (y_pred - y).pow(2).sum()
    if t % 100 == 99:
        print(f"step {t + 1:5d}  loss {loss.item():.3f}")
    loss.backward()
    with torch.no_grad():
        a -= learning_rate * a.grad
        b -= learning_rate * b.grad
        c -= learning_rate * c.grad
        d -= learning_rate * d.grad
        a.grad = None
        b.grad = None
        c.grad = None
        d.grad = None

print(f"final loss {loss.item():.3f}")
print(f"result: y = {a.item():.4f} + {b.item():.4f} * P3({c.item():.4f} + {d.item():.4f} x)")
