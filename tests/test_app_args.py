"""The desktop app's own flags follow the CLI's rules (no Qt started: only the parser is used)."""

import pytest

from geolocator.gui.app import _parser, app_help


@pytest.mark.parametrize("steps", ["0", "-3", "two"])
def test_the_app_refuses_a_step_count_that_is_not_a_positive_whole_number(steps, capsys):
    with pytest.raises(SystemExit) as exc:
        _parser().parse_args(["--demo", "--steps", steps])
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert "--steps" in err and repr(steps) in err


def test_the_app_takes_a_positive_step_count():
    assert _parser().parse_args(["--demo", "--steps", "7"]).steps == 7
    assert _parser().parse_args(["--demo"]).steps is None


def test_the_app_help_names_the_step_count_once():
    line = next(ln for ln in app_help().splitlines() if ln.lstrip().startswith("--steps"))
    assert line.split()[:2] == ["--steps", "N"] and "adaptation steps" in line
