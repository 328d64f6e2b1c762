"""Fit y = sin(x) on [-pi, pi] with a cubic a + b x + c x^2 + d x^3, written as for
PyTorch: first with tensors and autograd by hand, then with nn.Sequential, nn.MSELoss
and an optimizer (SGD, then RMSprop).

Run:  python examples/pytorch_style/polynomial_fit.py [--quick] [--out DIR]   (about 2 seconds)
"""

import argparse
import math
import os

import minigrad as torch
import minigrad.nn as nn

parser = argparse.ArgumentParser(description="Fit sin(x) with a cubic polynomial.")
parser.add_argument("--quick", action="store_true", help="fewer steps (1500 instead of 2000)")
parser.add_argument("--out", default=os.path.join("runs", "polynomial_fit"),
                    help="output folder (default: runs/polynomial_fit)")
args = parser.parse_args()
print(f"writing to {args.out}")
os.makedirs(args.out, exist_ok=True)

steps = 1500 if args.quick else 2000
device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
torch.manual_seed(0)

x = torch.linspace(-math.pi, math.pi, 2000, device=device)
y = torch.sin(x)

# --- 1. tensors and autograd, the update written by hand ---------------------------
a = torch.randn((), device=device, requires_grad=True)
b = torch.randn((), device=device, requires_grad=True)
c = torch.randn((), device=device, requires_grad=True)
d = torch.randn((), device=device, requires_grad=True)

learning_rate = 1e-6
for t in range(steps):
    y_pred = a + b * x + c * x ** 2 + d * x ** 3
    loss = (y_pred - y).pow(2).sum()
    if t % 500 == 499:
        print(f"[by hand] step {t + 1}  loss {loss.item():.2f}")
    loss.backward()
    with torch.no_grad():
        for p in (a, b, c, d):
            p -= learning_rate * p.grad
            p.grad.zero_()
print(f"[by hand] final loss {loss.item():.2f}: y = {a.item():.4f} + {b.item():.4f} x "
      f"+ {c.item():.4f} x^2 + {d.item():.4f} x^3")

# --- 2. nn.Sequential, nn.MSELoss and optim.SGD -------------------------------------
# the features x, x^2, x^3 as columns: (2000, 3)
p = torch.tensor([1, 2, 3])
xx = x.unsqueeze(-1).pow(p)

model = nn.Sequential(
    nn.Linear(3, 1),
    nn.Flatten(0, 1),
).to(device)
loss_fn = nn.MSELoss(reduction="sum")
optimizer = torch.optim.SGD(model.parameters(), lr=1e-6, momentum=0.9)
for t in range(steps):
    y_pred = model(xx)
    loss = loss_fn(y_pred, y)
    if t % 500 == 499:
        print(f"[nn + SGD] step {t + 1}  loss {loss.item():.2f}")
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
linear_layer = model[0]
sgd_loss = loss.item()
print(f"[nn + SGD] final loss {sgd_loss:.2f}: y = {linear_layer.bias.item():.4f} "
      f"+ {linear_layer.weight[:, 0].item():.4f} x + {linear_layer.weight[:, 1].item():.4f} x^2 "
      f"+ {linear_layer.weight[:, 2].item():.4f} x^3")

# --- 3. the same model with RMSprop -------------------------------------------------
model = nn.Sequential(nn.Linear(3, 1), nn.Flatten(0, 1)).to(device)
optimizer = torch.optim.RMSprop(model.parameters(), lr=1e-3)
for t in range(steps):
    loss = loss_fn(model(xx), y)
    if t % 500 == 499:
        print(f"[nn + RMSprop] step {t + 1}  loss {loss.item():.2f}")
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
print(f"[nn + RMSprop] final loss {loss.item():.2f}")

# save the fitted model and check that a fresh one loaded from it agrees
path = os.path.join(args.out, "cubic.pt")
torch.save(model.state_dict(), path)
fresh = nn.Sequential(nn.Linear(3, 1), nn.Flatten(0, 1))
fresh.load_state_dict(torch.load(path, weights_only=True))
fresh.eval()
with torch.no_grad():
    same = torch.allclose(fresh(xx), model(xx))
print(f"saved to {path}; the reloaded model gives the same predictions: {same}")
