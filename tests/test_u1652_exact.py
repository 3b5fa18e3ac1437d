"""Exact answers of the University-1652 reader, protocol and run (session 8, written for mutation
testing of core/adapt/u1652.py). Features are 2-d unit vectors whose cosine with the query [1, 0]
is the score wanted, so every rank is set by hand; adaptation is a fake (no training)."""

import re
from pathlib import Path
from types import SimpleNamespace as NS

import numpy as np
import pytest

from geolocator.core.adapt import u1652
from geolocator.core.errors import InputError


def unit(scores):
    s = np.asarray(scores, np.float64)
    return np.stack([s, np.sqrt(1 - s**2)], axis=1).astype(np.float32)


Q = unit([1.0])


def ranked(n):
    """n gallery features ranked in the given order for the query Q."""
    return unit(np.linspace(0.99, 0.01, n))


def test_read_folder_sorts_ids_and_names_and_keeps_images_only(tmp_path):
    for rel in ["0002/b.jpg", "0002/a.JPG", "0001/z.png", "0001/notes.txt", "loose.jpg", "0003/x.jpeg"]:
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_bytes(b"x")
    paths, labels = u1652.read_folder(str(tmp_path))
    assert [p.relative_to(tmp_path).as_posix() for p in paths] == ["0001/z.png", "0002/a.JPG", "0002/b.jpg",
                                                                   "0003/x.jpeg"]
    assert labels.tolist() == ["0001", "0002", "0002", "0003"] and isinstance(paths[0], Path)


def test_read_folder_errors_name_the_folder(tmp_path):
    with pytest.raises(InputError) as e:
        u1652.read_folder(tmp_path / "none")
    assert e.value.path == tmp_path / "none" and e.value.problem == "missing folder of the University-1652 layout"
    (tmp_path / "empty" / "0001").mkdir(parents=True)
    with pytest.raises(InputError) as e:
        u1652.read_folder(tmp_path / "empty")
    assert e.value.path == tmp_path / "empty" and e.value.problem == "no images in <building id>/ sub-folders"


def test_views_adds_a_view_axis_to_rows_only():
    v = u1652._views(np.ones((3, 2), np.float64))
    assert v.shape == (3, 1, 2) and v.dtype == np.float32
    w = u1652._views(np.ones((3, 4, 2)))
    assert w.shape == (3, 4, 2) and w.dtype == np.float32


def test_recall_boundaries_at_5_and_10():
    g = ranked(12)
    labels = ["x"] * 12
    for first, want in [(4, (0, 100, 100)), (5, (0, 0, 100)), (9, (0, 0, 100)), (10, (0, 0, 0)), (0, (100, 100, 100))]:
        lab = list(labels)
        lab[first] = "a"
        m = u1652.evaluate_u1652(Q, ["a"], g, lab)
        assert (m["R@1"], m["R@5"], m["R@10"]) == want, first
        assert m["n_gallery"] == 12 and m["n_queries"] == 1


def test_top_one_percent_window_is_round_of_one_percent_plus_one():
    # G = 150: round(1.5) = 2 -> the top 3; G = 250: round(2.5) = 2 (half to even) -> the top 3
    for n, inside, outside in [(150, 2, 3), (250, 2, 3), (350, 4, 5)]:
        g = ranked(n)
        for pos, want in [(inside, 100.0), (outside, 0.0)]:
            lab = ["x"] * n
            lab[pos] = "a"
            assert u1652.evaluate_u1652(Q, ["a"], g, lab)["R@top1%"] == want, (n, pos)


def test_ap_by_the_official_trapezoid():
    g = ranked(5)
    # positives at 0-based ranks 0 and 2: P = [1, 2/3], P_prev = [1, 1/2]: ((1+1)/2 + (1/2+2/3)/2) / 2
    m = u1652.evaluate_u1652(Q, ["a"], g, ["a", "x", "a", "x", "x"])
    assert m["AP"] == pytest.approx(100 * (1 + (0.5 + 2 / 3) / 2) / 2)
    # one positive at rank 3: ((3/3) ... P = 1/4, P_prev = 0/3 = 0: (0 + 1/4) / 2
    m = u1652.evaluate_u1652(Q, ["a"], g, ["x", "x", "x", "a", "x"])
    assert m["AP"] == pytest.approx(100 * 0.125)
    # ranks 0 and 1: P = [1, 1], P_prev = [1, 1/1]: AP 1
    assert u1652.evaluate_u1652(Q, ["a"], g, ["a", "a", "x", "x", "x"])["AP"] == pytest.approx(100)


def test_equal_scores_keep_the_gallery_order():
    # 40 gallery images alternating two scores: a stable sort ranks image 6 fourth (after 0, 2, 4);
    # numpy's default sort may not keep ties in order at this size
    g = unit([0.5, 0.2] * 20)
    labels = ["x"] * 40
    labels[6] = "a"
    m = u1652.evaluate_u1652(Q, ["a"], g, labels)
    assert m["R@1"] == 0 and m["AP"] == pytest.approx(100 * (0 + 1 / 4) / 2)


def test_junk_before_a_positive_does_not_count_and_queries_are_chunked():
    g = ranked(4)
    # "-1" at rank 0 is removed: the positive moves from rank 1 to rank 0
    m = u1652.evaluate_u1652(Q, ["a"], g, ["-1", "a", "x", "x"])
    assert m["R@1"] == 100 and m["AP"] == pytest.approx(100)
    q = np.concatenate([Q, Q, Q])
    labels = ["none", "a", "x"]  # a query without positive first: skipped, the others still count
    for chunk in (1, 2, 1024):
        m = u1652.evaluate_u1652(q, labels, g, ["x", "a", "x", "-1"], chunk=chunk)
        # "none" skipped; query a: positive at rank 1 (R@1 0, AP 1/2 / 2 = 0.25); query x: positives at ranks 0 and 2 after
        # the junk is dropped (ranks 0, 2 of [x, a, x]): AP (1 + (1/2 + 2/3)/2)/2; "none" skipped
        assert m["n_queries"] == 2
        assert m["R@1"] == 50.0
        assert m["AP"] == pytest.approx(100 * (0.25 + (1 + (0.5 + 2 / 3) / 2) / 2) / 2)


def test_labels_are_compared_as_strings_and_scores_as_the_best_view():
    g = np.stack([unit([0.1, 0.95]), unit([0.9, 0.2]), unit([0.5, 0.5])])  # best views 0.95, 0.9, 0.5
    m = u1652.evaluate_u1652(np.stack([Q, unit([0.0])], axis=1), [7], g, ["8", "7", "9"])
    assert m["R@1"] == 0 and m["R@5"] == 100 and m["AP"] == pytest.approx(100 * (0 + 0.5) / 2)


def test_no_positive_at_all_is_an_error():
    with pytest.raises(ValueError, match="^" + re.escape("no query has a positive in the gallery") + "$"):
        u1652.evaluate_u1652(Q, ["a"], ranked(3), ["x", "y", "-1"])


# ---------------------------------------------------------------- run_u1652 with fakes


def _layout(root):
    """One image per folder and building: test/<dir>/<id>/<dir>.jpg, train likewise."""
    for split, dirs in u1652.LAYOUT.items():
        for d in dirs:
            for b in ("0001", "0002"):
                p = root / split / d / b / f"{d}.jpg"
                p.parent.mkdir(parents=True, exist_ok=True)
                p.write_bytes(b"x")


def _features(seen):
    """Feature of an image: its building's direction, the same for every view of the building."""

    def fn(paths):
        seen.append([f"{p.parts[-4]}/{p.parts[-3]}" for p in paths])
        score = {("0001", True): 0.9, ("0002", True): 0.1, ("0001", False): 0.8, ("0002", False): 0.2}
        return np.stack([unit([score[p.parts[-2], "drone" in p.parts[-3]]])[0] for p in paths])

    return fn


def test_run_frozen_evaluates_both_directions(tmp_path):
    _layout(tmp_path)
    seen = []
    out = u1652.run_u1652(str(tmp_path), _features(seen), mode=None)
    assert seen == [["test/query_drone"] * 2, ["test/gallery_satellite"] * 2, ["test/query_satellite"] * 2,
                    ["test/gallery_drone"] * 2]
    for d in ("drone->satellite", "satellite->drone"):
        assert out[d]["R@1"] == 100 and out[d]["n_queries"] == 2 and out[d]["n_gallery"] == 2
    assert out["adapted"] is False and out["mode"] is None and out["adapt_on"] is None and out["card"] is None


class FakeAdapter:
    """Swaps the two buildings for photos only: drone->satellite then finds nothing first. Records
    the first coordinate of what it is given (0.9 / 0.1: drone images, 0.8 / 0.2: satellite)."""

    card = {"mode": "fake"}

    def __init__(self):
        self.queries, self.tiles = [], []

    def transform_queries(self, f):
        assert f.ndim == 2
        self.queries.append(np.round(f[:, 0], 3).tolist())
        return f[:, ::-1].copy()

    def transform_tiles(self, f):
        assert f.ndim == 3
        self.tiles.append(np.round(f[:, 0, 0], 3).tolist())
        return f


@pytest.mark.parametrize("adapt_on", ["train", "test"])
def test_run_adapted_on_each_split(tmp_path, adapt_on, monkeypatch):
    from geolocator.core.adapt import em

    _layout(tmp_path)
    seen, calls = [], []

    fake = FakeAdapter()

    def adapt(tiles, photos, **kw):
        calls.append((tiles.shape, photos.shape, kw))
        return fake

    monkeypatch.setattr(em, "adapt", adapt)
    progress, cancel = object(), object()
    out = u1652.run_u1652(tmp_path, _features(seen), adapt_on=adapt_on, mode="paper", steps=7, seed=3,
                          device="cpu", progress=progress, cancel=cancel)
    assert calls == [((2, 1, 2), (2, 2), dict(mode="paper", steps=7, seed=3, device="cpu", progress=progress,
                                              cancel=cancel))]
    if adapt_on == "train":
        assert seen[4:] == [["train/satellite"] * 2, ["train/drone"] * 2]
    else:
        assert len(seen) == 4
    # drone features swapped: 0001 [0.9, 0.436] -> [0.436, 0.9], 0002 [0.1, 0.995] -> [0.995, 0.1];
    # satellite 0001 [0.8, 0.6], 0002 [0.2, 0.98] unchanged. drone->satellite: 0001 . (0.8, 0.2
    # tiles) = 0.889 < 0.969, 0002: 0.856 > 0.297: both wrong. satellite->drone: 0001 finds 0001
    # (0.889 > 0.856), 0002 finds 0001 (0.969 > 0.297): 50 %
    assert out["drone->satellite"]["R@1"] == 0 and out["satellite->drone"]["R@1"] == 50
    assert out["adapted"] is True and out["mode"] == "paper" and out["adapt_on"] == adapt_on
    assert out["card"] == {"mode": "fake"}
    assert np.allclose(fake.queries, [[0.9, 0.1], [0.9, 0.1]]) and np.allclose(fake.tiles, [[0.8, 0.2], [0.8, 0.2]])


def test_run_defaults_adapt_the_best_mode_on_train_with_seed_0_on_auto(tmp_path, monkeypatch):
    from geolocator.core.adapt import em

    _layout(tmp_path)
    calls = []
    monkeypatch.setattr(em, "adapt", lambda tiles, photos, **kw: calls.append(kw) or FakeAdapter())
    out = u1652.run_u1652(tmp_path, _features([]))
    assert calls == [dict(mode="best", steps=None, seed=0, device="auto", progress=None, cancel=None)]
    assert out["adapt_on"] == "train" and out["mode"] == "best"


def test_run_refuses_an_unknown_split_and_names_a_missing_folder(tmp_path):
    with pytest.raises(InputError) as e:
        u1652.run_u1652(tmp_path, _features([]), adapt_on="val")
    assert e.value.path == tmp_path and e.value.problem == "adapt_on must be 'train' or 'test', not 'val'"
    _layout(tmp_path)
    import shutil

    shutil.rmtree(tmp_path / "train" / "satellite")
    with pytest.raises(InputError) as e:
        u1652.run_u1652(tmp_path, _features([]), adapt_on="train", mode="paper")
    assert e.value.path == tmp_path / "train" / "satellite"
