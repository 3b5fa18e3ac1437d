"""Counts, sizes and help as a reader meets them: '1 prediction', '1 tile (under 1 MB)', --top-k explained."""

from __future__ import annotations

import pytest

from geolocator.cli import main
from geolocator.core.model import Bounds
from geolocator.core.sources import fetch as F
from geolocator.core.wording import count, megabytes, placed_summary


def test_counts_take_the_right_number_and_small_sizes_are_not_zero():
    # "wrote 1 predictions", "1 tiles (about 0 MB)"
    assert [count(n, "prediction") for n in (0, 1, 2, 1200)] == ["0 predictions", "1 prediction", "2 predictions",
                                                                  "1,200 predictions"]
    assert count(1, "failed tile") == "1 failed tile" and count(3, "query", "queries") == "3 queries"
    assert megabytes(25_000, about=True) == "under 1 MB" and megabytes(25_000) == "under 1 MB"
    assert megabytes(0) == "0 MB" and megabytes(3_400_000) == "3.4 MB" and megabytes(3_400_000, about=True) == "about 3 MB"


def test_the_fetch_plan_of_one_tile_reads_right():
    template = F.parse_template("http://127.0.0.1:9/{z}/{x}/{y}.jpg")
    area = Bounds(-115.2335, 36.1418, -115.2334, 36.1419)  # well inside one zoom-15 tile
    plan = F.plan_fetch(template, area, 15, "unused.mbtiles")
    assert len(plan.tiles) == 1
    assert plan.describe().startswith("1 tile at zoom 15 (") and plan.describe().endswith(", under 1 MB")


@pytest.mark.parametrize("command", ["locate", "eval"])
def test_top_k_is_explained_in_the_help(command, capsys):
    with pytest.raises(SystemExit):
        main([command, "--help"])
    text = " ".join(capsys.readouterr().out.split())
    assert "--top-k K tiles ranked per photo" in text


def test_the_placed_summary_counts_each_status_and_names_not_located_only_when_there_are_some():
    # levels (core/levels.py, session 26): "confident" and "tile level only" always said, the others when any
    assert placed_summary(["confident", "tile level only", "confident"]) == "2 confident, 1 tile level only"
    assert placed_summary([]) == "0 confident, 0 tile level only"
    assert placed_summary(["not located", "tile level only", "not located"]) == (
        "0 confident, 1 tile level only, 2 not located")
    assert placed_summary(iter(["confident"] * 1200)) == "1,200 confident, 0 tile level only"  # any iterable
    assert placed_summary(["verified but not confident", "confident", "weak match", "weak match",
                           "verified but not confident"]) == (
        "1 confident, 2 verified but not confident, 2 weak matches (confidence below 0.5), 0 tile level only")
    # a bare status: "retrieved" is tile level only; "verified" without its confidence is not called confident
    assert placed_summary(["verified", "retrieved"]) == "0 confident, 1 verified, 1 tile level only"


def test_about_duration_and_clock_length_read_as_a_person_plans_and_a_player_shows():
    """session 30: the app says how long locating a video's frames takes and how long the video is."""
    import math

    import pytest

    from geolocator.core.wording import about_duration, clock_length

    assert [about_duration(s) for s in (0, 9.9, 10, 44, 54, 55, 89, 90, 3599, 3600, 4800, 36_000)] == [
        "under 10 s", "under 10 s", "about 10 s", "about 40 s", "about 50 s", "about 1 min", "about 1 min",
        "about 2 min", "about 1 h", "about 1 h", "about 1 h 20 min", "about 10 h"]
    for bad in (-1, math.nan, math.inf):
        with pytest.raises(ValueError):
            about_duration(bad)
    assert [clock_length(s) for s in (0, 10, 1799.9, 1800, 3723)] == ["0:00", "0:10", "29:59", "30:00", "1:02:03"]
