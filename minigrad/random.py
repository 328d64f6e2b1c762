"""Random number state: one seedable generator behind every random factory.

``mg.manual_seed(n)`` reseeds the default generator, so ``mg.randn``,
``nn.init``, dropout and ``DataLoader`` shuffling all become reproducible.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .autograd.grad_mode import _state


class Generator:
    """A seedable source of random numbers (PyTorch's ``torch.Generator``).

    Wraps a NumPy ``Generator`` (PCG64). Its state can be saved and restored
    exactly, which checkpoints use to resume training bit-for-bit.

    >>> g = Generator().manual_seed(0)
    >>> g.numpy.random() == Generator().manual_seed(0).numpy.random()
    True
    """

    def __init__(self, seed: int | None = None) -> None:
        self._rng = np.random.default_rng(seed)
        self._seed = seed

    def manual_seed(self, seed: int) -> Generator:
        """Reseed in place and return ``self``."""
        if not isinstance(seed, (int, np.integer)) or isinstance(seed, bool):
            raise TypeError(f"manual_seed: seed must be an int, got {type(seed).__name__}")
        self._rng = np.random.default_rng(int(seed))
        self._seed = int(seed)
        return self

    def initial_seed(self) -> int | None:
        """The seed last given to ``manual_seed`` (None if never seeded)."""
        return self._seed

    @property
    def numpy(self) -> np.random.Generator:
        """The underlying ``numpy.random.Generator`` that draws the numbers."""
        return self._rng

    def get_state(self) -> dict[str, Any]:
        """A JSON-serialisable snapshot of the generator's state."""
        return {"seed": self._seed, "bit_generator": self._rng.bit_generator.state}

    def set_state(self, state: dict[str, Any]) -> None:
        """Restore a snapshot taken by ``get_state``."""
        self._seed = state.get("seed")
        self._rng.bit_generator.state = state["bit_generator"]


default_generator = Generator()


def manual_seed(seed: int) -> Generator:
    """Seed minigrad's default generator; returns it, like ``torch.manual_seed``."""
    return default_generator.manual_seed(seed)


def seed() -> int:
    """Seed the default generator from fresh OS entropy and return the seed."""
    new_seed = int(np.random.SeedSequence().entropy % (2**63))
    default_generator.manual_seed(new_seed)
    return new_seed


def initial_seed() -> int | None:
    """The seed last given to ``manual_seed``."""
    return default_generator.initial_seed()


def get_rng_state() -> dict[str, Any]:
    """Snapshot of the default generator's state (see ``Generator.get_state``)."""
    return default_generator.get_state()


def set_rng_state(state: dict[str, Any]) -> None:
    """Restore the default generator from ``get_rng_state()``'s snapshot."""
    default_generator.set_state(state)


def rng(generator: Generator | None = None) -> np.random.Generator:
    """The NumPy generator to draw from: ``generator``'s, or the default one."""
    if _state.tracer is not None:  # mg.compile is recording: a replay could not redraw it
        _state.tracer.refuse("a random draw outside a recorded op (mg.randn, uniform_, ...)")
    return (generator or default_generator).numpy
