"""CI runs the README's test command first (then the slow tier), and that command's parallel run is safe: every test
writes its caches under a temporary folder of its own worker, never the user's cache."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _readme_test_command() -> str:
    lines = [line for line in (ROOT / "README.md").read_text().splitlines() if "(CI runs this, then the slow tier)" in line]
    assert len(lines) == 1, lines  # one line in the README says which command CI runs
    return lines[0].split("#")[0].strip()


STOP_ON_FAILURE = " || exit $?"


def _ci_commands() -> list[str]:
    """.ci/run's commands, each without the `|| exit $?` that stops the script when it fails."""
    return [line.strip().removesuffix(STOP_ON_FAILURE) for line in (ROOT / ".ci" / "run").read_text().splitlines()
            if line.strip() and not line.lstrip().startswith("#") and not line.startswith(("set ", "cd "))]


def test_ci_runs_exactly_the_readme_test_command():
    command = _readme_test_command()
    assert "pytest" in command and command.startswith("bash packaging/setup.sh && ")
    ci = _ci_commands()
    assert ci[0] == command, (ci, command)


def test_ci_stops_when_the_set_up_fails(tmp_path):
    """Under `set -e` a failing command on the left of `&&` does not stop bash, so a set-up that failed
    half-way (session 28's stop: a full disk) went on to the slow tier in a venv without torch. The first
    line must end the script with the set-up's status."""
    import subprocess

    lines = [line for line in (ROOT / ".ci" / "run").read_text().splitlines() if line.startswith("bash packaging/setup.sh")]
    assert len(lines) == 1 and lines[0].endswith(STOP_ON_FAILURE), lines
    # the same shape with a set-up that fails: the script stops with its status, the next line never runs
    script = tmp_path / "run"
    marker = tmp_path / "slow-tier-ran"
    script.write_text("set -euo pipefail\n" + lines[0].replace("bash packaging/setup.sh", "(exit 3)") + "\n"
                      f"touch {marker}\n")
    result = subprocess.run(["bash", str(script)], capture_output=True, cwd=tmp_path)
    assert result.returncode == 3 and not marker.exists()


def test_ci_runs_the_slow_tier_after_the_default_run():
    """The default run leaves the slow tier out (pyproject addopts `-m "not slow"`); CI runs it next,
    with the same interpreter and workers, so together the two runs collect every test."""
    addopts = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["pytest"]["ini_options"]["addopts"]
    assert addopts[addopts.index("-m") + 1] == "not slow", addopts
    command = _readme_test_command()
    pytest_part = command.split("&& ")[-1]
    assert " -m " not in pytest_part.split(" pytest", 1)[1]  # the README's command is the default run
    assert _ci_commands() == [command, f"{pytest_part} -m slow"]


def test_readme_test_command_spreads_over_the_two_cores_with_xdist():
    command = _readme_test_command()
    workers = re.search(r"-n (\d+|auto)\b", command)
    assert workers, command
    # pytest-xdist must come with the dev extra that packaging/setup.sh installs
    pyproject = (ROOT / "pyproject.toml").read_text()
    assert re.search(r'"pytest-xdist>=[\d.]+"', pyproject)
    assert 'pip install -q -e ".[dev]"' in (ROOT / "packaging" / "setup.sh").read_text()


def test_the_user_cache_is_never_written_by_the_tests(tmp_path_factory):
    """conftest points the XDG folders at this worker's temporary folder (platformdirs reads them)."""
    import platformdirs

    from geolocator.core.cache import default_cache_root

    base = tmp_path_factory.getbasetemp()
    for path in (default_cache_root(), Path(platformdirs.user_data_dir("geolocator")),
                 Path(platformdirs.user_config_dir("geolocator"))):
        assert base in path.parents, path
