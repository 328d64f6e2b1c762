"""``mg.compile``: record a training step once, replay it as a flat array program.

- ``trace.py``: the recorder the core's hooks report to (minigrad/autograd/tracing.py);
- ``program.py``: the steps of a recorded program and how each replays on arrays;
- ``guards.py``: the signature a program is kept under;
- ``fuse.py``: elementwise chains turned into generated numba kernels;
- ``compiled.py``: ``compile`` and the cache; ``explain.py``: the program as text.

See docs/compile.md.
"""

import sys as _sys
import types as _types
from typing import Any

from .compiled import CompiledFunction, compile
from .trace import CompileError

__all__ = ["CompileError", "CompiledFunction", "compile"]


class _CallableModule(_types.ModuleType):
    """Importing this package makes ``minigrad.compile`` the package (Python sets the
    attribute on the parent), so the package itself calls through to ``compile``."""

    def __call__(self, fn: Any = None, *, fullgraph: bool = False, cache_size: int = 8) -> Any:
        return compile(fn, fullgraph=fullgraph, cache_size=cache_size)


_sys.modules[__name__].__class__ = _CallableModule
