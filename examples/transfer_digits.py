"""Transfer learning on digit images: learn 0-4, then adapt to 5-9 from a few examples.

1. data:      8x8 digit images, scikit-learn's bundled set if sklearn is installed,
              else minigrad's synthetic ``load_digits``; split by class into a source
              task (digits 0-4) and a target task (digits 5-9, relabelled 0-4)
2. pretrain:  a small CNN (two conv layers = the body, a two-layer classifier = the
              head) on the source task, saved with mg.save
3. adapt:     on k labelled target images per class, three ways, same budget (epochs):
              - scratch:  the same network, freshly initialised
              - frozen:   the pretrained body frozen (finetune.freeze), a fresh head
                          (finetune.replace_head) the only part that trains
              - finetune: everything trains, the body at a 10x lower learning rate
                          than the fresh head (finetune.param_groups)
4. report:    target test accuracy for each k, and a learning-curve plot for k = 10

Run:  python examples/transfer_digits.py [--quick] [--out DIR]     (about 15 seconds)
"""

from __future__ import annotations

import argparse
import os
import time

import numpy as np

import minigrad as mg
from minigrad import finetune, nn, optim
from minigrad.data.digits import load_digits
from minigrad.train import Accuracy, Trainer, can_plot

METHODS = ("scratch", "frozen", "finetune")
FULL = {"pretrain_epochs": 10, "shots": (5, 10, 20, 50), "epochs": 20}
QUICK = {"pretrain_epochs": 4, "shots": (5,), "epochs": 5}  # few labels, short budget


class DigitNet(nn.Module):
    """8x8 image (flattened to 64) -> conv 16 -> conv 32 -> max-pool -> 512 features
    (the body) -> Linear 64 -> ReLU -> Linear n_classes (the head)."""

    def __init__(self, n_classes: int) -> None:
        super().__init__()
        self.body = nn.Sequential(
            nn.Unflatten(1, (1, 8, 8)),
            nn.Conv2d(1, 16, 3, padding=1), nn.ReLU(),
            nn.Conv2d(16, 32, 3, padding=1), nn.ReLU(),
            nn.MaxPool2d(2), nn.Flatten(),
        )
        self.head = nn.Sequential(nn.Linear(32 * 4 * 4, 64), nn.ReLU(), nn.Linear(64, n_classes))

    def forward(self, x: mg.Tensor) -> mg.Tensor:
        return self.head(self.body(x))


def digits_data(generator: mg.Generator) -> tuple[np.ndarray, np.ndarray, str]:
    """(X float32 (n, 64) in [0, 1], y int64, where from): sklearn's digits if installed."""
    try:
        from sklearn.datasets import load_digits as sklearn_digits
    except ImportError:
        X, y = load_digits(3000, generator=generator)
        return X, y, "minigrad.data.digits (synthetic)"
    bunch = sklearn_digits()
    return (bunch.data / 16.0).astype(np.float32), bunch.target.astype(np.int64), "sklearn"


def split_by_class(X: np.ndarray, y: np.ndarray, classes: range, n_train: int | float,
                   generator: mg.Generator) -> tuple[tuple, tuple]:
    """Keep ``classes``, relabelled 0..k-1. ``n_train`` images of each class (or that
    fraction of each) go to training, the rest to the test part."""
    rng = mg.random.rng(generator)
    train_idx, test_idx = [], []
    for c in classes:
        idx = rng.permutation(np.flatnonzero(y == c))
        cut = n_train if isinstance(n_train, int) else int(n_train * len(idx))
        train_idx.append(idx[:cut])
        test_idx.append(idx[cut:])
    labels = np.full(len(y), -1, dtype=np.int64)
    for new_label, c in enumerate(classes):
        labels[y == c] = new_label
    train_idx = rng.permutation(np.concatenate(train_idx))
    test_idx = np.concatenate(test_idx)
    return (X[train_idx], labels[train_idx]), (X[test_idx], labels[test_idx])


def build(method: str, pretrained_path: str, lr: float) -> tuple[DigitNet, optim.Optimizer]:
    """The model and optimizer for one way of learning the target task."""
    model = DigitNet(n_classes=5)
    if method == "scratch":
        return model, optim.Adam(model.parameters(), lr=lr)
    model.load_state_dict(mg.load(pretrained_path))
    finetune.replace_head(model, "head.0", 64)  # fresh weights: the old head knew 0-4
    finetune.replace_head(model, "head.2", 5)
    if method == "frozen":
        finetune.freeze(model, except_="head")
        return model, optim.Adam(finetune.trainable_parameters(model), lr=lr)
    groups = finetune.param_groups(model, {"head": lr}, default_lr=lr / 10)
    return model, optim.Adam(groups, lr=lr)


def main(quick: bool = False, out_dir: str = os.path.join("runs", "transfer_digits"),
         seed: int = 0, verbose: bool = True) -> dict:
    """Pretrain on digits 0-4, adapt to 5-9 three ways; returns every accuracy (and the
    plots' paths, None when matplotlib is not installed)."""
    mg.utils.tune_malloc()  # process-wide allocator setting: faster steps (docs/performance.md)
    say = print if verbose else (lambda *args, **kwargs: None)
    say(f"writing to {out_dir}")
    os.makedirs(out_dir, exist_ok=True)
    plotting = can_plot(f"the plots in {out_dir}", note=say)
    settings = QUICK if quick else FULL
    start = time.perf_counter()
    data_gen = mg.Generator(seed)
    mg.manual_seed(seed)

    # 1. data
    X, y, source_name = digits_data(data_gen)
    source_train, source_test = split_by_class(X, y, range(0, 5), 0.8, data_gen)
    say(f"data: {len(X)} images from {source_name}; source task 0-4: "
        f"{len(source_train[0])} train / {len(source_test[0])} test")
    samples_path = os.path.join(out_dir, "transfer_digits_samples.png") if plotting else None
    if plotting:
        plot_samples(X, y, samples_path)

    # 2. pretrain on the source classes
    model = DigitNet(n_classes=5)
    trainer = Trainer(model, nn.CrossEntropyLoss(), optim.Adam(model.parameters(), lr=3e-3),
                      metrics=[Accuracy()], batch_size=32)
    trainer.fit(source_train, epochs=settings["pretrain_epochs"], verbose=0)
    source_acc = trainer.evaluate(source_test)["accuracy"]
    pretrained_path = os.path.join(out_dir, "digits_0_4.safetensors")
    mg.save(model.state_dict(), pretrained_path)
    say(f"pretrained on 0-4: test accuracy {source_acc:.3f} (saved {pretrained_path})")

    # 3. adapt to the target classes with k labelled images per class
    shots, epochs = settings["shots"], settings["epochs"]
    curve_k = 10 if 10 in shots else shots[0]
    results: dict = {"source": source_name, "source_accuracy": source_acc, "epochs": epochs,
                     "accuracy": {}, "curves": {}, "trainable_parameters": {}}
    say(f"\ntarget task 5-9: accuracy on held-out images after {epochs} epochs "
        "(chance 0.200)")
    say(f"{'k per class':>11}  " + "  ".join(f"{m:>8}" for m in METHODS))
    for k in shots:
        target_train, target_test = split_by_class(X, y, range(5, 10), k, data_gen)
        row = {}
        for method in METHODS:
            mg.manual_seed(seed + k)  # the same fresh head and batch order for every method
            model, optimizer = build(method, pretrained_path, lr=3e-3)
            trainer = Trainer(model, nn.CrossEntropyLoss(), optimizer, metrics=[Accuracy()],
                              batch_size=16)
            val = target_test if k == curve_k else None  # learning curve for one k only
            history = trainer.fit(target_train, epochs=epochs, val_data=val, verbose=0)
            row[method] = trainer.evaluate(target_test)["accuracy"]
            results["trainable_parameters"][method] = finetune.count_parameters(model)[0]
            if val is not None:
                results["curves"][method] = history["val_accuracy"]
        results["accuracy"][k] = row
        say(f"{k:>11}  " + "  ".join(f"{row[m]:>8.3f}" for m in METHODS))
    params = results["trainable_parameters"]
    say("trainable parameters: " + ", ".join(f"{m} {params[m]:,}" for m in METHODS))

    plot_path = None
    if plotting:
        plot_path = os.path.join(out_dir, "transfer_curves.png")
        plot_curves(results["curves"], curve_k, plot_path)
        say(f"learning curves: {plot_path}")
    results["plot"] = plot_path
    results["samples_plot"] = samples_path
    results["seconds"] = time.perf_counter() - start
    say(f"total time {results['seconds']:.1f} s")
    return results


def _figure(size: tuple[float, float]):
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=size)
    FigureCanvasAgg(fig)
    return fig


def plot_samples(X: np.ndarray, y: np.ndarray, path: str, per_digit: int = 5) -> None:
    """A grid of example images: one column per digit."""
    fig = _figure((8, 4.4))
    axes = fig.subplots(per_digit, 10)
    for digit in range(10):
        for row, i in enumerate(np.flatnonzero(y == digit)[:per_digit]):
            ax = axes[row, digit]
            ax.imshow(X[i].reshape(8, 8), cmap="gray", vmin=0, vmax=1)
            ax.set_xticks([])
            ax.set_yticks([])
        axes[0, digit].set_title(str(digit))
    fig.suptitle("Example 8x8 images, one column per digit")
    fig.tight_layout()
    fig.savefig(path, dpi=100)


def plot_curves(curves: dict[str, list[float]], k: int, path: str) -> None:
    """Target test accuracy after each epoch, one line per method."""
    from matplotlib.ticker import MaxNLocator

    fig = _figure((6, 4))
    ax = fig.subplots()
    for method, values in curves.items():
        ax.plot(range(1, len(values) + 1), values, "o-", markersize=3, label=method)
    ax.axhline(0.2, color="gray", linestyle=":", label="chance")
    ax.set_xlabel("epoch")
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_ylabel("test accuracy on digits 5-9")
    ax.set_title(f"Adapting to digits 5-9 from {k} images per class")
    ax.grid(True, alpha=0.3)
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=120)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description="Transfer learning on 8x8 digit images.")
    parser.add_argument("--quick", action="store_true", help="a shorter run: one k, fewer epochs")
    parser.add_argument("--out", default=os.path.join("runs", "transfer_digits"),
                        help="output folder (default: runs/transfer_digits)")
    args = parser.parse_args()
    main(quick=args.quick, out_dir=args.out)
