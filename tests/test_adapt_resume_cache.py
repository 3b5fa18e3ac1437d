"""`geolocator cache` lists the checkpoints of interrupted adaptations and --prune removes old ones
(core/store_prune.py; the checkpoints: core/adapt/resume.py, in <cache>/adapt-resume/).

Session 21 added the checkpoints; before this, `geolocator cache` said nothing of them and --prune
left them all (each ~3x an adapter: 31.6 MB for the demo's): the first test failed. The second guards
that a cache without checkpoints gets no new line (it passed before too)."""

from __future__ import annotations

import os
import time

DAY = 86_400.0


def _checkpoint(folder, key, size, age_days, now):
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{key}.safetensors"
    path.write_bytes(b"x" * size)
    (folder / f"{key}.safetensors.json").write_text("{}\n")
    for p in (path, folder / f"{key}.safetensors.json"):
        os.utime(p, (now - age_days * DAY, now - age_days * DAY))
    return path


def test_the_cache_command_lists_and_prunes_adaptation_checkpoints(tmp_path, capsys, monkeypatch):
    from geolocator import cli

    monkeypatch.setenv("GEOLOCATOR_NORTHUP_DIR", str(tmp_path / "northup"))  # none of other tests' copies
    now = time.time()
    folder = tmp_path / "adapt-resume"
    old = _checkpoint(folder, "a" * 32, 3000, 40, now)
    new = _checkpoint(folder, "b" * 32, 2000, 1, now)
    assert cli.main(["cache", "--cache-dir", str(tmp_path)]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0] == f"0 feature stores, 0 MB, in {tmp_path / 'stores'}"
    assert out[1].endswith(f"(40 days ago)  {old.name}") and out[2].endswith(f"(1 days ago)  {new.name}")
    assert out[3] == (f"2 checkpoints of interrupted adaptations (an adaptation run again resumes from its own), "
                      f"under 1 MB, in {folder}; remove the ones not used for N days with --prune N")
    assert cli.main(["cache", "--cache-dir", str(tmp_path), "--prune", "30"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert f"removed {old.name} (under 1 MB)" in out
    assert out[-1] == f"removed 1 checkpoint of interrupted adaptations not used for 30 days (under 1 MB freed) from {folder}"
    assert sorted(p.name for p in folder.iterdir()) == [new.name, new.name + ".json"]  # its card went with it


def test_without_checkpoints_nothing_is_said_of_them(tmp_path, capsys, monkeypatch):
    from geolocator import cli

    monkeypatch.setenv("GEOLOCATOR_NORTHUP_DIR", str(tmp_path / "northup"))
    assert cli.main(["cache", "--cache-dir", str(tmp_path), "--prune", "30"]) == 0
    assert "interrupted adaptations" not in capsys.readouterr().out
