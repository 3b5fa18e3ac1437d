"""An area given in another coordinate system than degrees (`fetch-tiles --bbox-crs EPSG:28992`).

A Dutch, Swiss or French mapper has the area in RD New (EPSG:28992), LV95 (EPSG:2056) or
Lambert-93 (EPSG:2154) metres. The box is given as min x, min y, max x, max y in that CRS (easting
first, northing second, whatever the order of the CRS's axes: pyproj's always_xy convention) and
made a WGS84 box with pyproj's Transformer.transform_bounds, which densifies the edges (21 points a
side): a rectangle in a projected CRS is not a rectangle in degrees, its edges curve, and the box
in degrees must hold all of it, not only its four corners.
"""

from __future__ import annotations

import math

from ..model import Bounds

DENSIFY_POINTS = 21  # points added along each edge before the bounds are taken (pyproj transform_bounds)


def area_crs(text: str | None):
    """The pyproj CRS of `--bbox-crs TEXT` (an EPSG number, "EPSG:28992", a URN, WKT, a PROJ string),
    or None for degrees (none given, 4326, EPSG:4326, CRS84). Raises ValueError naming the text for
    an unknown CRS, and for one whose coordinates are no place on a map (geo.not_a_map): a height
    system (vertical, EPSG:5773) or an earth-centred one (geocentric, EPSG:4978); pyproj turned a
    height system's box into degrees with latitude and longitude swapped."""
    from ..geo import not_a_map, parse_crs

    if text is None or not str(text).strip():
        return None
    crs = parse_crs(text)
    if not_a_map(crs):
        raise ValueError(f"{str(text).strip()[:80]!r} is {not_a_map(crs)}, not a map's: give a projected "
                         "(eastings, northings) or geographic (degrees) coordinate system")
    auth = crs.to_authority()
    if auth in (("EPSG", "4326"), ("OGC", "CRS84")):
        return None
    return crs


def bbox_in_crs(numbers: tuple[float, float, float, float], crs, label: str) -> Bounds:
    """The WGS84 box (west, south, east, north degrees) holding the box `numbers` = (min x, min y,
    max x, max y) given in `crs` (a pyproj CRS; x easting, y northing; `label` names it in
    messages). Raises ValueError, naming the box and the CRS, for numbers that are not finite, a
    min that is not less than its max, a box that cannot be transformed, a box across the
    antimeridian (as fetch.check_bbox: not supported), and a box that lies wholly outside the CRS's
    area of use (the numbers are then most likely in another CRS)."""
    from pyproj import CRS, Transformer
    from pyproj.exceptions import ProjError

    x0, y0, x1, y1 = (float(v) for v in numbers)
    shown = f"{x0:g},{y0:g},{x1:g},{y1:g}"
    if not all(math.isfinite(v) for v in (x0, y0, x1, y1)):
        raise ValueError(f"--bbox {shown} in {label}: not finite")
    if not x0 < x1:
        raise ValueError(f"--bbox {shown} in {label}: min x ({x0:g}) must be less than max x ({x1:g}) "
                         "(the box is min x, min y, max x, max y: easting first)")
    if not y0 < y1:
        raise ValueError(f"--bbox {shown} in {label}: min y ({y0:g}) must be less than max y ({y1:g}) "
                         "(the box is min x, min y, max x, max y: northing second)")
    try:
        t = Transformer.from_crs(crs, CRS.from_epsg(4326), always_xy=True)
        w, s, e, n = t.transform_bounds(x0, y0, x1, y1, densify_pts=DENSIFY_POINTS)
    except ProjError as exc:
        raise ValueError(f"--bbox {shown} cannot be transformed from {label} to degrees ({exc})") from None
    if all(math.isfinite(v) for v in (w, s, e, n)) and w > e and s < n:  # pyproj's way of saying it crosses 180
        raise ValueError(f"--bbox {shown} in {label} crosses the antimeridian (180 degrees: {w:.4f} to {e:.4f} "
                         "east): areas across it are not supported; fetch each side of it on its own")
    if not all(math.isfinite(v) for v in (w, s, e, n)) or not (w < e and s < n):
        raise ValueError(f"--bbox {shown} cannot be transformed from {label} to degrees: does it lie within "
                         f"the area {label} is made for?")
    use = crs.area_of_use
    if use is not None and (e < use.west or w > use.east or n < use.south or s > use.north):
        raise ValueError(f"--bbox {shown} in {label} is {w:.4f},{s:.4f},{e:.4f},{n:.4f} in degrees, wholly outside "
                         f"the area {label} is made for ({use.name}: {use.west:g},{use.south:g},{use.east:g},"
                         f"{use.north:g}): are the numbers in {label}? (degrees need no --bbox-crs)")
    return Bounds(w, s, e, n)
