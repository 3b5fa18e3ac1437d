"""Backbones: weight discovery and its error message, loading from files, pooling, devices."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from PIL import Image

from geolocator.core import backbones as B
from geolocator.core.errors import GeolocatorError, WeightsNotFound


@pytest.fixture
def no_local_weights(tmp_path, monkeypatch):
    """Point every place DINOv2 weights are looked for at empty folders."""
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setattr(B, "weights_dir", lambda: tmp_path / "weights")
    monkeypatch.setattr(torch.hub, "get_dir", lambda: str(tmp_path / "torchhub"))
    import huggingface_hub

    monkeypatch.setattr(huggingface_hub, "try_to_load_from_cache", lambda *a, **k: None)
    return tmp_path


@pytest.fixture(scope="module")
def effnet():
    return B.load_backbone("efficientnet_lite0", device="cpu")


def _small_dinov2_file(path, fmt="safetensors"):
    import timm

    torch.manual_seed(0)
    m = timm.create_model("vit_small_patch14_dinov2", pretrained=False, num_classes=0, img_size=56)
    sd = {k: v.contiguous() for k, v in m.state_dict().items()}
    if fmt == "safetensors":
        from safetensors.torch import save_file

        save_file(sd, str(path))
    else:
        torch.save(sd, str(path))
    return sd


def test_dinov2_not_found_message_says_where_and_how(no_local_weights):
    assert B.find_dinov2_weights("dinov2_vits14") is None
    with pytest.raises(WeightsNotFound) as e:
        B.load_backbone("dinov2_vits14", device="cpu")
    msg = str(e.value)
    assert "dinov2_vits14" in msg
    assert str(no_local_weights / "weights") in msg  # the user weights folder
    assert "Hugging Face cache" in msg and "torchhub" in msg
    assert "--weights" in msg and "Choose weights file" in msg and "local-dir:" in msg


def test_auto_falls_back_and_says_so(no_local_weights):
    bb = B.load_backbone("auto", device="cpu")
    assert bb.name == "efficientnet_lite0"
    assert bb.fallback_reason and "DINOv2 weights not found" in bb.fallback_reason
    assert "EfficientNet-Lite0" in bb.fallback_reason


@pytest.mark.parametrize("fmt", ["safetensors", "pth"])
def test_dinov2_loads_from_named_file(tmp_path, fmt):
    path = tmp_path / f"w.{fmt}"
    sd = _small_dinov2_file(path, fmt)
    bb = B.load_backbone("dinov2_vits14", weights=path, device="cpu", input_size=56)
    assert bb.dim == 384 and bb.device == "cpu" and bb.num_prefix_tokens == 1
    own = bb.model.state_dict()
    assert torch.equal(own["blocks.3.attn.qkv.weight"], sd["blocks.3.attn.qkv.weight"])
    x = torch.stack([bb.preprocess(Image.new("RGB", (80, 60), c)) for c in ("red", "navy")])
    assert x.shape == (2, 3, 56, 56)
    f = bb.encode(x)
    assert f.shape == (2, 384) and torch.allclose(f.norm(dim=1), torch.ones(2), atol=1e-5)
    assert not any(p.requires_grad for p in bb.model.parameters()) and not bb.model.training
    # the same file gives the same id; another file another id
    assert bb.weights_id == B.weights_id(path)
    cls = B.load_backbone("dinov2_vits14", weights=path, device="cpu", input_size=56, pooling="cls")
    g = cls.encode(x)
    assert not torch.allclose(f, g, atol=1e-3)  # CLS and GeM are really different features
    assert cls.signature != bb.signature


def test_dinov2_from_local_dir_and_auto_prefers_found_weights(tmp_path, no_local_weights, monkeypatch):
    import json

    folder = tmp_path / "dino"
    folder.mkdir()
    _small_dinov2_file(folder / "model.safetensors")
    (folder / "config.json").write_text(json.dumps({"architecture": "vit_small_patch14_dinov2"}))
    bb = B.load_backbone(f"local-dir:{folder}", device="cpu", input_size=56)
    assert bb.dim == 384
    # once weights sit in the user weights folder, "auto" picks DINOv2 without a fallback note
    wd = tmp_path / "weights"
    wd.mkdir()
    (wd / "vit_small_patch14_dinov2.lvd142m.safetensors").write_bytes((folder / "model.safetensors").read_bytes())
    auto = B.load_backbone("auto", device="cpu", input_size=56)
    assert auto.name == "dinov2_vits14" and auto.fallback_reason is None


def test_bad_weights_file_is_a_clear_error(tmp_path):
    bad = tmp_path / "junk.pth"
    bad.write_bytes(b"not a checkpoint")
    with pytest.raises(GeolocatorError) as e:
        B.load_backbone("dinov2_vits14", weights=bad, device="cpu")
    assert "junk.pth" in str(e.value)
    with pytest.raises(WeightsNotFound):
        B.load_backbone("dinov2_vits14", weights=tmp_path / "missing.safetensors", device="cpu")
    with pytest.raises(WeightsNotFound, match="--weights"):
        B.load_backbone("timm:resnet18", device="cpu")
    with pytest.raises(GeolocatorError, match="unknown backbone"):
        B.load_backbone("nonsense", device="cpu")


def test_efficientnet_real_weights_load_in_order(effnet):
    src = B.load_state_dict(B.efficientnet_lite0_weights())
    svals = [v for k, v in src.items() if "num_batches_tracked" not in k]
    dst = [(k, v) for k, v in effnet.model.state_dict().items() if "num_batches_tracked" not in k]
    assert len(svals) == len(dst) == 247
    for (k, v), s in zip(dst, svals):
        assert v.shape == s.shape, k
    assert torch.equal(dst[0][1], svals[0]) and torch.equal(dst[-1][1], svals[-1])
    # running statistics are real (a fresh model has var == 1 everywhere)
    assert not torch.allclose(effnet.model.bn2.running_var, torch.ones_like(effnet.model.bn2.running_var))
    assert effnet.dim == 1280 and effnet.mean == (0.5, 0.5, 0.5)


def _texture(kind: int, size: int = 192) -> Image.Image:
    yy, xx = np.mgrid[0:size, 0:size].astype(np.float32)
    rng = np.random.default_rng(kind)
    if kind == 0:  # diagonal stripes
        a = ((np.sin((xx + yy) / 5.0) > 0)[..., None] * np.array([220, 200, 40])) + 10
    elif kind == 1:  # smooth colour gradient
        a = np.stack([xx / size * 255, yy / size * 255, np.full_like(xx, 90)], -1)
    elif kind == 2:  # coloured noise blobs
        a = np.kron(rng.integers(0, 255, (12, 12, 3)), np.ones((16, 16, 1)))
    else:  # concentric rings
        r = np.hypot(xx - size / 2, yy - size / 2)
        a = ((np.sin(r / 3.0) > 0)[..., None] * np.array([30, 60, 230])) + 20
    return Image.fromarray(np.clip(a, 0, 255).astype(np.uint8))


def test_efficientnet_features_recognise_the_same_image(effnet):
    imgs = [_texture(k) for k in range(4)]
    crops = [im.crop((12, 12, 180, 180)) for im in imgs]
    f = effnet.encode(torch.stack([effnet.preprocess(i) for i in imgs + crops])).numpy()
    assert np.allclose(np.linalg.norm(f, axis=1), 1.0, atol=1e-5)
    sim = f[:4] @ f[4:].T
    assert (sim.argmax(axis=1) == np.arange(4)).all(), sim
    off = sim[~np.eye(4, dtype=bool)]
    assert np.diag(sim).min() > off.max() + 0.05, sim


def test_timm_and_torchscript_backbones(tmp_path):
    import timm
    from safetensors.torch import save_file

    m = timm.create_model("resnet18", pretrained=False)
    save_file({k: v.contiguous() for k, v in m.state_dict().items()}, str(tmp_path / "r18.safetensors"))
    bb = B.load_backbone("timm:resnet18", weights=tmp_path / "r18.safetensors", device="cpu")
    assert bb.dim == 512 and bb.name == "timm:resnet18"
    x = torch.randn(2, 3, 64, 64)
    assert bb.encode(x).shape == (2, 512)

    class Net(torch.nn.Module):
        def forward(self, x):  # a feature map: the loader must pool it
            return torch.nn.functional.avg_pool2d(x, 4).repeat(1, 4, 1, 1)

    ts = tmp_path / "net.pt"
    torch.jit.script(Net()).save(str(ts))
    sb = B.load_backbone(str(ts), device="cpu")
    assert sb.dim == 12
    out = sb.encode(torch.rand(3, 3, 32, 32))
    assert out.shape == (3, 12) and torch.allclose(out.norm(dim=1), torch.ones(3), atol=1e-5)


def test_resolve_device():
    assert B.resolve_device("auto") in ("cuda", "mps", "cpu")
    if not torch.cuda.is_available():
        assert B.resolve_device("auto") in ("mps", "cpu")
        with pytest.raises(GeolocatorError, match="CUDA"):
            B.resolve_device("cuda")
    assert B.resolve_device("cpu") == "cpu"


def test_gem_pooling_matches_definition():
    t = torch.rand(2, 5, 8)
    got = B.pool_features(t, "gem", num_prefix_tokens=1)
    pn = torch.nn.functional.normalize(t[:, 1:], dim=-1)
    assert torch.allclose(got, pn.pow(3).mean(1).pow(1 / 3), atol=1e-6)
    assert torch.equal(B.pool_features(t, "cls", 1), t[:, 0])


def test_switching_backbone_keeps_the_model_already_loaded():
    from geolocator.core.pipeline import Workspace

    ws = Workspace()
    model = object()  # stands for a loaded backbone: nothing may load another
    ws.set_backbone("efficientnet_lite0", None, loaded=model)
    assert ws.backbone is model and ws.settings.backbone == "efficientnet_lite0"
