"""The View menu's pane switches (viewmenu35): the photo list, the side column and each of its panels.

A window narrower than the three panes' leasts folds the side column away (hidpi35,
pane_widths.MapFirstSplitter's `collapse`): at 200 % scaling on a 1366 x 768 laptop (683 x 384 logical
px) the Region adapter, Evaluation and Backbone panels could not be reached at all. Here each pane has a
checkable View-menu item with a shortcut, checked while the pane is on the screen. Asking for the side
column (or one of its panels) where it is folded for want of room makes the column take the photo list's
place: the list is hidden until the window holds all three again (then it comes back by itself) or the
user asks for it (Ctrl+1), which folds the column again. Showing a panel scrolls the column to it and puts
the keyboard focus on its first control.

The switches' state (which panes are hidden, and whether the list gave way to the column) is saved and
restored with the window's layout (MainWindow's QSettings, `window/view`), beside the splitter state.
"""

from __future__ import annotations

import json
from collections.abc import Mapping

from PySide6.QtCore import QObject, Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QMenu, QScrollArea, QWidget

from .pane_widths import MapFirstSplitter
from .panes import first_stop

LIST_KEY = "Ctrl+1"
SIDE_KEY = "Ctrl+2"
PANEL_KEYS = ("Ctrl+3", "Ctrl+4", "Ctrl+5")  # the side column's panels, top to bottom


class PaneSwitches(QObject):
    """The View menu's checkable pane items over a three-pane MapFirstSplitter (list, map, side column).

    splitter: its pane 0 is `list_pane`, its last pane `side` (a QScrollArea holding the panels);
    panels: title -> panel widget inside `side`, in the column's order (at most len(PANEL_KEYS))."""

    def __init__(self, parent: QWidget, splitter: MapFirstSplitter, list_pane: QWidget, side: QScrollArea,
                 panels: Mapping[str, QWidget]) -> None:
        super().__init__(parent)
        self.splitter, self.list_pane, self.side = splitter, list_pane, side
        self.side_index = splitter.indexOf(side)
        self.panels = dict(panels)
        self.list_gave_way = False  # the list hidden to make room for the side column, not by the user
        self._busy = False

        def action(text: str, key: str, tip: str, slot) -> QAction:
            act = QAction(text, parent)
            act.setCheckable(True)
            act.setShortcut(QKeySequence(key))
            act.setStatusTip(tip)
            act.triggered.connect(slot)
            return act

        self.act_list = action("Photo List", LIST_KEY, "Show or hide the list of photos", self.set_list)
        self.act_side = action("Side Panels", SIDE_KEY, "Show or hide the side column (Region adapter, "
                               "Evaluation, Backbone); in a narrow window it takes the photo list's place",
                               self.set_side)
        self.act_panels = {title: action(title, key, f"Show or hide the {title} panel",
                                         lambda on, t=title: self.set_panel(t, on))
                           for (title, _), key in zip(self.panels.items(), PANEL_KEYS)}
        splitter.shared.connect(self._after_share)
        self.sync()

    def add_to(self, menu: QMenu) -> None:
        """Put the switches into `menu` (the View menu)."""
        menu.addAction(self.act_list)
        menu.addAction(self.act_side)
        for act in self.act_panels.values():
            menu.addAction(act)

    # -- what is on the screen ----------------------------------------------------------------------
    def side_on_screen(self) -> bool:
        """Whether the side column is shown and not folded away for want of room."""
        return not self.side.isHidden() and self.side_index not in self.splitter.given_way

    def sync(self) -> None:
        """Check each item whose pane is on the screen."""
        self.act_list.setChecked(not self.list_pane.isHidden())
        on = self.side_on_screen()
        self.act_side.setChecked(on)
        for title, act in self.act_panels.items():
            act.setChecked(on and not self.panels[title].isHidden())

    # -- the switches -------------------------------------------------------------------------------
    def set_list(self, on: bool) -> None:
        """Show or hide the photo list; shown where the window cannot hold all three panes, the side
        column folds away again (the list takes its place back)."""
        self.list_gave_way = False
        self.list_pane.setVisible(on)
        self._share()

    def set_side(self, on: bool) -> None:
        """Show the side column (every panel, when none was shown), in the list's place where there is no
        room beside it; or hide it (the list back, when it had given way)."""
        if on:
            if all(p.isHidden() for p in self.panels.values()):
                for p in self.panels.values():
                    p.show()
            self._show_side()
        else:
            self._hide_side()

    def set_panel(self, title: str, on: bool) -> None:
        """Show the panel `title` (the side column too, as set_side) scrolled into view with the focus on
        its first control; or hide it (the column too when it was the last one shown). A panel shown but
        scrolled (mostly) out of the column's sight is brought into sight rather than hidden: at 683 x 384,
        Ctrl+3 then Ctrl+5 showed the Region adapter, then hid the Backbone panel below it."""
        panel = self.panels[title]
        if not on and not self._seen(panel):  # shown but scrolled out of sight: the item brings it into sight
            self.act_panels[title].setChecked(True)
            on = True
        if on:
            panel.show()
            self._show_side()
            target = first_stop(panel)
            if target is not None:
                target.setFocus(Qt.FocusReason.ShortcutFocusReason)
            inner = self.side.widget()
            if inner is not None and inner.layout() is not None:
                inner.layout().activate()  # the panel's place in the column now, not before it was shown
            self.side.verticalScrollBar().setValue(panel.y())  # its top at the column's top (a tall one scrolls on)
        else:
            panel.hide()
            if all(p.isHidden() for p in self.panels.values()):
                self._hide_side()
            else:
                self.sync()

    def _seen(self, panel: QWidget) -> bool:
        """Whether `panel` is on the screen: the column shown, and the panel's top in the column's sight
        with at least half of what of it the sight can hold."""
        if not self.side_on_screen() or panel.isHidden():
            return False
        view = self.side.viewport()
        top = panel.mapTo(view, panel.rect().topLeft()).y()
        shown = min(view.height(), top + panel.height()) - max(0, top)
        return 0 <= top < view.height() and 2 * shown >= min(panel.height(), view.height())

    def _show_side(self) -> None:
        self.side.show()
        self._share()
        if self.side_index in self.splitter.given_way and not self.list_pane.isHidden():
            self.list_pane.hide()  # no room beside the list: the column takes its place
            self.list_gave_way = True
            self._share()

    def _hide_side(self) -> None:
        self.side.hide()
        if self.list_gave_way:
            self.list_gave_way = False
            self.list_pane.show()
        self._share()

    def _share(self) -> None:
        self.splitter.share()
        self.sync()

    def _after_share(self) -> None:
        """After each share (a resize): the list that gave way comes back where all three panes fit."""
        if self._busy:
            return
        self._busy = True
        try:
            if self.list_gave_way and self.splitter.holds_all():
                self.list_gave_way = False
                self.list_pane.show()
                self.splitter.share()
            inner = self.side.widget()
            folded = self.side_index in self.splitter.given_way
            if inner is not None and inner.isHidden() != folded:
                inner.setVisible(not folded)  # folded to 0 px, Qt still counted its buttons visible: Tab went there
            self.sync()
        finally:
            self._busy = False

    def reset(self) -> None:
        """Every pane and panel shown (the first layout; `--screenshot` starts from it, whatever the
        last session hid)."""
        for p in (*self.panels.values(), self.side, self.list_pane):
            p.show()
        self.list_gave_way = False
        self._share()

    # -- saved with the layout ----------------------------------------------------------------------
    def state(self) -> str:
        """The switches' state as JSON: the hidden panes (list, side column, panels by title) and whether
        the list gave way to the column."""
        return json.dumps({"list": not self.list_pane.isHidden(), "side": not self.side.isHidden(),
                           "hidden_panels": [t for t, p in self.panels.items() if p.isHidden()],
                           "list_gave_way": self.list_gave_way})

    def restore(self, state) -> bool:
        """Apply a state() string (before the splitter's own state is restored; a column whose panels are
        all hidden is hidden too); anything else is ignored. Returns whether it was applied."""
        try:
            d = json.loads(state) if isinstance(state, str) else None
        except ValueError:
            d = None
        if not isinstance(d, dict):
            return False
        hidden = {t for t in d.get("hidden_panels", []) if t in self.panels} if isinstance(
            d.get("hidden_panels"), list) else set()
        for t, p in self.panels.items():
            p.setVisible(t not in hidden)
        if len(hidden) == len(self.panels):
            d["side"] = False
        self.side.setVisible(bool(d.get("side", True)))
        self.list_pane.setVisible(bool(d.get("list", True)))
        self.list_gave_way = bool(d.get("list_gave_way", False)) and self.list_pane.isHidden()
        self.sync()
        return True
