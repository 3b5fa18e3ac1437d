"""Two clips of the same name from two cards (each card's first clip is DJI_0001.MP4): both flights are read,
under ids that differ (samplefix33 saw the second clip's frames take the first's ids, so one flight's answers
were lost from the CSV and the summary miscounted)."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from geolocator.core.queries import load_queries


def _clip(path, seed: int):
    pytest.importorskip("av")
    from .flight_helpers import write_video

    rng = np.random.default_rng(seed)
    frames = [Image.fromarray(rng.integers(0, 255, (96, 128, 3), dtype=np.uint8)) for _ in range(10)]
    path.parent.mkdir(parents=True)
    return write_video(path, frames, fps=5)


def test_two_clips_of_one_name_from_two_folders_are_both_read(tmp_path):
    a = _clip(tmp_path / "card_a" / "DJI_0001.MP4", 1)
    b = _clip(tmp_path / "card_b" / "DJI_0001.MP4", 2)
    queries = load_queries([a, b], every_s=1.0)
    ids = [q.id for q in queries]
    assert len(ids) == len(set(ids)), ids
    first = [i for i in ids if i.startswith("DJI_0001.MP4#")]
    second = [i for i in ids if i.startswith(b.resolve().as_posix() + "#") or i.startswith(str(b) + "#")]
    assert first and second and len(first) == len(second), ids
    assert len(ids) == len(first) + len(second)


def test_the_caution_line_names_a_shared_file_name_by_its_path(tmp_path):
    """The CLI's caution line names answers by file name; where two answers share one (two cards' clips), by the
    id they were read under, so the line does not seem to be about the other card's frames."""
    from dataclasses import replace

    from geolocator.core.wording import caution_lines

    from .helpers import two_tile_prediction

    pred = two_tile_prediction(tmp_path, conf=0.1)
    ids = ["DJI_0001.MP4#t=0", "/cards/b/DJI_0001.MP4#t=0", "/cards/b/DJI_0001.MP4#t=1", "lake.jpg"]
    preds = [replace(pred, query=replace(pred.query, id=i), caution=None if i == ids[0] else "a guess")
             for i in ids]
    assert caution_lines(preds, inline=5) == [
        "caution on 3 photos (/cards/b/DJI_0001.MP4#t=0, DJI_0001.MP4#t=1, lake.jpg): a guess"]
