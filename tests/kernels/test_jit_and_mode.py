"""lazy_njit, the numpy/numba switch, the thread pool and the import-time promise."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

import minigrad.kernels as K
from minigrad.kernels import _parallel
from minigrad.kernels._jit import LazyKernel, is_compiled, lazy_njit

REPO = Path(__file__).resolve().parents[2]


def run_python(code: str, env_extra: dict[str, str], cwd: Path = REPO) -> str:
    env = {**os.environ, **env_extra, "PYTHONPATH": str(REPO)}
    proc = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)], env=env, cwd=cwd, capture_output=True,
        text=True, timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


def test_import_does_not_import_numba():
    out = run_python(
        """
        import sys
        import minigrad.kernels as K
        print('numba' in sys.modules, K.backend())
        """,
        {"MINIGRAD_KERNELS": ""},
    )
    assert out.split() == ["False", "numba"]


def test_environment_switch_selects_twins():
    out = run_python(
        "import minigrad.kernels as K; print(K.backend(), K.using_reference())",
        {"MINIGRAD_KERNELS": "numpy"},
    )
    assert out.split() == ["numpy", "True"]


def test_environment_switch_rejects_unknown_value():
    env = {**os.environ, "MINIGRAD_KERNELS": "fortran", "PYTHONPATH": str(REPO)}
    proc = subprocess.run(
        [sys.executable, "-c", "import minigrad.kernels"], env=env, capture_output=True, text=True
    )
    assert proc.returncode != 0
    assert "MINIGRAD_KERNELS" in proc.stderr and "fortran" in proc.stderr


def test_use_reference_and_context_manager():
    previous = K.using_reference()
    try:
        K.use_reference(False)
        assert K.backend() == "numba"
        with K.reference_mode():
            assert K.backend() == "numpy"
            with K.reference_mode(False):
                assert K.backend() == "numba"
            assert K.backend() == "numpy"
        assert K.backend() == "numba"
        K.use_reference(True)
        assert K.backend() == "numpy"
    finally:
        K.use_reference(previous)


def test_lazy_njit_compiles_on_first_call_only():
    def double(a):
        for i in range(a.shape[0]):
            a[i] *= 2.0

    kernel = lazy_njit()(double)
    assert isinstance(kernel, LazyKernel) and not is_compiled(kernel)
    assert kernel.__name__ == "double"
    x = np.arange(3.0)
    kernel(x)
    assert is_compiled(kernel)
    np.testing.assert_array_equal(x, [0.0, 2.0, 4.0])


UNCACHED_SCRIPT = """
    import numpy as np
    import sys
    import minigrad.kernels as K
    from minigrad.kernels import scatter
    out = np.zeros(3)
    K.scatter_add_flat(out, np.array([0, 2, 2]), np.array([1.0, 2.0, 3.0]))
    print(out.tolist(), scatter._scatter_add_rows_kernel.cached)
"""


def test_no_writable_cache_falls_back_to_uncached(tmp_path):
    blocker = tmp_path / "a_file"
    blocker.write_text("not a directory")
    # Every place numba could cache to is under a regular file, hence unwritable (even for
    # root); the only locator numba may try is the NUMBA_CACHE_DIR one.
    out = run_python(
        UNCACHED_SCRIPT,
        {
            "NUMBA_CACHE_DIR": str(blocker / "cache"),
            "NUMBA_CACHE_LOCATOR_CLASSES": "UserProvidedCacheLocator",
            "MINIGRAD_KERNELS": "numba",
        },
    )
    assert out.split("]")[0] == "[1.0, 0.0, 5.0"
    assert out.strip().endswith("False")


def test_read_only_source_tree_falls_back_to_uncached(tmp_path):
    # A module whose __pycache__ is a regular file and whose user-wide cache dir is too:
    # numba's default locators all fail, as in a read-only install.
    blocker = tmp_path / "blocker"
    blocker.write_text("")
    pkg = tmp_path / "pkg"
    pkg.mkdir()
    (pkg / "__pycache__").write_text("")
    (pkg / "mod.py").write_text(
        "from minigrad.kernels import lazy_njit\n"
        "@lazy_njit()\n"
        "def add(a, b):\n"
        "    return a + b\n"
    )
    env = {
        "NUMBA_CACHE_DIR": "",
        "XDG_CACHE_HOME": str(blocker / "xdg"),
        "HOME": str(blocker / "home"),
        "PYTHONDONTWRITEBYTECODE": "1",
    }
    code = (
        f"import sys; sys.path.insert(0, {str(pkg)!r}); import mod; "
        "print(mod.add(2, 3), mod.add.cached)"
    )
    out = run_python(code, env)
    assert out.split() == ["5", "False"]


def test_failure_while_saving_cache_retries_uncached(monkeypatch):
    from numba.core import caching

    def refuse(self, sig, data):
        raise PermissionError("read-only cache directory")

    def triple(a):
        return a * 3

    monkeypatch.setattr(caching.Cache, "save_overload", refuse)
    kernel = lazy_njit()(triple)
    assert kernel(2) == 6
    assert kernel.cached is False


def _threaded_results(rng):
    """Results of every threaded kernel on inputs big enough to be split across threads."""
    x = rng.standard_normal((512, 300)).astype(np.float32)
    w = rng.standard_normal(300).astype(np.float32)
    t = rng.integers(0, 300, 512)
    img = rng.standard_normal((8, 4, 32, 32)).astype(np.float32)
    p, m, v = x.copy(), np.zeros_like(x), np.zeros_like(x)
    K.adam_update(p, x, m, v, None, step=1, lr=0.1, beta1=0.9, beta2=0.99, eps=1e-8)
    out = [p, m, v]
    _, mean, rstd = K.layer_norm_forward(x, w, w, 1e-5)
    out += [*K.layer_norm_forward(x, w, w, 1e-5), *K.layer_norm_backward(x, x, mean, rstd, w)]
    _, rms = K.rms_norm_forward(x, w, 1e-6)
    out += [*K.rms_norm_backward(x, x, rms, w), K.sum_to_shape(x, (300,))]
    out += [K.softmax(x), K.log_softmax(x), K.softmax_backward(x, x), K.log_softmax_backward(x, x)]
    out += [*K.softmax_cross_entropy_forward(x, t), K.softmax_cross_entropy_backward(1.0, x, t)]
    out += [K.gelu_forward(x), K.gelu_backward(x, x, "tanh")]
    cols = K.im2col(img, 3, 3, 1, 1)
    out += [cols, K.col2im(cols, img.shape, 3, 3, 1, 1), *K.max_pool2d_forward(img, 2)]
    return out


def test_thread_count_does_not_change_results():
    previous = _parallel.get_num_threads()
    try:
        _parallel.set_num_threads(1)
        one = _threaded_results(np.random.default_rng(0))
        _parallel.set_num_threads(3)
        three = _threaded_results(np.random.default_rng(0))
    finally:
        _parallel.set_num_threads(previous)
    for a, b in zip(one, three):
        np.testing.assert_array_equal(a, b)


def test_parallel_for_covers_every_item_once():
    seen = np.zeros(100_000, np.int64)

    def mark(lo, hi, out):
        out[lo:hi] += 1

    previous = _parallel.get_num_threads()
    try:
        _parallel.set_num_threads(4)
        _parallel.parallel_for(mark, seen.size, 1, seen)
    finally:
        _parallel.set_num_threads(previous)
    assert (seen == 1).all()


def test_warmup_compiles_every_kernel_at_most_twice(rng):
    K.warmup()
    # Odd layouts and dtypes must not add signatures: the dispatchers normalise them.
    x = rng.standard_normal((6, 5)).astype(np.float32)
    K.softmax(x.T)
    K.layer_norm_forward(np.broadcast_to(x[0], (3, 5)), None, None, 1e-5)
    K.scatter_add_rows(np.zeros((4, 5)), np.array([1, 2], np.int32), x[:2])
    K.gelu_forward(x[:, ::2].astype(np.float64))
    from minigrad.kernels import (
        adam,
        conv,
        cross_entropy,
        gelu,
        layer_norm,
        pool,
        reduce,
        rms_norm,
        scatter,
        softmax_ops,
    )

    kernels = [
        obj
        for module in (adam, conv, cross_entropy, gelu, layer_norm, pool, reduce, rms_norm,
                       scatter, softmax_ops)
        for name, obj in vars(module).items()
        if isinstance(obj, LazyKernel) and name.endswith("_kernel")
    ]
    assert len(kernels) >= 15
    for kernel in kernels:
        assert is_compiled(kernel), kernel
        per_dtype = "_f32_" in kernel.__name__ or "_f64_" in kernel.__name__
        assert len(kernel.dispatcher.signatures) == (1 if per_dtype else 2), kernel


def test_set_num_threads_rejects_bad_values():
    with pytest.raises(ValueError, match="set_num_threads"):
        _parallel.set_num_threads(0)
