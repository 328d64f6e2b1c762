"""``mg.compile``: record a training step once, replay it as a flat array program.

- ``trace.py``: the recorder the core's hooks report to (minigrad/autograd/tracing.py);
- ``program.py``: the steps of a recorded program and how each replays on arrays;
- ``guards.py``: the signature a program is kept under;
- ``fuse.py``: elementwise chains turned into generated numba kernels;
- ``compiled.py``: ``compile`` and the cache; ``explain.py``: the program as text.

See docs/compile.md.
"""

from .compiled import CompiledFunction, compile
from .trace import CompileError

__all__ = ["CompileError", "CompiledFunction", "compile"]
