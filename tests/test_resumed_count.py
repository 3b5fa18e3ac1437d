"""A resumed locate says how many photos it reused from an earlier run (session 18, mend18). Session 17
(newuser_session17.md) killed `geolocator locate` mid-verification and ran it again: the run reused 34
photos' checks from the cache folder but said only `verify: 108/108 done in 48 s`; only the timing
showed it. Before the fix Located had no count, the CLI no line, the app's status bar nothing."""

from __future__ import annotations


from geolocator.core.wording import earlier_run_line, resumed_line

from .demo_features import demo_workspace, load_demo_features
from .test_pair_store import cancel_after_second_photo


def test_a_resumed_locate_counts_the_photos_it_read_from_the_earlier_run(tmp_path):
    features = load_demo_features()
    # one photo at a time: side by side, the photos under way when Cancel lands are kept too
    ws, region = demo_workspace(tmp_path / "run", features, verify_candidates=3, verify_workers=1)
    photos = region.queries[10:16]
    cancel_after_second_photo(ws, photos)

    again, _ = demo_workspace(tmp_path / "run", features, verify_candidates=3)  # the same cache folder
    again.locate(photos)
    assert again.last.resumed == 2  # the two photos verified before the cancel
    again.locate(photos)
    assert again.last.resumed == 0  # its own run's checks, in memory, are no earlier run's
    third, _ = demo_workspace(tmp_path / "run", features, verify_candidates=3)
    third.locate(photos)
    assert third.last.resumed == 6
    fresh, _ = demo_workspace(tmp_path / "fresh", features, verify_candidates=3)
    fresh.locate(photos)
    assert fresh.last.resumed == 0


def test_the_line_says_how_many_of_how_many():
    assert resumed_line(34, 108) == ("verify: 34 of 108 photos resumed from an earlier run "
                                     "(their checks were kept in the cache folder)")
    assert resumed_line(1, 1) == "verify: 1 of 1 photo resumed from an earlier run (its checks were kept in the cache folder)"


def test_the_cli_says_it(tmp_path, monkeypatch, caplog):
    """`geolocator locate` prints the line (stderr, through the log) when the run resumed, once."""
    import logging

    from geolocator import cli

    features = load_demo_features()
    ws, region = demo_workspace(tmp_path / "run", features, verify_candidates=3)
    photos = region.queries[10:13]
    ws.locate(photos)  # an earlier run of the same command, into the same cache folder
    again, _ = demo_workspace(tmp_path / "run", features, verify_candidates=3)
    monkeypatch.setattr(cli, "_workspace", lambda args: again)
    monkeypatch.setattr(cli, "_load_queries", lambda paths, every, unread=None, unread_folders=None: photos)
    monkeypatch.setattr(cli, "_load_tiles", lambda *a, **k: region.tiles)
    with caplog.at_level(logging.INFO, logger="geolocator"):
        assert cli.main(["locate", str(tmp_path), "--tiles", str(tmp_path), "--out", str(tmp_path / "p.csv"),
                         "-q"]) == 0
    # said once, as verification starts (resume37: the end of the run said it again, in other words)
    assert [m for m in caplog.messages if "earlier run" in m] == [earlier_run_line("photos", 3, 3)]


def test_the_app_says_it_in_the_status_bar(qtbot, tmp_path, monkeypatch):
    from geolocator.gui.jobs import Results

    from .test_gui_first_hour import make_window

    for var in ("XDG_CACHE_HOME", "XDG_CONFIG_HOME", "XDG_DATA_HOME"):
        monkeypatch.setenv(var, str(tmp_path / var))
    w = make_window(qtbot, tmp_path)
    ws, region = demo_workspace(tmp_path / "run", verify_candidates=3)
    predictions = ws.locate(region.queries[10:13])
    w._show_results(Results(predictions, {}, None, None, None, None, resumed=2))
    assert w.statusBar().currentMessage() == resumed_line(2, 3)
    w.close()


def test_checks_kept_for_other_tiles_are_not_counted_as_resumed(tmp_path):
    """Session 29 (grid29): a locate on a new tile store (an LV95 GeoPackage after a Lambert-93 one, the
    same photos, the same cache folder) said '12 of 12 photos resumed from an earlier run'. Nothing stale
    was used (kept checks are keyed by tile), but the line counted photos whose kept file had anything,
    not checks of these tiles."""
    import shutil

    from geolocator.core.queries import load_region

    from .demo_features import DEMO

    features = load_demo_features()
    ws, region = demo_workspace(tmp_path / "run", features, verify_candidates=3)
    photos = region.queries[10:14]
    ws.locate(photos)  # an earlier run on the demo's tiles, into the same cache folder
    # the same pixels in another folder: other files, so other tiles for the checks kept
    elsewhere = load_region(shutil.copytree(DEMO, tmp_path / "copy")).tiles
    other, _ = demo_workspace(tmp_path / "run", features, verify_candidates=3)
    other.open_tiles(elsewhere)
    other.locate(photos)
    assert other.last.resumed == 0
    # the demo's tiles again: their checks were kept, and are said to be
    again, _ = demo_workspace(tmp_path / "run", features, verify_candidates=3)
    again.locate(photos)
    assert again.last.resumed == len(photos)
