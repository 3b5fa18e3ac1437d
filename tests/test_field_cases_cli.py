"""training/field_cases_cli.py takes the field-cases folder as an option (session 26, mend26).

Before, it read the cases only from ``<tree>/../shared/field-cases``; from a worktree where that
folder was absent it stopped with a bare FileNotFoundError. The CLI runs themselves are replaced
here by a stand-in (the real run is minutes of CPU): what is checked is where each case is run and
how a missing folder is reported.
"""

from __future__ import annotations

import importlib.util
import json
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _script():
    spec = importlib.util.spec_from_file_location("field_cases_cli_t", ROOT / "training" / "field_cases_cli.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def _fake_run(mod, calls):
    """A stand-in for the CLI run: writes, for the case run in ``cwd``, a GeoJSON whose Points are
    the right answers (a 'not located' one for blank frames, no truth for the void fix)."""

    def run(cmd, cwd, env, capture_output, text):
        case = Path(cwd).name
        calls.append(Path(cwd))
        out = Path(cmd[cmd.index("--out") + 1])
        feats = []
        for photo, answer in mod.CASES[case][1].items():
            props = {"query": photo, "status": "verified", "location_source": "match"}
            lon, lat = 0.0, 0.0
            if answer == "not located":
                props.update(status="not located", confidence=0)
            elif answer == "void fix not truth":
                props["truth_note"] = "GPS fix void (status V)"
            else:
                lat, lon = answer
            # a not-located photo has no geometry (RFC 7946 §3.2's null; session 33)
            geometry = None if answer == "not located" else {"type": "Point", "coordinates": [lon, lat]}
            feats.append({"type": "Feature", "geometry": geometry, "properties": props})
        out.write_text(json.dumps({"type": "FeatureCollection", "features": feats}))
        return subprocess.CompletedProcess(cmd, 0, "", "")

    return run


def test_the_cases_folder_is_an_option_and_every_case_runs_inside_it(tmp_path, monkeypatch, capsys):
    mod = _script()
    cases = tmp_path / "elsewhere" / "field-cases"
    for case in mod.CASES:
        (cases / case).mkdir(parents=True)
    calls: list[Path] = []
    monkeypatch.setattr(mod.subprocess, "run", _fake_run(mod, calls))
    assert mod.main(["--cases", str(cases), "--out", str(tmp_path / "out"), "--cache-dir", str(tmp_path / "c")]) == 0
    assert calls == [cases / case for case in mod.CASES]
    assert capsys.readouterr().out.strip().endswith("all right")


def test_the_default_folder_is_still_shared_beside_the_tree(capsys):
    mod = _script()
    assert mod.FIELD == ROOT.parent / "shared" / "field-cases"
    with pytest.raises(SystemExit):
        mod.main(["--help"])
    assert str(mod.FIELD) in " ".join(capsys.readouterr().out.split())


def test_a_missing_cases_folder_is_named_not_a_traceback(tmp_path, monkeypatch, capsys):
    mod = _script()
    monkeypatch.setattr(mod.subprocess, "run", lambda *a, **k: pytest.fail("no case should run"))
    nowhere = tmp_path / "no-such-folder"
    assert mod.main(["--cases", str(nowhere), "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert str(nowhere) in err and "--cases" in err
    # one case folder missing: that folder is named
    for case in list(mod.CASES)[1:]:
        (nowhere / case).mkdir(parents=True)
    assert mod.main(["--cases", str(nowhere), "--out", str(tmp_path / "out")]) == 2
    assert str(nowhere / list(mod.CASES)[0]) in capsys.readouterr().err
