"""Preprocessing hands uint8 to the model and normalises the batch there (issue 14: indexing
throughput); the features must be exactly what per-image float normalisation gave."""

import numpy as np
import torch
from PIL import Image

from geolocator.core.backbones import IMAGENET_MEAN, IMAGENET_STD, Backbone


def _tiny_backbone() -> Backbone:
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Conv2d(3, 8, 3, padding=1), torch.nn.ReLU()).eval()
    return Backbone(name="tiny", model=model, dim=8, input_size=24, resize=32, mean=IMAGENET_MEAN,
                    std=IMAGENET_STD, weights_id="t", device="cpu", pooling="gem")


def _image(seed: int) -> Image.Image:
    return Image.fromarray(np.random.default_rng(seed).integers(0, 256, (40, 50, 3), dtype=np.uint8))


def test_preprocess_gives_the_centre_crop_as_uint8_and_normalise_applies_imagenet_statistics():
    bb = _tiny_backbone()
    img = _image(1)
    x = bb.preprocess(img)
    assert x.dtype == torch.uint8 and x.shape == (3, 24, 24)
    square = np.asarray(img.resize((32, 32), Image.Resampling.BICUBIC, reducing_gap=3.0))
    assert np.array_equal(x.numpy().transpose(1, 2, 0), square[4:28, 4:28])  # (32 - 24) / 2 = 4
    # the float formula the features were computed with before (bit for bit: caches stay valid)
    ref = (square[4:28, 4:28].astype(np.float32) * np.float32(1 / 255) - np.float32(IMAGENET_MEAN)) / np.float32(IMAGENET_STD)
    got = bb.normalise(x[None])[0].numpy().transpose(1, 2, 0)
    assert got.dtype == np.float32 and np.array_equal(got, ref)


def test_encode_gives_the_same_features_for_uint8_and_for_an_already_normalised_batch():
    bb = _tiny_backbone()
    raw = torch.stack([bb.preprocess(_image(s)) for s in range(3)])
    normed = bb.normalise(raw)
    assert normed.dtype == torch.float32
    assert torch.equal(bb.normalise(normed), normed)  # float input is taken as normalised
    a, b = bb.encode(raw), bb.encode(normed)
    assert a.shape == (3, 8) and torch.equal(a, b)
    assert torch.allclose(a.norm(dim=1), torch.ones(3), atol=1e-6)
