"""training/bench_gui.py's "where each phase's time went" rows are named by the progress messages with
their numbers left out, so that round 2 counts with round 1 (StageClock.key). Session 29 (mend29): the
small demo's table read "done: failed" twice, for core/extract.py's "done: 0 failed", when nothing had
failed; and "/ tiles" and "best step /" for "5/12 tiles" and "best step 2/2". Exact keys, fast (no app)."""

from __future__ import annotations

from pathlib import Path

import pytest

from .helpers import load_script

bench = load_script(Path(__file__).resolve().parents[1] / "training" / "bench_gui.py", "bench_gui_stage_labels")


@pytest.mark.parametrize("stage, message, key", [
    # nothing failed: no "failed" in the label; the stage it ended is named (two stages end "done")
    ("extract:tiles", "done: 0 failed", "after indexing tiles"),
    ("extract:queries", "done: 0 failed", "after reading drone images"),
    # something failed: said, without the count (rows of runs with 1 and 3 failures add up)
    ("extract:tiles", "done: 3 failed", "after indexing tiles, some failed"),
    ("extract:queries", "done: 1 failed", "after reading drone images, some failed"),
    ("odd:stage", "done: 0 failed", "after odd:stage"),
    # a count "N/M" goes whole: no stray slash
    ("extract:tiles", "5/12 tiles", "tiles"),
    ("adapt", "best step 2/2", "best step"),
    # as before: numbers and brackets left out, round 2 counted with round 1
    ("geometry", "matching photos to each other (round 2)", "matching photos to each other"),
    ("extract:tiles", "12 in the store, 0 to compute", "in the store, to compute"),
    ("verify", "", "verify"),
])
def test_stage_keys_say_what_ran_and_never_failed_when_none_did(stage, message, key):
    assert bench.StageClock.key(stage, message) == key


def test_the_two_rounds_of_a_stage_are_one_row():
    clock = bench.StageClock()
    clock.phase = "open"
    for stage, message in (("geometry", "matching photos to each other (round 1)"), ("extract:tiles", "done: 0 failed"),
                           ("geometry", "matching photos to each other (round 2)")):
        clock.event(stage, message)
    clock.close()
    assert list(clock.wall) == [("open", "matching photos to each other"), ("open", "after indexing tiles")]
