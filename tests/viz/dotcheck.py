"""A tiny reader of the DOT subset minigrad.viz writes, to check pictures structurally.

``parse(text)`` checks the frame (``digraph NAME {`` ... ``}``), that every statement
is a node ``ID [k=v, ...];``, an edge ``A -> B [k=v, ...];`` or a graph attribute, that
every edge joins declared nodes and every ID is declared once, and returns
(nodes: id -> attributes, edges: list of (a, b)). ``render_ok(text)`` runs
``dot -Tsvg`` on it when the program is there.
"""

from __future__ import annotations

import re
import shutil
import subprocess

ID = r"[A-Za-z_][A-Za-z_0-9]*"
STRING = r'"(?:[^"\\]|\\.)*"'
VALUE = rf"(?:{STRING}|[A-Za-z_0-9.#]+)"
ATTRS = rf"\[\s*(?:{ID}\s*=\s*{VALUE}\s*(?:,\s*{ID}\s*=\s*{VALUE}\s*)*)?\]"
NODE = re.compile(rf"^({ID})\s*({ATTRS})?;$")
EDGE = re.compile(rf"^({ID})\s*->\s*({ID})\s*({ATTRS})?;$")
DEFAULTS = re.compile(rf"^(node|edge|graph)\s*{ATTRS};$")
SETTING = re.compile(rf"^{ID}\s*=\s*{VALUE};$")
PAIR = re.compile(rf"({ID})\s*=\s*({VALUE})")


def _attributes(text: str | None) -> dict[str, str]:
    if not text:
        return {}
    found = {}
    for key, value in PAIR.findall(text):
        if value.startswith('"'):
            value = re.sub(r"\\(.)", lambda m: "\n" if m.group(1) == "n" else m.group(1),
                           value[1:-1])
        found[key] = value
    return found


def parse(text: str) -> tuple[dict[str, dict[str, str]], list[tuple[str, str]]]:
    lines = [line.strip() for line in text.strip().splitlines()]
    assert re.fullmatch(rf"digraph {ID} \{{", lines[0]), lines[0]
    assert lines[-1] == "}", lines[-1]
    nodes: dict[str, dict[str, str]] = {}
    edges: list[tuple[str, str]] = []
    for line in lines[1:-1]:
        if DEFAULTS.match(line) or SETTING.match(line):
            continue
        edge = EDGE.match(line)
        if edge:
            edges.append((edge.group(1), edge.group(2)))
            continue
        node = NODE.match(line)
        assert node, f"not a DOT statement: {line!r}"
        assert node.group(1) not in nodes, f"node {node.group(1)} declared twice"
        nodes[node.group(1)] = _attributes(node.group(2))
    for a, b in edges:
        assert a in nodes and b in nodes, f"edge {a} -> {b} joins an undeclared node"
    return nodes, edges


def render_ok(text: str) -> bool | None:
    """True if ``dot -Tsvg`` accepts ``text``; None when the program is missing."""
    if shutil.which("dot") is None:
        return None
    result = subprocess.run(["dot", "-Tsvg"], input=text.encode(), capture_output=True,
                            timeout=60)
    assert result.returncode == 0, result.stderr.decode()
    return True


def first_line(attrs: dict[str, str]) -> str:
    return attrs.get("label", "").split("\n")[0]
