"""Rebuild tests/data/demo_features.npz: the frozen EfficientNet-Lite0 features of the bundled demo
region (36 tiles x 8 headings, 108 photos), so that fast tests can assert what the real pipeline
reaches on the demo (R@k floors, verification, adaptation) without running the backbone.

    PYTHONPATH=. python tests/make_demo_features.py

`tests/test_demo_floors.py::test_committed_demo_features_match_the_live_backbone` (slow) checks
that the committed file still matches what the backbone computes today.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "resources" / "demo"
OUT = Path(__file__).resolve().parent / "data" / "demo_features.npz"


def compute(cache_dir: Path | None = None) -> dict[str, np.ndarray]:
    """Raw (un-adapted) backbone features of the demo: tiles (36, 8, 1280), photos (108, 1280)."""
    from geolocator.core.pipeline import Settings, Workspace
    from geolocator.core.queries import load_region

    region = load_region(DEMO)
    with tempfile.TemporaryDirectory() as tmp:
        ws = Workspace(Settings(backbone="efficientnet_lite0", device="cpu", cache_dir=cache_dir or Path(tmp)))
        ws.open_tiles(region.tiles)
        tiles = ws.index()
        ok, photos, failures = ws.embed(region.queries)
        assert not failures and len(ok) == len(region.queries)
        signature = ws.backbone.signature
    return {
        "tiles": tiles.astype(np.float32),
        "photos": photos.astype(np.float32),
        "tile_ids": np.array([t.id for t in region.tiles.tiles]),
        "photo_ids": np.array([q.id for q in region.queries]),
        "signature": np.array(signature),
    }


def main() -> int:
    data = compute()
    OUT.parent.mkdir(parents=True, exist_ok=True)
    # float16 halves the file (~1 MB); cosines change by < 1e-3, far below any floor's margin
    np.savez_compressed(OUT, **{k: (v.astype(np.float16) if v.dtype == np.float32 else v) for k, v in data.items()})
    print(f"wrote {OUT} ({OUT.stat().st_size / 1e6:.2f} MB): tiles {data['tiles'].shape}, photos {data['photos'].shape}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
