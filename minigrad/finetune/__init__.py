"""Fine-tuning tools: freezing, summaries, discriminative learning rates, new heads and
LoRA adapters. See docs/finetune.md.

>>> import minigrad.nn as nn
>>> from minigrad import finetune
>>> model = nn.Sequential(nn.Linear(16, 16), nn.ReLU(), nn.Linear(16, 4))
>>> _ = finetune.apply_lora(model, finetune.LoRAConfig(r=2, target_modules=["0", "2"]))
>>> finetune.trainable_line(model)
'trainable params: 104 || all params: 444 || trainable%: 23.4234'
"""

from .adapters import load_adapter, save_adapter
from .freezing import (
    count_parameters,
    freeze,
    summary,
    trainable_line,
    trainable_parameters,
    unfreeze,
)
from .groups import param_groups, replace_head
from .lora import (
    LoRAConfig,
    LoRALinear,
    apply_lora,
    lora_layers,
    lora_state_dict,
    merge_lora,
    unmerge_lora,
)

__all__ = [
    "LoRAConfig",
    "LoRALinear",
    "apply_lora",
    "count_parameters",
    "freeze",
    "load_adapter",
    "lora_layers",
    "lora_state_dict",
    "merge_lora",
    "param_groups",
    "replace_head",
    "save_adapter",
    "summary",
    "trainable_line",
    "trainable_parameters",
    "unfreeze",
    "unmerge_lora",
]
