"""Learn sine waves and predict their future, written as for PyTorch: a model of two
nn.LSTMCells and an nn.Linear, in float64, trained by optim.LBFGS with a closure; then
it continues test waves on its own, feeding each prediction back as the next input.

Run:  python examples/pytorch_style/lbfgs_sine.py [--quick] [--out DIR]   (about 10 seconds)
"""

import argparse
import os

import numpy as np

import minigrad as torch
import minigrad.nn as nn
import minigrad.optim as optim

parser = argparse.ArgumentParser(description="Sine waves with LSTM cells and LBFGS.")
parser.add_argument("--steps", type=int, default=6, help="steps to train")
parser.add_argument("--quick", action="store_true", help="3 steps")
parser.add_argument("--out", default=os.path.join("runs", "lbfgs_sine"),
                    help="output folder (default: runs/lbfgs_sine)")
args = parser.parse_args()
if args.quick:
    args.steps = 3
print(f"writing to {args.out}")
os.makedirs(args.out, exist_ok=True)

try:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
except ImportError:
    plt = None
    print('the plots are not drawn: matplotlib is not installed (pip install ".[plot]")')

# the data: N sine waves of period 2 pi T, each starting at a random phase
np.random.seed(2)
T = 8
L = 100
N = 24
x = np.empty((N, L), dtype=np.int64)
x[:] = np.arange(L) + np.random.randint(-4 * T, 4 * T, N).reshape(N, 1)
data = np.sin(x / 1.0 / T).astype("float64")

hidden = 24


class Sequence(nn.Module):
    def __init__(self):
        super().__init__()
        self.lstm1 = nn.LSTMCell(1, hidden)
        self.lstm2 = nn.LSTMCell(hidden, hidden)
        self.linear = nn.Linear(hidden, 1)

    def forward(self, input, future=0):
        outputs = []
        h_t = torch.zeros(input.size(0), hidden, dtype=torch.double)
        c_t = torch.zeros(input.size(0), hidden, dtype=torch.double)
        h_t2 = torch.zeros(input.size(0), hidden, dtype=torch.double)
        c_t2 = torch.zeros(input.size(0), hidden, dtype=torch.double)

        for input_t in input.split(1, dim=1):
            h_t, c_t = self.lstm1(input_t, (h_t, c_t))
            h_t2, c_t2 = self.lstm2(h_t, (h_t2, c_t2))
            output = self.linear(h_t2)
            outputs += [output]
        for _ in range(future):  # predict the future: the last output is the next input
            h_t, c_t = self.lstm1(output, (h_t, c_t))
            h_t2, c_t2 = self.lstm2(h_t, (h_t2, c_t2))
            output = self.linear(h_t2)
            outputs += [output]
        outputs = torch.cat(outputs, dim=1)
        return outputs


torch.manual_seed(0)
# the first 3 waves are for testing; the model sees each value and predicts the next one
input = torch.from_numpy(data[3:, :-1])
target = torch.from_numpy(data[3:, 1:])
test_input = torch.from_numpy(data[:3, :-1])
test_target = torch.from_numpy(data[:3, 1:])

seq = Sequence()
seq.double()
criterion = nn.MSELoss()
optimizer = optim.LBFGS(seq.parameters(), lr=0.8)

future = 100  # how many steps the model continues the test waves on its own
for i in range(args.steps):
    print(f"STEP: {i}")
    evaluations = 0

    def closure():
        global evaluations
        evaluations += 1
        optimizer.zero_grad()
        out = seq(input)
        loss = criterion(out, target)
        loss.backward()
        return loss

    loss = optimizer.step(closure)  # LBFGS returns the loss at the start of the step
    print(f"loss: {loss.item():.6f} ({evaluations} evaluations of the closure)")

    # predict, without tracking gradients
    with torch.no_grad():
        pred = seq(test_input, future=future)
        loss = criterion(pred[:, :-future], test_target)
        print(f"test loss: {loss.item():.6f}")
        y = pred.detach().numpy()
    # how far the model's own continuation is from the true waves
    true_future = np.sin((x[:3, -1:] + np.arange(1, future + 1)) / 1.0 / T)
    future_mse = float(np.mean((y[:, -future:] - true_future) ** 2))
    print(f"future error (mean squared, {future} steps ahead): {future_mse:.6f}")

    if plt is not None:
        plt.figure(figsize=(15, 5))
        plt.title("Predict future values for time sequences\n(dashed lines: predicted values)")
        plt.xlabel("x")
        plt.ylabel("y")

        def draw(yi, color):
            plt.plot(np.arange(input.size(1)), yi[:input.size(1)], color, linewidth=2.0)
            plt.plot(np.arange(input.size(1), input.size(1) + future), yi[input.size(1):],
                     color + ":", linewidth=2.0)

        draw(y[0], "r")
        draw(y[1], "g")
        draw(y[2], "b")
        plt.savefig(os.path.join(args.out, f"predict{i}.png"))
        plt.close()

torch.save(seq.state_dict(), os.path.join(args.out, "sequence.pt"))
print(f"final test loss {loss.item():.6f}; future error {future_mse:.6f} "
      f"(predicting 0 everywhere: {float(np.mean(true_future ** 2)):.3f})")
