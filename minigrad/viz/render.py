"""``draw``: render a graph picture to an SVG, PNG or PDF file with Graphviz."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any

from .._tensor import Tensor
from .dot import to_dot

VIZ_EXTRA = 'pip install ".[viz]"'  # run in minigrad's checkout; installs the graphviz package
DOT_PROGRAM = "apt-get install graphviz"  # or brew install graphviz; conda install graphviz
FORMATS = ("svg", "png", "pdf")


def render(dot: str, format: str = "svg") -> bytes:
    """The bytes of DOT text ``dot`` rendered by Graphviz's ``dot`` program.

    Raises ImportError naming the ``viz`` extra when the ``graphviz`` package is
    missing, and RuntimeError naming the system package when ``dot`` is.
    """
    if format not in FORMATS:
        raise ValueError(f"draw: format must be one of {FORMATS}, got {format!r}")
    try:
        import graphviz
    except ImportError:
        raise ImportError(f"drawing needs the graphviz Python package: {VIZ_EXTRA} (and the "
                          f"Graphviz 'dot' program: {DOT_PROGRAM}). mg.viz.to_dot needs "
                          "neither") from None
    try:
        return graphviz.Source(dot).pipe(format=format)
    except graphviz.ExecutableNotFound:
        raise RuntimeError(f"drawing needs Graphviz's 'dot' program on PATH: {DOT_PROGRAM} "
                           "(mg.viz.to_dot needs no program)") from None
    except graphviz.CalledProcessError as exc:
        stderr = exc.stderr.decode(errors="replace") if isinstance(exc.stderr, bytes) else ""
        raise ValueError(f"draw: Graphviz could not read the DOT text: {stderr.strip()}") from None


def draw(obj: Any, path: str | os.PathLike[str], format: str | None = None, *,
         input: Any = None, depth: int = 1, **to_dot_kwargs: Any) -> Path:
    """Render a picture of ``obj`` to ``path`` and return the path.

    ``obj`` is a Tensor (or a list of them: the graph that produced it, drawn by
    :func:`to_dot` with ``to_dot_kwargs``), DOT text, or a Module (drawn one box
    per module at ``depth`` by :func:`module_to_dot`; pass ``input=`` to run it on).
    ``format`` is "svg", "png" or "pdf"; None takes it from the path's suffix, SVG
    otherwise. Needs ``pip install ".[viz]"`` and Graphviz's ``dot`` program.
    The file is written whole or not at all (temporary file, then rename).
    """
    path = Path(path)
    if format is None:
        suffix = path.suffix.lower().lstrip(".")
        format = suffix if suffix in FORMATS else "svg"
    if isinstance(obj, str):
        dot = obj
    elif isinstance(obj, Tensor) or (isinstance(obj, list | tuple) and obj):
        dot = to_dot(obj, **to_dot_kwargs)
    elif hasattr(obj, "named_parameters") and hasattr(obj, "forward"):
        if input is None:
            raise ValueError("draw: drawing a Module needs input= (a Tensor, or a tuple of "
                             "forward's positional arguments) to run it on")
        from .module_graph import module_to_dot

        dot = module_to_dot(obj, input, depth=depth, **to_dot_kwargs)
    else:
        raise TypeError(f"draw: expected a Tensor, DOT text or a Module, got "
                        f"{type(obj).__name__}")
    data = render(dot, format)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.name, suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)  # mkstemp makes the file private; a picture is not
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    return path
