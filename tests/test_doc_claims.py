"""The docs say what the program does (session 36, docs36): every `--flag` a documented `geolocator COMMAND …`
line uses is one of that command's options, every `File → Item` path names an item of that menu, the CSV
columns the docs place are where the code writes them, and the numbers the docs give for limits, thresholds
and defaults are the constants in the code. A flag renamed or a constant retuned fails here, naming the doc's
phrase, instead of leaving the docs stale. (Shortcuts: tests/test_first_hour.py; links: test_doc_links.py.)

Session 37 (docs37) added: the messages the docs quote, made by the program (a tile server on 127.0.0.1, a
video with its .SRT, geotagged copies, a cache dated ahead); the environment variables, both ways; the file
names the docs give; a flag's alternatives (`--mode best|paper`); every key the docs name; every menu item
listed in docs/app.md; the answer-fields table's names; the suffixes of documented `--out` files."""

from __future__ import annotations

import argparse
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
FENCE = re.compile(r"^(```|~~~)[^\n]*\n(.*?)^\1[^\n]*$", re.S | re.M)
FLAG = re.compile(r"(?<![\w-])--[a-z][a-z0-9-]*")
TYPOS_SHOWN = {"evl"}  # the README shows what a mistyped command answers (tests/test_first_hour.py runs it)


def _options() -> tuple[dict[str, set[str]], set[str]]:
    """Each subcommand's option strings, and the app's (no subcommand) with the top-level ones."""
    from geolocator.cli import build_parser
    from geolocator.gui.app import _parser

    top = build_parser()
    sub = next(a for a in top._actions if isinstance(a, argparse._SubParsersAction))
    per = {name: {o for a in p._actions for o in a.option_strings} for name, p in sub.choices.items()}
    app = {o for a in _parser()._actions for o in a.option_strings}
    app |= {o for a in top._actions for o in a.option_strings}
    return per, app


def command_lines(text: str) -> list[str]:
    """The `geolocator …` commands a doc shows: lines of its code blocks and its inline code spans."""
    spans = [line for _, block in FENCE.findall(text) for line in block.splitlines()]
    spans += re.findall(r"`([^`\n]+)`", FENCE.sub("", text))
    return [s for s in spans if re.search(r"(?:^|[\s/])geolocator\s+\S", s)]


def unknown_flags(text: str, per: dict[str, set[str]], app: set[str]) -> list[str]:
    bad = []
    for line in command_lines(text):
        m = re.search(r"(?:^|[\s/])geolocator\s+(\S+)(.*)", line)
        word, rest = m.group(1), m.group(2).split(" #")[0]
        if word in per:
            known, flags = per[word], FLAG.findall(rest)
        elif word.isupper() or not re.fullmatch(r"[-\w.]+", word):  # COMMAND, "a folder", path/…: no claim
            known, flags = app, []
        elif word.startswith("-") or "." in word:  # the app: `geolocator --demo …`, `geolocator photo.jpg`
            known, flags = app, FLAG.findall(word + rest)
        elif word not in TYPOS_SHOWN:
            bad.append(f"{line!r}: no command {word!r}")
            continue
        bad += [f"{line!r}: {word} has no {flag}" for flag in flags if flag not in known]
    return bad


def test_every_flag_of_a_documented_command_is_one_of_its_options():
    per, app = _options()
    bad = []
    for path in DOCS:
        bad += [f"{path.relative_to(ROOT)}: {b}" for b in unknown_flags(path.read_text(encoding="utf-8"), per, app)]
    assert bad == []


def test_a_renamed_flag_or_a_mistyped_command_is_found():
    per, app = _options()
    text = ("```bash\ngeolocator locate photos/ --tiles t.csv --out p.geojson   # fine --anything in a comment\n"
            "geolocator fetch-tiles URL --bbox=1,2,3,4 --zoom 18 --out a.mbtiles --tile-size 60\n```\n"
            "and `geolocator evall region/`, `geolocator --demo --no-such-app-flag`, `geolocator eval REGION --json`, "
            "`geolocator COMMAND --help`\n")
    assert unknown_flags(text, per, app) == [
        "'geolocator fetch-tiles URL --bbox=1,2,3,4 --zoom 18 --out a.mbtiles --tile-size 60': "
        "fetch-tiles has no --tile-size",
        "'geolocator evall region/': no command 'evall'",
        "'geolocator --demo --no-such-app-flag': --demo has no --no-such-app-flag"]


def _default(command: str, dest: str):
    """The default of `geolocator COMMAND`'s option stored in `dest`."""
    from geolocator.cli import build_parser

    sub = next(a for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction))
    return sub.choices[command].get_default(dest)


def _claims():
    """(doc, phrase as written with {} where the number goes, the value in the code, how it is written)."""
    from geolocator.cli import TqdmProgress
    from geolocator.core import (cache_files, changed_ground, export, geotags, ground_band, images, model,
                                 outside_tiles, pair_store, photo_pool, photo_support, rerank, store_prune)
    from geolocator.core.adapt import em, resume
    from geolocator.core.adapt.geometric import GeometrySettings
    from geolocator.core.extract import PARTIAL_COMMIT_S, STORE_CHUNK
    from geolocator.core.matchers.verify import QUICK_KEYPOINTS
    from geolocator.core.media import metadata, video
    from geolocator.core.media.video import FRAME_MAX_SIDE
    from geolocator.core.pipeline import Settings
    from geolocator.core.rerank import TILE_MEMORY_BYTES, VerifySettings
    from geolocator.core.retrieval import FLAT_MAX
    from geolocator.core.sequence import MotionModel
    from geolocator.core.sources import (area_crs, fetch, geotiff, kml_overlay, missing_tiles, package, wmts_grid,
                                         worldfile)
    from geolocator.core.webmap import CANVAS_ABOVE, LEGEND_MAX_SHARE
    from geolocator.gui import app, cache_prune
    from geolocator.core.queries import load_region
    from geolocator.gui.main_window import MAX_RECENT, RESUMED_MS  # modules imported only: no window is built
    from geolocator.gui.resources import demo_dir
    from geolocator.gui.workers import DEFAULT_WORKER_NICE
    from geolocator.gui.pane_widths import MAP_HEIGHT_SHARE, MAP_SHARE
    from geolocator.gui.results_panel import MIN_QUERY_PX

    verify, geometry = VerifySettings(), GeometrySettings()
    fuzz = (ROOT / "tests" / "test_fuzz_parsers.py").read_text(encoding="utf-8")  # read, not imported
    fuzz_suites = len(re.findall(r"^@given\(", fuzz, re.M))
    fuzz_examples = int(re.search(r'register_profile\("fuzz", max_examples=(\d+)', fuzz).group(1))
    thousands = "{:,}".format
    return [
        ("README.md", "picture of the window ({} x 900", app.SCREENSHOT_SIZE[0], str),
        ("README.md", "picture of the window (1440 x {}", app.SCREENSHOT_SIZE[1], str),
        ("README.md", "it waits up to {} s for the work", app.SCREENSHOT_TIMEOUT_S, str),
        ("docs/command-line.md", "refuses areas above `--max-tiles` (default {})", fetch.DEFAULT_MAX_TILES, thousands),
        ("docs/command-line.md", "keeps at most `--concurrency` ({}) requests", fetch.DEFAULT_CONCURRENCY, str),
        ("docs/command-line.md", "`--around PHOTOS [--margin-m {}]`", fetch.DEFAULT_MARGIN_M, "{:g}".format),
        ("docs/command-line.md", "pyproj's `transform_bounds` with {} points along each edge", area_crs.DENSIFY_POINTS, str),
        ("docs/command-line.md", "a box {} % or more outside it", area_crs.OUTSIDE_SHARE_SAID * 100, "{:g}".format),
        ("docs/command-line.md", "stops when the first {} tiles got only HTTP errors", fetch.STOP_AFTER_ERRORS, str),
        ("docs/command-line.md", "refuses (401/403) the first {} tiles", fetch.STOP_AFTER_REFUSALS, str),
        ("docs/command-line.md", "cannot connect for the first {} tiles before the service ever answered",
         fetch.STOP_AFTER_UNREACHABLE, str),
        ("docs/command-line.md", "({} tiles in a row cannot connect after it had answered", fetch.STOP_AFTER_LOST, str),
        ("docs/command-line.md", "stops the fetch once 8 requests in a row got no answer, the first {} s ago",
         fetch.SILENT_S, "{:g}".format),
        ("docs/command-line.md", "is committed every {} tiles or 5 s", fetch.COMMIT_EVERY_TILES, str),
        ("docs/command-line.md", "is committed every 50 tiles or {} s", fetch.COMMIT_EVERY_S, "{:g}".format),
        ("docs/command-line.md", "While no tile comes for {} s", fetch.WAIT_SAY_S, "{:g}".format),
        ("docs/command-line.md", "connecting may take {} s of it at most", fetch.CONNECT_TIMEOUT_S, "{:g}".format),
        ("docs/command-line.md", "not asked for again until the 404 is {} old", fetch.MISSING_RETRY_S,
         {86400.0: "a day"}.get),
        ("docs/command-line.md", "the pixel size is ScaleDenominator × {} mm", wmts_grid.OGC_PIXEL_M * 1000,
         "{:g}".format),
        ("docs/inputs.md", "at most {} MP are decoded at once", images.DECODE_BUDGET_PIXELS / 1e6, "{:g}".format),
        ("docs/inputs.md", "an image over {} MP, such as an 8192 px", kml_overlay.PLAIN_WINDOW_MAX_PIXELS / 1e6,
         "{:g}".format),
        ("docs/outputs.md", "metre-level Point), confidence {} or more", model.CONFIDENT, "{:g}".format),
        ("docs/outputs.md", "confidence below {}: right 29 %", model.WEAK_BELOW, "{:g}".format),
        ("docs/outputs.md", "but confidence 0.5-{}: check it", model.CONFIDENT, "{:g}".format),
        ("docs/outputs.md", "but confidence {}-0.9: check it", model.WEAK_BELOW, "{:g}".format),
        ("docs/flights.md", "a speed limit (`--max-speed`, default {} m/s)", MotionModel().max_speed_mps, "{:g}".format),
        ("docs/flights.md", "costs `--turn-cost` (default {})", MotionModel().turn_cost, "{:g}".format),
        ("docs/flights.md", "between two verified frames at most {} s apart", MotionModel().max_bridge_s, "{:g}".format),
        ("docs/flights.md", "constant velocity for at most {} s", MotionModel().extrapolate_s, "{:g}".format),
        ("docs/flights.md", "path turns by more than {}° at one of them", MotionModel().sharp_turn_deg, "{:g}".format),
        ("docs/flights.md", "one within {} m of its own verified top", MotionModel().verified_slack_m, "{:g}".format),
        ("docs/flights.md", "measured between verified frames at least {} s apart", MotionModel().velocity_base_s,
         "{:g}".format),
        ("docs/flights.md", "Frames are decoded once, shrunk to {} px", FRAME_MAX_SIDE, str),
        ("docs/large-areas.md", "**Tiles embedded once above {} tiles**", Settings().rotate_photos_above, thousands),
        ("docs/large-areas.md", "Indexing streams: chunks of {} tiles are appended", STORE_CHUNK, str),
        ("docs/large-areas.md", "**Search without a photos x tiles matrix** above {} tile vectors", Settings().dense_max,
         thousands),
        ("docs/large-areas.md", "(flat up to {} vectors, IVF", FLAT_MAX, thousands),
        ("docs/large-areas.md", "random others; {} tiles at most)", Settings().adapt_max_tiles, thousands),
        ("docs/large-areas.md", "evenly spaced sample of {} photos", geometry.max_photos, thousands),
        ("docs/large-areas.md", "it now keeps at most {} MiB", TILE_MEMORY_BYTES / 2**20, "{:g}".format),
        ("docs/large-areas.md", "and above {} photos the markers are drawn on one canvas", CANVAS_ABOVE, str),
        ("docs/outputs.md", "when fewer than a {} of a run's located photos verify", outside_tiles.OUTSIDE_SHARE_BAR,
         {0.25: "quarter"}.get),
        ("docs/outputs.md", "each tile-level answer claims at most {} and carries the caution", outside_tiles.OUTSIDE_CEILING,
         "{:g}".format),
        ("docs/outputs.md", "a verified answer claiming less than {} is checked against the photo's own SIFT keypoints",
         photo_support.SUPPORT_BELOW, "{:g}".format),
        ("docs/outputs.md", "it claims at most {} and reads \"weak match\"", photo_support.UNSUPPORTED_CEILING, "{:g}".format),
        ("docs/outputs.md", "verified answers below {} then claim at most 0.71", changed_ground.CHANGED_VERIFIED_BELOW,
         "{:g}".format),
        ("docs/outputs.md", "then claim at most {}, unverified ones at most 0.06", changed_ground.CHANGED_VERIFIED_SHARE,
         "{:g}".format),
        ("docs/outputs.md", "unverified ones at most {}, answers at 0.95", changed_ground.CHANGED_UNVERIFIED_CEILING,
         "{:g}".format),
        ("docs/outputs.md", "GeoJSON (RFC 7946, `[lon, lat]`, {} decimals)", export.DECIMALS, str),
        ("docs/inputs.md", "(an image of {} px or more a side gets a warning)", worldfile.ORTHOPHOTO_SIDE_PX, thousands),
        ("docs/inputs.md", "photos too small to hold anything (a side under {} px", images.MIN_PHOTO_SIDE, str),
        ("docs/inputs.md", "or narrower than {}:1", images.MAX_PHOTO_ASPECT, "{:g}".format),
        ("docs/app.md", "the photo in the Results pane shrinks to {} px", MIN_QUERY_PX, str),
        ("docs/app.md", "until the map has {} of it; the narrowed list", MAP_SHARE, {0.5: "half"}.get),
        ("docs/app.md", "the pane gives height until the map has {} % of it", MAP_HEIGHT_SHARE * 100, "{:g}".format),
        ("docs/app.md", "would cover more than {} % of the map", LEGEND_MAX_SHARE * 100, "{:g}".format),
        ("docs/command-line.md", "a plain line when each stage ends and one every {} s meanwhile", TqdmProgress.LINE_EVERY_S,
         "{:g}".format),
        ("docs/results.md", "gets its next tiles by global score verified too, up to N; by default {} for a learned matcher",
         rerank.LEARNED_WIDEN, str),
        ("docs/results.md", "of whose `--verify-candidates` ({}) tiles verified", verify.candidates, str),
        ("docs/results.md", "(`--verify-corners K`, `Settings.verify_corners`; {} by default",
         Settings().verify_corners, {0: "off"}.get),
        ("docs/results.md", "--dense-search # tiles from another sensor: slow, {} by default",
         Settings().dense_search, {False: "off"}.get),
        ("docs/results.md", "{} by default since session 19; `--second-look off` turns it off", Settings().second_look,
         lambda v: "on" if v else None),
        ("docs/results.md", "look** (`VerifySettings.deblock`, {} by default)", verify.deblock, {True: "on"}.get),
        ("docs/results.md", "so it is **{} by default** (`VerifySettings.learned_blind`)", verify.learned_blind,
         {0: "off"}.get),
        ("docs/inputs.md", "`pairs/` keeps to {} MiB: a write beyond", pair_store.MAX_BYTES / 2**20, "{:g}".format),
        ("docs/inputs.md", "the temporary file a killed write left is removed once it is {} minutes old",
         pair_store.STALE_TMP_S / 60, "{:g}".format),
        ("docs/inputs.md", "(`.tmp`) is removed only once {} minutes old", cache_files.STALE_TMP_S / 60, "{:g}".format),
        ("docs/inputs.md", "at most the newest {} runs' are kept", resume.KEEP_RUNS, str),
        ("docs/inputs.md", "it asks the number of days ({} by default)", cache_prune.DEFAULT_DAYS, str),
        ("docs/inputs.md", "the app, in the status bar for {} s)", RESUMED_MS / 1000, "{:g}".format),
        ("docs/inputs.md", "(5 rounds; {} steps in mode `best`)", em.BEST.steps, str),
        ("docs/inputs.md", "({} rounds; 60 steps in mode `best`)", em.BEST.rounds, str),
        ("docs/outputs.md", "the answer's Point (the ground at the photo's centre), {} decimals", geotags.DECIMALS, str),
        ("docs/outputs.md", "a photo whose recorded gimbal pitch is more than {}° off nadir is left out",
         geotags.NADIR_WITHIN_DEG, "{:g}".format),
        ("docs/outputs.md", "so ODM assumes its own {} m for those photos", geotags.ODM_DEFAULT_DOP_M, "{:g}".format),
        ("docs/outputs.md", "a reference CSV in PIX4Dmatic's order** (`{}`", geotags.REFERENCE_CSV_HEADER, ",".join),
        ("docs/inputs.md", "for views within {}° of nadir (None when oblique", metadata.NADIR_TOLERANCE_DEG, "{:g}".format),
        ("docs/flights.md", "that keeps it to at most {} frames", video.AUTO_MAX_FRAMES, str),
        ("docs/flights.md", "and then the first of {} s that keeps it", video.AUTO_STEPS_S[1:],
         lambda steps: ", ".join(f"{v:g}" for v in steps[:-1]) + f" or {steps[-1]:g}"),
        ("docs/large-areas.md", "*Automatic*: at most {} frames a video", video.AUTO_MAX_FRAMES, str),
        ("docs/outputs.md", "looks at least {}° below the horizon (`ground_band.BELOW_HORIZON_DEG`",
         ground_band.BELOW_HORIZON_DEG, "{:g}".format),
        ("docs/outputs.md", "roll of {}° or more cuts nothing", ground_band.ROLL_LIMIT_DEG, "{:g}".format),
        ("docs/outputs.md", "(default 0: one per core, at most {};", photo_pool.MAX_AUTO_WORKERS, str),
        ("docs/command-line.md", "(`--retries`, {})", _default("fetch-tiles", "retries"), str),
        ("docs/command-line.md", "(HTTP 500 after {} attempts)", _default("fetch-tiles", "retries") + 1, str),
        ("docs/command-line.md", "(subdomains, `--subdomains {}`)", fetch.TileTemplate.__dataclass_fields__["subdomains"].default,
         "".join),
        ("README.md", "cut into square **tiles** ({} m of ground each", geotiff.DEFAULT_TILE_SIZE_M, "{:g}".format),
        ("docs/app.md", "which one (automatic: the level nearest the photos' footprint, else {} m tiles)", package.DEFAULT_TILE_GROUND_M, "{:g}".format),
        ("docs/app.md", "nothing is asked ({} m tiles, automatic zoom)", geotiff.DEFAULT_TILE_SIZE_M, "{:g}".format),
        ("docs/command-line.md", "(when their metadata gives it), else about {} m", package.DEFAULT_TILE_GROUND_M,
         "{:g}".format),
        ("docs/inputs.md", "the photos' footprint (the median of what their metadata gives: altitude above take-off x "
         "sensor width / focal length, as a square of the same area), else {} m", package.DEFAULT_TILE_GROUND_M,
         "{:g}".format),
        ("docs/method.md", "temperature (τ₀ = {}, label smoothing", em.PAPER.tau0, "{:g}".format),
        ("docs/method.md", "label smoothing {}) plus the AIC loss", em.PAPER.smoothing, "{:g}".format),
        ("docs/method.md", "mutual nearest neighbours with cosine > {};", em.PAPER.threshold, "{:g}".format),
        ("docs/method.md", "AdamW {} cosine", em.PAPER.lr, lambda v: f"{v:.0e}".replace("e-0", "e-")),
        ("docs/method.md", "AdamW 2e-4 cosine; {} steps", em.PAPER.steps, str),
        ("docs/method.md", "matched to its {} most similar tiles", verify.candidates, str),
        ("docs/method.md", "a plausible match with ≥ {} inliers places the photo", verify.min_inliers, str),
        ("docs/method.md", "anchor the next of {} rounds", geometry.rounds, {3: "three"}.get),
        ("docs/method.md", "linked to its {} most alike anchors", geometry.learned_links, str),
        ("docs/method.md", "(mutual nearest neighbours of {} keypoints", QUICK_KEYPOINTS, thousands),
        ("docs/method.md", "one homography) finds {} inliers", geometry.link_precheck, str),
        ("docs/method.md", "with its {} nearest photos", em.BEST.knn, str),
        ("docs/method.md", "from the most confident {} % of photos", em.BEST.keep_start * 100, "{:g}".format),
        ("docs/method.md", "of photos to {} %", em.BEST.keep_end * 100, "{:g}".format),
        ("docs/method.md", "hidden width {}, 60 steps", em.BEST.hidden, str),
        ("docs/method.md", "hidden width 1024, {} steps", em.BEST.steps, str),
        ("docs/method.md", "Tiles with at least {} agreeing matches go first", verify.min_inliers, str),
        ("docs/method.md", "match count ({} for a photo the adapter learned", verify.min_inliers_adapted, str),
        # session 37's additions
        ("README.md", "keeps the tile features committed every {} s", PARTIAL_COMMIT_S, "{:g}".format),
        ("docs/inputs.md", "An entry last used over {} in the future (the clock ran ahead then)",
         store_prune.CLOCK_SKEW_S, {3600.0: "an hour"}.get),
        ("docs/command-line.md", "a 404 recorded more than {} in the future (the clock ran ahead then) is asked",
         missing_tiles.CLOCK_SKEW_S, {3600.0: "an hour"}.get),
        ("docs/outputs.md", "An area is a guess with a {} m margin", fetch.DEFAULT_MARGIN_M, "{:g}".format),
        ("docs/command-line.md", "`GEOLOCATOR_WORKER_NICE` (default {})", DEFAULT_WORKER_NICE, str),
        ("docs/app.md", "Recent Tile Sets (the last {} opened", MAX_RECENT, str),
        ("README.md", "locates the demo's {} photos", len(load_region(demo_dir()).queries), str),
        ("docs/testing.md", "The file holds **{} suites**", fuzz_suites, str),
        ("docs/testing.md", "each run tries **{} generated inputs**", fuzz_suites * fuzz_examples, thousands),
        ("docs/testing.md", "(9 × {}; 1,597 parser calls", fuzz_examples, str),
    ]


def _flat(text: str) -> str:
    return re.sub(r"\s+", " ", text)


@pytest.mark.parametrize("doc,phrase,value,written", _claims(), ids=lambda c: c if isinstance(c, str) else None)
def test_a_number_in_the_docs_is_the_constant_in_the_code(doc, phrase, value, written):
    text = _flat((ROOT / doc).read_text(encoding="utf-8"))
    said = phrase.replace("{}", written(value) or f"<{value}: no words for it here>")
    assert said in text, (
        f"{doc} should say {said!r} (the code's value: {value}); it says "
        f"{[m for m in re.findall(re.escape(phrase).replace(re.escape('{}'), r'[^ ]+'), text)] or 'no such phrase'}")


def test_the_csv_columns_the_docs_place_are_where_the_code_writes_them():
    """outputs.md: `level` after `shot`, only `time_utc` and `caution` after it; flights.md: `shot` after `utm`
    (flights.md called `shot` the last column until session 36; three columns came after it since session 26)."""
    from geolocator.core import export

    tail = (export.GRID_CSV_COLUMNS + export.SHOT_CSV_COLUMNS + export.LEVEL_CSV_COLUMNS + export.TIME_CSV_COLUMNS
            + export.CAUTION_CSV_COLUMNS)
    assert tail == ["mgrs", "utm", "shot", "level", "time_utc", "caution"]
    outputs = _flat((ROOT / "docs/outputs.md").read_text(encoding="utf-8"))
    flights = _flat((ROOT / "docs/flights.md").read_text(encoding="utf-8"))
    assert "the CSV's `level` column (after `shot`; only `time_utc` and `caution` follow it)" in outputs
    assert "the CSV's `shot` column (after `utm`; only `level`, `time_utc` and `caution` follow it;" in flights


def test_the_commands_said_to_share_the_backbone_flags_do():
    """command-line.md: every command but fetch-tiles and cache takes --backbone, --weights, --device, --cache-dir
    (it said every command but fetch-tiles until session 36; `cache` never took the backbone flags)."""
    per, _ = _options()
    text = _flat((ROOT / "docs/command-line.md").read_text(encoding="utf-8"))
    assert ("Every command but `fetch-tiles` and `cache` (which takes only `--cache-dir`, `--prune` and `-v`) takes "
            "`--backbone`, `--weights FILE`, `--device auto|cpu|cuda|mps`, `--cache-dir`") in text
    shared = {"--backbone", "--weights", "--device", "--cache-dir"}
    assert {name for name, opts in per.items() if shared <= opts} == set(per) - {"fetch-tiles", "cache"}
    assert per["cache"] - {"-h", "--help"} == {"--cache-dir", "--prune", "-v", "--verbose"}  # -v after any command: session 37


MENU_PATH = re.compile(r"\b(File|View|Run|Help) → ([A-Z][^,;:.)*\"”\n]*)")


def menu_paths_missing(text: str, menus: dict[str, list[str]]) -> list[str]:
    """The `Menu → Item` names in `text` that do not begin with an item of that menu (its trailing "…" and
    parenthesis aside)."""
    bad = []
    for menu, said in MENU_PATH.findall(text):
        # an item's words before its parenthesis: "Online Basemap (OpenStreetMap)" is named "Online Basemap"
        items = [t.replace("&", "").rstrip("…").split(" (")[0].strip() for t in menus.get(menu, [])]
        if not any(said.startswith(item) or item.startswith(said.strip()) for item in items if item):
            bad.append(f"{menu} → {said.strip()}")
    return bad


def test_a_menu_path_that_names_no_item_is_found():
    menus = {"File": ["Free Disk Space…", "Video Frames…"], "View": ["Online Basemap (OpenStreetMap)"]}
    text = "File → Free Disk Space… removes; View → Online Basemap to see; File → Add Folder…; Run → Adapt"
    assert menu_paths_missing(text, menus) == ["File → Add Folder…", "Run → Adapt"]


def test_every_menu_path_in_the_docs_is_an_item_of_that_menu(qtbot, tmp_path):
    """`File → Video Frames…`, `View → Next Pane` …: the app's menus hold each item the docs send people to,
    and the app's own bold names for its actions are actions (inputs.md said **Add folder** until session 36;
    the action is Open Drone Image Folder…)."""
    pytest.importorskip("pytestqt")
    from geolocator.gui.settings import AppSettings

    from .helpers import app_window

    w = app_window(qtbot, tmp_path, AppSettings(demo_shown=True))
    menus = {m.title().replace("&", ""): [a.text() for a in m.actions()] for m in
             (a.menu() for a in w.menuBar().actions()) if m is not None}
    assert {"File", "Run", "View", "Help"} <= set(menus)
    bad = []
    for path in DOCS:
        bad += [f"{path.relative_to(ROOT)}: {b}" for b in menu_paths_missing(_flat(path.read_text(encoding="utf-8")), menus)]
    assert bad == []
    inputs = _flat((ROOT / "docs/inputs.md").read_text(encoding="utf-8"))
    assert "choose the folder above it (**Open Drone Image Folder…**, read by Python" in inputs
    assert "Open Drone Image Folder…" in menus["File"]
    # and the other way (session 37): app.md says it covers every menu; Open Tile Folder…, Recent Tile Sets,
    # Quit, Previous Pane, Open Demo and About Geolocator were on no page of the docs
    listed = _flat((ROOT / "docs/app.md").read_text(encoding="utf-8")).split("**The menus, item by item**")[1]
    listed = listed.split("- **Keyboard**")[0]
    for menu, items in menus.items():
        said = listed.split(f"**{menu}**:")[1].split("- **")[0]
        assert [i for i in items if i and i.replace("&", "") not in said] == [], f"app.md's {menu} menu lacks them"


# -- session 37 (docs37): environment variables, file names, a flag's alternatives, keys, quoted messages --------

ENV_NAME = re.compile(r"\b(GEOLOCATOR_[A-Z0-9_]+)\b")


def environment_reads(source: str) -> set[str]:
    """The GEOLOCATOR_* names `source` reads from the environment: `os.environ.get(NAME)`, `os.environ[NAME]`,
    `os.getenv(NAME)`, NAME a string or a module-level constant holding one (ground_band.ENV_VAR)."""
    import ast

    tree = ast.parse(source)
    consts = {t.id: n.value.value for n in tree.body if isinstance(n, ast.Assign) and isinstance(n.value, ast.Constant)
              and isinstance(n.value.value, str) for t in n.targets if isinstance(t, ast.Name)}

    def name(node) -> str | None:
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            return node.value
        return consts.get(node.id) if isinstance(node, ast.Name) else None

    def is_environ(node) -> bool:
        return isinstance(node, ast.Attribute) and node.attr == "environ"

    read = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and node.args and isinstance(node.func, ast.Attribute) and (
                (node.func.attr in ("get", "setdefault") and is_environ(node.func.value)) or node.func.attr == "getenv"):
            read.add(name(node.args[0]))
        elif isinstance(node, ast.Subscript) and is_environ(node.value):
            read.add(name(node.slice))
    return {n for n in read if n and ENV_NAME.fullmatch(n)}


def test_the_environment_reads_are_found():
    source = ('import os\nENV_VAR = "GEOLOCATOR_B"\nos.environ.get("GEOLOCATOR_A", "5")\nos.environ.get(ENV_VAR)\n'
              'os.environ["GEOLOCATOR_C"]\nos.getenv("GEOLOCATOR_D")\nos.environ.get("HOME")\nx = "GEOLOCATOR_E"\n')
    assert environment_reads(source) == {"GEOLOCATOR_A", "GEOLOCATOR_B", "GEOLOCATOR_C", "GEOLOCATOR_D"}


def test_every_environment_variable_the_program_reads_is_documented_and_each_documented_one_is_read():
    """GEOLOCATOR_WORKER_NICE and GEOLOCATOR_ALLOW_TRITON were read by the app and named in no doc until
    session 37; command-line.md's table lists each, and a variable the docs name that nothing reads fails."""
    read = set()
    for path in [*(ROOT / "geolocator").rglob("*.py"), *(ROOT / "tests").glob("*.py"), *(ROOT / "packaging").glob("*.spec")]:
        text = path.read_text(encoding="utf-8")
        if "environ" in text or "getenv" in text:  # parse only those that can read one
            read |= environment_reads(text)
    read |= set(ENV_NAME.findall((ROOT / "packaging" / "setup.sh").read_text(encoding="utf-8")))
    assert {"GEOLOCATOR_FRAME_CACHE", "GEOLOCATOR_WORKER_NICE", "GEOLOCATOR_FUZZ"} <= read  # the scan finds them
    named = set()
    for path in DOCS:
        named |= set(ENV_NAME.findall(path.read_text(encoding="utf-8")))
    table = (ROOT / "docs/command-line.md").read_text(encoding="utf-8").split('id="environment-variables"')[1]
    assert read - set(ENV_NAME.findall(table)) == set(), "read by the program, missing in command-line.md's table"
    assert named - read == set(), "named in the docs, read by nothing"


def test_the_file_names_the_docs_give_are_the_ones_the_code_writes():
    """A file or folder the program writes, named in the docs as the code names it: renamed in the code, the
    doc's name fails here."""
    from geolocator.core import evidence, store
    from geolocator.core.media.video import frame_cache_root
    from geolocator.core.sources import fetch, package
    from geolocator.core.sources.worldfile import northup_cache_dir
    from geolocator.gui.settings import default_settings_path

    said = {
        "README.md": [f"`{fetch.MISSING_FILE}`"],
        "docs/command-line.md": [f"`{package.FOLDER_METADATA}`", f"`{frame_cache_root().name}/`",
                                 f"`{northup_cache_dir().name}/`", "`~/.config/geolocator`"],
        "docs/inputs.md": [f"(`{store.WRITE_LOCK}`)", f"`{frame_cache_root().name}/`"],
        "docs/outputs.md": [f"`<photo>{evidence.PICTURE_SUFFIX}`", f"`<photo>{evidence.RECORD_SUFFIX}`"],
        "docs/testing.md": [f"`{default_settings_path().name}`"],
    }
    bad = [f"{doc}: {name}" for doc, names in said.items() for name in names
           if name not in _flat((ROOT / doc).read_text(encoding="utf-8"))]
    assert bad == []


ALTERNATIVES = re.compile(r"(--[a-z][a-z0-9-]*)[ =]([a-z0-9.-]+(?:\|[a-z0-9.-]+)+)")


def test_the_alternatives_a_flag_is_written_with_are_its_choices():
    """`--mode best|paper`, `--device auto|cpu|cuda|mps`, `--matcher sift|aliked|…`: each alternative is one of the
    option's choices (for an option without choices, a word of its help), in every command that takes it."""
    from geolocator.cli import build_parser

    sub = next(a for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction))
    actions = {}
    for parser in sub.choices.values():
        for a in parser._actions:
            for o in a.option_strings:
                actions.setdefault(o, []).append(a)
    bad, seen = [], 0
    for path in DOCS:
        for flag, words in ALTERNATIVES.findall(_flat(path.read_text(encoding="utf-8"))):
            assert flag in actions, f"{path.name}: {flag} is no option"
            for a in actions[flag]:
                known = {str(c) for c in a.choices} if a.choices else set(re.findall(r"[\w.-]+", a.help or ""))
                bad += [f"{path.name}: {flag} {w} ({a.dest}: {sorted(known)})" for w in words.split("|") if w not in known]
            seen += 1
    assert seen >= 4 and bad == []


KEY = re.compile(r"(?<![\w+-])((?:(?:Ctrl|Alt|Shift)\+)+(?:F\d{1,2}|[A-Z0-9])|F\d{1,2})(?![\w+-])")


def test_every_key_the_docs_name_is_a_shortcut_or_a_menu_s_key(qtbot, tmp_path):
    """Every Ctrl+…, Alt+…, Shift+F6 or F6 in the docs, not only those written `**Action** (key)`
    (tests/test_first_hour.py): an action's or a button's shortcut, or Alt and the underlined letter of a menu. (Ctrl-C, with a
    hyphen, is the terminal's; Esc and Tab are Qt's own.)"""
    pytest.importorskip("pytestqt")
    from PySide6.QtGui import QAction, QKeySequence
    from PySide6.QtWidgets import QAbstractButton

    from geolocator.gui.settings import AppSettings

    from .helpers import app_window

    w = app_window(qtbot, tmp_path, AppSettings(demo_shown=True))
    portable = QKeySequence.SequenceFormat.PortableText
    keys = {s.toString(portable) for a in w.findChildren(QAction) for s in a.shortcuts()}
    keys |= {b.shortcut().toString(portable) for b in w.findChildren(QAbstractButton)}  # the Results pane's Copy
    for a in w.menuBar().actions():
        m = re.search(r"&(\w)", a.text())
        if m:
            keys.add(f"Alt+{m.group(1).upper()}")
    named = {(path.relative_to(ROOT).as_posix(), k) for path in DOCS for k in KEY.findall(path.read_text(encoding="utf-8"))}
    assert len(named) >= 15
    assert sorted(f"{doc}: {k}" for doc, k in named if k not in keys) == []


def quote_fits(quote: str, message: str) -> bool:
    """Whether `message` says `quote`, each "…" in the quote standing for any text (whitespace runs are one space)."""
    pieces = [re.escape(p) for p in _flat(quote).split("…")]
    return re.search(".*?".join(pieces), _flat(message), re.S) is not None


def test_an_ellipsis_in_a_quote_stands_for_any_text_and_the_rest_must_be_said():
    said = "/tmp/x/DJI_0005.SRT: its cues run to 11.0 s but the video is 8.0 s long (an .SRT …): not paired"
    assert quote_fits("DJI_0005.SRT: its cues run to 11.0 s … (…): not paired", said)
    assert not quote_fits("DJI_0005.SRT: its cues run to 12.0 s … (…): not paired", said)
    assert not quote_fits("… not paired with the frames", said)


def _message_429(tmp_path):
    from geolocator.core.sources import fetch as F

    from .test_faults37_fetch import _served
    from .tile_server import TileServer

    tiles = _served()
    wanted = sorted(tiles)[:8]
    with TileServer(tiles, {t: [(429, {"Retry-After": "0"}, b"slow down")] * 2 for t in wanted}) as server:
        with pytest.raises(F.FetchError) as e:
            F.fetch_tiles(F.parse_template(server.url), wanted, tmp_path / "xyz", retries=1, backoff_s=0.01,
                          max_wait_s=0.5, concurrency=1)
    return str(e.value)


def _message_500(tmp_path):
    from geolocator.core.sources import fetch as F

    from .test_faults37_fetch import _served
    from .tile_server import TileServer

    tiles = _served()
    wanted = sorted(tiles)[:8]
    retries = _default("fetch-tiles", "retries")  # the docs' "after 6 attempts" is the default's
    with TileServer(tiles, {t: [(500, {}, b"down")] * (retries + 1) for t in wanted}) as server:
        with pytest.raises(F.FetchError) as e:
            F.fetch_tiles(F.parse_template(server.url), wanted, tmp_path / "xyz", retries=retries, backoff_s=0.001,
                          max_wait_s=0.01, concurrency=1)
    return str(e.value)


def _message_srt(tmp_path, caplog):
    from geolocator.core.media.video import video_queries

    from .test_video_damage import _cue, _mp4

    video = _mp4(tmp_path / "DJI_0005.MP4", frames=16)  # 2 fps: 8.0 s
    (tmp_path / "DJI_0005.SRT").write_text("\n".join(
        _cue(i, f"[latitude: 36.{i:02d}] [longitude: -115.{i:02d}] [rel_alt: 40.0]") for i in range(12)))
    with caplog.at_level("WARNING", logger="geolocator"):
        video_queries(video, every_s=4.0)
    return "\n".join(r.getMessage() for r in caplog.records)


def _message_around(tmp_path, capsys):
    from geolocator.cli import main

    from .test_ownout37_own_outputs import _tagged_demo_copies

    _tagged_demo_copies(tmp_path / "tagged")
    assert main(["fetch-tiles", "http://127.0.0.1:9/{z}/{x}/{y}.jpg", "--around", str(tmp_path / "tagged"),
                 "--zoom", "18", "--out", str(tmp_path / "a.mbtiles"), "--dry-run"]) == 0
    return capsys.readouterr().err


def _message_in_the_future(tmp_path, capsys, monkeypatch):
    from geolocator import cli

    from .test_faults37_clock_ahead import _future_store

    monkeypatch.setenv("GEOLOCATOR_NORTHUP_DIR", str(tmp_path / "northup"))
    _future_store(tmp_path)
    assert cli.main(["cache", "--cache-dir", str(tmp_path)]) == 0
    return capsys.readouterr().out


def _message_free_disk_space():
    from geolocator.core.store_prune import StoreInfo
    from geolocator.gui.cache_prune import confirmation

    return confirmation([StoreInfo(Path("store"), 2_000_000, 0.0, False)], [], 30, frames=(3, 1_200_000))


QUOTED = [  # (doc, the message as the doc quotes it, what makes the program say it)
    ("docs/inputs.md", "Remove 1 feature store (2.0 MB) and 3 sampled video frames (1.2 MB) not used for 30 days? "
     "3.2 MB will be freed. Features are computed again (slower) the next time their tiles are used. A video frame "
     "needed again is decoded again from its video …", _message_free_disk_space),
    ("docs/command-line.md", "… HTTP 429 Too Many Requests: the service limits how fast tiles may be asked for …; "
     "stopped. Wait a while …, then run again with --concurrency 1", _message_429),
    ("docs/command-line.md", "… the server answered the first 8 tiles only with errors (HTTP 500 after 6 attempts); "
     "stopped. It may be down or overloaded (try again later), or the URL may be wrong", _message_500),
    ("docs/flights.md", "DJI_0005.SRT: its cues run to 11.0 s but the video is 8.0 s long (…): not paired with the "
     "frames of DJI_0005.MP4 (they have no telemetry or truth)", _message_srt),
    ("docs/outputs.md", "the area is around the positions geolocator wrote into 3 geotagged copies … earlier answers, "
     "not recorded GPS fixes", _message_around),
    ("docs/inputs.md", "(in the future: …)", _message_in_the_future),
]


@pytest.mark.parametrize("doc,quote,make", QUOTED, ids=[f"{d}:{q[:30]}" for d, q, _ in QUOTED])
def test_a_message_the_docs_quote_is_what_the_program_says(doc, quote, make, request):
    """Session 37's quoted messages (and one of session 35's), made by the program on a tile server on 127.0.0.1,
    a video with its .SRT, geotagged copies, a cache dated ahead: each "…" in the quote stands for any text."""
    assert quote in _flat((ROOT / doc).read_text(encoding="utf-8")), f"{doc} no longer quotes {quote!r}"
    import inspect

    message = make(*(request.getfixturevalue(n) for n in inspect.signature(make).parameters))
    assert quote_fits(quote, message), message


def test_every_field_of_the_answers_fields_table_is_one_the_files_hold():
    """outputs.md's "The answer's fields": each backquoted name in its first column (`tile_center_lat/lon`
    is two) is a CSV column or a GeoJSON property the code writes (`location` is the GeoJSON geometry)."""
    from geolocator.core import export

    text = (ROOT / "docs/outputs.md").read_text(encoding="utf-8").split("## The answer's fields")[1].split("\n## ")[0]
    rows = [line.split(" | ")[0] for line in text.splitlines() if line.startswith("| `")]
    named = set()
    for cell in rows:
        for name in re.findall(r"`([a-z_]+(?:/[a-z]+)?)`", cell.split(" (")[0]):
            stem, _, other = name.partition("/")
            named |= {stem, stem.rsplit("_", 1)[0] + "_" + other} if other else {stem}
    columns = {c for k, v in vars(export).items() if k.endswith("CSV_COLUMNS") for c in v}
    known = columns | set(export.PLACE_FIELDS) | {"location"}
    assert len(named) >= 15 and sorted(named - known) == []


def test_the_files_a_documented_command_writes_have_suffixes_it_takes():
    """`locate … --out flight.gpx`, `--geotags geo.txt`: each documented `--out` of locate is a predictions format
    (core/exports.PREDICTION_FORMATS) and each `--geotags` one of core/geotags.GEOTAG_FORMATS; an `--out` of
    adapt is a .safetensors file."""
    from geolocator.core.exports import PREDICTION_FORMATS
    from geolocator.core.geotags import GEOTAG_FORMATS

    takes = {("locate", "--out"): set(PREDICTION_FORMATS), ("locate", "--geotags"): set(GEOTAG_FORMATS),
             ("adapt", "--out"): {".safetensors"}}
    bad, seen = [], 0
    for path in DOCS:
        for line in command_lines(path.read_text(encoding="utf-8")):
            m = re.search(r"(?:^|[\s/])geolocator\s+(\S+)(.*)", line)
            word, rest = m.group(1), m.group(2).split(" #")[0]
            for flag, value in re.findall(r"(--[a-z-]+)[ =](?!-)(\S+)", rest):  # (a flag's value never starts with -)
                value = value.rstrip("])")  # `[--out adapter.safetensors]`
                suffixes = takes.get((word, flag))
                if suffixes is None or value.isupper() or not re.search(r"\.\w+$", value):  # FILE, a folder
                    continue
                seen += 1
                if Path(value).suffix.lower() not in suffixes:
                    bad.append(f"{path.name}: {line!r}: {flag} {value}")
    assert seen >= 15 and bad == []


def test_every_flag_of_a_documented_training_script_is_one_of_its_options():
    """`.venv/bin/python training/make_sar_day.py --out day --second-clock 12`: each flag after a training/
    script the docs run is an option that script's argparse declares (read from its source, not run)."""
    import ast

    bad, seen = [], 0
    for path in DOCS:
        text = path.read_text(encoding="utf-8")
        spans = [line for _, block in FENCE.findall(text) for line in block.splitlines()]
        spans += re.findall(r"`([^`\n]+)`", FENCE.sub("", text))
        for span in spans:
            for m in re.finditer(r"training/([\w/]+\.py)([^;|&#]*)", span):
                flags = FLAG.findall(m.group(2))
                script = ROOT / "training" / m.group(1)
                if not flags:
                    continue
                if not script.exists():
                    bad.append(f"{path.name}: {span!r}: no {script.relative_to(ROOT)}")
                    continue
                tree = ast.parse(script.read_text(encoding="utf-8"))
                options = {a.value for node in ast.walk(tree) if isinstance(node, ast.Call)
                           and getattr(node.func, "attr", "") == "add_argument"
                           for a in node.args if isinstance(a, ast.Constant) and isinstance(a.value, str)}
                seen += 1
                bad += [f"{path.name}: {span!r}: {script.name} has no {f}" for f in flags if f not in options]
    assert seen >= 5 and bad == []


def test_the_photo_and_video_types_the_docs_list_are_those_read():
    """README.md, inputs.md, flights.md: `.mp4 .mov .mkv .avi .webm` is media/video.VIDEO_SUFFIXES and
    "jpg, png, tif, webp, avif, heic, dng" names every kind of images.PHOTO_SUFFIXES (.jpeg/.tiff/.heif as one)."""
    from geolocator.core.images import PHOTO_SUFFIXES
    from geolocator.core.media.video import VIDEO_SUFFIXES

    same = {".jpeg": ".jpg", ".tiff": ".tif", ".heif": ".heic"}
    kinds = {same.get(s, s) for s in PHOTO_SUFFIXES}
    for doc in ("README.md", "docs/inputs.md", "docs/flights.md"):
        text = _flat((ROOT / doc).read_text(encoding="utf-8"))
        lists = re.findall(r"`(\.mp4(?: \.\w+)+)`", text)
        assert lists and all(set(v.split()) == set(VIDEO_SUFFIXES) for v in lists), (doc, lists, sorted(VIDEO_SUFFIXES))
    for doc in ("README.md", "docs/inputs.md"):
        text = _flat((ROOT / doc).read_text(encoding="utf-8"))
        said = re.search(r"files: (jpg, png, tif[^;|]*)", text).group(1)
        named = {same.get("." + w, "." + w) for w in re.findall(r"\b([a-z]{3,4})\b(?![\w.-]*\))", said)
                 if "." + w in PHOTO_SUFFIXES}
        assert named == kinds, (doc, said)


def test_the_exit_statuses_command_line_md_gives(monkeypatch, capsys):
    """command-line.md's **Exit status**: 0 done, 2 an `error:` line or a mistyped command, 130 after Ctrl-C."""
    from geolocator import cli
    from geolocator.__main__ import main as entry
    from geolocator.core.errors import InputError

    text = _flat((ROOT / "docs/command-line.md").read_text(encoding="utf-8"))
    assert "**0** when the command did its work" in text and "**2** for an error, said in one `error:` line" in text
    assert "A mistyped command or flag, and the app finding no display, end 2 too" in text
    assert "**130** after Ctrl-C or SIGTERM" in text and "`--screenshot` exits 1 when the run it pictures failed" in text

    def stops(exc):
        def cmd(args):
            raise exc
        return cmd

    for exc, status in ((InputError("x.tif", "no coordinate system"), 2), (KeyboardInterrupt(), 130)):
        monkeypatch.setattr(cli, "cmd_cache", stops(exc))
        assert cli.main(["cache"]) == status
    monkeypatch.setattr(cli, "cmd_cache", lambda args: 0)
    assert cli.main(["cache"]) == 0
    assert "error: x.tif: no coordinate system" in capsys.readouterr().err
    with pytest.raises(SystemExit) as e:  # argparse's own status for a flag a command lacks
        entry(["cache", "--no-such-flag"])
    assert e.value.code == 2
    assert entry(["evl"]) == 2  # a mistyped command (the app's path check)


def gui_strings() -> str:
    """Every string constant (and f-string's literal parts) in geolocator/gui, `&` mnemonics removed."""
    import ast

    found = []
    for path in (ROOT / "geolocator" / "gui").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                found.append(node.value)
            elif isinstance(node, ast.JoinedStr):
                found.append("".join(v.value for v in node.values if isinstance(v, ast.Constant)))
    return "\n".join(found).replace("&", "")


def test_every_name_app_md_sets_in_bold_or_italics_is_the_window_s_word():
    """app.md names the window's words in bold or italics (**Tile table**, **Ground changed since imagery**,
    *Check every stored tile*, **Copy**): each is text the app shows (a string in geolocator/gui), but the
    page's own run-in headings. A label renamed in the app, and not in the docs, fails here."""
    headings = {"Keyboard", "The menus, item by item", "The message bar", "WMTS services"}
    text = _flat((ROOT / "docs/app.md").read_text(encoding="utf-8"))
    named = set(re.findall(r"\*\*([^*]{2,80})\*\*", text)) | set(re.findall(r"(?<![*\[])\*([A-Z][^*]{2,40})\*(?!\*)", text))
    shown = _flat(gui_strings())
    assert len(named) >= 25
    assert sorted(n for n in named - headings if n not in shown) == []
