"""coldstart: what a user waits for before training starts, each in a fresh Python process.

- `import minigrad`;
- the first training step of a small MLP with an empty numba cache (kernels compile);
- the same with a warm cache (the step after one earlier run filled it).
Times are measured inside the subprocess, so interpreter start-up is excluded.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile

from benchmarks import harness

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

IMPORT_SCRIPT = """
import time
t0 = time.perf_counter()
import minigrad
print(time.perf_counter() - t0)
"""

FIRST_STEP_SCRIPT = """
import time
import numpy as np
import minigrad as mg
import minigrad.nn as nn
import minigrad.nn.functional as F
import minigrad.optim as optim

class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(64, 128)
        self.fc2 = nn.Linear(128, 10)

    def forward(self, x):
        return self.fc2(F.relu(self.fc1(x)))

mg.manual_seed(0)
rng = np.random.default_rng(0)
x = mg.tensor(rng.standard_normal((32, 64), dtype=np.float32))
y = mg.tensor(rng.integers(0, 10, 32))
model = Net()
opt = optim.AdamW(model.parameters(), lr=1e-3)
t0 = time.perf_counter()
opt.zero_grad()
loss = F.cross_entropy(model(x), y)
loss.backward()
opt.step()
print(time.perf_counter() - t0)
"""


def run_script(script: str, cache_dir: str | None = None) -> harness.Measured:
    """Run `script` in a fresh interpreter; it prints the seconds it measured on its last line."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (REPO_ROOT, env.get("PYTHONPATH")) if p)
    if cache_dir is not None:
        env["NUMBA_CACHE_DIR"] = cache_dir
    proc = subprocess.run(
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=600
    )
    if proc.returncode != 0:
        tail = proc.stderr.strip().splitlines()[-1:] or ["(no stderr)"]
        raise RuntimeError(f"subprocess exited with {proc.returncode}: {tail[0]}")
    return harness.Measured(float(proc.stdout.strip().splitlines()[-1]))


def cold_step() -> harness.Measured:
    with tempfile.TemporaryDirectory(prefix="minigrad-numba-cold-") as cache_dir:
        return run_script(FIRST_STEP_SCRIPT, cache_dir)


def cases(quick: bool = False) -> list[harness.Case]:
    repeats = 1 if quick else 3
    try:
        run_script(IMPORT_SCRIPT)
    except Exception as exc:
        return [harness.Case("import minigrad", {}, note=harness.describe_error(exc))]
    warm_dir = tempfile.TemporaryDirectory(prefix="minigrad-numba-warm-")

    def warm_step() -> harness.Measured:
        # the warm-up call fills `warm_dir`; timed calls find the kernels cached
        return run_script(FIRST_STEP_SCRIPT, warm_dir.name)

    return [
        harness.Case("import minigrad", {"minigrad": lambda: run_script(IMPORT_SCRIPT)},
                     repeats=repeats, warmup=1),
        harness.Case("first MLP step, empty numba cache", {"minigrad": cold_step},
                     repeats=repeats, warmup=0),
        harness.Case("first MLP step, warm numba cache", {"minigrad": warm_step},
                     repeats=repeats, warmup=1,
                     note="cache filled by the warm-up run"),
    ]
