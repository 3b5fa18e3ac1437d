"""An interrupted adaptation resumes from its last EM round (core/adapt/resume.py).

Session 20 (newuser20, section 3) killed `geolocator adapt` during its EM steps: the rerun computed
every step again. Users adapting a county on a laptop lose many minutes to a closed app or a Cancel.
These tests fail before resuming existed (adapt() took no resume_dir; nothing was saved between
rounds)."""

import os

import numpy as np
import pytest
import torch

from geolocator.core.adapt import adapt
from geolocator.core.adapt.synthetic import synthetic_cross_view
from geolocator.core.errors import Cancelled
from geolocator.core.progress import CancelToken

pytestmark = pytest.mark.usefixtures("one_torch_thread")  # small matrices (tests/conftest.py)


@pytest.fixture(scope="module")
def problem():
    return synthetic_cross_view(n_tiles=12, per_tile=3, views=4, dim=24, distortion=1.5, noise=1.0, seed=5)


def _interrupted(tiles, photos, folder, mode, steps, stop_after, **kw):
    """Run adapt() and Cancel it after `stop_after` steps (as the app's Cancel does); the events seen."""
    token, events = CancelToken(), []

    def progress(event):
        events.append(event)
        if event.step >= stop_after and "step" in event.message:
            token.cancel()

    with pytest.raises(Cancelled):
        adapt(tiles, photos, mode=mode, steps=steps, seed=3, device="cpu", resume_dir=folder, progress=progress,
              cancel=token, **kw)
    return events


def _same_weights(a, b) -> bool:
    sa, sb = a.model.state_dict(), b.model.state_dict()
    return sa.keys() == sb.keys() and all(torch.equal(sa[k], sb[k]) for k in sa)


@pytest.mark.parametrize("mode, steps, stop_after", [("best", 10, 7), ("paper", 10, 5)])
def test_a_cancelled_run_resumes_at_its_last_round_and_ends_with_the_same_adapter(problem, tmp_path, mode, steps,
                                                                                   stop_after):
    """Bit for bit: the state saved is what the next round starts from (network, AdamW moments,
    scheduler, the sampling generator). Fails before the fix: adapt() had no resume_dir."""
    tiles, photos, _ = problem
    whole = adapt(tiles, photos, mode=mode, steps=steps, seed=3, device="cpu")
    _interrupted(tiles, photos, tmp_path, mode, steps, stop_after)
    kept = [p.name for p in tmp_path.iterdir() if p.suffix == ".safetensors"]
    assert len(kept) == 1  # Cancel keeps the checkpoint
    events = []
    resumed = adapt(tiles, photos, mode=mode, steps=steps, seed=3, device="cpu", resume_dir=tmp_path,
                    progress=events.append)
    # rounds of ceil(10 / 5) = 2 steps: the last saved after step 6 (best, stopped after 7) or 4 (paper, 5)
    round_no = (stop_after // 2) + 1
    assert events[0].message.startswith(f"resuming at round {round_no} of 5")
    assert events[0].step == (round_no - 1) * 2
    assert [e.step for e in events[1:]] == list(range((round_no - 1) * 2 + 1, steps + 1))  # no step done twice
    assert resumed.card["resumed_at_round"] == round_no
    assert _same_weights(whole, resumed)
    assert not any(tmp_path.glob("*.safetensors"))  # a finished run removes its checkpoint


def test_another_key_never_resumes(problem, tmp_path):
    """Another seed, other photos, other settings: the checkpoint is not theirs (a resumed run would
    be another run's adapter). Fails before the fix: no resume_dir."""
    tiles, photos, _ = problem
    _interrupted(tiles, photos, tmp_path, "best", 10, 7)
    for kwargs in ({"seed": 4}, {"photos": photos[::-1].copy()}, {"steps": 12}, {"resume_facts": "other-backbone"}):
        events = []
        p = kwargs.pop("photos", photos)
        seed = kwargs.pop("seed", 3)
        adapt(tiles, p, mode="best", seed=seed, device="cpu", resume_dir=tmp_path, progress=events.append,
              **{"steps": 10, **kwargs})
        assert not any("resuming" in e.message for e in events), kwargs
        assert len([e for e in events if e.stage == "adapt"]) == kwargs.get("steps", 10)
    assert len(list(tmp_path.glob("*.safetensors"))) == 1  # theirs finished; ours is still there


def test_a_damaged_or_half_written_checkpoint_is_never_trusted(problem, tmp_path, caplog):
    """A checkpoint cut short (a disk that filled, a copy) is said once and the run starts over with
    the uninterrupted run's result; a leftover temporary file is never read. Fails before the fix."""
    tiles, photos, _ = problem
    whole = adapt(tiles, photos, mode="best", steps=10, seed=3, device="cpu")
    _interrupted(tiles, photos, tmp_path, "best", 10, 7)
    (path,) = tmp_path.glob("*.safetensors")
    data = path.read_bytes()
    (tmp_path / f".{path.name}.abc.tmp").write_bytes(data)  # as write_atomic names its temporary file
    path.write_bytes(data[: len(data) // 2])
    events = []
    again = adapt(tiles, photos, mode="best", steps=10, seed=3, device="cpu", resume_dir=tmp_path,
                  progress=events.append)
    assert not any("resuming" in e.message for e in events)
    assert "the adaptation checkpoint is not used" in caplog.text and path.name in caplog.text
    assert _same_weights(whole, again)


def test_a_kill_while_writing_leaves_the_previous_round(problem, tmp_path, monkeypatch):
    """The checkpoint goes to a temporary file renamed into place: a process killed inside the
    write (simulated: the rename never happens) leaves the round before it, which resumes right."""
    tiles, photos, _ = problem
    whole = adapt(tiles, photos, mode="best", steps=10, seed=3, device="cpu")
    real_replace, calls = os.replace, []

    def dying_replace(src, dst):
        calls.append(dst)
        if str(dst).endswith(".safetensors") and len([c for c in calls if str(c).endswith(".safetensors")]) == 3:
            raise KeyboardInterrupt  # killed between writing round 3's file and its rename
        return real_replace(src, dst)

    monkeypatch.setattr(os, "replace", dying_replace)
    with pytest.raises(KeyboardInterrupt):
        adapt(tiles, photos, mode="best", steps=10, seed=3, device="cpu", resume_dir=tmp_path)
    monkeypatch.setattr(os, "replace", real_replace)
    assert not list(tmp_path.glob("*.tmp"))  # the half-written file was removed
    events = []
    resumed = adapt(tiles, photos, mode="best", steps=10, seed=3, device="cpu", resume_dir=tmp_path,
                    progress=events.append)
    assert events[0].message.startswith("resuming at round 3 of 5")  # rounds 1 and 2 were saved
    assert _same_weights(whole, resumed)


def test_the_workspace_resumes_an_adaptation_cancelled_in_the_app(tmp_path):
    """Workspace.adapt (the app's Adapt and `geolocator adapt`) keeps its checkpoints in the cache:
    Cancel after round 3, adapt again, and the adapter saved is the uninterrupted run's. Fails
    before the fix (the second run started at step 1)."""
    from tests.demo_features import demo_workspace

    ws, region = demo_workspace(tmp_path / "a", verify=False)
    photos = region.queries[::4]
    whole = ws.adapt(photos, mode="best", steps=10, geometric=False)
    ws, _ = demo_workspace(tmp_path / "b", verify=False)
    token, events = CancelToken(), []

    def progress(event):
        events.append(event)
        if event.stage == "adapt" and event.step == 7:
            token.cancel()

    with pytest.raises(Cancelled):
        ws.adapt(photos, mode="best", steps=10, geometric=False, progress=progress, cancel=token)
    assert len(list((tmp_path / "b" / "cache" / "adapt-resume").glob("*.safetensors"))) == 1
    events = []
    resumed = ws.adapt(photos, mode="best", steps=10, geometric=False, progress=events.append)
    said = [e.message for e in events if e.stage == "adapt"]
    assert said[0] == "resuming at round 4 of 5 (saved by an interrupted run)"
    assert len(said) == 1 + 4  # steps 7 to 10
    assert _same_weights(whole, resumed) and resumed.card["resumed_at_round"] == 4


def test_checkpoints_of_runs_never_resumed_do_not_pile_up(problem, tmp_path):
    """Runs cancelled and never run again with the same inputs (other photos, another seed) leave
    ~3x an adapter each; the folder keeps the newest KEEP_RUNS, and a killed write's old temporary
    file goes. Fails before the tidy-up (6 checkpoints stayed)."""
    import time

    from geolocator.core.adapt import resume

    tiles, photos, _ = problem
    for seed in range(5):
        _interrupted(tiles, photos, tmp_path, "best", 10, 3, resume_facts=f"another run {seed}")
    stale = tmp_path / ".abc.safetensors.x.tmp"
    stale.write_bytes(b"half")
    old = time.time() - 2 * resume.STALE_TMP_S
    os.utime(stale, (old, old))
    for p in sorted(tmp_path.glob("*.safetensors")):
        os.utime(p, (old, old))
    events = []
    token = CancelToken()

    def progress(event):
        events.append(event)
        if event.step >= 3:
            token.cancel()

    with pytest.raises(Cancelled):
        adapt(tiles, photos[::-1].copy(), mode="best", steps=10, seed=9, device="cpu", resume_dir=tmp_path,
              progress=progress, cancel=token)
    kept = list(tmp_path.glob("*.safetensors"))
    assert len(kept) == resume.KEEP_RUNS and not stale.exists()
    assert max(kept, key=lambda p: p.stat().st_mtime).stat().st_mtime > old + 1  # the new run's is kept


def test_a_cache_that_cannot_be_written_is_said_once_and_training_goes_on(problem, tmp_path, monkeypatch, caplog):
    """A full disk or a read-only cache: the adapter is trained as without checkpoints, and the
    failed write is said once, not once per round (4 warnings before)."""
    import logging

    from geolocator.core import outputs

    tiles, photos, _ = problem
    whole = adapt(tiles, photos, mode="best", steps=10, seed=3, device="cpu")

    def full(path, write):
        raise outputs.OutputError(path, "could not write: no space left on the disk")

    monkeypatch.setattr(outputs, "write_atomic", full)
    with caplog.at_level(logging.WARNING, logger="geolocator"):
        again = adapt(tiles, photos, mode="best", steps=10, seed=3, device="cpu", resume_dir=tmp_path)
    said = [r.getMessage() for r in caplog.records if "checkpoint cannot be written" in r.getMessage()]
    assert len(said) == 1 and "no space left" in said[0], said
    assert _same_weights(whole, again)
