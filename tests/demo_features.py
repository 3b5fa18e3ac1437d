"""The bundled demo region with its committed frozen features (tests/data/demo_features.npz, made by
tests/make_demo_features.py): a Workspace that runs everything the product runs after the backbone
(retrieval, verification, adaptation, prediction, evaluation) in seconds, so that fast tests can
hold the pipeline to the figures it really reaches on the demo."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import numpy as np

from geolocator.core.pipeline import Settings, Workspace
from geolocator.core.queries import load_region

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "resources" / "demo"
FEATURES = Path(__file__).resolve().parent / "data" / "demo_features.npz"


def load_demo_features() -> dict[str, np.ndarray]:
    with np.load(FEATURES) as data:
        return {k: (data[k].astype(np.float32) if data[k].dtype == np.float16 else data[k]) for k in data.files}


class DemoWorkspace(Workspace):
    """A Workspace whose backbone features come from the committed file instead of the model
    (what `index` and `embed` would return for the demo's files); everything downstream is real."""

    def __init__(self, settings: Settings, features: dict[str, np.ndarray]):
        super().__init__(settings)
        signature = str(features["signature"])
        name, weights_id = signature.split("|")[:2]
        self._backbone = SimpleNamespace(name=name, weights_id=weights_id, device="cpu", dim=features["tiles"].shape[-1],
                                         fallback_reason=None, signature=signature)
        self._demo_tiles = features["tiles"]
        # by file name: a photo's id depends on how it was given (region folder, folder, file)
        self._demo_rows = {Path(str(pid)).name: i for i, pid in enumerate(features["photo_ids"])}
        self._demo_photos = features["photos"]
        self.index_calls = 0

    def index(self, *, progress=None, cancel=None):
        self._require_tiles()
        self.index_calls += 1
        tile_views, _ = self.views()  # the size rule's layout: tiles at 8 headings on the demo
        return self._demo_tiles[:, [int(v[3:]) // 45 for v in tile_views]]

    def embed(self, queries, *, progress=None, cancel=None):
        rows = [self._demo_rows[Path(q.path).name] for q in queries]
        _, photo_views = self.views()
        if tuple(photo_views) != ("rot0",):
            raise NotImplementedError("the committed demo features hold photos as taken (one view) only")
        return tuple(queries), self._demo_photos[rows][:, None, :], {}


def demo_workspace(tmp_path: Path, features: dict[str, np.ndarray] | None = None, **settings) -> tuple[DemoWorkspace, object]:
    """(workspace with the demo tiles open, the demo region). Settings default to the product's."""
    region = load_region(DEMO)
    ws = DemoWorkspace(Settings(cache_dir=tmp_path / "cache", adapter_dir=tmp_path / "adapters", device="cpu", **settings),
                       features if features is not None else load_demo_features())
    ws.open_tiles(region.tiles)
    return ws, region


def cli_on_demo_features(monkeypatch, tmp_path: Path) -> list[DemoWorkspace]:
    """Make `geolocator` CLI commands (cli.main) run on a DemoWorkspace: the CLI's own Settings
    (with the CPU and caches under `tmp_path`), the committed demo features for the backbone.
    Returns the list each command's workspace is appended to, the last one last."""
    from dataclasses import replace

    from geolocator import cli

    features = load_demo_features()
    real = cli._workspace
    made: list[DemoWorkspace] = []

    def workspace(args):
        settings = replace(real(args).settings, device="cpu", cache_dir=tmp_path / "cache",
                           adapter_dir=tmp_path / "adapters")
        made.append(DemoWorkspace(settings, features))
        return made[-1]

    monkeypatch.setattr(cli, "_workspace", workspace)
    return made
