"""The `lora` benchmark workload builds and runs (quick sizes), and compares like with like."""

import os
import sys

import numpy as np

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
if REPO_ROOT not in sys.path:
    sys.path.insert(0, REPO_ROOT)

from benchmarks.workloads import lora  # noqa: E402


def test_quick_lora_case_runs_both_steps_from_the_same_start():
    (case,) = lora.cases(quick=True)
    assert set(case.impls) == {"numpy", "minigrad"}
    assert "unavailable" not in case.note
    assert case.items == 4 * 16
    full, adapted = case.impls["numpy"], case.impls["minigrad"]
    first_full, first_lora = full().item(), adapted().item()
    assert first_full == first_lora  # B = 0: the LoRA model starts as the base model
    assert np.isfinite([full().item(), adapted().item()]).all()
