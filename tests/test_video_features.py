"""GoogLeNet pool5 features: torchvision's preprocessing contract, weight sources, and their errors."""

import urllib.error

import numpy as np
import pytest
import torch
import torchvision
from safetensors.torch import save_file

from pglsum_hf.video import FeatureWeightsError, GoogLeNetFeatures

IMAGENET_MEAN = torch.tensor([0.485, 0.456, 0.406]).view(1, 3, 1, 1)
IMAGENET_STD = torch.tensor([0.229, 0.224, 0.225]).view(1, 3, 1, 1)


@pytest.fixture(scope="module")
def torchvision_googlenet():
    """A GoogLeNet built exactly as torchvision builds it for its ImageNet weights (aux heads, transform_input)."""
    torch.manual_seed(1)
    network = torchvision.models.googlenet(
        weights=None, aux_logits=True, transform_input=True, init_weights=True
    ).eval()
    # Non-trivial batch-norm statistics, as trained weights have.
    for module in network.modules():
        if isinstance(module, torch.nn.BatchNorm2d):
            module.running_mean.uniform_(-0.1, 0.1)
            module.running_var.uniform_(0.5, 2.0)
    return network


@pytest.fixture(scope="module")
def frames():
    return np.random.default_rng(0).integers(0, 256, size=(2, 224, 224, 3), dtype=np.uint8)


@pytest.fixture(scope="module")
def reference_pool5(torchvision_googlenet, frames):
    """torchvision's own recipe: ImageNet mean/std normalisation, then the network up to global average pooling."""
    pooled = {}
    network = torchvision_googlenet
    handle = network.avgpool.register_forward_hook(lambda module, inputs, output: pooled.update(x=output.flatten(1)))
    pixels = torch.from_numpy(frames).permute(0, 3, 1, 2).float() / 255
    with torch.inference_mode():
        network((pixels - IMAGENET_MEAN) / IMAGENET_STD)
    handle.remove()
    return torch.nn.functional.normalize(pooled["x"], dim=1).numpy()


@pytest.mark.parametrize("suffix", [".pth", ".safetensors"])
def test_local_weights_give_torchvisions_pool5(tmp_path, torchvision_googlenet, frames, reference_pool5, suffix):
    path = tmp_path / f"googlenet{suffix}"
    state = torchvision_googlenet.state_dict()
    if suffix == ".pth":
        torch.save(state, path)
    else:
        save_file({name: tensor.contiguous() for name, tensor in state.items()}, str(path))
    extractor = GoogLeNetFeatures(path, device="cpu", batch_size=1)
    features = extractor.encode([frames[:1], frames[1:]])

    assert features.shape == (2, 1024) and features.dtype == np.float32
    assert np.allclose(np.linalg.norm(features, axis=1), 1.0, atol=1e-5)
    np.testing.assert_allclose(features, reference_pool5, atol=2e-5)
    assert not extractor.is_random and extractor.weights_description == str(path)


def test_torch_cache_is_used_without_any_download(
    tmp_path, monkeypatch, torchvision_googlenet, frames, reference_pool5
):
    monkeypatch.setenv("TORCH_HOME", str(tmp_path))
    checkpoints = tmp_path / "hub" / "checkpoints"
    checkpoints.mkdir(parents=True)
    torch.save(torchvision_googlenet.state_dict(), checkpoints / "googlenet-1378be20.pth")

    def no_download(*args, **kwargs):
        raise AssertionError("the cached weights should have been used")

    monkeypatch.setattr(torch.hub, "download_url_to_file", no_download)
    extractor = GoogLeNetFeatures(device="cpu")
    assert extractor.weights_description.startswith("torchvision ImageNet")
    np.testing.assert_allclose(extractor(frames), reference_pool5, atol=2e-5)


def test_unavailable_imagenet_weights_say_how_to_provide_them(tmp_path, monkeypatch):
    monkeypatch.setenv("TORCH_HOME", str(tmp_path))  # an empty cache

    def offline(url, *args, **kwargs):
        raise urllib.error.URLError("no network on this machine")

    monkeypatch.setattr(torchvision.models._api, "load_state_dict_from_url", offline)
    with pytest.raises(FeatureWeightsError, match=r"--feature_weights /path/to/googlenet-1378be20\.pth") as error:
        GoogLeNetFeatures(device="cpu")
    assert "no network on this machine" in str(error.value)
    assert "--feature_weights random" in str(error.value)


def test_bad_weight_files_are_named(tmp_path):
    with pytest.raises(FeatureWeightsError, match=r"feature weights file not found: .*missing\.pth"):
        GoogLeNetFeatures(tmp_path / "missing.pth")
    wrong = tmp_path / "resnet.pth"
    torch.save({"conv.weight": torch.zeros(1)}, wrong)
    with pytest.raises(
        FeatureWeightsError, match=r"resnet\.pth: not a torchvision GoogLeNet state dict: missing \d+ keys"
    ):
        GoogLeNetFeatures(wrong)
    garbage = tmp_path / "garbage.pth"
    garbage.write_bytes(b"not a checkpoint")
    with pytest.raises(FeatureWeightsError, match=r"garbage\.pth: could not read a GoogLeNet state dict"):
        GoogLeNetFeatures(garbage)


def test_random_weights_are_seeded_marked_and_leave_the_global_rng_alone(frames):
    torch.manual_seed(123)
    expected_next = torch.rand(1)
    torch.manual_seed(123)
    first = GoogLeNetFeatures("random", device="cpu")
    assert torch.rand(1) == expected_next
    assert first.is_random and "SYNTHETIC" in first.weights_description
    second = GoogLeNetFeatures("random", device="cpu")
    np.testing.assert_array_equal(first(frames), second(frames))
    with pytest.raises(
        ValueError, match=r"expected uint8 frames of shape \[B, 224, 224, 3\], found \(2, 100, 100, 3\)"
    ):
        second(np.zeros((2, 100, 100, 3), dtype=np.uint8))
