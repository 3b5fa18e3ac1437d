"""A message belongs to the step that said it (session 28, mend28; mapper27's leftover): after Locate
the message bar still showed the fetch's "1,266 tiles … (HTTP 404)" note beside the new results. Now
a message shown before a piece of work started is dismissed when that work's results come and say
nothing; what the work says, or what is said while it runs, stays."""

from __future__ import annotations

import pytest

pytest.importorskip("pytestqt")
pytest.importorskip("PySide6.QtWebEngineWidgets")

from geolocator.gui.jobs import Results  # noqa: E402
from geolocator.gui.settings import AppSettings  # noqa: E402

from .helpers import app_window  # noqa: E402

FETCH_NOTE = ("warning", "1,266 tiles of 1,290 could not be fetched (HTTP 404). The 24 tiles that came are kept.", "")


def _window(qtbot, tmp_path, monkeypatch):
    w = app_window(qtbot, tmp_path, AppSettings(demo_shown=True))
    jobs = []
    monkeypatch.setattr(w.runner, "submit", lambda job: jobs.append(job) or job)  # run by hand: only the bar is looked at
    return w, jobs


def _empty() -> Results:
    return Results([], {}, None, None, None, None)


def test_a_fetch_note_is_gone_once_a_locate_s_results_come(qtbot, tmp_path, monkeypatch):
    w, jobs = _window(qtbot, tmp_path, monkeypatch)
    w._show_results(_empty(), [FETCH_NOTE])  # the tile set the fetch made, opened with its note
    assert not w.message_bar.isHidden() and "HTTP 404" in w.message_bar.text
    w.locate()
    assert "HTTP 404" in w.message_bar.text and not w.message_bar.isHidden()  # still there while it runs
    jobs[-1].on_done(_empty())
    assert w.message_bar.isHidden() and w.message_bar.level == ""


def test_what_the_step_says_or_what_is_said_while_it_runs_stays(qtbot, tmp_path, monkeypatch):
    w, jobs = _window(qtbot, tmp_path, monkeypatch)
    w._show_results(_empty(), [FETCH_NOTE])
    w.locate(notes=[("warning", "2 files skipped: a.txt (not an image), b.jpg (cut short)", "")])
    jobs[-1].on_done(_empty())  # the locate's own notes replace the fetch's
    assert "2 files skipped" in w.message_bar.text and "HTTP 404" not in w.message_bar.text
    w.locate()
    w.message_bar.show_message("info", "Saved 12 predictions to out.csv")  # said while the locate runs
    jobs[-1].on_done(_empty())
    assert not w.message_bar.isHidden() and w.message_bar.text == "Saved 12 predictions to out.csv"
    w.message_bar.dismiss()
    w.locate()  # nothing shown before: nothing to dismiss, and a note of the results is shown
    jobs[-1].on_done(Results([], {}, None, None, None, None, tiles_not_read=("1 tile could not be read", "")))
    assert not w.message_bar.isHidden() and "1 tile could not be read" in w.message_bar.text
