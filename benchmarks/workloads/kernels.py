"""kernels: each numba kernel against its plain-NumPy twin, on realistic shapes.

"minigrad" calls the numba version (`op_numba`) whatever the dispatcher would pick, "numpy" the
twin (`op_numpy`). All float32. Threads: the kernels split work over `NUMBA_NUM_THREADS`
threads (`run.py --threads N` sets it; BLAS is pinned the same way).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

try:
    from benchmarks.harness import Case
except ImportError:  # the harness is written separately; keep the workload importable alone
    from dataclasses import dataclass

    @dataclass
    class Case:  # type: ignore[no-redef]
        name: str
        impls: dict[str, Callable[[], object]]
        items: int | None = None
        note: str = ""


def _pair(numba_fn: Callable[[], object], numpy_fn: Callable[[], object]) -> dict:
    return {"minigrad": numba_fn, "numpy": numpy_fn}


def norm_cases(rng: np.random.Generator, rows: int, dim: int) -> list[Case]:
    from minigrad.kernels import layer_norm as ln
    from minigrad.kernels import rms_norm as rms

    x = rng.standard_normal((rows, dim), dtype=np.float32)
    g = rng.standard_normal((rows, dim), dtype=np.float32)
    w = rng.standard_normal(dim, dtype=np.float32)
    b = rng.standard_normal(dim, dtype=np.float32)

    def layer_norm(fwd, bwd):
        def run():
            _, mean, rstd = fwd(x, w, b, 1e-5)
            return bwd(g, x, mean, rstd, w)

        return run

    def rms_norm(fwd, bwd):
        def run():
            _, rstd = fwd(x, w, 1e-6)
            return bwd(g, x, rstd, w)

        return run

    return [
        Case(f"layer_norm {rows}x{dim} fwd+bwd", _pair(
            layer_norm(ln.layer_norm_forward_numba, ln.layer_norm_backward_numba),
            layer_norm(ln.layer_norm_forward_numpy, ln.layer_norm_backward_numpy),
        ), items=rows),
        Case(f"rms_norm {rows}x{dim} fwd+bwd", _pair(
            rms_norm(rms.rms_norm_forward_numba, rms.rms_norm_backward_numba),
            rms_norm(rms.rms_norm_forward_numpy, rms.rms_norm_backward_numpy),
        ), items=rows),
    ]


def softmax_cases(rng: np.random.Generator, rows: int, classes: int) -> list[Case]:
    from minigrad.kernels import cross_entropy as ce
    from minigrad.kernels import softmax_ops as sm

    logits = rng.standard_normal((rows, classes), dtype=np.float32) * 3
    targets = rng.integers(0, classes, rows)
    g = rng.standard_normal((rows, classes), dtype=np.float32)

    def cross_entropy(fwd, bwd):
        def run():
            loss, probs = fwd(logits, targets)
            return bwd(np.float32(1.0 / rows), probs, targets)

        return run

    def softmax(fwd, bwd):
        return lambda: bwd(g, fwd(logits))

    return [
        Case(f"softmax+cross-entropy {rows}x{classes} fwd+bwd", _pair(
            cross_entropy(ce.softmax_cross_entropy_forward_numba,
                          ce.softmax_cross_entropy_backward_numba),
            cross_entropy(ce.softmax_cross_entropy_forward_numpy,
                          ce.softmax_cross_entropy_backward_numpy),
        ), items=rows),
        Case(f"softmax {rows}x{classes} fwd+bwd", _pair(
            softmax(sm.softmax_numba, sm.softmax_backward_numba),
            softmax(sm.softmax_numpy, sm.softmax_backward_numpy),
        ), items=rows),
    ]


def gelu_cases(rng: np.random.Generator, rows: int, dim: int) -> list[Case]:
    from minigrad.kernels import gelu

    x = rng.standard_normal((rows, dim), dtype=np.float32) * 2
    g = rng.standard_normal((rows, dim), dtype=np.float32)

    def both(fwd, bwd, approximate):
        def run():
            fwd(x, approximate)
            return bwd(g, x, approximate)

        return run

    return [
        Case(f"gelu ({approximate}) {rows}x{dim} fwd+bwd", _pair(
            both(gelu.gelu_forward_numba, gelu.gelu_backward_numba, approximate),
            both(gelu.gelu_forward_numpy, gelu.gelu_backward_numpy, approximate),
        ), items=rows * dim)
        for approximate in ("none", "tanh")
    ]


def adamw_case(rng: np.random.Generator, n: int) -> Case:
    from minigrad.kernels import adam

    grad = rng.standard_normal(n, dtype=np.float32)

    def step(fn):
        param = rng.standard_normal(n, dtype=np.float32)
        m, v = np.zeros(n, np.float32), np.zeros(n, np.float32)
        count = [0]

        def run():
            count[0] += 1
            fn(param, grad, m, v, None, step=count[0], lr=1e-3, beta1=0.9, beta2=0.999,
               eps=1e-8, weight_decay=0.01, decoupled_weight_decay=True)

        return run

    return Case(f"AdamW step {n:,} params", _pair(
        step(adam.adam_update_numba), step(adam.adam_update_numpy)
    ), items=n)


def scatter_case(rng: np.random.Generator, vocab: int, dim: int, n: int) -> Case:
    from minigrad.kernels import scatter

    index = np.concatenate([rng.integers(0, 512, n // 2), rng.integers(0, vocab, n - n // 2)])
    src = rng.standard_normal((n, dim), dtype=np.float32)
    tables = [np.zeros((vocab, dim), np.float32) for _ in range(2)]
    return Case(f"scatter-add {vocab:,}x{dim}, {n:,} indices with repeats", _pair(
        lambda: scatter.scatter_add_rows_numba(tables[0], index, src),
        lambda: scatter.scatter_add_rows_numpy(tables[1], index, src),
    ), items=n)


def conv_cases(rng: np.random.Generator, batch: int) -> list[Case]:
    from minigrad.kernels import conv, pool, reduce

    x = rng.standard_normal((batch, 3, 32, 32), dtype=np.float32)
    w = rng.standard_normal((16, 27), dtype=np.float32)
    bias = rng.standard_normal((16, 1), dtype=np.float32)
    grad_out = rng.standard_normal((batch, 16, 32 * 32), dtype=np.float32)

    def forward(im2col):
        def run():
            out = w @ im2col(x, 3, 3, 1, 1, 1)  # (N, 16, 32*32)
            out += bias
            return out.reshape(batch, 16, 32, 32)

        return run

    def backward(col2im, sum_to_shape):
        def run():
            dbias = sum_to_shape(grad_out.reshape(batch, 16, 32, 32), (16, 1, 1))
            return col2im(w.T @ grad_out, x.shape, 3, 3, 1, 1, 1), dbias

        return run

    feat = rng.standard_normal((batch, 16, 32, 32), dtype=np.float32)
    out, argmax = pool.max_pool2d_forward_numpy(feat, 2)
    gpool = rng.standard_normal(out.shape, dtype=np.float32)

    def max_pool(fwd, bwd):
        def run():
            fwd(feat, 2)
            return bwd(gpool, argmax, feat.shape)

        return run

    return [
        Case(f"conv2d fwd (im2col + matmul) {batch}x3x32x32, 16 3x3 filters", _pair(
            forward(conv.im2col_numba), forward(conv.im2col_numpy)
        ), items=batch),
        Case(f"conv2d input+bias grads (matmul + col2im + sum_to_shape) {batch}x3x32x32", _pair(
            backward(conv.col2im_numba, reduce.sum_to_shape_numba),
            backward(conv.col2im_numpy, reduce.sum_to_shape_numpy),
        ), items=batch),
        Case(f"max_pool2d 2x2 fwd+bwd {batch}x16x32x32", _pair(
            max_pool(pool.max_pool2d_forward_numba, pool.max_pool2d_backward_numba),
            max_pool(pool.max_pool2d_forward_numpy, pool.max_pool2d_backward_numpy),
        ), items=batch),
    ]


def bias_grad_case(rng: np.random.Generator, rows: int, dim: int) -> Case:
    from minigrad.kernels import reduce

    g = rng.standard_normal((rows, dim), dtype=np.float32)
    return Case(f"sum_to_shape {rows}x{dim} -> ({dim},) (bias grad)", _pair(
        lambda: reduce.sum_to_shape_numba(g, (dim,)),
        lambda: reduce.sum_to_shape_numpy(g, (dim,)),
    ), items=rows)


def cases(quick: bool = False) -> list[Case]:
    # Kernels compile during the runner's untimed warm-up calls.
    rng = np.random.default_rng(0)
    rows = 256 if quick else 8192
    return [
        *norm_cases(rng, rows, 768),
        *softmax_cases(rng, rows, 1024),
        *gelu_cases(rng, rows, 768),
        adamw_case(rng, 100_000 if quick else 10_000_000),
        scatter_case(rng, *((2000, 64, 512) if quick else (50_000, 256, 8192))),
        *conv_cases(rng, 4 if quick else 64),
        bias_grad_case(rng, rows, 768),
    ]
