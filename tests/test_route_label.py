"""The app's verification label comes from core.route.Route's fields, not from its sentence
(session 14: the Backbone panel cut `Route.reason` at its last arrow)."""

from __future__ import annotations

from geolocator.core.route import Route, route_label


def test_a_route_is_named_from_its_fields():
    # the sentences below are deliberately unlike the words expected: the label must not read them
    assert route_label(Route("xfeat", 1, True, "anything at all", None, True), "auto") == \
        ("xfeat through mosaics (auto)", "anything at all")
    assert route_label(Route("sift", 0, False, "x → y", None, True), "auto")[0] == "sift (auto)"
    assert route_label(Route("disk", 0, False, "disk (as chosen)"), "disk")[0] == "disk (as chosen)"
    # mosaics asked for with a chosen matcher are said (the sentence "sift (as chosen)" does not)
    assert route_label(Route("sift", 1, False, "sift (as chosen)"), "sift")[0] == "sift through mosaics (as chosen)"


def test_before_a_locate_the_label_says_what_the_setting_will_do():
    assert route_label(None, "auto") == ("auto (chosen when locating)", "auto: chosen from the tiles when locating")
    assert route_label(None, "xfeat-mnn") == ("xfeat-mnn (as chosen)", "xfeat-mnn (as chosen)")


def test_the_app_results_carry_the_route_itself():
    """Results.route is the Route the verifier used, so no widget parses a sentence."""
    import dataclasses
    import typing

    import pytest

    pytest.importorskip("PySide6.QtWidgets")
    from geolocator.gui import jobs, side_panels

    hints = typing.get_type_hints(jobs.Results, vars(jobs))
    assert hints["route"] == typing.Optional[Route]
    assert {f.name for f in dataclasses.fields(jobs.Results)} >= {"route"}
    src = __import__("inspect").getsource(side_panels.BackbonePanel.show_route)
    assert ".reason" not in src and "rsplit" not in src and "→" not in src
