"""Guards, the cache, eager fallback, fullgraph, explain(), checkpoints."""

from __future__ import annotations

import tracemalloc
import warnings

import numpy as np
import pytest

import minigrad as mg
import minigrad.nn as nn
import minigrad.nn.functional as F
from minigrad.compile import CompileError


def _setup(dropout=0.0):
    mg.manual_seed(0)
    model = nn.Sequential(nn.Linear(3, 8), nn.Tanh(), nn.Dropout(dropout), nn.Linear(8, 1))
    return model, mg.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)


def _step_fn(model, opt, extra=None):
    def step(x, y):
        opt.zero_grad()
        loss = F.mse_loss(model(x), y)
        if extra is not None:
            extra(loss)
        loss.backward()
        opt.step()
        return loss
    return step


def _batch(n=4, seed=0):
    rng = np.random.default_rng(seed)
    return (mg.tensor(rng.standard_normal((n, 3)).astype(np.float32)),
            mg.tensor(rng.standard_normal((n, 1)).astype(np.float32)))


def _params(model):
    return [p.numpy(force=True).copy() for p in model.parameters()]


@pytest.mark.parametrize("what, extra", [
    ("item", lambda loss: loss.item()),
    ("print", lambda loss: repr(loss)),
    ("control flow", lambda loss: bool(loss > 0)),
    ("random draw", lambda loss: mg.randn(2)),
])
def test_untraceable_functions_run_eagerly_with_one_warning(what, extra):
    model_e, opt_e = _setup()
    model_c, opt_c = _setup()
    eager = _step_fn(model_e, opt_e, extra)
    compiled = mg.compile(_step_fn(model_c, opt_c, extra))
    x, y = _batch()
    with pytest.warns(UserWarning, match="running eagerly") as record:
        for _ in range(5):
            eager(x, y)
            compiled(x, y)
    assert len(record) == 1
    for a, b in zip(_params(model_e), _params(model_c)):
        np.testing.assert_array_equal(a, b)  # the same eager computation, repeated
    assert compiled.traces == 1 and compiled.programs == []
    assert compiled.fallback_reason and "runs eagerly" in compiled.explain()


def test_fullgraph_raises_on_what_it_cannot_record():
    model, opt = _setup()
    step = mg.compile(_step_fn(model, opt, lambda loss: loss.item()), fullgraph=True)
    with pytest.raises(CompileError, match=r"Tensor.item\(\)"):
        step(*_batch())
    assert mg.autograd.grad_mode._state.tracer is None  # nothing left recording


def test_decorator_forms():
    w = mg.ones(2, requires_grad=True)

    @mg.compile
    def f(x):
        return (w * x).sum()

    @mg.compile(fullgraph=True)
    def g(x):
        with mg.no_grad():
            return (w * x).sum()

    with pytest.warns(UserWarning, match="carries a graph"):
        f(mg.ones(2))  # a result with a live graph can't be replayed: eager
    assert float(g(mg.ones(2))) == 2.0 and float(g(mg.full((2,), 3.0))) == 6.0
    assert g.programs[0].replays == 1


def test_new_shape_traces_again_and_the_cache_is_bounded():
    model, opt = _setup()
    step = mg.compile(_step_fn(model, opt), cache_size=2)
    for n in (4, 5, 4, 6, 7, 4):
        step(*_batch(n))
    # 4 traced, 5 traced, 4 replayed, 6 traced (evicts 5), 7 traced (evicts 4), 4 traced
    assert step.traces == 5
    assert len(step.cache) == 2
    shapes = [p.shapes[p.inputs[0][0]][0] for p in step.programs]
    assert shapes == [(7, 3), (4, 3)]


LEARNING_RATE = 0.1  # read by the function below as a global


def test_python_numbers_read_from_globals_and_closures_are_guards():
    global LEARNING_RATE
    w = mg.tensor([1.0, 2.0], requires_grad=True)

    def make(scale):  # scale: a number in the step's closure
        def step():
            (w * w).sum().backward()
            with mg.no_grad():
                w.sub_(LEARNING_RATE * scale * w.grad)
            w.grad = None
        return step

    step = mg.compile(make(0.5))
    step()
    step()
    np.testing.assert_allclose(w.detach().numpy(), [0.81, 1.62])  # w * (1 - 2 * 0.1 * 0.5) twice
    LEARNING_RATE = 0.0
    try:
        step()  # a new value of the global: traced again, not replayed with 0.1
        np.testing.assert_allclose(w.detach().numpy(), [0.81, 1.62])
        assert step.traces == 2
        LEARNING_RATE = 0.1
        step()  # the first program again
        np.testing.assert_allclose(w.detach().numpy(), [0.729, 1.458])
        assert step.traces == 2
    finally:
        LEARNING_RATE = 0.1


def test_a_module_setting_changed_between_calls_traces_again():
    mg.manual_seed(0)
    lin, drop = nn.Linear(3, 2), nn.Dropout(0.5)
    x = mg.ones(4, 3)

    def forward():
        with mg.no_grad():
            return drop(lin(x))

    step = mg.compile(forward)
    step()
    assert (step().numpy() == 0).any()  # dropout at 0.5 drops some of the 8 outputs
    drop.p = 0.0  # a setting the trace baked into the dropout op
    with mg.no_grad():
        want = lin(x).numpy()
    np.testing.assert_allclose(step().numpy(), want)
    assert step.traces == 2


def test_training_mode_is_a_guard():
    x, y = _batch()
    losses = []
    for compile_it in (False, True):
        model, opt = _setup(dropout=0.5)
        step = _step_fn(model, opt)
        step = mg.compile(step) if compile_it else step
        mg.manual_seed(3)
        for mode in ("train", "eval", "train", "eval"):
            getattr(model, mode)()
            losses.append([float(step(x, y).detach()) for _ in range(3)])
        compiled = step
    np.testing.assert_allclose(losses[4:], losses[:4], rtol=1e-6)
    assert compiled.traces == 2
    sources = [sum(s.kind == "source" for s in p.steps) for p in compiled.programs]
    assert sorted(sources) == [0, 1]  # dropout draws only in the training-mode program


def test_a_replaced_parameter_is_noticed():
    model, opt = _setup()
    step = mg.compile(_step_fn(model, opt))
    x, y = _batch()
    step(x, y)
    step(x, y)
    first = model[0]
    first.weight = nn.Parameter(mg.zeros(8, 3))  # a new tensor object: traced by identity
    opt = mg.optim.SGD(model.parameters(), lr=0.1)
    step = mg.compile(_step_fn(model, opt))
    step(x, y)
    step(x, y)
    assert np.abs(first.weight.numpy(force=True)).max() > 0  # the new weight is trained
    with mg.no_grad():
        first.weight.data = mg.zeros(8, 3, dtype=mg.float64)  # same object, new dtype
    step(x, y)  # the replay's guard notices, and the step traces again
    assert step.traces == 2


def test_explain_shows_ops_host_steps_and_sizes():
    model, opt = _setup(dropout=0.1)
    step = mg.compile(_step_fn(model, opt))
    assert "no recorded program" in step.explain()
    step(*_batch())
    text = step.explain()
    for word in ("Linear(", "Tanh(", "_dropout_mask", "TanhBackward", "SGD.step",
                 "SGD.zero_grad", "+= .grad", "[4, 8] float32", "KiB"):
        assert word in text, word


def test_state_dict_checkpoint_and_resume_match_eager(tmp_path):
    x, y = _batch(8)
    model_e, opt_e = _setup()
    eager = _step_fn(model_e, opt_e)
    for _ in range(20):
        eager(x, y)

    model_c, opt_c = _setup()
    step = mg.compile(_step_fn(model_c, opt_c))
    for _ in range(10):
        step(x, y)
    mg.save(model_c.state_dict(), tmp_path / "model.safetensors")
    optimizer_state = opt_c.state_dict()
    # resume in a new model and optimizer, compiled afresh
    model_r, opt_r = _setup()
    model_r.load_state_dict(mg.load(tmp_path / "model.safetensors"))
    opt_r.load_state_dict(optimizer_state)
    resumed = mg.compile(_step_fn(model_r, opt_r))
    for _ in range(10):
        resumed(x, y)
    for a, b in zip(_params(model_e), _params(model_r)):
        np.testing.assert_allclose(b, a, rtol=1e-6, atol=1e-7)
    for key, value in model_e.state_dict().items():
        np.testing.assert_allclose(model_r.state_dict()[key].numpy(), value.numpy(),
                                   rtol=1e-6, atol=1e-7)


def test_manual_update_loop_and_grad_reset():
    """The walkthrough's hand-written form: in-place updates and ``.grad = None``."""
    results = []
    for compiled in (False, True):
        w = mg.tensor([0.5, -0.3], requires_grad=True)
        fn = mg.compile(_manual_step(w)) if compiled else _manual_step(w)
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            for i in range(10):
                fn(mg.tensor([1.0, float(i % 3)]))
        results.append(w.numpy(force=True).copy())
    np.testing.assert_allclose(results[1], results[0], rtol=1e-6)


def _manual_step(w):
    held = [w]

    def step(x):
        loss = ((w * x).sum() - 1.0) ** 2
        loss.backward()
        with mg.no_grad():
            w.sub_(w.grad, alpha=0.1)
            held[0] -= 0.05 * w.grad  # the augmented operator
        w.grad = None
        return loss

    return step


def test_gradients_go_to_the_arguments_of_each_call():
    a = mg.tensor([1.0, 2.0, 3.0])

    @mg.compile
    def grad_of(x):
        ((x * a).tanh() * x).sum().backward()
        return x.grad

    for i in range(3):
        x = mg.tensor([0.1 * i, 0.2, -0.3], requires_grad=True)
        got = grad_of(x)
        expected = mg.tensor([0.1 * i, 0.2, -0.3], requires_grad=True)
        ((expected * a).tanh() * expected).sum().backward()
        np.testing.assert_allclose(got.numpy(), expected.grad.numpy(), rtol=1e-6)
        np.testing.assert_allclose(x.grad.numpy(), expected.grad.numpy(), rtol=1e-6)
    assert grad_of.traces == 1


def test_indexing_ops_replay_with_what_their_backward_reads_of_the_ctx():
    """Index backward formulas read ctx.out_shape and the number of ctx.parents."""
    results = []
    for compiled in (False, True):
        w = mg.tensor(np.arange(12.0).reshape(3, 4), requires_grad=True)

        def step(v, w=w):
            y = w * 1.0
            y[1] = v  # a recorded write (IndexPut), value from an argument
            loss = (y[[0, 2], 1:] ** 2).sum() + (y * v[0]).sum()
            loss.backward()
            return loss

        fn = mg.compile(step, fullgraph=True) if compiled else step
        for i in range(3):
            v = mg.tensor(np.full(4, float(i)), requires_grad=True)
            fn(v)
            results.append((v.grad.numpy().copy(), w.grad.numpy().copy()))
    for (a, b), (c, d) in zip(results[:3], results[3:]):
        np.testing.assert_allclose(c, a, rtol=1e-12)
        np.testing.assert_allclose(d, b, rtol=1e-12)


def test_modules_and_optimizers_as_arguments():
    @mg.compile
    def step(model, opt, x, y):
        opt.zero_grad()
        loss = F.mse_loss(model(x), y)
        loss.backward()
        opt.step()
        return loss

    x, y = _batch()
    model_e, opt_e = _setup(dropout=0.3)
    model_c, opt_c = _setup(dropout=0.3)
    eager = _step_fn(model_e, opt_e)
    for compiled in (False, True):
        mg.manual_seed(5)
        for mode in ("train", "train", "eval", "eval", "train"):
            if compiled:
                getattr(model_c, mode)()
                step(model_c, opt_c, x, y)
            else:
                getattr(model_e, mode)()
                eager(x, y)
    for a, b in zip(_params(model_e), _params(model_c)):
        np.testing.assert_allclose(b, a, rtol=1e-6)
    assert step.traces == 2  # training and eval mode of the model passed in


def test_a_replay_lets_go_of_memory_as_the_eager_run_does():
    # Ten products kept for the backward and ten gradients: the eager run frees each
    # gradient once consumed and each saved product once its backward ran; a replay that
    # kept every array to the end of the step would need about twice the memory.
    mg.manual_seed(0)
    w = mg.randn(256, 256, requires_grad=True)
    x = mg.randn(256, 256)

    def step():
        h = x
        for _ in range(10):
            h = (h @ w) * 0.05
        h.sum().backward()

    def peak_bytes(fn):
        tracemalloc.start()
        try:
            base = tracemalloc.get_traced_memory()[0]
            fn()
            return tracemalloc.get_traced_memory()[1] - base
        finally:
            tracemalloc.stop()

    eager = max(peak_bytes(step) for _ in range(2))
    compiled = mg.compile(step)
    compiled()  # the trace
    compiled()  # the first replay (which may compile a fused kernel)
    replays = [peak_bytes(compiled) for _ in range(2)]
    assert max(replays) <= 1.1 * eager, (replays, eager)


def test_two_backward_passes_over_a_retained_graph_replay_like_eager():
    def step(x, w):
        y = (x @ w).tanh()
        y.sum().backward(retain_graph=True)
        (y * y).sum().backward()

    def run(fn):
        x, w = mg.tensor(np.linspace(-1, 1, 6).reshape(2, 3)), mg.ones(3, 2, requires_grad=True)
        fn(x, w)
        return w.grad.numpy()

    want = run(step)
    compiled = mg.compile(step)
    for _ in range(3):
        np.testing.assert_allclose(run(compiled), want, rtol=1e-12)
