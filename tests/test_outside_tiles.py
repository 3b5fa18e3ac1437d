"""Photos taken outside the tiles (core/outside_tiles.py, session 33).

The real DJI_0024, 2,259 km from a Las Vegas orthophoto, read "confidence 0.600 that it is within
72 m": nothing verified, but its cosine margin was a clear win, and the unverified table was measured
on photos whose place is in the tiles. A job where (almost) no photo verifies now claims little for
its unverified answers and says the photos may not be in these tiles; verified answers keep theirs."""

from __future__ import annotations

import csv
import shutil
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from geolocator import cli
from geolocator.core.model import Bounds, Query, Tile
from geolocator.core.outside_tiles import (
    OUTSIDE_CAUTION,
    OUTSIDE_CEILING,
    OUTSIDE_SHARE_BAR,
    verified_share,
    with_job_evidence,
)
from geolocator.core.predict import LOW_TEXTURE_CAUTION, RETRIEVED_CEILING, predict

from .demo_features import DEMO, cli_on_demo_features, demo_workspace

CLAIM = 0.3  # below this an answer is not read as a claim


def _tiles(n: int = 6) -> list[Tile]:
    """n small tiles in a row, far enough apart that none agrees with another (predict._agrees)."""
    return [Tile(f"t{i}", Path(f"t{i}.jpg"), Bounds(8.0 + 0.01 * i, 47.0, 8.0 + 0.01 * i + 0.0006, 47.00045))
            for i in range(n)]


def _job(inliers_rows, low_texture=None):
    """predict() of one photo per row of top-3 inlier counts; cosines 0.9, 0.7, 0.6 (a clear win: the
    unverified table's most, RETRIEVED_CEILING), through the product's own tables."""
    rows = len(inliers_rows)
    queries = [Query(f"q{i}.jpg", Path(f"q{i}.jpg")) for i in range(rows)]
    scores = np.tile(np.array([[0.9, 0.7, 0.6]], np.float32), (rows, 1))
    ids = np.tile(np.array([[0, 1, 2]]), (rows, 1))
    return predict(queries, _tiles(), scores, ids, np.array(inliers_rows), low_texture=low_texture)


def test_a_job_where_nothing_verified_claims_little_and_says_why():
    before = _job([[0, 0, 0]] * 4)
    assert [p.status for p in before] == ["retrieved"] * 4
    assert all(p.confidence == pytest.approx(RETRIEVED_CEILING) for p in before)  # DJI_0024's 0.600
    assert verified_share(before) == 0.0
    after = with_job_evidence(before)
    assert all(p.confidence == OUTSIDE_CEILING < CLAIM for p in after)
    assert all(p.caution == OUTSIDE_CAUTION and "may not be in these tiles" in p.caution for p in after)
    for b, a in zip(before, after):  # only the claim and its words change: where, how, the status
        assert replace(a, confidence=b.confidence, caution=b.caution) == b


def test_verified_answers_never_change_and_a_job_that_verified_enough_is_left_as_it_is():
    # 1 of 5 verified (0.2, below the bar): the verified one kept, the unverified ones capped
    low = _job([[40, 0, 0]] + [[0, 0, 0]] * 4)
    assert verified_share(low) == pytest.approx(0.2) and verified_share(low) < OUTSIDE_SHARE_BAR
    after = with_job_evidence(low)
    assert after[0] is low[0] and after[0].confidence > 0.9
    assert all(p.confidence == OUTSIDE_CEILING and p.caution == OUTSIDE_CAUTION for p in after[1:])
    # 1 of 4 verified (at the bar): nothing changes
    enough = _job([[40, 0, 0]] + [[0, 0, 0]] * 3)
    assert verified_share(enough) == pytest.approx(OUTSIDE_SHARE_BAR)
    assert with_job_evidence(enough) == enough


def test_a_low_texture_photo_keeps_its_own_caution_and_the_lower_figure():
    before = _job([[0, 0, 0]] * 2, low_texture=[True, False])
    assert before[0].caution == LOW_TEXTURE_CAUTION and before[0].confidence > OUTSIDE_CEILING
    after = with_job_evidence(before)
    assert after[0].caution == LOW_TEXTURE_CAUTION and after[0].confidence == OUTSIDE_CEILING
    # a figure already below the ceiling is not raised
    weak = [replace(p, confidence=0.05) for p in before]
    assert [p.confidence for p in with_job_evidence(weak)] == [0.05, 0.05]


def test_photos_not_located_do_not_count_and_a_job_of_them_alone_is_left_as_it_is():
    job = _job([[40, 0, 0], [0, 0, 0], [0, 0, 0], [0, 0, 0]])
    blank = [replace(p, status="not located", confidence=0.0) for p in job[1:3]]
    # 1 verified of 2 located (the two blank photos do not count): 0.5, nothing changes
    assert verified_share([job[0], *blank, job[3]]) == 0.5
    assert verified_share(blank) is None and with_job_evidence(blank) == blank


def _foreign_tiles(folder: Path) -> Path:
    """A tile set at the demo's bounds whose images are of somewhere else (smoothed random texture:
    plenty of keypoints, none of the photos' ground), so nothing can verify: a stand-in for tiles of
    another place. The Workspace's backbone features stay the demo's (retrieval still finds clear wins)."""
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(0)
    with open(DEMO / "tiles.csv", newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    for i, row in enumerate(rows):
        small = rng.integers(0, 256, (32, 32, 3), dtype=np.uint8)
        Image.fromarray(small).resize((256, 256), Image.BICUBIC).save(folder / f"x{i:02d}.jpg")
        row["path"] = f"x{i:02d}.jpg"
    with open(folder / "tiles.csv", "w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, list(rows[0]))
        w.writeheader()
        w.writerows(rows)
    return folder / "tiles.csv"


PHOTOS = 12  # enough for the photo-view centring (8 or more), few enough to verify in seconds


def _clear_wins(tmp_path: Path, tiles_csv: Path):
    """The PHOTOS demo photos whose answers against `tiles_csv` claim the most without verification
    (a locate with verification off: the cosine margins alone, label-free): the photos a clear cosine
    win would have shown at RETRIEVED_CEILING, as DJI_0024 was."""
    from geolocator.core.tilesets import load_tileset

    ws, region = demo_workspace(tmp_path / "pick", verify=False)
    ws.open_tiles(load_tileset(tiles_csv))
    ranked = sorted(ws.locate(list(region.queries)), key=lambda p: -p.confidence)
    return [p.query for p in ranked[:PHOTOS]]


@pytest.mark.slow
def test_a_stand_in_job_whose_photos_are_not_in_the_tiles_claims_below_what_people_read_as_a_claim(tmp_path):
    """The Workspace, demo features, tiles of 'somewhere else': every answer unverified; without the
    rule (job_evidence off: as before session 33) some claim the unverified ceiling, with it none
    reaches 0.3 and each says the photo may not be in these tiles."""
    from geolocator.core.tilesets import load_tileset

    tiles_csv = _foreign_tiles(tmp_path / "elsewhere")
    photos = _clear_wins(tmp_path, tiles_csv)
    ws, _ = demo_workspace(tmp_path)
    ws.open_tiles(load_tileset(tiles_csv))
    with_rule = ws.locate(photos)
    assert all(p.status == "retrieved" for p in with_rule)
    assert max(p.confidence for p in with_rule) < CLAIM
    assert all(p.caution for p in with_rule) and any(p.caution == OUTSIDE_CAUTION for p in with_rule)
    ws.settings.job_evidence = False
    without = ws.locate(photos)
    assert max(p.confidence for p in without) >= CLAIM  # what the product said before
    assert not any(p.caution == OUTSIDE_CAUTION for p in without)


@pytest.mark.slow
def test_locate_says_plainly_that_the_photos_may_not_be_in_the_tiles(tmp_path, monkeypatch, capsys):
    cli_on_demo_features(monkeypatch, tmp_path)
    tiles = _foreign_tiles(tmp_path / "elsewhere")
    folder = tmp_path / "photos"
    folder.mkdir()
    for q in _clear_wins(tmp_path, tiles):
        shutil.copy(q.path, folder / Path(q.path).name)
    out = tmp_path / "out.csv"
    assert cli.main(["locate", str(folder), "--tiles", str(tiles), "--out", str(out)]) == 0
    err = capsys.readouterr().err
    assert "may not be in these tiles" in err and "caution on" in err
    with open(out, newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == PHOTOS and all(float(r["confidence"]) < CLAIM for r in rows)  # 3 claimed 0.6 before
    assert sum(r["caution"] == OUTSIDE_CAUTION for r in rows) >= PHOTOS - 2  # low-texture ones keep theirs
