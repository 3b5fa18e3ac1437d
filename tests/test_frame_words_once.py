"""A flight's frame in the words of the levels, each said once (session 28, mend28; mend27's record):
the list's Status tooltip of a frame read "confident: on the flight's track: confident; matched: …",
and the CLI's per-flight line counted the track's words ("18 matched, 7 extrapolated") beside a list,
a status column and files that call the same frames "confident" / "verified but not confident"."""

from __future__ import annotations

import logging
import re
from dataclasses import replace
from types import SimpleNamespace

import pytest

from geolocator.core.levels import FRAME_COUNT_ORDER, frame_counts, point_level

from .test_sequence import flight


def test_frame_counts_follow_the_levels_order_and_keep_an_unknown_word():
    assert frame_counts(["not located", "confident", "extrapolated", "confident", "verified but not confident"]) == (
        "2 confident, 1 verified but not confident, 1 extrapolated, 1 not located")
    assert frame_counts(["odd", "weak track", "odd"]) == "1 weak track, 2 odd"
    assert frame_counts([]) == ""


def test_the_cli_s_flight_line_counts_each_frame_by_its_level(caplog):
    from geolocator.cli import _tracks

    preds, _ = flight()
    with caplog.at_level(logging.INFO, logger="geolocator"):
        [track] = _tracks(preds, SimpleNamespace(track=True))
    [line] = [r.getMessage() for r in caplog.records if r.getMessage().startswith("flight ")]
    head, counts = line.split(": ", 1)[1].split(": ", 1)
    assert head == f"{len(track.points)} frames"
    corrected = sum(p.status == "corrected" for p in track.points)
    tail = f" ({corrected} of them corrected by the track)" if corrected else ""
    assert counts.endswith(tail)
    parts = [re.match(r"([\d,]+) (.+)", part).groups() for part in counts[: len(counts) - len(tail)].split(", ")]
    words = [w for _, w in parts]
    assert all(w in FRAME_COUNT_ORDER for w in words) and "matched" not in words and "corrected" not in words
    assert words == sorted(words, key=FRAME_COUNT_ORDER.index)
    # each count is the number of frames the list and the files give that level (points at their own confidence)
    own = {p.query.id: p for p in preds}  # a point without a confidence of its own: its frame's (as exported)
    levels = [point_level(p) if p.confidence is not None else point_level(replace(p, confidence=own[p.query.id].confidence))
              for p in track.points]
    assert {w: int(n) for n, w in parts} == {w: levels.count(w) for w in set(levels)}
    assert "confident" in words  # the flight's well-verified frames read as the list reads them
    assert sum(int(n) for n, _ in parts) == len(track.points)


def test_a_frame_s_status_tooltip_says_its_level_once(qtbot):
    pytest.importorskip("pytestqt")
    from PySide6.QtCore import Qt

    from geolocator.gui.query_list import COL_STATUS, QueryList

    preds, _ = flight(n=3, bad=(), chance=())
    w = QueryList()
    qtbot.addWidget(w)
    w.add_queries([p.query for p in preds])
    w.set_prediction(replace(preds[0], status="verified", confidence=0.95), "matched", None, 0.95)
    w.set_prediction(preds[1], "interpolated", None, 0.7)
    w.set_prediction(replace(preds[2], status="verified", confidence=0.95))  # a photo's row: as before

    def tip(row: int) -> str:
        return w.model_.index(row, COL_STATUS).data(Qt.ItemDataRole.ToolTipRole)

    track_part = tip(0).split("; the frame on its own")[0]
    assert tip(0).startswith("confident; matched: its own verified answer, on the flight's track")
    assert track_part.count("confident") == 1, tip(0)
    assert tip(1).startswith("interpolated by the track, between verified frames; the frame on its own: ")
    assert tip(1).count("interpolated") == 1, tip(1)
    assert tip(2).startswith("confident: verified against the imagery")
