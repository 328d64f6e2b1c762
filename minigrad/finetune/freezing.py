"""Freezing and unfreezing parameters, and counting what will train.

A frozen parameter has ``requires_grad=False``: backward computes no gradient for it
and optimizers skip it, so it stays bit-identical while the rest trains.
"""

from __future__ import annotations

from .. import nn
from ._select import Target, named_parameters_with_owners, select_parameters


def _set_requires_grad(model: nn.Module, flag: bool, only: Target | None,
                       except_: Target | None, fn: str) -> list[str]:
    if not isinstance(model, nn.Module):
        raise TypeError(f"{fn}: expected an nn.Module, got {type(model).__name__}")
    chosen = [(n, p) for n, p, _ in named_parameters_with_owners(model)]
    if only is not None:
        chosen = select_parameters(model, only, fn)
    if except_ is not None:
        spared = {id(p) for _, p in select_parameters(model, except_, fn)}
        chosen = [(n, p) for n, p in chosen if id(p) not in spared]
    for _, p in chosen:
        p.requires_grad_(flag)
    return [n for n, _ in chosen]


def freeze(model: nn.Module, except_: Target | None = None, *,
           only: Target | None = None) -> list[str]:
    r"""Stop gradients (``requires_grad=False``) for every parameter of ``model``, or for
    those ``only`` selects, except those ``except_`` selects (which are left as they are).

    Targets follow PEFT's ``target_modules`` (see docs/finetune.md): a list of names,
    each matching a module or parameter whose full dotted name equals it or ends with
    ``"." + name`` (``["lm_head", "ln_1", "bias"]``; a module's name covers all its
    parameters), which may also hold module classes (``nn.LayerNorm``); or one string,
    a regex matched against whole names (``r"blocks\.[0-2]"``). An entry that matches
    nothing is a ValueError. Returns the names of the parameters it froze.

    >>> import minigrad.nn as nn
    >>> model = nn.Sequential(nn.Linear(4, 4), nn.LayerNorm(4), nn.Linear(4, 2))
    >>> freeze(model, except_=["2", nn.LayerNorm])
    ['0.weight', '0.bias']
    >>> [n for n, p in model.named_parameters() if p.requires_grad]
    ['1.weight', '1.bias', '2.weight', '2.bias']
    """
    return _set_requires_grad(model, False, only, except_, "freeze")


def unfreeze(model: nn.Module, only: Target | None = None, *,
             except_: Target | None = None) -> list[str]:
    """Let gradients flow again (``requires_grad=True``) into every parameter, or into
    those ``only`` selects, minus those ``except_`` selects. Same targets as `freeze`;
    returns the names of the parameters it unfroze.

    >>> import minigrad.nn as nn
    >>> model = nn.Sequential(nn.Linear(4, 4), nn.ReLU(), nn.Linear(4, 2))
    >>> _ = freeze(model)
    >>> unfreeze(model, only="2")
    ['2.weight', '2.bias']
    """
    return _set_requires_grad(model, True, only, except_, "unfreeze")


def trainable_parameters(model: nn.Module) -> list[nn.Parameter]:
    """The parameters that require grad (each shared one once): what to hand an optimizer."""
    return [p for p in model.parameters() if p.requires_grad]


def count_parameters(model: nn.Module) -> tuple[int, int]:
    """``(trainable, total)`` numbers of scalars, each shared parameter counted once.

    >>> import minigrad.nn as nn
    >>> model = nn.Linear(10, 2)
    >>> _ = model.bias.requires_grad_(False)
    >>> count_parameters(model)
    (20, 22)
    """
    trainable = total = 0
    for p in model.parameters():
        total += p.numel()
        if p.requires_grad:
            trainable += p.numel()
    return trainable, total


def trainable_line(model: nn.Module) -> str:
    """PEFT's one-line summary: ``trainable params: ... || all params: ... || trainable%: ...``."""
    trainable, total = count_parameters(model)
    share = 100.0 * trainable / total if total else 0.0
    return (f"trainable params: {trainable:,} || all params: {total:,} || "
            f"trainable%: {share:.4f}")


def summary(model: nn.Module) -> str:
    """A table of every parameter (name, shape, count, trainable), then the totals.

    >>> import minigrad.nn as nn
    >>> model = nn.Sequential(nn.Linear(3, 4), nn.Linear(4, 2))
    >>> _ = freeze(model, only="0")
    >>> print(summary(model))
    name      shape   params  trainable
    0.weight  (4, 3)      12  no
    0.bias    (4,)         4  no
    1.weight  (2, 4)       8  yes
    1.bias    (2,)         2  yes
    trainable params: 10 || all params: 26 || trainable%: 38.4615
    """
    rows = [("name", "shape", "params", "trainable")]
    for name, p in model.named_parameters():
        rows.append((name, str(tuple(p.shape)), f"{p.numel():,}",
                     "yes" if p.requires_grad else "no"))
    widths = [max(len(row[i]) for row in rows) for i in range(4)]
    lines = []
    for row in rows:
        cells = [row[0].ljust(widths[0]), row[1].ljust(widths[1]),
                 row[2].rjust(widths[2]), row[3]]
        lines.append("  ".join(cells).rstrip())
    lines.append(trainable_line(model))
    return "\n".join(lines)
