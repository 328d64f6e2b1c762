"""Choosing modules and parameters by name, the one matcher every finetune helper uses.

A *target* follows PEFT's ``target_modules``:

- a list (or tuple) of names: an entry matches a name that equals it or ends with
  ``"." + entry`` (``"c_attn"`` matches ``"blocks.0.attn.c_attn"``, ``"blocks.1"``
  matches ``"blocks.1"`` but not ``"blocks.10"``);
- a single string: a regular expression that must match the whole name
  (``r"blocks\\.[01]\\.attn\\.c_attn"``);
- where parameters are chosen (``freeze``, ``unfreeze``, ``param_groups``) a list may
  also hold module classes (``nn.LayerNorm``), which match every module of that class.

``apply_lora`` tests module names. ``freeze`` and friends choose a parameter when its
own full name ("blocks.0.ln_1.bias") or the name of a module holding it ("blocks.0")
matches. An entry that matches nothing is an error naming it and some existing names.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from typing import Any

from .. import nn

Target = Any  # str (a regex) | a list or tuple of names and nn.Module classes


class _Entry:
    """One entry of a target; ``label`` is how errors name it."""

    label: str

    def matches(self, name: str, module: nn.Module | None) -> bool:
        raise NotImplementedError


class _Regex(_Entry):
    def __init__(self, pattern: str, fn: str) -> None:
        try:
            self.regex = re.compile(pattern)
        except re.error as exc:
            raise ValueError(f"{fn}: {pattern!r} is not a valid regular expression ({exc}); "
                             "a single string is a regex matched against whole names, a list "
                             "holds plain names") from None
        self.label = f"regex {pattern!r}"

    def matches(self, name: str, module: nn.Module | None) -> bool:
        return self.regex.fullmatch(name) is not None


class _Name(_Entry):
    def __init__(self, name: str) -> None:
        self.name, self.suffix, self.label = name, "." + name, repr(name)

    def matches(self, name: str, module: nn.Module | None) -> bool:
        return name == self.name or name.endswith(self.suffix)


class _Class(_Entry):
    def __init__(self, cls: type) -> None:
        self.cls, self.label = cls, cls.__name__

    def matches(self, name: str, module: nn.Module | None) -> bool:
        return isinstance(module, self.cls)


def parse_target(target: Target, fn: str, allow_classes: bool = True) -> list[_Entry]:
    """The entries of ``target``; TypeError/ValueError naming ``fn`` for anything else."""
    if isinstance(target, str):
        if not target:
            raise ValueError(f"{fn}: an empty string matches no name")
        return [_Regex(target, fn)]
    if isinstance(target, type):
        target = [target]
    if not isinstance(target, (list, tuple)):
        raise TypeError(f"{fn}: expected a regex (str) or a list of module names, got "
                        f"{type(target).__name__}")
    if not target:
        raise ValueError(f"{fn}: got an empty list of module names")
    entries: list[_Entry] = []
    for item in target:
        if isinstance(item, str) and item:
            entries.append(_Name(item))
        elif allow_classes and isinstance(item, type) and issubclass(item, nn.Module):
            entries.append(_Class(item))
        else:
            kinds = "names (str) or nn.Module classes" if allow_classes else "names (str)"
            raise TypeError(f"{fn}: a list of targets holds {kinds}, got {item!r}")
    return entries


def _check_all_used(entries: list[_Entry], used: set[int], fn: str, what: str,
                    known: str) -> None:
    unmatched = [e.label for i, e in enumerate(entries) if i not in used]
    if unmatched:
        raise ValueError(f"{fn}: {', '.join(unmatched)} matched no {what}; {known}")


def describe_names(model: nn.Module) -> str:
    """The model's top-level module names and the last parts of the deeper ones (what a
    list entry can end with), for error messages."""
    names = [n for n, _ in model.named_modules() if n]
    if not names:
        return f"{type(model).__name__} has no submodules; its parameters are " \
            f"{[n for n, _ in model.named_parameters()]}"
    top = [n for n in names if "." not in n]
    inner = sorted({n.rpartition(".")[2] for n in names if "." in n} - set(top))
    text = f"{type(model).__name__}'s modules are {top}"
    if inner:
        text += f", holding modules named ...{', ...'.join(inner[:20])}"
        text += ", ..." if len(inner) > 20 else ""
    return text


def select_modules(model: nn.Module, target: Target, fn: str, allow_classes: bool = False,
                   known: str | None = None) -> list[tuple[str, nn.Module]]:
    """``(name, module)`` for every submodule (not ``model`` itself) that ``target``
    matches, in ``named_modules`` order. ``known`` replaces `describe_names` in the error
    for an entry that matches nothing."""
    entries = parse_target(target, fn, allow_classes)
    named = [(n, m) for n, m in model.named_modules() if n]
    used: set[int] = set()
    chosen = []
    for name, module in named:
        hits = [i for i, e in enumerate(entries) if e.matches(name, module)]
        if hits:
            used.update(hits)
            chosen.append((name, module))
    _check_all_used(entries, used, fn, "module", known or describe_names(model))
    return chosen


def named_parameters_with_owners(
    model: nn.Module,
) -> Iterator[tuple[str, nn.Parameter, list[tuple[str, nn.Module]]]]:
    """``(name, parameter, [(module name, module), ...])`` once per distinct parameter,
    the list holding every module above it, innermost last (``model`` itself, named "",
    first)."""
    seen: set[int] = set()
    chains: dict[str, list[tuple[str, nn.Module]]] = {"": [("", model)]}
    for module_name, module in model.named_modules():
        if module_name:
            parent = module_name.rpartition(".")[0]
            chains[module_name] = chains[parent] + [(module_name, module)]
        for key, p in module.named_parameters(recurse=False):
            if id(p) in seen:
                continue
            seen.add(id(p))
            full = f"{module_name}.{key}" if module_name else key
            yield full, p, chains[module_name]


class ParameterMatcher:
    """Tests parameters against one target and remembers which entries matched."""

    def __init__(self, target: Target, fn: str) -> None:
        self.entries = parse_target(target, fn)
        self.fn = fn
        self.used: set[int] = set()

    def __call__(self, name: str, owners: Iterable[tuple[str, nn.Module]]) -> bool:
        candidates = [(name, None), *((n, m) for n, m in owners if n)]
        if any(isinstance(e, _Class) for e in self.entries):
            candidates += [(n, m) for n, m in owners if not n]  # the model's own class
        hits = {i for i, e in enumerate(self.entries)
                if any(e.matches(n, m) for n, m in candidates)}
        self.used |= hits
        return bool(hits)

    def check_all_used(self, model: nn.Module) -> None:
        """ValueError naming every entry that matched no parameter."""
        _check_all_used(self.entries, self.used, self.fn, "module or parameter",
                        describe_names(model))


def select_parameters(model: nn.Module, target: Target,
                      fn: str) -> list[tuple[str, nn.Parameter]]:
    """The ``(name, parameter)`` pairs ``target`` chooses (each shared parameter once)."""
    matcher = ParameterMatcher(target, fn)
    chosen = [(n, p) for n, p, owners in named_parameters_with_owners(model)
              if matcher(n, owners)]
    matcher.check_all_used(model)
    return chosen
