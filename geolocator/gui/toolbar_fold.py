"""The main window's toolbar folds away on a screen too short for the window (session 36, newuserapp36).

At 200 % a 1366 x 768 laptop is 683 x 384 logical px, a window manager's title bar and borders leave about
344 (screen_fit.room), and the window could not be shorter than 352 px, 390 with the message bar the first
run shows ("Using the offline EfficientNet-Lite0 model…"): its status bar and the foot of the Results pane
were below the screen's edge, even full-screen (session 35 left it). The toolbar (39 px) holds only what the
menus hold, each with its shortcut (Open Drone Images Ctrl+O, Open Tile Set Ctrl+Shift+O, Adapt Ctrl+R,
Cancel Esc, also on the progress bar, Export Ctrl+E): where the window's least height with it is taller than
the screen's room, it is hidden, and shown again where the room holds it. A toolbar the person hid (its
context menu) stays hidden."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QEvent, QObject, Qt, QTimer
from PySide6.QtWidgets import QMainWindow, QToolBar, QWidget

from .screen_fit import room


class ToolbarFold(QObject):
    """Folds `toolbar` of `window` where room(window).height() is below the window's least height
    (minimumSizeHint, logical px), looked at when the window is shown or laid out again and when a widget
    of `watch` (the message bar) is shown or hidden; `folded` says whether it is folded now."""

    def __init__(self, window: QMainWindow, toolbar: QToolBar, watch: Sequence[QWidget] = ()) -> None:
        super().__init__(window)
        self.window = window
        self.toolbar = toolbar
        self.folded = False
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(0)
        self._timer.timeout.connect(self.refit)
        window.installEventFilter(self)
        for w in watch:
            w.installEventFilter(self)

    def eventFilter(self, watched, event) -> bool:  # noqa: N802 - Qt's name
        if event.type() in (QEvent.Type.Show, QEvent.Type.Hide, QEvent.Type.LayoutRequest):
            # after the event: the window's layout has then taken in what changed (its least size); the
            # timer is this object's, so it goes with the window
            self._timer.start()
        return False

    def refit(self) -> None:
        """Fold or unfold the toolbar for the room the window's screen has now."""
        if not self.window.isVisible() or (self.toolbar.isHidden() and not self.folded):
            return  # not shown yet, or hidden by the person: theirs
        height = room(self.window).height()
        least = self.window.minimumSizeHint().height()
        if not self.folded and least > height:
            self.folded = True
            self.toolbar.hide()
        elif self.folded and least + self.toolbar.sizeHint().height() <= height:
            self.folded = False
            self.toolbar.show()
        # a folded window left taller than the room (not maximized: the window manager sizes that one) is
        # brought inside it, as far as its least allows (measured once the layout has taken the fold in)
        states = Qt.WindowState.WindowMaximized | Qt.WindowState.WindowFullScreen
        if self.folded and self.window.height() > height and not self.window.windowState() & states:
            self.window.resize(self.window.width(), max(height, least))
