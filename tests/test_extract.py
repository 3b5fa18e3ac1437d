"""Extraction: views, batching, failures, cache hits, progress and cancel, bounded memory."""

from __future__ import annotations

import math
import os
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

from geolocator.core import extract as E
from geolocator.core.backbones import Backbone
from geolocator.core.cache import FeatureCache, file_identity
from geolocator.core.errors import Cancelled
from geolocator.core.model import Bounds, PixelWindow, Query, Tile
from geolocator.core.progress import CancelToken



class TinyNet(torch.nn.Module):
    """Fixed random convolution: fast, and not rotation invariant (so views differ)."""

    def __init__(self):
        super().__init__()
        torch.manual_seed(0)
        self.conv = torch.nn.Conv2d(3, 16, 5, stride=2)

    def forward_features(self, x):
        return torch.relu(self.conv(x))


def tiny_backbone(encode_hook=None) -> Backbone:
    bb = Backbone(name="tiny", model=TinyNet().eval(), dim=16, input_size=32, resize=36,
                  mean=(0.5, 0.5, 0.5), std=(0.25, 0.25, 0.25), weights_id="tiny0", device="cpu", pooling="gem")
    if encode_hook is not None:
        real = bb.encode

        def encode(x):
            encode_hook(x)
            return real(x)

        bb.encode = encode  # type: ignore[method-assign]
    return bb


def _img(seed: int, size=(64, 48)) -> Image.Image:
    rng = np.random.default_rng(seed)
    small = rng.integers(0, 255, (6, 8, 3)).astype(np.uint8)
    return Image.fromarray(small).resize(size, Image.Resampling.BILINEAR)


def _tiles(folder: Path, n: int) -> list[Tile]:
    folder.mkdir(exist_ok=True)
    out = []
    for i in range(n):
        p = folder / f"t{i}.png"
        _img(i).save(p)
        out.append(Tile(f"t{i}.png", p, Bounds(0, 0, 1, 1)))
    return out


def test_views_and_rotation_geometry():
    assert E.VIEWS == ("rot0", "rot45", "rot90", "rot135", "rot180", "rot225", "rot270", "rot315")
    white = Image.new("RGB", (100, 100), "white")
    r45 = E.rotate_view(white, 45)
    assert r45.size == (70, 70)  # floor(100 / sqrt 2)
    assert np.asarray(r45).min() == 255  # no blank (black) corners
    r30 = E.rotate_view(white, 30)
    assert r30.size[0] == math.floor(100 / (math.cos(math.radians(30)) + math.sin(math.radians(30))))
    assert np.asarray(r30).min() == 255
    im = _img(3)
    assert np.array_equal(np.asarray(E.rotate_view(im, 90)), np.asarray(im.rotate(90, expand=True)))
    with pytest.raises(ValueError):
        E.view_angle("flip")


def test_features_shape_norm_and_views(tmp_path):
    tiles = _tiles(tmp_path / "t", 5)
    bb = tiny_backbone()
    res = E.extract_features(tiles, bb, views=("rot0", "rot90", "rot45"), batch_size=4, workers=2)
    f = res.features
    assert f.shape == (5, 3, 16) and f.dtype == np.float32 and not res.failed
    assert np.allclose(np.linalg.norm(f, axis=2), 1.0, atol=1e-5)
    assert not np.allclose(f[:, 0], f[:, 1])  # views really differ
    # view rot90 of a tile == rot0 of that tile saved already rotated
    p = tmp_path / "rotated.png"
    Image.open(tiles[2].path).rotate(90, expand=True).save(p)
    g = E.extract_features([Tile("r", p, Bounds(0, 0, 1, 1))], bb).features
    assert np.allclose(g[0, 0], f[2, 1], atol=1e-5)
    # batching does not change results
    h = E.extract_features(tiles, bb, views=("rot0", "rot90", "rot45"), batch_size=1, workers=1).features
    assert np.allclose(h, f, atol=1e-5)


def test_windows_are_respected(tmp_path):
    p = tmp_path / "big.png"
    _img(9, size=(128, 64)).save(p)
    bb = tiny_backbone()
    left = Tile("l", p, Bounds(0, 0, 1, 1), PixelWindow(0, 0, 64, 64))
    right = Tile("r", p, Bounds(0, 0, 1, 1), PixelWindow(64, 0, 64, 64))
    f = E.extract_features([left, right], bb).features
    assert not np.allclose(f[0], f[1])
    crop = tmp_path / "right.png"
    Image.open(p).crop((64, 0, 128, 64)).save(crop)
    g = E.extract_features([Query("q", crop)], bb).features
    assert np.allclose(g[0], f[1], atol=1e-5)


def test_unreadable_images_fail_softly(tmp_path):
    tiles = _tiles(tmp_path / "t", 3)
    bad = tmp_path / "t" / "bad.jpg"
    bad.write_bytes(b"this is not a jpeg")
    items = [tiles[0], Query("bad", bad), Query("gone", tmp_path / "missing.png"), tiles[1]]
    res = E.extract_features(items, tiny_backbone(), views=("rot0", "rot45"), batch_size=2)
    assert set(res.failed) == {1, 2}
    assert "bad.jpg" in res.failed[1] and "missing.png" in res.failed[2]
    assert not res.features[1].any() and not res.features[2].any()
    assert np.allclose(np.linalg.norm(res.features[[0, 3]], axis=2), 1.0, atol=1e-5)


def test_cache_hits_skip_the_model_and_changes_invalidate(tmp_path):
    tiles = _tiles(tmp_path / "t", 6)
    cache = FeatureCache(tmp_path / "cache")
    calls = []
    bb = tiny_backbone(lambda x: calls.append(len(x)))
    cold = E.extract_features(tiles, bb, views=("rot0", "rot45"), cache=cache, batch_size=4)
    assert sum(calls) == 12 and cold.computed == 12 and cold.cache_hits == 0
    calls.clear()
    warm = E.extract_features(tiles, bb, views=("rot0", "rot45"), cache=cache, batch_size=4)
    assert calls == [] and warm.cache_hits == 12
    assert np.array_equal(warm.features, cold.features)
    # touching one file recomputes exactly that file
    st = tiles[2].path.stat()
    os.utime(tiles[2].path, ns=(st.st_atime_ns, st.st_mtime_ns + 5_000_000))
    again = E.extract_features(tiles, bb, views=("rot0", "rot45"), cache=cache, batch_size=4)
    assert sum(calls) == 2 and again.cache_hits == 10
    # a new view computes only that view; other weights miss entirely
    calls.clear()
    E.extract_features(tiles, bb, views=("rot0", "rot90"), cache=cache)
    assert sum(calls) == 6
    calls.clear()
    other = tiny_backbone(lambda x: calls.append(len(x)))
    other.weights_id = "tiny1"
    E.extract_features(tiles, other, views=("rot0",), cache=cache)
    assert sum(calls) == 6
    # a corrupt entry is rebuilt, with the same value
    calls.clear()
    for t in tiles[:3]:
        f = cache._path(cache.key(bb.signature, "rot45", file_identity(t.path)))
        f.write_bytes(f.read_bytes()[:-4])
    fixed = E.extract_features(tiles, bb, views=("rot0", "rot45"), cache=cache)
    assert sum(calls) == 3
    assert np.allclose(fixed.features, cold.features, atol=1e-6)


def test_progress_and_cancel(tmp_path):
    tiles = _tiles(tmp_path / "t", 10)
    events = []
    E.extract_features(tiles, tiny_backbone(), batch_size=3, progress=events.append, stage="extract:tiles")
    assert all(e.stage == "extract:tiles" for e in events)
    steps = [e.step for e in events]
    assert steps == sorted(steps) and steps[-1] == 10 and events[-1].total == 10
    assert len(events) >= 4 and any(e.eta_s is not None for e in events[1:-1])

    token = CancelToken()
    seen = []

    def cancel_after_first(x):
        seen.append(len(x))
        token.cancel()

    with pytest.raises(Cancelled):
        E.extract_features(tiles, tiny_backbone(cancel_after_first), batch_size=3, cancel=token)
    assert len(seen) == 1  # stopped after the first batch


def test_decoding_is_bounded(tmp_path, monkeypatch):
    """Images are decoded a bounded distance ahead of the model, never all up front."""
    tiles = _tiles(tmp_path / "t", 40)
    opened = []
    real_open = E._open_image
    monkeypatch.setattr(E, "_open_image", lambda p, w, m=None: (opened.append(p), real_open(p, w, m))[1])
    encoded = [0]
    ahead = []

    def hook(x):
        ahead.append(len(opened) - encoded[0])
        encoded[0] += len(x)

    E.extract_features(tiles, tiny_backbone(hook), batch_size=4, workers=2)
    assert len(opened) == 40
    assert max(ahead) <= 4 + 8 + 2  # one batch plus the look-ahead window (+ in-flight workers)


def test_photo_views_off_the_right_angles_keep_more_of_the_photo_and_no_blank():
    """Photo-rotation layout (issue 14): at 45 degrees the photo view is larger than rotate_view's
    blank-free square (which kept only the middle half of a 4:3 photo), its added corners mirror
    the photo (no blank), and it turns the same way as rotate_view."""
    photo = Image.new("RGB", (384, 288), (200, 120, 40))
    v45 = E.rotate_photo_view(photo, 45)
    inner = 288 / math.sqrt(2)
    box = (384 + 288) / math.sqrt(2)
    assert v45.size[0] == v45.size[1] == round(inner + E.PHOTO_VIEW_SPAN * (box - inner))  # 373, not 203
    assert np.abs(np.asarray(v45, np.int16) - (200, 120, 40)).max() <= 1  # corners filled from the photo
    # right angles: exactly rotate_view's transposes (the whole frame)
    for a in (0, 90, 180, 270):
        assert np.array_equal(np.asarray(E.rotate_photo_view(_img(5).resize((40, 30)), a)),
                              np.asarray(E.rotate_view(_img(5).resize((40, 30)), a)))
    # same direction and centre as rotate_view: a bright spot right of centre lands in the same place
    spot = Image.new("RGB", (384, 288), "black")
    spot.paste((255, 255, 255), (250, 140, 262, 152))  # 64 px right of the centre
    old, new = np.asarray(E.rotate_view(spot, 45))[..., 0], np.asarray(E.rotate_photo_view(spot, 45))[..., 0]
    yo, xo = np.unravel_index(old.argmax(), old.shape)
    yn, xn = np.unravel_index(new.argmax(), new.shape)
    assert abs((xo - old.shape[1] / 2) - (xn - new.shape[1] / 2)) <= 2
    assert abs((yo - old.shape[0] / 2) - (yn - new.shape[0] / 2)) <= 2
    assert yo < old.shape[0] / 2  # counter-clockwise: a point right of centre moves up


def test_photo_views_off_the_right_angles_have_their_own_cache_name(tmp_path):
    """A photo's rot45 vector cached by the old blank-free square must not be served for the new view."""
    q = Query("q.jpg", tmp_path / "q.jpg")
    t = Tile("t.jpg", tmp_path / "t.jpg", Bounds(0, 0, 1, 1))
    assert E.cache_view(q, "rot45") != "rot45" and E.cache_view(q, "rot90") == "rot90"
    assert E.cache_view(t, "rot45") == "rot45"  # tiles' views are unchanged (committed demo features)
