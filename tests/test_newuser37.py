"""Session 37's new user of the command line: what they met, each pinned by a test that failed before."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from .test_cli_demo_features import DEMO, demo_cli, features  # noqa: F401 - fixtures

ROOT = Path(__file__).resolve().parents[1]


def _into_closed_pipe(args: list[str], home: Path) -> subprocess.CompletedProcess:
    """`geolocator ARGS | head -0`, deterministic: stdout is a pipe whose reader has already gone, so the
    first write the program makes fails with EPIPE (Python ignores SIGPIPE)."""
    read_end, write_end = os.pipe()
    os.close(read_end)
    try:
        return subprocess.run([sys.executable, "-m", "geolocator", *args], stdout=write_end, stderr=subprocess.PIPE,
                              text=True, timeout=120, cwd=ROOT, env={**os.environ, "HOME": str(home)})
    finally:
        os.close(write_end)


@pytest.mark.parametrize("args", [["cache"], ["--version"]], ids=["cache", "version"])
def test_a_reader_that_stops_reading_ends_the_run_without_a_word(tmp_path, args):
    """`geolocator cache | head -3` said "error: Broken pipe" (status 2, as if the cache were at fault) and
    `geolocator --version` into a closed pipe printed a traceback; now both stop quietly with 141, the
    status `seq 1 100000 | head -3` gives its writer."""
    cache = tmp_path / "cache"
    cache.mkdir()
    extra = ["--cache-dir", str(cache)] if args == ["cache"] else []
    done = _into_closed_pipe(args + extra, tmp_path)
    assert done.returncode == 141, done.stderr
    assert "Broken pipe" not in done.stderr and "Traceback" not in done.stderr, done.stderr


def test_a_broken_pipe_to_a_named_file_is_still_an_error(monkeypatch, capsys):
    """Only stdout's reader leaving is quiet: an EPIPE on a file of ours (a FIFO given as --out whose
    reader left) is still the one-sentence error naming it."""
    from geolocator import cli

    def broken(args):
        raise BrokenPipeError(32, "Broken pipe", "/tmp/out.fifo")

    parser = cli.build_parser()
    monkeypatch.setattr(cli, "build_parser", lambda: parser)
    args = parser.parse_args(["cache"])
    monkeypatch.setattr(parser, "parse_args", lambda argv=None: args)
    args.func = broken
    assert cli.main(["cache"]) == 2
    assert "error: /tmp/out.fifo: " in capsys.readouterr().err


def test_eval_says_what_r_at_k_ap_and_each_error_mean(demo_cli, capsys):  # noqa: F811
    """`geolocator eval` printed "R@1 100.0%  R@5 100.0%  R@10 100.0%  AP 100.0%" and "top tile centre
    error" with no word on what they are (session 37): a line under the figures now says it."""
    assert demo_cli("eval", str(DEMO), "--no-verify")[0] == 0
    out = capsys.readouterr().out
    assert "R@k: the share of photos whose right tile (the one holding the true position) is among the first k" in out
    assert "AP: average precision of that ranking" in out
    assert "top tile centre error: from the centre of its first-ranked tile to the truth" in out
    assert out.strip().splitlines()[-1].strip().startswith("took ")


def test_a_flight_nothing_placed_is_not_counted_as_a_track_written():
    """Two timed photos of open water: both "not located", so no file holds a track point or line; the
    count line said "wrote 2 predictions and 1 track to w.geojson" (session 37). A flight with one frame
    placed still counts (tests/test_export_words.py)."""
    from dataclasses import replace

    from geolocator.core.exports import wrote_line

    from .test_not_located_exports import _flight

    frames, (track,) = _flight()
    water = replace(track, points=tuple(replace(p, status="not located") for p in track.points))
    assert not water.line
    assert wrote_line(["w.geojson"], frames, [water]) == "wrote 2 predictions to w.geojson"
    assert wrote_line(["w.geojson"], frames, [track]) == "wrote 2 predictions and 1 track to w.geojson"


def test_adapt_names_its_mode_as_a_mode_and_ends_with_the_command_that_uses_it(demo_cli, tmp_path, capsys):  # noqa: F811
    """`adapt` ended "saved the best adapter to …" (read as the best of several) and left the newcomer to
    find how to use it; now the mode is named as one and the next command is given, ready to paste."""
    photos = tmp_path / "my photos"
    photos.mkdir()
    for name in ("q_0001.jpg", "q_0002.jpg", "q_0003.jpg"):
        (photos / name).write_bytes((DEMO / "queries" / name).read_bytes())
    out = tmp_path / "mine.safetensors"
    code, _ = demo_cli("adapt", str(photos), "--tiles", str(DEMO / "tiles.csv"), "--steps", "2", "--no-verify",
                       "--out", str(out))
    assert code == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == f"saved the adapter (mode best) to {out}"
    assert lines[-1] == f"next: geolocator locate '{photos}' --tiles {DEMO / 'tiles.csv'} --adapter {out}"


def test_adapt_on_a_region_folder_points_locate_at_its_photos():
    from geolocator.core.wording import adapter_saved_lines

    lines = adapter_saved_lines("paper", "a.safetensors", {"used": True, "direct": 32, "chained": 2, "unlabelled": 2},
                                photos="vegas", tiles=None)
    assert lines == ["saved the adapter (mode paper) to a.safetensors",
                     "  photos placed by geometry: 32 matched a tile, 2 through another photo that did, "
                     "2 with no match (placed by their features alone)",
                     "next: geolocator locate vegas/queries --tiles vegas --adapter a.safetensors"]


def test_every_stdout_line_names_a_file_as_the_photo_lines_do_on_an_ascii_stdout():
    """`LC_ALL=C PYTHONUTF8=0`: Python reads the UTF-8 name "ü.csv" as "\\udcc3\\udcbc.csv"; the count line
    wrote it "\\udcc3\\udcbc.csv" (two escapes for one letter) where the photos' lines wrote "\\xfc" (session
    37). stdout now turns any such name back into its letters before escaping what ASCII lacks."""
    import io

    from geolocator import cli

    stream = io.TextIOWrapper(io.BytesIO(), encoding="ascii", errors="strict", newline="\n")
    cli.writable_stdout(stream)
    stream.write("wrote 2 predictions to /data/\udcc3\udcbc.csv: \u2248 78 px, Gel\udce4nde\n")
    stream.flush()
    assert stream.buffer.getvalue() == b"wrote 2 predictions to /data/\\xfc.csv: \\u2248 78 px, Gel\\xe4nde\n"


def test_cache_with_a_cache_dir_that_does_not_exist_says_so(tmp_path, caplog):
    """`geolocator cache --cache-dir /data/cahce` (a typo) said only "0 feature stores, 0 MB, in
    /data/cahce/stores", as for an empty cache (session 37); it now says the folder does not exist."""
    from geolocator import cli

    missing = tmp_path / "cahce"
    with caplog.at_level("WARNING"):
        assert cli.main(["cache", "--cache-dir", str(missing)]) == 0
    assert f"{missing}: no such folder, so nothing is cached there (without --cache-dir the cache is " in caplog.text
    assert not missing.exists()
    caplog.clear()
    (tmp_path / "real").mkdir()
    with caplog.at_level("WARNING"):
        assert cli.main(["cache", "--cache-dir", str(tmp_path / "real")]) == 0
    assert "no such folder" not in caplog.text


@pytest.mark.parametrize("argv", [["cache", "-v"], ["locate", "p.jpg", "--tiles", "t.tif", "-v"],
                                  ["eval", "region", "--verbose"], ["-v", "cache"]])
def test_v_is_taken_after_the_command_too(argv):
    """The DINOv2 notice ends "(-v: where to put DINOv2 weights)"; `geolocator locate … -v`, the same line
    with -v added, was "error: unrecognized arguments: -v" (session 37): only `geolocator -v locate …`
    worked."""
    from geolocator.cli import build_parser

    assert build_parser().parse_args(argv).verbose is True


def test_without_v_anywhere_messages_stay_short():
    from geolocator.cli import build_parser

    assert build_parser().parse_args(["cache"]).verbose is False
