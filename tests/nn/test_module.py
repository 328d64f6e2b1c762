"""Module: registration by attribute, traversal order, hooks, modes, dtype, repr."""

import copy

import numpy as np
import pytest

import minigrad as mg
import minigrad.nn as nn
from minigrad.nn import Parameter


class Block(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(3, 4)
        self.act = nn.ReLU()
        self.fc2 = nn.Linear(4, 2, bias=False)
        self.register_buffer("steps", mg.zeros(1))

    def forward(self, x):
        return self.fc2(self.act(self.fc1(x)))


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.scale = Parameter(mg.ones(1))
        self.block = Block()
        self.head = nn.Linear(2, 1)

    def forward(self, x):
        return self.head(self.block(x)) * self.scale


# ------------------------------------------------------------------ Parameter
def test_parameter_is_a_leaf_tensor_requiring_grad_and_shares_data():
    data = mg.zeros(2, 3)
    p = Parameter(data)
    assert isinstance(p, mg.Tensor) and p.requires_grad and p.is_leaf
    assert np.shares_memory(p.detach().numpy(), data.detach().numpy())
    assert not Parameter(mg.zeros(2), requires_grad=False).requires_grad
    assert repr(Parameter(mg.tensor([1.0, 2.0]))) == (
        "Parameter containing:\ntensor([1., 2.], requires_grad=True)"
    )


def test_parameter_from_array_and_list_and_results_are_plain_tensors():
    p = Parameter(np.ones(3, np.float64))
    assert p.dtype == np.float64
    assert Parameter([1.0, 2.0]).dtype == np.float32
    out = p * 2
    assert type(out) is mg.Tensor and out.grad_fn is not None
    with pytest.raises(RuntimeError, match="floating"):
        Parameter(np.arange(3))


def test_parameter_deepcopy_copies_data():
    p = Parameter(mg.ones(2))
    q = copy.deepcopy(p)
    assert isinstance(q, Parameter) and q.requires_grad \
        and not np.shares_memory(q.detach().numpy(), p.detach().numpy())
    np.testing.assert_array_equal(q.detach().numpy(), p.detach().numpy())


# ------------------------------------------------------------------ registration
def test_named_parameters_order_follows_assignment():
    names = [name for name, _ in Net().named_parameters()]
    assert names == ["scale", "block.fc1.weight", "block.fc1.bias", "block.fc2.weight",
                     "head.weight", "head.bias"]
    assert len(list(Net().parameters())) == 6


def test_named_parameters_lists_shared_parameters_once():
    net = Net()
    net.head.weight = net.block.fc2.weight.__class__(mg.ones(1, 2))
    net.tied = nn.Linear(2, 1)
    net.tied.weight = net.head.weight
    names = [name for name, _ in net.named_parameters()]
    assert names.count("tied.weight") == 0 and "head.weight" in names
    assert len(names) == len({id(p) for p in net.parameters()})
    assert "tied.weight" in [n for n, _ in net.named_parameters(remove_duplicate=False)]


def test_shared_module_is_walked_once():
    shared = nn.Linear(2, 2)
    model = nn.Sequential(shared, nn.ReLU(), shared)
    assert [n for n, _ in model.named_modules()] == ["", "0", "1"]
    assert len(list(model.parameters())) == 2


def test_recurse_false_and_prefix():
    net = Net()
    assert [n for n, _ in net.named_parameters(recurse=False)] == ["scale"]
    assert [n for n, _ in net.named_parameters(prefix="m")][:2] == ["m.scale", "m.block.fc1.weight"]


def test_named_modules_children_buffers():
    net = Net()
    assert [n for n, _ in net.named_modules()] == [
        "", "block", "block.fc1", "block.act", "block.fc2", "head"
    ]
    assert [n for n, _ in net.named_children()] == ["block", "head"]
    assert list(net.children()) == [net.block, net.head]
    assert [n for n, _ in net.named_buffers()] == ["block.steps"]
    assert list(net.buffers())[0] is net.block.steps
    assert list(net.modules())[0] is net


def test_setattr_none_keeps_the_slot_and_wrong_types_are_refused():
    lin = nn.Linear(2, 2)
    lin.bias = None
    assert "bias" in lin._parameters and lin.bias is None
    assert [n for n, _ in lin.named_parameters()] == ["weight"]
    with pytest.raises(TypeError, match="cannot assign 'Tensor' as parameter 'bias'"):
        lin.bias = mg.zeros(2)
    net = Net()
    with pytest.raises(TypeError, match="child module 'head'"):
        net.head = 3
    with pytest.raises(TypeError, match="buffer 'steps'"):
        net.block.steps = np.zeros(1)
    net.block.steps = mg.ones(1)
    assert net.block._buffers["steps"].detach().numpy()[0] == 1


def test_reassigning_a_name_moves_it_between_registries():
    net = Net()
    net.head = Parameter(mg.zeros(1))
    assert "head" not in net._modules and "head" in net._parameters
    with pytest.raises(TypeError, match="parameter 'head'"):
        net.head = 5
    with pytest.raises(TypeError, match="cannot assign 'Linear' as parameter"):
        net.head = nn.Linear(2, 1)  # as in PyTorch: delete the parameter first
    del net.head
    net.head = nn.Linear(2, 1)
    assert "head" in net._modules and "head" not in net._parameters
    net.extra = 5
    net.extra = nn.ReLU()
    assert "extra" not in net.__dict__ and net.extra is net._modules["extra"]


def test_getattr_and_delattr():
    net = Net()
    assert isinstance(net.block, Block)
    with pytest.raises(AttributeError, match="'Net' object has no attribute 'nope'"):
        _ = net.nope
    del net.head
    assert "head" not in net._modules
    with pytest.raises(AttributeError):
        _ = net.head
    del net.scale
    assert [n for n, _ in net.named_parameters()][0] == "block.fc1.weight"
    net.plain = 1
    del net.plain
    assert not hasattr(net, "plain")


def test_assignment_before_init_is_a_clear_error():
    class Bad(nn.Module):
        def __init__(self):
            self.fc = nn.Linear(1, 1)

    with pytest.raises(AttributeError, match="before Module.__init__"):
        Bad()


def test_register_checks_names_and_types():
    m = nn.Module()
    with pytest.raises(KeyError, match="contain"):
        m.register_buffer("a.b", mg.zeros(1))
    with pytest.raises(TypeError, match="buffer 'x'"):
        m.register_buffer("x", [1.0])
    with pytest.raises(TypeError, match="parameter 'w'"):
        m.register_parameter("w", mg.zeros(1))
    m.attr = 1
    with pytest.raises(KeyError, match="already exists"):
        m.register_parameter("attr", Parameter(mg.zeros(1)))
    with pytest.raises(TypeError, match="not a Module subclass"):
        m.add_module("child", 3)
    m.add_module("child", nn.ReLU())
    assert m.get_submodule("child") is m.child
    with pytest.raises(AttributeError, match="no submodule"):
        m.get_submodule("child.nothing")


def test_forward_must_be_defined():
    with pytest.raises(NotImplementedError, match='Module \\[Module\\] is missing'):
        nn.Module()(1)


# ------------------------------------------------------------------ hooks
def test_forward_hooks_can_observe_and_replace_and_be_removed():
    lin = nn.Linear(2, 2)
    seen = []
    pre = lin.register_forward_pre_hook(lambda m, args: (args[0] * 0,))
    post = lin.register_forward_hook(lambda m, args, out: seen.append(out.shape) or out + 1)
    x = mg.ones(3, 2)
    with mg.no_grad():
        out = lin(x)
        expected = lin.bias.detach().numpy() + 1
    np.testing.assert_allclose(out.detach().numpy(), np.broadcast_to(expected, (3, 2)))
    assert seen == [(3, 2)]
    pre.remove()
    post.remove()
    post.remove()  # removing twice is harmless
    with mg.no_grad():
        w, b = lin.weight.detach().numpy(), lin.bias.detach().numpy()
        np.testing.assert_allclose(lin(x).numpy(), x.numpy() @ w.T + b)
    assert seen == [(3, 2)]


def test_pre_hook_returning_a_single_value_is_wrapped():
    lin = nn.Identity()
    handle = lin.register_forward_pre_hook(lambda m, args: args[0] + 1)
    assert lin(mg.tensor(1.0)).item() == 2.0
    with handle:
        pass
    assert lin(mg.tensor(1.0)).item() == 1.0


# ------------------------------------------------------------------ modes
def test_train_eval_reach_every_module():
    net = Net()
    assert all(m.training for m in net.modules())
    assert net.eval() is net
    assert not any(m.training for m in net.modules())
    net.train()
    assert all(m.training for m in net.modules())
    with pytest.raises(ValueError, match="bool"):
        net.train("no")


def test_zero_grad_and_requires_grad():
    net = Net()
    net(mg.ones(2, 3)).sum().backward()
    assert all(p.grad is not None for p in net.parameters())
    net.zero_grad(set_to_none=False)
    assert all(p.grad is not None and not p.grad.numpy().any() for p in net.parameters())
    net.zero_grad()
    assert all(p.grad is None for p in net.parameters())
    assert net.requires_grad_(False) is net
    assert not any(p.requires_grad for p in net.parameters())
    assert net.num_parameters() == 1 + 16 + 8 + 3 and net.num_parameters(True) == 0


def test_apply_visits_children_before_parents():
    net = Net()
    order = []
    net.apply(lambda m: order.append(type(m).__name__))
    assert order == ["Linear", "ReLU", "Linear", "Block", "Linear", "Net"]


def test_to_double_keeps_parameter_identity_and_converts_buffers():
    net = Net()
    params = list(net.parameters())
    net(mg.ones(1, 3)).sum().backward()
    assert net.double() is net
    assert [id(p) for p in net.parameters()] == [id(p) for p in params]
    assert all(p.dtype == np.float64 and p.grad.dtype == np.float64 for p in params)
    assert net.block.steps.dtype == np.float64
    bn = nn.BatchNorm1d(2).double()
    assert bn.num_batches_tracked.dtype == np.int64
    net.float()
    assert all(p.dtype == np.float32 for p in net.parameters())
    assert net.to("cpu") is net
    with pytest.raises(TypeError, match="floating"):
        net.to(mg.int64)


def test_to_refuses_a_backward_through_a_graph_built_before():
    lin = nn.Linear(3, 2)
    loss = (lin(mg.randn(4, 3, requires_grad=True)) ** 2).sum()
    lin.double()
    with pytest.raises(RuntimeError, match="modified in place"):
        loss.backward()


def test_deepcopy_makes_independent_copies():
    net = Net()
    twin = copy.deepcopy(net)
    assert all(isinstance(p, Parameter) for p in twin.parameters())
    for (n1, p1), (n2, p2) in zip(net.named_parameters(), twin.named_parameters()):
        assert n1 == n2 and p1 is not p2
        np.testing.assert_array_equal(p1.detach().numpy(), p2.detach().numpy())
    with mg.no_grad():
        twin.head.bias.fill_(7.0)
    assert net.head.bias.detach().numpy()[0] != 7.0
    assert twin.block.steps is not net.block.steps


# ------------------------------------------------------------------ repr
def test_repr_of_a_tree():
    model = nn.Sequential(nn.Linear(4, 3), nn.ReLU())
    assert repr(model) == (
        "Sequential(\n  (0): Linear(in_features=4, out_features=3, bias=True)\n  (1): ReLU()\n)"
    )
    assert repr(Net()) == (
        "Net(\n"
        "  (block): Block(\n"
        "    (fc1): Linear(in_features=3, out_features=4, bias=True)\n"
        "    (act): ReLU()\n"
        "    (fc2): Linear(in_features=4, out_features=2, bias=False)\n"
        "  )\n"
        "  (head): Linear(in_features=2, out_features=1, bias=True)\n"
        ")"
    )


def test_repr_with_multiline_extra_and_children():
    class Odd(nn.Module):
        def __init__(self):
            super().__init__()
            self.inner = nn.Identity()

        def extra_repr(self):
            return "a=1\nb=2"

    assert repr(Odd()) == "Odd(\n  a=1\n  b=2\n  (inner): Identity()\n)"


def test_train_and_eval_call_each_childs_own_train():
    calls = []

    class Merging(nn.Module):  # like a LoRA layer that merges its adapter for eval
        def __init__(self):
            super().__init__()
            self.inner = nn.Dropout(0.5)

        def train(self, mode=True):
            calls.append(mode)
            return super().train(mode)

    net = nn.Sequential(nn.Linear(2, 2), nn.Sequential(Merging(), nn.ReLU()))
    net.eval()
    assert calls == [False]
    assert not any(m.training for m in net.modules())  # super().train reached `inner`
    net.train()
    assert calls == [False, True] and all(m.training for m in net.modules())

    class Stubborn(nn.Module):  # an override that keeps its subtree in eval mode
        def __init__(self):
            super().__init__()
            self.bn = nn.BatchNorm1d(2)

        def train(self, mode=True):
            return super().train(False)

    model = nn.Sequential(nn.Linear(2, 2), Stubborn())
    model.train()
    assert model.training and model[0].training
    assert not model[1].training and not model[1].bn.training


def test_train_eval_switches_dropout_and_batch_norm_inside_a_model():
    model = nn.Sequential(
        nn.Linear(3, 8), nn.BatchNorm1d(8), nn.ReLU(), nn.Dropout(0.5), nn.Linear(8, 2)
    )
    x = mg.randn(16, 3)
    a, b = model(x), model(x)
    assert not np.allclose(a.detach().numpy(), b.detach().numpy())  # fresh dropout masks
    assert model[1].num_batches_tracked.item() == 2
    model.eval()
    running = model[1].running_mean.detach().numpy().copy()
    c, d = model(x), model(x)
    np.testing.assert_array_equal(c.detach().numpy(), d.detach().numpy())
    np.testing.assert_array_equal(model[1].running_mean.detach().numpy(), running)
    assert model[1].num_batches_tracked.item() == 2
    model.train()
    model(x)
    assert model[1].num_batches_tracked.item() == 3
