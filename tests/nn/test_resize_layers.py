"""F.interpolate, nn.Upsample, nn.ZeroPad2d, nn.Bilinear (the op registry checks the
gradients of interpolate and bilinear against finite differences)."""

import numpy as np
import pytest

import minigrad as mg
import minigrad.nn as nn
import minigrad.nn.functional as F


def test_bilinear_upsampling_of_a_2x2_image_gives_pytorchs_known_values():
    x = mg.tensor([[[[1.0, 2.0], [3.0, 4.0]]]])
    out = nn.Upsample(scale_factor=2, mode="bilinear")(x)
    np.testing.assert_allclose(out.numpy()[0, 0], [[1.0, 1.25, 1.75, 2.0],
                                                   [1.5, 1.75, 2.25, 2.5],
                                                   [2.5, 2.75, 3.25, 3.5],
                                                   [3.0, 3.25, 3.75, 4.0]])
    corners = F.interpolate(x, size=(3, 3), mode="bilinear", align_corners=True)
    np.testing.assert_allclose(corners.numpy()[0, 0], [[1.0, 1.5, 2.0], [2.0, 2.5, 3.0],
                                                       [3.0, 3.5, 4.0]])


def test_nearest_repeats_pixels_and_can_shrink():
    x = mg.arange(6.0).reshape(1, 1, 2, 3)
    assert F.interpolate(x, scale_factor=2).shape == (1, 1, 4, 6)
    assert F.interpolate(x, scale_factor=2)[0, 0, :2].tolist() == [[0, 0, 1, 1, 2, 2]] * 2
    assert F.interpolate(mg.arange(5.0).reshape(1, 1, 5), size=2).tolist() == [[[0.0, 2.0]]]
    assert F.interpolate(x, scale_factor=(1, 0.5)).shape == (1, 1, 2, 1)


def test_upsample_gradient_sums_over_the_copies():
    x = mg.ones(1, 1, 2, 2, requires_grad=True)
    nn.Upsample(scale_factor=3)(x).sum().backward()
    assert x.grad.tolist() == [[[[9.0, 9.0], [9.0, 9.0]]]]


@pytest.mark.parametrize("kwargs, error, match", [
    (dict(size=4, scale_factor=2), ValueError, "only one of size or scale_factor"),
    (dict(size=4, mode="bicubic"), NotImplementedError, "bicubic"),
    (dict(size=4, mode="linear"), ValueError, "3-D"),
    (dict(size=4, align_corners=True), ValueError, "align_corners option"),
    (dict(size=(4, 4, 4)), ValueError, "spatial dimension"),
])
def test_interpolate_refuses_bad_arguments(kwargs, error, match):
    with pytest.raises(error, match=match):
        F.interpolate(mg.ones(1, 1, 2, 2), **kwargs)


def test_zero_pad_2d_pads_left_right_top_bottom():
    out = nn.ZeroPad2d((1, 0, 0, 2))(mg.ones(1, 2, 2))
    assert out.tolist() == [[[0.0, 1.0, 1.0], [0.0, 1.0, 1.0], [0.0, 0.0, 0.0],
                             [0.0, 0.0, 0.0]]]
    assert nn.ZeroPad2d(1)(mg.ones(3, 3)).shape == (5, 5)


def test_bilinear_layer_matches_the_formula_and_pytorchs_init_bounds():
    mg.manual_seed(0)
    layer = nn.Bilinear(3, 4, 2)
    assert layer.weight.shape == (2, 3, 4) and layer.bias.shape == (2,)
    bound = 1 / np.sqrt(3)
    assert np.abs(layer.weight.detach().numpy()).max() <= bound
    x1, x2 = mg.randn(5, 3), mg.randn(5, 4)
    expected = np.einsum("ni,oij,nj->no", x1.numpy(), layer.weight.detach().numpy(),
                         x2.numpy()) + layer.bias.detach().numpy()
    np.testing.assert_allclose(layer(x1, x2).detach().numpy(), expected, rtol=1e-5,
                               atol=1e-6)
    assert [name for name, _ in layer.named_parameters()] == ["weight", "bias"]
    with pytest.raises(RuntimeError, match="do not fit"):
        layer(mg.ones(5, 4), mg.ones(5, 4))


def test_a_given_scale_factor_sets_the_source_positions_unless_recomputed():
    x = mg.tensor([[[0.0, 1.0, 2.0]]])
    # output size floor(3 * 1.5) = 4; source x = (dst + 0.5) / 1.5 - 0.5, clamped at 0
    np.testing.assert_allclose(F.interpolate(x, scale_factor=1.5, mode="linear").numpy(),
                               [[[0.0, 0.5, 7 / 6, 11 / 6]]])
    # recomputed: the scale is 3 / 4, source x = (dst + 0.5) * 0.75 - 0.5
    np.testing.assert_allclose(
        F.interpolate(x, scale_factor=1.5, mode="linear",
                      recompute_scale_factor=True).numpy(), [[[0.0, 0.625, 1.375, 2.0]]])
