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


def test_index_lists_no_verification_options_but_locate_does():
    """`index` only extracts features; its help used to list --no-verify, --matcher and the rest."""
    from geolocator.cli import build_parser

    parser = build_parser()
    sub = next(a for a in parser._actions if isinstance(a, __import__("argparse")._SubParsersAction))
    index_opts = {o for a in sub.choices["index"]._actions for o in a.option_strings}
    locate_opts = {o for a in sub.choices["locate"]._actions for o in a.option_strings}
    verify_opts = {"--no-verify", "--verify-candidates", "--matcher", "--verify-widen"}
    assert not verify_opts & index_opts and verify_opts <= locate_opts
    assert {"--backbone", "--cache-dir", "--batch-size", "-q"} <= index_opts


def test_the_screenshot_window_size_is_read_as_width_by_height():
    from geolocator.gui.app import SCREENSHOT_SIZE

    assert _parser().parse_args(["--demo", "--screenshot", "s.png", "--window-size", "1024x700"]).window_size == (1024, 700)
    assert _parser().parse_args(["--screenshot", "s.png", "--window-size", "800X600"]).window_size == (800, 600)
    assert _parser().parse_args(["--demo", "--screenshot", "s.png"]).window_size is None
    assert SCREENSHOT_SIZE == (1440, 900)  # the picture the README's figures were taken at


@pytest.mark.parametrize("size", ["1024", "1024x", "x700", "big", "1024x-700", "100x100", "1024x70000"])
def test_a_window_size_that_is_not_one_is_refused_naming_the_option(size, capsys):
    with pytest.raises(SystemExit) as exc:
        _parser().parse_args(["--screenshot", "s.png", "--window-size", size])
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert "--window-size" in err and repr(size) in err


def test_a_window_size_without_a_screenshot_is_refused(capsys):
    from geolocator.gui.app import main

    with pytest.raises(SystemExit) as exc:
        main(["--demo", "--window-size", "1024x700"])
    assert exc.value.code == 2
    assert "--screenshot" in capsys.readouterr().err


def test_the_screenshot_timeout_is_a_positive_whole_number_of_seconds(capsys):
    assert _parser().parse_args(["--screenshot", "s.png", "--screenshot-timeout", "1800"]).screenshot_timeout == 1800
    assert _parser().parse_args(["--screenshot", "s.png"]).screenshot_timeout is None
    for bad in ("0", "-5", "ten"):
        with pytest.raises(SystemExit) as exc:
            _parser().parse_args(["--screenshot", "s.png", "--screenshot-timeout", bad])
        assert exc.value.code == 2
        err = capsys.readouterr().err
        assert "--screenshot-timeout" in err and repr(bad) in err


def test_a_screenshot_timeout_without_a_screenshot_is_refused(capsys):
    from geolocator.gui.app import main

    with pytest.raises(SystemExit) as exc:
        main(["--demo", "--screenshot-timeout", "900"])
    assert exc.value.code == 2
    assert "how long a --screenshot waits" in capsys.readouterr().err


def test_a_demo_screenshot_without_the_demo_fails_with_a_sentence(tmp_path, monkeypatch, capsys):
    # session 37: a wheel without its demo saved an empty window and exited 0 (build.sh reads the status)
    from geolocator.gui import app, resources

    monkeypatch.setattr(resources, "resources_dir", lambda: tmp_path / "resources")
    monkeypatch.setattr(app, "display_problem", lambda: pytest.fail("Qt must not start"))
    monkeypatch.setattr(app, "_prepare_environment", lambda screenshot: None)  # sets Qt's variables for good
    assert app.main(["--demo", "--screenshot", str(tmp_path / "shot.png")]) == 2
    err = capsys.readouterr().err
    assert str(tmp_path / "resources" / "demo") in err and "demo region is missing" in err
    assert not (tmp_path / "shot.png").exists()
