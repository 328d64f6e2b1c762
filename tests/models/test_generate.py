"""GPT.generate and the sampler: lengths, cropping, greedy decoding, top-k, modes, RNG."""

import numpy as np
import pytest

import minigrad as mg
from minigrad.models import GPT, GPTConfig
from minigrad.models.generation import sample_next
from minigrad.random import Generator


@pytest.fixture
def model():
    mg.manual_seed(0)
    return GPT(GPTConfig(vocab_size=7, block_size=4, n_layer=1, n_head=2, n_embd=8))


def greedy_by_hand(model, prompt, steps):
    ids = list(prompt)
    for _ in range(steps):
        with mg.no_grad():
            logits, _ = model(mg.tensor([ids[-4:]]))
        ids.append(int(np.argmax(logits.detach().numpy()[0, -1])))
    return ids


def test_length_prefix_and_dtype(model):
    prompt = mg.tensor([[1, 2], [3, 4]])
    out = model.generate(prompt, max_new_tokens=5)
    assert out.shape == (2, 7) and out.dtype == np.int64
    assert np.array_equal(out.numpy()[:, :2], prompt.numpy())
    assert out.numpy().min() >= 0 and out.numpy().max() < 7


def test_prompt_longer_than_block_size_is_cropped(model):
    prompt = [[1, 2, 3, 4, 5, 6, 0, 1, 2]]  # 9 tokens, block_size 4
    out = model.generate(prompt, max_new_tokens=3, temperature=0)
    assert out.shape == (1, 12)
    assert out.numpy()[0].tolist() == greedy_by_hand(model, prompt[0], 3)


def test_greedy_is_deterministic_and_equals_top_k_1(model):
    prompt = mg.tensor([[5, 1, 2]])
    a = model.generate(prompt, 6, temperature=0).numpy()
    b = model.generate(prompt, 6, temperature=0).numpy()
    c = model.generate(prompt, 6, top_k=1).numpy()
    assert np.array_equal(a, b) and np.array_equal(a, c)
    assert a[0].tolist() == greedy_by_hand(model, [5, 1, 2], 6)


def test_one_dimensional_prompt_gives_one_dimensional_output(model):
    out = model.generate(mg.tensor([1, 2, 3]), 2, temperature=0)
    assert out.shape == (5,)


def test_generator_makes_sampling_reproducible(model):
    prompt = mg.tensor([[1]])
    a = model.generate(prompt, 10, generator=Generator(3)).numpy()
    b = model.generate(prompt, 10, generator=Generator(3)).numpy()
    assert np.array_equal(a, b)


@pytest.mark.parametrize("training", [True, False])
def test_generate_restores_the_training_flag(model, training):
    model.train(training)
    model.generate(mg.tensor([[1]]), 2)
    assert model.training is training
    assert all(m.training is training for m in model.modules())
    assert mg.is_grad_enabled()


def test_bad_arguments(model):
    with pytest.raises(ValueError, match="max_new_tokens"):
        model.generate(mg.tensor([[1]]), -1)
    with pytest.raises(ValueError, match="temperature"):
        model.generate(mg.tensor([[1]]), 1, temperature=-1.0)
    with pytest.raises(ValueError, match="top_k"):
        model.generate(mg.tensor([[1]]), 1, top_k=0)
    with pytest.raises(TypeError, match="integer token ids"):
        model.generate(mg.zeros(1, 2), 1)


def test_top_k_samples_only_the_k_largest():
    logits = np.array([[0.0, 5.0, 1.0, 4.0, -2.0]] * 2000)
    picks = sample_next(logits, top_k=2, generator=Generator(0))
    assert set(picks.tolist()) == {1, 3}


def test_sampling_follows_the_tempered_softmax():
    logits = np.log(np.array([[0.1, 0.2, 0.7]]))
    picks = sample_next(np.repeat(logits, 20000, 0), temperature=1.0, generator=Generator(1))
    freq = np.bincount(picks, minlength=3) / len(picks)
    assert np.allclose(freq, [0.1, 0.2, 0.7], atol=0.01)
    # temperature 0.5 squares the probabilities (then renormalises)
    picks = sample_next(np.repeat(logits, 20000, 0), temperature=0.5, generator=Generator(2))
    freq = np.bincount(picks, minlength=3) / len(picks)
    sharp = np.array([0.01, 0.04, 0.49]) / 0.54
    assert np.allclose(freq, sharp, atol=0.01)


@pytest.mark.parametrize("temperature", [float("nan"), float("inf"), -1.0])
def test_non_finite_or_negative_temperature_is_refused(model, temperature):
    with pytest.raises(ValueError, match="temperature"):
        model.generate([[1, 2]], max_new_tokens=1, temperature=temperature)


@pytest.mark.parametrize("bad", [float("nan"), float("inf")])
@pytest.mark.parametrize("temperature,top_k", [(1.0, None), (0.7, 3), (0, None), (1.0, 1)])
def test_sampling_from_non_finite_logits_raises(bad, temperature, top_k):
    logits = np.array([[0.0, 1.0, 2.0, 3.0]])
    logits[0, 1] = bad
    with pytest.raises(RuntimeError, match="NaN or \\+inf"):
        sample_next(logits, temperature, top_k)


def test_sampling_from_an_all_masked_row_raises():
    with pytest.raises(RuntimeError, match="all -inf"):
        sample_next(np.full((1, 3), -np.inf))


def test_nan_logits_from_the_model_raise(model):
    with mg.no_grad():
        model.lm_head.weight.fill_(float("nan"))
    with pytest.raises(RuntimeError, match="NaN"):
        model.generate([[1, 2]], max_new_tokens=1)


def test_empty_prompt_says_so(model):
    with pytest.raises(ValueError, match="prompt is empty"):
        model.generate(mg.tensor([[]], dtype=mg.int64), max_new_tokens=1)
