"""Imagery of the wrong region (session 22): a verification desk located 27 Las Vegas photos in
Rotterdam's imagery; each row said "tile level only" with a coordinate and a low confidence, but
nothing said that the set as a whole matched nowhere, so a list of places could be read off it.
`locate` (and the app's message bar) now says so in one sentence when verification ran and nothing
was verified. Fast: the demo's committed features stand in for the backbone."""

from __future__ import annotations

import logging

import numpy as np
from PIL import Image, ImageFilter

from geolocator import cli
from geolocator.core.pipeline import Settings
from geolocator.core.wording import nothing_verified_note

from .demo_features import DEMO, DemoWorkspace, load_demo_features


def _run(tmp_path, monkeypatch, photos, *extra):
    features = load_demo_features()

    def workspace(args):
        return DemoWorkspace(Settings(backbone=args.backbone, device="cpu", verify=args.verify,
                                      cache_dir=tmp_path / "cache", adapter_dir=tmp_path / "adapters"), features)

    monkeypatch.setattr(cli, "_workspace", workspace)
    return cli.main(["locate", *map(str, photos), "--tiles", str(DEMO), "--out", str(tmp_path / "p.csv"), *extra])


def _elsewhere(folder, names):
    """Photos of somewhere the demo tiles do not show (seeded texture), under demo photos' names so
    the committed global features serve them: retrieval still ranks tiles, geometry finds nothing."""
    rng = np.random.default_rng(0)
    folder.mkdir()
    for n in names:
        noise = Image.fromarray(rng.integers(0, 255, (288, 384, 3), dtype=np.uint8)).filter(ImageFilter.GaussianBlur(2))
        noise.save(folder / n, quality=90)
    return [folder / n for n in names]


def test_photos_that_match_nowhere_are_said_to_as_a_set(tmp_path, monkeypatch, caplog):
    photos = _elsewhere(tmp_path / "elsewhere", ["q_0001.jpg", "q_0040.jpg"])
    with caplog.at_level(logging.WARNING, logger="geolocator"):
        assert _run(tmp_path, monkeypatch, photos) == 0
    said = [r.getMessage() for r in caplog.records if "was verified against this imagery" in r.getMessage()]
    assert len(said) == 1 and said[0].startswith("None of the 2 photos was verified"), said
    assert "are not places" in said[0]


def test_no_such_sentence_when_photos_match_or_verification_is_off(tmp_path, monkeypatch, caplog):
    """Real demo photos (verified) get no such sentence; nor do photos located with --no-verify,
    where nothing could have been verified."""
    photos = [DEMO / "queries" / f"q_{i:04d}.jpg" for i in (1, 40)]
    with caplog.at_level(logging.WARNING, logger="geolocator"):
        assert _run(tmp_path, monkeypatch, photos) == 0
        assert _run(tmp_path, monkeypatch, photos, "--no-verify") == 0
    assert not [r for r in caplog.records if "verified against this imagery" in r.getMessage()]
    assert nothing_verified_note([]) is None


def test_the_app_says_it_in_the_message_bar(qtbot, tmp_path, monkeypatch):
    """The app's message bar says the same sentence after a locate that verified nothing (one photo:
    its singular form), and nothing of the kind after one that verified its photos."""
    from geolocator.core.model import Query
    from geolocator.gui.jobs import Results

    from .demo_features import demo_workspace
    from .test_gui_first_hour import make_window

    for var in ("XDG_CACHE_HOME", "XDG_CONFIG_HOME", "XDG_DATA_HOME"):
        monkeypatch.setenv(var, str(tmp_path / var))
    w = make_window(qtbot, tmp_path)
    ws, region = demo_workspace(tmp_path / "run")
    w.session.ws = ws  # verification on, as the app's default settings have it
    good = ws.locate(region.queries[:1])
    w._show_results(Results(good, {}, None, None, None, None))
    assert "verified against this imagery" not in w.message_bar.text
    (photo,) = _elsewhere(tmp_path / "elsewhere", ["q_0001.jpg"])
    nowhere = ws.locate([Query(id="q_0001.jpg", path=photo)])
    w._show_results(Results(nowhere, {}, None, None, None, None))
    assert "The photo was not verified against this imagery" in w.message_bar.text
    assert w.message_bar.level == "warning"
    w.close()
