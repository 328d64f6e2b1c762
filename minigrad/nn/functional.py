"""The differentiable neural-network ops, PyTorch's ``torch.nn.functional`` names and
arguments. Each op lives in ``minigrad/ops/nn_*.py`` beside its backward; docs/functional.md
lists them all and says which are fused.

>>> import minigrad as mg, minigrad.nn.functional as F
>>> logits = mg.tensor([[2.0, 0.5, -1.0]], requires_grad=True)
>>> loss = F.cross_entropy(logits, mg.tensor([0]))
>>> loss.backward()
>>> logits.grad.shape
(1, 3)
"""

from ..ops.activation import elu, gelu, leaky_relu, relu, sigmoid, silu, softplus, tanh
from ..ops.nn_attention import scaled_dot_product_attention
from ..ops.nn_conv import avg_pool2d, conv2d, max_pool2d
from ..ops.nn_conv1d import avg_pool1d, conv1d, max_pool1d
from ..ops.nn_cross_entropy import cross_entropy, nll_loss
from ..ops.nn_extra import (
    adaptive_avg_pool2d,
    dropout2d,
    group_norm,
    hardtanh,
    kl_div,
    mish,
    pairwise_distance,
    prelu,
)
from ..ops.nn_logsigmoid import logsigmoid
from ..ops.nn_loss import (
    binary_cross_entropy,
    binary_cross_entropy_with_logits,
    huber_loss,
    l1_loss,
    mse_loss,
    smooth_l1_loss,
)
from ..ops.nn_misc import cosine_similarity, dropout, embedding, linear, normalize, one_hot
from ..ops.nn_norm import batch_norm, layer_norm, rms_norm
from ..ops.nn_resize import bilinear, interpolate
from ..ops.nn_softmax import log_softmax, softmax, softmin
from ..ops.shape import pad

__all__ = [
    "bilinear",
    "interpolate",
    "adaptive_avg_pool2d",
    "dropout2d",
    "group_norm",
    "hardtanh",
    "kl_div",
    "mish",
    "pairwise_distance",
    "prelu",
    "avg_pool1d",
    "avg_pool2d",
    "batch_norm",
    "binary_cross_entropy",
    "binary_cross_entropy_with_logits",
    "conv1d",
    "conv2d",
    "cosine_similarity",
    "cross_entropy",
    "dropout",
    "elu",
    "embedding",
    "gelu",
    "huber_loss",
    "l1_loss",
    "layer_norm",
    "leaky_relu",
    "linear",
    "log_softmax",
    "logsigmoid",
    "max_pool1d",
    "max_pool2d",
    "mse_loss",
    "nll_loss",
    "normalize",
    "one_hot",
    "pad",
    "relu",
    "rms_norm",
    "scaled_dot_product_attention",
    "sigmoid",
    "silu",
    "smooth_l1_loss",
    "softmax",
    "softmin",
    "softplus",
    "tanh",
]
