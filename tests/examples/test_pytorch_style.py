"""examples/pytorch_style: PyTorch programs, with ``import minigrad as torch`` and nothing
else changed, run and learn what they print.

Each program runs in a subprocess (``--quick``, in a fresh working directory, BLAS on one
thread) and the test reads what it printed. The numbers in comments are from an AMD EPYC
run; the thresholds leave room for another CPU's rounding.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

import minigrad

PROGRAMS = Path(__file__).resolve().parents[2] / "examples" / "pytorch_style"
ONE_THREAD = {name: "1" for name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS",
                                      "MKL_NUM_THREADS", "NUMBA_NUM_THREADS")}


def run(name: str, tmp_path: Path) -> str:
    """Run one program with --quick; return its standard output."""
    package_root = str(Path(minigrad.__file__).resolve().parents[1])  # the minigrad under test
    path = os.pathsep.join(filter(None, [package_root, os.environ.get("PYTHONPATH")]))
    env = {**os.environ, **ONE_THREAD, "PYTHONPATH": path}
    proc = subprocess.run(
        [sys.executable, str(PROGRAMS / name), "--quick", "--out", str(tmp_path / "out")],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=600,
    )
    assert proc.returncode == 0, f"{name} failed:\n{proc.stdout[-2000:]}\n{proc.stderr[-4000:]}"
    return proc.stdout


def numbers(pattern: str, text: str) -> list[float]:
    """Every match of ``pattern``'s one group in ``text``, as floats."""
    found = [float(m) for m in re.findall(pattern, text)]
    assert found, f"no {pattern!r} in the output"
    return found


def test_every_program_is_written_for_pytorch():
    """minigrad appears only in the imports that stand in for torch's."""
    programs = sorted(PROGRAMS.glob("*.py"))
    assert len(programs) >= 9
    allowed = re.compile(r"^(import minigrad as torch"
                         r"|import minigrad\.(nn|optim)(\.functional)? as \w+"
                         r"|from minigrad(\.[\w.]+)? import [\w, ]+)$")
    for program in programs:
        lines = program.read_text().splitlines()
        assert "import minigrad as torch" in lines, program.name
        for line in lines:
            if "minigrad" in line and not line.startswith(('"""', "Run:")):
                assert allowed.match(line), f"{program.name}: {line}"


def test_tensor_tour(tmp_path):
    out = run("tensor_tour.py", tmp_path)
    assert "outer product by broadcasting equals matmul: True" in out
    assert "max over dim 1: values tensor([5., 6.]), indices tensor([1, 2])" in out
    assert "a view shares memory: x[0] is now 100" in out
    assert "numpy() shares memory: after t.add_(1) the array is [2. 2. 2. 2. 2.]" in out
    assert "from_numpy shares memory: after np.add the tensor is tensor([2., 2., 2., 2., 2.]" in out
    assert "float to int64 truncates: tensor([ 1, -2,  3])" in out
    assert "dot 14.0, outer:" in out and "rows by unbind: [[1.0, 2.0], [3.0, 4.0]]" in out
    assert "running sum along dim 1: tensor([[ 1.,  6.,  9.]," in out
    assert "saved and reloaded ['bias', 'weights']" in out
    assert (tmp_path / "out" / "tensors.pt").stat().st_size > 0


def test_autograd_basics(tmp_path):
    out = run("autograd_basics.py", tmp_path)
    assert "b.grad matches (sigmoid(z) - y) / 3: True" in out
    assert "under no_grad: z.requires_grad = False" in out
    assert "@torch.no_grad(): requires_grad = False" in out
    assert "dq/da = 9 a^2: tensor([36., 81.])" in out
    assert "after backward 3: p.grad = tensor([ 6., 12., 18.])" in out
    assert "after p.grad.zero_(): tensor([0., 0., 0.])" in out
    assert "equals 2^k * v: True" in out
    assert "Jacobian of 2 x^3:\ntensor([[ 6.,  0.,  0.]," in out
    assert "v^T J equals backward(v): True" in out
    assert "second call (accumulated):\ntensor([[8., 4., 4., 4., 4.]," in out
    assert "a second backward without retain_graph raises" in out


def test_custom_function_passes_gradcheck_and_fits(tmp_path):
    out = run("custom_function.py", tmp_path)
    assert "gradcheck: True" in out
    losses = numbers(r"step +\d+ +loss ([\d.]+)", out)
    assert all(b < a for a, b in zip(losses, losses[1:]))
    assert losses[-1] < 20  # 14.9 after 1000 steps


def test_polynomial_fit_three_ways(tmp_path):
    out = run("polynomial_fit.py", tmp_path)
    assert numbers(r"\[by hand\] final loss ([\d.]+)", out)[0] < 15  # 10.9
    assert numbers(r"\[nn \+ SGD\] final loss ([\d.]+)", out)[0] < 10  # 8.82
    assert numbers(r"\[nn \+ RMSprop\] final loss ([\d.]+)", out)[0] < 60  # 30.3
    # the cubic that fits sin best on [-pi, pi] is near 0.857 x - 0.093 x^3
    fitted = re.search(r"\[nn \+ SGD\] final loss [\d.]+: y = \S+ \+ (\S+) x \+ \S+ x\^2 "
                       r"\+ (\S+) x\^3", out)
    b, d = float(fitted[1]), float(fitted[2])
    assert b == pytest.approx(0.857, abs=0.02) and d == pytest.approx(-0.093, abs=0.005)
    assert "the reloaded model gives the same predictions: True" in out


def test_quickstart_classifier_learns_and_reloads(tmp_path):
    out = run("quickstart_classifier.py", tmp_path)
    assert "Shape of X [N, C, H, W]: (64, 1, 8, 8)" in out
    accuracies = numbers(r"Accuracy: ([\d.]+)%", out)
    assert accuracies[-2] > 90  # 95.4% after 3 epochs
    assert accuracies[-1] == accuracies[-2]  # the reloaded model, tested again
    assert (tmp_path / "out" / "model.pth").exists()


def test_char_bigram_network_reaches_the_counts(tmp_path):
    out = run("char_bigram.py", tmp_path)
    counted = numbers(r"\[counts\] negative log likelihood ([\d.]+)", out)[0]
    trained = numbers(r"\[network\] final loss ([\d.]+)", out)[0]
    # counting is the maximum-likelihood answer: training approaches it from above
    assert counted - 1e-3 < trained < counted + 0.03  # 1.7069 against 1.6963
    assert numbers(r"learned and counted probabilities: ([\d.]+)", out)[0] < 0.05
    samples = re.findall(r"\[network\] ([a-z ]+)\n", out)
    assert len(samples) == 3 and all(set(s) <= set("abcdefghijklmnopqrstuvwxyz ") for s in samples)


def test_small_gpt_trains_and_generates(tmp_path):
    out = run("small_gpt.py", tmp_path)
    train = numbers(r"train loss ([\d.]+)", out)
    val = numbers(r"val loss ([\d.]+)", out)
    assert train[0] > 3.0 and train[-1] < 1.6  # ln(32) = 3.47 at the start, 1.26 after 150 steps
    assert val[-1] < 1.8  # 1.38
    sample = out.split("sample:\n", 1)[1]
    assert len(sample) > 150
    assert (tmp_path / "out" / "gpt.pt").exists()


def test_vae_beats_the_pixel_average(tmp_path):
    out = run("vae.py", tmp_path)
    tested = numbers(r"Test set loss: ([\d.]+)", out)
    baseline = numbers(r"baseline \(each pixel's average\): ([\d.]+)", out)[0]
    assert tested[-1] < tested[0]
    assert tested[-1] < 0.6 * baseline  # 13.5 against 28.6


def test_lora_layer_adapts_merges_and_reloads(tmp_path):
    out = run("lora_layer.py", tmp_path)
    before, after = (numbers(r"test loss on B ([\d.]+)", out)[-1],
                     numbers(r"after LoRA: test loss on B ([\d.]+)", out)[0])
    before = numbers(r"\(before ([\d.]+)\)", out)[0]
    assert after < 0.1 * before  # 0.00017 against 0.0128
    assert "the frozen base weight is unchanged: True" in out
    assert numbers(r"trainable%: ([\d.]+)", out)[0] < 25
    assert numbers(r"reloaded model's test loss on B: ([\d.]+)", out)[0] == after
    assert numbers(r"max difference ([\d.e+-]+),", out)[0] < 1e-5
    assert "allclose True" in out


def test_lstm_word_lm_beats_a_uniform_guess(tmp_path):
    out = run("lstm_word_lm.py", tmp_path)
    vocabulary = numbers(r"a uniform guess has perplexity (\d+)", out)[0]
    valid = numbers(r"valid ppl +([\d.]+)", out)
    test = numbers(r"test ppl +([\d.]+)", out)[0]
    assert valid[-1] < valid[0]
    assert test < 8 < vocabulary  # 4.6 after 4 epochs, against 26 words
    assert (tmp_path / "out" / "model.pt").exists()


def test_lbfgs_sine_predicts_the_next_value(tmp_path):
    out = run("lbfgs_sine.py", tmp_path)
    losses = numbers(r"\nloss: ([\d.]+) \(20 evaluations", out)
    tests = numbers(r"test loss: ([\d.]+)", out)
    assert len(losses) == 3 and losses[-1] < 0.1 * losses[0]  # 0.51 -> 0.0009
    assert tests[-1] < 1e-3  # 1.1e-4 after 3 steps
    assert (tmp_path / "out" / "sequence.pt").exists()


class MyReLU(minigrad.autograd.Function):
    """PyTorch's own tutorial idiom: forward and backward on tensors."""

    @staticmethod
    def forward(ctx, input):
        ctx.save_for_backward(input)
        return input.clamp(min=0)

    @staticmethod
    def backward(ctx, grad_output):
        (input,) = ctx.saved_tensors
        grad_input = grad_output.clone()
        grad_input[input < 0] = 0
        return grad_input


def test_custom_function_written_on_tensors():
    x = minigrad.tensor([-1.0, 2.0, -3.0, 4.0], requires_grad=True)
    MyReLU.apply(x).sum().backward()
    assert x.grad.tolist() == [0.0, 1.0, 0.0, 1.0]
