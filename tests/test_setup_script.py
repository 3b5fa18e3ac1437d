"""packaging/setup.sh as a new user sees it: a first install runs pip quietly for minutes, so the script says
what it is doing before it starts (session 31: 4 minutes of silence on the 2-core machine, newuser31)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

# the commands setup.sh needs besides bash's own; dpkg-query, apt-get and fc-list are left out on purpose,
# so that the system-library block is skipped and nothing is installed on this machine
TOOLS = ("sha256sum", "cut", "cat", "df", "awk", "du", "dirname", "rm", "basename", "id")


@pytest.mark.skipif(shutil.which("bash") is None, reason="needs bash")
def test_a_first_install_says_before_pip_starts_that_it_takes_minutes(tmp_path):
    repo = tmp_path / "repo"
    (repo / "packaging").mkdir(parents=True)
    shutil.copy(ROOT / "packaging" / "setup.sh", repo / "packaging" / "setup.sh")
    shutil.copy(ROOT / "pyproject.toml", repo / "pyproject.toml")
    log = tmp_path / "calls.log"
    venv_bin = repo / ".venv" / "bin"
    venv_bin.mkdir(parents=True)
    # a venv python that has pip but no torch yet (a first install); every call is logged in order
    # beside what the script has said on stderr so far, so the test sees which came first
    fake = venv_bin / "python"
    fake.write_text("#!/bin/bash\n"
                    f'echo "python $*" >> {log}\n'
                    '[ "$*" = "-c import torch" ] && exit 1\n'
                    "exit 0\n")
    fake.chmod(0o755)
    tools = tmp_path / "bin"
    tools.mkdir()
    for tool in TOOLS:
        where = shutil.which(tool)
        assert where, tool
        (tools / tool).symlink_to(where)
    env = {"PATH": str(tools), "HOME": str(tmp_path), "GEOLOCATOR_SKIP_SPACE_CHECK": "1", "PYTHON": "python3"}
    # the script's stderr is appended to the same log as the calls (both O_APPEND): one order of events
    with open(log, "a") as err:
        run = subprocess.run([shutil.which("bash"), "packaging/setup.sh"], cwd=repo, env=env, stdout=err,
                             stderr=err, timeout=60)
    order = log.read_text().splitlines()
    said = "\n".join(line for line in order if not line.startswith("python "))
    assert run.returncode == 0, said
    first_pip = next(i for i, line in enumerate(order) if "pip install" in line)
    before = "\n".join(order[:first_pip])
    # the line names what happens, how long it takes and how big it is, before the first pip install
    assert "installing" in before and "minutes" in before and "GB" in before, order
    assert "geolocator is set up" in said
