"""Mode best's photo-photo chains with a learned backend (session 11, issue 13): at most
GeometrySettings.learned_links partners matched per photo and round, the most alike first by
their heading search's mutual-neighbour count, stopping at a chain as strong as the verifier's
early stop. SIFT (no early stop) tries every partner as before (tests/test_geometric_exact.py).

The fakes of test_geometric_exact: a fake verifier's direct matches, fake photo-photo links, and
a fake partner_scores, so every call below is worked out by hand.
"""

import numpy as np

from geolocator.core.adapt import geometric
from geolocator.core.adapt.geometric import GeoLabel, GeometrySettings, geometric_labels, partner_scores
from geolocator.core.rerank import LocalFeatures, VerifySettings
from .test_geometric_exact import L, T, TileSet, Verifier, make_fakes


def _learned(direct, no_photo=()):
    v = Verifier(direct, no_photo=no_photo)
    v.settings = VerifySettings(matcher="xfeat")  # stop_at() 40 (rerank.LEARNED_STOP_INLIERS)
    return v


def _scores(monkeypatch, table):
    """partner_scores from `table` {(photo, partner): score} (0 when absent); records each call."""
    asked = []

    def scores(photo, partners):
        asked.append((photo.name, [p.name for p in partners]))
        return [table.get((photo.name, p.name), 0) for p in partners]

    monkeypatch.setattr(geometric, "partner_scores", scores)
    return asked


NAMES = ["a0", "a1", "a2", "a3", "a4", "c"]


def _setup(anchor_inliers=60):
    direct = {f"a{i}": [(anchor_inliers, T(0.0), (0.5, 0.5))] for i in range(5)}
    direct["c"] = [(0, T(0.0), None)]
    s = np.zeros((6, 6))
    s[5, :5] = [0.9, 0.8, 0.7, 0.6, 0.5]  # globally most similar first: a0 .. a4
    return direct, s


def test_learned_links_match_only_the_most_alike_partners(monkeypatch):
    fakes = make_fakes(monkeypatch)
    direct, s = _setup()
    asked = _scores(monkeypatch, {("c", "a3"): 90, ("c", "a1"): 50, ("c", "a4"): 50})
    fakes.links[("c", "a3")] = (39, L(0.0))  # below the early stop (40): no chain, go on
    fakes.links[("c", "a1")] = (50, L(0.0))
    fakes.links[("c", "a0")] = (55, L(0.0))  # would be the strongest, but a0 is not among the 2 most alike
    labels = geometric_labels(NAMES, TileSet(), np.array([[i] for i in range(6)]) % 4, s, _learned(direct),
                              GeometrySettings(learned_links=2, rounds=1))
    # the 5 anchors scored in their global order; a3 (90), then a1 and a4 tie at 50: a1 first (global order)
    assert asked == [("c", ["a0", "a1", "a2", "a3", "a4"])]
    assert [c[:2] for c in fakes.calls] == [("c", "a3"), ("c", "a1")]
    assert labels[5] == GeoLabel(1, 50, 1)  # min(50, 60); a1's tile is 1


def test_links_still_bound_the_partners_scored(monkeypatch):
    fakes = make_fakes(monkeypatch)
    direct, s = _setup()
    asked = _scores(monkeypatch, {("c", "a3"): 90})
    geometric_labels(NAMES, TileSet(), np.array([[i] for i in range(6)]) % 4, s, _learned(direct),
                     GeometrySettings(links=2, learned_links=8, rounds=1))
    assert asked == [("c", ["a0", "a1"])]  # a3 is not among the 2 most similar: never scored
    assert [c[:2] for c in fakes.calls] == [("c", "a0"), ("c", "a1")]


def test_a_chain_as_strong_as_the_early_stop_ends_the_photo_s_search(monkeypatch):
    fakes = make_fakes(monkeypatch)
    direct, s = _setup()
    _scores(monkeypatch, {("c", "a2"): 9, ("c", "a0"): 8, ("c", "a1"): 7})
    fakes.links[("c", "a2")] = (39, L(0.0))  # min(39, 60) = 39 < 40: go on
    fakes.links[("c", "a0")] = (40, L(0.0))  # exactly the early stop (40): stop here
    fakes.links[("c", "a1")] = (55, L(0.0))
    labels = geometric_labels(NAMES, TileSet(), np.array([[i] for i in range(6)]) % 4, s, _learned(direct),
                              GeometrySettings(learned_links=4, rounds=1))
    assert [c[:2] for c in fakes.calls] == [("c", "a2"), ("c", "a0")]
    assert labels[5] == GeoLabel(0, 40, 0)


def test_later_rounds_go_on_with_the_next_most_alike_and_new_anchors(monkeypatch):
    fakes = make_fakes(monkeypatch)
    names = ["a0", "a1", "a2", "d", "c"]
    direct = {n: [(60, T(0.0), (0.5, 0.5))] for n in ("a0", "a1", "a2")}
    direct["d"] = direct["c"] = [(0, T(0.0), None)]
    s = np.zeros((5, 5))
    s[3, :3] = [0.9, 0.8, 0.7]
    s[4, :4] = [0.9, 0.8, 0.7, 0.6]
    # c's round-1 partner a0 stays its most alike (10 > d's 9): round 2 must pass over it, tried
    _scores(monkeypatch, {("c", "a0"): 10, ("c", "a1"): 4, ("c", "a2"): 3, ("c", "d"): 9, ("d", "a2"): 9})
    fakes.links[("d", "a2")] = (45, L(0.0))  # d chains in round 1 (and anchors round 2: 45 >= 40)
    fakes.links[("c", "d")] = (42, L(0.0))
    labels = geometric_labels(names, TileSet(), np.array([[0], [1], [2], [3], [3]]), s, _learned(direct),
                              GeometrySettings(learned_links=1, rounds=3))
    # round 1: d -> a2 (its most alike), c -> a0 (nothing); round 2: c's untried partners a1, a2, d:
    # d most alike (9); round 3: nothing new was placed in round 2 except c itself, c is done
    assert [c[:2] for c in fakes.calls] == [("d", "a2"), ("c", "a0"), ("c", "d")]
    assert labels[3] == GeoLabel(2, 45, 2) and labels[4] == GeoLabel(2, 42, 3)


def test_photos_without_keypoints_and_no_bound(monkeypatch):
    fakes = make_fakes(monkeypatch)
    direct, s = _setup()
    asked = _scores(monkeypatch, {("c", "a4"): 9})
    # a0 has no keypoints: never scored nor matched
    geometric_labels(NAMES, TileSet(), np.array([[i] for i in range(6)]) % 4, s, _learned(direct, no_photo={"a0"}),
                     GeometrySettings(learned_links=1, rounds=1))
    assert asked == [("c", ["a1", "a2", "a3", "a4"])] and [c[:2] for c in fakes.calls] == [("c", "a4")]
    fakes.calls.clear()
    asked.clear()
    # c without keypoints: nothing scored, nothing matched
    geometric_labels(NAMES, TileSet(), np.array([[i] for i in range(6)]) % 4, s, _learned(direct, no_photo={"c"}),
                     GeometrySettings(learned_links=1, rounds=1))
    assert asked == [] and fakes.calls == []
    # learned_links 0: every partner in its global order, unscored (as with SIFT)
    geometric_labels(NAMES, TileSet(), np.array([[i] for i in range(6)]) % 4, s, _learned(direct),
                     GeometrySettings(learned_links=0, rounds=1))
    assert asked == [] and [c[1] for c in fakes.calls] == ["a0", "a1", "a2", "a3", "a4"]
    assert GeometrySettings().learned_links == 8


def test_sift_is_not_bounded(monkeypatch):
    fakes = make_fakes(monkeypatch)
    direct, s = _setup()
    asked = _scores(monkeypatch, {})
    geometric_labels(NAMES, TileSet(), np.array([[i] for i in range(6)]) % 4, s, Verifier(direct),
                     GeometrySettings(learned_links=1, rounds=1))
    assert asked == [] and [c[1] for c in fakes.calls] == ["a0", "a1", "a2", "a3", "a4"]
    assert fakes.looked == []  # SIFT pairs are cheap: no first look


def test_a_link_hopeless_at_first_look_is_not_glued(monkeypatch):
    """Session 24: a learned link is glued (LighterGlue) only when its first look (quick_link) finds
    link_precheck inliers; before, every link was glued (the Adapt phase's longest part)."""
    fakes = make_fakes(monkeypatch)
    direct, s = _setup()
    _scores(monkeypatch, {("c", "a2"): 9, ("c", "a0"): 8, ("c", "a1"): 7})
    fakes.quick[("c", "a2")] = 11  # one short of link_precheck (12): hopeless
    fakes.quick[("c", "a0")] = 12  # exactly enough: glued
    fakes.links[("c", "a2")] = (55, L(0.0))  # (what the glue would have found: never asked)
    fakes.links[("c", "a0")] = (45, L(0.0))
    # link_cap 0: session 26's order, each partner looked at just before its glue (the cap: below)
    labels = geometric_labels(NAMES, TileSet(), np.array([[i] for i in range(6)]) % 4, s, _learned(direct),
                              GeometrySettings(learned_links=4, rounds=2, link_cap=0))
    assert fakes.looked == [("c", "a2"), ("c", "a0")]
    assert [c[:2] for c in fakes.calls] == [("c", "a0")]
    # session 25: the glue is given the heading its first look was searched at (once a link)
    assert fakes.headings == [("heading", "c", "a0")]
    assert labels[5] == GeoLabel(0, 45, 0)
    fakes.calls.clear()
    fakes.looked.clear()
    # link_precheck 0: every link glued, none looked at first
    labels = geometric_labels(NAMES, TileSet(), np.array([[i] for i in range(6)]) % 4, s, _learned(direct),
                              GeometrySettings(learned_links=4, rounds=1, link_precheck=0))
    assert fakes.looked == [] and [c[:2] for c in fakes.calls] == [("c", "a2")]
    assert fakes.headings[-1] is None  # no first look: the glue searches its own heading
    assert labels[5] == GeoLabel(2, 55, 2) and GeometrySettings().link_precheck == 12


def test_partner_scores_count_mutual_nearest_neighbours():
    # 16-dim unit descriptors e0..e15. The photo holds e0..e9. Partner A holds the same ten: each is
    # the other's nearest, 10 mutual. Partner B holds e0, e1, e2 and e10..e15 (orthogonal to all the
    # photo's): e0-e2 are mutual; B's others' nearest photo descriptor is a tie at 0 (argmax: the
    # photo's e0), whose own nearest is B's e0, so not mutual: 3. A single heading (no views).
    eye = np.eye(16, dtype=np.float32)
    pts = np.zeros((10, 2), np.float32)
    photo = LocalFeatures(pts, eye[:10], (100, 100))
    a = LocalFeatures(pts, eye[:10], (100, 100))
    b = LocalFeatures(np.zeros((9, 2), np.float32), eye[[0, 1, 2, 10, 11, 12, 13, 14, 15]], (100, 100))
    assert partner_scores(photo, [a, b]) == [10, 3]


def test_a_learned_backend_s_labels_anchors_and_links_need_a_clear_match(monkeypatch):
    # xfeat's early stop is 40 inliers (rerank.LEARNED_STOP_INLIERS). Direct: a 39 is no label, a 40
    # is one and anchors. b (40) anchors; c links to b with 39 (no chain) and to a with 45 (a chain);
    # with learned_clear off, SIFT's floors (min_inliers 8, anchor and link 12) apply instead.
    fakes = make_fakes(monkeypatch)
    _scores(monkeypatch, {})
    names = ["a", "b", "c", "w"]
    direct = {"a": [(50, T(0.0), (0.5, 0.5))], "b": [(40, T(0.0), (0.5, 0.5))], "c": [(0, T(0.0), None)],
              "w": [(39, T(0.0), (0.5, 0.5))]}
    s = np.zeros((4, 4))
    s[2] = [0.5, 0.9, 0, 0]
    s[3] = [0.9, 0.8, 0.7, 0]
    fakes.links[("c", "b")] = (39, L(0.0))
    fakes.links[("c", "a")] = (45, L(0.0))
    fakes.links[("w", "a")] = (39, L(0.0))  # a link below 40: w stays unlabelled
    cand = np.array([[0], [1], [2], [3]])
    labels = geometric_labels(names, TileSet(), cand, s, _learned(direct), GeometrySettings(rounds=1))
    assert labels == [GeoLabel(0, 50, None), GeoLabel(1, 40, None), GeoLabel(0, 45, 0), None]
    assert [c[:2] for c in fakes.calls] == [("c", "b"), ("c", "a"), ("w", "a"), ("w", "b")]
    fakes.calls.clear()
    labels = geometric_labels(names, TileSet(), cand, s, _learned(direct), GeometrySettings(rounds=1, learned_clear=False))
    # w's own 39 anchors now (>= 12): nothing left to chain but c; c's 39 through b (min(39, 40)) beats
    # nothing, then a's min(45, 50) = 45 beats it, and 45 >= 40 stops the search
    assert labels == [GeoLabel(0, 50, None), GeoLabel(1, 40, None), GeoLabel(0, 45, 0), GeoLabel(3, 39, None)]
    assert [c[:2] for c in fakes.calls] == [("c", "b"), ("c", "a")]
    assert GeometrySettings().learned_clear


def test_quick_inliers_counts_one_homography_of_mutual_neighbours():
    """matchers/verify.quick_inliers, exactly: a partner whose keypoints are the photo's shifted 20 px
    (the same descriptors) keeps every keypoint within the first `keypoints`; unrelated descriptors
    or a mirrored view (no camera sees that) give 0."""
    from geolocator.core.matchers.verify import quick_inliers

    rng = np.random.default_rng(3)
    n = 300
    points = rng.uniform([0, 0], [640, 480], (n, 2)).astype(np.float32)
    desc = rng.normal(size=(n, 64)).astype(np.float32)
    photo = LocalFeatures(points, desc, (640, 480))
    settings = VerifySettings(matcher="xfeat")
    shifted = LocalFeatures(points + np.float32([20, 10]), desc, (640, 480))
    assert quick_inliers(photo, shifted, settings, expected_share=1.0) == n
    assert quick_inliers(photo, shifted, settings, expected_share=1.0, keypoints=100) == 100
    unrelated = LocalFeatures(points, rng.normal(size=(n, 64)).astype(np.float32), (640, 480))
    assert quick_inliers(photo, unrelated, settings, expected_share=1.0) < 12
    mirrored = LocalFeatures(np.c_[640 - points[:, 0], points[:, 1]].astype(np.float32), desc, (640, 480))
    assert quick_inliers(photo, mirrored, settings, expected_share=1.0) == 0
    assert quick_inliers(photo, LocalFeatures(points[:3], desc[:3], (640, 480)), settings) == 0


def _photo(n, seed=3):
    rng = np.random.default_rng(seed)
    points = rng.uniform([0, 0], [640, 480], (n, 2)).astype(np.float32)
    return points, rng.normal(size=(n, 64)).astype(np.float32), rng


def test_quick_inliers_looks_at_the_strongest_keypoints_of_both_sides():
    """Session 25 (mutants V1, V2): both sides are cut to their `keypoints` strongest (backends list
    them best first). A partner holding the photo's keypoints in reverse order shares none of its
    strongest 100 with the photo's strongest 100: nothing there, although all 300 would match."""
    from geolocator.core.matchers.verify import quick_inliers

    points, desc, _ = _photo(300)
    photo = LocalFeatures(points, desc, (640, 480))
    settings = VerifySettings(matcher="xfeat")
    reverse = LocalFeatures((points + np.float32([20, 10]))[::-1].copy(), desc[::-1].copy(), (640, 480))
    assert quick_inliers(photo, reverse, settings, expected_share=1.0) == 300
    assert quick_inliers(photo, reverse, settings, expected_share=1.0, keypoints=100) < 12


def test_quick_inliers_keeps_1024_keypoints_by_default():
    """QUICK_KEYPOINTS = 1024 (bench_gui_session24.md: at 512 a right link kept as few as 8 inliers)
    is what a call without `keypoints` uses (mutant V4)."""
    from geolocator.core.matchers.verify import QUICK_KEYPOINTS, quick_inliers

    points, desc, _ = _photo(1100)
    photo = LocalFeatures(points, desc, (640, 480))
    shifted = LocalFeatures(points + np.float32([20, 10]), desc, (640, 480))
    assert QUICK_KEYPOINTS == 1024
    assert quick_inliers(photo, shifted, VerifySettings(matcher="xfeat"), expected_share=1.0) == 1024


def test_quick_inliers_counts_the_fit_s_inliers_not_its_matches():
    """Of 300 mutual neighbours, 200 lie where the shift puts them and 100 far off it (100-300 px,
    each its own way): 200 inliers (mutant V7 counted every match)."""
    from geolocator.core.matchers.verify import quick_inliers

    points, desc, rng = _photo(300)
    moved = points + np.float32([20, 10])
    moved[200:] += (rng.uniform(100, 300, (100, 2)) * rng.choice([-1, 1], (100, 2))).astype(np.float32)
    photo = LocalFeatures(points, desc, (640, 480))
    assert quick_inliers(photo, LocalFeatures(moved, desc, (640, 480)), VerifySettings(matcher="xfeat"),
                         expected_share=1.0) == 200


def test_quick_inliers_takes_mutual_neighbours_however_alike():
    """The first look keeps every mutual nearest neighbour, however low its cosine (the threshold
    is -inf): the same points described with noise (cosine about 0.7) all count (mutant V3 asked
    0.9 and found none)."""
    from geolocator.core.matchers.verify import quick_inliers

    points, desc, rng = _photo(300)
    noisy = desc + rng.normal(size=desc.shape).astype(np.float32)
    photo = LocalFeatures(points, desc, (640, 480))
    assert quick_inliers(photo, LocalFeatures(points + np.float32([20, 10]), noisy, (640, 480)),
                         VerifySettings(matcher="xfeat"), expected_share=1.0) == 300


def test_quick_inliers_matches_the_photo_s_most_alike_heading():
    """A photo with a second heading (a view turned 180 degrees, as a learned backend describes
    one): a partner that saw the photo that way is matched through that view, and the fit maps the
    upright photo's pixels (mutant V5 matched the upright heading only and found nothing)."""
    from geolocator.core.matchers.verify import quick_inliers

    points, desc, rng = _photo(300)
    turn = np.array([[-1, 0, 639], [0, -1, 479], [0, 0, 1]], np.float64)  # 180 degrees in 640 x 480
    turned = (points @ turn[:2, :2].T + turn[:2, 2]).astype(np.float32)
    other = rng.normal(size=desc.shape).astype(np.float32)  # the turned view's own descriptors
    photo = LocalFeatures(points, desc, (640, 480), views=((LocalFeatures(turned, other, (640, 480)), turn),))
    partner = LocalFeatures(turned + np.float32([20, 10]), other, (640, 480))
    assert quick_inliers(photo, partner, VerifySettings(matcher="xfeat"), expected_share=1.0) == 300


def test_a_link_s_first_look_expects_two_photos_of_one_footprint(monkeypatch):
    """geometric.quick_link asks the photo-photo footprint rule (expected_share 1.0: the partner's
    outline of the photo within footprint_tolerance of its own size), as the glue's verify_pair
    does; a partner where the photo covers a tenth of the picture is hopeless (mutant G4 used the
    tile rule, down to 0.02 of it, and glued such pairs)."""
    points, desc, _ = _photo(300)
    photo = LocalFeatures(points, desc, (640, 480))
    settings = VerifySettings(matcher="xfeat")
    same = LocalFeatures(points + np.float32([20, 10]), desc, (640, 480))
    small = LocalFeatures(points * np.float32(0.3) + np.float32([100, 100]), desc, (640, 480))  # 0.09 of it
    assert geometric.quick_link(photo, same, settings) == 300
    assert geometric.quick_link(photo, small, settings) == 0
