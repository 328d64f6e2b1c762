"""Pretrain a small GPT on addition, then fine-tune it on subtraction three ways (and a fourth).

1. data:      two-digit arithmetic written as text, "23+45=68." and "78-32=46."
              (minigrad.data.ArithmeticTask: every problem with operands 10-99, split
              80/10/10 into train / validation / test by a fixed seed)
2. pretrain:  a GPT (4 layers, 4 heads, 128 wide: 0.8M parameters) on addition with
              AdamW, warmup + cosine learning rate, gradient clipping; the loss covers
              only the answer tokens. Saved with mg.save.
3. evaluate:  exact match on the held-out test problems: the model writes the answer
              greedily (temperature 0) after the prompt "23+45="
4. fine-tune: on subtraction, each way starting from the same saved checkpoint:
              a) full:   every parameter trains
              b) frozen: the body is frozen (finetune.freeze); the last block, the
                         final LayerNorm and the output head train
              c) LoRA:   rank-8 adapters on every attention and MLP projection
                         (finetune.apply_lora); only the adapters train, and only they
                         are saved (finetune.save_adapter)
              d) full + replay: as a), with a quarter of the problems drawn from
                         addition, the usual remedy for forgetting
5. report:    trainable parameters, wall time, subtraction accuracy (the new task) and
              addition accuracy kept (catastrophic forgetting), as a table and a plot

Run:  python examples/finetune_gpt.py [--quick] [--out DIR]  (4 min; --quick 1 min)
"""

from __future__ import annotations

import argparse
import os
import time
from collections.abc import Iterator

import numpy as np

import minigrad as mg
from minigrad import finetune, nn, optim
from minigrad.data import ArithmeticTask
from minigrad.models import GPT, GPTConfig
from minigrad.train import can_plot

FULL = {"n_layer": 4, "n_head": 4, "n_embd": 128, "batch_size": 64,
        "pretrain_steps": 1000, "pretrain_lr": 1e-3, "finetune_steps": 1000}
QUICK = {"n_layer": 2, "n_head": 4, "n_embd": 64, "batch_size": 64,
         "pretrain_steps": 600, "pretrain_lr": 3e-3, "finetune_steps": 300}
METHODS = {  # name -> learning rate for fine-tuning
    "full": 1e-3,
    "frozen": 3e-3,
    "lora": 5e-3,
    "full + replay": 1e-3,
}


def random_batches(problems: list, task: ArithmeticTask, block_size: int, batch_size: int,
                   generator: mg.Generator) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """Endless (inputs, targets) batches of ``problems`` drawn at random."""
    rng = mg.random.rng(generator)
    while True:
        picks = rng.integers(0, len(problems), batch_size)
        yield task.encode_batch([problems[i] for i in picks], block_size=block_size)


def train(model: GPT, problems: list, task: ArithmeticTask, steps: int, lr: float,
          batch_size: int, generator: mg.Generator, label: str, say) -> list[float]:
    """AdamW on the trainable parameters, warmup then cosine decay, gradients clipped to
    norm 1. Returns the loss of every step."""
    optimizer = model.configure_optimizer(weight_decay=0.1, lr=lr, betas=(0.9, 0.98))
    scheduler = optim.lr_scheduler.WarmupCosineLR(optimizer, warmup_steps=max(1, steps // 10),
                                                  total_steps=steps, min_lr=lr / 10)
    params = finetune.trainable_parameters(model)
    batches = random_batches(problems, task, model.config.block_size, batch_size, generator)
    losses = []
    model.train()
    for step in range(1, steps + 1):
        x, y = next(batches)
        _, loss = model(x, y)
        optimizer.zero_grad()
        loss.backward()
        nn.utils.clip_grad_norm_(params, 1.0)
        optimizer.step()
        scheduler.step()
        losses.append(loss.item())
        if step % max(1, steps // 5) == 0:
            say(f"  {label} step {step:4d}/{steps}  loss {np.mean(losses[-50:]):.4f}")
    return losses


def exact_match(model: GPT, task: ArithmeticTask, problems: list) -> float:
    """The share of ``problems`` whose answer the model writes exactly (greedy decoding)."""
    prompts = task.encode_prompts(problems)  # all prompts "dd+dd=" have one length
    ids = model.generate(prompts, max_new_tokens=task.max_answer_tokens, temperature=0)
    answers = task.decode_answers(ids.numpy()[:, prompts.shape[1]:])
    return task.exact_match(answers, problems)


def prepare(method: str, model: GPT) -> None:
    """Set up ``model`` (the pretrained GPT) for one way of fine-tuning."""
    if method == "frozen":
        last = f"blocks.{model.config.n_layer - 1}"
        finetune.freeze(model, except_=[last, "ln_f", "lm_head"])
    elif method == "lora":
        config = finetune.LoRAConfig(r=8, alpha=16, target_modules=["c_attn", "c_proj", "c_fc"])
        finetune.apply_lora(model, config)


def main(quick: bool = False, out_dir: str = os.path.join("runs", "finetune_gpt"), seed: int = 0,
         verbose: bool = True) -> dict:
    """Pretrain, evaluate, fine-tune four ways; returns every number of the final table
    (``plot`` is None when matplotlib is not installed)."""
    mg.utils.tune_malloc()  # process-wide allocator setting: faster steps (docs/performance.md)
    say = print if verbose else (lambda *args, **kwargs: None)
    settings = QUICK if quick else FULL
    say(f"writing to {out_dir}")
    os.makedirs(out_dir, exist_ok=True)
    start = time.perf_counter()
    mg.manual_seed(seed)

    # 1. data: both tasks share one tokenizer (digits, + - * =, ".", <pad>)
    addition = ArithmeticTask("+", digits=(2, 2), seed=seed)
    subtraction = ArithmeticTask("-", digits=(2, 2), seed=seed)
    say(f"addition: {len(addition.train)} train / {len(addition.test)} test problems, "
        f"e.g. {''.join(addition.train[0])}{addition.eos}")
    say(f"subtraction: {len(subtraction.train)} train / {len(subtraction.test)} test problems, "
        f"e.g. {''.join(subtraction.train[0])}{subtraction.eos}")

    # 2. pretrain on addition
    config = GPTConfig(vocab_size=addition.tokenizer.vocab_size, block_size=addition.block_size,
                       n_layer=settings["n_layer"], n_head=settings["n_head"],
                       n_embd=settings["n_embd"])
    model = GPT(config)
    say(f"\nGPT: {model.num_parameters():,} parameters; pretraining on addition for "
        f"{settings['pretrain_steps']} steps of {settings['batch_size']} problems")
    tic = time.perf_counter()
    pretrain_losses = train(model, addition.train, addition, settings["pretrain_steps"],
                            settings["pretrain_lr"], settings["batch_size"],
                            mg.Generator(seed + 1), "pretrain", say)
    pretrain_seconds = time.perf_counter() - tic
    checkpoint = os.path.join(out_dir, "gpt_addition.safetensors")
    mg.save(model.state_dict(), checkpoint)

    # 3. evaluate on held-out problems
    pretrained = {"seconds": pretrain_seconds, "parameters": model.num_parameters(),
                  "addition": exact_match(model, addition, addition.test),
                  "subtraction": exact_match(model, subtraction, subtraction.test)}
    say(f"pretrained in {pretrain_seconds:.0f} s: exact match on held-out addition "
        f"{pretrained['addition']:.1%}, on subtraction (never seen) "
        f"{pretrained['subtraction']:.1%}; saved {checkpoint}")

    # 4. fine-tune on subtraction, each way starting from the same checkpoint
    results: dict = {}
    curves = {}
    for method, lr in METHODS.items():
        model = GPT(config)
        model.load_state_dict(mg.load(checkpoint))
        prepare(method, model)
        trainable, total = finetune.count_parameters(model)
        say(f"\n{method}: {trainable:,} of {total:,} parameters train, lr {lr:g}")
        tic = time.perf_counter()
        problems = subtraction.train
        if method == "full + replay":  # a quarter of every batch rehearses addition
            problems = problems + addition.train[: len(problems) // 3]
        curves[method] = train(model, problems, subtraction, settings["finetune_steps"], lr,
                               settings["batch_size"], mg.Generator(seed + 2), method, say)
        seconds = time.perf_counter() - tic
        saved = os.path.join(out_dir, f"gpt_subtraction_{method.replace(' + ', '_')}.safetensors")
        if method == "lora":
            finetune.save_adapter(model, saved)  # the adapters only
        elif method == "frozen":  # what changed: the trained tensors only
            trained = {name: p for name, p in model.named_parameters() if p.requires_grad}
            mg.save(trained, saved)
        else:
            mg.save(model.state_dict(), saved)
        results[method] = {
            "trainable": trainable, "total": total, "seconds": seconds, "lr": lr,
            "subtraction": exact_match(model, subtraction, subtraction.test),
            "addition": exact_match(model, addition, addition.test),
            "checkpoint_bytes": os.path.getsize(saved),
        }

    # 5. report
    say_table(say, pretrained, results)
    plot_path = os.path.join(out_dir, "gpt_loss_curves.png")
    if can_plot(plot_path, note=say):
        plot_losses(pretrain_losses, curves, plot_path)
        say(f"\nloss curves: {plot_path}")
    else:
        plot_path = None
    total_seconds = time.perf_counter() - start
    say(f"total time {total_seconds:.0f} s")
    return {"pretrained": pretrained, "finetuned": results, "plot": plot_path,
            "checkpoint": checkpoint, "seconds": total_seconds,
            "pretrain_losses": pretrain_losses, "finetune_losses": curves}


def say_table(say, pretrained: dict, results: dict) -> None:
    say("\n| model | trainable params | train time | subtraction (new) | addition (old) "
        "| checkpoint |")
    say("| --- | ---: | ---: | ---: | ---: | ---: |")
    say(f"| pretrained on addition | {pretrained['parameters']:,} | "
        f"{pretrained['seconds']:.0f} s | {pretrained['subtraction']:.1%} | "
        f"{pretrained['addition']:.1%} | |")
    for method, r in results.items():
        share = r["trainable"] / r["total"]
        say(f"| {method} fine-tuning | {r['trainable']:,} ({share:.1%}) | {r['seconds']:.0f} s "
            f"| {r['subtraction']:.1%} | {r['addition']:.1%} | "
            f"{r['checkpoint_bytes'] / 1024:.0f} KiB |")


def plot_losses(pretrain: list[float], finetuned: dict[str, list[float]], path: str) -> None:
    """Training loss per step: pretraining on the left, the three fine-tunings on the right."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    def smooth(values: list[float], width: int = 20) -> np.ndarray:
        kernel = np.ones(min(width, len(values))) / min(width, len(values))
        return np.convolve(values, kernel, mode="valid")

    fig = Figure(figsize=(11, 4.2))
    FigureCanvasAgg(fig)
    left, right = fig.subplots(1, 2)
    left.plot(np.arange(1, len(pretrain) + 1), pretrain, color="0.75", linewidth=0.8,
              label="per step")
    left.plot(np.arange(len(smooth(pretrain))) + 20, smooth(pretrain), "C0",
              label="20-step mean")
    left.set_title("Pretraining on addition")
    for method, losses in finetuned.items():
        right.plot(np.arange(len(smooth(losses))) + 20, smooth(losses), label=method)
    right.set_title("Fine-tuning on subtraction (20-step means)")
    for ax in (left, right):
        ax.set_yscale("log")
        ax.set_xlabel("optimizer step")
        ax.set_ylabel("cross-entropy on answer tokens")
        ax.grid(True, which="both", alpha=0.3)
        ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=120)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description="Pretrain a small GPT on addition, "
                                     "fine-tune it on subtraction.")
    parser.add_argument("--quick", action="store_true",
                        help="a 2-layer, 64-wide GPT and fewer steps (about a minute)")
    parser.add_argument("--out", default=os.path.join("runs", "finetune_gpt"),
                        help="output folder (default: runs/finetune_gpt)")
    args = parser.parse_args()
    main(quick=args.quick, out_dir=args.out)
