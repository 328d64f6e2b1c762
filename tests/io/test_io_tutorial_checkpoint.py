"""The classic tutorial checkpoint, written as PyTorch's tutorial writes it, resumes exactly."""

import io

import numpy as np
import pytest

import minigrad as torch
from minigrad import nn, optim


def make_model(seed):
    torch.manual_seed(seed)
    return nn.Sequential(nn.Linear(3, 8), nn.Tanh(), nn.Linear(8, 1))


def batches():
    gen = np.random.default_rng(0)
    x = gen.standard_normal((6, 16, 3)).astype(np.float32)
    y = np.sin(x.sum(axis=2, keepdims=True)).astype(np.float32)
    return [(torch.tensor(a), torch.tensor(b)) for a, b in zip(x, y)]


def train(model, opt, data):
    loss = None
    for x, y in data:
        opt.zero_grad()
        loss = nn.functional.mse_loss(model(x), y)
        loss.backward()
        opt.step()
    return loss


OPTIMIZERS = {
    "sgd-momentum": lambda params: optim.SGD(params, lr=0.05, momentum=0.9),
    "adam": lambda params: optim.Adam(params, lr=0.01),
}


@pytest.mark.parametrize("name", list(OPTIMIZERS))
@pytest.mark.parametrize("to_file_object", [False, True])
def test_resume_from_the_tutorial_checkpoint_is_bit_identical(tmp_path, name, to_file_object):
    data = batches()
    make_opt = OPTIMIZERS[name]

    straight = make_model(0)
    straight_opt = make_opt(straight.parameters())
    train(straight, straight_opt, data)

    model = make_model(0)
    opt = make_opt(model.parameters())
    loss = train(model, opt, data[:3])
    PATH = io.BytesIO() if to_file_object else tmp_path / "model.pt"  # noqa: N806
    torch.save({
        "epoch": 5,
        "model_state_dict": model.state_dict(),
        "optimizer_state_dict": opt.state_dict(),
        "loss": loss,
    }, PATH)

    model = make_model(1)                     # different weights until loaded
    opt = make_opt(model.parameters())
    if to_file_object:
        PATH.seek(0)
    checkpoint = torch.load(PATH, weights_only=True)
    model.load_state_dict(checkpoint["model_state_dict"])
    opt.load_state_dict(checkpoint["optimizer_state_dict"])
    epoch, saved_loss = checkpoint["epoch"], checkpoint["loss"]
    model.train()

    assert epoch == 5
    assert saved_loss.shape == () and saved_loss.requires_grad
    assert saved_loss.item() == loss.item()
    train(model, opt, data[3:])
    for (key, got), want in zip(model.state_dict().items(), straight.state_dict().values()):
        assert got.numpy().tobytes() == want.numpy().tobytes(), key
