"""Side panels: the backbone/device in use, the region adapter, the evaluation summary."""

from __future__ import annotations

import datetime as dt
import html
from pathlib import Path

from PySide6.QtCore import QRect, QSize, Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from ..core.model import MATCHER_CHOICES, Evaluation
from ..core.route import Route, route_label
from .jobs import AdapterInfo, BackboneInfo

BACKBONES = ["auto", "dinov2_vits14", "dinov2_vitb14", "dinov2_vitl14", "efficientnet_lite0"]
DEVICES = ["auto", "cpu", "cuda", "mps"]


class ButtonRows(QWidget):
    """Buttons side by side where the width holds them all, wrapped onto more rows where it does not
    (each button keeps its whole label: never narrower than its size hint). The Adapter panel's three
    buttons in one row asked 276 px of the side column and made the window's least width 1,015 px,
    wider than half a 1920 px screen (session 33); wrapped, the column asks only the widest button.

    Width and height in pixels; the height follows the width (heightForWidth)."""

    def __init__(self, buttons: list[QPushButton], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.buttons = list(buttons)
        for b in self.buttons:
            b.setParent(self)
        sp = self.sizePolicy()
        sp.setHeightForWidth(True)
        self.setSizePolicy(sp)

    def _spacing(self) -> int:
        return max(0, self.style().pixelMetric(self.style().PixelMetric.PM_LayoutHorizontalSpacing))

    def _rows(self, width: int) -> list[list[QPushButton]]:
        """The buttons in rows for `width` px: filled from the left, a new row where the next would not fit."""
        rows: list[list[QPushButton]] = [[]]
        used = 0
        for b in self._shown():
            w = b.sizeHint().width()
            if rows[-1] and used + self._spacing() + w > width:
                rows.append([])
                used = 0
            used += (self._spacing() if rows[-1] else 0) + w
            rows[-1].append(b)
        return rows

    def _shown(self) -> list[QPushButton]:
        return [b for b in self.buttons if not b.isHidden()]  # a hidden button takes no room

    def _row_height(self) -> int:
        return max((b.sizeHint().height() for b in self._shown()), default=0)

    def hasHeightForWidth(self) -> bool:  # noqa: N802 - Qt's name
        return True

    def heightForWidth(self, width: int) -> int:  # noqa: N802 - Qt's name
        n = len(self._rows(width)) if self._shown() else 0
        return max(0, n * self._row_height() + (n - 1) * self._spacing())

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt's name: all in one row
        shown = self._shown()
        width = sum(b.sizeHint().width() for b in shown) + self._spacing() * max(0, len(shown) - 1)
        return QSize(width, self._row_height())

    def minimumSizeHint(self) -> QSize:  # noqa: N802 - Qt's name: the widest button, the others below it
        return QSize(max((b.sizeHint().width() for b in self._shown()), default=0), self._row_height())

    def resizeEvent(self, event) -> None:  # noqa: N802 - Qt's name (this widget's own)
        super().resizeEvent(event)
        self._place()

    def _place(self) -> None:
        width, h, gap = self.width(), self._row_height(), self._spacing()
        for r, row in enumerate(self._rows(width)):
            hints = [b.sizeHint().width() for b in row]
            extra = max(0, width - sum(hints) - gap * (len(row) - 1))  # shared out evenly, as a row layout does
            x = 0
            for i, (b, hint) in enumerate(zip(row, hints)):
                w = hint + extra // len(row) + (1 if i < extra % len(row) else 0)
                b.setGeometry(QRect(x, r * (h + gap), w, h))
                x += w + gap


def _plain(text: str = "", wrap: bool = True) -> QLabel:
    label = QLabel(text)
    label.setTextFormat(Qt.TextFormat.PlainText)
    label.setWordWrap(wrap)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    return label


class BackbonePanel(QGroupBox):
    """Choose the frozen model and device; shows what actually runs (after any fallback)."""

    changed = Signal(str, object, str)  # backbone name, weights Path | None, device
    chooseWeights = Signal()
    matcherChanged = Signal(str)  # local-feature backend of verification, or "auto"
    mosaicChanged = Signal(bool)  # verify through 3x3 mosaics
    denseChanged = Signal(bool)  # dense search for photos that found nothing clear
    tonesChanged = Signal(bool)  # verification also matches reversed tones (thermal pictures)
    changedGroundChanged = Signal(bool)  # the photos show ground changed since the imagery (flood, fire)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Backbone", parent)
        form = QFormLayout(self)
        self.combo = QComboBox()
        self.combo.addItems(BACKBONES)
        self.combo.setEditable(True)  # timm:<name>, local-dir:..., a TorchScript path
        self.combo.setToolTip("auto = DINOv2 ViT-S/14 when its weights are found, else the offline EfficientNet-Lite0")
        self.device = QComboBox()
        self.device.addItems(DEVICES)
        self.matcher = QComboBox()
        self.matcher.addItems(list(MATCHER_CHOICES))
        self.matcher.setToolTip("Local features that verify candidate tiles: auto (chosen from the tiles: sift on sharp "
                                "imagery, xfeat through mosaics on coarse imagery), sift (fast, rotation invariant) or a "
                                "learned matcher (slower on a CPU; see the matcher table in docs/results.md)")
        self.matcher.currentTextChanged.connect(self.matcherChanged)
        self.mosaic = QCheckBox("Verify through mosaics")  # short: a longer text was cut off at 1440 px
        self.mosaic.setToolTip("For photos that see several tiles: verify each candidate tile with its 8 neighbours "
                               "as one 3x3 mosaic; auto on coarse tiles does this by itself")
        self.mosaic.toggled.connect(self.mosaicChanged)
        self.dense = QCheckBox("Dense search (slow)")
        self.dense.setToolTip("For tiles from another sensor or of coarse pixels: photos that matched no tile clearly get "
                              "their candidates ordered by how their ground's layout lines up with each one's. Several "
                              "CPU seconds for each such photo; answers stay 'tile level only' (see docs/results.md)")
        self.dense.toggled.connect(self.denseChanged)
        self.tones = QCheckBox("Reversed tones (thermal)")
        self.tones.setToolTip("For thermal pictures the app does not recognise as thermal (a grey JPEG without metadata, "
                              "a clip not named _T): verification also matches each photo's tones reversed (white-hot "
                              "against daylight). Photos recognised as thermal get this by themselves. About twice the "
                              "verification time (see docs/inputs.md: Thermal photos)")
        self.tones.toggled.connect(self.tonesChanged)
        self.changed_ground = QCheckBox("Ground changed since imagery")  # short: the panel is ~35 characters wide
        self.changed_ground.setToolTip("The photos were taken after a flood, fire or storm that changed the ground the "
                                       "imagery shows: confidences are those measured on such photos (lower where the usual "
                                       "ones claimed too much; see docs/outputs.md). As `locate --changed-ground`")
        self.changed_ground.toggled.connect(self.changedGroundChanged)
        self.route = _plain("")
        self.show_route(None, "auto")
        self.in_use = _plain("not loaded yet")
        self.dinov2 = _plain("…")
        self.weights_btn = QPushButton("Choose weights file…")
        self.weights_btn.clicked.connect(self.chooseWeights)
        self.weights = _plain("")
        self.apply_btn = QPushButton("Apply")
        self.apply_btn.clicked.connect(self._apply)
        # Always a way back: whatever was chosen (even weights that fail to load), one click restores
        # the default model (auto: DINOv2 when found, else the offline EfficientNet-Lite0).
        self.default_btn = QPushButton("Use Default")
        self.default_btn.setToolTip("Back to the default model and device (auto)")
        self.default_btn.clicked.connect(self.use_default)
        row = QHBoxLayout()  # the weights button has a row of its own: beside these it was cut to "oose weights file"
        row.addWidget(self.apply_btn)
        row.addWidget(self.default_btn)
        form.addRow("Model", self.combo)
        form.addRow("Device", self.device)
        form.addRow("Matcher", self.matcher)
        form.addRow(self.mosaic)
        form.addRow(self.dense)
        form.addRow(self.tones)
        form.addRow(self.changed_ground)
        form.addRow("Verifier", self.route)  # as short as the other labels: a wider one squeezed "In use"
        form.addRow("In use", self.in_use)
        form.addRow("DINOv2", self.dinov2)
        form.addRow("Weights", self.weights)
        form.addRow(self.weights_btn)
        form.addRow(row)
        self.weights_path: Path | None = None

    def set_choice(self, name: str, weights: str | None, device: str) -> None:
        self.combo.setCurrentText(name)
        self.device.setCurrentText(device)
        self.weights_path = Path(weights) if weights else None
        self.weights.setText(self.weights_path.name if self.weights_path else "(default)")

    def set_weights(self, path: Path | None) -> None:
        self.weights_path = path
        self.weights.setText(path.name if path else "(default)")

    def use_default(self) -> None:
        self.set_choice("auto", None, "auto")
        self._apply()

    def _apply(self) -> None:
        self.changed.emit(self.combo.currentText().strip() or "auto", self.weights_path, self.device.currentText())

    def show_route(self, route: Route | None, matcher: str) -> None:
        """The route the last verification used (core.route.Route), or, before one, what `matcher`
        will do: a few words (the panel's column holds ~35 characters), the sentence as the tooltip."""
        shown, sentence = route_label(route, matcher)
        self.route.setText(shown)
        self.route.setToolTip(sentence)

    def show_info(self, info: BackboneInfo) -> None:
        self.in_use.setText(f"{info.name} on {info.device.upper()}" + ("  (fallback)" if info.fallback_reason else ""))
        self.dinov2.setText(f"weights found: {info.dinov2_weights}" if info.dinov2_weights else "weights not found")
        self.in_use.setToolTip("")
        # a device this machine lacks is greyed out, its reason as the tooltip: choosing "mps" on Linux
        # used to end in an error bar after Apply
        model = self.device.model()
        for i in range(self.device.count()):
            why = info.missing_devices.get(self.device.itemText(i))
            model.item(i).setEnabled(why is None)
            self.device.setItemData(i, why, Qt.ItemDataRole.ToolTipRole)


class AdapterPanel(QGroupBox):
    """The region adapter: whether one is in use, its card, and Adapt / Reset / Delete."""

    adaptRequested = Signal()
    resetRequested = Signal()
    deleteRequested = Signal()
    reloadRequested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Region adapter", parent)
        layout = QVBoxLayout(self)
        self.adapt_btn = QPushButton("Adapt to this region")
        self.adapt_btn.setToolTip("Self-supervised: learns from this region's tiles and drone images, no labels (Ctrl+R)")
        self.adapt_btn.setMinimumHeight(32)
        self.adapt_btn.setStyleSheet("font-weight: 600;")
        self.adapt_btn.clicked.connect(self.adaptRequested)
        self.status = _plain("Open a tile set first.")
        self.card = _plain("")
        self.card.setStyleSheet("color: palette(placeholder-text);")
        self.use_btn = QPushButton("Use saved")
        self.use_btn.setToolTip("Use the adapter saved for this tile set")
        self.use_btn.clicked.connect(self.reloadRequested)
        self.reset_btn = QPushButton("Reset")
        self.reset_btn.setToolTip("Show results without the adapter (the saved file is kept)")
        self.reset_btn.clicked.connect(self.resetRequested)
        self.delete_btn = QPushButton("Delete")
        self.delete_btn.setToolTip("Delete the saved adapter of this tile set")
        self.delete_btn.clicked.connect(self.deleteRequested)
        # one row in a wide column (1440 x 900), two where the window is narrow (half a 1920 px screen)
        self.buttons = ButtonRows([self.use_btn, self.reset_btn, self.delete_btn])
        layout.addWidget(self.adapt_btn)
        layout.addWidget(self.status)
        layout.addWidget(self.card)
        layout.addWidget(self.buttons)
        self.show_info(None)

    def show_info(self, info: AdapterInfo | None) -> None:
        if info is None:
            self.status.setText("Open a tile set first.")
            self.card.setText("")
        elif info.error:
            self.status.setText(info.trouble or f"Saved adapter could not be used: {info.error}")
            self.card.setText(str(info.path))
        elif info.active:
            self.status.setText("In use for these results.")
        elif info.exists:
            self.status.setText("Saved for this tile set, not in use.")
        else:
            self.status.setText("None yet: results use the frozen backbone.")
        if info is not None and not info.error:
            self.card.setText(describe_card(info) if (info.exists or info.active) else "")
        self.card.setToolTip(html.escape(str(info.path)) if info is not None else "")
        self.status.setToolTip(html.escape(info.error) if info is not None and info.error else "")
        self.use_btn.setEnabled(bool(info and info.exists and not info.active))
        self.reset_btn.setEnabled(bool(info and info.active))
        self.delete_btn.setEnabled(bool(info and info.exists))

    def set_busy(self, busy: bool) -> None:
        self.adapt_btn.setEnabled(not busy)


def describe_card(info: AdapterInfo) -> str:
    c = info.card
    parts = []
    if c.get("mode"):
        parts.append(f"mode {c['mode']}")
    if c.get("steps") is not None:
        parts.append(f"{c['steps']} steps")
    if c.get("n_queries") is not None:
        parts.append(f"{c['n_queries']} images")
    geometry = c.get("geometry")
    if isinstance(geometry, dict) and geometry.get("used"):
        placed = int(geometry.get("direct", 0)) + int(geometry.get("chained", 0))
        parts.append(f"{placed} placed by geometry")
    quality = c.get("quality") if c.get("quality") is not None else c.get("quality_signal")
    if isinstance(quality, (int, float)):
        parts.append(f"quality {quality:.2f}")
    created = c.get("created_unix")
    if isinstance(created, (int, float)):
        parts.append(dt.datetime.fromtimestamp(created).strftime("%Y-%m-%d %H:%M"))
    return " · ".join(parts)


class EvaluationPanel(QGroupBox):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Evaluation", parent)
        layout = QVBoxLayout(self)
        self.label = _plain("No truth known yet.")
        layout.addWidget(self.label)

    def show_evaluation(self, ev: Evaluation | None, n_located: int, adapted: bool,
                        frozen: Evaluation | None = None, n_far: int = 0, placed: str | None = None) -> None:
        """`n_far`: photos whose truth lies far outside the tiles, not scored; `placed`: how the photos
        were placed (wording.placed_summary); see core.evaluate.panel_text."""
        from ..core.evaluate import panel_text

        self.label.setText(panel_text(ev, n_located, adapted=adapted, frozen=frozen, n_far=n_far, placed=placed))
