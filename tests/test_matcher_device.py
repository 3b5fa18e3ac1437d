"""The learned matchers follow the Workspace's device when it is CUDA (issue 13: seconds a photo
on CUDA); SIFT is OpenCV on the CPU, and MPS is not used for the matchers."""

from __future__ import annotations

import pytest

from geolocator.core import backbones
from geolocator.core.errors import GeolocatorError
from geolocator.core.pipeline import Settings, Workspace


@pytest.mark.parametrize("resolved, expected", [("cuda", "cuda"), ("cuda:1", "cuda:1"), ("mps", "cpu"),
                                                ("cpu", "cpu")])
def test_matcher_device_follows_cuda_only(monkeypatch, tmp_path, resolved, expected):
    seen = []
    monkeypatch.setattr(backbones, "resolve_device", lambda device="auto": seen.append(device) or resolved)
    ws = Workspace(Settings(device="auto", cache_dir=tmp_path))
    assert ws.matcher_device() == expected
    assert seen == ["auto"]  # the Workspace's own setting is what gets resolved


def test_verifier_built_on_the_matcher_device(monkeypatch, tmp_path):
    monkeypatch.setattr(backbones, "resolve_device", lambda device="auto": "cuda")
    ws = Workspace(Settings(device="cuda", cache_dir=tmp_path))
    verifier = ws._cached_verifier(matcher="xfeat")  # built lazily: no model is loaded here
    assert verifier.settings.device == "cuda"
    assert ws._cached_verifier(matcher="xfeat", device="cpu").settings.device == "cpu"  # an explicit one stays


def test_missing_cuda_is_a_clear_error(monkeypatch, tmp_path):
    monkeypatch.setattr(backbones.torch.cuda, "is_available", lambda: False)
    ws = Workspace(Settings(device="cuda", cache_dir=tmp_path))
    with pytest.raises(GeolocatorError, match="CUDA is not available"):
        ws.matcher_device()
