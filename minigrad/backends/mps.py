"""``torch.backends.mps``: Apple's GPU backend, absent from minigrad."""


def is_available() -> bool:
    """False: minigrad runs on the CPU only."""
    return False


def is_built() -> bool:
    """False: minigrad has no MPS backend."""
    return False
