"""Frame features for PGL-SUM: GoogLeNet pool5 (1024-d), the features of the SumMe/TVSum benchmark files.

The network is torchvision's GoogLeNet cut after global average pooling (before dropout and the classifier).
Input is the whole frame scaled to 224 x 224 (no crop: a summary must see the frame edges too), and every
output vector is L2-normalised.

Preprocessing: torchvision's ImageNet GoogLeNet weights are the original (Caffe-trained) network, ported;
they expect pixels scaled to [-1, 1]. That is why ``torchvision.models.googlenet(weights=...)`` builds the
network with ``transform_input=True``, which turns ImageNet mean/std-normalised input back into
``(x - 0.5) / 0.5``. We build the network without that step and feed ``(x - 0.5) / 0.5`` directly: the same
numbers, in one step instead of two.

Weights: ``weights=None`` uses torchvision's ImageNet weights (its cache, or a download). Machines without
internet access pass a local copy of that state dict (``googlenet-1378be20.pth``, or any file of
``googlenet(weights="IMAGENET1K_V1").state_dict()``, ``.pth`` or ``.safetensors``). ``weights="random"``
builds a seeded random network: its features carry no meaning, for tests and SYNTHETIC demos only, and
every output made with it says so.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterable
from pathlib import Path

import numpy as np
import torch

from ..dependencies import require
from ..errors import PGLSumError
from .result import RANDOM_WEIGHTS

logger = logging.getLogger(__name__)

FEATURE_SIZE = 1024
INPUT_SIZE = 224
IMAGENET_WEIGHTS_URL = "https://download.pytorch.org/models/googlenet-1378be20.pth"
# Seed of the "random" network, so that runs (and the pipeline, CLI and API) agree with each other.
_RANDOM_SEED = 0


class FeatureWeightsError(PGLSumError, RuntimeError):
    """The GoogLeNet weights could not be obtained or do not fit the network."""


def _imagenet_state_dict() -> dict[str, torch.Tensor]:
    require("torchvision", extra="video", purpose="the GoogLeNet feature extractor")
    from torchvision.models import GoogLeNet_Weights

    try:
        return GoogLeNet_Weights.IMAGENET1K_V1.get_state_dict(progress=False, check_hash=True)
    except Exception as error:  # any download / cache failure ends in the same advice
        raise FeatureWeightsError(
            "could not load torchvision's ImageNet GoogLeNet weights (the feature extractor) from the torch cache "
            f"or {IMAGENET_WEIGHTS_URL}: {error}.\n"
            "Provide them locally: download that file on a machine with internet access and pass "
            "`--feature_weights /path/to/googlenet-1378be20.pth` (Python: `feature_weights=...`), or copy it into "
            f"{Path(torch.hub.get_dir()) / 'checkpoints'}. For a test or demo without meaningful features, "
            "pass `--feature_weights random` (outputs are then marked SYNTHETIC)."
        ) from error


def _local_state_dict(path: Path) -> dict[str, torch.Tensor]:
    if not path.is_file():
        raise FeatureWeightsError(
            f"feature weights file not found: {path} (expected a GoogLeNet state dict, .pth or .safetensors)"
        )
    try:
        if path.suffix == ".safetensors":
            from safetensors.torch import load_file

            return load_file(str(path))
        state = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as error:
        raise FeatureWeightsError(f"{path}: could not read a GoogLeNet state dict from this file ({error})") from error
    if not isinstance(state, dict):
        raise FeatureWeightsError(f"{path}: expected a state dict (name -> tensor), found {type(state).__name__}")
    return state


def build_googlenet_pool5(weights: str | os.PathLike | None = None) -> tuple[torch.nn.Module, str]:
    """GoogLeNet up to pool5, in eval mode.

    Args:
        weights: None (torchvision's ImageNet weights), ``"random"``, or a path to a local state dict.

    Returns:
        ``(network, description)``; the network maps float [B, 3, 224, 224] in [-1, 1] to [B, 1024];
        the description names the weights for logs and outputs.
    """
    require("torchvision", extra="video", purpose="the GoogLeNet feature extractor")
    from torchvision.models import GoogLeNet

    if weights is not None and str(weights) == RANDOM_WEIGHTS:
        with torch.random.fork_rng(devices=[]):  # seeded, without touching the caller's random state
            torch.manual_seed(_RANDOM_SEED)
            network = GoogLeNet(aux_logits=False, transform_input=False, init_weights=True)
        description = "random (SYNTHETIC: untrained GoogLeNet, features carry no meaning)"
    else:
        source = "torchvision ImageNet (IMAGENET1K_V1)" if weights is None else str(weights)
        state = _imagenet_state_dict() if weights is None else _local_state_dict(Path(weights))
        # The auxiliary classifiers only matter for training; pool5 does not depend on them.
        state = {name: tensor for name, tensor in state.items() if not name.startswith(("aux1.", "aux2."))}
        network = GoogLeNet(aux_logits=False, transform_input=False, init_weights=False)
        missing, unexpected = network.load_state_dict(state, strict=False)
        if missing or unexpected:
            raise FeatureWeightsError(
                f"{source}: not a torchvision GoogLeNet state dict: missing {len(missing)} keys "
                f"(e.g. {missing[:3]}), unexpected {len(unexpected)} keys (e.g. {unexpected[:3]})"
            )
        description = source
    # pool5: keep the network up to global average pooling + flatten.
    network.dropout = torch.nn.Identity()
    network.fc = torch.nn.Identity()
    return fold_batch_norms(network.eval()), description


@torch.no_grad()
def fold_batch_norms(network: torch.nn.Module) -> torch.nn.Module:
    """Fold every eval-mode BatchNorm that follows a convolution into the convolution's weights and bias.

    In eval mode a BatchNorm is the affine map ``(x - mean) / sqrt(var + eps) * gamma + beta``, so
    ``conv -> bn`` equals one convolution with scaled weights and a bias: the same function with one pass over
    the activations fewer (about a fifth of GoogLeNet's CPU time). Features differ from the unfolded network's
    by float32 rounding only (~1e-7 after L2 normalisation). torchvision's ``BasicConv2d`` (conv, bn) is the
    pattern; the BatchNorm becomes an identity.
    """
    for module in network.modules():
        conv, norm = getattr(module, "conv", None), getattr(module, "bn", None)
        if not isinstance(conv, torch.nn.Conv2d) or not isinstance(norm, torch.nn.BatchNorm2d):
            continue
        scale = norm.weight / torch.sqrt(norm.running_var + norm.eps)
        bias = norm.bias - norm.running_mean * scale
        if conv.bias is not None:
            bias = bias + conv.bias * scale
        conv.weight.mul_(scale.reshape(-1, 1, 1, 1))
        conv.bias = torch.nn.Parameter(bias)
        module.bn = torch.nn.Identity()
    return network


class GoogLeNetFeatures:
    """Turns RGB frames into L2-normalised GoogLeNet pool5 features, in batches, on GPU when there is one.

    Args:
        weights: None (torchvision's ImageNet weights), ``"random"`` (tests and SYNTHETIC demos), or a path
            to a local GoogLeNet state dict.
        device: torch device; default CUDA when available, else CPU.
        batch_size: frames per forward pass.

    Attributes:
        is_random: whether the weights are random (outputs must then say so).
        weights_description: what the weights are, for logs and outputs.
    """

    feature_size = FEATURE_SIZE
    input_size = INPUT_SIZE

    def __init__(
        self, weights: str | os.PathLike | None = None, device: str | torch.device | None = None, batch_size: int = 32
    ):
        self.device = (
            torch.device(device)
            if device is not None
            else torch.device("cuda" if torch.cuda.is_available() else "cpu")
        )
        self.batch_size = batch_size
        network, self.weights_description = build_googlenet_pool5(weights)
        # channels_last lets the CPU and GPU convolution kernels avoid layout copies.
        self.network = network.to(self.device, memory_format=torch.channels_last)
        self.is_random = weights is not None and str(weights) == RANDOM_WEIGHTS
        if self.is_random:
            logger.warning("feature extractor: %s", self.weights_description)

    @torch.inference_mode()
    def __call__(self, frames: np.ndarray) -> np.ndarray:
        """Features of one batch.

        Args:
            frames: uint8 [B, 224, 224, 3] RGB frames.

        Returns:
            float32 [B, 1024], every row of unit L2 norm.
        """
        if frames.ndim != 4 or frames.shape[1:] != (INPUT_SIZE, INPUT_SIZE, 3):
            raise ValueError(
                f"expected uint8 frames of shape [B, {INPUT_SIZE}, {INPUT_SIZE}, 3], found {tuple(frames.shape)}"
            )
        pixels = torch.from_numpy(frames).to(self.device).permute(0, 3, 1, 2)
        pixels = pixels.float().div_(127.5).sub_(1.0).contiguous(memory_format=torch.channels_last)
        features = self.network(pixels)
        return torch.nn.functional.normalize(features, dim=1).float().cpu().numpy()

    def encode(self, batches: Iterable[np.ndarray]) -> np.ndarray:
        """Features of a stream of frame batches (e.g. :meth:`VideoDecoder.batches`).

        Returns:
            float32 [T, 1024] for the T frames of all batches, in order.
        """
        features = [self(batch) for batch in batches]
        if not features:
            return np.zeros((0, FEATURE_SIZE), dtype=np.float32)
        return np.concatenate(features)
