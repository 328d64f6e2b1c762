"""Grad mode is per thread, as in PyTorch: threads train side by side without
switching recording off for each other."""

import threading

import numpy as np

import minigrad as mg
import minigrad.nn as nn
import minigrad.optim as optim


def run_in_thread(fn):
    result = {}

    def target():
        try:
            result["value"] = fn()
        except BaseException as exc:  # re-raised in the caller
            result["error"] = exc

    thread = threading.Thread(target=target)
    thread.start()
    thread.join()
    if "error" in result:
        raise result["error"]
    return result["value"]


def test_a_new_thread_starts_with_grad_enabled():
    with mg.no_grad():
        assert not mg.is_grad_enabled()
        assert run_in_thread(mg.is_grad_enabled)
        w = mg.ones(2, requires_grad=True)
        assert run_in_thread(lambda: (w * 2).requires_grad)
    assert mg.is_grad_enabled()


def test_no_grad_in_one_thread_leaves_the_other_recording():
    entered, checked = threading.Event(), threading.Event()

    def other():
        with mg.no_grad():
            entered.set()
            checked.wait(5)

    thread = threading.Thread(target=other)
    thread.start()
    entered.wait(5)
    w = mg.ones(2, requires_grad=True)
    try:
        assert mg.is_grad_enabled() and (w * 2).requires_grad
    finally:
        checked.set()
        thread.join()


def test_leaving_no_grad_in_another_order_restores_each_thread():
    a_in, b_in, a_out = threading.Event(), threading.Event(), threading.Event()
    seen = {}

    def first():
        with mg.no_grad():
            a_in.set()
            b_in.wait(5)
        a_out.set()
        seen["first"] = mg.is_grad_enabled()

    def second():
        a_in.wait(5)
        with mg.no_grad():
            b_in.set()
            a_out.wait(5)  # the first thread leaves its no_grad while this one is inside
        seen["second"] = mg.is_grad_enabled()

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert seen == {"first": True, "second": True}
    assert mg.is_grad_enabled()


def test_a_backward_in_one_thread_does_not_stop_recording_in_another():
    stop = threading.Event()

    def backward_loop():
        x = mg.ones(64, requires_grad=True)
        while not stop.is_set():
            y = x
            for _ in range(200):
                y = y * 1.0001
            y.sum().backward()

    thread = threading.Thread(target=backward_loop)
    thread.start()
    try:
        w = mg.ones(3, requires_grad=True)
        unrecorded = sum(not (w * 2).requires_grad for _ in range(5000))
    finally:
        stop.set()
        thread.join()
    assert unrecorded == 0


def _make_models(count):
    mg.manual_seed(0)
    return [nn.Sequential(nn.Linear(8, 16), nn.Tanh(), nn.Linear(16, 1)) for _ in range(count)]


def _train(model, seed):
    data = np.random.default_rng(seed)
    x = mg.tensor(data.standard_normal((32, 8)).astype(np.float32))
    y = mg.tensor(data.standard_normal((32, 1)).astype(np.float32))
    opt = optim.Adam(model.parameters(), lr=1e-2)
    loss_fn = nn.MSELoss()
    for _ in range(40):
        opt.zero_grad()
        loss_fn(model(x), y).backward()
        with mg.no_grad():  # evaluation interleaved with training, as a real loop does
            model(x)
        opt.step()
    return [p.detach().numpy().copy() for p in model.parameters()]


def test_models_trained_in_threads_match_sequential_training_bit_for_bit():
    expected = [_train(model, seed) for seed, model in enumerate(_make_models(4))]
    results = [None] * 4
    models = _make_models(4)

    def work(i):
        results[i] = _train(models[i], i)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for got, want in zip(results, expected):
        assert got is not None
        for a, b in zip(got, want):
            np.testing.assert_array_equal(a, b)
