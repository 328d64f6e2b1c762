"""Saving and loading LoRA adapters alone: a few kilobytes instead of the whole model.

The file is safetensors (written by ``mg.save``, never pickle): one tensor per adapter
weight under its full dotted name, and the LoRA configuration as JSON in the metadata
under ``"lora_config"``, with ``target_modules`` spelled out as the exact wrapped names.
"""

from __future__ import annotations

import json
import os
from typing import Any

import numpy as np

from .. import nn
from ..autograd.grad_mode import no_grad
from ..io import load, save
from .lora import LoRAConfig, _replace, apply_lora, lora_layers, lora_state_dict

METADATA_KEY = "lora_config"


def save_adapter(model: nn.Module, path: str | os.PathLike[str]) -> None:
    """Write ``model``'s adapter weights (see `lora_state_dict`) and LoRA config to
    ``path``. The base weights are not saved: `load_adapter` puts the adapter back on a
    fresh copy of the base model."""
    layers = lora_layers(model)
    if not layers:
        raise ValueError(f"save_adapter: {type(model).__name__} has no LoRA layers; call "
                         "apply_lora first (or unmerge_lora after merge_lora)")
    settings = {(layer.r, layer.alpha, layer.dropout) for _, layer in layers}
    if len(settings) != 1:
        raise ValueError(f"save_adapter: the LoRA layers use different (r, alpha, dropout) "
                         f"settings {sorted(settings)}; an adapter file holds one configuration")
    r, alpha, dropout = settings.pop()
    previous = model.__dict__.get("lora_config")
    bias = previous.bias if isinstance(previous, LoRAConfig) else "none"
    config = LoRAConfig(r=r, alpha=alpha, dropout=dropout, bias=bias,
                        target_modules=[name for name, _ in layers])
    arrays = {name: t.numpy() for name, t in lora_state_dict(model).items()}
    save(arrays, path, metadata={METADATA_KEY: json.dumps(config.to_dict())})


def load_adapter(model: nn.Module, path: str | os.PathLike[str]) -> nn.Module:
    """Apply the saved LoRA config to ``model`` (a fresh base model of the same
    architecture; or one that already has these LoRA layers) and load the adapter
    weights into it. Returns ``model``. Every saved name must exist in ``model`` with
    the saved shape, else a ValueError names it."""
    state, metadata = load(path, as_numpy=True, return_metadata=True)
    config = _config_from(metadata, path)
    wrapped = {name for name, _ in lora_layers(model)}
    if wrapped and not set(config.target_modules) <= wrapped:
        missing = sorted(set(config.target_modules) - wrapped)
        raise ValueError(f"{os.fspath(path)}: load_adapter: {model.__class__.__name__} already "
                         f"has LoRA layers, but not on {missing}; load into a fresh base model")
    # wrapping changes the model, so remember how it was: a file that doesn't fit leaves
    # the model exactly as it was (unwrapped, with its requires_grad flags)
    modules = dict(model.named_modules())
    flags = [(p, p.requires_grad) for p in model.parameters()]
    try:
        if not wrapped:
            try:
                apply_lora(model, config)
            except ValueError as exc:
                raise ValueError(f"{os.fspath(path)}: load_adapter: the adapter does not fit "
                                 f"{type(model).__name__}: {exc}") from None
        values = _checked_values(model, state, path)
    except Exception:
        for name, _ in lora_layers(model):
            if name not in wrapped:
                _replace(model, name, modules[name])
        for p, flag in flags:
            p.requires_grad_(flag)
        raise
    with no_grad():
        for param, value in values:
            param.copy_(value)
    return model


def _checked_values(model: nn.Module, state: dict[str, Any], path: Any) -> list[Any]:
    """``(parameter, array in its dtype)`` for every saved entry; ValueError naming the
    file and every entry that has no parameter, the wrong shape or a non-number dtype."""
    params = dict(model.named_parameters())
    problems, values = [], []
    for name, array in state.items():
        if name not in params:
            problems.append(f"{name!r} (no such parameter)")
        elif params[name].shape != array.shape:
            problems.append(f"{name!r} (saved shape {array.shape}, model has "
                            f"{params[name].shape})")
        elif array.dtype.kind not in "biuf":
            problems.append(f"{name!r} (saved dtype {array.dtype} is not a number type)")
        else:
            values.append((params[name], np.asarray(array, dtype=params[name].dtype)))
    if problems:
        raise ValueError(f"{os.fspath(path)}: load_adapter: the adapter does not fit "
                         f"{type(model).__name__}: " + ", ".join(problems))
    return values


def _config_from(metadata: dict[str, str], path: Any) -> LoRAConfig:
    text = metadata.get(METADATA_KEY)
    if text is None:
        raise ValueError(f"{os.fspath(path)}: load_adapter: no {METADATA_KEY!r} metadata; "
                         "it was not written by save_adapter")
    try:
        fields = json.loads(text)
        return LoRAConfig(**fields)
    except (ValueError, TypeError) as exc:
        raise ValueError(f"{os.fspath(path)}: load_adapter: a malformed "
                         f"{METADATA_KEY!r}: {exc}") from None
