"""A geotagged copy added in the app after its original (leftovers36, closing newuser36's open point).
load_queries leaves out a copy that `--geotag-copies` / Export Geotagged Copies wrote when its original is
given with it, but the app adds folders one at a time, and join_queries (the check across adds) knew only
byte-identical copies: `photos/` added, then `photos/tagged/`, listed and located every photo twice."""

from __future__ import annotations

from pathlib import Path

from geolocator.core.geotag_copies import geotagged_jpeg
from geolocator.core.queries import join_queries, load_queries
from geolocator.core.skipped import unread_media

from .test_copied_twice import _jpeg


def _photos_and_copies(tmp_path: Path) -> tuple[Path, Path]:
    photos, tagged = tmp_path / "photos", tmp_path / "export" / "tagged"
    for i in (1, 2):
        original = _jpeg(photos / f"DJI_000{i}.JPG", i)
        tagged.mkdir(parents=True, exist_ok=True)
        (tagged / original.name).write_bytes(geotagged_jpeg(original.read_bytes(), 36.14, -115.23, 35.0))
    _jpeg(tmp_path / "export" / "other" / "DJI_0001.JPG", 9)  # the same name, another photo: a photo
    return photos, tagged


def test_a_geotagged_copy_added_after_its_original_is_not_listed_again(tmp_path):
    photos, tagged = _photos_and_copies(tmp_path)
    listed = {q.id: q.path for q in load_queries(photos)}
    skipped: list[tuple[Path, str]] = []
    added = join_queries(load_queries(tagged), tagged, listed, on_skip=lambda p, why: skipped.append((p, why)))
    assert added == []
    assert dict(skipped)[tagged / "DJI_0001.JPG"] == (
        "a geotagged copy of DJI_0001.JPG that geolocator wrote (--geotag-copies or the app's Export Geotagged "
        "Copies), already in the list: located once, as that file")
    assert len(skipped) == 2 and not any(unread_media(p, why) for p, why in skipped)
    other = tmp_path / "export" / "other"
    assert [q.path for q in join_queries(load_queries(other), other, listed)] == [other / "DJI_0001.JPG"]


def test_the_apps_session_lists_each_photo_once_whether_added_together_or_one_by_one(tmp_path):
    from geolocator.core.pipeline import Settings
    from geolocator.gui.jobs import Session

    photos, tagged = _photos_and_copies(tmp_path)
    for together in (True, False):
        session = Session(Settings(cache_dir=tmp_path / "cache"), map_dir=tmp_path / f"map{together}")
        try:
            loads = [session.load_queries([photos, tagged])] if together else [session.load_queries([photos]),
                                                                              session.load_queries([tagged])]
        finally:
            session.close()
        assert [q.id for loaded in loads for q in loaded.queries] == ["DJI_0001.JPG", "DJI_0002.JPG"], together
        said = {p: why for loaded in loads for p, why in loaded.skipped.items()}
        assert sorted(Path(p).name for p in said) == ["DJI_0001.JPG", "DJI_0002.JPG"], together


def test_the_originals_added_after_their_copies_are_not_listed_again(tmp_path):
    """The copies' folder added first (located, listed), then the photos: each photo was listed twice."""
    photos, tagged = _photos_and_copies(tmp_path)
    listed = {q.id: q.path for q in load_queries(tagged)}
    skipped: list[tuple[Path, str]] = []
    added = join_queries(load_queries(photos), photos, listed, on_skip=lambda p, why: skipped.append((p, why)))
    assert added == []
    assert dict(skipped)[photos / "DJI_0002.JPG"] == (
        "the original of a geotagged copy already in the list (DJI_0002.JPG, written by geolocator: --geotag-copies "
        "or the app's Export Geotagged Copies): located once, as that copy")
    assert len(skipped) == 2 and not any(unread_media(p, why) for p, why in skipped)
