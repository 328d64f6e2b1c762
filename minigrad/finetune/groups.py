"""Discriminative learning rates (parameter groups by name) and replacing a model's head."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .. import nn
from ._select import ParameterMatcher, named_parameters_with_owners


def param_groups(model: nn.Module, lrs: Mapping[str, Any], default_lr: float | None = None,
                 weight_decay: float | None = None) -> list[dict[str, Any]]:
    """Parameter groups for an optimizer, one per pattern of ``lrs`` plus a default group.

    ``lrs`` maps a target, as in `freeze` (a regex string matched against whole names, or
    a tuple of names, each matching a name equal to it or ending with ``"." + name``; a
    module's name covers its parameters), to a learning rate, or to a dict of
    hyperparameters for that group (``{"lr": 1e-4, "weight_decay": 0.0}``). Each
    trainable parameter goes to the FIRST target that matches it; the rest form the last
    group, with ``default_lr`` (or the optimizer's ``lr`` when None). ``weight_decay``, if
    given, is set on every group that does not set its own. Frozen parameters are left
    out, and so are empty groups. Each group records its ``"pattern"`` and
    ``"param_names"``.

    >>> import minigrad.nn as nn, minigrad.optim as optim
    >>> model = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 2))
    >>> groups = param_groups(model, {"2": 1e-3}, default_lr=1e-5)
    >>> [(g["pattern"], g["lr"], g["param_names"]) for g in groups]
    [('2', 0.001, ['2.weight', '2.bias']), ('default', 1e-05, ['0.weight', '0.bias'])]
    >>> opt = optim.AdamW(groups)
    """
    fn = "param_groups"
    if not isinstance(lrs, Mapping):
        raise TypeError(f"{fn}: lrs must be a dict of name pattern -> lr (or -> dict of "
                        f"hyperparameters), got {type(lrs).__name__}")
    settings = {pattern: _group_settings(pattern, value, fn) for pattern, value in lrs.items()}
    matchers = {pattern: ParameterMatcher(pattern, fn) for pattern in settings}
    members: dict[Any, list[tuple[str, nn.Parameter]]] = {pat: [] for pat in settings}
    members["default"] = []
    for name, p, owners in named_parameters_with_owners(model):
        # every target is tested (so each one's "matched nothing" check is right) ...
        hits = [pat for pat, matches in matchers.items() if matches(name, owners)]
        if p.requires_grad:  # ... and the parameter joins the first
            members[hits[0] if hits else "default"].append((name, p))
    for matcher in matchers.values():
        matcher.check_all_used(model)
    settings["default"] = {} if default_lr is None else {"lr": default_lr}
    groups = []
    for pattern, pairs in members.items():
        if not pairs:
            continue
        group = {"params": [p for _, p in pairs], "param_names": [n for n, _ in pairs],
                 "pattern": pattern, **settings[pattern]}
        if weight_decay is not None:
            group.setdefault("weight_decay", weight_decay)
        groups.append(group)
    return groups


def _group_settings(pattern: Any, value: Any, fn: str) -> dict[str, Any]:
    if isinstance(value, Mapping):
        if "params" in value:
            raise ValueError(f"{fn}: the settings for {pattern!r} must not contain 'params'")
        return dict(value)
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
        raise ValueError(f"{fn}: the learning rate for {pattern!r} must be a number >= 0, "
                         f"got {value!r}")
    return {"lr": float(value)}


def replace_head(model: nn.Module, attr: str, num_outputs: int,
                 bias: bool | None = None) -> nn.Linear:
    """Swap the Linear layer at ``attr`` (a dotted path: "lm_head", "fc", "classifier",
    "layers.4") for a freshly initialised ``Linear(in_features, num_outputs)`` of the
    same dtype, and return the new layer. ``bias`` defaults to the old layer's choice.
    The new head is trainable whatever was frozen before.

    >>> import minigrad as mg
    >>> from minigrad.models import MLP
    >>> model = MLP([4, 16, 10])
    >>> head = replace_head(model, "layers.2", num_outputs=3)
    >>> model(mg.randn(5, 4)).shape, head.in_features
    ((5, 3), 16)
    """
    fn = "replace_head"
    if not isinstance(attr, str) or not attr:
        raise TypeError(f"{fn}: attr must be a module name such as 'lm_head', got {attr!r}")
    parent_name, _, child_name = attr.rpartition(".")
    try:
        parent = model.get_submodule(parent_name)
    except AttributeError as exc:
        raise ValueError(f"{fn}: {type(model).__name__} has no module {attr!r} ({exc})") from None
    old = parent._modules.get(child_name)
    if not isinstance(old, nn.Linear):
        found = "nothing" if old is None else type(old).__name__
        linears = [n for n, m in model.named_modules() if isinstance(m, nn.Linear)]
        raise ValueError(f"{fn}: expected an nn.Linear at {attr!r}, found {found}; the Linear "
                         f"layers are {linears}")
    if bias is None:
        bias = old.bias is not None
    new = nn.Linear(old.in_features, num_outputs, bias=bias, dtype=old.weight.dtype)
    parent.add_module(child_name, new)  # same place among its siblings
    return new
