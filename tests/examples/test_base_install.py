"""On the base install (`pip install .`: NumPy and numba only) every example and the
README's code run to the end: they save what they save, skip the pictures and say in one
line which extra draws them. Each runs in a fresh process where the optional packages
cannot be imported."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
OPTIONAL = ("matplotlib", "sklearn", "scipy", "tqdm", "torch", "safetensors", "pandas")
HINT = 'pip install ".[plot]"'

# Runs sys.argv[1] as __main__ with every OPTIONAL package unimportable.
WITHOUT_EXTRAS = f"""
import runpy, sys

class BaseInstall:
    def find_spec(self, name, path=None, target=None):
        if name.partition(".")[0] in {OPTIONAL!r}:
            raise ModuleNotFoundError(f"No module named {{name!r}}", name=name)
        return None

sys.meta_path.insert(0, BaseInstall())
try:
    import matplotlib
except ModuleNotFoundError:
    pass
else:
    sys.exit("the import blocker does not work")
sys.argv = sys.argv[1:]
runpy.run_path(sys.argv[0], run_name="__main__")
"""


def run_without_extras(script: Path, *args: str, cwd: Path) -> subprocess.CompletedProcess:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), env.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    env.pop("MPLBACKEND", None)
    return subprocess.run([sys.executable, "-c", WITHOUT_EXTRAS, str(script), *args],
                          cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=3600)  # a guard against a hang; a shared machine can be slow


def check(result: subprocess.CompletedProcess) -> str:
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-3000:]
    return result.stdout


@pytest.mark.parametrize("name, plots", [
    ("linear_regression.py", False),
    ("classify_moons.py", False),
    ("regression_workflow.py", True),
    pytest.param("transfer_digits.py", True, marks=pytest.mark.slow),
    pytest.param("overfitting.py", True, marks=pytest.mark.slow),
    pytest.param("finetune_gpt.py", True, marks=pytest.mark.slow),
])
def test_example_runs_without_matplotlib_and_names_the_extra(name, plots, tmp_path):
    out = tmp_path / "out"
    stdout = check(run_without_extras(ROOT / "examples" / name, "--quick", "--out", str(out),
                                      cwd=tmp_path))
    assert stdout.splitlines()[0] == f"writing to {out}"  # where it writes, said first
    hints = [line for line in stdout.splitlines() if HINT in line]
    assert len(hints) == (1 if plots else 0), hints
    assert "minigrad[" not in stdout  # the PyPI name belongs to another project
    written = sorted(p.name for p in out.rglob("*"))
    assert written and not any(name.endswith(".png") for name in written), written


def test_example_writes_under_runs_by_default_and_has_help(tmp_path):
    script = ROOT / "examples" / "linear_regression.py"
    stdout = check(run_without_extras(script, "--quick", cwd=tmp_path))
    assert stdout.splitlines()[0] == f"writing to {os.path.join('runs', 'linear_regression')}"
    assert (tmp_path / "runs" / "linear_regression" / "line.safetensors").is_file()
    usage = check(run_without_extras(script, "--help", cwd=tmp_path))
    assert "--quick" in usage and "--out" in usage


@pytest.mark.parametrize("name", sorted(p.name for p in (ROOT / "examples").glob("*.py")))
def test_every_example_takes_quick_and_out(name, tmp_path):
    source = (ROOT / "examples" / name).read_text()
    assert "argparse" in source and '"--quick"' in source and '"--out"' in source
    assert "tempfile" not in source  # outputs go to a folder the reader can find


def test_readme_code_runs_without_matplotlib(tmp_path):
    readme = (ROOT / "README.md").read_text()
    blocks = re.findall(r"^```python\n(.*?)^```", readme, re.S | re.M)
    script = tmp_path / "readme_blocks.py"
    script.write_text("\n".join(blocks))
    stdout = check(run_without_extras(script, cwd=tmp_path))
    assert sum(HINT in line for line in stdout.splitlines()) == 1
    assert (tmp_path / "moons.safetensors").is_file()
    assert not (tmp_path / "curves.png").exists()
