"""Choosing parameters by module type or by name pattern, the way every finetune helper does.

A *selector* is a module class (``nn.LayerNorm``), a glob pattern over dotted names
(``"blocks.3.*"``, ``"lm_head"``), or a list mixing both. A pattern selects a parameter
when it matches the parameter's full name, or the name of a module that holds it
(so ``"blocks.3"`` selects everything inside block 3). A class selects the parameters
of every module of that class, and of everything inside such a module.
"""

from __future__ import annotations

from collections.abc import Iterator
from fnmatch import fnmatchcase
from typing import Any

from .. import nn

Selector = Any  # str | type[nn.Module] | a list or tuple of those


def split_selector(selector: Selector, fn: str) -> tuple[list[str], tuple[type, ...]]:
    """``(patterns, module_classes)`` from a selector; TypeError for anything else."""
    items = list(selector) if isinstance(selector, (list, tuple, set, frozenset)) else [selector]
    patterns: list[str] = []
    classes: list[type] = []
    for item in items:
        if isinstance(item, str):
            patterns.append(item)
        elif isinstance(item, type) and issubclass(item, nn.Module):
            classes.append(item)
        else:
            raise TypeError(f"{fn}: expected a name pattern (str), an nn.Module class or a list "
                            f"of those, got {item!r}")
    return patterns, tuple(classes)


def name_matches(name: str, pattern: str) -> bool:
    """Does ``pattern`` match the dotted ``name`` or one of its enclosing module names?

    >>> name_matches("blocks.3.attn.c_attn.weight", "blocks.3")
    True
    >>> name_matches("blocks.3.attn.c_attn.weight", "*.c_attn.*")
    True
    >>> name_matches("blocks.13.ln_1.bias", "blocks.3*")
    False
    """
    if fnmatchcase(name, pattern):
        return True
    parts = name.split(".")
    return any(fnmatchcase(".".join(parts[:i]), pattern) for i in range(1, len(parts)))


def named_parameters_with_owners(
    model: nn.Module,
) -> Iterator[tuple[str, nn.Parameter, list[nn.Module]]]:
    """``(name, parameter, [model, ..., owning module])`` once per distinct parameter."""
    seen: set[int] = set()
    chains: dict[str, list[nn.Module]] = {"": [model]}
    for module_name, module in model.named_modules():
        if module_name:
            parent = module_name.rpartition(".")[0]
            chains[module_name] = chains[parent] + [module]
        for key, p in module._parameters.items():
            if p is None or id(p) in seen:
                continue
            seen.add(id(p))
            full = f"{module_name}.{key}" if module_name else key
            yield full, p, chains[module_name]


def select(model: nn.Module, selector: Selector, fn: str) -> list[tuple[str, nn.Parameter]]:
    """The ``(name, parameter)`` pairs that ``selector`` picks out of ``model``."""
    patterns, classes = split_selector(selector, fn)
    chosen = []
    for name, p, owners in named_parameters_with_owners(model):
        by_class = bool(classes) and any(isinstance(m, classes) for m in owners)
        if by_class or any(name_matches(name, pat) for pat in patterns):
            chosen.append((name, p))
    return chosen


def unmatched_patterns(names: list[str], selector: Selector, fn: str) -> list[str]:
    """The patterns of ``selector`` that match none of ``names``."""
    patterns, _ = split_selector(selector, fn)
    return [pat for pat in patterns if not any(name_matches(n, pat) for n in names)]
