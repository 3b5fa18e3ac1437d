"""The main window's three columns (photo list, map over Results, side panels): the map gets the room.
The same rule shares the centre's height between the map and the Results pane below it (shortmap34).

At a small laptop's size (911 x 562, the window's least) the map was 265 px wide beside a 376 px list and
a 250 px side column, and a window made wider again or a pane layout saved on a larger screen kept
whatever the panes had. Here the splitter shares its width by one rule each time the window's size
changes: each side pane gets the width it wants (its first width, or the width the user dragged it to),
and when that leaves the map less than MAP_SHARE of the width, the side column and then the list give
up width, each down to its least (the list hides its Conf. and Error columns to get there,
query_list.QueryList). Growing the window gives the panes back their wanted widths first; the rest goes
to the map.

A window narrower than every pane's least (hidpi35): the side column gives way whole (`collapse`), so the
window's least width is the list's and the centre's. At 200 % scaling a 1366 x 768 screen is 683 x 384
logical pixels, and the window could not be narrower than 785 (1,030 with a 14 pt font): its side column
was off the screen's edge. A wider window gives the column back at its wanted width.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QByteArray, QSize, Qt, Signal
from PySide6.QtWidgets import QSplitter, QWidget

MAP_SHARE = 0.5  # of the splitter's width, before the side panes keep more than their least
# of the centre's height (the map over the Results pane), before the Results pane keeps more than its least:
# at 911 x 562 the map was 160 of 470 px (0.34) under a pane that could not be shorter than 306 px (shortmap34).
# 0.6 (session 34): at 1440 x 900 under the first run's message bar, 0.5 left the map 26 px shorter than the
# session-33 split (520 : 350) and the demo's imagery one zoom step smaller (tests/test_gui_app.py's screenshot)
MAP_HEIGHT_SHARE = 0.6


def share_widths(total: int, wanted: Sequence[int], least: Sequence[int], *, grow: int = 1,
                 give_order: Sequence[int] = (2, 0), share: float = MAP_SHARE,
                 collapse: Sequence[int] = ()) -> list[int]:
    """Widths in px for the panes of a splitter `total` px wide (its handles aside).

    wanted, least: each pane's wanted and least width in px (same length); the `grow` pane's wanted
    width is ignored: it gets what the others leave. When that is less than `share` x total (or its
    least), the panes of `give_order` give width, in that order, each down to its least. The result
    sums to `total` when the leasts allow it (a pane is never below its least; the grow pane may be, when
    the splitter itself is narrower than the leasts, as Qt would then cut it anyway). Where even then the
    grow pane is below its least, the panes of `collapse` give all their width (0 px), in that order,
    until it is not. Raises ValueError when wanted and least differ in length or grow, or a pane of
    give_order or collapse, is not one of their indices."""
    if (len(wanted) != len(least) or not 0 <= grow < len(wanted)
            or any(not 0 <= i < len(wanted) for i in (*give_order, *collapse))):
        raise ValueError(f"share_widths: {len(wanted)} wanted, {len(least)} least widths, grow pane {grow}, "
                         f"give order {tuple(give_order)}, collapse {tuple(collapse)}")
    sizes = [max(int(w), int(m)) for w, m in zip(wanted, least)]
    sizes[grow] = 0
    want = max(int(least[grow]), int(round(share * total)))
    room = total - sum(sizes)
    for i in give_order:
        if i == grow or room >= want:
            continue
        give = min(sizes[i] - int(least[i]), want - room)
        if give > 0:
            sizes[i] -= give
            room += give
    for i in collapse:
        if i == grow or room >= int(least[grow]):
            continue
        room += sizes[i]
        sizes[i] = 0
    sizes[grow] = room
    return sizes


class MapFirstSplitter(QSplitter):
    """A QSplitter whose sizes follow share_widths at each resize: the map pane (`grow`) gets at least
    `share` of the splitter's length (MAP_SHARE of the width by default) whenever the other panes can
    shrink to their least. A pane the user drags (or a restored state) sets that pane's wanted size; a
    collapsed pane stays collapsed. Horizontal: the window's three columns; vertical (shortmap34): the
    map over the Results pane, the lengths then being heights. The panes of `collapse` give way whole
    where the splitter cannot hold every pane's least (share_widths); its least length (minimumSizeHint)
    leaves them out, so that the window may be that narrow (hidpi35). A pane hidden (QWidget.hide: the
    View menu's switches, viewmenu35) takes no width and keeps the width it wants for when it is shown;
    `shared` is emitted after each share, `given_way` then saying which panes are folded for want of room."""

    shared = Signal()

    def __init__(self, grow: int = 1, give_order: Sequence[int] = (2, 0), parent: QWidget | None = None, *,
                 orientation: Qt.Orientation = Qt.Orientation.Horizontal, share: float = MAP_SHARE,
                 collapse: Sequence[int] = ()) -> None:
        super().__init__(orientation, parent)
        self.grow = grow
        self.give_order = tuple(give_order)
        self.collapse = tuple(collapse)
        self.map_share = share
        self.wanted: list[int] = []
        self.given_way: set[int] = set()  # panes of `collapse` at 0 px for want of room, not by the user
        self.splitterMoved.connect(lambda *_: self._remember())

    def setSizes(self, sizes: Sequence[int]) -> None:  # noqa: N802 - Qt's name
        """Qt's setSizes; the sizes given are the panes' wanted widths from now on."""
        super().setSizes(list(sizes))
        self.wanted = [int(s) for s in sizes]
        if self.isVisible():
            self.share()

    def restoreState(self, state: QByteArray) -> bool:  # noqa: N802 - Qt's name
        """Qt's restoreState; the restored widths are wanted, the map's share kept (a layout saved on a
        wider screen no longer squeezes the map on a narrow one); a `collapse` pane saved folded keeps the
        width it wanted before."""
        before = list(self.wanted)
        ok = super().restoreState(state)
        if ok:
            self.wanted = list(self.sizes())
            # a pane hidden (the View menu) was saved at 0 px: it keeps the width it wanted before (viewmenu35)
            for i, w in enumerate(self.wanted):
                if w == 0 and i < len(before) and before[i] > 0 and self.widget(i).isHidden():
                    self.wanted[i] = before[i]
            # a pane of `collapse` saved at 0 px had given way to a narrow window (hidpi35): it keeps the
            # width it wanted before, and comes back where there is room (a column folded by hand comes back too)
            for i in self.collapse:
                if i < len(self.wanted) and self.wanted[i] == 0 and i < len(before) and before[i] > 0:
                    self.wanted[i] = before[i]
            if self.isVisible():
                self.share()
        return ok

    def _remember(self) -> None:
        sizes = list(self.sizes())
        for i in range(len(sizes)):  # a pane that gave way for want of room, or is hidden, keeps the width it wants
            if (i in self.given_way or self.widget(i).isHidden()) and i < len(self.wanted) and sizes[i] == 0:
                sizes[i] = self.wanted[i]
        self.wanted = sizes

    def minimumSizeHint(self) -> QSize:  # noqa: N802 - Qt's name
        """Qt's least size, along the splitter only the panes that do not give way whole (`collapse`)
        and the handles: px."""
        hint = super().minimumSizeHint()
        if not self.collapse or self.count() == 0:
            return hint
        least = self.least_widths()
        along = sum(m for i, m in enumerate(least) if i not in self.collapse) + self.handleWidth() * (self.count() - 1)
        if self.orientation() == Qt.Orientation.Horizontal:
            hint.setWidth(min(hint.width(), along))
        else:
            hint.setHeight(min(hint.height(), along))
        return hint

    def least_widths(self, *, hidden_too: bool = False) -> list[int]:
        """Each pane's least length in px along the splitter (its minimum width or hint, height for a
        vertical splitter; 0 for a collapsed pane, and for a hidden one unless `hidden_too`)."""
        out = []
        across = self.orientation() == Qt.Orientation.Horizontal
        for i in range(self.count()):
            w = self.widget(i)
            collapsed = i < len(self.wanted) and self.wanted[i] == 0 and i != self.grow
            least = (max(w.minimumWidth(), w.minimumSizeHint().width()) if across
                     else max(w.minimumHeight(), w.minimumSizeHint().height()))
            out.append(0 if collapsed or (w.isHidden() and not hidden_too) else least)
        return out

    def holds_all(self) -> bool:
        """Whether the splitter's present length holds every pane's least, the hidden ones too (and
        their handles), so that no pane of `collapse` would give way were they all shown."""
        shown = sum(1 for i in range(self.count()) if not self.widget(i).isHidden())
        total = sum(self.sizes()) + self.handleWidth() * max(0, shown - 1)
        least = self.least_widths(hidden_too=True)
        return total >= sum(least) + self.handleWidth() * (self.count() - 1)

    def share(self) -> None:
        """Apply share_widths to the splitter's present width."""
        if len(self.wanted) != self.count():
            return
        total = sum(self.sizes())
        if total <= 0:
            return
        least = self.least_widths()
        # a hidden pane wants no width now; self.wanted keeps what it wants when shown again
        wanted = [0 if self.widget(i).isHidden() and i != self.grow else w for i, w in enumerate(self.wanted)]
        sizes = share_widths(total, wanted, least, grow=self.grow, give_order=self.give_order,
                             share=self.map_share, collapse=self.collapse)
        self.given_way = {i for i in self.collapse if sizes[i] == 0 and least[i] > 0}
        if sizes != self.sizes():
            QSplitter.setSizes(self, sizes)
        self.shared.emit()

    def resizeEvent(self, event) -> None:  # noqa: N802 - Qt's name
        super().resizeEvent(event)
        self.share()
