"""Extraction over Ray lands in the same store with identical features (local Ray on 127.0.0.1)."""

from __future__ import annotations

import socket

import numpy as np
import pytest
import torch

from geolocator.core.errors import GeolocatorError


class _Tiny(torch.nn.Module):
    def __init__(self):
        super().__init__()
        torch.manual_seed(0)
        self.conv = torch.nn.Conv2d(3, 8, 7, stride=4)

    def forward(self, x):
        return torch.relu(self.conv(x))


@pytest.mark.slow
def test_ray_index_equals_local_index(tmp_path):
    ray = pytest.importorskip("ray", reason="ray is not installed (pip install 'geolocator[ray]')")
    from tests.test_extract import _tiles

    from geolocator.core.backbones import load_backbone
    from geolocator.core.extract import extract_into_store
    from geolocator.core.ray_index import connect, ray_compute
    from geolocator.core.store import FeatureStore

    model = tmp_path / "tiny.pt"
    torch.jit.script(_Tiny().eval()).save(str(model))
    bb = load_backbone(str(model), device="cpu")
    tiles = _tiles(tmp_path / "tiles", 20)
    (tmp_path / "tiles" / "t7.png").write_bytes(b"broken")  # a failure is reported the same way

    def store(name):
        # each store in its own parent folder: stores side by side share rows (FeatureStore.adopt),
        # and the Ray run would then copy the local run's rows instead of computing them
        return FeatureStore(tmp_path / name / "store", signature=bb.signature, views=("rot0",), dim=bb.dim)

    local = extract_into_store(tiles, bb, store("local"), batch_size=4, chunk=6)
    connect(None, num_cpus=2, object_store_mb=80)
    try:
        # Ray replaces 127.0.0.1 by this machine's own interface address (services.
        # resolve_ip_for_localhost); a local instance is one whose address this machine can bind
        host = ray.get_runtime_context().gcs_address.rsplit(":", 1)[0]
        with socket.socket() as sock:
            sock.bind((host, 0))
        compute = ray_compute(bb, source=str(model), workers=2, batch_size=4)
        remote = extract_into_store(tiles, bb, store("ray"), batch_size=4, chunk=6, compute=compute)
    finally:
        ray.shutdown()
    assert set(remote.failed) == set(local.failed) == {7}
    np.testing.assert_array_equal(remote.rows, local.rows)
    np.testing.assert_array_equal(store("ray").array(), store("local").array())
    assert (tmp_path / "ray" / "store" / "manifest.log").read_text() == \
        (tmp_path / "local" / "store" / "manifest.log").read_text()


def test_without_ray_the_flag_says_how_to_install(monkeypatch):
    import builtins

    from geolocator.core import ray_index

    real_import = builtins.__import__

    def no_ray(name, *args, **kw):
        if name == "ray":
            raise ImportError("No module named 'ray'")
        return real_import(name, *args, **kw)

    monkeypatch.setattr(builtins, "__import__", no_ray)
    with pytest.raises(GeolocatorError, match=r'pip install "geolocator\[ray\]"'):
        ray_index.require_ray()


def test_index_ray_flag_parses_with_and_without_an_address():
    from geolocator.cli import build_parser

    parser = build_parser()
    assert parser.parse_args(["index", "tiles.csv", "--ray"]).ray == "local"
    assert parser.parse_args(["index", "tiles.csv", "--ray", "head:6379"]).ray == "head:6379"
    assert parser.parse_args(["index", "tiles.csv"]).ray is None
