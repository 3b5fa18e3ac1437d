"""The CLI's progress when a stage runs a second round: `locate` verifies every photo, then takes a second
look at those nothing verified, both as the stage "verify". Printed alike, the log read "verify: 4/4 done in
3 s" then "verify: 3/3 done in 4 s", as if something had been counted twice (newuser31_session31.md)."""

from __future__ import annotations

from geolocator.cli import TqdmProgress
from geolocator.core.progress import ProgressEvent

SECOND = "second look (sift) at photos nothing verified"


def _two_rounds(progress: TqdmProgress) -> None:
    for k in range(5):
        progress(ProgressEvent("verify", k, 4, "geometric verification"))
    for k in range(4):
        progress(ProgressEvent("verify", k, 3, SECOND))


def test_a_second_round_of_a_stage_in_a_log_names_what_it_is(capsys):
    _two_rounds(TqdmProgress(True, tty=False))
    lines = capsys.readouterr().err.splitlines()
    assert lines == ["verify: 4/4 done in 0 s", f"verify ({SECOND}): 3/3 done in 0 s"]


def test_a_second_round_of_a_stage_on_a_terminal_names_what_it_is(capsys):
    bars = TqdmProgress(True, tty=True)
    _two_rounds(bars)
    bars.close()
    shown = [line.split("\r")[-1] for line in capsys.readouterr().err.split("\n") if line.strip()]
    assert [line.split(":")[0] for line in shown] == ["verify", f"verify ({SECOND.split(':')[0]})"], shown
