"""`geolocator locate` when an extra output cannot be written (faults36, session 36): a full disk at
the geotagged copies or the evidence folder raised OutputError before the --out files were written,
so the located answers of the whole run were lost with "error: …/q_0002.jpg: could not write: the
disk is full", and a copy that failed did not say that the copies before it were kept. Now the --out
files and the other extras are written, each one that failed is an error line at the end (status 2),
and a failed copy says what the folder holds (demo photos, committed features: no backbone)."""

from __future__ import annotations

import csv
import errno

import pytest

from geolocator import cli
from geolocator.core import outputs
from geolocator.core.pipeline import Settings

from .demo_features import DEMO, DemoWorkspace, load_demo_features


@pytest.fixture(scope="module")
def features():
    return load_demo_features()


@pytest.fixture
def located(features, tmp_path, monkeypatch):
    def workspace(args):
        return DemoWorkspace(Settings(backbone=args.backbone, device="cpu", verify=args.verify,
                                      cache_dir=tmp_path / "cache", adapter_dir=tmp_path / "adapters"), features)

    monkeypatch.setattr(cli, "_workspace", workspace)
    return [str(DEMO / "queries" / f"q_{i:04d}.jpg") for i in (1, 2, 3, 4)]


def _disk_full_after(monkeypatch, files: int, inside):
    """outputs.write_bytes into folder `inside` fails with ENOSPC from its (files+1)-th file on."""
    real, done = outputs.write_bytes, []

    def write_bytes(path, data):
        if inside in path.parents:
            if len(done) >= files:
                raise outputs.OutputError(path, f"could not write: {outputs.describe_os_error(OSError(errno.ENOSPC, 'full'))}")
            done.append(path)
        return real(path, data)

    monkeypatch.setattr(outputs, "write_bytes", write_bytes)


def test_a_full_disk_at_the_geotagged_copies_still_writes_the_answers(located, tmp_path, monkeypatch, capsys):
    pytest.importorskip("piexif")
    out, copies, geo = tmp_path / "p.csv", tmp_path / "tagged", tmp_path / "geo.txt"
    _disk_full_after(monkeypatch, 1, copies)
    code = cli.main(["locate", *located, "--tiles", str(DEMO), "--out", str(out), "--geotag-copies", str(copies),
                     "--geotags", str(geo), "-q"])
    err = capsys.readouterr().err
    rows = list(csv.DictReader(out.open()))
    confident = sorted(r["query"] for r in rows if float(r["confidence"]) >= 0.9)
    assert len(confident) >= 2  # the second copy is the one that fails
    assert code == 2 and len(rows) == 4 and geo.exists()
    assert [p.name for p in copies.iterdir()] == [confident[0]]
    line = [x for x in err.splitlines() if x.startswith("error: ")]
    assert line == [f"error: {copies / confident[1]}: could not write: the disk is full; stopped there: 1 copy "
                    f"written before it is kept in {copies}, this photo and the "
                    f"{len(confident) - 2} other{'s' if len(confident) != 3 else ''} after it not copied"]
    assert err.rstrip().endswith(line[0])  # said last, under the file's line


def test_an_evidence_folder_that_cannot_be_written_leaves_the_answers(located, tmp_path, monkeypatch, capsys):
    out, evidence = tmp_path / "p.geojson", tmp_path / "evidence"
    real = outputs.write_text

    def write_text(path, text):
        if evidence in path.parents:
            raise OSError(errno.EIO, "Input/output error", str(path))  # a card pulled out: a plain OSError
        return real(path, text)

    _disk_full_after(monkeypatch, 10**6, evidence)  # pictures are written; their records are not
    monkeypatch.setattr(outputs, "write_text", write_text)
    code = cli.main(["locate", *located, "--tiles", str(DEMO), "--out", str(out), "--evidence", str(evidence), "-q"])
    err = capsys.readouterr().err
    assert code == 2 and out.exists() and "Traceback" not in err
    assert [x for x in err.splitlines() if x.startswith("error: ")] == [
        f"error: {evidence / 'q_0001.jpg.evidence.json'}: Input/output error"]


def test_an_out_file_that_cannot_be_written_leaves_the_other_out(located, tmp_path, monkeypatch, capsys):
    """`--out` twice (a USB stick and the laptop's disk): the first on a full disk no longer stops the second."""
    from geolocator.core import export

    usb, home = tmp_path / "usb" / "p.geojson", tmp_path / "p.csv"
    usb.parent.mkdir()
    real = export.write_text

    def write_text(path, text):
        if usb.parent in path.parents:
            raise outputs.OutputError(path, "could not write: the disk is full")
        return real(path, text)

    monkeypatch.setattr(export, "write_text", write_text)
    code = cli.main(["locate", *located, "--tiles", str(DEMO), "--out", str(usb), "--out", str(home), "-q"])
    captured = capsys.readouterr()
    assert code == 2 and not usb.exists() and len(list(csv.DictReader(home.open()))) == 4
    assert f"wrote 4 predictions to {home}: " in captured.out and str(usb) not in captured.out
    assert captured.err.splitlines()[-1] == f"error: {usb}: could not write: the disk is full"
