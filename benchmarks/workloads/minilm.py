"""minilm: the all-MiniLM-L6-v2 encoder (BERT, 6 layers, hidden 384, 12 heads) on 32 x 32 tokens.

Three cases, each on a batch of 32 sentences of 32 tokens (every other sentence padded after
24 tokens, so the attention mask is used):

- forward, no grad (inference, as `SentenceEncoder.encode` runs it);
- forward + backward with LoRA (r=8, alpha=16 on query and value; only the adapters
  receive gradients);
- forward + backward with every parameter training (full fine-tuning).

Backward starts from ``sum(hidden * G)`` with a fixed random G, and each call begins with
``zero_grad(set_to_none=True)``, as a training step does. The weights are each library's
own random initialisation of MiniLM's shape (timing does not depend on their values; the
NumPy twin, forward only, is `benchmarks/twins/bert_numpy.py`). torch is Hugging Face
``transformers.BertModel`` with its default attention (PyTorch's fused
scaled_dot_product_attention); its LoRA is the same low-rank update as a small torch module.

Outside ``--quick``, each case's note also gives the peak memory the calls add on top of
the loaded model, per impl, measured in a fresh subprocess (Linux: peak RSS reset through
/proc/self/clear_refs after the model is built, then VmHWM minus that RSS).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import numpy as np

from benchmarks import harness
from benchmarks.twins import bert_numpy

FULL = {"vocab_size": 30522, "hidden_size": 384, "num_hidden_layers": 6,
        "num_attention_heads": 12, "intermediate_size": 1536, "batch": 32, "tokens": 32}
QUICK = {"vocab_size": 1000, "hidden_size": 64, "num_hidden_layers": 2,
         "num_attention_heads": 4, "intermediate_size": 128, "batch": 4, "tokens": 8}
CASES = ("forward", "lora", "full")
LORA = {"r": 8, "alpha": 16, "target_modules": ["query", "value"]}
REPO_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def inputs(cfg: dict) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Token ids, the padding mask and the fixed output gradient G."""
    rng = np.random.default_rng(0)
    b, t = cfg["batch"], cfg["tokens"]
    ids = rng.integers(1000 % cfg["vocab_size"], cfg["vocab_size"], (b, t))
    mask = np.ones((b, t), np.int64)
    mask[::2, (3 * t) // 4:] = 0
    ids[mask == 0] = 0
    g = rng.normal(size=(b, t, cfg["hidden_size"])).astype(np.float32)
    return ids, mask, g


def bert_config(cfg: dict):
    from minigrad.models import BertConfig

    keys = ("vocab_size", "hidden_size", "num_hidden_layers", "num_attention_heads",
            "intermediate_size")
    return BertConfig(**{k: cfg[k] for k in keys}, hidden_dropout_prob=0.0,
                      attention_probs_dropout_prob=0.0)


def minigrad_model(cfg: dict, case: str):
    import minigrad as mg
    from minigrad import finetune
    from minigrad.models import BertModel

    mg.manual_seed(0)
    model = BertModel(bert_config(cfg), add_pooling_layer=False)
    if case == "lora":
        finetune.apply_lora(model, finetune.LoRAConfig(**LORA))
    elif case == "forward":
        model.eval()
    return model


def minigrad_call(cfg: dict, case: str):
    import minigrad as mg

    model = minigrad_model(cfg, case)
    ids, mask, g = inputs(cfg)
    grad = mg.from_numpy(g)
    if case == "forward":
        def forward():
            with mg.no_grad():
                return model(ids, mask)[0]
        return forward

    def step():
        model.zero_grad(set_to_none=True)
        hidden, _ = model(ids, mask)
        (hidden * grad).sum().backward()
    return step


def numpy_call(cfg: dict):
    state = bert_numpy.random_params(np.random.default_rng(0), cfg["vocab_size"],
                                     cfg["hidden_size"], cfg["num_hidden_layers"],
                                     cfg["intermediate_size"], positions=512)
    ids, mask, _ = inputs(cfg)
    return lambda: bert_numpy.forward(state, ids, mask, cfg["num_attention_heads"])


def torch_call(cfg: dict, case: str):
    torch = harness.try_import_torch()
    if torch is None:
        raise ImportError("torch is not installed")
    import transformers

    torch.manual_seed(0)
    config = transformers.BertConfig(**bert_config(cfg).to_dict())
    model = transformers.BertModel(config, add_pooling_layer=False)
    if case == "lora":
        _torch_lora(torch, model)
    model.train(case != "forward")
    ids, mask, g = (torch.from_numpy(a) for a in inputs(cfg))
    if case == "forward":
        def forward():
            with torch.no_grad():
                return model(input_ids=ids, attention_mask=mask).last_hidden_state
        return forward

    def step():
        model.zero_grad(set_to_none=True)
        hidden = model(input_ids=ids, attention_mask=mask).last_hidden_state
        (hidden * g).sum().backward()
    return step


def _torch_lora(torch, model) -> None:
    """Freeze ``model`` and add ``scale * B A x`` to every query and value projection."""
    nn = torch.nn

    class LoRA(nn.Module):
        def __init__(self, base):
            super().__init__()
            self.base = base
            self.lora_A = nn.Parameter(torch.randn(LORA["r"], base.in_features) * 0.01)
            self.lora_B = nn.Parameter(torch.zeros(base.out_features, LORA["r"]))
            self.scaling = LORA["alpha"] / LORA["r"]

        def forward(self, x):
            low = nn.functional.linear(x, self.lora_A) * self.scaling
            return self.base(x) + nn.functional.linear(low, self.lora_B)

    model.requires_grad_(False)
    for layer in model.encoder.layer:
        attention = layer.attention.self
        attention.query = LoRA(attention.query)
        attention.value = LoRA(attention.value)


def measure_memory(impl: str, case: str, quick: bool) -> dict:
    """The peak memory (MB, Linux only) that three calls of ``impl``'s ``case`` add on top
    of the loaded model. The same case on the quick sizes runs first, so that libraries,
    compiled kernels and thread pools are loaded before the baseline is read."""
    def build(cfg):
        if impl == "numpy":
            return numpy_call(cfg)
        if impl == "torch":
            harness.try_import_torch().set_num_threads(1)
            return torch_call(cfg, case)
        return minigrad_call(cfg, case)

    build(QUICK)()
    call = build(QUICK if quick else FULL)
    with open("/proc/self/clear_refs", "w") as f:
        f.write("5")  # reset the peak RSS to the current RSS
    before = _status_kb("VmRSS")
    for _ in range(3):
        call()
    return {"peak_mb": (_status_kb("VmHWM") - before) / 1024}


def _status_kb(field: str) -> int:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise RuntimeError(f"/proc/self/status has no {field}")


def memory_note(impls: list[str], case: str) -> str:
    """"peak memory: numpy 12 MB, ..." from one fresh subprocess per impl."""
    parts = []
    env = {**os.environ, "PYTHONPATH": REPO_ROOT + os.pathsep + os.environ.get("PYTHONPATH", "")}
    for impl in impls:
        code = ("import json; from benchmarks.workloads.minilm import measure_memory; "
                f"print(json.dumps(measure_memory({impl!r}, {case!r}, False)))")
        try:
            out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                                 env=env, cwd=REPO_ROOT, timeout=600, check=True).stdout
            parts.append(f"{impl} {json.loads(out.splitlines()[-1])['peak_mb']:.0f} MB")
        except (subprocess.SubprocessError, OSError, ValueError, IndexError, KeyError) as exc:
            parts.append(f"{impl} not measured ({type(exc).__name__})")
    return "peak memory per call above the loaded model: " + ", ".join(parts)


def cases(quick: bool = False) -> list[harness.Case]:
    cfg = QUICK if quick else FULL
    shape = (f"L{cfg['num_hidden_layers']} C{cfg['hidden_size']} "
             f"H{cfg['num_attention_heads']} B{cfg['batch']} T{cfg['tokens']}")
    names = {"forward": "forward (no grad)", "lora": "fwd+bwd LoRA r=8 query,value",
             "full": "fwd+bwd full"}
    result = []
    for case in CASES:
        impls: dict = {}
        notes = []
        if case == "forward":
            notes.append(harness.add_impl(impls, "numpy", lambda: numpy_call(cfg)))
        notes.append(harness.add_impl(impls, "minigrad", lambda c=case: minigrad_call(cfg, c)))
        notes.append(harness.add_impl(impls, "torch", lambda c=case: torch_call(cfg, c)))
        if not quick and sys.platform.startswith("linux"):
            notes.append(memory_note(list(impls), case))
        result.append(harness.Case(f"{shape} {names[case]}", impls,
                                   items=cfg["batch"] * cfg["tokens"],
                                   note=harness.join_notes(*notes)))
    return result
