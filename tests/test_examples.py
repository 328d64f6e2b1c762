"""The examples run and reach what their docs promise."""

from __future__ import annotations

import runpy
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


def load(name: str) -> dict:
    return runpy.run_path(str(EXAMPLES / name), run_name="example")


def test_linear_regression_walkthrough_converges(capsys):
    fit = load("linear_regression.py")["fit"]
    w, b = fit(verbose=True)
    assert w == pytest.approx(0.1, abs=1e-3)
    assert b == pytest.approx(0.3, abs=1e-3)
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == 11 and lines[0].split()[0] == "0" and lines[-1].startswith("200")


def test_walkthrough_gradient_matches_hand_derivation():
    import numpy as np

    import minigrad as mg

    rng = np.random.default_rng(0)
    x_data = rng.random(100).astype(np.float32)
    x, y = mg.tensor(x_data), mg.tensor(0.1 * x_data + 0.3)
    W = mg.tensor([0.7], requires_grad=True)
    b = mg.tensor([-0.2], requires_grad=True)
    loss = ((W * x + b - y) ** 2).mean()
    loss.backward()
    r = (W * x + b - y).detach().numpy()
    assert W.grad.item() == pytest.approx(2 * np.mean(r * x_data), rel=1e-5)
    assert b.grad.item() == pytest.approx(2 * np.mean(r), rel=1e-5)


def test_classify_moons_reaches_97_percent():
    main = load("classify_moons.py")["main"]
    assert main(epochs=30, verbose=False) > 0.97


def test_readme_workflow_snippet_runs(tmp_path, monkeypatch):
    import re

    readme = (EXAMPLES.parent / "README.md").read_text()
    block = re.search(r"## A model's whole life.*?```python\n(.*?)```", readme, re.S).group(1)
    monkeypatch.chdir(tmp_path)
    namespace: dict = {}
    exec(block, namespace)
    result = namespace["trainer"].evaluate(
        (namespace["scaler"].transform(namespace["X_val"]), namespace["y_val"])
    )
    assert result["accuracy"] > 0.95
    # matplotlib comes with the dev extra; tests/examples/test_base_install.py runs the
    # block without it
    assert (tmp_path / "curves.png").exists() and (tmp_path / "moons.safetensors").exists()
