"""The window's panes for the keyboard: F6 and Shift+F6 move the focus to the next or previous pane
(the photo list, the map, the result, the side panels), as in desktop apps and browsers, where F6
is the "next pane" key; Tab moves inside and across them.

Why both: the map is a web page whose every marker, zoom and draw button is a Tab stop (118 for the
demo's 108 photos), so Tab alone is a long way from the list to the side panels. And Tab out of the
map must go on to the result rather than wrap to the list: QtWebEngine makes the map's focus widget
when the page first renders, and Qt puts a new widget last in the window's focus chain (session 17,
newuser_session17.md). `place_in_tab_order` moves it to its pane's place with Qt's own
QWidget.setTabOrder: no override of focusNextPrevChild (one, reverted in session 17, made closing
the window after Tab into the map crash 6 runs in 16).
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QWidget

CHAIN_LIMIT = 10_000  # a focus chain is a ring; bounded in case it is not


def takes_tab(w: QWidget) -> bool:
    """Whether Tab may stop on `w`: shown, enabled, Tab focus, and no focus proxy (a widget with one
    hands its focus on: Qt's own Tab skips it too)."""
    return (w.isVisible() and w.isEnabled() and bool(w.focusPolicy() & Qt.FocusPolicy.TabFocus)
            and w.focusProxy() is None)


def first_stop(pane: QWidget) -> QWidget | None:
    """The first widget in `pane` (itself or inside it) that Tab stops on, in the window's focus
    chain; the pane's deepest focus proxy when the pane has one (the map's web page); None when
    nothing in it takes focus (every button disabled)."""
    proxy = pane.focusProxy()
    while proxy is not None and proxy.focusProxy() is not None:
        proxy = proxy.focusProxy()
    if proxy is not None:
        return proxy if proxy.isVisible() and proxy.isEnabled() else None
    w = pane
    for _ in range(CHAIN_LIMIT):
        if (w is pane or pane.isAncestorOf(w)) and takes_tab(w):
            return w
        w = w.nextInFocusChain()
        if w is pane:
            return None
    return None


def pane_of(panes: Sequence[QWidget], widget: QWidget | None) -> int | None:
    """The index of the pane that is or holds `widget`; None for a widget outside them all."""
    for i, pane in enumerate(panes):
        if widget is not None and (widget is pane or pane.isAncestorOf(widget)):
            return i
    return None


def move_to_pane(panes: Sequence[QWidget], forward: bool) -> QWidget | None:
    """Focus the next (`forward`) or previous pane after the one holding the focus that has a Tab
    stop (panes with none, hidden or all disabled, are passed over), wrapping around; from outside
    every pane (the toolbar, nothing) the first or the last pane. Returns the widget focused, or None
    when no pane takes focus."""
    current = pane_of(panes, QApplication.focusWidget())
    n = len(panes)
    if current is None:
        current = -1 if forward else n
    step = 1 if forward else -1
    for k in range(1, n + 1):
        target = first_stop(panes[(current + step * k) % n])
        if target is not None:
            reason = Qt.FocusReason.TabFocusReason if forward else Qt.FocusReason.BacktabFocusReason
            target.setFocus(reason)
            return target
    return None


def place_in_tab_order(before: QWidget, pane: QWidget) -> None:
    """Put `pane`'s focus widget (its deepest focus proxy: the map's render widget) right after
    `before` in the window's focus chain, so Tab goes `before` -> the pane -> what follows the pane.
    Nothing is done while the pane has no focus proxy yet."""
    proxy = pane.focusProxy()
    while proxy is not None and proxy.focusProxy() is not None:
        proxy = proxy.focusProxy()
    if proxy is not None and proxy.window() is before.window():
        QWidget.setTabOrder(before, proxy)
