"""The Optimizer base: groups, zero_grad, closure, validation, state_dict and exact resume."""

from __future__ import annotations

import numpy as np
import pytest

import minigrad as mg
from minigrad.optim import SGD, Adagrad, Adam, AdamW, Optimizer, RMSprop


def leaf(values, dtype=mg.float64):
    return mg.tensor(values, dtype=dtype, requires_grad=True)


def set_grad(p, values):
    p.grad = mg.tensor(values, dtype=p.dtype)


# ------------------------------------------------------------------- param groups
def test_param_groups_take_their_own_lr_and_fill_the_rest_from_defaults():
    a, b = leaf([1.0]), leaf([1.0])
    opt = SGD([{"params": [a]}, {"params": b, "lr": 1.0, "momentum": 0.5}], lr=0.1)
    assert [g["lr"] for g in opt.param_groups] == [0.1, 1.0]
    assert opt.param_groups[0]["momentum"] == 0 and opt.param_groups[1]["momentum"] == 0.5
    assert set(opt.param_groups[0]) == {"params", "lr", "momentum", "dampening",
                                        "weight_decay", "nesterov", "maximize", "foreach",
                                        "differentiable", "fused"}
    set_grad(a, [1.0])
    set_grad(b, [1.0])
    opt.step()
    assert a.detach().numpy().tolist() == [0.9]   # 1 - 0.1 * 1
    assert b.detach().numpy().tolist() == [0.0]   # 1 - 1.0 * 1 (first momentum step: b = g)


def test_add_param_group_adds_with_defaults_and_refuses_a_parameter_twice():
    a, b = leaf([1.0]), leaf([2.0])
    opt = Adam([a], lr=0.01)
    opt.add_param_group({"params": [b], "lr": 0.5})
    assert opt.param_groups[1]["lr"] == 0.5 and opt.param_groups[1]["betas"] == (0.9, 0.999)
    with pytest.raises(ValueError, match=r"parameter 0 \(shape \(1,\)\) of the new group is "
                                         r"already in param group 1"):
        opt.add_param_group({"params": [b]})
    with pytest.raises(ValueError, match="already in param group 0"):
        Adam([{"params": [a]}, {"params": [leaf([0.0]), a]}])


def test_named_parameters_are_accepted_and_named_in_errors():
    a, b = leaf([1.0]), leaf([2.0])
    opt = SGD([("fc.weight", a), ("fc.bias", b)], lr=0.1)
    assert opt.param_groups[0]["param_names"] == ["fc.weight", "fc.bias"]
    assert opt.param_groups[0]["params"][0] is a
    with pytest.raises(ValueError, match="parameter 'fc.bias' of the new group is already"):
        opt.add_param_group({"params": [("again", leaf([0.0])), ("fc.bias", b)]})
    with pytest.raises(ValueError, match="with names or none"):
        SGD([("w", a), b], lr=0.1)


# ------------------------------------------------------------------ refused inputs
def test_bad_params_are_refused():
    a = leaf([1.0])
    with pytest.raises(ValueError, match="optimizer got an empty parameter list"):
        SGD([], lr=0.1)
    with pytest.raises(TypeError, match="got a Tensor; wrap it in a list"):
        SGD(a, lr=0.1)
    with pytest.raises(TypeError, match="ordered collection"):
        SGD([{"params": {a}}], lr=0.1)
    with pytest.raises(TypeError, match="parameter 1 of param group 0 is a ndarray"):
        SGD([a, np.ones(1)], lr=0.1)
    with pytest.raises(ValueError, match=r"can't optimize a non-leaf Tensor \(parameter 0"):
        SGD([a * 2], lr=0.1)
    with pytest.raises(ValueError, match="parameter 1 of param group 0 is the same Tensor"):
        SGD([a, a], lr=0.1)
    with pytest.raises(TypeError, match="param_group must be a dict"):
        SGD([{"params": [a]}, leaf([1.0])], lr=0.1)
    with pytest.raises(ValueError, match="needs a 'params' entry"):
        SGD([{"lr": 0.1}], lr=0.1)


@pytest.mark.parametrize("make, message", [
    (lambda ps: SGD(ps, lr=-0.1), "invalid lr value: -0.1"),
    (lambda ps: SGD(ps, momentum=-0.5), "invalid momentum value"),
    (lambda ps: SGD(ps, weight_decay=-1), "invalid weight_decay value"),
    (lambda ps: SGD(ps, nesterov=True), "Nesterov momentum requires a momentum > 0"),
    (lambda ps: SGD(ps, momentum=0.9, dampening=0.1, nesterov=True), "zero dampening"),
    (lambda ps: Adam(ps, lr=-1e-3), "Adam: invalid lr value"),
    (lambda ps: Adam(ps, eps=-1.0), "invalid eps value"),
    (lambda ps: Adam(ps, betas=(1.0, 0.999)), r"invalid beta parameter at index 0: 1.0"),
    (lambda ps: Adam(ps, betas=(0.9, -0.1)), r"invalid beta parameter at index 1"),
    (lambda ps: Adam(ps, betas=0.9), "betas must be a pair"),
    (lambda ps: AdamW(ps, weight_decay=-0.01), "AdamW: invalid weight_decay value"),
    (lambda ps: RMSprop(ps, alpha=-0.9), "invalid alpha value"),
    (lambda ps: RMSprop(ps, momentum=-1), "invalid momentum value"),
    (lambda ps: Adagrad(ps, lr_decay=-1), "invalid lr_decay value"),
    (lambda ps: Adagrad(ps, initial_accumulator_value=-1), "invalid initial_accumulator_value"),
    (lambda ps: SGD([{"params": ps, "lr": -2.0}], lr=0.1), "param group 0: invalid lr"),
    (lambda ps: SGD(ps, lr="fast"), "lr must be a number"),
])
def test_invalid_hyperparameters_are_refused(make, message):
    with pytest.raises(ValueError, match=message):
        make([leaf([1.0])])


def test_a_gradient_of_the_wrong_shape_is_refused():
    a = leaf([1.0, 2.0])
    opt = SGD([a], lr=0.1)
    with pytest.raises(RuntimeError, match="assigned grad has data of a different size"):
        a.grad = mg.tensor([1.0, 2.0, 3.0], dtype=a.dtype)
    a.grad = mg.tensor([1.0, 1.0], dtype=a.dtype)
    a.data = mg.tensor([1.0, 2.0, 3.0], dtype=a.dtype)  # the param changed shape under it
    with pytest.raises(ValueError, match=r"param 0 of param group 0 has shape \(3,\) but its "
                                         r"grad has shape \(2,\)"):
        opt.step()


# ------------------------------------------------------------------ zero_grad, step
def test_zero_grad_sets_to_none_by_default_or_zeros_in_place():
    a = leaf([1.0, 2.0])
    opt = SGD([a], lr=0.1)
    set_grad(a, [3.0, 4.0])
    grad = a.grad
    version = grad._version
    opt.zero_grad(set_to_none=False)
    assert a.grad is grad and grad.numpy().tolist() == [0.0, 0.0]
    assert grad._version == version + 1
    opt.zero_grad()
    assert a.grad is None


def test_step_updates_in_place_bumps_version_and_skips_params_without_grad():
    a, b = leaf([[1.0, 2.0], [3.0, 4.0]]), leaf([5.0])
    opt = Adam([a, b], lr=0.1)
    data, column = a.detach().numpy(), a.detach().numpy()[:, 0]   # a view must see the update
    set_grad(a, np.ones((2, 2)))
    opt.step()
    assert np.shares_memory(a.detach().numpy(), data) and a._version == 1
    np.testing.assert_allclose(column, [0.9, 2.9])
    assert b.detach().numpy().tolist() == [5.0] and b._version == 0 and b not in opt.state


def test_adam_updates_a_non_contiguous_parameter_in_its_base_array():
    base = np.ones((3, 4))
    p = mg.Tensor(base[:, ::2], requires_grad=True)   # a strided view of `base`
    opt = Adam([p], lr=0.1)
    p.grad = mg.tensor(np.ones((3, 2)), dtype=mg.float64)
    opt.step()
    np.testing.assert_allclose(base[:, ::2], 0.9)
    np.testing.assert_array_equal(base[:, 1::2], 1.0)


def test_step_runs_the_closure_with_grad_enabled_and_returns_its_loss():
    w = leaf([2.0])
    opt = SGD([w], lr=0.25)
    calls = []

    def closure():
        calls.append(mg.is_grad_enabled())
        opt.zero_grad()
        loss = (w * w).sum()
        loss.backward()
        return loss

    with mg.no_grad():
        loss = opt.step(closure)
    assert calls == [True]
    assert loss.item() == 4.0                    # evaluated before the update
    assert w.detach().numpy().tolist() == [1.0]              # 2 - 0.25 * (2 * 2)


def test_repr_lists_each_group():
    text = repr(SGD([leaf([1.0])], lr=0.1))
    assert text.startswith("SGD (") and "Parameter Group 0" in text and "lr: 0.1" in text


# -------------------------------------------------------------------- state_dict
def test_state_dict_layout_follows_pytorch():
    a, b, c = leaf([1.0]), leaf([2.0, 3.0]), leaf([4.0])
    opt = Adam([{"params": [a, b]}, {"params": [c], "lr": 0.5}], lr=0.1)
    set_grad(a, [1.0])
    set_grad(c, [1.0])
    opt.step()
    sd = opt.state_dict()
    assert list(sd) == ["state", "param_groups"]
    assert list(sd["state"]) == [0, 2]           # b (index 1) has no grad, hence no state
    assert set(sd["state"][0]) == {"step", "exp_avg", "exp_avg_sq"}
    assert sd["state"][0]["step"] == 1
    assert [g["params"] for g in sd["param_groups"]] == [[0, 1], [2]]
    assert sd["param_groups"][1]["lr"] == 0.5 and sd["param_groups"][0]["betas"] == (0.9, 0.999)
    # a snapshot: a later step changes neither the arrays nor the counts
    before = sd["state"][0]["exp_avg"].copy()
    opt.step()
    assert sd["state"][0]["step"] == 1
    np.testing.assert_array_equal(sd["state"][0]["exp_avg"], before)


def grads_for(step, shapes):
    """Deterministic, changing gradients for the resume tests."""
    return [np.sin(np.arange(int(np.prod(s))).reshape(s) * 0.7 + step).astype(np.float32)
            for s in shapes]


OPTIMIZERS = {
    "SGD-nesterov": lambda ps: SGD(ps, lr=0.1, momentum=0.9, nesterov=True, weight_decay=0.01),
    "SGD-dampening": lambda ps: SGD(ps, lr=0.1, momentum=0.9, dampening=0.3),
    "Adam-amsgrad": lambda ps: Adam(ps, lr=0.01, amsgrad=True, weight_decay=0.1),
    "AdamW": lambda ps: AdamW(ps, lr=0.01),
    "RMSprop-centered": lambda ps: RMSprop(ps, lr=0.01, momentum=0.5, centered=True),
    "Adagrad": lambda ps: Adagrad(ps, lr=0.1, lr_decay=0.01, initial_accumulator_value=0.1),
}


@pytest.mark.parametrize("name", list(OPTIMIZERS))
def test_resuming_from_a_state_dict_is_bit_identical(name):
    make = OPTIMIZERS[name]
    shapes = [(3, 4), (4,)]
    params = [mg.tensor(np.cos(np.arange(12.0)).reshape(3, 4), dtype=mg.float32,
                        requires_grad=True),
              mg.tensor([0.5, -0.5, 1.5, 2.0], requires_grad=True)]
    groups = [{"params": [params[0]]}, {"params": [params[1]], "lr": 0.05}]
    opt = make(groups)

    def step(opt, params, t):
        for p, g in zip(params, grads_for(t, shapes)):
            p.grad = mg.tensor(g)
        opt.step()

    for t in range(3):
        step(opt, params, t)
    sd = opt.state_dict()
    copies = [mg.tensor(p.detach().numpy().copy(), requires_grad=True) for p in params]
    resumed = make([{"params": [copies[0]]}, {"params": [copies[1]], "lr": 0.05}])
    resumed.load_state_dict(sd)
    for t in range(3, 5):
        step(opt, params, t)
        step(resumed, copies, t)
    for p, q in zip(params, copies):
        assert p.dtype == q.dtype == np.float32
        assert p.detach().numpy().tobytes() == q.detach().numpy().tobytes()
    for p, q in zip(params, copies):
        for key, value in opt.state[p].items():
            assert np.asarray(resumed.state[q][key]).tobytes() == np.asarray(value).tobytes()


def test_load_state_dict_restores_hyperparameters_and_copies_arrays():
    a = leaf([1.0])
    opt = SGD([a], lr=0.1, momentum=0.9)
    set_grad(a, [1.0])
    opt.step()
    sd = opt.state_dict()
    sd["param_groups"][0]["lr"] = 0.5
    b = leaf([1.0])
    other = SGD([b], lr=0.1, momentum=0.9)
    other.load_state_dict(sd)
    assert other.param_groups[0]["lr"] == 0.5 and other.param_groups[0]["params"][0] is b
    sd["state"][0]["momentum_buffer"][0] = 99.0   # the loaded state is a copy
    assert other.state[b]["momentum_buffer"].tolist() == [1.0]


def test_load_state_dict_accepts_tensors_and_casts_to_the_parameter_dtype():
    a = mg.tensor([1.0, 2.0], requires_grad=True)   # float32
    opt = Adam([a])
    state = {"step": mg.tensor(3), "exp_avg": mg.tensor([0.1, 0.2], dtype=mg.float64),
             "exp_avg_sq": np.array([0.01, 0.04])}
    opt.load_state_dict({"state": {0: state}, "param_groups": opt.state_dict()["param_groups"]})
    assert opt.state[a]["step"] == 3 and isinstance(opt.state[a]["step"], int)
    assert opt.state[a]["exp_avg"].dtype == np.float32
    assert opt.state[a]["exp_avg_sq"].dtype == np.float32


def test_load_state_dict_refuses_mismatches_before_changing_anything():
    a, b = leaf([1.0]), leaf([1.0, 2.0])
    opt = SGD([a, b], lr=0.1, momentum=0.9)
    set_grad(a, [1.0])
    set_grad(b, [1.0, 1.0])
    opt.step()
    good = opt.state_dict()
    two_groups = SGD([{"params": [a]}, {"params": [b]}], lr=0.1)
    with pytest.raises(ValueError, match="loaded state dict has 1 parameter groups, but the "
                                         "optimizer has 2"):
        two_groups.load_state_dict(good)
    with pytest.raises(ValueError, match="loaded param group 0 has 2 parameters, but the "
                                         "optimizer's group 0 has 1"):
        SGD([a], lr=0.1).load_state_dict(good)
    swapped = SGD([b, a], lr=0.1, momentum=0.9)
    before = swapped.state_dict()
    with pytest.raises(ValueError, match=r"state\[0\]\['momentum_buffer'\] has shape \(1,\), "
                                         r"but the parameter has shape \(2,\)"):
        swapped.load_state_dict(good)
    assert swapped.state_dict() == before
    with pytest.raises(ValueError, match="numbered by ints, got the key '0'"):
        opt.load_state_dict({"state": {"0": {}}, "param_groups": good["param_groups"]})
    with pytest.raises(ValueError, match="state for parameter 7"):
        opt.load_state_dict({"state": {7: {}}, "param_groups": good["param_groups"]})
    with pytest.raises(ValueError, match="'state' and 'param_groups'"):
        opt.load_state_dict({"state": {}})
    bad_lr = {"state": {}, "param_groups": [dict(good["param_groups"][0], lr=-1.0)]}
    with pytest.raises(ValueError, match="param group 0: invalid lr"):
        opt.load_state_dict(bad_lr)


def test_optimizer_is_a_base_class_with_a_step_to_write():
    class Frozen(Optimizer):
        pass

    p = leaf([1.0])
    opt = Frozen([p], {"lr": 0.1})
    set_grad(p, [1.0])
    with pytest.raises(NotImplementedError):
        opt.step()
