"""A resumed locate reproduces the run it resumes (resume37). newuser37 (row 16) reran a finished
190-photo flight on its cache folder: "190 of 190 photos resumed", yet the second look (xfeat) ran
again, on 27 photos where the fresh run had looked at 22. The second look skips the photos the content
survey found nothing in (water, blank), and that survey was read from verification's decode: a resumed
photo is never decoded, so it had no survey, and the blank photos were looked at again."""

from __future__ import annotations

import json
import os

from geolocator.core import second_look as second_look_module

from .test_session12_mend import _decode_world


def _spy_second_look(monkeypatch):
    """The photos each second look was asked to skip ([[bool]], one list a call)."""
    skips = []
    real = second_look_module.second_look

    def spy(*args, **kw):
        skips.append(list(kw.get("skip") or []))
        return real(*args, **kw)

    monkeypatch.setattr(second_look_module, "second_look", spy)
    return skips


def _rerun_world(tmp_path, monkeypatch):
    """_decode_world again on the same folders, as a rerun of the same command: it writes its photos
    and tiles anew, so their times are put back (a file's identity holds its mtime)."""
    times = {p: (p.stat().st_atime_ns, p.stat().st_mtime_ns) for p in tmp_path.glob("*.png")}
    world = _decode_world(tmp_path, monkeypatch, second_look="xfeat")
    for p, ns in times.items():
        os.utime(p, ns=ns)
    return world


def _answers(preds):
    return [(p.status, [m.tile.id for m in p.matches], [m.inliers for m in p.matches]) for p in preds]


def test_a_resumed_locate_skips_the_blank_photo_as_the_run_it_resumes_did_and_decodes_nothing(tmp_path, monkeypatch):
    """test_session12_mend's world (textured photo n, blank photo b, one cache folder), the real
    second look. The fresh run skips b; a second Workspace on the same cache (a rerun of the finished
    command) skips it too, decodes no photo (every check, the second look's included, and each
    survey come from the cache folder) and gives the same answers. Before the fix the rerun did not
    skip b: the xfeat verifier decoded and matched it again."""
    skips = _spy_second_look(monkeypatch)
    ws, queries, decodes = _decode_world(tmp_path, monkeypatch, second_look="xfeat")
    fresh = _answers(ws.locate(queries))
    assert skips == [[False, True]]
    decodes.clear()
    again, _, decodes_again = _rerun_world(tmp_path, monkeypatch)
    resumed = _answers(again.locate(queries))
    assert again.last.resumed == 2
    assert skips[1] == [False, True]
    assert decodes_again == []
    assert resumed == fresh


def test_a_resume_from_files_without_the_survey_still_skips_the_blank_photo(tmp_path, monkeypatch):
    """Pair files written before the survey was kept with them (no "noted"): the photos the second
    look may look at are surveyed anew before it, so the blank one is still skipped."""
    skips = _spy_second_look(monkeypatch)
    ws, queries, _ = _decode_world(tmp_path, monkeypatch, second_look="xfeat")
    fresh = _answers(ws.locate(queries))
    files = list((tmp_path / "cache").rglob("pairs/*.json"))
    assert files and any("noted" in json.loads(f.read_text()) for f in files)
    for f in files:
        data = json.loads(f.read_text())
        data.pop("noted", None)
        f.write_text(json.dumps(data))
    again, _, decodes = _rerun_world(tmp_path, monkeypatch)
    assert _answers(again.locate(queries)) == fresh
    assert skips[1] == [False, True]
    assert "b" in decodes  # surveyed by its own decode, not matched: the answers above are the fresh run's


def test_the_note_is_kept_with_the_photo_s_checks(tmp_path):
    """pair_store: a photo's note round-trips; a file without one reads without it."""
    from geolocator.core.pair_store import PairStore
    from geolocator.core.rerank import Verification

    store = PairStore(tmp_path)
    kept = {"first": {"t": Verification(12)}, "alike": {}, "later": {}, "noted": [None, True]}
    store.save("k", kept)
    assert store.load("k")["noted"] == [None, True]
    store.save("k2", {"first": {"t": Verification(3)}, "alike": {}, "later": {}})
    assert "noted" not in store.load("k2")
