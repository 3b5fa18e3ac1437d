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
OUTSIDE_SHARE_SAID = 0.01  # a box with at least this share outside its CRS's area of use is warned of


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
    shown = ",".join(_number(v) for v in (x0, y0, x1, y1))
    if not all(math.isfinite(v) for v in (x0, y0, x1, y1)):
        raise ValueError(f"--bbox {shown} in {label}: not finite")
    if not x0 < x1:
        raise ValueError(f"--bbox {shown} in {label}: min x ({_number(x0)}) must be less than max x ({_number(x1)}) "
                         "(the box is min x, min y, max x, max y: easting first)")
    if not y0 < y1:
        raise ValueError(f"--bbox {shown} in {label}: min y ({_number(y0)}) must be less than max y ({_number(y1)}) "
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
    # share_outside, not the edges compared: an area of use across 180° (NAD83's 167.65 to -40.73 east, Alaska
    # Albers') had every box inside it called wholly outside (w > use.east for any box west of -40.73)
    if use is not None and share_outside(Bounds(w, s, e, n), use) >= 1.0:
        raise ValueError(f"--bbox {shown} in {label} is {w:.4f},{s:.4f},{e:.4f},{n:.4f} in degrees, wholly outside "
                         f"the area {label} is made for ({_area_words(use)}: {use.west:g},{use.south:g},{use.east:g},"
                         f"{use.north:g}): are the numbers in {label}? (degrees need no --bbox-crs)")
    return Bounds(w, s, e, n)


def _area_words(use) -> str:
    """An area of use's name up to its first full stop, at most 100 characters (UTM's and NAD83's list
    every country or state after it)."""
    words = use.name.split(". ")[0]
    return words if len(words) <= 100 else words[:100].rsplit(" ", 1)[0].rstrip(";,:") + " …"


def _number(v: float) -> str:
    """A box's number as people type it: 5318235.6 stays 5318235.6 (":g" wrote 5.31824e+06)."""
    return f"{v:.10g}"


def _overlap(lo: float, hi: float, use_lo: float, use_hi: float) -> float:
    return max(0.0, min(hi, use_hi) - max(lo, use_lo))


def share_outside(box: Bounds, use) -> float:
    """The share (0..1) of `box` (WGS84 degrees, west < east) that lies outside `use` (a pyproj
    AreaOfUse: west, south, east, north degrees; east < west for one across 180°), measured in
    degrees (longitude span x latitude span, as the box and the area are both degree rectangles).
    A box with no width or height counts as inside when its line is."""
    use_east = use.east + 360.0 if use.east < use.west else use.east
    width, height = box.east - box.west, box.north - box.south
    lon_in = max(_overlap(box.west + k, box.east + k, use.west, use_east) for k in (-360.0, 0.0, 360.0))
    lat_in = _overlap(box.south, box.north, use.south, use.north)
    lon_share = lon_in / width if width > 0 else float(any(
        use.west <= box.west + k <= use_east for k in (-360.0, 0.0, 360.0)))
    lat_share = lat_in / height if height > 0 else float(use.south <= box.south <= use.north)
    return 1.0 - lon_share * lat_share


def partly_outside_note(numbers: tuple[float, float, float, float], crs, label: str, box: Bounds) -> str | None:
    """A warning when the box `numbers` (min x, min y, max x, max y in `crs`, `label` naming it), whose
    WGS84 box is `box` (bbox_in_crs's answer), lies OUTSIDE_SHARE_SAID or more outside the CRS's area of
    use (pyproj CRS.area_of_use): there a projection's scale and shape errors grow (a UTM zone's
    scale factor with the square of the distance from its central meridian) and a national grid's
    datum shift is not defined, so the area fetched is not the one meant. None when the CRS states
    no area of use or the box lies (almost) wholly inside it; a box wholly outside is refused by
    bbox_in_crs, not said here."""
    use = crs.area_of_use
    if use is None:
        return None
    share = share_outside(box, use)
    if share < OUTSIDE_SHARE_SAID:
        return None
    area = _area_words(use)
    return (f"--bbox {','.join(_number(v) for v in numbers)} in {label} ({box.west:.4f},{box.south:.4f},{box.east:.4f},"
            f"{box.north:.4f} in degrees) lies {share:.0%} outside the area {label} is made for ({area}: "
            f"{use.west:g},{use.south:g},{use.east:g},{use.north:g}), where it is not made to be accurate (a "
            "projection's scale error grows, a datum shift is not defined): is it the CRS meant? A box across "
            "its edge is best given in degrees (degrees need no --bbox-crs)")
