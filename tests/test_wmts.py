"""WMTS services (core/sources/wmts.py, `fetch-tiles --wmts`): capabilities documents written here
(RESTful and KVP, a national-grid set, a layer that is not there) served from 127.0.0.1, never another host."""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from geolocator.cli import main
from geolocator.core.sources import fetch as F
from geolocator.core.sources.wmts import WEB_MERCATOR_Z0_SCALE, open_wmts, wmts_template

from .tile_packages import demo_mosaic, demo_pyramid
from .tile_server import AnswerServer

HALF = 20037508.3427892


def _matrix(ident: str, scale: float, corner: str, size: int = 256, width: int = 1) -> str:
    return (f"<TileMatrix><ows:Identifier>{ident}</ows:Identifier><ScaleDenominator>{scale!r}</ScaleDenominator>"
            f"<TopLeftCorner>{corner}</TopLeftCorner><TileWidth>{size}</TileWidth><TileHeight>{size}</TileHeight>"
            f"<MatrixWidth>{width}</MatrixWidth><MatrixHeight>{width}</MatrixHeight></TileMatrix>")


def mercator_set(ident="EPSG:3857", ids="EPSG:3857:{z}", zooms=range(0, 20), crs="urn:ogc:def:crs:EPSG::3857",
                 size=256, scale0=WEB_MERCATOR_Z0_SCALE, corner=f"{-HALF} {HALF}") -> str:
    body = "".join(_matrix(ids.format(z=z), scale0 / 2**z, corner, size, 2**z) for z in zooms)
    return (f"<TileMatrixSet><ows:Identifier>{ident}</ows:Identifier><ows:SupportedCRS>{crs}</ows:SupportedCRS>"
            f"{body}</TileMatrixSet>")


def rd_set() -> str:
    """The Dutch national grid (EPSG:28992) as PDOK publishes it: not Web Mercator."""
    body = "".join(_matrix(f"{z:02d}", 12288000.0 / 2**z, "-285401.92 903401.92", 256, 2**z) for z in range(0, 15))
    return ("<TileMatrixSet><ows:Identifier>EPSG:28992</ows:Identifier>"
            f"<ows:SupportedCRS>urn:ogc:def:crs:EPSG::28992</ows:SupportedCRS>{body}</TileMatrixSet>")


def odd_set(ident: str = "Odd") -> str:
    """A set in a CRS nobody knows (EPSG:999999): neither Web Mercator nor a national grid that can be read."""
    body = "".join(_matrix(f"{z}", 1000000.0 / 2**z, "0 100000", 256, 2**z) for z in range(0, 4))
    return (f"<TileMatrixSet><ows:Identifier>{ident}</ows:Identifier>"
            f"<ows:SupportedCRS>urn:ogc:def:crs:EPSG::999999</ows:SupportedCRS>{body}</TileMatrixSet>")


def matrix_limits(rows) -> str:
    """<TileMatrixLimits> elements (OGC 07-057r7 TileMatrixSetLimits), one per (TileMatrix identifier,
    min row, max row, min col, max col)."""
    return "".join(f"<TileMatrixLimits><TileMatrix>{m}</TileMatrix><MinTileRow>{r0}</MinTileRow><MaxTileRow>{r1}"
                   f"</MaxTileRow><MinTileCol>{c0}</MinTileCol><MaxTileCol>{c1}</MaxTileCol></TileMatrixLimits>"
                   for m, r0, r1, c0, c1 in rows)


def layer(ident: str, sets: list[str], rest: str | None = None, formats=("image/jpeg",), extra: str = "") -> str:
    links = "".join(f"<TileMatrixSetLink><TileMatrixSet>{s}</TileMatrixSet></TileMatrixSetLink>" for s in sets)
    fmts = "".join(f"<Format>{f}</Format>" for f in formats)
    res = f'<ResourceURL format="{formats[0]}" resourceType="tile" template="{rest}"/>' if rest else ""
    return (f"<Layer><ows:Title>Aerial {ident}</ows:Title><ows:Identifier>{ident}</ows:Identifier>"
            '<Style isDefault="true"><ows:Identifier>default</ows:Identifier></Style>'
            f"{fmts}{links}{extra}{res}</Layer>")


def capabilities(layers: list[str], sets: list[str], kvp_url: str | None = None) -> bytes:
    ops = ""
    if kvp_url:
        ops = ('<ows:OperationsMetadata><ows:Operation name="GetTile"><ows:DCP><ows:HTTP>'
               f'<ows:Get xlink:href="{kvp_url}"><ows:Constraint name="GetEncoding"><ows:AllowedValues>'
               "<ows:Value>KVP</ows:Value></ows:AllowedValues></ows:Constraint></ows:Get>"
               "</ows:HTTP></ows:DCP></ows:Operation></ows:OperationsMetadata>")
    return ('<?xml version="1.0" encoding="UTF-8"?>'
            '<Capabilities xmlns="http://www.opengis.net/wmts/1.0" xmlns:ows="http://www.opengis.net/ows/1.1" '
            'xmlns:xlink="http://www.w3.org/1999/xlink" version="1.0.0">'
            "<ows:ServiceIdentification><ows:Title>Demo orthophotos</ows:Title>"
            "<ows:Abstract>Aerial photographs of the demo region, 8 cm.</ows:Abstract>"
            "<ows:ServiceType>OGC WMTS</ows:ServiceType><ows:ServiceTypeVersion>1.0.0</ows:ServiceTypeVersion>"
            "<ows:AccessConstraints>CC BY 4.0</ows:AccessConstraints></ows:ServiceIdentification>"
            "<ows:ServiceProvider><ows:ProviderName>Demo Kadaster</ows:ProviderName></ows:ServiceProvider>"
            f"{ops}<Contents>{''.join(layers)}{''.join(sets)}</Contents></Capabilities>").encode()


class WmtsServer(AnswerServer):
    """127.0.0.1: /caps.xml (the document), RESTful tiles at
    /rest/{layer}/{style}/{set}/{matrix}/{col}/{row}.jpeg and KVP tiles at /kvp?...; the matrix is
    'EPSG:3857:z'. Every path asked for is logged."""

    def __init__(self, tiles: dict, doc_for) -> None:
        super().__init__()
        self.tiles = tiles
        self.doc = doc_for(self.base)

    def answer(self, path: str) -> tuple[int, bytes]:
        parts = urlsplit(path)
        if parts.path == "/caps.xml":
            return 200, self.doc
        m = re.fullmatch(r"/rest/ortho/default/EPSG:3857/EPSG:3857:(\d+)/(\d+)/(\d+)\.jpeg", parts.path)
        if m:
            z, x, y = map(int, m.groups())
        elif parts.path == "/kvp":
            q = {k.upper(): v[0] for k, v in parse_qs(parts.query).items()}
            if (q.get("REQUEST"), q.get("LAYER"), q.get("STYLE"), q.get("TILEMATRIXSET"), q.get("FORMAT")) != \
                    ("GetTile", "ortho", "default", "EPSG:3857", "image/jpeg"):
                return 400, b"bad request"
            z = int(q["TILEMATRIX"].rsplit(":", 1)[1])
            x, y = int(q["TILECOL"]), int(q["TILEROW"])
        else:
            return 404, b"no"
        data = self.tiles.get((z, x, y))
        return (200, data) if data else (404, b"no such tile")


def rest_doc(base: str) -> bytes:
    return capabilities([layer("ortho", ["EPSG:28992", "EPSG:3857"],
                               rest=f"{base}/rest/ortho/{{Style}}/{{TileMatrixSet}}/{{TileMatrix}}/{{TileCol}}/{{TileRow}}.jpeg"),
                         layer("rd-only", ["EPSG:28992"], rest=f"{base}/rest/rd/{{TileMatrix}}/{{TileCol}}/{{TileRow}}.jpeg")],
                        [rd_set(), mercator_set()])


def kvp_doc(base: str) -> bytes:
    return capabilities([layer("ortho", ["EPSG:3857"])], [mercator_set()], kvp_url=f"{base}/kvp?")


@pytest.fixture(scope="module")
def tiles():
    return demo_pyramid(zooms=(19,))


def _bbox() -> str:
    _, a = demo_mosaic()
    return f"{a.west},{a.south},{a.east},{a.north}"


# ---------------------------------------------------------------- the template


def test_a_restful_layer_becomes_an_xyz_template_with_the_zoom_in_its_matrix_identifier():
    w = wmts_template(rest_doc("https://wmts.test"), "caps.xml", "ortho")
    assert w.template.url == "https://wmts.test/rest/ortho/default/EPSG:3857/EPSG:3857:{z}/{x}/{y}.jpeg"
    assert w.template.url_for(19, 270000, 170000).endswith("/EPSG:3857:19/270000/170000.jpeg")
    assert (w.encoding, w.tile_matrix_set, w.style, w.format) == ("RESTful", "EPSG:3857", "default", "image/jpeg")
    assert w.zooms == tuple(range(20)) and w.template.max_zoom == 19
    assert "Demo Kadaster" in w.template.attribution and "CC BY 4.0" in w.template.attribution


def test_a_kvp_layer_becomes_a_gettile_template():
    w = wmts_template(kvp_doc("https://wmts.test"), "caps.xml", "ortho")
    assert w.encoding == "KVP"
    q = parse_qs(urlsplit(w.template.url_for(5, 3, 7)).query)
    assert {k: v[0] for k, v in q.items()} == {
        "SERVICE": "WMTS", "REQUEST": "GetTile", "VERSION": "1.0.0", "LAYER": "ortho", "STYLE": "default",
        "FORMAT": "image/jpeg", "TILEMATRIXSET": "EPSG:3857", "TILEMATRIX": "EPSG:3857:5", "TILEROW": "7",
        "TILECOL": "3"}


def test_plain_number_identifiers_a_time_dimension_and_tile_matrix_limits():
    dim = ("<Dimension><ows:Identifier>Time</ows:Identifier><Default>2023</Default><Value>2023</Value>"
           "<Value>2022</Value></Dimension>")
    limits = matrix_limits((z, 0, 2**z - 1, 0, 2**z - 1) for z in range(6, 12))
    lyr = layer("ortho", [], rest="https://w.test/{Time}/{TileMatrix}/{TileRow}/{TileCol}.png", formats=("image/png",),
                extra=f"{dim}<TileMatrixSetLink><TileMatrixSet>3857</TileMatrixSet><TileMatrixSetLimits>{limits}"
                      "</TileMatrixSetLimits></TileMatrixSetLink>")
    doc = capabilities([lyr], [mercator_set("3857", "{z}", range(0, 21), "EPSG:3857")])
    w = wmts_template(doc, "caps.xml", "ortho")
    assert w.template.url == "https://w.test/2023/{z}/{y}/{x}.png"
    assert w.zooms == tuple(range(6, 12))  # the levels the layer has limits for
    assert w.check_zoom(8) == 8
    assert w.within_limits([(8, 0, 255), (8, 256, 0), (8, 3, 256), (12, 9999, 9999)]) == [(8, 0, 255), (12, 9999, 9999)]
    with pytest.raises(F.FetchError, match=r"has tiles at zoom levels 6 to 11, not 19"):
        w.check_zoom(19)


def test_zero_padded_matrix_identifiers_are_filled_zoom_by_zoom():
    """MapProxy-style identifiers ("00", "01", ...) are not the zoom with a fixed prefix: each zoom gets its own."""
    doc = capabilities([layer("ortho", ["GLOBAL_WEBMERCATOR"], rest="https://w.test/{TileMatrix}/{TileCol}/{TileRow}.jpeg")],
                       [mercator_set("GLOBAL_WEBMERCATOR", "{z:02d}", range(0, 20), "EPSG:900913")])
    w = wmts_template(doc, "caps.xml", "ortho")
    assert w.template.url_for(5, 3, 7) == "https://w.test/05/3/7.jpeg"
    assert w.template.url_for(19, 270000, 170000) == "https://w.test/19/270000/170000.jpeg"
    assert F.source_host(w.template.url) == "w.test" and w.zooms == tuple(range(20))


def test_a_layer_only_in_a_national_grid_is_a_grid_layer_and_a_set_in_no_known_crs_is_refused():
    # session 28: a national grid is read (wmts_grid.py) instead of refused; levels are its matrices
    rd = wmts_template(rest_doc("https://wmts.test"), "https://wmts.test/caps.xml", "rd-only")
    assert rd.grid is not None and rd.grid.label() == "EPSG:28992" and rd.zooms == tuple(range(15))
    assert rd.template.url_for(3, 5, 6) == "https://wmts.test/rest/rd/03/5/6.jpeg"  # TileMatrix "03", col, row
    # a layer with both: Web Mercator unless the national set is named
    assert wmts_template(rest_doc("https://wmts.test"), "caps.xml", "ortho").grid is None
    named = wmts_template(rest_doc("https://wmts.test"), "caps.xml", "ortho", tile_matrix_set="EPSG:28992")
    assert named.grid is not None and named.tile_matrix_set == "EPSG:28992"
    odd = capabilities([layer("odd", ["Odd"], rest="https://wmts.test/{TileMatrix}/{TileCol}/{TileRow}.jpeg")],
                       [odd_set()])
    with pytest.raises(F.FetchError) as e:
        wmts_template(odd, "https://wmts.test/caps.xml", "odd")
    msg = str(e.value)
    assert "https://wmts.test/caps.xml" in msg and "'odd'" in msg and "national grids in a CRS pyproj knows" in msg
    assert "Odd (CRS urn:ogc:def:crs:EPSG::999999: not Web Mercator, and not a national grid that can be read: " \
           "unknown CRS" in msg
    with pytest.raises(F.FetchError, match=r"no tile matrix set 'WebMercatorQuad'; it offers: EPSG:28992 .*EPSG:3857"):
        wmts_template(rest_doc("https://wmts.test"), "caps.xml", "ortho", tile_matrix_set="WebMercatorQuad")


@pytest.mark.parametrize("bad, why", [
    (dict(size=300), "300 x 300 px tiles, not 256 x 256 or 512 x 512"),
    (dict(crs="EPSG:4326"), "not Web Mercator"),
    (dict(scale0=WEB_MERCATOR_Z0_SCALE * 1.5), "scale denominator .* is not a Web Mercator zoom level's"),
    (dict(scale0=WEB_MERCATOR_Z0_SCALE * (1 + 1e-5)), "scale denominator .* is not a Web Mercator zoom level's"),
    (dict(corner="-20037508.34 30240971.96"), "top-left corner .* is not Web Mercator's"),
    (dict(scale0=float("inf")), "scale denominator inf"),
])
def test_sets_that_look_like_web_mercator_but_are_not_xyz_are_refused(bad, why):
    doc = capabilities([layer("ortho", ["S"], rest="https://w.test/{TileMatrix}/{TileCol}/{TileRow}.jpeg")],
                       [mercator_set("S", **{"ids": "{z}", **bad})])
    with pytest.raises(F.FetchError, match=why):
        wmts_template(doc, "caps.xml", "ortho")


def test_an_unknown_layer_lists_the_layers_offered_and_bad_documents_name_the_file(tmp_path):
    with pytest.raises(F.FetchError, match=r"caps.xml: no layer 'luchtfoto'; the layers offered are: ortho, rd-only"):
        wmts_template(rest_doc("https://wmts.test"), "caps.xml", "luchtfoto")
    with pytest.raises(F.FetchError, match=r"no style 'infrared'; it offers: default"):
        wmts_template(rest_doc("https://wmts.test"), "caps.xml", "ortho", style="infrared")
    (tmp_path / "wms.xml").write_text('<WMS_Capabilities xmlns="http://www.opengis.net/wms"/>')
    with pytest.raises(F.FetchError, match=r"wms.xml: not a WMTS capabilities document"):
        open_wmts(tmp_path / "wms.xml", "ortho")
    (tmp_path / "bomb.xml").write_text('<!DOCTYPE c [<!ENTITY a "aaaa">]><Capabilities>&a;</Capabilities>')
    with pytest.raises(F.FetchError, match=r"bomb.xml: not a readable XML document"):
        open_wmts(tmp_path / "bomb.xml", "ortho")
    with pytest.raises(F.FetchError, match=r"nothere.xml: no such file"):
        open_wmts(tmp_path / "nothere.xml", "ortho")


# ---------------------------------------------------------------- end to end against 127.0.0.1


def test_fetch_tiles_wmts_restful_into_mbtiles_and_kvp_into_a_folder(tmp_path, tiles, capsys):
    with WmtsServer(tiles, rest_doc) as server:
        out = tmp_path / "area.mbtiles"
        assert main(["fetch-tiles", "--wmts", f"{server.base}/caps.xml", "--layer", "ortho", f"--bbox={_bbox()}",
                     "--zoom", "19", "--out", str(out), "-q"]) == 0
        got = capsys.readouterr()
        assert f"fetched {len(tiles)} tiles" in got.out and "terms of use" in got.err
        assert any("/EPSG:3857:19/" in p for p in server.log)
        with sqlite3.connect(out) as db:
            assert db.execute("select count(*) from tiles").fetchone()[0] == len(tiles)
            meta = dict(db.execute("select name, value from metadata"))
        assert "Demo Kadaster" in meta["attribution"]
        # a zoom the layer has no tiles at: refused before any tile is asked for
        n = len(server.log)
        assert main(["fetch-tiles", "--wmts", f"{server.base}/caps.xml", "--layer", "ortho", f"--bbox={_bbox()}",
                     "--zoom", "21", "--out", str(tmp_path / "z21"), "-q"]) == 2
        assert "has tiles at zoom levels 0 to 19, not 21" in capsys.readouterr().err
        assert len(server.log) == n + 1  # the capabilities only
        # a level the layer lists but the service has no tiles at (every tile 404): the error names the layer
        # as the user gave it (session 33: it named only the tile URL made from the capabilities)
        assert main(["fetch-tiles", "--wmts", f"{server.base}/caps.xml", "--layer", "ortho", f"--bbox={_bbox()}",
                     "--zoom", "18", "--out", str(tmp_path / "z18.mbtiles"), "-q"]) == 2
        last = capsys.readouterr().err.strip().splitlines()[-1]
        assert last.startswith(f"error: no tile could be fetched from the WMTS layer 'ortho' of {server.base}/caps.xml ("), last
        assert "every tile was missing on the server (404)" in last and not (tmp_path / "z18.mbtiles").exists()
        # a national grid goes into a .gpkg (its own CRS), never a folder or .mbtiles: said before any tile
        n = len(server.log)
        assert main(["fetch-tiles", "--wmts", f"{server.base}/caps.xml", "--layer", "rd-only", f"--bbox={_bbox()}",
                     "--zoom", "12", "--out", str(tmp_path / "rd"), "-q"]) == 2
        assert "give an output file ending in .gpkg" in capsys.readouterr().err and not (tmp_path / "rd").exists()
        assert len(server.log) == n + 1  # the capabilities only
    with WmtsServer(tiles, kvp_doc) as server:
        assert main(["fetch-tiles", "--wmts", f"{server.base}/caps.xml", "--layer", "ortho", f"--bbox={_bbox()}",
                     "--zoom", "19", "--out", str(tmp_path / "xyz"), "-q"]) == 0
        assert len(list((tmp_path / "xyz" / "19").glob("*/*.jpg"))) == len(tiles)
        assert all(p.startswith(("/caps.xml", "/kvp?")) for p in server.log)


def test_fetch_tiles_wmts_asks_for_no_tile_outside_the_layers_tile_matrix_limits(tmp_path, tiles, capsys):
    xs, ys = sorted({x for _, x, _ in tiles}), sorted({y for _, _, y in tiles})
    lim = f"<TileMatrixSetLimits>{matrix_limits([('EPSG:3857:19', ys[0], ys[-1], xs[0], xs[2])])}</TileMatrixSetLimits>"

    def doc(base):
        return capabilities([layer("ortho", [], rest=f"{base}/rest/ortho/{{Style}}/{{TileMatrixSet}}/{{TileMatrix}}/"
                                   "{TileCol}/{TileRow}.jpeg",
                                   extra=f"<TileMatrixSetLink><TileMatrixSet>EPSG:3857</TileMatrixSet>{lim}"
                                         "</TileMatrixSetLink>")], [mercator_set()])

    with WmtsServer(tiles, doc) as server:
        assert main(["fetch-tiles", "--wmts", f"{server.base}/caps.xml", "--layer", "ortho", f"--bbox={_bbox()}",
                     "--out", str(tmp_path / "xyz"), "-q"]) == 0  # no --zoom: the layer's only level, 19
        asked = {int(p.rsplit("/", 2)[1]) for p in server.log if p.endswith(".jpeg")}
    assert asked == set(xs[:3])
    assert len(list((tmp_path / "xyz" / "19").glob("*/*.jpg"))) == 3 * len(ys)
    assert f"fetched {3 * len(ys)} tiles" in capsys.readouterr().out


def test_a_service_url_asks_for_the_capabilities_and_an_http_error_names_the_url(tiles):
    from geolocator.core.sources.wmts import capabilities_url

    assert capabilities_url("https://s.test/wmts") == "https://s.test/wmts?SERVICE=WMTS&REQUEST=GetCapabilities"
    assert capabilities_url("https://s.test/wmts?tk=1") == "https://s.test/wmts?tk=1&SERVICE=WMTS&REQUEST=GetCapabilities"
    assert capabilities_url("https://s.test/1.0.0/WMTSCapabilities.xml") == "https://s.test/1.0.0/WMTSCapabilities.xml"
    assert capabilities_url("https://s.test/w?request=GetCapabilities") == "https://s.test/w?request=GetCapabilities"
    with WmtsServer(tiles, rest_doc) as server:
        with pytest.raises(F.FetchError, match=rf"{server.base}/wmts\?SERVICE=WMTS&REQUEST=GetCapabilities: the service "
                                               r"answered HTTP 404"):
            open_wmts(f"{server.base}/wmts", "ortho")
        assert open_wmts(f"{server.base}/caps.xml", "ortho").source == f"{server.base}/caps.xml"


def test_fetch_tiles_wmts_options_go_with_wmts_only(tmp_path, capsys):
    assert main(["fetch-tiles", "--layer", "ortho", "--bbox=4,51,5,52", "--out", str(tmp_path / "o"),
                 "https://t.test/{z}/{x}/{y}.png"]) == 2
    assert "--layer" in capsys.readouterr().err
    assert main(["fetch-tiles", "--wmts", str(tmp_path / "caps.xml"), "--bbox=4,51,5,52",
                 "--out", str(tmp_path / "o")]) == 2
    assert "--wmts needs --layer" in capsys.readouterr().err


# ---------------------------------------------------------------- 512 px sets, the layer list (session 27)


def mercator_512_set(ident="GoogleMapsCompatible512", zooms=range(0, 20)) -> str:
    """512 px tiles: matrix k has one 512 px tile per XYZ tile of zoom k (scale Z0 / 2**(k + 1))."""
    body = "".join(_matrix(str(k), WEB_MERCATOR_Z0_SCALE / 2**(k + 1), f"{-HALF} {HALF}", 512, 2**k) for k in zooms)
    return (f"<TileMatrixSet><ows:Identifier>{ident}</ows:Identifier><ows:SupportedCRS>EPSG:3857</ows:SupportedCRS>"
            f"{body}</TileMatrixSet>")


def test_a_512_px_set_is_the_xyz_grid_one_zoom_out_and_256_px_wins_at_equal_depth():
    doc = capabilities([layer("ortho", ["GoogleMapsCompatible512"], rest="https://w.test/{TileMatrix}/{TileCol}/{TileRow}.jpeg")],
                       [mercator_512_set()])
    w = wmts_template(doc, "caps.xml", "ortho")
    assert (w.tile_px, w.zooms) == (512, tuple(range(20)))
    assert w.template.url_for(18, 134000, 86000) == "https://w.test/18/134000/86000.jpeg"
    # the same levels at 256 px (scale Z0 / 2**z) next to 512 px ones (scale Z0 / 2**(z + 1)): 256 px chosen
    both = capabilities([layer("ortho", ["GoogleMapsCompatible512", "EPSG:3857"],
                               rest="https://w.test/{TileMatrixSet}/{TileMatrix}/{TileCol}/{TileRow}.jpeg")],
                        [mercator_512_set(), mercator_set()])
    w = wmts_template(both, "caps.xml", "ortho")
    assert (w.tile_px, w.tile_matrix_set) == (256, "EPSG:3857")
    w = wmts_template(both, "caps.xml", "ortho", tile_matrix_set="GoogleMapsCompatible512")
    assert (w.tile_px, w.template.url_for(5, 1, 2)) == (512, "https://w.test/GoogleMapsCompatible512/5/1/2.jpeg")
    # a 512 px tile at zoom 0's 256 px scale would be twice as wide as the world: refused
    off = capabilities([layer("ortho", ["S"], rest="https://w.test/{TileMatrix}/{TileCol}/{TileRow}.jpeg")],
                       [mercator_set("S", "{z}", zooms=range(0, 3), size=512)])
    with pytest.raises(F.FetchError, match=r"matrix '0': scale denominator .* \(for 512 px tiles\)"):
        wmts_template(off, "caps.xml", "ortho")


class Wmts512Server(WmtsServer):
    def answer(self, path: str) -> tuple[int, bytes]:
        m = re.fullmatch(r"/rest512/(\d+)/(\d+)/(\d+)\.jpeg", urlsplit(path).path)
        if m:
            data = self.tiles.get(tuple(map(int, m.groups())))
            return (200, data) if data else (404, b"no such tile")
        return super().answer(path)


def test_fetch_tiles_wmts_512_px_tiles_are_stored_and_read_at_the_zoom_whose_ground_they_cover(tmp_path, capsys):
    from geolocator.core.geo import xyz_tile_bounds
    from geolocator.core.sources.tile_image import open_tile_image
    from geolocator.core.tilesets import load_tileset

    from .tile_packages import cut, jpeg

    import mercantile

    mosaic, b = demo_mosaic()
    tiles512 = {(t.z, t.x, t.y): jpeg(cut(mosaic, b, xyz_tile_bounds(t.z, t.x, t.y), 512))
                for t in mercantile.tiles(b.west, b.south, b.east, b.north, [18])}

    def doc(base):
        return capabilities([layer("ortho", ["GoogleMapsCompatible512"], rest=f"{base}/rest512/{{TileMatrix}}/{{TileCol}}/"
                                   "{TileRow}.jpeg")], [mercator_512_set()])

    out = tmp_path / "area512.mbtiles"
    with Wmts512Server(tiles512, doc) as server:
        assert main(["fetch-tiles", "--wmts", f"{server.base}/caps.xml", "--layer", "ortho", f"--bbox={_bbox()}",
                     "--zoom", "18", "--out", str(out), "-q"]) == 0
    assert f"fetched {len(tiles512)} tiles" in capsys.readouterr().out
    ts = load_tileset(out)
    assert ts.zoom == 18 and len(ts) == len(tiles512)
    t = ts.tiles[0]
    z, x, y = map(int, t.ref.split("/"))
    assert t.bounds == xyz_tile_bounds(z, x, y) and open_tile_image(t).size == (512, 512)


def test_the_layer_list_says_which_layers_can_be_fetched_and_why_not(tmp_path, capsys):
    from geolocator.core.sources.wmts import layer_lines, read_service

    styled = layer("styled", ["EPSG:3857", "GoogleMapsCompatible512"],
                   rest="https://w.test/{Style}/{TileMatrix}/{TileCol}/{TileRow}.jpeg")
    styled = styled.replace("</Style>", '</Style><Style><ows:Identifier>infrared</ows:Identifier></Style>')
    doc = capabilities([layer("ortho", ["EPSG:28992", "EPSG:3857"], rest="https://w.test/{TileMatrix}/{TileCol}/{TileRow}.jpeg"),
                        layer("rd-only", ["EPSG:28992"], rest="https://w.test/rd/{TileMatrix}/{TileCol}/{TileRow}.jpeg"),
                        styled, layer("odd", ["Odd"], rest="https://w.test/odd/{TileMatrix}/{TileCol}/{TileRow}.jpeg")],
                       [rd_set(), mercator_set(), mercator_512_set(zooms=range(0, 18)), odd_set()])
    service = read_service(doc, "caps.xml")
    info = {i.identifier: i for i in service.layers}
    assert [i.identifier for i in service.layers] == ["ortho", "rd-only", "styled", "odd"]
    assert info["ortho"].usable and [s.identifier for s in info["ortho"].usable_sets] == ["EPSG:28992", "EPSG:3857"]
    assert info["ortho"].title == "Aerial ortho" and info["ortho"].sets[0].grid is not None
    assert info["rd-only"].usable and info["rd-only"].sets[0].describe() == (
        "EPSG:28992 (national grid EPSG:28992, levels 0 to 14 (pixels 3441 m to 0.21 m), into a .gpkg)")
    assert not info["odd"].usable
    assert info["odd"].why_not() == ("no tile matrix set that can be fetched: Odd (CRS urn:ogc:def:crs:EPSG::999999: "
                                     "not Web Mercator, and not a national grid that can be read: unknown CRS "
                                     "'urn:ogc:def:crs:EPSG::999999')")
    assert info["styled"].styles == ("default", "infrared")
    assert [s.describe() for s in info["styled"].sets] == ["EPSG:3857 (zoom 0 to 19)",
                                                           "GoogleMapsCompatible512 (512 px tiles, zoom 0 to 17)"]
    assert service.layer("styled", style="infrared").template.url_for(3, 1, 2) == "https://w.test/infrared/EPSG:3857:3/1/2.jpeg"
    lines = layer_lines(service)
    assert lines[0] == ('ortho  "Aerial ortho"  usable: EPSG:28992 (national grid EPSG:28992, levels 0 to 14 '
                        '(pixels 3441 m to 0.21 m), into a .gpkg); EPSG:3857 (zoom 0 to 19)')
    assert lines[1].startswith('rd-only  "Aerial rd-only"  usable: EPSG:28992 (national grid EPSG:28992')
    assert lines[2].endswith("; styles: default, infrared")
    assert lines[3].startswith('odd  "Aerial odd"  NOT usable: no tile matrix set that can be fetched: Odd')
    # the CLI prints the same and stops: no area, no --out
    (tmp_path / "caps.xml").write_bytes(doc)
    assert main(["fetch-tiles", "--wmts", str(tmp_path / "caps.xml"), "--list-layers"]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[0].startswith(f"4 layers in {tmp_path / 'caps.xml'} (Demo orthophotos); fetch one with --layer")
    assert out.splitlines()[1:] == lines
    assert main(["fetch-tiles", "https://t.test/{z}/{x}/{y}.png", "--list-layers"]) == 2
    assert "--list-layers go with --wmts" in capsys.readouterr().err
    assert main(["fetch-tiles", "--wmts", str(tmp_path / "caps.xml"), "--layer", "ortho", "--out", "o"]) == 2
    assert "needs the area: --bbox" in capsys.readouterr().err
    assert main(["fetch-tiles", "--wmts", str(tmp_path / "caps.xml"), "--layer", "ortho", "--bbox=4,51,5,52"]) == 2
    assert "needs --out" in capsys.readouterr().err


def test_a_layer_plan_keeps_its_limits_and_levels(tiles):
    from geolocator.core.sources.wmts import read_service

    xs, ys = sorted({x for _, x, _ in tiles}), sorted({y for _, _, y in tiles})
    lim = f"<TileMatrixSetLimits>{matrix_limits([('EPSG:3857:19', ys[0], ys[-1], xs[0], xs[2])])}</TileMatrixSetLimits>"
    doc = capabilities([layer("ortho", [], rest="https://w.test/{TileMatrix}/{TileCol}/{TileRow}.jpeg",
                              extra=f"<TileMatrixSetLink><TileMatrixSet>EPSG:3857</TileMatrixSet>{lim}</TileMatrixSetLink>")],
                       [mercator_set()])
    w = read_service(doc, "caps.xml").layer("ortho")
    area = F.parse_bbox(_bbox())
    tmp = Path("x.mbtiles")
    plan = w.plan(area, 19, tmp, 10_000)
    assert plan.out == tmp and sorted({x for _, x, _ in plan.tiles}) == xs[:3] and len(plan.tiles) == 3 * len(ys)
    assert w.nearest_zoom(17) == 19
    with pytest.raises(F.FetchError, match="has tiles at zoom levels 19, not 18"):
        w.plan(area, 18, tmp, 10_000)
    with pytest.raises(F.FetchError, match="no tiles in this area at zoom 19"):
        w.plan(F.parse_bbox("-1,-1,-0.99,-0.99"), 19, tmp, 10_000)


# ---------------------------------------------------------------- the layer's WGS84BoundingBox (session 27)


def _boxed(w: float, s: float, e: float, n: float) -> str:
    """ows:WGS84BoundingBox as services write it (lower corner lon lat, upper corner lon lat)."""
    return (f"<ows:WGS84BoundingBox><ows:LowerCorner>{w} {s}</ows:LowerCorner>"
            f"<ows:UpperCorner>{e} {n}</ows:UpperCorner></ows:WGS84BoundingBox>")


SWISS_BOX = (5.140242, 45.398181, 11.47757, 48.230651)  # the box swisstopo writes for SWISSIMAGE


def test_an_area_wholly_outside_the_layers_bounding_box_is_refused_before_any_tile(tmp_path, tiles, capsys):
    """A Dutch area with a Swiss layer: the service has no imagery there, so every tile would come back
    as an error or a blank; refused naming the layer's box and the area, and no tile is asked for."""
    def doc(base):
        return capabilities([layer("ch.swisstopo.swissimage", ["EPSG:3857"], extra=_boxed(*SWISS_BOX),
                                   rest=f"{base}/rest/ortho/{{Style}}/{{TileMatrixSet}}/{{TileMatrix}}/"
                                        "{TileCol}/{TileRow}.jpeg")], [mercator_set()])

    with WmtsServer(tiles, doc) as server:
        code = main(["fetch-tiles", "--wmts", f"{server.base}/caps.xml", "--layer", "ch.swisstopo.swissimage",
                     "--bbox=4.352,51.869,4.392,51.905", "--zoom", "18", "--out", str(tmp_path / "a.mbtiles")])
        asked = [p for p in server.log if p.endswith(".jpeg")]
    err = capsys.readouterr().err
    assert code == 2 and asked == [] and not (tmp_path / "a.mbtiles").exists()
    assert "covers only 5.1402,45.3982,11.4776,48.2307" in err
    assert "4.3520,51.8690,4.3920,51.9050 lies wholly outside it" in err


def test_the_bounding_box_refuses_only_an_area_that_misses_it_wholly():
    from geolocator.core.sources.wmts import read_service

    boxed = layer("swiss", ["EPSG:3857"], rest="https://w.test/{TileMatrix}/{TileCol}/{TileRow}.jpeg",
                  extra=_boxed(*SWISS_BOX))
    plain = layer("world", ["EPSG:3857"], rest="https://w.test/{TileMatrix}/{TileCol}/{TileRow}.jpeg")
    service = read_service(capabilities([boxed, plain], [mercator_set()]), "caps.xml")
    swiss, world = service.layer("swiss"), service.layer("world")
    assert swiss.coverage == SWISS_BOX and world.coverage is None
    rotterdam, border = F.parse_bbox("4.352,51.869,4.392,51.905"), F.parse_bbox("5.0,46.0,5.2,46.1")
    with pytest.raises(F.FetchError, match=r"WMTS layer swiss \(caps.xml\) covers only .* lies wholly outside it"):
        swiss.tiles_for(rotterdam, 15, 10_000)
    with pytest.raises(F.FetchError, match="lies wholly outside it"):  # the app plans through the same call
        swiss.plan(rotterdam, 15, Path("x.mbtiles"), 10_000)
    assert swiss.tiles_for(border, 15, 10_000)[0]  # overlaps the box's west edge: fetched
    assert world.tiles_for(rotterdam, 15, 10_000)[0]  # no box: nothing refused


def test_list_layers_says_one_layer_not_one_layers(tmp_path, capsys):
    (tmp_path / "caps.xml").write_bytes(capabilities([layer("ortho", ["EPSG:3857"], rest="https://w.test/{TileMatrix}/"
                                                            "{TileCol}/{TileRow}.jpeg")], [mercator_set()]))
    assert main(["fetch-tiles", "--wmts", str(tmp_path / "caps.xml"), "--list-layers"]) == 0
    assert capsys.readouterr().out.startswith(f"1 layer in {tmp_path / 'caps.xml'} (Demo orthophotos);")


def test_an_unknown_layer_among_hundreds_names_the_ones_like_it_first():
    """swisstopo lists several hundred layers: sorted, the first 40 never held the one meant. Now the
    ones like the name typed come first: same but for case, those holding it, close spellings."""
    names = [f"ch.bafu.layer{i:03d}" for i in range(300)] + ["ch.swisstopo.swissimage", "ch.swisstopo.swissimage-product",
                                                             "ORTHOIMAGERY.ORTHOPHOTOS"]
    doc = capabilities([layer(n, ["EPSG:3857"], rest="https://w.test/{TileMatrix}/{TileCol}/{TileRow}.jpeg")
                        for n in names], [mercator_set()])
    with pytest.raises(F.FetchError) as e:
        wmts_template(doc, "caps.xml", "swissimage")
    assert ("no layer 'swissimage' (identifiers are case-sensitive); did you mean 'ch.swisstopo.swissimage' or "
            "'ch.swisstopo.swissimage-product'? (303 layers in all; --list-layers lists them)") in str(e.value)
    with pytest.raises(F.FetchError, match=r"did you mean 'ORTHOIMAGERY.ORTHOPHOTOS'\?"):
        wmts_template(doc, "caps.xml", "orthoimagery.orthophotos")
    with pytest.raises(F.FetchError, match=r"did you mean 'ch.swisstopo.swissimage'"):
        wmts_template(doc, "caps.xml", "ch.swisstopo.swisimage")  # one letter short
    with pytest.raises(F.FetchError, match=r"the layers offered are: ORTHOIMAGERY.ORTHOPHOTOS, ch.bafu.layer000, .*"
                                           r"\.\.\. \(303 in all\)"):
        wmts_template(doc, "caps.xml", "luchtfoto")  # nothing like it: the list as before
    one = capabilities([layer("ch.swisstopo.swissimage", ["EPSG:3857"], rest="https://w.test/{TileMatrix}/{TileCol}/"
                              "{TileRow}.jpeg")], [mercator_set()])
    with pytest.raises(F.FetchError, match=r"\(1 layer in all; --list-layers"):
        wmts_template(one, "caps.xml", "swissimage")


def test_list_layers_with_a_word_prints_only_the_layers_holding_it(tmp_path, capsys):
    """A national service lists hundreds of layers: `--list-layers --layer WORD` prints those whose
    identifier or title holds WORD (case ignored), and says how many of all."""
    doc = capabilities([layer(n, ["EPSG:3857"], rest="https://w.test/{TileMatrix}/{TileCol}/{TileRow}.jpeg")
                        for n in ["ch.bafu.wald", "ch.swisstopo.swissimage", "ch.swisstopo.swissimage-product",
                                  "ortho"]], [mercator_set()])
    (tmp_path / "caps.xml").write_bytes(doc)
    assert main(["fetch-tiles", "--wmts", str(tmp_path / "caps.xml"), "--list-layers", "--layer", "SwissImage"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith(f"2 of 4 layers match 'SwissImage' in {tmp_path / 'caps.xml'} (Demo orthophotos);")
    assert [line.split()[0] for line in out[1:]] == ["ch.swisstopo.swissimage", "ch.swisstopo.swissimage-product"]
    assert main(["fetch-tiles", "--wmts", str(tmp_path / "caps.xml"), "--list-layers", "--layer", "aerial ortho"]) == 0
    out = capsys.readouterr().out.splitlines()  # the title ("Aerial ortho") counts too
    assert out[0].startswith("1 of 4 layers match 'aerial ortho'") and out[1].startswith("ortho  ")
