"""Sequential, ModuleList, ModuleDict."""

from collections import OrderedDict

import numpy as np
import pytest

import minigrad as mg
import minigrad.nn as nn


def test_sequential_runs_in_order_and_indexes():
    a, b, c = nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 1)
    model = nn.Sequential(a, b, c)
    x = mg.randn(4, 2)
    with mg.no_grad():
        np.testing.assert_allclose(model(x).detach().numpy(), c(b(a(x))).detach().numpy())
    assert len(model) == 3 and list(model) == [a, b, c]
    assert model[0] is a and model[-1] is c
    head = model[:2]
    assert isinstance(head, nn.Sequential) and list(head) == [a, b]
    with pytest.raises(IndexError, match="index 3 is out of range"):
        model[3]
    model.append(nn.Sigmoid())
    assert len(model) == 4 and [n for n, _ in model.named_children()][-1] == "3"
    del model[1]
    assert [n for n, _ in model.named_children()] == ["0", "1", "2"] and model[1] is c
    model[0] = nn.Identity()
    assert isinstance(model[0], nn.Identity)


def test_sequential_from_ordered_dict_keeps_names():
    model = nn.Sequential(OrderedDict([("fc", nn.Linear(2, 2)), ("act", nn.Tanh())]))
    assert [n for n, _ in model.named_parameters()] == ["fc.weight", "fc.bias"]
    assert isinstance(model.act, nn.Tanh)
    assert model(mg.zeros(1, 2)).shape == (1, 2)
    assert repr(model[1:]) == "Sequential(\n  (act): Tanh()\n)"


def test_module_list():
    layers = nn.ModuleList([nn.Linear(2, 2) for _ in range(3)])
    assert len(layers) == 3 and len(list(layers.parameters())) == 6
    layers.append(nn.ReLU())
    layers.extend([nn.Tanh()])
    layers.insert(0, nn.Identity())
    assert [type(m).__name__ for m in layers] == ["Identity", "Linear", "Linear", "Linear",
                                                  "ReLU", "Tanh"]
    assert [n for n, _ in layers.named_children()] == [str(i) for i in range(6)]
    assert isinstance(layers[1:3], nn.ModuleList) and len(layers[1:3]) == 2
    del layers[0]
    assert isinstance(layers[0], nn.Linear) and "5" not in layers._modules
    layers += [nn.Sigmoid()]
    assert isinstance(layers[-1], nn.Sigmoid)
    with pytest.raises(TypeError, match="iterable of modules"):
        layers.extend(nn.ReLU())
    with pytest.raises(TypeError, match="not a Module"):
        layers.append(3)


def test_module_dict():
    heads = nn.ModuleDict({"cls": nn.Linear(4, 2), "reg": nn.Linear(4, 1)})
    assert list(heads) == ["cls", "reg"] and "cls" in heads and len(heads) == 2
    assert [n for n, _ in heads.named_parameters()] == ["cls.weight", "cls.bias", "reg.weight",
                                                        "reg.bias"]
    heads["act"] = nn.ReLU()
    heads.update([("tanh", nn.Tanh())])
    assert list(heads.keys()) == ["cls", "reg", "act", "tanh"]
    assert isinstance(heads.pop("act"), nn.ReLU) and "act" not in heads
    with pytest.raises(KeyError, match="no key 'act'"):
        heads["act"]
    del heads["tanh"]
    assert list(heads.values())[0] is heads["cls"]
    heads.clear()
    assert len(heads) == 0


def test_replacing_a_child_by_assignment_keeps_its_position():
    import minigrad as mg
    import minigrad.nn as nn

    seq = nn.Sequential(nn.Linear(4, 3), nn.ReLU(), nn.Linear(3, 2))
    setattr(seq, "0", nn.Linear(4, 3))
    assert [type(m).__name__ for m in seq] == ["Linear", "ReLU", "Linear"]
    assert seq(mg.ones(1, 4)).shape == (1, 2)
    lin = nn.Linear(2, 2)
    names = [n for n, _ in lin.named_parameters()]
    lin.weight = nn.Parameter(mg.zeros(2, 2))
    assert [n for n, _ in lin.named_parameters()] == names
