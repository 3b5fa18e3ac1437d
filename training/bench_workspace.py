"""A Workspace for a benchmark script: its backbone chosen by name, "tiny" being the test suite's
16-d network (tests/test_extract.tiny_backbone: seconds, not minutes, for a script's own check), the
tiles opened and the backbone loaded before any clock starts."""
from __future__ import annotations

import sys
from pathlib import Path


def opened_workspace(settings, tileset, backbone: str):
    """core.pipeline.Workspace(settings) on `tileset` with the backbone `backbone` ("tiny" or a name
    Workspace.set_backbone knows), loaded now so that a timed step does not include loading it."""
    from geolocator.core.pipeline import Workspace

    ws = Workspace(settings)
    if backbone == "tiny":
        sys.path.append(str(Path(__file__).resolve().parents[1]))  # tests/ (the tiny net), after PYTHONPATH's code
        from tests.test_extract import tiny_backbone

        ws.set_backbone("tiny", loaded=tiny_backbone())
    else:
        ws.set_backbone(backbone)
    ws.open_tiles(tileset)
    ws.backbone  # noqa: B018 - loaded before the clock starts
    return ws
