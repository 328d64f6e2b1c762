"""``torch.backends.cuda``: ``matmul.allow_tf32`` and friends, settable and ignored."""

from types import SimpleNamespace

matmul = SimpleNamespace(allow_tf32=False, allow_fp16_reduced_precision_reduction=True,
                         allow_bf16_reduced_precision_reduction=True)


def is_built() -> bool:
    """False: minigrad has no CUDA backend."""
    return False
