"""Region adapter files: round trip, atomic writes, clear errors for corrupt or mismatched files."""

import json

import numpy as np
import pytest

from geolocator.core.adapt import RegionAdapter, adapt
from geolocator.core.adapt import checkpoint
from geolocator.core.adapt.synthetic import synthetic_cross_view
from geolocator.core.errors import AdapterMismatch, InputError


@pytest.fixture(scope="module")
def trained():
    tiles, photos, _ = synthetic_cross_view(n_tiles=12, per_tile=3, views=2, dim=32, seed=1)
    return adapt(tiles, photos, mode="best", steps=3, seed=0), tiles, photos


def test_round_trip_gives_identical_features(trained, tmp_path):
    adapter, tiles, photos = trained
    path = tmp_path / "sub" / "region.safetensors"
    adapter.save(path, {"backbone": "efficientnet_lite0", "tileset_fingerprint": "abc"})
    loaded = RegionAdapter.load(path, expect_backbone="efficientnet_lite0", expect_dim=32)
    assert np.array_equal(loaded.transform_tiles(tiles), adapter.transform_tiles(tiles))
    assert np.array_equal(loaded.transform_queries(photos), adapter.transform_queries(photos))
    assert loaded.mode == "best" and loaded.card["tileset_fingerprint"] == "abc"
    assert loaded.card["hyper_parameters"]["sinkhorn_eps"] == adapter.card["hyper_parameters"]["sinkhorn_eps"]
    sidecar = json.loads(checkpoint.card_path(path).read_text())
    assert sidecar["backbone"] == "efficientnet_lite0" and sidecar["mode"] == "best"
    assert sorted(p.name for p in path.parent.iterdir()) == ["region.safetensors", "region.safetensors.json"]


def test_failed_save_keeps_previous_adapter(trained, tmp_path, monkeypatch):
    adapter, tiles, _ = trained
    path = tmp_path / "region.safetensors"
    adapter.save(path, {"backbone": "b"})
    before = path.read_bytes()

    def explode(*args, **kwargs):
        raise OSError("disk full")

    import safetensors.torch

    monkeypatch.setattr(safetensors.torch, "save_file", explode)
    with pytest.raises(OSError):
        adapter.save(path, {"backbone": "b"})
    assert path.read_bytes() == before
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]


def test_corrupt_files_name_the_file(trained, tmp_path):
    adapter, _, _ = trained
    garbage = tmp_path / "garbage.safetensors"
    garbage.write_bytes(b"\x00\x01 not an adapter at all")
    with pytest.raises(InputError, match="garbage.safetensors"):
        RegionAdapter.load(garbage)
    good = tmp_path / "good.safetensors"
    adapter.save(good, {"backbone": "b"})
    truncated = tmp_path / "truncated.safetensors"
    truncated.write_bytes(good.read_bytes()[: len(good.read_bytes()) // 2])
    with pytest.raises(InputError, match="truncated.safetensors"):
        RegionAdapter.load(truncated)
    with pytest.raises(InputError, match="no such adapter file"):
        RegionAdapter.load(tmp_path / "missing.safetensors")


def test_foreign_safetensors_is_refused(tmp_path):
    import torch
    from safetensors.torch import save_file

    other = tmp_path / "other.safetensors"
    save_file({"w": torch.zeros(2)}, str(other))
    with pytest.raises(InputError, match="not a geolocator adapter"):
        RegionAdapter.load(other)


def test_mismatches_say_what_differs(trained, tmp_path):
    adapter, tiles, _ = trained
    path = tmp_path / "a.safetensors"
    adapter.save(path, {"backbone": "dinov2_vitb14"})
    with pytest.raises(AdapterMismatch, match="dinov2_vitb14.*efficientnet_lite0"):
        RegionAdapter.load(path, expect_backbone="efficientnet_lite0")
    with pytest.raises(AdapterMismatch, match="32-d.*1280-d"):
        RegionAdapter.load(path, expect_dim=1280)
    with pytest.raises(AdapterMismatch, match="expects 32-d"):
        adapter.transform_tiles(np.zeros((2, 1, 16), np.float32))
