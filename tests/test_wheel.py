"""The wheel holds what the README says is installed with it: the demo region and the window icons, as package
data at geolocator/resources/ (pyproject.toml maps the checkout's resources/ there), and every module.

Builds the wheel offline from a copy of the sources (pip wheel --no-build-isolation: no internet; a copy so a
stale build/ in the checkout cannot hide a missing file). A few seconds; the slow test installs it into a fresh
venv and locates a demo photo from outside the checkout."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
import tomllib
import zipfile
from pathlib import Path

import pytest
from setuptools import find_packages

import geolocator
from geolocator.gui import resources

ROOT = Path(__file__).resolve().parent.parent
DEMO = ROOT / "resources" / "demo"
ICONS = ROOT / "resources" / "icons"
WHEEL_LIMIT_BYTES = 6_000_000  # 0.8 MB of code + 2.5 MB of demo and icons (session 37: 3.28 MB)


def _build_wheel(out: Path) -> Path:
    src = out / "src"
    src.mkdir(parents=True)
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(ROOT / name, src / name)
    skip = shutil.ignore_patterns("__pycache__", "*.pyc")
    shutil.copytree(ROOT / "geolocator", src / "geolocator", ignore=skip)
    shutil.copytree(ROOT / "resources", src / "resources", ignore=skip)
    dist = out / "dist"
    result = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--no-index",
                             "-q", "-w", str(dist), str(src)], capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    (wheel,) = dist.glob("geolocator-*.whl")
    return wheel


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    return _build_wheel(tmp_path_factory.mktemp("wheel"))


def test_the_wheel_holds_the_demo_region_and_the_icons(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    demo = {f"geolocator/resources/demo/{p.relative_to(DEMO).as_posix()}" for p in DEMO.rglob("*") if p.is_file()}
    assert len(demo) > 140 and demo <= names, sorted(demo - names)[:5]  # tiles, photos, CSVs, credits
    icons = {f"geolocator/resources/icons/{p.name}" for p in ICONS.glob("geolocator-*.png")}
    assert icons and icons <= names, sorted(icons - names)
    # README screenshots, icon sources and desktop metadata are not for the installed app
    assert not [n for n in names if n.startswith("geolocator/resources/") and not n.startswith(
        ("geolocator/resources/demo/", "geolocator/resources/icons/geolocator-"))]
    assert not [n for n in names if n.startswith("resources/")]  # nothing at site-packages' top level


def test_the_wheel_holds_every_module_and_stays_small(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    modules = {p.relative_to(ROOT).as_posix() for p in (ROOT / "geolocator").rglob("*.py")}
    assert modules <= names, sorted(modules - names)[:5]
    assert wheel.stat().st_size < WHEEL_LIMIT_BYTES, wheel.stat().st_size


def test_pyproject_lists_every_package():
    # setuptools' find cannot discover the mapped resources/, so the packages are listed by hand: a new
    # subpackage missing from the list would silently be left out of the wheel
    listed = set(tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"])
    code = set(find_packages(where=str(ROOT), include=["geolocator*"]))
    assert code <= listed, sorted(code - listed)
    data = {p for p in listed - code if p.startswith("geolocator.resources")}
    assert listed == code | data
    for package in data:
        assert (ROOT / "resources" / Path(*package.split(".")[2:])).is_dir(), package


def test_the_wheel_and_the_pyinstaller_spec_read_the_same_folder():
    # one copy of the demo: the wheel's package data and the frozen bundle's data both come from resources/
    setuptools = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    assert setuptools["package-dir"]["geolocator.resources"] == "resources"
    spec = (ROOT / "packaging" / "geolocator.spec").read_text()
    assert '(str(ROOT / "resources" / "demo"), "resources/demo")' in spec
    assert 'ICONS = ROOT / "resources" / "icons"' in spec


def test_resources_are_found_in_the_installed_package_first(tmp_path, monkeypatch):
    monkeypatch.delattr(sys, "_MEIPASS", raising=False)
    installed = tmp_path / "site-packages" / "geolocator"
    (installed / "resources" / "demo").mkdir(parents=True)
    (installed / "__init__.py").touch()
    monkeypatch.setattr(geolocator, "__file__", str(installed / "__init__.py"))
    assert resources.demo_dir() == installed / "resources" / "demo"
    # a checkout (or an editable install) has no geolocator/resources: the top-level resources/ it has
    checkout = tmp_path / "checkout" / "geolocator"
    checkout.mkdir(parents=True)
    (checkout / "__init__.py").touch()
    monkeypatch.setattr(geolocator, "__file__", str(checkout / "__init__.py"))
    assert resources.demo_dir() == tmp_path / "checkout" / "resources" / "demo"


@pytest.mark.slow
def test_an_installed_wheel_locates_a_demo_photo_outside_the_checkout(wheel, tmp_path):
    # a fresh venv; the dependencies come from this interpreter's site-packages through a .pth line (offline).
    # That line is not a site dir, so this environment's editable geolocator (a .pth finder) stays out.
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True, timeout=120)
    python = venv / "bin" / "python"
    purelib = Path(subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                                  capture_output=True, text=True, check=True).stdout.strip())
    (purelib / "project_deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    subprocess.run([sys.executable, "-m", "pip", "--python", str(python), "install", "--no-deps", "--no-index", "-q",
                    str(wheel)], check=True, timeout=300)
    away = tmp_path / "elsewhere"
    away.mkdir()
    env = {**os.environ, "HOME": str(tmp_path / "home"), "XDG_CACHE_HOME": str(tmp_path / "cache"),
           "XDG_CONFIG_HOME": str(tmp_path / "config"), "XDG_DATA_HOME": str(tmp_path / "data"),
           "PYTHONPATH": "", "OMP_NUM_THREADS": "1"}
    demo = Path(subprocess.run([str(python), "-c", "from geolocator.gui.resources import demo_dir; print(demo_dir())"],
                               cwd=away, env=env, capture_output=True, text=True, check=True).stdout.strip())
    assert demo == purelib / "geolocator" / "resources" / "demo"
    photos = away / "photos"
    photos.mkdir()
    shutil.copy2(demo / "queries" / "q_0001.jpg", photos)
    result = subprocess.run([str(venv / "bin" / "geolocator"), "locate", str(photos), "--tiles", str(demo / "tiles.csv"),
                             "--out", "located.csv"], cwd=away, env=env, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stdout + result.stderr
    lines = (away / "located.csv").read_text().splitlines()
    assert len(lines) == 2 and lines[1].startswith("q_0001.jpg,")
