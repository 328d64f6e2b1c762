"""inference_mode and the bare @no_grad decorator, as PyTorch allows them."""

import threading

import pytest

import minigrad as mg

x = mg.ones(2, requires_grad=True)


def test_no_grad_decorates_with_and_without_parentheses():
    @mg.no_grad
    def bare(t):
        return t * 2

    @mg.no_grad()
    def called(t):
        return t * 2

    assert bare.__name__ == "bare" and not bare(x).requires_grad
    assert not called(x).requires_grad
    assert (x * 2).requires_grad  # outside, recording is on again

    @mg.enable_grad
    def inside(t):
        return t * 2

    with mg.no_grad():
        assert inside(x).requires_grad
    with pytest.raises(TypeError, match="takes no arguments"):
        mg.no_grad(3)


def test_inference_mode_as_context_and_decorator():
    assert not mg.is_inference_mode_enabled()
    with mg.inference_mode():
        assert not (x * 2).requires_grad and mg.is_inference_mode_enabled()
        with mg.inference_mode(False):
            assert (x * 2).requires_grad and not mg.is_inference_mode_enabled()
        assert mg.is_inference_mode_enabled()
    assert (x * 2).requires_grad and not mg.is_inference_mode_enabled()

    @mg.inference_mode()
    def evaluate(t):
        return t * 2, mg.is_inference_mode_enabled()

    @mg.inference_mode
    def bare(t):
        return t * 2

    out, flag = evaluate(x)
    assert not out.requires_grad and flag and not bare(x).requires_grad
    assert bare.__name__ == "bare"
    assert not mg.is_inference_mode_enabled()
    with pytest.raises(TypeError, match="mode must be a bool"):
        mg.inference_mode("yes")


def test_inference_mode_restores_after_an_error_and_is_per_thread():
    with pytest.raises(ZeroDivisionError), mg.inference_mode():
        raise ZeroDivisionError
    assert mg.is_grad_enabled() and not mg.is_inference_mode_enabled()
    seen = []
    with mg.inference_mode():
        worker = threading.Thread(target=lambda: seen.append(
            (mg.is_grad_enabled(), mg.is_inference_mode_enabled())))
        worker.start()
        worker.join()
    assert seen == [(True, False)]
