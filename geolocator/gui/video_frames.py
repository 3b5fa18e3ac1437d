"""File → Video Frames…: how often the app samples a video (the CLI's `locate --every`), session 30.

Before, a video dropped on the app was sampled every second whatever its length: a 30 min clip
became 1,800 frames to locate (about an hour on a 2-core CPU). Now the person chooses an interval,
or leaves it automatic (core.media.video.auto_every_s: every second up to 5 minutes of video, then
a coarser round step that keeps a video to at most 300 frames); the choice is kept in settings.json
(AppSettings.video_every_s). Each video added is said in one line: its length, the interval, the
frame count and about how long locating them takes (`sampling_line`), or, when they are located
at once, that the progress bar says it (one figure for one job). Changing the interval samples the
listed videos again (MainWindow.set_video_every): frames at times sampled before keep their
answers and their cached pictures, and no frame already answered is removed.
"""

from __future__ import annotations

from PySide6.QtWidgets import (QButtonGroup, QDialog, QDialogButtonBox, QHBoxLayout, QLabel, QRadioButton, QVBoxLayout,
                               QWidget)

from ..core.media.video import AUTO_MAX_FRAMES
from ..core.wording import about_duration, clock_length, count
from .number_input import DecimalSpinBox
from .screen_fit import scrolled_rows

# Seconds to locate one 1024 px video frame when the app has not measured its own pace yet
# (MainWindow.locate_pace_s). Set between two measurements of 4K frames with EfficientNet-Lite0 on
# 2-core CPUs: ~1.7 CPU s a frame for `locate --every 20` (session 29, docs/large-areas.md, *On a laptop with 8 GB*),
# and the app's own Locating job on 180 frames of a 15 min clip, 100 tiles indexed in it, ~2.9 s wall
# a frame on the shared machine at load 10-11 (session 30, training/results/video30_session30.md).
DEFAULT_LOCATE_S_PER_FRAME = 2.0
MIN_EVERY_S, MAX_EVERY_S = 0.1, 3600.0

AUTO_WORDS = (f"Every second for a video up to {AUTO_MAX_FRAMES // 60} minutes long, then every 2, 5, 10, 15, "
              f"20, 30 or 60 seconds: at most {AUTO_MAX_FRAMES} frames a video.")


def _seconds(every_s: float) -> str:
    return f"{every_s:g} s"


def sampling_line(video, pace_s: float | None, *, located: bool = False, locating: bool = False,
                  recorded: str | None = None) -> str:
    """One line about a video just sampled (gui.jobs.VideoSampled): 'DJI_0001.MP4 (30:00): 180 frames, one
    every 10 s (automatic for its length; every second would be 1,800). Locating them takes about 6 min
    (2.0 s a frame, …). File → Video Frames… sets how often.' `pace_s`: this app's measured seconds a
    frame (None: DEFAULT_LOCATE_S_PER_FRAME, said as measured elsewhere). `located`: the line shown
    again with the results, once the frames were located: '… (automatic for its length; …): located.
    File → Video Frames… sets how often.', without the estimate (session 32: it stayed after the work).
    `recorded`: when the video's clock says it was recorded and where from (media.video_time.start_words),
    said after its length: 'DJI_0001.MP4 (30:00), recorded 2026-12-04 10:15 (container, camera clock): …',
    so that a clock set wrong is seen at once. `locating`: the frames are being located now, in a job
    whose progress bar says the time left: '… (as chosen). Locating them now: the progress bar says
    the time left. File → …', no figure of its own (session 32: "about 20 s" beside the bar's "2:00 left",
    two estimates of one job)."""
    from ..core.media.video import sample_times

    if video.automatic:
        how = "automatic for its length"
        every_second = len(sample_times(video.duration_s, 1.0))
        if video.every_s > 1.0:
            how += f"; every second would be {every_second:,}"
    else:
        how = "as chosen"
    reused = f"; {video.reused:,} of them sampled before, reused" if video.reused else ""
    when = f", {recorded}" if recorded else ""
    if located:
        return (f"{video.name} ({clock_length(video.duration_s)}){when}: {count(video.frames, 'frame')}, one every "
                f"{_seconds(video.every_s)} ({how}{reused}): located. File → Video Frames… sets how often.")
    if locating:
        return (f"{video.name} ({clock_length(video.duration_s)}){when}: {count(video.frames, 'frame')}, one every "
                f"{_seconds(video.every_s)} ({how}{reused}). Locating them now: the progress bar says the time left. "
                "File → Video Frames… sets how often.")
    pace = pace_s if pace_s is not None else DEFAULT_LOCATE_S_PER_FRAME
    source = ("this app's pace so far" if pace_s is not None
              else "measured on a 2-core CPU; the app measures its own pace once it has located some")
    return (f"{video.name} ({clock_length(video.duration_s)}){when}: {count(video.frames, 'frame')}, one every "
            f"{_seconds(video.every_s)} ({how}{reused}). Locating them takes {about_duration(video.frames * pace)} "
            f"({pace:.1f} s a frame, {source}). File → Video Frames… sets how often.")


class VideoFramesDialog(QDialog):
    """Automatic, or every N seconds (0.1-3600, one decimal): the value chosen is `every_s()`
    (None: automatic)."""

    def __init__(self, parent, every_s: float | None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Video Frames")
        body = QWidget()
        layout = QVBoxLayout(body)
        layout.setContentsMargins(0, 0, 0, 0)
        text = QLabel("How often a video's frames are taken to be located. Fewer frames locate sooner; a track "
                      "needs a frame at least every 60 seconds to fill the gaps between its verified frames. "
                      "Videos already listed are sampled again: answers already made are kept, and frames "
                      "sampled before at the same times are reused.")
        text.setWordWrap(True)
        layout.addWidget(text)
        self.automatic = QRadioButton("Automatic, from each video's length")
        self.fixed = QRadioButton("Every")
        self.seconds = DecimalSpinBox(trim_zeros=True)
        self.seconds.setRange(MIN_EVERY_S, MAX_EVERY_S)
        self.seconds.setDecimals(1)
        self.seconds.setSuffix(" s")
        self.seconds.setValue(every_s if every_s is not None else 5.0)
        group = QButtonGroup(self)
        group.addButton(self.automatic)
        group.addButton(self.fixed)
        (self.automatic if every_s is None else self.fixed).setChecked(True)
        self.seconds.setEnabled(every_s is not None)
        self.fixed.toggled.connect(self.seconds.setEnabled)
        layout.addWidget(self.automatic)
        how = QLabel(AUTO_WORDS)
        how.setWordWrap(True)
        how.setIndent(24)  # under its button's text
        layout.addWidget(how)
        row = QHBoxLayout()
        row.addWidget(self.fixed)
        row.addWidget(self.seconds)
        row.addStretch(1)
        layout.addLayout(row)
        layout.addStretch(1)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        # the words wrap at about 75 characters a line where the screen has room; on a short one (a 1366 x 768
        # laptop at 200 % with a 14 pt font) they scroll over OK and Cancel instead of being cut (newuserapp36)
        scrolled_rows(self, body, [buttons], max(460, 75 * self.fontMetrics().averageCharWidth()))

    def every_s(self) -> float | None:
        self.seconds.interpretText()
        return None if self.automatic.isChecked() else round(float(self.seconds.value()), 1)


def ask_video_every(window) -> None:
    """The menu item's slot: ask (the current choice shown), then window.set_video_every."""
    dialog = VideoFramesDialog(window, window.settings.video_every_s)
    if dialog.exec() == QDialog.DialogCode.Accepted:
        window.set_video_every(dialog.every_s())
    dialog.deleteLater()
