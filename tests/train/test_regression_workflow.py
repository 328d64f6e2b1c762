"""The regression workflow example runs end to end and reaches what docs/training.md shows."""

from __future__ import annotations

import runpy
from pathlib import Path

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "regression_workflow.py"


def test_quick_workflow_generalises_and_reloads_identically(tmp_path):
    main = runpy.run_path(str(EXAMPLE), run_name="example")["main"]
    result = main(quick=True, out_dir=str(tmp_path), verbose=False)
    assert result["r2"] > 0.9
    assert result["mae"] < 1.5  # the target's standard deviation is about 4.7
    assert result["identical_after_reload"]
    assert Path(result["checkpoint"]).is_file()
    assert Path(result["plot"]).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    history = result["history"]
    assert history.best("val_loss")[0] == result["best_epoch"]
    assert set(history.keys()) >= {"loss", "val_loss", "r2", "val_r2", "mae", "val_mae", "lr"}
