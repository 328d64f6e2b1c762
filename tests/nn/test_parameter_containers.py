"""nn.ParameterList and nn.ParameterDict: parameters kept in a list or dict are registered,
trained, saved and loaded like attributes."""

import pytest

import minigrad as mg
import minigrad.nn as nn


class Stack(nn.Module):
    def __init__(self):
        super().__init__()
        self.weights = nn.ParameterList([nn.Parameter(mg.randn(2, 2)) for _ in range(2)])
        self.extra = nn.ParameterDict({"bias": nn.Parameter(mg.zeros(2))})

    def forward(self, x):
        for w in self.weights:
            x = x @ w
        return x + self.extra["bias"]


def test_registered_trained_saved_and_loaded(tmp_path):
    mg.manual_seed(0)
    model = Stack()
    assert [n for n, _ in model.named_parameters()] == ["weights.0", "weights.1", "extra.bias"]
    model(mg.ones(3, 2)).sum().backward()
    assert all(p.grad is not None for p in model.parameters())
    assert model.extra["bias"].grad.tolist() == [3.0, 3.0]
    before = model.weights[0].detach().clone()
    mg.optim.SGD(model.parameters(), lr=0.1).step()
    assert not mg.equal(model.weights[0], before)
    path = tmp_path / "stack.safetensors"
    mg.save(model.state_dict(), path)
    fresh = Stack()
    fresh.load_state_dict(mg.load(path))
    assert mg.equal(fresh.weights[1], model.weights[1])
    assert mg.equal(fresh.extra["bias"], model.extra["bias"])


def test_parameter_list_behaves_as_a_list():
    plist = nn.ParameterList()
    plist.append(mg.ones(2))  # a plain tensor becomes a Parameter
    plist += [nn.Parameter(mg.zeros(1))]
    assert len(plist) == 2 and isinstance(plist[0], nn.Parameter)
    assert plist[-1].shape == (1,) and len(plist[:1]) == 1
    plist[0] = mg.full((3,), 2.0)
    assert plist[0].tolist() == [2.0, 2.0, 2.0] and plist[0].requires_grad
    assert [p.shape for p in plist] == [(3,), (1,)]
    with pytest.raises(IndexError, match="ParameterList: index 5 is out of range"):
        plist[5]
    with pytest.raises(TypeError, match="expected a Parameter or a Tensor, got int"):
        plist.append(3)
    with pytest.raises(TypeError, match="should be called with an iterable"):
        plist.extend(mg.ones(2))


def test_parameter_dict_behaves_as_a_dict():
    pdict = nn.ParameterDict([("a", mg.ones(1))])
    pdict.update({"b": nn.Parameter(mg.zeros(2))})
    assert list(pdict) == ["a", "b"] and "a" in pdict and len(pdict) == 2
    assert isinstance(pdict["a"], nn.Parameter) and pdict.get("c") is None
    assert pdict.pop("a").tolist() == [1.0] and list(pdict.keys()) == ["b"]
    with pytest.raises(KeyError, match="ParameterDict has no key 'zz'"):
        pdict["zz"]
    del pdict["b"]
    assert len(pdict) == 0 and list(pdict.parameters()) == []
