"""What `geolocator eval` prints for people: no Python values ("adapted: False"), percentages
marked as such, the time labelled, nouns counted ("1 image")."""

from __future__ import annotations

from .test_cli_demo_features import DEMO, demo_cli, features  # noqa: F401 - fixtures


def test_eval_prints_its_figures_in_words(demo_cli, capsys):  # noqa: F811
    assert demo_cli("eval", str(DEMO), "--no-verify")[0] == 0
    lines = [line.strip() for line in capsys.readouterr().out.splitlines()]
    assert lines[0] == (f"{DEMO}: 108 images with truth, 36 tiles, backbone efficientnet_lite0 on cpu, "
                        "frozen backbone"), lines[0]
    # what it scored against, and that it only scores (session 34, newuser34)
    assert lines[1] == "truth: truth.csv for 108 images, used only to score the answers (the images alone place the photos)"
    assert lines[2].startswith("R@1 ") and lines[2].count("%") == 4, lines[2]
    assert lines[-1].startswith("took ") and lines[-1].endswith(" s")
    assert not any("False" in line or "True" in line for line in lines)


def test_coords_with_out_says_it_changes_nothing(tmp_path, caplog):
    """Session 34 (newuser34): `locate … --out p.csv --coords mgrs,dmm` wrote the same files as without it
    and said nothing: --coords only adds cells to the lines printed without --out."""
    from geolocator.cli import main

    photo = tmp_path / "q.jpg"
    photo.write_bytes((DEMO / "queries" / "q_0001.jpg").read_bytes())
    with caplog.at_level("WARNING"):
        code = main(["locate", str(photo), "--tiles", str(tmp_path / "missing.tif"), "--coords", "mgrs,dmm",
                     "--out", str(tmp_path / "p.csv")])
    assert code == 2  # the missing tile set, after the warning (said before any work)
    said = [r.getMessage() for r in caplog.records if r.getMessage().startswith("--coords")]
    assert said and said[0].startswith("--coords mgrs,dmm adds cells to the lines printed without --out"), said
    caplog.clear()
    with caplog.at_level("WARNING"):
        main(["locate", str(photo), "--tiles", str(tmp_path / "missing.tif"), "--coords", "mgrs"])
    assert not [r for r in caplog.records if r.getMessage().startswith("--coords")]  # printed lines: it applies
