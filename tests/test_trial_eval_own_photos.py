"""`geolocator eval PHOTOS --tiles TILESET`: a user's own photos, their EXIF/XMP GPS as the truth,
scored against any tile set (a GeoTIFF, a package, a folder), as `locate` reads them.

Found by the session-6 new-user trial: with an orthophoto and photos carrying GPS, `eval` only took
a region folder (tiles.csv + tiles/ + queries/) and said "not a region folder: it has no tiles.csv".
"""

from __future__ import annotations

import csv
import json

from .demo_features import DEMO
from .test_cli_demo_features import demo_cli, features  # noqa: F401 - the fixtures (committed features)
from .test_cli_fetch import _gps_photo

NAMES = ("q_0001.jpg", "q_0040.jpg", "q_0090.jpg", "q_0100.jpg")


def _photos(tmp_path, with_gps=True):
    truth = {r["query"].split("/")[-1]: r for r in csv.DictReader((DEMO / "truth.csv").open())}
    folder = tmp_path / "my photos"
    (folder / "day2").mkdir(parents=True)
    for i, name in enumerate(NAMES):
        dst = folder / ("day2" if i % 2 else "") / name
        if with_gps:
            _gps_photo(DEMO / "queries" / name, dst, float(truth[name]["lat"]), float(truth[name]["lon"]))
        else:
            dst.write_bytes((DEMO / "queries" / name).read_bytes())
    return folder


def test_eval_scores_photos_with_gps_against_a_tile_set(demo_cli, tmp_path, capsys):
    folder = _photos(tmp_path)
    code, _ = demo_cli("eval", str(folder), "--tiles", str(DEMO / "tiles.csv"), "--json", "--no-verify")
    assert code == 0
    report = json.loads(capsys.readouterr().out)
    assert report["n_queries"] == len(NAMES) and report["n_tiles"] == 36
    assert 0 <= report["r1"] <= report["r5"] <= report["r10"] <= 100 and report["median_error_m"] is not None


def test_eval_says_the_photos_gps_only_scores_them(demo_cli, tmp_path, capsys):
    """Session 34 (newuser34): eval on photos with GPS said "4 images with truth" and never that their GPS
    took no part in placing them."""
    folder = _photos(tmp_path)
    code, _ = demo_cli("eval", str(folder), "--tiles", str(DEMO / "tiles.csv"), "--no-verify")
    assert code == 0
    lines = [line.strip() for line in capsys.readouterr().out.splitlines()]
    assert lines[1] == ("truth: the GPS (EXIF/XMP) of 4 photos, used only to score the answers "
                        "(the images alone place the photos)"), lines


def test_truth_used_line_counts_each_kind_of_truth():
    from geolocator.core.wording import truth_used_line

    assert truth_used_line(["exif", "xmp:drone-dji", "srt", "srt", None]) == (
        "truth: the GPS (EXIF/XMP) of 2 photos, the telemetry (SRT) of 2 video frames, truth.csv for 1 image, "
        "used only to score the answers (the images alone place the photos)")


def test_eval_of_photos_without_gps_says_there_is_nothing_to_score(demo_cli, tmp_path, capsys):
    folder = _photos(tmp_path, with_gps=False)
    code, _ = demo_cli("eval", str(folder), "--tiles", str(DEMO / "tiles.csv"), "--json")
    assert code == 2
    err = capsys.readouterr().err
    assert str(folder) in err and "no query has a known location" in err


def test_eval_names_the_photos_it_cannot_score(demo_cli, tmp_path, capsys):
    folder = _photos(tmp_path)
    (folder / "q_0002.jpg").write_bytes((DEMO / "queries" / "q_0002.jpg").read_bytes())  # no GPS in it
    code, _ = demo_cli("eval", str(folder), "--tiles", str(DEMO / "tiles.csv"), "--json", "--no-verify")
    assert code == 0
    captured = capsys.readouterr()
    assert json.loads(captured.out)["n_queries"] == len(NAMES)
    assert "1 photo not scored: no known location (truth.csv or EXIF/XMP GPS): q_0002.jpg" in captured.err


def test_adapt_takes_photos_and_a_tile_set_too(demo_cli, tmp_path, capsys):
    folder = _photos(tmp_path, with_gps=False)  # adaptation needs no truth
    out = tmp_path / "mine.safetensors"
    code, ws = demo_cli("adapt", str(folder), "--tiles", str(DEMO / "tiles.csv"), "--steps", "2", "--no-verify",
                        "--out", str(out))
    assert code == 0 and out.is_file()
    assert len(ws.tileset) == 36 and f"saved the adapter (mode best) to {out}" in capsys.readouterr().out


def test_adapt_names_the_photos_it_could_not_read(demo_cli, tmp_path, capsys, monkeypatch):
    from .demo_features import DemoWorkspace

    folder = _photos(tmp_path, with_gps=False)
    embed = DemoWorkspace.embed

    def one_unreadable(self, queries, **kw):  # as extraction reports a corrupt photo: left out, with why
        ok, feats, _ = embed(self, queries[1:], **kw)
        return ok, feats, {queries[0].path: f"{queries[0].path}: corrupt image data (image file is truncated)"}

    monkeypatch.setattr(DemoWorkspace, "embed", one_unreadable)
    out = tmp_path / "mine.safetensors"
    code, ws = demo_cli("adapt", str(folder), "--tiles", str(DEMO / "tiles.csv"), "--steps", "2", "--no-verify",
                        "--out", str(out))
    assert code == 0
    err = capsys.readouterr().err
    assert err.count(": skipped (corrupt image data (image file is truncated))") == 1
    assert any(f"{name}: skipped (corrupt" in err for name in NAMES)
    assert json.loads((tmp_path / "mine.safetensors.json").read_text())["n_queries"] == len(NAMES) - 1
