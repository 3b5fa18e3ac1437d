"""Property tests of Google Earth overlays' placement text (core/sources/kml_overlay.py parse_overlay): a
GroundOverlay's LatLonBox or gx:LatLonQuad as KML writers lay it out (namespaces or none, element order,
float notation, whitespace between coordinate tuples, an altitude in each tuple, a byte order mark) reads
back to the numbers written. Deterministic (derandomize), like every tests/test_prop_*.py.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from geolocator.core.sources.kml_overlay import parse_overlay

hypothesis = pytest.importorskip("hypothesis")
from hypothesis import example, given  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from .prop_profile import prop  # noqa: E402

_FORMS = st.sampled_from(["repr", "exp", "fixed", "padded"])
_ROOTS = st.sampled_from([
    '<kml xmlns="http://www.opengis.net/kml/2.2" xmlns:gx="http://www.google.com/kml/ext/2.2">',
    '<kml xmlns="http://earth.google.com/kml/2.1" xmlns:gx="http://www.google.com/kml/ext/2.2">',
    '<kml xmlns:gx="http://www.google.com/kml/ext/2.2">',
])


def _num(form: str, v: float) -> str:
    return {"repr": repr(v), "exp": f"{v:.15e}", "fixed": f"{v:.9f}", "padded": f"\n\t {v!r} \n"}[form]


def _doc(root: str, body: str, bom: bool) -> bytes:
    text = (f'<?xml version="1.0" encoding="UTF-8"?>\n{root}<Document><GroundOverlay><name>o</name>'
            f"<Icon><href>map.png</href></Icon>{body}</GroundOverlay></Document></kml>")
    return (b"\xef\xbb\xbf" if bom else b"") + text.encode("utf-8")


@prop(60)
@given(st.floats(-180.0, 179.0), st.floats(0.001, 1.0), st.floats(-85.0, 84.0), st.floats(0.001, 1.0),
       st.floats(-180.0, 180.0), st.permutations(["north", "south", "east", "west", "rotation"]),
       st.lists(_FORMS, min_size=5, max_size=5), _ROOTS, st.booleans())
def test_a_latlonbox_written_any_way_reads_back(west, width, south, height, rotation, order, forms, root, bom):
    """KML 2.2 (OGC 07-147r2 §11.3, kml:LatLonBox): north, south, east, west in degrees (its children in any
    order a writer puts them; whitespace round a number is allowed by xsd:double's whitespace collapse),
    rotation in degrees counter-clockwise; Google Earth's 2.1 namespace and no namespace are read too.
    Property: parse_overlay gives (north, south, east, west) and the rotation as written (east continued
    past 180° when the box crosses it)."""
    east = west + width
    values = {"north": south + height, "south": south, "east": (east + 180.0) % 360.0 - 180.0 if east > 180.0 else east,
              "west": west, "rotation": rotation}
    texts = {k: _num(f, values[k]) for k, f in zip(order, forms)}
    body = "<LatLonBox>" + "".join(f"<{k}>{texts[k]}</{k}>" for k in order) + "</LatLonBox>"
    got = parse_overlay(_doc(root, body, bom), Path("o.kml"))
    want = {k: float(t) for k, t in texts.items()}
    e = want["east"] + (360.0 if want["east"] <= want["west"] else 0.0)
    assert got.box == (want["north"], want["south"], e, want["west"])
    assert got.rotation_deg == want["rotation"]


@prop(60)
@given(st.floats(-179.0, 179.0), st.floats(-80.0, 80.0), st.lists(st.floats(-0.5, 0.5), min_size=8, max_size=8),
       st.sampled_from([" ", "\n", "\t", "\r\n", "  \n\t "]), st.booleans(), st.lists(_FORMS, min_size=8, max_size=8),
       _ROOTS, st.booleans())
@example(7.0, 46.0, [0.0] * 8, "\r\n", True, ["repr"] * 8, '<kml xmlns:gx="http://www.google.com/kml/ext/2.2">', True)
def test_a_latlonquad_written_any_way_reads_back(lon, lat, jitter, sep, alt, forms, root, bom):
    """KML gx:LatLonQuad (Google's extension, §kml:coordinates of OGC 07-147r2 §16.9): four "lon,lat[,alt]"
    tuples, no space inside a tuple, any whitespace between tuples, counter-clockwise from the lower left.
    Property: parse_overlay gives the four (lon, lat) corners as written (in the first corner's longitude
    range), the altitudes dropped."""
    corners = [(lon - 0.01 + jitter[0] * 1e-3, lat - 0.01 + jitter[1] * 1e-3),
               (lon + 0.01 + jitter[2] * 1e-3, lat - 0.01 + jitter[3] * 1e-3),
               (lon + 0.01 + jitter[4] * 1e-3, lat + 0.01 + jitter[5] * 1e-3),
               (lon - 0.01 + jitter[6] * 1e-3, lat + 0.01 + jitter[7] * 1e-3)]
    texts = [(_num(forms[2 * i], x).strip(), _num(forms[2 * i + 1], y).strip()) for i, (x, y) in enumerate(corners)]
    tuples = [f"{x},{y}" + (",0" if alt else "") for x, y in texts]
    body = f"<gx:LatLonQuad><coordinates>{sep}{sep.join(tuples)}{sep}</coordinates></gx:LatLonQuad>"
    got = parse_overlay(_doc(root, body, bom), Path("o.kml"))
    assert got.quad == tuple((float(x), float(y)) for x, y in texts)
