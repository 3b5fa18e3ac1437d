"""Progress of the running job: bar, stage, ETA, the adaptation's label-free quality signal, Cancel."""

from __future__ import annotations

import re

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QProgressBar, QPushButton, QWidget

from ..core.progress import ProgressEvent

STAGES = {
    "extract:tiles": "Indexing tiles",
    "extract:queries": "Reading drone images",
    "geometry": "Placing images by geometry",
    "adapt": "Adapting",
    "verify": "Verifying matches",
    "support": "Checking answers against their photos",  # core/photo_support.py
    "map": "Drawing the map",
    "thumbnails": "Thumbnails",
    "frames": "Sampling video frames",  # core/media/video.py sample_frames
    "read": "Reading drone images",  # listing files and folders, a video's headers (gui/jobs.py load_queries)
    "open": "Opening",
    "backbone": "Loading the backbone",
    "fetch": "Fetching imagery",  # core/sources/fetch.py
}


# Seconds per unit of each stage, measured by training/bench_stages.py on the demo region
# (EfficientNet-Lite0, 8 tile views, cold cache; training/results/bench_stages.txt). Only the ratios
# matter: they weight the stages of one job on its single bar. The run shared 2 cores with other
# jobs (load ~22), so the absolute seconds are ~10x a quiet machine's. A unit is the stage's own: a
# tile (all its views), a photo, an EM step, a map item.
STAGE_SECONDS_PER_UNIT = {
    "backbone": 184.0,  # torch import + model load, once per app start
    "open": 3.0,
    "extract:tiles": 9.2,
    "extract:queries": 1.13,
    "geometry": 1.24,
    "adapt": 9.5,
    "verify": 1.0,  # 1.6 cold, 0.42 with the tiles' keypoints already cached
    # photo_support's check of answers claiming < 0.95: 0.18 s a 4K frame against verify's 0.40 in one
    # run (session 29, 360 frames, cProfile: 28.8 s for 157, 145 s for 360), so 0.45 of verify's weight
    "support": 0.45,
    "map": 0.07,  # 0.14 drawing the basemap the first time, 0.003 after
    "thumbnails": 0.06,
    # a video frame decoded into the frame cache (core/media/video.py sample_frames): 0.085 s against the
    # thumbnails' 0.030 s a frame in one app run (session 30: a 15 min 4K H.264 clip at 1 fps, 125 frames
    # every 5 s, load ~5; training/results/video30_session30.md), so 2.8 times the thumbnails' weight. A
    # 30 fps clip decodes more frames per sampled one: the ETA's measured pace corrects the weight.
    "frames": 0.17,
}


def format_eta(seconds: float | None) -> str:
    if seconds is None:
        return ""
    seconds = int(round(seconds))
    return f"{seconds // 60}:{seconds % 60:02d} left" if seconds >= 60 else f"{seconds} s left"


def describe(event: ProgressEvent) -> str:
    """One line: stage, step, quality signal and loss when the adaptation reports them, ETA. A
    job-wide event (stage "job") names the stage that is running; its ETA is the whole job's."""
    if event.stage == "job":
        stage = str((event.metrics or {}).get("stage", ""))
        parts = [STAGES.get(stage, stage.capitalize())] if stage else []
        finished = re.fullmatch(r"done: (\d+) failed", event.message or "")
        if finished and parts:  # a stage's last word ("done: 0 failed") while the job goes on: that stage is done
            parts = [f"{parts[0]} done"] + ([f"{finished.group(1)} failed"] if finished.group(1) != "0" else [])
        elif event.message:
            parts.append(event.message)
    else:
        parts = [STAGES.get(event.stage, event.stage.capitalize())]
        if event.total:
            parts.append(f"{event.step}/{event.total}")
    m = event.metrics or {}
    if isinstance(m.get("quality"), (int, float)):
        parts.append(f"quality {m['quality']:.2f}")
    if isinstance(m.get("pseudo_pairs"), (int, float)):
        parts.append(f"{int(m['pseudo_pairs'])} pairs")
    if isinstance(m.get("loss"), (int, float)):
        parts.append(f"loss {m['loss']:.3f}")
    waiting = isinstance(m.get("waiting_s"), int)  # a fetch no tile has come to for a while: no figure is true
    if waiting and event.stage != "job":  # a job's event says it in its message (the stage's)
        parts.append(f"waiting for the server ({m['waiting_s']} s)")
    eta = None if waiting else format_eta(event.eta_s)
    if eta:
        parts.append(eta + (" (whole job)" if event.stage == "job" else ""))
    return " · ".join(parts)


class ProgressPanel(QWidget):
    cancelRequested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.label = QLabel()
        self.label.setTextFormat(Qt.TextFormat.PlainText)
        self.bar = QProgressBar()
        self.bar.setFixedWidth(220)
        self.bar.setTextVisible(True)
        self.cancel_btn = QPushButton("Cancel")
        self.cancel_btn.setToolTip("Stop the running work (Esc)")
        self.cancel_btn.clicked.connect(self.cancelRequested)
        layout.addWidget(self.label)
        layout.addWidget(self.bar)
        layout.addWidget(self.cancel_btn)
        self.hide()

    def start(self, title: str) -> None:
        self.label.setText(title)
        self.bar.setRange(0, 0)  # busy until the first event says how much there is
        self.cancel_btn.setEnabled(True)
        self.show()

    def update_event(self, event: ProgressEvent) -> None:
        if event.total > 0:
            self.bar.setRange(0, event.total)
            self.bar.setValue(min(event.step, event.total))
        else:
            self.bar.setRange(0, 0)
        self.label.setText(describe(event))

    def cancelling(self) -> None:
        self.label.setText("Cancelling…")
        self.cancel_btn.setEnabled(False)

    def finish(self) -> None:
        self.hide()
