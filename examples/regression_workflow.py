"""The whole workflow of developing a model, on a synthetic nonlinear regression task.

1. data:       Friedman's #1 benchmark (10 features, 5 of them used, plus Gaussian noise),
               split into train / validation / test
2. prepare:    StandardScaler fitted on the training split only, for inputs and targets
3. model:      a small MLP, nn.Sequential of Linear and ReLU
4. train:      Trainer.fit with Adam, a cosine learning-rate schedule, EarlyStopping
               (restore_best_weights=True) and ModelCheckpoint(save_best_only=True)
5. evaluate:   R2 and MAE on the held-out test split; learning curves to a PNG
6. deploy:     reload the best checkpoint into a fresh model; it predicts the same

Run:  python examples/regression_workflow.py [--quick] [--out DIR]   (about 10 seconds)
"""

from __future__ import annotations

import argparse
import os

import numpy as np

import minigrad as mg
from minigrad import nn, optim
from minigrad import random as mgrandom
from minigrad.data import StandardScaler, train_test_split
from minigrad.train import (
    EarlyStopping,
    LambdaCallback,
    MeanAbsoluteError,
    ModelCheckpoint,
    R2Score,
    Trainer,
    can_plot,
    mean_absolute_error,
    r2_score,
)


def friedman1(n: int, noise: float, generator: mg.Generator) -> tuple[np.ndarray, np.ndarray]:
    """y = 10 sin(pi x0 x1) + 20 (x2 - 0.5)^2 + 10 x3 + 5 x4 + noise; x uniform in [0, 1)^10."""
    rng = mgrandom.rng(generator)
    X = rng.random((n, 10))
    y = (10 * np.sin(np.pi * X[:, 0] * X[:, 1]) + 20 * (X[:, 2] - 0.5) ** 2
         + 10 * X[:, 3] + 5 * X[:, 4] + noise * rng.standard_normal(n))
    return X.astype(np.float32), y.reshape(-1, 1).astype(np.float32)


def make_model() -> nn.Module:
    return nn.Sequential(nn.Linear(10, 64), nn.ReLU(), nn.Linear(64, 64), nn.ReLU(),
                         nn.Linear(64, 1))


def main(quick: bool = False, out_dir: str = os.path.join("runs", "regression_workflow"),
         verbose: bool = True) -> dict:
    """Run all six steps; returns the test scores and what was written (``plot`` is None
    when matplotlib is not installed)."""
    mg.utils.tune_malloc()  # process-wide allocator setting: faster steps (docs/performance.md)
    say = print if verbose else (lambda *args, **kwargs: None)
    say(f"writing to {out_dir}")
    os.makedirs(out_dir, exist_ok=True)
    data_gen = mg.Generator(0)
    mg.manual_seed(0)

    # 1. data: 60% train, 20% validation, 20% test
    X, y = friedman1(1500 if quick else 3000, noise=0.5, generator=data_gen)
    X_train, X_rest, y_train, y_rest = train_test_split(X, y, test_size=0.4,
                                                        generator=data_gen)
    X_val, X_test, y_val, y_test = train_test_split(X_rest, y_rest, test_size=0.5,
                                                    generator=data_gen)
    say(f"data: {len(X_train)} train, {len(X_val)} validation, {len(X_test)} test samples")

    # 2. prepare: statistics from the training split only
    x_scaler = StandardScaler().fit(X_train)
    y_scaler = StandardScaler().fit(y_train)
    train = (x_scaler.transform(X_train), y_scaler.transform(y_train))
    val = (x_scaler.transform(X_val), y_scaler.transform(y_val))

    # 3. model
    model = make_model()

    # 4. train
    epochs = 30 if quick else 100
    optimizer = optim.Adam(model.parameters(), lr=3e-3)
    best_path = os.path.join(out_dir, "best.safetensors")
    report = LambdaCallback(on_epoch_end=lambda trainer, epoch, logs: say(
        f"epoch {epoch:3d}  loss {logs['loss']:.4f}  val_loss {logs['val_loss']:.4f}  "
        f"val_r2 {logs['val_r2']:.4f}  lr {logs['lr']:.2e}") if epoch % 10 == 0 else None)
    trainer = Trainer(
        model, nn.MSELoss(), optimizer,
        metrics=[R2Score(), MeanAbsoluteError()],
        callbacks=[report,
                   EarlyStopping(monitor="val_loss", patience=20, restore_best_weights=True),
                   ModelCheckpoint(best_path, monitor="val_loss", save_best_only=True)],
        scheduler=optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=epochs),
        batch_size=64,
    )
    history = trainer.fit(train, epochs=epochs, val_data=val, verbose=0)
    best_epoch, best_val = history.best("val_loss")
    say(f"trained {len(history)} epochs; best val_loss {best_val:.4f} at epoch {best_epoch} "
        "(weights restored)")

    # 5. evaluate on the test split, in the target's original units
    pred = y_scaler.inverse_transform(trainer.predict(x_scaler.transform(X_test)).numpy())
    scores = {"r2": r2_score(pred, y_test), "mae": mean_absolute_error(pred, y_test)}
    say(f"test: R2 {scores['r2']:.4f}  MAE {scores['mae']:.4f}  "
        f"(target std {y_test.std():.2f}, noise std 0.5)")
    plot_path = os.path.join(out_dir, "regression_curves.png")
    if can_plot(plot_path, note=say):
        history.plot(path=plot_path, metrics=["loss", "r2", "mae"],
                     title="MLP on Friedman #1 (scaled targets)")
        say(f"learning curves: {plot_path}")
    else:
        plot_path = None

    # 6. deploy: a fresh model from the best checkpoint predicts exactly the same
    fresh = make_model()
    fresh.load_state_dict(mg.load(best_path)["model"])
    # the same computation as above (batches of 64): float32 BLAS may round a batch of
    # another shape differently in the last bit, so compare like with like
    fresh.eval()
    x_test = mg.tensor(x_scaler.transform(X_test))
    with mg.no_grad():
        batches = [fresh(x_test[i:i + 64]) for i in range(0, len(x_test), 64)]
    reloaded = y_scaler.inverse_transform(mg.cat(batches).numpy())
    identical = bool(np.array_equal(reloaded, pred))
    say(f"reloaded {best_path}: predictions identical = {identical}")
    return {**scores, "best_epoch": best_epoch, "epochs": len(history),
            "identical_after_reload": identical, "checkpoint": best_path, "plot": plot_path,
            "history": history}


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description="Develop a regression model step by step.")
    parser.add_argument("--quick", action="store_true",
                        help="1500 samples and 30 epochs instead of 3000 and 100")
    parser.add_argument("--out", default=os.path.join("runs", "regression_workflow"),
                        help="output folder (default: runs/regression_workflow)")
    args = parser.parse_args()
    main(quick=args.quick, out_dir=args.out)
