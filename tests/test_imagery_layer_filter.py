"""The imagery dialog's WMTS Layer list, session 28 (mend28): a national service lists hundreds of
layers, so a word typed beside the list narrows it (the identifier or the title holds it, case
ignored: core/sources/wmts.layers_matching, the same as `fetch-tiles --list-layers --layer WORD`);
the default file name is the layer's identifier, not the provider's name cut short; "Check every
stored tile" is off while nothing can be planned. Documents written by tests/test_wmts.py's helpers,
read from a file (no network)."""

from __future__ import annotations

import pytest

pytest.importorskip("pytestqt")
pytest.importorskip("PySide6.QtCore")

from geolocator.cli import main  # noqa: E402
from geolocator.core.sources.wmts import layers_matching, read_service  # noqa: E402
from geolocator.gui.imagery_dialog import URL_CHOICE  # noqa: E402

from .test_imagery_dialog import photos, tiles  # noqa: E402, F401 - the same demo pyramid and photos
from .test_imagery_wmts import _dialog, _read, dialogs  # noqa: E402, F401
from .test_wmts import capabilities, layer, mercator_set, rd_set  # noqa: E402

NAMES = [f"ch.swisstopo.layer-{i:02d}" for i in range(40)] + [
    "ch.swisstopo.swissimage", "ch.swisstopo.swissimage-product", "ch.bafu.orthofoto", "rd.swissimage-grid"]


def _doc(provider: str = "Demo Kadaster") -> bytes:
    lyrs = [layer(n, ["EPSG:28992"] if n.startswith("rd.") else ["EPSG:3857"],
                  rest=f"https://w.test/{n}/{{TileMatrix}}/{{TileCol}}/{{TileRow}}.jpeg") for n in NAMES]
    # a second style on the swissimage layer: a style chosen must survive the list narrowing
    lyrs[40] = lyrs[40].replace("</Style>", "</Style><Style><ows:Identifier>infrared</ows:Identifier></Style>")
    return capabilities(lyrs, [mercator_set(), rd_set()]).replace(b"Demo Kadaster", provider.encode())


def _listed(d) -> list[str]:
    return [d.layer.itemData(i) for i in range(d.layer.count())]


def test_layers_matching_holds_the_word_in_the_identifier_or_the_title_case_ignored(tmp_path):
    service = read_service(_doc(), "caps.xml")
    assert [i.identifier for i in layers_matching(service.layers, " SwissImage ")] == [
        "ch.swisstopo.swissimage", "ch.swisstopo.swissimage-product", "rd.swissimage-grid"]
    # the title ("Aerial ch.bafu.orthofoto") counts: "aerial ch.bafu" is in no identifier
    assert [i.identifier for i in layers_matching(service.layers, "aerial ch.bafu")] == ["ch.bafu.orthofoto"]
    assert layers_matching(service.layers, "") == list(service.layers)
    assert layers_matching(service.layers, None) == list(service.layers)
    assert layers_matching(service.layers, "nowhere") == []


def test_typing_a_word_narrows_the_layer_list_as_the_cli_lists_it(qtbot, tmp_path, photos, dialogs, capsys):
    (tmp_path / "caps.xml").write_bytes(_doc())
    d = _dialog(qtbot, tmp_path, photos, dialogs)
    _read(qtbot, d, str(tmp_path / "caps.xml"))
    assert d.layer.count() == len(NAMES) and d.layer_filter.isVisible() is d.layer.isVisible()
    d.layer_filter.setText("SwissImage")
    assert main(["fetch-tiles", "--wmts", str(tmp_path / "caps.xml"), "--list-layers", "--layer", "SwissImage"]) == 0
    cli = [line.split()[0] for line in capsys.readouterr().out.splitlines()[1:]]
    assert _listed(d) == cli == ["ch.swisstopo.swissimage", "ch.swisstopo.swissimage-product", "rd.swissimage-grid"]
    assert d.layer.model().item(2).isEnabled()  # the national-grid one is offered too (grid28, session 28)
    assert d.layer.currentData() == "ch.swisstopo.swissimage" and d.fetch_button.isEnabled()
    assert "The filter 'SwissImage' lists 3 of them." in d.wmts_status.text()
    # a style chosen stays while its layer is still listed
    d.style.setCurrentText("infrared")
    d.layer_filter.setText("swissimage")
    assert d.layer.currentData() == "ch.swisstopo.swissimage" and d.style.currentText() == "infrared"
    # a word no layer holds: an empty list, Fetch off, and the dialog says why
    d.layer_filter.setText("nowhere")
    assert d.layer.count() == 0 and not d.fetch_button.isEnabled()
    assert "clear the filter to list all 44" in d.wmts_status.text()
    assert "matches the filter 'nowhere'" in d.estimate.text()
    d.layer_filter.clear()  # all of them again, the first usable chosen
    assert d.layer.count() == len(NAMES) and d.layer.currentData() == NAMES[0] and d.fetch_button.isEnabled()
    assert d.wmts_status.text() == "Demo orthophotos: 44 of 44 layers can be fetched."  # the RD one too (grid28)


def test_a_wmts_layers_file_is_named_by_its_identifier_not_the_providers_name_cut_short(qtbot, tmp_path, photos,
                                                                                         dialogs):
    """mapper27: swisstopo's file was 'Bundesamt_fuer_Landestopografie_swisstop-z18-…': the layer
    was cut off by the provider's long name."""
    (tmp_path / "caps.xml").write_bytes(_doc("Bundesamt fuer Landestopografie swisstopo"))
    d = _dialog(qtbot, tmp_path, photos, dialogs)
    _read(qtbot, d, str(tmp_path / "caps.xml"))
    d.layer.setCurrentIndex(d.layer.findData("ch.swisstopo.swissimage-product"))
    assert d.layer.currentData() == "ch.swisstopo.swissimage-product"
    name = d.out.text().rsplit("/", 1)[-1]
    assert name.startswith(f"ch.swisstopo.swissimage-product-z{d.zoom.value()}-") and name.endswith(".mbtiles")


def test_check_every_stored_tile_is_off_while_nothing_can_be_planned(qtbot, tmp_path, photos, dialogs):
    """The box said the earlier plan's file exists after the plan had failed (a bad box, no layer)."""
    d = _dialog(qtbot, tmp_path, photos, dialogs)
    d.source.setCurrentText(URL_CHOICE)
    d.url.setText("http://127.0.0.1:9/{z}/{x}/{y}.jpg")
    d.attribution.setText("Demo")
    out = tmp_path / "imagery" / "there.mbtiles"
    out.parent.mkdir(parents=True)
    out.write_bytes(b"")
    d.out.setText(str(out))
    d._mark_out_edited()
    d.box.setChecked(True)
    d.bbox.setText("7.40,46.90,7.41,46.91")
    assert d.fetch_button.isEnabled() and d.check_stored.isEnabled()
    d.check_stored.setChecked(True)
    d.bbox.setText("7.40,46.90")  # not a box: nothing planned
    assert not d.fetch_button.isEnabled() and not d.check_stored.isEnabled()
    d.bbox.setText("7.40,46.90,7.41,46.91")  # a plan again: the box and the tick back
    assert d.check_stored.isEnabled() and d.check_stored.isChecked()
