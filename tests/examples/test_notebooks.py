"""Every notebook in examples/notebooks runs top to bottom in a fresh kernel and shows the
result it teaches; git keeps them without outputs.

The kernel is this interpreter (a kernelspec written for the test), started in a temporary
folder, with this process's environment (so PYTHONPATH picks the same minigrad).
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")
pytest.importorskip("ipykernel")

NOTEBOOKS = Path(__file__).resolve().parents[2] / "examples" / "notebooks"
EXPECTED = {"backprop_by_hand.ipynb", "finetune_gpt_quick.ipynb", "gradient_descent.ipynb",
            "linear_regression.ipynb", "overfitting_clinic.ipynb"}


@pytest.fixture(scope="module")
def this_python(tmp_path_factory, request):
    """A kernelspec named python3 that runs this interpreter, first on JUPYTER_PATH."""
    root = tmp_path_factory.mktemp("jupyter")
    spec = root / "kernels" / "python3"
    spec.mkdir(parents=True)
    (spec / "kernel.json").write_text(json.dumps({
        "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "Python 3 (tests)", "language": "python"}))
    patch = pytest.MonkeyPatch()
    patch.setenv("JUPYTER_PATH", str(root))
    patch.setenv("MPLBACKEND", "module://matplotlib_inline.backend_inline")
    yield
    patch.undo()


def run(name: str, folder: Path) -> str:
    """Execute the notebook in ``folder``; return everything it printed or displayed as text."""
    nb = nbformat.read(NOTEBOOKS / name, as_version=4)
    client = nbclient.NotebookClient(nb, timeout=600, kernel_name="python3",
                                     resources={"metadata": {"path": str(folder)}})
    client.execute()
    texts = []
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            if output.get("output_type") == "stream":
                texts.append(output["text"])
            elif "data" in output:
                texts.append(output["data"].get("text/plain", ""))
                if "image/png" in output["data"] or "image/svg+xml" in output["data"]:
                    texts.append("<picture>")
    return "\n".join(texts)


def test_the_notebooks_are_there_and_stored_without_outputs():
    found = {p.name for p in NOTEBOOKS.glob("*.ipynb")}
    assert EXPECTED <= found
    for path in sorted(NOTEBOOKS.glob("*.ipynb")):
        nb = nbformat.read(path, as_version=4)
        nbformat.validate(nb)
        assert nb.metadata.kernelspec.name == "python3", path.name
        for cell in nb.cells:
            if cell.cell_type == "code":
                assert cell.outputs == [] and cell.execution_count is None, (
                    f"{path.name}: outputs are stored; strip them (see examples/notebooks/"
                    "README.md)")


def test_linear_regression(this_python, tmp_path):
    text = run("linear_regression.ipynb", tmp_path)
    lines = re.findall(r"^\s*(\d+)\s+W=([-\d.]+)\s+b=([-\d.]+)", text, re.M)
    assert [int(step) for step, _, _ in lines] == list(range(0, 201, 20))
    _, w, b = lines[-1]
    assert abs(float(w) - 0.1) < 1e-3 and abs(float(b) - 0.3) < 1e-3
    assert "learned y = 0.1000 x + 0.3000" in text and "<picture>" in text


def test_backprop_by_hand(this_python, tmp_path):
    text = run("backprop_by_hand.ipynb", tmp_path)
    assert "all gradients match" in text
    rows = dict(re.findall(r"^(w1|x1|b)\s+(\S+)\s+\S+$", text, re.M))
    assert rows == {"w1": "1.0000", "x1": "-1.5000", "b": "0.5000"}
    assert "['TanhBackward', 'AddBackward', 'AddBackward', 'MulBackward', 'MulBackward']" in text
    assert "dy/dx = 7.0" in text and "bias.grad = tensor([3.]" in text
    # a rendered picture (Graphviz installed) or the DOT text it would render
    assert text.count("<picture>") >= 4 or text.count("digraph minigrad") >= 4


def test_gradient_descent(this_python, tmp_path):
    text = run("gradient_descent.ipynb", tmp_path)
    theta = {name: float(value) for name, value in
             re.findall(r"learning rate (too small|good|too large).*= +(\S+)$", text, re.M)}
    # distance to 3 shrinks by |1 - 2 lr| per step: 0.98, 0.8, 1.1
    assert theta["good"] == pytest.approx(3 - 3 * 0.8**30, abs=1e-4)
    assert theta["too small"] == pytest.approx(3 - 3 * 0.98**30, abs=1e-4)
    assert abs(theta["too large"] - 3) == pytest.approx(3 * 1.1**30, rel=1e-6)
    distance = dict(re.findall(r"^(SGD|momentum|Adam).*distance to the minimum (\S+)$", text,
                               re.M))
    assert float(distance["SGD"]) > 1.0  # crawling along the flat direction
    assert float(distance["momentum"]) < 0.1 and float(distance["Adam"]) < 0.1
    assert text.count("<picture>") == 2


@pytest.mark.slow
def test_overfitting_clinic(this_python, tmp_path):
    text = run("overfitting_clinic.ipynb", tmp_path)
    floor = float(re.search(r"noise floor \(validation MSE of the true function\): (\S+)",
                            text).group(1))
    rows = {name.strip(): (float(train), float(final)) for name, train, final in re.findall(
        r"^(overfit \(no fix\)|more data.*?|L2.*?|early stopping.*?|smaller model.*?)\s+"
        r"(\d\.\d+)\s+\d\.\d+ \(\d+\)\s+(\d\.\d+)$", text, re.M)}
    assert len(rows) == 5
    overfit_train, overfit_final = rows.pop("overfit (no fix)")
    assert overfit_train < floor < overfit_final  # memorised the noise, generalises worse
    for name, (train, final) in rows.items():
        assert final < overfit_final and train > overfit_train, name
    assert text.count("<picture>") == 2


@pytest.mark.slow
def test_finetune_gpt_quick(this_python, tmp_path):
    text = run("finetune_gpt_quick.ipynb", tmp_path)
    pretrained = re.search(r"pretrained: addition (\S+)%, subtraction \(never seen\) (\S+)%", text)
    after = re.search(r"after LoRA fine-tuning: subtraction (\S+)%, addition (\S+)%", text)
    assert float(pretrained.group(1)) > 80 and float(pretrained.group(2)) < 5
    # the exact figure moves with the CPU and BLAS threads (docs/finetune-gpt.md): 70% here
    assert float(after.group(1)) > 40
    assert "16,384 of 119,104 parameters train" in text
    assert f"base model again: addition {pretrained.group(1)}%" in text  # LoRA left it alone
    assert f"base + adapter: subtraction {after.group(1)}%" in text
    assert "Trainable params: 16,384" in text and "<picture>" in text
    assert (tmp_path / "runs" / "notebooks" / "gpt_subtraction_lora.safetensors").is_file()
