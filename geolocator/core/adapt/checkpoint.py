"""Region adapter files: safetensors weights + a JSON card, written atomically, never unpickled.

Format: `<name>.safetensors` holds the tensors; its metadata holds `format` ("geolocator-adapter"),
`format_version` and `card` (the JSON card). The card is authoritative there, so one file is one
atomic unit. A human-readable copy of the card is written beside it as `<name>.safetensors.json`
(informational; loading never needs it). Both are written to a temp file in the same folder and
moved into place with os.replace, so an interrupted save never leaves a broken adapter and never
destroys the previous one.
"""

from __future__ import annotations

import json
from pathlib import Path

import torch

from ..errors import AdapterMismatch, InputError
from .adapter import SharedAutoEncoder

FORMAT = "geolocator-adapter"
FORMAT_VERSION = "1"


def _atomic_write(path: Path, write) -> None:
    # umask permissions; an OS failure is an OutputError naming `path`, never the temp file
    from ..outputs import write_atomic

    write_atomic(path, write)


def card_path(path: Path | str) -> Path:
    path = Path(path)
    return path.with_name(path.name + ".json")


def save_adapter(path: Path | str, model: SharedAutoEncoder, card: dict) -> Path:
    from safetensors.torch import save_file

    path = Path(path)
    tensors = {k: v.detach().cpu().contiguous() for k, v in model.state_dict().items()}
    text = json.dumps(card, sort_keys=True, default=str)
    meta = {"format": FORMAT, "format_version": FORMAT_VERSION, "card": text}
    _atomic_write(path, lambda tmp: save_file(tensors, tmp, metadata=meta))

    def write_card(tmp: str) -> None:
        Path(tmp).write_text(json.dumps(card, indent=2, sort_keys=True, default=str) + "\n")

    _atomic_write(card_path(path), write_card)
    return path


def tileset_content_key(tileset) -> str:
    """Identity of a tile set's content for naming its saved adapter: tile ids, bounds and windows
    (TileSet.fingerprint) plus each image file's identity (cache.file_key: path, size, mtime), so
    editing or replacing a tile image gives a new key while renaming nothing keeps the old one."""
    import hashlib

    from ..cache import file_key
    from ..names import text_bytes

    h = hashlib.sha256(text_bytes(tileset.fingerprint()))
    for path in sorted({str(t.path) for t in tileset.tiles}):
        h.update(text_bytes(f"{path}|{file_key(Path(path))}\n"))
    return h.hexdigest()[:16]


def save_fallback(adapter, card: dict) -> Path | None:
    """Save a trained adapter whose own destination failed: first the user's data folder, then the
    system temporary folder. Returns where it went, or None when nothing could be written."""
    import platformdirs
    import tempfile
    import time

    from ..errors import GeolocatorError

    name = f"unsaved-adapter-{time.strftime('%Y%m%d-%H%M%S')}.safetensors"
    for folder in (Path(platformdirs.user_data_dir("geolocator")) / "adapters", Path(tempfile.gettempdir())):
        try:
            return adapter.save(folder / name, card)
        except (GeolocatorError, OSError):
            continue
    return None


def read_card(path: Path | str) -> dict:
    """The card of an adapter file (from its metadata), checking it is one of ours."""
    from safetensors import safe_open

    path = Path(path)
    if not path.is_file():
        raise InputError(path, "no such adapter file")
    try:
        with safe_open(str(path), framework="pt") as f:
            meta = f.metadata() or {}
    except Exception as exc:  # safetensors raises several types for truncated/garbage files
        raise InputError(path, f"not a readable adapter file (corrupt or not safetensors): {exc}") from None
    if meta.get("format") != FORMAT:
        raise InputError(path, "not a geolocator adapter (safetensors without a geolocator card)")
    if meta.get("format_version") != FORMAT_VERSION:
        raise AdapterMismatch(f"{path}: adapter format version {meta.get('format_version')!r}, "
                              f"this app reads version {FORMAT_VERSION}")
    try:
        card = json.loads(meta["card"])
        if not isinstance(card, dict) or not isinstance(card.get("arch"), dict):
            raise ValueError("card has no 'arch'")
    except (KeyError, ValueError) as exc:
        raise InputError(path, f"adapter card is damaged: {exc}") from None
    return card


MAX_ADAPTER_WIDTH = 65536  # feature and hidden sizes above this are no adapter this app writes


def _check_arch_fits_file(path: Path, arch: dict) -> None:
    """The card's network sizes are sane and match the tensors stored in the file (read from the
    safetensors header, no data loaded). Found by the fuzz campaign: a card claiming hidden=2**40
    made the loader try to allocate 35 TB."""
    from safetensors import safe_open

    try:
        dim, hidden = int(arch["dim"]), int(arch["hidden"])
    except (KeyError, TypeError, ValueError, OverflowError) as exc:
        raise InputError(path, f"adapter card describes no known network: {exc!r}") from None
    if not (1 <= dim <= MAX_ADAPTER_WIDTH and 1 <= hidden <= MAX_ADAPTER_WIDTH):
        raise InputError(path, f"adapter card sizes are out of range (dim {dim}, hidden {hidden})")
    try:
        with safe_open(str(path), framework="pt") as f:
            shape = tuple(f.get_slice("enc.0.weight").get_shape()) if "enc.0.weight" in f.keys() else None
    except Exception as exc:  # noqa: BLE001 - safetensors raises several types for damaged headers
        raise InputError(path, f"not a readable adapter file (corrupt or not safetensors): {exc}") from None
    if shape is not None and shape != (hidden, dim):
        raise AdapterMismatch(f"{path}: the card describes a {dim}->{hidden} network but the file holds "
                              f"{shape[1] if len(shape) > 1 else '?'}->{shape[0] if shape else '?'} weights")


def load_adapter(path: Path | str, *, expect_backbone: str | None = None,
                 expect_dim: int | None = None) -> tuple[SharedAutoEncoder, dict]:
    from safetensors.torch import load_file

    path = Path(path)
    card = read_card(path)
    if expect_backbone is not None and card.get("backbone") not in (None, expect_backbone):
        raise AdapterMismatch(f"{path}: adapter was trained on features of backbone {card.get('backbone')!r}, "
                              f"but the backbone in use is {expect_backbone!r}")
    _check_arch_fits_file(path, card["arch"])  # before building it: a card must not size the allocation
    try:
        model = SharedAutoEncoder.from_arch(card["arch"])
    except (KeyError, ValueError, TypeError) as exc:
        raise InputError(path, f"adapter card describes no known network: {exc}") from None
    if expect_dim is not None and model.dim != int(expect_dim):
        raise AdapterMismatch(f"{path}: adapter expects {model.dim}-d backbone features, "
                              f"but the features in use are {expect_dim}-d")
    try:
        tensors = load_file(str(path))
    except Exception as exc:
        raise InputError(path, f"adapter weights are unreadable (corrupt file): {exc}") from None
    own = model.state_dict()
    missing = sorted(set(own) - set(tensors))
    extra = sorted(set(tensors) - set(own))
    bad = sorted(k for k in set(own) & set(tensors) if tuple(own[k].shape) != tuple(tensors[k].shape))
    if missing or extra or bad:
        raise AdapterMismatch(f"{path}: weights do not fit the network in its card "
                              f"(missing {missing[:3]}, unexpected {extra[:3]}, wrong shape {bad[:3]})")
    model.load_state_dict({k: t.to(own[k].dtype) for k, t in tensors.items()})
    if not all(torch.isfinite(t).all() for t in tensors.values() if t.is_floating_point()):
        raise InputError(path, "adapter weights contain NaN/inf (corrupt file)")
    return model.eval(), card
