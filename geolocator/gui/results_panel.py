"""The selected drone image beside its top-k tiles, with ranks, scores, confidence, truth and error."""

from __future__ import annotations

from collections import OrderedDict

from PySide6.QtCore import QRectF, Qt, QTimer, Signal
from PySide6.QtGui import QColor, QFont, QFontMetrics, QGuiApplication, QPainter, QPixmap
from PySide6.QtWidgets import (QComboBox, QFrame, QGridLayout, QHBoxLayout, QLabel, QPushButton, QScrollArea,
                               QVBoxLayout, QWidget)

from ..core.coords import DEFAULT_FORMAT, FORMATS, format_position, not_covered
from ..core.export import compared_error, format_confidence
from ..core.geo import format_distance, haversine_m
from ..core.levels import frame_level, frame_words, level_of
from ..core.model import STATUS_VERIFIED, Prediction, Query, claims_place
from ..core.predict import answer_radius_m
from ..core.wording import confidence_within, keep_figures_together, shot_words
from .query_list import pixmap_from_jpeg

# the format box's words; each item's tooltip is its core.coords.FORMATS name
SHORT_LABELS = {"dd": "Degrees", "dmm": "DMM", "dms": "DMS", "utm": "UTM", "mgrs": "MGRS", "lv95": "LV95"}
QUERY_PX = 176
MIN_QUERY_PX = 96  # the photo in a narrow pane (_fit_query_image)
LEAST_PHOTO_PX = 48  # the photo in a short pane (a short window: the map keeps the height, shortmap34)
TILE_PX = 104
# the longest lines a tile card shows (its rank in bold): the card is as wide as these or the tile (hidpi35)
CARD_LINES = ("similarity 0.000", "000 matching pts")
CARD_RANK = "#0 verified  ✓"
# written across the foot of the tile that holds the truth: its border's green was the only mark a
# red-green colour-blind reader could not miss-read, beside a small ✓ on the rank line (keys37)
TRUTH_BADGE = "✓ truth here"


def badged(pixmap: QPixmap, words: str = TRUTH_BADGE) -> QPixmap:
    """A copy of `pixmap` with `words` in white on a dark band across its foot (the band one line of the
    widget font high, at the pixmap's device-independent size). The tile underneath stays in sight above it."""
    out = QPixmap(pixmap)
    size = out.deviceIndependentSize()
    painter = QPainter(out)
    try:
        font = QFont(QGuiApplication.font())
        font.setWeight(QFont.Weight.DemiBold)
        while QFontMetrics(font).horizontalAdvance(words) > size.width() - 4 and font.pointSizeF() > 6:
            font.setPointSizeF(font.pointSizeF() - 0.5)  # a large desktop font: the words stay whole
        painter.setFont(font)
        h = QFontMetrics(font).height() + 2
        band = QRectF(0, size.height() - h, size.width(), h)
        painter.fillRect(band, QColor(0, 0, 0, 180))
        painter.setPen(QColor("white"))
        painter.drawText(band, Qt.AlignmentFlag.AlignCenter, words)
    finally:
        painter.end()
    return out
# the longest words of the level under the photo, and the longest figures of the details (no-break spaces
# inside: core.wording.keep_figures_together): the pane's least width holds them in the font in use. With a
# 14 pt font "confidence" was cut to "confidenc" under a 96 px photo, and "confidence 0.930 that" made the
# details wider than their scroll area, Copy cut at its edge (hidpi35)
STATUS_LONG_WORDS = ("confidence", "interpolated", "extrapolated")
FIGURES_SAMPLE = ("Status  confident   confidence 0.000 that it is within 35 m\n"
                  "Location  00.000000, -000.000000   (homography; tile centre 00.000000, -000.000000)")
PIXMAPS_KEPT = 64  # decoded thumbnails the Results pane keeps (a photo and its five tiles: six a photo)


def _plain(text: str = "") -> QLabel:
    label = QLabel(text)
    label.setTextFormat(Qt.TextFormat.PlainText)  # names come from the file system: never HTML
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    return label


EMPTY_HINT = "In the list or on the map."
# a not-located answer's Location line: no coordinates, as every export and the map (its Point is only the
# candidates' middle; before session 33's appuser33 the pane still printed it, a place to copy by hand)
NO_PLACE = "none: not located, no place is claimed"


TITLE_PT = 13.0  # the Results pane's title at the usual 9-10 pt font
TITLE_SCALE = 1.3  # the title to the font in use, where that is larger (a desktop's large-font setting)


def title_points(font: QFont) -> float:
    """The Results pane's title size in points: TITLE_PT, or TITLE_SCALE x `font`'s size where that is
    larger (rounded to a half point); TITLE_PT for a font sized in pixels (no point size)."""
    points = font.pointSizeF()
    return max(TITLE_PT, round(2 * TITLE_SCALE * points) / 2) if points > 0 else TITLE_PT


class _Title(QLabel):
    """The photo's name over the Results pane, its folders cut ("…/DJI_0042_W.JPG", or a long file name
    in the middle: shown_for) where the pane is narrower than the name, the whole name in its tooltip
    and in text(). A QLabel sized
    to its text made the pane as wide as the name: a photo in a subfolder with a long DJI name
    (~70 characters) asked 916 px of the pane and pushed the window past a laptop's screen."""

    def __init__(self, text: str = "") -> None:
        super().__init__()
        self.setTextFormat(Qt.TextFormat.PlainText)  # names come from the file system: never HTML
        self.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self._full = ""
        self.setText(text)

    def setText(self, text: str) -> None:  # noqa: N802 - Qt's name
        self._full = text
        self.setToolTip(text)
        self._fit()

    def text(self) -> str:  # the whole name (what is shown may be cut in the middle)
        return self._full

    def minimumSizeHint(self):  # noqa: N802 - Qt's name: a few characters, however long the name
        hint = super().minimumSizeHint()
        hint.setWidth(min(hint.width(), self.fontMetrics().horizontalAdvance("M" * 8)))
        return hint

    def sizeHint(self):  # noqa: N802 - Qt's name: the whole name where there is room
        hint = super().sizeHint()
        hint.setWidth(self.fontMetrics().horizontalAdvance(self._full) + 2 * self.margin() + 4)
        return hint

    def resizeEvent(self, event) -> None:  # noqa: N802 - Qt's name (on this widget itself: no event filter)
        super().resizeEvent(event)
        self._fit()

    @staticmethod
    def shown_for(name: str, metrics: QFontMetrics, width: int) -> str:
        """`name` as shown in `width` px of `metrics`' font: whole where it fits; else its folders cut
        from the left ("…ies/q_0001.jpg") where the file's own name fits whole; else cut in the middle
        (its start and its end). At a 785 px window at 200 % the middle cut left "querie…01.jpg",
        which names no photo of the list (hidpi35)."""
        if metrics.horizontalAdvance(name) <= width:
            return name
        cut = max(name.rfind("/"), name.rfind("\\"))
        if cut >= 0 and metrics.horizontalAdvance("…" + name[cut:]) <= width:
            return metrics.elidedText(name, Qt.TextElideMode.ElideLeft, width)
        return metrics.elidedText(name, Qt.TextElideMode.ElideMiddle, width)

    def _fit(self) -> None:
        shown = self.shown_for(self._full, self.fontMetrics(), max(1, self.contentsRect().width()))
        if shown != super().text():
            super().setText(shown)


class TileCard(QFrame):
    """One of a photo's top-k tiles: the tile, its rank and why ("#1 verified" where geometric verification
    chose it), its matching points, its similarity, its name. Before session 32 the rank line read "#1  0.596"
    beside "#2  0.609" (the chosen tile's cosine below the next one's) and only a tooltip said the figure
    was the global similarity and the order verification's, so the ranking looked wrong.

    The card is TILE_PX wide inside, or as wide as its longest line in the font in use (text_px): with a
    14 pt font (a desktop's large-font setting) a 104 px card showed "#1 verifie", "85 matchin",
    "similarity 0" (hidpi35)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setFrameShape(QFrame.Shape.StyledPanel)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.setSpacing(2)
        bold = QFont(self.font())
        bold.setWeight(QFont.Weight.DemiBold)  # the rank's font-weight: 600
        self.text_px = max(TILE_PX, QFontMetrics(bold).horizontalAdvance(CARD_RANK) + 2,
                           *(self.fontMetrics().horizontalAdvance(line) + 2 for line in CARD_LINES))
        self.setFixedWidth(self.text_px + 12)
        self.image = QLabel()
        self.image.setFixedSize(TILE_PX, TILE_PX)
        self.image.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.rank = _plain()
        self.rank.setStyleSheet("font-weight: 600;")
        self.name = _plain()
        self.name.setMaximumWidth(self.text_px)
        self.points = _plain()  # geometric verification: local features agreeing on one homography
        self.points.setVisible(False)
        self.similarity = _plain()  # the global features' cosine (retrieval), named so it is not read as the rank's
        layout.addWidget(self.image)
        layout.addWidget(self.rank)
        layout.addWidget(self.points)
        layout.addWidget(self.similarity)
        layout.addWidget(self.name)

    def set_match(self, rank: int, score: float, tile_id: str, pixmap: QPixmap | None, hit: bool | None,
                  inliers: int | None = None, verified: bool = False) -> None:
        """`score`: the tile's cosine similarity to the photo (global features); `inliers`: its matching
        points where verification ran on it; `verified`: it is the tile verification chose (the
        photo's top, status verified), said on the rank line; `hit`: whether it holds the truth (None:
        no truth)."""
        mark = "" if hit is None else ("  ✓" if hit else "  ✗")
        self.rank.setText(f"#{rank}{' verified' if verified else ''}{mark}")
        self.points.setText("" if inliers is None else f"{inliers} matching pt{'' if inliers == 1 else 's'}")
        self.points.setVisible(inliers is not None)
        self.similarity.setText(f"similarity {score:.3f}")
        tips = [("verification chose this tile: " if verified else "")
                + "tiles whose local features agree on one homography come first, by matching points; "
                "the others follow by similarity",
                f"similarity {score:.3f}: the cosine of the photo's and the tile's global features (retrieval)"]
        if inliers is not None:
            tips.append(f"{inliers} local features agree on one homography (geometric verification)")
        if hit is not None:
            tips.append("this tile contains the true location" if hit else "the true location is not in this tile")
        self.rank.setToolTip("\n".join(tips))
        self.similarity.setToolTip(tips[1])
        # cut at the start ("…c0_r245"): the end is what tells a set's tiles apart (a window's column
        # and row, a file's name); cut in the middle, a KMZ's windows all read "rot25.k…"
        self.name.setText(self.name.fontMetrics().elidedText(tile_id, Qt.TextElideMode.ElideLeft, self.text_px))
        self.name.setToolTip(tile_id)
        if pixmap is not None and not pixmap.isNull():
            shown = pixmap.scaled(TILE_PX, TILE_PX, Qt.AspectRatioMode.KeepAspectRatio,
                                  Qt.TransformationMode.SmoothTransformation)
            self.image.setPixmap(badged(shown) if hit else shown)
        else:
            self.image.setText(f"no preview\n{TRUTH_BADGE}" if hit else "no preview")
        # read aloud: the ✓ / ✗ glyphs alone are read as "check mark" (or not at all)
        self.rank.setAccessibleName(self.rank.text().replace("✓", "").replace("✗", "").strip() + (
            "" if hit is None else (", holds the truth" if hit else ", does not hold the truth")))
        colour = "#1a9850" if hit else ("#ffd400" if rank == 1 else "palette(mid)")
        style = f"TileCard {{ border: 2px solid {colour}; border-radius: 3px; }}"
        if self.styleSheet() != style:  # re-polishing costs ~1 ms a card: only when the colour changes
            self.setStyleSheet(style)


class _WholeLines(QScrollArea):
    """The details' scroll area, ending on a whole line of `lines` (a plain-text QLabel in its widget): where
    the text does not fit, the viewport is shortened by a blank margin at its bottom (QAbstractScrollArea's
    viewport margins) to the last line it shows whole, and the scroll bar reaches the rest. Ending where
    the pane did, it showed the upper half of the line below the last whole one: the Status line at
    1440 x 900 (newuser31_session31.md). A line of a word-wrapped plain QLabel is its font's lineSpacing()
    high from the top of its contents rectangle (Qt draws it with QTextLayout, one line per lineSpacing).
    Kept up from this widget's own events and its content's (no event filter: one on a viewport made the
    app segfault at exit, session 21)."""

    def __init__(self) -> None:
        super().__init__()
        self.lines: QLabel | None = None
        self._margin = 0
        self._fitting = False
        # changing the viewport from inside a resize event left the content laid out at the old width (the
        # Copy button past the viewport's edge): the fit runs once the events of this change are handled
        self._later = QTimer(self)
        self._later.setSingleShot(True)
        self._later.setInterval(0)
        self._later.timeout.connect(self.fit_to_lines)
        self.verticalScrollBar().valueChanged.connect(self._later.start)

    def fit_to_lines(self, *_args) -> None:
        host, lines = self.widget(), self.lines
        if host is None or lines is None or self._fitting:
            return
        room = self.contentsRect().height()  # the viewport's height without the margin (no horizontal bar)
        pitch = max(1, lines.fontMetrics().lineSpacing())
        self.verticalScrollBar().setSingleStep(pitch)
        top = lines.mapTo(host, lines.contentsRect().topLeft()).y()
        # the text's own height (the label is stretched to fill the viewport below it)
        frame = lines.height() - lines.contentsRect().height()
        n_lines = max(0, round((lines.heightForWidth(lines.width()) - frame) / pitch)) if lines.text() else 0
        scrolled = self.verticalScrollBar().value()
        margin = 0
        if top + n_lines * pitch - scrolled > room:  # not all of it in sight
            ends = [top + k * pitch - scrolled for k in range(n_lines + 1)]
            whole = [end for end in ends if 0 < end <= room]
            if whole:
                margin = room - max(whole)
        if margin != self._margin:
            self._margin = margin
            self._fitting = True  # the viewport's new height resizes the content, which calls back here
            try:
                self.setViewportMargins(0, 0, 0, margin)
            finally:
                self._fitting = False

    def resizeEvent(self, event) -> None:  # noqa: N802 - Qt's name
        super().resizeEvent(event)
        self._later.start()


class _DetailsHost(QWidget):
    """The details' content: tells its scroll area when its size changes (new text, other wrapping)."""

    def resizeEvent(self, event) -> None:  # noqa: N802 - Qt's name
        super().resizeEvent(event)
        area = self.parentWidget().parentWidget() if self.parentWidget() else None
        if isinstance(area, _WholeLines):
            area._later.start()


def _radius(answer: Prediction) -> float | None:
    """The radius, metres, an answer's confidence speaks of (predict.answer_radius_m); None for one not
    located: no place is claimed, so no 'within 35 m' of it (as the map's popup and the exports, session 33)."""
    return answer_radius_m(answer) if claims_place(answer.status) else None


def _flight_frame_lines(single: Prediction, exported: Prediction, track_status: str | None) -> list[str]:
    """The answer lines of a flight's frame: its exported Point, confidence and how the track got it
    first (what the map and every export say), then its single-frame answer where that differs."""
    loc, tc = exported.location, single.tile_center
    # its top tile's centre only beside its own answer: the track's Point is not about that tile
    centre = f"; tile centre {tc.lat:.6f}, {tc.lon:.6f}" if loc == single.location else ""
    lines = [f"Location  {NO_PLACE}" if not claims_place(exported.status)
             else f"Location  {loc.lat:.6f}, {loc.lon:.6f}   ({exported.location_source}{centre})"]
    # its level as the list, the map and the exports say it, then how the track placed it ("verified but
    # not confident; corrected by the track: ..."; levels.frame_words); a photo's level otherwise
    how = frame_words(track_status, exported.confidence) if track_status else level_of(exported)
    top = single.top  # its own top's inliers: only where the Point is its own top's verified answer
    verified = f"   {top.inliers} matching points" if top.inliers and track_status in ("matched", "flagged") else ""
    within = confidence_within(format_confidence(exported.confidence), _radius(exported))
    lines.append(f"Status  {how}   confidence {within}{verified}")
    if (single.location, single.confidence, single.status) != (loc, exported.confidence, exported.status):
        own = single.location
        line = (f"Single frame  {own.lat:.6f}, {own.lon:.6f}   {level_of(single)}, "
                f"confidence {format_confidence(single.confidence)}")
        if single.error_m is not None:
            line += f", error {format_distance(single.error_m)}"
        if own != loc:
            line += f" ({format_distance(haversine_m(own, loc))} from the track's Point)"
        lines.append(line + (f"; {single.note}" if single.note else ""))
    if exported.caution:  # the track's Point's (the flight hardly verified: core/outside_tiles.py)
        lines.append(f"Caution: {exported.caution}")
    return lines


def _wrappable(text: str, fmt: str) -> str:
    """`text` (core.coords.format_position's) as shown: where the pane is too narrow for one line it
    breaks only between the latitude and the longitude (or MGRS's square and its digits, LV95's east
    and north), never inside one: no-break spaces elsewhere. Copy puts plain spaces (coords_shown)."""
    nb = "\u00a0"
    if fmt in ("dmm", "dms"):
        for mark in (" E ", " W "):
            if mark in text:
                lat, lon = text.split(mark, 1)
                return lat.replace(" ", nb) + " " + (mark.strip() + " " + lon).replace(" ", nb)
    if fmt == "mgrs":
        parts = text.split(" ")
        if len(parts) == 4:
            return f"{parts[0]}{nb}{parts[1]} {parts[2]}{nb}{parts[3]}"
    if fmt == "lv95":
        return text.replace(" / ", f"{nb}/ ")
    return text


class ResultsPanel(QWidget):
    # the coordinate format chosen in the pane (a core.coords.FORMATS key), for the settings to keep
    format_changed = Signal(str)
    # the text put on the clipboard by Copy, for the status bar to confirm
    coordinates_copied = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        outer = QHBoxLayout(self)
        outer.setContentsMargins(6, 6, 6, 6)
        left = QVBoxLayout()
        self._query_pm = None  # the shown photo's thumbnail, unscaled (_show_query_image)
        # thumbnails decoded (and a tile's scaled to its card) for the photos shown last: a photo's five
        # tiles were decoded and scaled again at every selection, ~10 ms of the window's thread a click
        self._pixmaps: OrderedDict[tuple[bytes, int | None], QPixmap] = OrderedDict()
        self.query_image = QLabel()
        self.query_image.setFixedSize(QUERY_PX, QUERY_PX)
        self.query_image.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.query_image.setFrameShape(QFrame.Shape.StyledPanel)
        left.addWidget(self.query_image)
        # the answer's level and confidence under the photo, always in sight and never cut: at 1440 x 900
        # the details' scroll area shows about two lines and the "Status ..." line was below them
        # (newuser_session25.md, friction 5); on the name's row (session 26) a 1024 x 700 window's pane
        # left it a few letters ("v…"). Here it wraps at the photo's width (_fit_query_image) in the room
        # the photo leaves above the cards' height: "verified but not confident" / "confidence 0.812
        # that it is within 35 m"; no height taken from the map, no width from the name. The details
        # keep the whole Status line (with its matching points)
        self.status_line = _plain("")
        self.status_line.setWordWrap(True)
        self.status_line.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        self.status_line.setFixedWidth(QUERY_PX)
        left.addWidget(self.status_line)
        left.addStretch(1)
        outer.addLayout(left)

        right = QVBoxLayout()
        # a title short enough for the narrowest pane, the sentence in the wrapping details: the title cuts
        # names in the middle, and a 1015 px window showed "Select a drone image" as "Select …e image"
        self.title = _Title("Select an image")
        # 13 pt, or 1.3 times the font in use where that is larger: with a desktop's 14 pt font the name
        # was smaller than the lines under it (hidpi35)
        self.title.setStyleSheet(f"font-size: {title_points(self.font()):g}pt; font-weight: 600;")
        self.details = _plain(EMPTY_HINT)
        self.details.setWordWrap(True)
        self.details.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        # the details scroll when the pane is squeezed (a 1024 x 700 window cut the "Truth … error"
        # line off); a minimum height instead made the window taller than a 768-line screen
        self.details_scroll = _WholeLines()
        self.details_scroll.setAccessibleName("Result details")  # it takes the focus: a screen reader names it
        self.details_scroll.setWidgetResizable(True)
        self.details_scroll.setFrameShape(QFrame.Shape.NoFrame)
        self.details_scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        right.addWidget(self.title)
        # the exported Point in the format the team reads (MGRS, UTM, degrees and minutes, LV95 ...),
        # one click to the clipboard: what a rescuer reads out or pastes into a message. First in the
        # details' scroll area, so that the map keeps its height (a row of its own took 28 px from it)
        details_host = _DetailsHost()
        host = QVBoxLayout(details_host)
        host.setContentsMargins(0, 0, 0, 0)
        # the box and Copy on one row, the coordinates on the line below (wrapped only between latitude
        # and longitude: _wrappable): box, coordinates and Copy on one row pushed Copy out of sight in a
        # 1024 x 700 window (its right edge 497 px in a 412 px viewport, DMS). A fixed layout, no event
        # filter: one on the scroll area's viewport made the app segfault at exit (session 21)
        coords_row = QHBoxLayout()
        self.coords_format = QComboBox()
        for key, label in FORMATS.items():  # short words: box and Copy fit a 1024 x 700 window's pane
            self.coords_format.addItem(SHORT_LABELS.get(key, label), key)
            self.coords_format.setItemData(self.coords_format.count() - 1, label, Qt.ItemDataRole.ToolTipRole)
        self.coords_format.setToolTip("How the Point is written here (the exports keep WGS84 degrees, "
                                      "with MGRS and UTM columns)")
        # what a screen reader calls the box: Qt names a box by its value on Linux ("Degrees, combo box") and
        # its label through the buddy relation, so a label, hidden (the row has no room for it: Copy must
        # stay in sight in a 1024 x 700 window), is its buddy; the accessible name is for other platforms
        self.coords_format.setAccessibleName("Coordinate format")
        self.coords_format_label = QLabel("Coordinate format", self)
        self.coords_format_label.setBuddy(self.coords_format)
        self.coords_format_label.hide()
        self.coords_text = _plain("")
        self.coords_text.setStyleSheet("font-weight: 600;")
        self.coords_text.setWordWrap(True)
        self.copy_button = QPushButton("Copy")
        # from anywhere in the window: choose a photo with the arrow keys, then Ctrl+Shift+C
        self.copy_button.setShortcut("Ctrl+Shift+C")
        self.copy_button.setToolTip("Copy the coordinates to the clipboard (Ctrl+Shift+C)")
        self.copy_button.setEnabled(False)
        # the style's 80 px where there is room, as narrow as its word with the button's margins in a narrow
        # pane: the photo keeps 96 px and the window fits half a 1920 px screen (session 33)
        style, pm = self.copy_button.style(), self.copy_button.style().PixelMetric
        self.copy_button.setMinimumWidth(self.copy_button.fontMetrics().horizontalAdvance(self.copy_button.text())
                                         + 2 * (style.pixelMetric(pm.PM_ButtonMargin)
                                                + style.pixelMetric(pm.PM_DefaultFrameWidth)) + 8)
        coords_row.addWidget(self.coords_format)
        coords_row.addWidget(self.copy_button)
        coords_row.addStretch(1)
        host.addLayout(coords_row)
        self._coords_row = coords_row
        host.addWidget(self.coords_text)
        host.addWidget(self.details, 1)
        self.details_scroll.setWidget(details_host)
        self.details_scroll.lines = self.details
        self._point = None  # the exported Point of the shown photo (LatLon), None: nothing to copy
        self.coords_format.currentIndexChanged.connect(self._format_chosen)
        self.copy_button.clicked.connect(self.copy_coordinates)
        right.addWidget(self.details_scroll, 1)
        self._cards_host = QWidget()
        self._cards = QGridLayout(self._cards_host)
        self._cards.setContentsMargins(0, 0, 0, 0)
        self._cards.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        scroll = QScrollArea()
        scroll.setAccessibleName("Best tiles")  # it takes the focus: a screen reader names it (appwalk37)
        scroll.setWidgetResizable(True)
        scroll.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        # a whole card (tile, rank, matching points, name) above the horizontal scroll bar that more
        # cards than fit bring: TILE_PX + 60 left the tile's name under the bar, cut in half
        probe = TileCard()
        probe.set_match(1, 0.0, "t", None, None, inliers=0, verified=True)
        scroll.setMinimumHeight(probe.sizeHint().height() + scroll.horizontalScrollBar().sizeHint().height())
        probe.deleteLater()
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setWidget(self._cards_host)
        right.addWidget(scroll)
        self._cards_scroll = scroll
        self._right = right
        outer.addLayout(right, 1)
        self.cards: list[TileCard] = []

    def resizeEvent(self, event) -> None:  # noqa: N802 - Qt's name (this widget's own: no event filter)
        super().resizeEvent(event)
        self._fit_height()
        self._fit_query_image()

    def _answer_height(self) -> int:
        """Pixels the right column needs for what must show without scrolling: the title, and in the
        details' area the format box with Copy and the coordinates (two lines where they wrap)."""
        host = self.details_scroll.widget().layout()
        coords = 2 * self.coords_text.fontMetrics().lineSpacing()
        row = max(self.coords_format.sizeHint().height(), self.copy_button.sizeHint().height())
        details = row + max(0, host.spacing()) + coords + 2  # 2: the scroll area's frame, none drawn
        return self.title.sizeHint().height() + max(0, self._right.spacing()) + details

    def _photo_column_height(self, side: int) -> int:
        """Pixels the left column needs with the photo `side` px square: the photo and the level and
        confidence under it, wrapped at its width (never cut: the answer's words)."""
        line = self.status_line
        words = line.heightForWidth(line.width()) if line.text() else 0
        return side + max(0, self.layout().itemAt(0).layout().spacing()) + max(0, words)

    def full_height(self) -> int:
        """The least height in px that shows the tile cards too (below it the cards' strip is hidden and
        the photo shrinks, LEAST_PHOTO_PX at least: a short window keeps its height for the map)."""
        margins = self.layout().contentsMargins()
        right = self._answer_height() + max(0, self._right.spacing()) + self._cards_scroll.minimumHeight()
        return margins.top() + margins.bottom() + max(right, self._photo_column_height(self._least_side()))

    def roomy_height(self) -> int:
        """The height in px the pane asks for where the window has room: full_height() and two more
        lines of the details (Location and Status in sight without scrolling, as session 32's share gave
        them). At 1920 x 1080 the pane at full_height showed one line of them (shortmap34's first default)."""
        return self.full_height() + 2 * self.details.fontMetrics().lineSpacing()

    def least_height(self) -> int:
        """The pane's least height in px: the title, Copy with the coordinates, and the answer's level and
        confidence under a LEAST_PHOTO_PX photo. Before shortmap34 it was the tile cards' strip and the
        title (306 px with the photo): a 911 x 562 window's map was left 160 px tall."""
        margins = self.layout().contentsMargins()
        return margins.top() + margins.bottom() + max(self._answer_height(),
                                                      self._photo_column_height(LEAST_PHOTO_PX))

    def _fit_height(self) -> None:
        """The tile cards' strip shown where the pane has full_height(), hidden below it (the details,
        which scroll, get its room); the photo as tall as the left column leaves (_fit_query_image)."""
        show = self.height() >= self.full_height()
        if show != self._cards_scroll.isVisibleTo(self):
            self._cards_scroll.setVisible(show)

    def _beside_photo(self, least: bool = False) -> int:
        """Pixels the pane needs beside the photo: its margins, the gap, and the format box with Copy
        (and the details' scroll bar) on one row, or the title's least width where that is wider.
        Copy at its usual width, or at its least (`least`: the word and its margins) once the photo
        is at MIN_QUERY_PX."""
        copy = self.copy_button.minimumWidth() if least else self.copy_button.minimumSizeHint().width()
        margins = self.layout().contentsMargins()
        bar = self.details_scroll.verticalScrollBar().sizeHint().width()
        row = (self.coords_format.minimumSizeHint().width() + copy
               + max(0, self._coords_row.spacing()))  # from the widgets: the layout may not be laid out yet
        right = max(row, self._widest_figure()) + bar
        right = max(right, self.title.minimumSizeHint().width())
        return right + self.layout().spacing() + margins.left() + margins.right()

    def _least_side(self) -> int:
        """The photo column's least width in px: MIN_QUERY_PX, or the longest word of the level under the
        photo (STATUS_LONG_WORDS) in the font in use where that is wider."""
        metrics = self.status_line.fontMetrics()
        return max(MIN_QUERY_PX, *(metrics.horizontalAdvance(word) + 4 for word in STATUS_LONG_WORDS))

    def _widest_figure(self) -> int:
        """The widest figure of the details (FIGURES_SAMPLE as keep_figures_together joins it) in px of
        their font: the details' scroll area is never narrower, so Copy is never pushed past its edge."""
        metrics = self.details.fontMetrics()
        chunks = keep_figures_together(FIGURES_SAMPLE).replace("\n", " ").split(" ")
        return max(metrics.horizontalAdvance(chunk) for chunk in chunks) + 2

    def minimumSizeHint(self):  # noqa: N802 - Qt's name
        """The least width with the photo at MIN_QUERY_PX, whatever size it has now: the layout's own hint
        took the photo's current size (176 px at the start), and the pane asked 329 px of a window that
        could not then be narrower than 1,015 px (session 33)."""
        hint = super().minimumSizeHint()
        hint.setWidth(self._least_side() + self._beside_photo(least=True))
        hint.setHeight(self.least_height())  # the cards and the photo's size give way (shortmap34)
        return hint

    def _fit_query_image(self) -> None:
        """The photo QUERY_PX square where the pane has room, smaller (MIN_QUERY_PX at least) where the
        format box and Copy beside it would not fit otherwise: a 1024 x 700 window gives the pane ~328 px,
        and with the photo at 176 Copy was cut off at the pane's edge."""
        side = max(self._least_side(), min(QUERY_PX, self.width() - self._beside_photo()))
        if side != self.status_line.width():
            self.status_line.setFixedWidth(side)  # wrapped under the photo, as wide as it could be
        # in a short pane the photo gives height to the level's words under it (shortmap34)
        margins = self.layout().contentsMargins()
        room = self.height() - margins.top() - margins.bottom() - self._photo_column_height(0)
        photo = max(LEAST_PHOTO_PX, min(side, room))
        if photo != self.query_image.width():
            self.query_image.setFixedSize(photo, photo)
            self._show_query_image()
            self.layout().activate()  # the columns at their new widths now, not at the next event

    def _show_query_image(self) -> None:
        side = self.query_image.width()
        if self._query_pm is None:
            self.query_image.setText("no preview")
        else:
            self.query_image.setPixmap(self._query_pm.scaled(side, side, Qt.AspectRatioMode.KeepAspectRatio,
                                                             Qt.TransformationMode.SmoothTransformation))

    @staticmethod
    def _status_words(prediction: Prediction | None, exported: Prediction | None, track_status: str | None) -> str:
        """The line under the photo: its level, as the list says it (core/levels.py), and what its
        confidence is sure of: "verified but not confident\nconfidence 0.812 that it is within 35 m", then
        its caution's head ("caution: may not be in these tiles") where it has one; empty before an answer. A flight's frame: its track level and the confidence of the Point the
        map and the exports give (the matching points and how the track placed it: the details)."""
        if prediction is None:  # nothing located yet, or it failed: the details say why
            return ""
        answer = exported if exported is not None else prediction
        level = frame_level(track_status, answer.confidence) if exported is not None and track_status else level_of(answer)
        words = f"{level}\nconfidence {confidence_within(format_confidence(answer.confidence), _radius(answer))}"
        # its caution's head ("may not be in these tiles", "low texture (…)"), where it is seen without scrolling:
        # at 1440 x 900 the details' "Caution: …" line is below their fold (session 33, appuser33); not
        # located: the level says it already
        if answer.caution and claims_place(answer.status):
            words += f"\ncaution: {answer.caution.split(':', 1)[0]}"
        return words

    def set_coords_format(self, fmt: str) -> None:
        """Show the Point in `fmt` (a core.coords.FORMATS key; an unknown one, e.g. from a settings file
        of a later version, falls back to decimal degrees)."""
        index = self.coords_format.findData(fmt if fmt in FORMATS else DEFAULT_FORMAT)
        self.coords_format.setCurrentIndex(index)
        self._show_coords()

    def coords_format_key(self) -> str:
        return self.coords_format.currentData() or DEFAULT_FORMAT

    def _format_chosen(self, _index: int) -> None:
        self._show_coords()
        self.format_changed.emit(self.coords_format_key())

    def _show_coords(self) -> None:
        fmt = self.coords_format_key()
        text = None if self._point is None else format_position(self._point.lat, self._point.lon, fmt)
        if self._point is None:
            self.coords_text.setText("")
        else:
            self.coords_text.setText(_wrappable(text, fmt) if text else f"({not_covered(fmt)})")
        self.copy_button.setEnabled(text is not None)

    def coords_shown(self) -> str | None:
        """The Point as shown in the chosen format, None when there is nothing to copy."""
        if self._point is None:
            return None
        return format_position(self._point.lat, self._point.lon, self.coords_format_key())

    def copy_coordinates(self) -> None:
        """Put the shown coordinates on the clipboard (nothing when there are none)."""
        text = self.coords_shown()
        if text:
            QGuiApplication.clipboard().setText(text)
            self.coordinates_copied.emit(text)

    def _set_cards(self, n: int) -> None:
        while len(self.cards) > n:
            card = self.cards.pop()
            self._cards.removeWidget(card)
            card.deleteLater()
        while len(self.cards) < n:
            card = TileCard()
            self._cards.addWidget(card, 0, len(self.cards))
            self.cards.append(card)

    def _pixmap(self, data: bytes, side: int | None = None) -> QPixmap:
        """The JPEG thumbnail `data` decoded (query_list.pixmap_from_jpeg) and, with `side`, scaled to fit
        side x side px as a tile card scales it (TileCard.set_match: the same pixels, Qt does not scale a
        pixmap already that size again); the last PIXMAPS_KEPT kept, keyed by the bytes."""
        key = (data, side)
        pm = self._pixmaps.get(key)
        if pm is None:
            pm = pixmap_from_jpeg(data)
            if side is not None and not pm.isNull():
                pm = pm.scaled(side, side, Qt.AspectRatioMode.KeepAspectRatio, Qt.TransformationMode.SmoothTransformation)
            self._pixmaps[key] = pm
            while len(self._pixmaps) > PIXMAPS_KEPT:
                self._pixmaps.popitem(last=False)
        else:
            self._pixmaps.move_to_end(key)
        return pm

    def clear(self) -> None:
        """The pane as it opens, no photo shown: the hint, no preview, no Point to copy, no tile cards (the
        shown photo was taken off the list, appwalk37)."""
        self.title.setText("Select an image")
        self._query_pm = None
        self.query_image.clear()
        self._point = None
        self._show_coords()
        self.details.setText(EMPTY_HINT)
        self.status_line.setText("")
        self._set_cards(0)
        self._fit_height()
        self._fit_query_image()
        self.updateGeometry()

    def show_query(self, query: Query, prediction: Prediction | None, query_thumb: bytes | None,
                   tile_thumbs: dict[str, bytes], failure: str | None = None, *,
                   exported: Prediction | None = None, track_status: str | None = None,
                   track_error: tuple | None = None, track_shot: tuple[int, int] | None = None,
                   clock_zone=None) -> None:
        """`prediction`: the frame's single-frame answer. A flight's frame also gives its answer as the
        map and the exports give it (`exported`: core.evaluate.exported_answers), its status on the
        track (`track_status`, core/sequence.py STATUSES) and its error there (`track_error`: (m,
        kind), export_track.frame_errors): the pane then leads with those, and gives the single-frame
        answer after them where it differs. `track_shot`: (shot, shots) of a frame of a video edited
        from shots (core/media/cuts.py), said after its status. `clock_zone` (a tzinfo: File → Clock Zone
        of the Photos…): the zone a capture time without one is shown in, as the exports read it
        (core.media.metadata.meta_summary); None: said to have no zone."""
        self.title.setText(query.id)
        self._query_pm = self._pixmap(query_thumb) if query_thumb else None
        self._show_query_image()
        lines = []
        # the Point every export writes: a flight's frame at its place on the track; none when there is
        # nothing located (a blank frame's Point is its top tile's centre, not a place to send a team)
        answer = exported if exported is not None else prediction
        self._point = None if answer is None or not claims_place(answer.status) else answer.location
        self._show_coords()
        if prediction is None:
            lines.append(f"Not located: {failure}" if failure else "Not located yet.")
            self._set_cards(0)
        elif exported is not None:
            lines += _flight_frame_lines(prediction, exported, track_status)
            if track_shot is not None:
                lines.insert(2, f"Shot  {shot_words(*track_shot)}")
        else:
            loc = prediction.location  # the best estimate, as exported
            tc = prediction.tile_center
            if not claims_place(prediction.status):  # no place claimed: none here either, as the exports
                lines.append(f"Location  {NO_PLACE}")
            else:
                lines.append(f"Location  {loc.lat:.6f}, {loc.lon:.6f}   ({prediction.location_source}; "
                             f"tile centre {tc.lat:.6f}, {tc.lon:.6f})")
            top = prediction.top
            verified = f"   verified: {top.inliers} matching points" if top.inliers else ""
            # "confidence 0.997 that it is within 35 m": the radius the figure speaks of (predict.confidence_radius_m)
            within = confidence_within(format_confidence(prediction.confidence), _radius(prediction))
            # its level (core/levels.py: confident, verified but not confident, ...), as the list and the map
            lines.append(f"Status  {level_of(prediction)}   confidence {within}{verified}")
            if prediction.note:
                lines.append(f"Not located: {prediction.note}")
            if prediction.caution:
                lines.append(f"Caution: {prediction.caution}")
        if query.truth is not None:
            truth = f"Truth  {query.truth.lat:.6f}, {query.truth.lon:.6f}  ({query.truth_source or 'given'})"
            # like with like, as the list and the exports (export.compared_error): the camera against a
            # recorded camera position when PnP knows it, else the Point (the image centre)
            # (a flight's frame: at its place on the track, as the exports: export_track.frame_errors)
            error, kind = (track_error if exported is not None and track_error is not None
                           else compared_error(prediction) if prediction is not None else (None, None))
            if error is not None and answer is not None and not claims_place(answer.status):
                # as the list's grey Error cell says it: a distance, not an error, since nothing was claimed
                truth += f"   the candidates' middle is {format_distance(error)} away (no claim, so no error)"
            elif error is not None:
                truth += f"   error {format_distance(error)}" + (" (camera position)" if kind == "camera" else "")
                # its top tile's centre: beside its own answer only (the track's Point is not about it)
                if prediction.tile_error_m is not None and (exported is None or exported.location == prediction.location):
                    truth += f" (tile centre {format_distance(prediction.tile_error_m)})"
            lines.append(truth)
        elif query.truth_note:  # the photo recorded a position that is not trustworthy: say why
            lines.append(f"Truth unknown: {query.truth_note}")
        else:
            lines.append("Truth unknown (no truth.csv entry or EXIF GPS)")
        from ..core.media.metadata import meta_summary  # late: keeps the window's import light

        summary = meta_summary(query.meta, clock_zone)
        if summary:
            lines.append(f"Photo  {summary}")
        if query.time_s is not None and (query.meta is None or query.meta.captured_at is None):
            from ..core.media.video_time import frame_time_words

            # a video frame's time as a photo's (its telemetry clock, else its clip's start + its time)
            lines.append(f"Frame  {frame_time_words(query, clock_zone)}")
        self.details.setText(keep_figures_together("\n".join(lines)))  # wraps between figures, never in one
        self.status_line.setText(self._status_words(prediction, exported, track_status))
        self._fit_height()  # the level's words may take another line: the photo and cards follow
        self._fit_query_image()
        self.updateGeometry()
        if prediction is not None:
            self._set_cards(len(prediction.matches))
            for card, m in zip(self.cards, prediction.matches):
                data = tile_thumbs.get(m.tile.id)
                hit = None if query.truth is None else m.tile.bounds.contains(query.truth)
                chosen = m.rank == 1 and prediction.status == STATUS_VERIFIED  # the tile verification chose
                card.set_match(m.rank, m.score, m.tile.id, self._pixmap(data, TILE_PX) if data else None, hit, m.inliers,
                               verified=chosen)
