"""The overfitting clinic: overfit a small noisy data set on purpose, then fix it seven ways;
underfit it two ways and fix those; find a learning rate with an LR range test.

1. data:      30 noisy samples of y = sin(3x) on [-1, 1] (noise std 0.3) for training,
              500 more from the same source for validation
2. overfit:   an MLP 1-128-128-1 (16,897 parameters for 30 points), full-batch Adam at
              lr 5e-3: the training MSE keeps falling while the validation MSE turns up
3. fixes:     the same model and budget, changing one thing each time: more data, data
              augmentation (input jitter), L2 weight decay, an L1 penalty, dropout,
              early stopping, a smaller model
4. underfit:  a too-simple model (a straight line) and a too-small learning rate (1e-4), fixed by
              capacity and by the learning rate the finder suggests
5. LR finder: loss against an exponentially growing learning rate over 100 mini-batches

Every figure is the MSE on the validation points; the noise alone costs about 0.08-0.09.

Run:  python examples/overfitting.py [--quick] [--out DIR]     (about 20 seconds)
"""

from __future__ import annotations

import argparse
import csv
import os
import time
from collections.abc import Iterator

import numpy as np

import minigrad as mg
from minigrad import optim
from minigrad.data import DataLoader, TensorDataset
from minigrad.models import MLP
from minigrad.nn import functional as F
from minigrad.nn.regularization import l1_penalty
from minigrad.train import (
    EarlyStopping,
    History,
    MeanSquaredError,
    Trainer,
    can_plot,
    plot_lr_finder,
    suggest_lr,
)

NOISE = 0.3
N_TRAIN = 30
WIDE = [1, 128, 128, 1]


def make_data(n: int, generator: mg.Generator) -> tuple[np.ndarray, np.ndarray]:
    """``n`` points x uniform in [-1, 1], y = sin(3x) + N(0, NOISE^2), as (n, 1) float32."""
    rng = mg.random.rng(generator)
    x = rng.uniform(-1.0, 1.0, (n, 1))
    y = np.sin(3 * x) + NOISE * rng.standard_normal((n, 1))
    return x.astype(np.float32), y.astype(np.float32)


class Jittered:
    """One full batch per epoch, the inputs moved by fresh Gaussian noise each time:
    data augmentation for a 1-D regression (a nearby x should give a nearby y)."""

    def __init__(self, x: np.ndarray, y: np.ndarray, std: float, generator: mg.Generator):
        self.x, self.y, self.std, self.generator = x, y, std, generator

    def __len__(self) -> int:
        return 1

    def __iter__(self) -> Iterator[tuple[mg.Tensor, mg.Tensor]]:
        noise = mg.random.rng(self.generator).standard_normal(self.x.shape) * self.std
        yield mg.tensor(self.x + noise.astype(np.float32)), mg.tensor(self.y)


def train(sizes: list[int], data: tuple, val: tuple, epochs: int, lr: float = 5e-3, *,
          weight_decay: float = 0.0, l1: float = 0.0, dropout: float = 0.0,
          jitter: float = 0.0, early_stopping: bool = False) -> tuple[MLP, History, float]:
    """Fit an MLP full-batch with AdamW; returns (model, history, final validation MSE)."""
    model = MLP(sizes, dropout=dropout)
    optimizer = optim.AdamW(model.parameters(), lr=lr, weight_decay=weight_decay)
    weights = [p for name, p in model.named_parameters() if name.endswith("weight")]

    def step(trainer: Trainer, batch: tuple) -> tuple:
        x, y = batch
        out = trainer.model(x)
        loss = F.mse_loss(out, y)
        if l1 > 0 and trainer.model.training:  # the penalty shapes training, not the score
            loss = loss + l1 * l1_penalty(weights)
        return loss, out, y

    callbacks = [EarlyStopping(patience=100, restore_best_weights=True)] if early_stopping else []
    x, y = data
    train_data = Jittered(x, y, jitter, mg.Generator(1)) if jitter > 0 else (x, y)
    val_loader = DataLoader(TensorDataset(*val), batch_size=len(val[0]))
    trainer = Trainer(model, None, optimizer, metrics=[MeanSquaredError()],
                      callbacks=callbacks, batch_size=len(x), step_fn=step)
    history = trainer.fit(train_data, epochs=epochs, val_data=val_loader, verbose=0)
    final = trainer.evaluate(val_loader)["mse"]  # early stopping: the restored best weights
    return model, history, final


def lr_range_test(sizes: list[int], data: tuple, lr_min: float = 1e-5, lr_max: float = 1.0,
                  steps: int = 100, batch_size: int = 32) -> tuple[np.ndarray, np.ndarray]:
    """Train a fresh model for ``steps`` mini-batches while the learning rate grows
    geometrically from ``lr_min`` to ``lr_max``; stop once the loss explodes. Returns
    the learning rates and the smoothed losses (exponential moving average)."""
    model = MLP(sizes)
    optimizer = optim.Adam(model.parameters(), lr=lr_min)
    loader = DataLoader(TensorDataset(*data), batch_size=batch_size, shuffle=True)
    factor = (lr_max / lr_min) ** (1 / (steps - 1))
    lrs, losses, average, best = [], [], 0.0, np.inf
    batches = iter(())
    for i in range(steps):
        lr = lr_min * factor**i
        optimizer.param_groups[0]["lr"] = lr
        batch = next(batches, None)
        if batch is None:  # a new epoch
            batches = iter(loader)
            batch = next(batches)
        x, y = batch
        loss = F.mse_loss(model(x), y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        average = 0.9 * average + 0.1 * loss.item()
        smoothed = average / (1 - 0.9 ** (i + 1))  # bias correction for the first steps
        if not np.isfinite(smoothed) or smoothed > 4 * best:
            break  # diverged: the useful range is over
        lrs.append(lr)
        losses.append(smoothed)
        best = min(best, smoothed)
    return np.array(lrs), np.array(losses)


def main(quick: bool = False, out_dir: str = os.path.join("runs", "overfitting"), seed: int = 0,
         verbose: bool = True) -> dict:
    """Run the clinic; returns every validation figure and the paths of the plots drawn
    (none when matplotlib is not installed)."""
    mg.utils.tune_malloc()  # process-wide allocator setting: faster steps (docs/performance.md)
    say = print if verbose else (lambda *args, **kwargs: None)
    say(f"writing to {out_dir}")
    os.makedirs(out_dir, exist_ok=True)
    plotting = can_plot(f"the plots in {out_dir}", note=say)
    plots = []
    start = time.perf_counter()
    data_gen = mg.Generator(seed)
    train_data = make_data(N_TRAIN, data_gen)
    val = make_data(500, data_gen)
    more_data = make_data(300, data_gen)
    floor = float(np.mean((val[1] - np.sin(3 * val[0])) ** 2))  # the true function's score
    say(f"validation MSE of the true function itself (the noise floor): {floor:.4f}")
    epochs = 400 if quick else 1000

    def run(**kwargs) -> tuple:
        mg.manual_seed(seed)  # the same initial weights for every run of one architecture
        kwargs.setdefault("data", train_data)
        kwargs.setdefault("sizes", WIDE)
        return train(val=val, epochs=kwargs.pop("epochs", epochs), **kwargs)

    # 2. overfit on purpose
    model, history, final = run()
    best_epoch, best = history.best("val_mse")
    say(f"overfit: train MSE {history['mse'][-1]:.4f}; validation MSE best {best:.4f} "
        f"(epoch {best_epoch}), final {final:.4f}")
    if plotting:
        plots.append(os.path.join(out_dir, "overfit_curves.png"))
        plot_overfit_curves(history, best_epoch, floor, plots[-1])

    # 3. the same model, fixed one way at a time
    fixes = {
        "overfit (no fix)": {},
        "more data (300 points)": {"data": more_data},
        "augmentation (x jitter 0.1)": {"jitter": 0.1},
        "L2 (AdamW weight_decay 2)": {"weight_decay": 2.0},
        "L1 penalty (3e-3 sum|w|)": {"l1": 3e-3},
        "dropout 0.3": {"dropout": 0.3},
        "early stopping (patience 100)": {"early_stopping": True},
        "smaller model (1-8-8-1)": {"sizes": [1, 8, 8, 1]},
    }
    rows, val_curves, fitted = {}, {}, {"overfit (no fix)": model}
    for name, change in fixes.items():
        if name == "overfit (no fix)":
            fix_model, fix_history, fix_final = model, history, final
        else:
            fix_model, fix_history, fix_final = run(**change)
        epoch, value = fix_history.best("val_mse")
        rows[name] = {"train_mse": fix_history["mse"][-1], "best_val_mse": value,
                      "best_epoch": epoch, "final_val_mse": fix_final}
        val_curves[name] = fix_history["val_mse"]
        fitted[name] = fix_model
    say_table(say, "Overfitting: one fix at a time", rows)
    if plotting:
        plots.append(os.path.join(out_dir, "overfit_fixes.png"))
        plot_fixes(val_curves, floor, plots[-1])
        shown = ("overfit (no fix)", "L2 (AdamW weight_decay 2)", "early stopping (patience 100)")
        plots.append(os.path.join(out_dir, "overfit_fits.png"))
        plot_fits(train_data, {k: fitted[k] for k in shown}, plots[-1])

    # 5. the learning-rate finder, on a model of sensible size
    medium = [1, 32, 32, 1]
    mg.manual_seed(seed)
    lrs, losses = lr_range_test(medium, more_data)
    skip = 10  # the first averages rest on a handful of noisy batches
    suggested = suggest_lr(lrs[skip:], losses[skip:])
    if plotting:
        plots.append(os.path.join(out_dir, "lrfinder.png"))
        plot_lr_finder(lrs[skip:], losses[skip:], path=plots[-1])
    say(f"\nLR finder: {len(lrs)} mini-batches from {lrs[0]:.0e} to {lrs[-1]:.2g}; "
        f"steepest descent at lr {suggested:.2e}")

    # 4. underfitting and its fixes (on the 300-point set, where overfitting is no issue)
    short = epochs // 2
    cases = {
        "too simple (a line, 1-1)": {"sizes": [1, 1]},
        "fix: capacity (1-32-32-1)": {"sizes": medium},
        "too slow (1-32-32-1, lr 1e-4)": {"sizes": medium, "lr": 1e-4},
        f"fix: lr from the finder ({suggested:.1e})": {"sizes": medium, "lr": suggested},
    }
    under_rows, under_curves = {}, {}
    for name, change in cases.items():
        _, case_history, case_final = run(data=more_data, epochs=short, **change)
        epoch, value = case_history.best("val_mse")
        under_rows[name] = {"train_mse": case_history["mse"][-1], "best_val_mse": value,
                            "best_epoch": epoch, "final_val_mse": case_final}
        under_curves[name] = case_history["mse"]
    say_table(say, f"Underfitting: 300 points, {short} epochs", under_rows)
    if plotting:
        plots.append(os.path.join(out_dir, "overfit_underfit.png"))
        train_floor = float(np.mean((more_data[1] - np.sin(3 * more_data[0])) ** 2))
        plot_train_curves(under_curves, train_floor, plots[-1],
                          "Underfitting: training MSE on 300 points, and the fixes")

    table_path = os.path.join(out_dir, "results.csv")
    write_table(table_path, {"overfitting": rows, "underfitting": under_rows})
    seconds = time.perf_counter() - start
    say(f"\ntables: {table_path}; {len(plots)} plots in {out_dir}; total time {seconds:.1f} s")
    return {"noise_floor": floor, "overfit": rows["overfit (no fix)"], "fixes": rows,
            "underfit": under_rows,
            "overfit_val_curve": history["val_mse"], "suggested_lr": suggested,
            "lr_finder": (lrs, losses), "seconds": seconds, "table": table_path,
            "plots": plots}


def say_table(say, title: str, rows: dict[str, dict]) -> None:
    say(f"\n{title}")
    say(f"{'':34} {'train MSE':>9} {'best val (epoch)':>17} {'final val':>9}")
    for name, r in rows.items():
        best = f"{r['best_val_mse']:.4f} ({r['best_epoch']})"
        say(f"{name:34} {r['train_mse']:>9.4f} {best:>17} {r['final_val_mse']:>9.4f}")


def write_table(path: str, sections: dict[str, dict[str, dict]]) -> None:
    """Both tables as one CSV file: section, run, train MSE, best val MSE (epoch), final."""
    columns = ["train_mse", "best_val_mse", "best_epoch", "final_val_mse"]
    with open(path, "w", newline="") as file:
        writer = csv.writer(file)
        writer.writerow(["section", "run", *columns])
        for section, rows in sections.items():
            for name, row in rows.items():
                writer.writerow([section, name, *(row[c] for c in columns)])


def _figure(size: tuple[float, float]):
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=size)
    FigureCanvasAgg(fig)
    return fig


def plot_overfit_curves(history: History, best_epoch: int, floor: float, path: str) -> None:
    """Training and validation MSE per epoch, with the best validation epoch marked."""
    fig = _figure((7, 4.5))
    ax = fig.subplots()
    ax.plot(history.epoch, history["mse"], "-", label="training MSE")
    ax.plot(history.epoch, history["val_mse"], "-", label="validation MSE")
    ax.axvline(best_epoch, color="gray", linestyle=":",
               label=f"best validation (epoch {best_epoch})")
    ax.axhline(floor, color="black", linewidth=0.8, label=f"noise floor {floor:.3f}")
    ax.set_yscale("log")
    ax.set_xlabel("epoch (one full-batch step)")
    ax.set_ylabel("mean squared error")
    ax.set_title("Overfitting: MLP 1-128-128-1 on 30 noisy points")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=120)


def plot_fixes(curves: dict[str, list[float]], floor: float, path: str) -> None:
    """One panel per fix: its validation MSE against the overfit model's (gray)."""
    baseline = curves["overfit (no fix)"]
    names = [name for name in curves if name != "overfit (no fix)"]
    fig = _figure((13, 6))
    axes = fig.subplots(2, 4, sharex=True, sharey=True).ravel()
    for ax, name in zip(axes, names + [None]):
        ax.plot(range(1, len(baseline) + 1), baseline, color="0.6", linewidth=1,
                label="overfit (no fix)")
        if name is not None:
            values = curves[name]
            ax.plot(range(1, len(values) + 1), values, "C0-", linewidth=1.2, label=name)
        ax.axhline(floor, color="black", linestyle=":", linewidth=0.8, label="noise floor")
        ax.set_title(name or "no fix")
        ax.set_yscale("log")
        ax.grid(True, which="both", alpha=0.3)
    for ax in axes[4:]:
        ax.set_xlabel("epoch")
    for ax in axes[::4]:
        ax.set_ylabel("validation MSE")
    axes[0].legend(loc="upper right", fontsize=8)
    fig.suptitle("Validation MSE of each fix (blue) against the overfit model (gray)")
    fig.tight_layout()
    fig.savefig(path, dpi=110)


def plot_train_curves(curves: dict[str, list[float]], floor: float, path: str,
                      title: str) -> None:
    fig = _figure((7, 4.5))
    ax = fig.subplots()
    for name, values in curves.items():
        style = "--" if name.startswith("fix") else "-"
        ax.plot(range(1, len(values) + 1), values, style, linewidth=1.5, label=name)
    ax.axhline(floor, color="gray", linestyle=":", label=f"noise floor {floor:.3f}")
    ax.set_yscale("log")
    ax.set_xlabel("epoch (one full-batch step)")
    ax.set_ylabel("training MSE")
    ax.set_title(title)
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=9)
    fig.tight_layout()
    fig.savefig(path, dpi=120)


def plot_fits(data: tuple, models: dict[str, MLP], path: str) -> None:
    """The training points, the true function and what each model learned."""
    fig = _figure((7, 4.5))
    ax = fig.subplots()
    grid = np.linspace(-1, 1, 400, dtype=np.float32).reshape(-1, 1)
    ax.plot(data[0], data[1], "ko", markersize=4, label="training points")
    ax.plot(grid, np.sin(3 * grid), "k--", linewidth=1, label="true function sin(3x)")
    for name, model in models.items():
        model.eval()
        with mg.no_grad():
            ax.plot(grid, model(mg.tensor(grid)).numpy(), linewidth=1.5, label=name)
    ax.set_xlabel("x")
    ax.set_ylabel("y")
    ax.set_title("What the models learned from 30 noisy points")
    ax.grid(True, alpha=0.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=120)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description="Overfit on purpose, then fix it.")
    parser.add_argument("--quick", action="store_true", help="400 epochs per run instead of 1000")
    parser.add_argument("--out", default=os.path.join("runs", "overfitting"),
                        help="output folder (default: runs/overfitting)")
    args = parser.parse_args()
    main(quick=args.quick, out_dir=args.out)
