"""The work the app's worker thread does: plain functions over the core, no Qt.

`Session` owns the Workspace. Its methods run only on the worker thread, one at a time (the
JobRunner serialises them), and return plain records the UI thread turns into widgets. Heavy modules
(torch, folium) are imported here lazily, so the window appears before them.
"""

from __future__ import annotations

import io
import logging
import shutil
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from ..core.errors import Cancelled, GeolocatorError
from ..core.model import Evaluation, Prediction, Query, TileSet
from ..core.pipeline import Settings, Workspace
from ..core.progress import CancelToken, ProgressCallback, ProgressEvent, check, emit
from ..core.route import Route

QUERY_THUMB_PX = 192
TILE_THUMB_PX = 128


def missing_devices(devices) -> dict[str, str]:
    """{device: the sentence core.backbones.resolve_device raises for it} for each of `devices` (names as
    the Device box spells them: "cuda", "mps") that this machine cannot use; imports torch, so call it
    off the UI thread."""
    from ..core.backbones import resolve_device

    missing = {}
    for device in devices:
        try:
            resolve_device(device)
        except GeolocatorError as exc:
            missing[device] = str(exc)
    return missing


@dataclass
class BackboneInfo:
    name: str
    device: str
    fallback_reason: str | None
    dinov2_weights: str | None  # where DINOv2 weights were found, None when not found
    weights: str | None  # the file the user chose, if any
    # {device: why not}: the Device box's choices this machine lacks (cuda without CUDA, mps off a Mac),
    # read in the worker (torch stays off the UI thread) and greyed out by the Backbone panel
    missing_devices: dict[str, str] = field(default_factory=dict)


@dataclass
class AdapterInfo:
    path: Path
    exists: bool  # a saved file for this tile set + backbone
    active: bool  # in use for the current results
    card: dict = field(default_factory=dict)
    error: str | None = None  # a saved adapter that could not be loaded, and why (its path and the reader's words)
    # the same for a person, without the path or a library's words: "damaged" (cut short, overwritten, not an
    # adapter) or "another backbone" (made for other features or by another version); None when error is
    trouble: str | None = None


def adapter_trouble(kind: str) -> str:
    """What a person reads when the tile set's saved adapter could not be used (`kind`: "damaged", or
    "another backbone" for core.errors.AdapterMismatch), and what to do: one sentence. The path is in the
    adapter panel and the reader's own words (safetensors': "Error while deserializing header: incomplete
    metadata, file not fully covered") behind Details…, where before both filled the message bar."""
    why = ("was made for another backbone (or by another version of the app)" if kind == "another backbone"
           else "is damaged (cut short, overwritten or not an adapter file)")
    return (f"The saved adapter of this tile set {why} and is not used; Adapt to This Region makes a new one "
            "in its place, Delete removes it.")


@dataclass
class Results:
    """Everything the UI shows after a locate: predictions, failures, metrics, map, thumbnails."""

    predictions: list[Prediction]
    failures: dict[str, str]  # query id -> reason
    evaluation: Evaluation | None
    map_path: Path | None
    backbone: BackboneInfo | None
    adapter: AdapterInfo | None
    query_thumbs: dict[str, bytes] = field(default_factory=dict)  # JPEG bytes, new ones only
    tile_thumbs: dict[str, bytes] = field(default_factory=dict)
    notice: str | None = None  # something the user must know though the job succeeded (e.g. where an adapter went)
    track_status: dict[str, str] = field(default_factory=dict)  # a flight's frame -> its status on the track
    # a flight's frame -> (error m, error_kind) at its track position, as the exports (export_track.frame_errors)
    track_error: dict[str, tuple] = field(default_factory=dict)
    # a flight's frame -> the confidence of its place on the track (TrackPoint.confidence), as the exports
    track_confidence: dict[str, float] = field(default_factory=dict)
    # a flight's frame -> its answer as the map and the exports give it (core.evaluate.exported_answers),
    # for the Results pane, which showed the single-frame answer instead
    track_answers: dict[str, Prediction] = field(default_factory=dict)
    # a frame of a video edited from shots (core/media/cuts.py) -> (its shot, of how many), 1-based
    # (sequence.frame_shots, where the map and the exports read it too)
    track_shot: dict[str, tuple[int, int]] = field(default_factory=dict)
    far_note: str | None = None  # the photos' recorded positions lie far from the tiles (the CLI's warning)
    route: Route | None = None  # the verification route used (auto: as resolved from the tiles), for the Backbone panel
    n_far_truth: int = 0  # photos whose truth lies far outside the tiles: not scored (evaluate.scored_queries)
    # (line, details) when tiles could not be read and were not searched (skipped.tile_failures_summary)
    tiles_not_read: tuple[str, str] | None = None
    resumed: int = 0  # photos whose verification came from an earlier run (core.pipeline.Located.resumed)
    thermal_note: str | None = None  # the run's thermal photos (core.media.thermal.queries_note), as the CLI warns
    map_failed: bool = False  # a map was due but its page could not be written (Session.write_map warned)
    # (line, details) per folder gone while the photos were read (a card pulled: core.gone_folders.gone_notes),
    # found here on the worker thread: the stats it takes can hang on a lost network share (gone37)
    gone_folders: list[tuple[str, str]] = field(default_factory=list)


def _gone_folders(failures: dict[str, str], paths: dict[str, Path]) -> list[tuple[str, str]]:
    """core.gone_folders.gone_notes of `failures` (query id -> reason) whose photo's path is in `paths` (query
    id -> path); on the worker thread (it stats folders)."""
    from ..core.gone_folders import gone_notes

    return gone_notes({paths[qid]: why for qid, why in failures.items() if qid in paths})


def _track_answers(predictions: Sequence[Prediction], tracks: Sequence) -> dict[str, Prediction]:
    """{a flight's frame's query id: its answer as exported (core.evaluate.exported_answers)}."""
    from ..core.evaluate import exported_answers

    on_track = {p.query.id for t in tracks for p in t.points}
    return {p.query.id: p for p in exported_answers(predictions, tracks) if p.query.id in on_track}


@dataclass
class Opened:
    tileset: TileSet
    queries: tuple[Query, ...]  # the region's own drone images, when a region folder was opened
    results: Results
    skipped: dict[str, str] = field(default_factory=dict)  # region files not read: path -> reason


@dataclass(frozen=True)
class VideoSampled:
    """How one video was sampled (Session.load_queries): what the app says when it is added."""

    path: Path
    name: str  # the frames' id before "#t=" (media.video.frame_id)
    duration_s: float  # media.video.probe_video
    every_s: float  # the interval used: the person's (settings) or media.video.auto_every_s of the duration
    automatic: bool  # every_s came from auto_every_s (no interval chosen)
    frames: int  # sampled frames (queries)
    decoded: int  # frames decoded now
    reused: int  # frames found in the frame cache (sampled before, at this or another interval)
    seconds: float  # wall time the sampling took


@dataclass
class Loaded:
    queries: tuple[Query, ...]
    skipped: dict[str, str]  # path -> reason
    thumbs: dict[str, bytes]
    videos: tuple[VideoSampled, ...] = ()  # each video read, in the order read
    # {listed geotagged copy's id: its original's id among `queries`}: the original takes the copy's row
    # (core.queries.join_queries; the caller takes the copy out)
    replaced: dict[str, str] = field(default_factory=dict)


def _jpeg_thumb(path: Path, size: int, window=None, query: Query | None = None) -> bytes | None:
    from ..core.images import thumbnail
    from ..core.media.query_image import query_thumbnail

    try:
        img = query_thumbnail(query, size) if query is not None else thumbnail(path, size, window)
    except GeolocatorError:
        return None
    buf = io.BytesIO()
    img.convert("RGB").save(buf, "JPEG", quality=85)
    return buf.getvalue()


def _jpeg_tile_thumb(tile, size: int) -> bytes | None:
    """_jpeg_thumb of a tile in any format (a file, a GeoTIFF window, an entry in a tile package)."""
    from ..core.sources.tile_image import tile_thumbnail

    try:
        img = tile_thumbnail(tile, size)
    except GeolocatorError:
        return None
    buf = io.BytesIO()
    img.convert("RGB").save(buf, "JPEG", quality=85)
    return buf.getvalue()


class Session:
    def __init__(self, settings: Settings, map_dir: Path | None = None) -> None:
        self.ws = Workspace(settings)
        self._reversed_tones = settings.reversed_tones  # as asked; a run of thermal photos turns it on for itself
        self._own_map_dir = map_dir is None
        self.map_dir = Path(map_dir or tempfile.mkdtemp(prefix="geolocator-map-"))
        self.map_dir.mkdir(parents=True, exist_ok=True)
        self._map_n = 0
        self._query_thumbs_done: set[str] = set()
        self._listed: dict[str, Path] = {}  # query id -> file of every photo and frame given to the list
        self._tile_thumbs_done: set[str] = set()
        self._backbone_info: BackboneInfo | None = None  # found once per backbone (it probes files)
        self._adapter_error: str | None = None  # why the saved adapter could not be loaded
        self._adapter_error_kind = "damaged"  # adapter_trouble's kind of that error
        self.online_basemap = False
        # the clock zones the window sets (core.clock_zones.ClockZones, File → Clock Zone of the Photos…):
        # photos whose clocks were read in different zones are never one flight (sequence.smooth)
        self.clock_zones = None
        # the last locate's answers before the per-flight evidence: {query id: (answer given, answer
        # before the cap)}, so that a regroup under new zones caps them again once (core.flights)
        self._uncapped: dict[str, tuple[Prediction, Prediction]] = {}
        # the flights the window shows (core.flights.Flights, set by _grouped): the exports and every map
        # drawn later group the same photos into them, not again under another rule (leftovers37)
        self._shown_flights, self._shown_queries = None, set()

    def flight_rule(self):
        """The core.flights.FlightRule the flights are grouped by: the default motion model and the clock
        zones set (self.clock_zones), for the per-flight evidence and the tracks alike."""
        from ..core.flights import FlightRule

        return FlightRule(clock_zones=self.clock_zones)

    def shown_tracks(self, predictions: Sequence[Prediction], clock_zones=None) -> list:
        """The tracks (core.sequence.Track) of `predictions` (model.Prediction, the window's answers) in the
        flights the window shows them in (the last _grouped's: a locate's or a regroup's), for the exports
        and the maps drawn after it; when they are not that grouping's photos, grouped under the rule set
        now (flight_rule), with `clock_zones` (core.clock_zones.ClockZones) instead of self.clock_zones if given. Before session 37 the exports regrouped inside sequence.smooth on their own,
        and the exported map and the map redrawn for the online basemap with no clock zones at all: two
        cards read in different zones were one flight there while the list showed two."""
        from ..core.sequence import smooth

        predictions = list(predictions)
        flights = self._shown_flights
        queries = [p.query for p in predictions]
        if flights is None or set(queries) != self._shown_queries:
            from ..core.flights import FlightRule

            flights = FlightRule(clock_zones=self.clock_zones if clock_zones is None else clock_zones).group(queries)
        return smooth(predictions, flights=flights)

    def close(self) -> None:
        if self._own_map_dir:
            shutil.rmtree(self.map_dir, ignore_errors=True)

    # -- info -------------------------------------------------------------------------------------
    def backbone_info(self) -> BackboneInfo:
        if self._backbone_info is None:
            from ..core.backbones import find_dinov2_weights

            b = self.ws.backbone
            found = find_dinov2_weights("dinov2_vits14")
            w = self.ws.settings.weights
            self._backbone_info = BackboneInfo(b.name, b.device, b.fallback_reason, str(found) if found else None,
                                               str(w) if w else None, missing_devices(("cuda", "mps")))
        return self._backbone_info

    def adapter_info(self) -> AdapterInfo | None:
        if self.ws.tileset is None:
            return None
        from ..core.adapt.checkpoint import read_card

        path = self.ws.default_adapter_path()
        active = self.ws.adapter is not None
        card = dict(getattr(self.ws.adapter, "card", {}) or {}) if active else {}
        if not card and path.exists():
            try:
                card = read_card(path)
            except GeolocatorError:
                card = {}
        return AdapterInfo(path, path.exists(), active, card, self._adapter_error,
                           adapter_trouble(self._adapter_error_kind) if self._adapter_error else None)

    def adapter_folder_problem(self) -> str | None:
        """Why adapters cannot be saved in the adapter folder (one phrase naming it), or None. Cheap
        (stat and os.access, nothing created, no model loaded): safe on the UI thread before training."""
        from ..core.outputs import OutputError, check_writable
        from ..core.pipeline import adapter_folder

        folder = adapter_folder(self.ws.settings)
        try:
            check_writable(folder / "adapter.safetensors", what="adapter")
        except OutputError as exc:
            return f"the adapter folder {folder} cannot be used ({exc.problem})"
        return None

    # -- jobs -------------------------------------------------------------------------------------
    def load_backbone(self, *, progress: ProgressCallback | None = None, cancel: CancelToken | None = None) -> BackboneInfo:
        emit(progress, ProgressEvent("backbone", 0, 1, "loading the backbone"))
        info = self.backbone_info()
        # Importing C extensions holds the GIL (the UI stutters); do it now, not mid-adaptation.
        from ..core import adapt, retrieval, webmap  # noqa: F401
        import faiss  # noqa: F401
        emit(progress, ProgressEvent("backbone", 1, 1, "backbone ready"))
        return info

    def open_tiles(
        self,
        path: Path,
        queries: Sequence[Query],
        *,
        epsg: int | str | None = None,
        tile_size_m: float | None = None,
        overlap: float = 0.0,
        zoom: int | None = None,
        tms: bool | None = None,
        every_s: float | None = None,
        progress: ProgressCallback | None = None,
        cancel: CancelToken | None = None,
    ) -> Opened:
        from ..core.queries import is_region_folder, load_region
        from ..core.sources.gpkg import path_or_table
        from ..core.tilesets import load_tileset

        path = path_or_table(path)  # GDAL's "GPKG:FILE.gpkg:TABLE" stays the text it is (gpkg.TableName)
        emit(progress, ProgressEvent("open", 0, 1, f"reading {path.name}"))
        region_queries: tuple[Query, ...] = ()
        skipped: dict[str, str] = {}
        if is_region_folder(path):
            # a video among the region's drone images: sampled as the app's Video Frames setting says
            region = load_region(path, on_skip=lambda p, why: skipped.__setitem__(str(p), why), every_s=every_s)
            tileset, region_queries = region.tiles, region.queries
        else:
            from ..core.sources.gpkg import split_table
            from ..core.sources.package import photos_ground_m
            from ..core.sources.tile_image import PACKAGE_SUFFIXES

            # "GPKG:area.gpkg:TABLE" (one table, as GDAL names it) is a package too
            if tile_size_m is None and zoom is None and split_table(path)[0].suffix.lower() in PACKAGE_SUFFIXES:
                tile_size_m, _ = photos_ground_m(queries)  # the level that suits the photos (None: the default)
            # The photos' GPS only checks an undetermined XYZ/TMS row order; it never places a photo.
            tileset = load_tileset(path, epsg=epsg, tile_size_m=tile_size_m, overlap=overlap, zoom=zoom, tms=tms,
                                   hint_points=[q.truth for q in queries if q.truth is not None])
        if not len(tileset):
            raise GeolocatorError(f"{path}: the tile set holds no tiles")
        check(cancel)
        # read: the job's plan counts "open" done (it stayed 0 of 1: 3 planned s left to the job's end)
        emit(progress, ProgressEvent("open", 1, 1, f"{path.name}: {len(tileset)} tiles"))
        self.ws.open_tiles(tileset)
        self._tile_thumbs_done.clear()
        # The tile mosaic goes on the map now, before the (slow) features: a preview event carries it.
        preview_map = self.write_map([], progress=progress, cancel=cancel)
        emit(progress, ProgressEvent("preview", 0, 0, f"{len(tileset)} tiles", metrics={
            "preview": True, "map_path": str(preview_map) if preview_map else None, "map_failed": preview_map is None,
            "n_tiles": len(tileset), "path": str(path)}))
        self._reload_adapter()
        known = {q.id for q in queries}
        all_queries = list(queries) + [q for q in region_queries if q.id not in known]
        self._listed.update((q.id, q.path) for q in all_queries)
        results = self.locate(all_queries, progress=progress, cancel=cancel) if all_queries else None
        if results is None:
            # no photos: the preview's page is the whole map (the mosaic is drawn once, not twice)
            results = Results([], {}, None, preview_map, self.backbone_info(), self.adapter_info(),
                              map_failed=preview_map is None)
        return Opened(tileset, region_queries, results, skipped)

    def _reload_adapter(self) -> None:
        """Load the adapter saved for this tile set, if any; a broken one is reported (in
        adapter_info().error), not fatal."""
        from ..core.errors import AdapterMismatch

        self._adapter_error = None
        try:
            self.ws.load_saved_adapter()
        except GeolocatorError as exc:
            self._adapter_error = str(exc)
            self._adapter_error_kind = "another backbone" if isinstance(exc, AdapterMismatch) else "damaged"

    def load_queries(
        self, paths: Sequence[Path], *, every_s: float | None = None, progress: ProgressCallback | None = None,
        cancel: CancelToken | None = None
    ) -> Loaded:
        """The drone images under `paths` (files and folders, core.queries.load_queries), a video's
        frames `every_s` seconds apart (None: media.video.auto_every_s of its length), each video's
        frames sampled into the frame cache (stage "frames": progress, Cancel) before the thumbnails.
        Paths that cannot be read are in Loaded.skipped with their reason. Raises Cancelled."""
        from ..core.queries import join_queries, load_queries

        skipped: dict[str, str] = {}
        found: list[Query] = []
        listed = dict(self._listed)
        replaced: dict[str, str] = {}

        def skip(path: Path, why: str) -> None:
            skipped[str(path)] = why

        for p in paths:
            check(cancel)
            # step 0 until the stages after it are known (_sampled): the job's bar never goes back
            emit(progress, ProgressEvent("read", 0, len(paths), f"reading {Path(p).name}"))
            try:
                qs = load_queries(Path(p), on_skip=skip, every_s=every_s)  # a folder, a region folder or one image
            except GeolocatorError as exc:
                skipped[str(p)] = str(exc)
                continue
            if self.ws.tileset is not None:  # the open tile set's own orthophoto among the photos is not one
                from ..core.tiles_among_photos import without_the_tile_set

                try:
                    qs = without_the_tile_set(qs, self.ws.tileset, on_skip=skip)
                except GeolocatorError as exc:
                    skipped[str(p)] = str(exc)
                    continue
            # a second card's DCIM/100MEDIA/DJI_0001.JPG gets its own id; a copy of a listed photo is said
            before = set(replaced)
            qs = join_queries(qs, Path(p), listed, on_skip=skip, replaced=replaced)
            for copy_id in set(replaced) - before:  # an original added after its listed geotagged copy
                listed.pop(copy_id, None)
            listed.update((q.id, q.path) for q in qs)
            found.extend(qs)
        loaded = self._sampled(found, skipped, every_s, len(paths), progress=progress, cancel=cancel)
        loaded.replaced = replaced
        # only now listed: a cancelled sampling adds nothing, and adding the video again must not read as
        # "already in the list" (it reuses the frames it kept)
        self._listed = listed
        return loaded

    def resample_videos(
        self, videos: dict[Path, str], *, every_s: float | None, progress: ProgressCallback | None = None,
        cancel: CancelToken | None = None
    ) -> Loaded:
        """The frames of videos already listed ({video path: the frames' id before "#t="}) at a new
        interval `every_s` (None: automatic), sampled as load_queries samples them; frames whose time
        coincides with one sampled before keep its id (and so its answer) and its cached picture. A
        video that can no longer be read is in Loaded.skipped. Raises Cancelled."""
        from ..core.media.video import video_queries

        skipped: dict[str, str] = {}
        found: list[Query] = []
        for path, name in videos.items():
            check(cancel)
            emit(progress, ProgressEvent("read", 0, len(videos), f"reading {Path(path).name}"))
            try:
                found.extend(video_queries(Path(path), video_id=name, every_s=every_s))
            except GeolocatorError as exc:
                skipped[str(path)] = str(exc)
        return self._sampled(found, skipped, every_s, len(videos), progress=progress, cancel=cancel)

    def _sampled(self, found: list[Query], skipped: dict[str, str], every_s: float | None, n_read: int, *,
                 progress=None, cancel=None) -> Loaded:
        """The videos among `found` sampled into the frame cache (stage "frames", one count over all
        videos), then the thumbnails. Both stages are announced with their sizes before the reading's
        own stage ("read", `n_read` paths) is said done: the job's one bar never goes back
        (core.progress.JobProgress), so a stage it learnt of only later would find it already full."""
        from ..core.media.video import missing_frames

        by_video: dict[Path, list[Query]] = {}
        for q in found:
            if q.time_s is not None:
                by_video.setdefault(q.path, []).append(q)
        to_decode = {path: len(missing_frames(path, [q.time_s for q in frames])) for path, frames in by_video.items()}
        thumbs_left = sum(1 for q in found if q.id not in self._query_thumbs_done)
        if sum(to_decode.values()):
            emit(progress, ProgressEvent("frames", 0, sum(to_decode.values()), "sampling video frames"))
        if thumbs_left:
            emit(progress, ProgressEvent("thumbnails", 0, thumbs_left, "thumbnails"))
        emit(progress, ProgressEvent("read", n_read, n_read, "read"))
        videos = self._sample_videos(by_video, to_decode, every_s, progress=progress, cancel=cancel)
        thumbs = self._query_thumbs(found, progress=progress, cancel=cancel)
        return Loaded(tuple(found), skipped, thumbs, videos)

    @staticmethod
    def _sample_videos(by_video: dict[Path, list[Query]], to_decode: dict[Path, int], every_s: float | None, *,
                       progress=None, cancel=None) -> tuple[VideoSampled, ...]:
        """Each video's frames ({video: its frame queries}) put into the frame cache
        (media.video.sample_frames), one video after another, their progress one stage "frames" of
        sum(to_decode) frames; how each was sampled. A video whose decoding fails part way, or a frame
        cache that cannot be written, is logged and left: its frames are decoded one by one when read
        (media.video.open_frame), and a frame that cannot be is said then."""
        import logging
        import time

        from ..core.media.video import auto_every_s, probe_video, sample_frames

        total, done = sum(to_decode.values()), 0
        out = []
        for path, frames in by_video.items():
            check(cancel)
            start = time.perf_counter()

            def counted(event, base=done) -> None:  # this video's decoded frames on the job's one count
                emit(progress, ProgressEvent("frames", base + event.step, total, event.message))

            try:
                duration = probe_video(path).duration_s
                decoded, reused = sample_frames(path, [q.time_s for q in frames], progress=counted, cancel=cancel)
            except Cancelled:
                raise
            except (GeolocatorError, OSError) as exc:
                logging.getLogger("geolocator").warning("%s: frames not sampled ahead (%s); each is read when "
                                                        "needed", path, exc)
                continue
            finally:
                done += to_decode[path]
            out.append(VideoSampled(path, frames[0].id.rsplit("#t=", 1)[0], duration,
                                    auto_every_s(duration) if every_s is None else every_s, every_s is None,
                                    len(frames), decoded, reused, time.perf_counter() - start))
        return tuple(out)

    def thumbnails_to_make(self, queries: Sequence[Query]) -> int:
        """How many of `queries` have no thumbnail made in this session yet: the "thumbnails" units a
        locate of them sends (those made are not made again and send no event; a job's plan counting them
        kept their planned seconds "left" to its end: session 32, eta32_session32.md)."""
        return sum(1 for q in queries if q.id not in self._query_thumbs_done)

    def _query_thumbs(self, queries: Sequence[Query], *, progress=None, cancel=None) -> dict[str, bytes]:
        out: dict[str, bytes] = {}
        todo = [q for q in queries if q.id not in self._query_thumbs_done]
        for i, q in enumerate(todo):
            check(cancel)
            data = _jpeg_thumb(q.path, QUERY_THUMB_PX, query=q)
            if data is not None:
                out[q.id] = data
            self._query_thumbs_done.add(q.id)
            emit(progress, ProgressEvent("thumbnails", i + 1, len(todo), "thumbnails"))
        return out

    def set_reversed_tones(self, on: bool) -> None:
        """The user's reversed-tones choice (Settings.reversed_tones) from now on: every locate verifies with
        reversed tones when it is on, and a run holding thermal photos whatever it is."""
        self._reversed_tones = bool(on)
        self.ws.set_reversed_tones(bool(on))

    def locate(
        self, queries: Sequence[Query], *, progress: ProgressCallback | None = None, cancel: CancelToken | None = None
    ) -> Results:
        from ..core.media.thermal import queries_note

        # the run's thermal photos (headers read once): said with the results, and verified with
        # reversed tones too, as `geolocator locate` does for them
        thermal = queries_note(queries) if queries else None
        self.ws.set_reversed_tones(self._reversed_tones or thermal is not None)
        # the flights grouped once, under the zones set: the per-flight evidence and the tracks read the same
        self.ws.flight_rule = self.flight_rule()
        predictions = self.ws.locate(list(queries), progress=progress, cancel=cancel) if queries else []
        failures = {}
        if self.ws.last is not None:
            by_path = {q.path: q.id for q in queries}
            failures = {by_path.get(p, str(p)): why for p, why in self.ws.last.failures.items()}
        from ..core.flights import located_flights

        last = self.ws.last if predictions else None
        flights = located_flights(last, predictions)  # None: not this locate's (a stand-in's), grouped again
        uncapped = getattr(last, "uncapped", None) if flights is not None else None
        self._uncapped = ({} if uncapped is None or len(uncapped) != len(predictions) else
                          {p.query.id: (p, u) for p, u in zip(predictions, uncapped)})
        results = self._grouped(queries, predictions, failures, self.ws.last.queries if predictions else (),
                                progress=progress, cancel=cancel, flights=flights)
        results.thermal_note = thermal
        results.gone_folders = _gone_folders(failures, {q.id: q.path for q in queries})
        results.resumed = self.ws.last.resumed if predictions and self.ws.last is not None else 0
        return results

    def regroup(self, predictions: Sequence[Prediction], failures: dict[str, str] | None = None, *,
                failed_paths: dict[str, Path] | None = None,
                progress: ProgressCallback | None = None, cancel: CancelToken | None = None) -> Results:
        """The Results of answers already located (`predictions`, the window's; `failures` kept as they
        are; `failed_paths`, query id -> path, their photos', for the folders gone said again) grouped into
        flights again under the clock zones set now (self.clock_zones; core.sequence.smooth splits flights
        by clock), with no photo located again: the list's track statuses, the Results pane's track answers,
        the scores and the map follow at once (session 32; before, a new zone re-split the flights only at
        the next Locate). The per-flight evidence follows the new flights
        (core.flights.regrouped_evidence: read again from the last locate's answers before any flight's
        cap, session 34). Thumbnails are not made again (none new)."""
        from ..core.flights import regrouped_evidence

        queries = [p.query for p in predictions]
        flights = self.flight_rule().group(queries)
        # a flight's evidence follows the new flights: read again from the answers before any flight's cap
        stored, given = self._uncapped, list(predictions)
        predictions = regrouped_evidence(given, stored, flights)
        self._uncapped = {n.query.id: (n, stored[p.query.id][1]) for p, n in zip(given, predictions)
                          if stored.get(p.query.id, (None,))[0] is p}  # the answers shown now, as they were before
        results = self._grouped(queries, predictions, dict(failures or {}), queries, progress=progress,
                                cancel=cancel, thumbnails=False, flights=flights)
        from ..core.media.thermal import queries_note

        results.thermal_note = queries_note(queries) if queries else None  # the warnings the locate showed
        results.gone_folders = _gone_folders(dict(failures or {}), failed_paths or {})
        return results

    def _grouped(self, queries: Sequence[Query], predictions: Sequence[Prediction], failures: dict[str, str],
                 located: Sequence[Query], *, progress=None, cancel=None, thumbnails: bool = True,
                 flights=None) -> Results:
        """Results of `predictions` (of `located`, the photos the locate read, in its order): flights
        among them under self.clock_zones (`flights`: core.flights.Flights as grouped already, for the
        per-flight evidence), scores, the map, new thumbnails of `queries`."""
        from ..core.export_track import frame_errors
        from ..core.sequence import frame_shots, smooth

        # flights among them: the map, the list and the scores show the same answers (the exports too:
        # shown_tracks reads the flights kept here)
        if flights is None:
            flights = self.flight_rule().group([p.query for p in predictions])  # as smooth(clock_zones=) groups
        self._shown_flights, self._shown_queries = flights, {p.query for p in predictions}
        tracks = smooth(predictions, flights=flights)
        evaluation, n_far = None, 0
        tiles = self.ws.tileset  # None only for answers given without one (tests): grouped, no scores, no map
        if predictions and tiles is not None:
            from ..core.evaluate import scored_queries

            # scored as `geolocator eval` scores: truth far outside the tiles left out (each row keeps its error)
            scored, _ = scored_queries(located, self.ws.tileset)
            n_far = sum(q.has_truth and not s.has_truth for q, s in zip(located, scored))
            try:
                # a flight's frame scored where the map and the files put it (core/evaluate.exported_answers)
                evaluation = self.ws.evaluate(predictions, queries=scored, tracks=tracks)
            except GeolocatorError:
                evaluation = None
        check(cancel)
        map_path = self.write_map(predictions, progress=progress, cancel=cancel, tracks=tracks) if tiles is not None else None
        thumbs = self._query_thumbs(queries, progress=progress, cancel=cancel) if thumbnails else {}
        tile_thumbs: dict[str, bytes] = {}
        for p in predictions if thumbnails else ():
            for m in p.matches:
                if m.tile.id not in self._tile_thumbs_done:
                    check(cancel)
                    data = _jpeg_tile_thumb(m.tile, TILE_THUMB_PX)
                    if data is not None:
                        tile_thumbs[m.tile.id] = data
                    self._tile_thumbs_done.add(m.tile.id)
        from ..core.evaluate import far_from_tiles_note

        far = far_from_tiles_note(queries, self.ws.tileset) if queries and self.ws.tileset is not None else None
        return Results(predictions, failures, evaluation, map_path, self.backbone_info(), self.adapter_info(),
                       thumbs, tile_thumbs,
                       track_status={p.query.id: p.status for t in tracks for p in t.points},
                       track_error=frame_errors(tracks), far_note=far,
                       track_confidence={p.query.id: p.confidence for t in tracks for p in t.points
                                         if p.confidence is not None},
                       track_answers=_track_answers(predictions, tracks),
                       track_shot=frame_shots(tracks),
                       route=self._route(), n_far_truth=n_far, tiles_not_read=self._tiles_not_read(),
                       map_failed=map_path is None and tiles is not None)

    def _tiles_not_read(self) -> tuple[str, str] | None:
        """What the CLI warns of after locating: the tiles that could not be read (a truncated GeoTIFF)."""
        from ..core.skipped import tile_failures_summary

        return tile_failures_summary(self.ws.tileset.tiles, self.ws.tile_failures) if self.ws.tileset is not None else None

    def _route(self) -> Route | None:
        """The route the last verification used (resolved in this worker by Workspace.route())."""
        return self.ws.resolved_route if self.ws.settings.verify else None

    def adapt(
        self,
        queries: Sequence[Query],
        *,
        mode: str = "best",
        steps: int | None = None,
        progress: ProgressCallback | None = None,
        cancel: CancelToken | None = None,
    ) -> Results:
        from ..core.pipeline import AdapterNotSaved

        notice = None  # (Workspace.adapt checks the destination before training)
        try:
            self.ws.adapt(list(queries), mode=mode, steps=steps, progress=progress, cancel=cancel)
        except AdapterNotSaved as exc:  # trained: keep using it (it is in self.ws), say where it went
            notice = str(exc)
        self._adapter_error = None  # the new adapter replaced the file that could not be loaded
        results = self.locate(queries, progress=progress, cancel=cancel)
        results.notice = notice
        return results

    def reset_adapter(self, queries: Sequence[Query], *, delete: bool, progress=None, cancel=None) -> Results:
        """Stop using the region adapter (and delete its files when asked), then locate again."""
        from ..core.adapt.checkpoint import card_path

        if self.ws.tileset is not None and delete:
            path = self.ws.default_adapter_path()
            path.unlink(missing_ok=True)
            card_path(path).unlink(missing_ok=True)
        self.ws.set_adapter(None)
        self._adapter_error = None
        return self.locate(queries, progress=progress, cancel=cancel)

    def use_saved_adapter(self, queries: Sequence[Query], *, progress=None, cancel=None) -> Results:
        self._reload_adapter()
        return self.locate(queries, progress=progress, cancel=cancel)

    def set_backbone(self, name: str, weights: Path | None, device: str, queries: Sequence[Query], *,
                     progress=None, cancel=None) -> Results:
        from ..core.backbones import load_backbone

        # Load it first: a missing weights file must leave the current backbone (and results) in place.
        loaded = load_backbone(name, weights=weights, device=device, pooling=self.ws.settings.pooling)
        self.ws.settings.device = device
        self.ws.set_backbone(name, weights, loaded=loaded)
        self._backbone_info = None
        info = self.load_backbone(progress=progress, cancel=cancel)
        if self.ws.tileset is not None:
            self._reload_adapter()
            if queries:
                return self.locate(queries, progress=progress, cancel=cancel)
        return Results([], {}, None, None, info, self.adapter_info())

    def write_map(self, predictions: Sequence[Prediction], *, standalone_to: Path | None = None,
                  progress=None, cancel=None, tracks=None, view=None) -> Path | None:
        """`tracks` None: the flights the window shows (shown_tracks; before session 37 webmap grouped them
        itself, with no clock zones), none without predictions. The app's own page:
        None (and a warning) when its folder cannot be written; `standalone_to` raises OutputError."""
        from ..core import webmap

        if tracks is None and predictions:  # the flights the window shows, not webmap's own grouping (no zones)
            tracks = self.shown_tracks(predictions)
        if standalone_to is not None:
            from ..core.outputs import OutputError, check_writable, describe_os_error

            check_writable(standalone_to, what="map")
            try:
                return webmap.write_map(standalone_to, self.ws.tileset, predictions, standalone=True,
                                        online_basemap=self.online_basemap, progress=progress, cancel=cancel,
                                        tracks=tracks)
            except OSError as exc:  # name the user's file, never the temporary one it was written through
                raise OutputError(standalone_to, f"could not write: {describe_os_error(exc)}") from None
        self._map_n += 1
        path = self.map_dir / f"map_{self._map_n:04d}.html"  # a new name: the view never shows a stale page
        try:
            webmap.write_map(path, self.ws.tileset, predictions, online_basemap=self.online_basemap,
                             assets_dir=self.map_dir / "assets", progress=progress, cancel=cancel, tracks=tracks,
                             draw_area=True, view=view)  # the app's page: draw the area for "Get Imagery…"
        except OSError as exc:
            # A full disk (or a file size limit) must not stop opening a tile set or locating: the
            # map is the one thing lost, said once in the job's warnings (session 20).
            from ..core.outputs import describe_os_error

            logging.getLogger("geolocator").warning(
                "the map cannot be drawn: its folder %s cannot be written (%s); the results are kept, "
                "the map is drawn again at the next change once there is room", self.map_dir, describe_os_error(exc))
            return None
        previous = self.map_dir / f"map_{self._map_n - 1:04d}.html"
        previous.unlink(missing_ok=True)
        return path

    def export_evidence(self, predictions: Sequence[Prediction], folder: Path, *, progress=None, cancel=None) -> list[Path]:
        """Write a picture and a record per located photo into `folder` (core.evidence.write_evidence,
        what `geolocator locate --evidence` writes). Returns the paths written; raises OutputError
        for a folder that cannot be written, GeolocatorError without a tile set."""
        from ..core.errors import Cancelled, GeolocatorError
        from ..core.evidence import write_evidence
        from ..core.outputs import check_writable

        if self.ws.tileset is None:
            raise GeolocatorError("open a tile set and locate photos before exporting evidence")
        check_writable(Path(folder) / "photo.evidence.json", what="evidence")
        return write_evidence(folder, predictions, self.ws.tileset, settings=self.ws.settings,
                              backbone=self.ws.backbone.name, matcher=self.ws.route().matcher)

    def export_geotags(self, predictions: Sequence[Prediction], path: Path, *, progress=None, cancel=None):
        """Write the confident answers as image positions for photogrammetry (core.geotags: `.txt`
        OpenDroneMap's geo.txt, `.csv` a Metashape / PIX4Dmatic reference CSV), as `geolocator locate
        --geotags` does: a flight's photos at their track position. Returns the GeotagReport; raises
        GeolocatorError for an unknown suffix, OutputError for a file that cannot be written."""
        from ..core.geotags import check_geotag_path, write_geotags
        from ..core.outputs import check_writable

        check_geotag_path(path)
        check_writable(Path(path), what="geotag file")
        predictions = list(predictions)
        return write_geotags(path, predictions, self.shown_tracks(predictions))

    def export_geotag_copies(self, predictions: Sequence[Prediction], folder: Path, *, progress=None, cancel=None):
        """Write geotagged copies of the confidently located JPEG photos into `folder` (core.geotag_copies,
        as `geolocator locate --geotag-copies`; a flight's photos at their track position). Returns the
        CopiesReport; raises GeolocatorError without piexif, OutputError for a folder that cannot be written."""
        from ..core.geotag_copies import write_geotagged_copies
        from ..core.outputs import check_writable

        check_writable(Path(folder) / "photo.jpg", what="geotagged copies' folder")
        predictions = list(predictions)
        return write_geotagged_copies(folder, predictions, self.shown_tracks(predictions))

    def export_predictions(self, predictions: Sequence[Prediction], path: Path, *, progress=None, cancel=None,
                           clock_zone=None, csv_excel: bool = False, said: list | None = None) -> Path:
        """Write the predictions in the format `path`'s suffix names (core.exports: GeoJSON, CSV, KML,
        GPX), as `geolocator locate --out` does. `clock_zone` (a tzinfo, export_track.parse_clock_zone,
        or a core.clock_zones.ClockZones: a zone per folder): the zone of times recorded without one, as
        `--clock-zone`; `csv_excel`: a CSV for Excel in a
        comma-decimal locale, as `--csv-excel`. `said`: a list the caller owns, given (how many, in words)
        of what the file leaves out (core.exports.left_out_ids, left_out_of: a GPX's not-located photos), if any. Raises
        GeolocatorError for an unknown suffix."""
        from ..core.evaluate import far_from_tiles
        from ..core.exports import check_prediction_path, left_out_ids, left_out_of, write_predictions
        from ..core.outputs import check_writable

        check_prediction_path(path)
        check_writable(Path(path), what="export")

        # a flight's frames at their track position with their track status, as the map shows them
        predictions = list(predictions)
        tileset = self.ws.tileset
        far = far_from_tiles([p.query for p in predictions], tileset) if predictions and tileset is not None else None

        # the flights the window shows (two clocks' photos: two flights), whatever zone the times are written in
        from ..core.clock_zones import ClockZones

        tracks = self.shown_tracks(predictions, clock_zone if isinstance(clock_zone, ClockZones) else None)
        out = write_predictions(path, predictions, tracks,
                                attribution=tileset.attribution if tileset is not None else None, far=far,
                                clock_zone=clock_zone, csv_excel=csv_excel)
        note = left_out_of(path, predictions, tracks)
        if note and said is not None:
            said.append((len(left_out_ids(path, predictions, tracks)), note))
        return out
