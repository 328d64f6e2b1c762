"""Multi-rank tests: each launches ``mpiexec -n 2`` on a scenario of mpi_scenarios.py.

They are skipped, with the reason, when mpi4py or mpiexec is missing (the MPI extra:
``pip install ".[mpi]"``) unless ``MINIGRAD_REQUIRE_MPI=1`` (CI sets it), which turns
the skip into a failure. Every launch has a timeout, so a hang fails instead of blocking.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

import pytest

SCRIPT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "mpi_scenarios.py")
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
TIMEOUT = 300  # seconds; a healthy scenario takes a few (the machine may be loaded)


def _mpiexec() -> str | None:
    """The mpiexec beside this Python (the mpich wheel installs it there), else on PATH."""
    beside = os.path.join(os.path.dirname(sys.executable), "mpiexec")
    return beside if os.path.exists(beside) else shutil.which("mpiexec")


def _missing() -> str | None:
    try:
        import mpi4py  # noqa: F401
    except ImportError:
        return 'mpi4py is not installed (pip install ".[mpi]")'
    if _mpiexec() is None:
        return 'mpiexec not found (pip install ".[mpi]" installs the mpich wheel)'
    return None


def run_mpi(args: list[str], n: int = 2, timeout: float = TIMEOUT) -> subprocess.CompletedProcess:
    """``mpiexec -n n python args...`` from the repository root, one BLAS thread per rank."""
    reason = _missing()
    if reason is not None:
        if os.environ.get("MINIGRAD_REQUIRE_MPI") == "1":
            pytest.fail(f"MINIGRAD_REQUIRE_MPI=1 but {reason}")
        pytest.skip(reason)
    env = dict(os.environ, PYTHONPATH=ROOT, OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1",
               MKL_NUM_THREADS="1")
    for name in ("RANK", "WORLD_SIZE", "LOCAL_RANK"):
        env.pop(name, None)
    command = [_mpiexec(), "-n", str(n), sys.executable, *args]
    try:
        return subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True,
                              timeout=timeout)
    except subprocess.TimeoutExpired as exc:
        pytest.fail(f"{' '.join(command)} did not finish in {timeout} s (a hang?)\n"
                    f"stdout: {exc.stdout}\nstderr: {exc.stderr}")


def run_scenario(name: str, *extra: str) -> None:
    result = run_mpi([SCRIPT, name, *extra])
    assert result.returncode == 0 and f"PASS {name}" in result.stdout, (
        f"scenario {name} failed (exit {result.returncode})\n"
        f"stdout:\n{result.stdout}\nstderr:\n{result.stderr}")


def test_collectives_on_two_ranks():
    run_scenario("collectives")


def test_ddp_equals_one_process_with_the_combined_batch_and_ranks_stay_identical():
    run_scenario("equivalence")


def test_no_sync_accumulates_locally_then_averages_the_sum():
    run_scenario("no_sync")


def test_sampler_shards_are_disjoint_and_cover_the_dataset():
    run_scenario("sampler")


def test_trainer_distributed_logs_files_and_resume(tmp_path):
    run_scenario("trainer", str(tmp_path))


def test_metrics_summed_over_ranks_equal_one_metric_over_all_samples():
    run_scenario("metric_sums")


def test_downpour_one_worker_is_sequential_sgd_and_staleness_stays_bounded():
    run_scenario("downpour")


def test_a_raising_rank_ends_the_job_with_its_error_instead_of_hanging():
    result = run_mpi([SCRIPT, "raise"], timeout=120)
    assert result.returncode != 0
    assert "[rank 1/2] uncaught exception, aborting the whole MPI job" in result.stderr
    assert "ValueError: deliberate failure on rank 1" in result.stderr


def test_gpt_ddp_script_on_two_ranks_matches_one_process_with_the_combined_batch(tmp_path):
    import numpy as np

    import minigrad as mg

    script = os.path.join(ROOT, "examples", "train_gpt_ddp.py")
    common = ["--quick", "--dtype", "float64", "--steps", "6"]
    two = run_mpi([script, *common, "--batch-size", "4", "--out", str(tmp_path / "two")])
    assert two.returncode == 0, two.stderr
    one = subprocess.run([sys.executable, script, *common, "--batch-size", "8",
                          "--out", str(tmp_path / "one")], cwd=ROOT, capture_output=True,
                         text=True, timeout=TIMEOUT, env=dict(os.environ, PYTHONPATH=ROOT))
    assert one.returncode == 0, one.stderr
    assert two.stdout.count("saved ") == 1, "only rank 0 saves"
    a = mg.load(str(tmp_path / "one" / "gpt.safetensors"))
    b = mg.load(str(tmp_path / "two" / "gpt.safetensors"))
    assert sorted(a) == sorted(b)
    for key in a:
        np.testing.assert_allclose(b[key].numpy(), a[key].numpy(), rtol=0, atol=1e-10,
                                   err_msg=key)


def test_downpour_vs_sync_example_writes_its_curves_and_both_learn(tmp_path):
    script = os.path.join(ROOT, "examples", "downpour_vs_sync.py")
    result = run_mpi([script, "--quick", "--seconds", "1.5", "--out", str(tmp_path)])
    assert result.returncode == 0, result.stderr
    rows = (tmp_path / "curves.csv").read_text().splitlines()[1:]
    for method in ("sync", "downpour"):
        losses = [float(r.split(",")[2]) for r in rows if r.startswith(method + ",")]
        assert len(losses) >= 2 and losses[-1] < 0.8 * losses[0], (method, losses)
    assert (tmp_path / "table.md").exists()


def test_ddp_benchmark_worker_reports_step_and_allreduce_times():
    import json

    worker = os.path.join(ROOT, "benchmarks", "workloads", "_ddp_worker.py")
    result = run_mpi([worker, "gpt", "minigrad", "2", "1", "--quick"])
    assert result.returncode == 0, result.stderr
    lines = result.stdout.strip().splitlines()
    assert len(lines) == 1, "only rank 0 reports"
    report = json.loads(lines[0])
    assert report["step"] > 0 and report["averaging"] > 0 and report["allreduce"] > 0
    assert report["params"] > 1000
