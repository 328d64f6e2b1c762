"""A griffe extension for the API pages: minigrad's docstrings are written in the plain reST
style that `help()` and doctest read (``code``, ``::`` literal blocks, ``>>>`` examples);
this turns those three into the Markdown that mkdocstrings renders, without touching the
source. It also drops the docstring that inspection gives a plain class attribute (its
value's type's: `str`, `bool`). Loaded by mkdocs.yml (plugins > mkdocstrings > extensions)."""

from __future__ import annotations

import inspect
import re
from typing import Any

from griffe import Extension, Object

ROLE = re.compile(r":[a-z]+:`([^`]+)`")          # :class:`Tensor` -> `Tensor`
DOUBLE_TICKS = re.compile(r"``([^`]+?)``")       # ``x.grad`` -> `x.grad`


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip())


def _inline(line: str) -> str:
    return DOUBLE_TICKS.sub(r"`\1`", ROLE.sub(r"`\1`", line))


def rst_to_markdown(text: str) -> str:
    """Fence doctest examples as ```pycon, end ``::`` paragraphs with ':' and keep their
    indented block as code, and turn reST inline code and roles into Markdown code."""
    lines = text.splitlines()
    out: list[str] = []
    i = 0
    while i < len(lines):
        line = lines[i]
        if line.lstrip().startswith(">>>"):
            pad = " " * _indent(line)
            block = []
            while i < len(lines) and lines[i].strip():
                block.append(lines[i][len(pad):])
                i += 1
            if out and out[-1].strip():
                out.append("")
            out += [pad + "```pycon", *(pad + b for b in block), pad + "```"]
            continue
        if line.rstrip().endswith("::"):
            head = _inline(line.rstrip()[:-2].rstrip())
            out.append(head + ":" if head.strip() else "")
            base = _indent(line)
            i += 1
            block = []
            while i < len(lines) and (not lines[i].strip() or _indent(lines[i]) > base):
                block.append(lines[i])
                i += 1
            while block and not block[-1].strip():
                block.pop()
            while block and not block[0].strip():
                block.pop(0)
            body = [b for b in block if b.strip()]
            cut = min((_indent(b) for b in body), default=0)
            pad = " " * base
            out += ["", pad + "```text", *(pad + b[cut:] if b.strip() else "" for b in block),
                    pad + "```", ""]
            continue
        out.append(_inline(line))
        i += 1
    return "\n".join(out)


class RstToMarkdown(Extension):
    def on_instance(self, *, obj: Object, node: Any = None, **kwargs: Any) -> None:
        if obj.docstring is None:
            return
        value = getattr(node, "obj", None)
        if obj.is_attribute and value is not None and not callable(value) and \
                obj.docstring.value == inspect.getdoc(type(value)):
            # an inspected class attribute (name = "accuracy") shows str's docstring
            obj.docstring = None
            return
        obj.docstring.value = rst_to_markdown(obj.docstring.value)
