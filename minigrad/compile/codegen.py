"""Elementwise formulas of the ops fusion knows, and the kernel source it writes from them.

``FORMULAS`` maps a Function to its forward expression and, per input, its backward
expression, in Python over scalars: ``{a}`` and ``{b}`` are the inputs, ``{y}`` the
output, ``{g}`` the incoming gradient, ``{one}``/``{zero}`` typed constants. They are
the same formulas as the ops' own ``forward``/``backward`` (minigrad/ops/), applied one
element at a time.

A group's kernel is written as readable Python text, saved under a name made from the
hash of that text, and compiled by numba with ``cache=True``: the same program in a
later process loads the compiled code instead of compiling again.
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import sys
import tempfile
from typing import Any

from ..kernels import lazy_njit
from ..ops.activation import Relu, Tanh
from ..ops.arithmetic import Add, Div, Mul, Neg, Pow, Sub
from ..ops.pointwise import Exp
from ..ops.reduction import Mean, Sum

FORMULAS: dict[type, tuple[str, tuple[str, ...]]] = {
    Add: ("{a} + {b}", ("{g}", "{g}")),
    Sub: ("{a} - {b}", ("{g}", "-{g}")),
    Mul: ("{a} * {b}", ("{g} * {b}", "{g} * {a}")),
    Div: ("{a} / {b}", ("{g} / {b}", "-{g} * {a} / ({b} * {b})")),
    Neg: ("-{a}", ("-{g}",)),
    Pow: ("{a} ** {b}", ("{g} * {b} * {a} ** ({b} - {one})",)),  # a constant exponent only
    Exp: ("np.exp({a})", ("{g} * {y}",)),
    Tanh: ("np.tanh({a})", ("{g} * ({one} - {y} * {y})",)),
    Relu: ("max({a}, {zero})", ("({g} if {y} > {zero} else {zero})",)),
}

REDUCTIONS = (Sum, Mean)  # over every element: a sum in the loop, finished after it


def kernel_source(name: str, dtype: str, constants: list[Any], before: list[str],
                  loop: list[str], after: list[str]) -> str:
    """The text of one fused kernel, ``name(ins, outs, scalars, n)``: the ``before``
    lines (size-1 inputs, and what depends only on them), a loop over ``n`` elements
    (reading ``ins[k][i]``, writing ``outs[r, i]``, adding into ``acc`` sums), and the
    ``after`` lines (the sums finished, what depends on them, ``scalars[j]`` written)."""
    lines = ["import numpy as np", "", "", f"def {name}(ins, outs, scalars, n):"]
    lines.append(f"    one = np.{dtype}(1.0)")
    lines.append(f"    zero = np.{dtype}(0.0)")
    lines += [f"    c{k} = np.{dtype}({value!r})" for k, value in enumerate(constants)]
    lines += [f"    {line}" for line in before]
    lines.append("    for i in range(n):")
    lines += [f"        {line}" for line in loop or ["pass"]]
    lines += [f"    {line}" for line in after]
    return "\n".join(lines) + "\n"


def cache_dir() -> str:
    """Where generated kernels and numba's cache of them live:
    ``$MINIGRAD_COMPILE_CACHE``, else ``~/.cache/minigrad/compile``, else a temp dir."""
    for path in (os.environ.get("MINIGRAD_COMPILE_CACHE"),
                 os.path.join(os.path.expanduser("~"), ".cache", "minigrad", "compile"),
                 os.path.join(tempfile.gettempdir(), "minigrad-compile")):
        if not path:
            continue
        try:
            os.makedirs(path, exist_ok=True)
        except OSError:
            continue
        if os.access(path, os.W_OK):
            return path
    raise OSError("mg.compile: no writable directory for generated kernels (set "
                  "MINIGRAD_COMPILE_CACHE)")


_loaded: dict[str, Any] = {}


def load_kernel(source: str) -> tuple[str, Any]:
    """Compile-on-first-call kernel for ``source`` (its first function). Returns
    (module name, kernel). The file is named by the hash of the text, so a program seen
    before, in this process or an earlier one, reuses its file and numba's cache."""
    digest = hashlib.sha256(source.encode()).hexdigest()[:20]
    module_name = f"mg_fused_{digest}"
    if module_name in _loaded:
        return module_name, _loaded[module_name]
    path = os.path.join(cache_dir(), module_name + ".py")
    if not os.path.exists(path):
        tmp = f"{path}.{os.getpid()}.tmp"
        with open(tmp, "w") as f:
            f.write(source)
        os.replace(tmp, path)  # atomic: another process may be writing the same file
    spec = importlib.util.spec_from_file_location(module_name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module
    spec.loader.exec_module(module)
    function_name = source.split("def ", 1)[1].split("(", 1)[0]
    kernel = lazy_njit(nogil=True)(getattr(module, function_name))
    _loaded[module_name] = kernel
    return module_name, kernel
