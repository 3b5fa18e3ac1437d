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
