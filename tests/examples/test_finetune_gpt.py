"""examples/finetune_gpt.py: pretrain on addition, fine-tune on subtraction three ways (quick)."""

from __future__ import annotations

import os

import numpy as np
import pytest

import minigrad as mg
from minigrad import finetune
from minigrad.data import ArithmeticTask
from minigrad.models import GPT

# The lessons, with margins: quick runs read 92-95% addition after pretraining, 54-64%
# (full) and 39-42% (LoRA) subtraction, 55-59% addition kept by replay, on an AMD EPYC
# with 1 and 2 BLAS threads (docs/finetune-gpt.md)
QUICK_ADDITION_ACCURACY = 0.8

# quick runs of an example: .ci/run runs them (--dist loadgroup keeps the module on one
# worker); the run is a session fixture, so it happens once per worker even when the
# worker interleaves other modules' tests
pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("finetune_gpt")]


@pytest.fixture(scope="session")
def run(load_example, tmp_path_factory):
    example = load_example("finetune_gpt.py")
    out = tmp_path_factory.mktemp("finetune_gpt")
    return example, example["main"](quick=True, out_dir=str(out), verbose=False)


def test_pretraining_reaches_the_stated_accuracy(run):
    _, results = run
    pretrained = results["pretrained"]
    assert pretrained["addition"] >= QUICK_ADDITION_ACCURACY
    assert pretrained["subtraction"] < 0.05  # it never saw a minus sign
    losses = results["pretrain_losses"]
    assert np.mean(losses[-20:]) < 0.5 * np.mean(losses[:20])


def test_every_finetuning_with_trainable_counts_in_order(run):
    _, results = run
    rows = results["finetuned"]
    assert list(rows) == ["full", "frozen", "lora", "full + replay"]
    assert rows["lora"]["trainable"] < rows["frozen"]["trainable"] < rows["full"]["trainable"]
    assert rows["full"]["trainable"] == rows["full"]["total"] == \
        results["pretrained"]["parameters"] == rows["full + replay"]["trainable"]
    for method, row in rows.items():
        assert 0.0 <= row["subtraction"] <= 1.0 and 0.0 <= row["addition"] <= 1.0
        # wall time is reported in the table, never judged in a test (speed: benchmarks/)
        assert {"trainable", "total", "subtraction", "addition", "seconds"} <= set(row)
        losses = results["finetune_losses"][method]
        assert np.mean(losses[-10:]) < 0.5 * np.mean(losses[:10]), method
    # the adapter file holds the LoRA weights only: far smaller than a whole model
    assert rows["lora"]["checkpoint_bytes"] < 0.3 * rows["full"]["checkpoint_bytes"]
    assert os.path.getsize(results["plot"]) > 10_000


def test_finetuning_learns_the_new_task_and_replay_limits_forgetting(run):
    _, results = run
    rows = results["finetuned"]
    for method in ("full", "lora"):
        assert rows[method]["subtraction"] > 0.3, method
    # fine-tuning on subtraction alone overwrites addition; rehearsing addition keeps some
    assert rows["full"]["addition"] < 0.1
    assert rows["full + replay"]["addition"] > rows["full"]["addition"] + 0.2


def test_saved_adapter_reproduces_the_lora_model(run):
    example, results = run
    out_dir = os.path.dirname(results["checkpoint"])
    subtraction = ArithmeticTask("-", digits=(2, 2), seed=0)
    base = mg.load(results["checkpoint"])
    model = GPT(example["GPTConfig"](**_config(example, base)))
    model.load_state_dict(base)
    finetune.load_adapter(model, os.path.join(out_dir, "gpt_subtraction_lora.safetensors"))
    accuracy = example["exact_match"](model, subtraction, subtraction.test)
    assert accuracy == results["finetuned"]["lora"]["subtraction"]


def test_exact_match_scores_a_perfect_and_a_wrong_model(load_example):
    example = load_example("finetune_gpt.py")
    task = ArithmeticTask("+", digits=(2, 2), seed=0)
    problems = task.test[:5]

    class Oracle:  # writes the right answer (then eos) whatever it is asked
        def generate(self, prompts, max_new_tokens, temperature):
            rows = [task.tokenizer.encode(p + a + task.eos + "." * 3)[: len(p) + max_new_tokens]
                    for p, a in problems]
            return mg.tensor(np.array(rows))

    class Zeros:
        def generate(self, prompts, max_new_tokens, temperature):
            zeros = np.full((len(prompts), max_new_tokens), task.tokenizer.stoi["0"])
            return mg.tensor(np.concatenate([prompts, zeros], axis=1))

    assert example["exact_match"](Oracle(), task, problems) == 1.0
    assert example["exact_match"](Zeros(), task, problems) == 0.0


def _config(example, state: dict) -> dict:
    """The quick GPTConfig, read back from the shapes in a state dict."""
    settings = example["QUICK"]
    vocab, width = state["wte.weight"].shape
    return {"vocab_size": vocab, "block_size": state["wpe.weight"].shape[0],
            "n_layer": settings["n_layer"], "n_head": settings["n_head"], "n_embd": width}
