"""The app driven as a volunteer drives it (appuser32_session32.md): what a step shows must be true."""

from __future__ import annotations

import pytest

pytest.importorskip("pytestqt")
pytest.importorskip("PySide6.QtCore")

from geolocator.gui.settings import AppSettings  # noqa: E402

from .helpers import app_window  # noqa: E402


def _busy(monkeypatch, w, state: dict) -> None:
    monkeypatch.setattr(type(w.runner), "busy", property(lambda self: state["now"]))


def test_the_reversed_tones_box_waits_while_a_job_runs(qtbot, tmp_path, monkeypatch):
    """Ticking "Reversed tones (thermal)" during a Locate changed the verifier's tones under the running
    job (half the photos checked one way, half the other); like the mosaic, dense-search and changed-ground
    boxes it waits for the job to end."""
    w = app_window(qtbot, tmp_path, AppSettings(demo_shown=True))
    state = {"now": True}
    _busy(monkeypatch, w, state)
    w._refresh_actions()
    assert not w.backbone_panel.tones.isEnabled()
    state["now"] = False
    w._refresh_actions()
    assert w.backbone_panel.tones.isEnabled()


def test_remove_in_the_clock_zone_dialog_waits_for_a_selected_folder(qtbot, tmp_path):
    """File → Clock Zone…: Remove was enabled over an empty folder table (pressing it did nothing); it is
    enabled once a folder's row is selected and disabled again when that row is gone."""
    from PySide6.QtCore import QItemSelectionModel

    from geolocator.gui.clock_zone import ClockZoneDialog

    w = app_window(qtbot, tmp_path, AppSettings(demo_shown=True))
    d = ClockZoneDialog(w, "", {})
    assert not d.remove_button.isEnabled()
    d.add_folder(str(tmp_path / "cardB"), "+09:00")
    assert not d.remove_button.isEnabled()  # a row, but none selected
    # selected through the selection model: selectRow reads the keyboard modifiers an earlier test may have left
    d.table.selectionModel().select(d.table.model().index(0, 0), QItemSelectionModel.SelectionFlag.ClearAndSelect
                                    | QItemSelectionModel.SelectionFlag.Rows)
    assert d.remove_button.isEnabled()
    d.remove_button.click()
    assert d.table.rowCount() == 0 and not d.remove_button.isEnabled()
    d.deleteLater()


def test_a_device_this_machine_lacks_is_greyed_out_with_its_reason(qtbot, monkeypatch):
    """Settings → Device offered "mps" on Linux (and "cuda" without CUDA): choosing it and pressing Apply
    ended in an error bar. The loaded backbone's info says which devices are missing (core.backbones.
    resolve_device's sentence) and the Backbone panel greys those out, the sentence as their tooltip."""
    import torch
    from PySide6.QtCore import Qt

    from geolocator.gui.jobs import BackboneInfo, missing_devices
    from geolocator.gui.side_panels import BackbonePanel

    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setattr(torch.backends.mps, "is_available", lambda: False)
    missing = missing_devices(("cuda", "mps"))
    assert list(missing) == ["mps"] and "Apple MPS is not available here" in missing["mps"]

    panel = BackbonePanel()
    qtbot.addWidget(panel)
    panel.show_info(BackboneInfo("efficientnet_lite0", "cpu", None, None, None, missing))
    items = {panel.device.itemText(i): i for i in range(panel.device.count())}
    model = panel.device.model()
    assert not model.item(items["mps"]).isEnabled()
    assert panel.device.itemData(items["mps"], Qt.ItemDataRole.ToolTipRole) == missing["mps"]
    assert all(model.item(items[d]).isEnabled() for d in ("auto", "cpu", "cuda"))
    # a later load where it is found (another info) enables it again
    panel.show_info(BackboneInfo("efficientnet_lite0", "cpu", None, None, None, {}))
    assert model.item(items["mps"]).isEnabled()


def test_the_results_pane_s_hint_is_never_cut_in_the_middle(qtbot):
    """A window re-opened at its smallest (1015 px) showed "Select …e image" over the empty Results pane:
    the title cuts photo names in the middle, and cut the hint sentence too. The hint is in the
    details, wrapped between words; a photo's name in the title is still cut in the middle."""
    from PySide6.QtWidgets import QLabel

    from geolocator.gui.results_panel import ResultsPanel

    panel = ResultsPanel()
    qtbot.addWidget(panel)
    panel.resize(330, 300)
    panel.show()
    qtbot.waitExposed(panel)
    shown = [QLabel.text(panel.title), panel.details.text()]
    assert "…" not in " ".join(shown) and shown[0] == panel.title.text() and shown[1] == "In the list or on the map."
    long_name = "flights/2026-12-04_search_area_north/DJI_20261204172003_0042_W.JPG"
    panel.title.setText(long_name)
    assert "…" in QLabel.text(panel.title) and panel.title.text() == long_name
