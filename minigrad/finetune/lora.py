"""LoRA: low-rank adapters on frozen Linear layers (Hu et al., 2021).

A wrapped layer computes ``W x + b + (alpha / r) * B A x`` with ``A`` (r, in) and
``B`` (out, r). ``B`` starts at zero, so the wrapped model starts out computing exactly
what the base model computed; only ``A`` and ``B`` train. docs/finetune.md has the math.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from .. import nn
from .._tensor import Tensor
from ..autograd.grad_mode import no_grad
from ..nn import functional as F
from ..nn import init
from ._select import parse_target, select_modules

BIAS_MODES = ("none", "all", "lora_only")


@dataclass
class LoRAConfig:
    r"""How to adapt a model: rank ``r``, scale ``alpha`` (the update is multiplied by
    ``alpha / r``), ``dropout`` on the adapter's input, ``target_modules`` and which
    biases train: ``"none"``, ``"all"`` or ``"lora_only"`` (those of wrapped layers).

    ``target_modules`` has PEFT's meaning: a list of names, each matching a module whose
    full dotted name equals it or ends with ``"." + name`` (``["c_attn"]`` finds every
    block's ``attn.c_attn``), or one string, a regex that must match the whole name
    (``r"blocks\.[01]\.attn\.c_attn"``).

    >>> LoRAConfig(r=4, target_modules=["c_attn"]).scaling
    4.0
    """

    r: int = 8
    alpha: float = 16
    dropout: float = 0.0
    target_modules: str | Sequence[str] = field(default_factory=lambda: ("c_attn", "c_proj"))
    bias: str = "none"

    def __post_init__(self) -> None:
        if not isinstance(self.r, (int, np.integer)) or isinstance(self.r, bool) or self.r <= 0:
            raise ValueError(f"LoRAConfig: r must be a positive int, got {self.r!r}")
        if isinstance(self.alpha, bool) or not isinstance(self.alpha, (int, float)) \
                or self.alpha <= 0:
            raise ValueError(f"LoRAConfig: alpha must be a positive number, got {self.alpha!r}")
        if not 0.0 <= self.dropout < 1.0:
            raise ValueError(f"LoRAConfig: dropout must be in [0, 1), got {self.dropout!r}")
        targets = self.target_modules
        if not isinstance(targets, str):
            try:
                targets = tuple(targets)
            except TypeError:
                raise TypeError(f"LoRAConfig: target_modules must be a list of module names or "
                                f"a regex string, got {targets!r}") from None
        parse_target(targets, "LoRAConfig: target_modules", allow_classes=False)  # checks it
        self.target_modules = targets
        if self.bias not in BIAS_MODES:
            raise ValueError(f"LoRAConfig: bias must be one of {BIAS_MODES}, got {self.bias!r}")

    @property
    def scaling(self) -> float:
        return self.alpha / self.r

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict (``LoRAConfig(**d)`` rebuilds it)."""
        out = asdict(self)
        if not isinstance(self.target_modules, str):
            out["target_modules"] = list(self.target_modules)
        return out


class LoRALinear(nn.Module):
    """A frozen ``nn.Linear`` plus a trainable low-rank update::

        y = x W^T + b + (alpha / r) * dropout(x) A^T B^T

    ``weight`` and ``bias`` are the base layer's own Parameters (so their names and
    state-dict keys do not change); ``lora_A`` (r, in) starts Kaiming-uniform like a
    Linear weight, ``lora_B`` (out, r) at zero.

    >>> import minigrad as mg
    >>> import minigrad.nn as nn
    >>> base = nn.Linear(6, 3)
    >>> layer = LoRALinear(base, r=2, alpha=4)
    >>> x = mg.randn(5, 6)
    >>> layer(x).equal(base(x))   # B = 0: identical at the start
    True
    >>> [n for n, p in layer.named_parameters() if p.requires_grad]
    ['lora_A', 'lora_B']
    """

    def __init__(self, base: nn.Linear, r: int = 8, alpha: float = 16,
                 dropout: float = 0.0) -> None:
        super().__init__()
        if not isinstance(base, nn.Linear):
            raise TypeError(f"LoRALinear: base must be an nn.Linear, got {type(base).__name__}")
        LoRAConfig(r=r, alpha=alpha, dropout=dropout)  # validates the numbers
        object.__setattr__(self, "base_layer", base)  # kept for merging, not a child module
        self.in_features, self.out_features = base.in_features, base.out_features
        self.r, self.alpha, self.dropout, self.scaling = int(r), alpha, dropout, alpha / r
        self.weight = base.weight.requires_grad_(False)
        if base.bias is not None:
            self.bias = base.bias.requires_grad_(False)
        else:
            self.register_parameter("bias", None)
        dtype = base.weight.dtype
        self.lora_A = nn.Parameter(np.empty((r, self.in_features), dtype))
        self.lora_B = nn.Parameter(np.zeros((self.out_features, r), dtype))
        init.kaiming_uniform_(self.lora_A, a=math.sqrt(5))
        self.lora_dropout = nn.Dropout(dropout) if dropout > 0 else nn.Identity()

    def forward(self, x: Tensor) -> Tensor:
        out = self.base_layer(x)  # the frozen layer itself: same code path, same numbers
        # scale the narrow (..., r) intermediate, not the wide output
        low_rank = F.linear(self.lora_dropout(x), self.lora_A) * self.scaling
        return out + F.linear(low_rank, self.lora_B)

    def delta_weight(self) -> Tensor:
        """The update this adapter adds to ``weight``: ``(alpha / r) * B @ A`` (no grad)."""
        with no_grad():
            return (self.lora_B @ self.lora_A) * self.scaling

    def extra_repr(self) -> str:
        return (f"in_features={self.in_features}, out_features={self.out_features}, "
                f"r={self.r}, alpha={self.alpha}, dropout={self.dropout}")


def _replace(model: nn.Module, name: str, module: nn.Module) -> None:
    """Put ``module`` at dotted ``name``, keeping its place among its siblings (a
    Sequential runs its children in registration order)."""
    parent_name, _, child = name.rpartition(".")
    model.get_submodule(parent_name).add_module(child, module)


def lora_layers(model: nn.Module) -> list[tuple[str, LoRALinear]]:
    """``(name, layer)`` for every LoRALinear in ``model``."""
    return [(n, m) for n, m in model.named_modules() if isinstance(m, LoRALinear)]


def apply_lora(model: nn.Module, config: LoRAConfig) -> nn.Module:
    """Wrap every ``nn.Linear`` whose name matches ``config.target_modules`` in a
    `LoRALinear`, in place, then freeze all parameters but the adapters (and the biases
    ``config.bias`` asks for). Returns ``model``.

    ``target_modules`` is matched against the full dotted names of ``model``'s modules
    (not ``model`` itself: wrap a lone Linear with ``LoRALinear(layer)``) as in PEFT; see
    `LoRAConfig`. An entry that matches nothing, or a match that is not an
    ``nn.Linear``, is a ValueError naming it and the Linear layers there are.

    >>> import minigrad.nn as nn
    >>> model = nn.Sequential(nn.Linear(8, 8), nn.ReLU(), nn.Linear(8, 2))
    >>> _ = apply_lora(model, LoRAConfig(r=2, target_modules=["0"]))
    >>> [n for n, p in model.named_parameters() if p.requires_grad]
    ['0.lora_A', '0.lora_B']
    """
    if not isinstance(config, LoRAConfig):
        raise TypeError(f"apply_lora: config must be a LoRAConfig, got {type(config).__name__}")
    linears = [n for n, m in model.named_modules() if n and isinstance(m, nn.Linear)]
    chosen = select_modules(model, config.target_modules, "apply_lora",
                            known=f"the Linear layers of {type(model).__name__} are {linears}")
    wrapped = [name for name, m in chosen if isinstance(m, LoRALinear)]
    if wrapped:
        raise ValueError(f"apply_lora: {wrapped} are already wrapped in LoRA (apply_lora was "
                         "called twice on this model?); merge_lora or reload the model first")
    wrong = [f"{name} ({type(m).__name__})" for name, m in chosen if not isinstance(m, nn.Linear)]
    if wrong:
        raise ValueError(f"apply_lora: target_modules {config.target_modules!r} matched "
                         f"{wrong}, but LoRA wraps nn.Linear layers only; the Linear layers "
                         f"of {type(model).__name__} are {linears}")
    for name, base in chosen:
        _replace(model, name, LoRALinear(base, config.r, config.alpha, config.dropout))
    for p in model.parameters():
        p.requires_grad_(False)
    for _, layer in lora_layers(model):
        layer.lora_A.requires_grad_(True)
        layer.lora_B.requires_grad_(True)
        if config.bias == "lora_only" and layer.bias is not None:
            layer.bias.requires_grad_(True)
    if config.bias == "all":
        for name, p in model.named_parameters():
            if name.rpartition(".")[2] == "bias":
                p.requires_grad_(True)
    model.lora_config = config  # what save_adapter records
    return model


def merge_lora(model: nn.Module) -> nn.Module:
    """Fold each adapter into its base weight (``W += (alpha / r) B A``) and put the plain
    ``nn.Linear`` back in place of the wrapper: the model runs at base speed and has the
    base's parameter names. The adapter is kept on the Linear so `unmerge_lora` can undo
    it. Returns ``model``. A weight shared with another module (a head tied to the
    embedding) is refused: merging would change both."""
    layers = lora_layers(model)
    owners: dict[int, list[str]] = {}
    for name, p in model.named_parameters(remove_duplicate=False):
        owners.setdefault(id(p), []).append(name)
    for name, layer in layers:
        shared = [n for n in owners[id(layer.weight)] if n != f"{name}.weight"]
        if shared:
            raise ValueError(f"merge_lora: {name}.weight is shared with {shared}; merging the "
                             "update into it would change those too. Keep the adapter unmerged")
    for name, layer in layers:
        base = layer.base_layer
        with no_grad():
            base.weight.add_(layer.delta_weight())
        object.__setattr__(base, "merged_lora", layer)
        _replace(model, name, base)
    return model


def unmerge_lora(model: nn.Module) -> nn.Module:
    """Undo `merge_lora`: subtract each folded update from its weight and restore the
    LoRALinear wrapper (with its trained A and B). Returns ``model``."""
    for name, module in list(model.named_modules()):
        layer = module.__dict__.get("merged_lora") if isinstance(module, nn.Linear) else None
        if layer is None:
            continue
        with no_grad():
            module.weight.sub_(layer.delta_weight())
        del module.__dict__["merged_lora"]
        _replace(model, name, layer)
    return model


def lora_state_dict(model: nn.Module) -> dict[str, Tensor]:
    """Just the adapter: every ``lora_A`` / ``lora_B`` by full dotted name, plus the
    biases that train when the model's LoRA config has ``bias`` other than "none"."""
    config = model.__dict__.get("lora_config")
    bias_mode = config.bias if config is not None else "none"
    state = {}
    for name, p in model.named_parameters():
        last = name.rpartition(".")[2]
        if last in ("lora_A", "lora_B") or (bias_mode != "none" and last == "bias"
                                             and p.requires_grad):
            state[name] = p.detach()
    return state
