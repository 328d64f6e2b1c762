"""``torch.backends.cudnn``: flags a program may set (``benchmark``, ``deterministic``,
``enabled``, ``allow_tf32``); minigrad never reads them, since it has no cuDNN."""

enabled = True
benchmark = False
deterministic = False
allow_tf32 = True


def is_available() -> bool:
    """False: no cuDNN."""
    return False


def version() -> None:
    """None, as PyTorch answers without cuDNN."""
    return None
