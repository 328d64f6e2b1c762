"""Shared checks for the layer tests."""

import numpy as np

import minigrad as mg


def gradcheck_module(module, *inputs, atol=1e-5, rtol=1e-3, call=lambda m, *xs: m(*xs)):
    """gradcheck a float64 module w.r.t. its inputs and every parameter;
    ``call(module, *inputs)`` computes the checked output.

    The parameters are passed to gradcheck as extra inputs; the module reads them
    itself, so perturbing their data in place is seen by each forward.
    """
    module.double()
    params = [p for p in module.parameters() if p.requires_grad]
    n = len(inputs)

    def fn(*args):
        return call(module, *args[:n])

    return mg.autograd.gradcheck(fn, [*inputs, *params], atol=atol, rtol=rtol)


def randn64(*shape, requires_grad=True, seed=0):
    data = np.random.default_rng(seed).standard_normal(shape)
    return mg.tensor(data, dtype=mg.float64, requires_grad=requires_grad)
