"""Property tests of how a photo's metadata says it was framed (core/media/framing.py, cropmeta36):
Camera Raw / Lightroom crop boxes (crs:Crop*, applied) read as that box and put the camera's principal point
where the camera had it; a resize of any factor, with any rounding, turned a quarter or not, never reads as a
crop; a crop of another aspect never reads as a resize; crops of other orientations say "cropped, place
unknown", never a box; turned crops (crop37) are placed only as a crop of the pixels' aspect inside the frame,
and where they were cut. Settings: tests/prop_profile.py."""

from __future__ import annotations

import math

import pytest
from hypothesis import assume, example, given
from hypothesis import strategies as st

from geolocator.core.media.framing import principal_bounds, principal_point, read_framing

from .prop_profile import prop

EXIF_W, EXIF_H = 0xA002, 0xA003

sides = st.integers(16, 12000)
fractions = st.floats(0.0, 1.0, allow_nan=False)
# how a writer prints a fraction: Camera Raw writes 6 decimals; others repr, exponent, padding
notations = st.sampled_from(["{:.6f}", "{!r}", "{:.4e}", " {:.6f} ", "{:.9g}"])
roundings = st.sampled_from([round, math.floor, math.ceil])


def _another_aspect(decoded, recorded) -> bool:
    """Whether `decoded` (w, h) differs from `recorded` by more than one pixel of rounding a side, straight
    or turned a quarter (what framing.size_framing reads as a resize). A crop to the recorded frame's
    turned aspect (a 3:2 frame cut to a 2:3 portrait, sizes kept) is not: see the record, open point."""
    (w, h), (rw, rh) = decoded, recorded
    return all(abs(w * ah - h * aw) > aw + ah and abs(math.log((w / h) / (aw / ah))) > 0.011
               for aw, ah in ((rw, rh), (rh, rw)))


@st.composite
def crop_boxes(draw):
    """(left, top, right, bottom) as Camera Raw writes them (text), and those texts' numbers."""
    fmt = draw(notations)
    xs = sorted(draw(st.lists(fractions, min_size=2, max_size=2, unique=True)))
    ys = sorted(draw(st.lists(fractions, min_size=2, max_size=2, unique=True)))
    texts = [fmt.format(v) for v in (xs[0], ys[0], xs[1], ys[1])]
    box = tuple(float(t) for t in texts)
    assume(box[0] < box[2] and box[1] < box[3] and box != (0, 0, 1, 1))
    return texts, box


def _crs(texts, *, angle="0", applied="True", has="True") -> dict[str, str]:
    keys = ("crs:CropLeft", "crs:CropTop", "crs:CropRight", "crs:CropBottom")
    return {"crs:AlreadyApplied": applied, "crs:HasCrop": has, "crs:CropAngle": angle, **dict(zip(keys, texts))}


@prop(200)
@given(sides, sides, crop_boxes(), st.floats(0.05, 3.0), roundings, st.sampled_from(["exif", "xmp", "none"]),
       st.sampled_from([None, 1]), st.sampled_from(["True", "true", " TRUE "]))
def test_an_applied_crop_box_reads_as_that_box_and_the_camera_centre(w, h, case, scale, rnd, sizes, orient, true):
    """A Lightroom export of any crop box of a W x H frame, at any export scale: the export writes its own
    size as PixelX/YDimension (or none); read as exactly the box written, and the principal point lies where
    the frame's centre is in the crop: ((0.5 - left) / (right - left), (0.5 - top) / (bottom - top))."""
    texts, (left, top, right, bottom) = case
    decoded = (max(1, rnd((right - left) * w * scale)), max(1, rnd((bottom - top) * h * scale)))
    exif = {EXIF_W: decoded[0], EXIF_H: decoded[1]} if sizes == "exif" else {}
    xmp = _crs(texts, applied=true, has=true)
    if sizes == "xmp":
        xmp |= {"exif:PixelXDimension": str(decoded[0]), "exif:PixelYDimension": str(decoded[1])}
    framing = read_framing(exif, xmp, decoded, orient)
    assert framing is not None and framing.cropped and framing.box == (left, top, right, bottom)
    px, py = principal_point(framing)
    assert px == pytest.approx((0.5 - left) / (right - left)) and py == pytest.approx((0.5 - top) / (bottom - top))


@prop(150)
@given(sides, sides, crop_boxes(), st.sampled_from([2, 3, 4, 5, 6, 7, 8]), st.floats(-45, 45))
def test_a_crop_of_a_turned_photo_is_cropped_but_never_placed(w, h, case, orient, angle):
    """A crop (turned or not) of a photo whose EXIF Orientation is not 1: cropped, with no box and no principal
    point (which way the fractions run is not known), never a box."""
    texts, _ = case
    xmp = _crs(texts, angle=f"{angle:.4f}")
    framing = read_framing({}, xmp, (w, h), orient)
    assert framing is not None and framing.cropped and framing.box is None and principal_point(framing) is None


@prop(150)
@given(sides, sides, crop_boxes(), st.floats(-45, 45))
def test_a_turned_crop_is_placed_only_as_a_crop_of_the_pixels_aspect_inside_the_frame(w, h, case, angle):
    """Any edges and turn (crop37): a turned crop is either a crop of unknown place, or placed with a frame
    aspect under which the edges, turned as Camera Raw turns them, span a crop of the pixels' aspect whose four
    corners lie in the frame (within TURNED_SLACK), its principal point finite."""
    from geolocator.core.media.framing import TURNED_SLACK, _turned_span

    assume(abs(angle) > 0.01)
    texts, _ = case
    framing = read_framing({}, _crs(texts, angle=f"{angle:.4f}"), (w, h), 1)
    assert framing is not None and framing.cropped
    if framing.box is None:
        assert principal_point(framing) is None
        return
    a, k = math.radians(framing.angle_deg), framing.frame_aspect
    x0, x1, y0, y1 = _turned_span(framing.box, framing.angle_deg, k)
    assert (x1 - x0) / (y1 - y0) == pytest.approx(w / h, rel=1e-6)
    for x, y in ((x0, y0), (x1, y0), (x1, y1), (x0, y1)):
        fx = (x * math.cos(a) - y * math.sin(a)) / k + 0.5
        fy = x * math.sin(a) + y * math.cos(a) + 0.5
        assert -TURNED_SLACK - 1e-9 <= fx <= 1 + TURNED_SLACK + 1e-9 and -TURNED_SLACK - 1e-9 <= fy <= 1 + TURNED_SLACK + 1e-9
    assert all(math.isfinite(v) for v in principal_point(framing))


@prop(150)
@given(st.floats(-45, 45), st.floats(0.1, 0.9), st.floats(0.1, 0.9), st.floats(-0.5, 0.5), st.floats(-0.5, 0.5),
       st.sampled_from([(4000, 3000), (5472, 3648), (4000, 2250), (3000, 4000)]))
def test_a_turned_crop_of_any_frame_is_placed_where_it_was_cut(angle, cw, ch, ox, oy, frame):
    """A crop cut from a frame (width, height pixels) turned `angle` degrees, `cw` x `ch` of the frame's sides
    along its own, moved from the centre by (ox, oy) of the room left: written with its edges to 6 decimals
    and its pixel size rounded, it is placed, the frame's aspect recovered and the frame's centre where it was."""
    from geolocator.core.media.framing import crop_width_share

    assume(abs(angle) > 0.05)
    W, H = frame
    a = math.radians(angle)
    c, s = math.cos(a), math.sin(a)
    w, h = cw * W, ch * H
    ex, ey = (w * c + h * abs(s)) / 2, (w * abs(s) + h * c) / 2  # the turned crop's half extent in the frame
    assume(ex < W / 2 and ey < H / 2 and min(w, h) >= 64)
    cx, cy = ox * (W / 2 - ex), oy * (H / 2 - ey)  # its centre, from the frame's, in the frame
    qx, qy = cx * c + cy * s, -cx * s + cy * c  # ... in turned coordinates
    corner = [((qx + dx) * c - (qy + dy) * s, (qx + dx) * s + (qy + dy) * c) for dx, dy in ((-w / 2, -h / 2), (w / 2, h / 2))]
    texts = [f"{v:.6f}" for v in (corner[0][0] / W + 0.5, corner[0][1] / H + 0.5, corner[1][0] / W + 0.5,
                                  corner[1][1] / H + 0.5)]
    framing = read_framing({}, _crs(texts, angle=f"{angle:.4f}"), (round(w), round(h)), 1)
    assert framing.box is not None and framing.frame_aspect == pytest.approx(W / H, rel=0.02)
    px, py = principal_point(framing)
    assert px == pytest.approx(0.5 - qx / w, abs=0.01) and py == pytest.approx(0.5 - qy / h, abs=0.01)
    assert crop_width_share(framing) == pytest.approx(cw, rel=0.02)


@prop(150)
@given(crop_boxes(), st.sampled_from(["False", "", None]), st.booleans())
def test_a_crop_camera_raw_has_not_applied_is_not_read(case, applied, has):
    """crs:Crop* without crs:AlreadyApplied "True" (a raw's sidecar: the pixels are still the whole frame):
    nothing said, whatever the box."""
    texts, _ = case
    xmp = _crs(texts, applied=applied, has="True" if has else "False")
    if applied is None:
        del xmp["crs:AlreadyApplied"]
    assert read_framing({}, xmp, (4000, 3000), 1) is None


@prop(300)
@given(sides, sides, st.floats(0.001, 20.0), roundings, roundings, st.booleans(), st.sampled_from(["exif", "xmp"]),
       st.booleans())
@example(4000, 3000, 0.0005, math.floor, math.ceil, False, "exif", False)
@example(16, 12000, 0.01, math.ceil, math.floor, True, "exif", False)
def test_a_resize_of_any_factor_never_reads_as_a_crop(w, h, scale, rnd_w, rnd_h, quarter, where, edit):
    """A photo whose camera wrote W x H, resized by any factor with any rounding of each side (and turned a
    quarter by a tool that kept the sizes, or not), with a Camera Raw crop still only an edit (not applied):
    never a crop; the principal point stays at the centre."""
    decoded = (max(1, rnd_w(w * scale)), max(1, rnd_h(h * scale)))
    if quarter:
        decoded = decoded[::-1]
    exif = {EXIF_W: w, EXIF_H: h} if where == "exif" else {}
    xmp = {"exif:PixelXDimension": str(w), "exif:PixelYDimension": str(h)} if where == "xmp" else {}
    if edit:
        xmp |= _crs(["0.1", "0.1", "0.6", "0.9"], applied="False")
    framing = read_framing(exif, xmp, decoded, 1)
    assert framing is None or not framing.cropped, framing
    assert principal_point(framing) == (0.5, 0.5)


@prop(200)
@given(st.integers(200, 12000), st.integers(200, 12000), st.floats(0.2, 0.95), st.floats(0.03, 0.5), st.booleans(),
       st.floats(0.1, 1.0))
def test_a_crop_to_another_aspect_never_reads_as_a_resize(w, h, keep, change, wider, scale):
    """Cropping one side of a W x H frame (the camera's sizes kept in EXIF) to an aspect 3-50 % away, then
    perhaps shrinking it, to a size that no rounding of a resize (straight or turned) explains: always a crop
    of unknown place, and a
    crop not enlarged reports the least share of the frame it can be."""
    cw, ch = (w * keep, h * keep * (1 - change)) if wider else (w * keep * (1 - change), h * keep)
    decoded = (round(cw * scale), round(ch * scale))
    assume(min(decoded) >= 8 and _another_aspect(decoded, (w, h)))
    framing = read_framing({EXIF_W: w, EXIF_H: h}, {}, decoded, 1)
    assert framing is not None and framing.cropped and framing.box is None
    assert framing.least_share == (decoded[0] / w, decoded[1] / h)
    (x0, x1), (y0, y1) = principal_bounds(framing)
    # the true principal point of a centred crop, (0.5, 0.5), is always inside the bounds
    assert x0 <= 0.5 <= x1 and y0 <= 0.5 <= y1


@prop(100)
@given(sides, sides, crop_boxes(), st.floats(0.2, 1.0))
def test_an_applied_crop_cropped_again_is_never_read_as_its_old_box(w, h, case, again):
    """A Lightroom export (its box, its own size in EXIF) cropped again to another aspect by a tool that kept
    the metadata: cropped, place unknown; the old box would put the principal point in the wrong place."""
    texts, (left, top, right, bottom) = case
    export = (max(1, round((right - left) * w)), max(1, round((bottom - top) * h)))
    assume(min(export) >= 40)
    decoded = (max(1, round(export[0] * again)), export[1])
    assume(_another_aspect(decoded, export))
    framing = read_framing({EXIF_W: export[0], EXIF_H: export[1]}, _crs(texts), decoded, 1)
    assert framing is not None and framing.cropped and framing.box is None


@prop(40)
@given(st.one_of(st.none(), st.text(max_size=8), st.floats(), st.integers(-5, 10**7),
                 st.tuples(st.integers(-5, 10**6))), st.one_of(st.none(), st.text(max_size=8), st.integers(-5, 10**7)),
       st.dictionaries(st.sampled_from(["crs:AlreadyApplied", "crs:HasCrop", "crs:CropLeft", "crs:CropTop",
                                        "crs:CropRight", "crs:CropBottom", "crs:CropAngle", "exif:PixelXDimension",
                                        "exif:PixelYDimension"]), st.text(max_size=10)),
       st.one_of(st.none(), st.tuples(st.integers(0, 9000), st.integers(0, 9000))),
       st.one_of(st.none(), st.integers(-1, 9)))
def test_any_metadata_values_never_raise(xdim, ydim, xmp, decoded, orientation):
    """Whatever a writer put in these fields (text, NaN, negatives, tuples, out-of-range boxes): read_framing
    returns None or a Framing, never raises; a box it returns lies in 0-1 with left < right, top < bottom."""
    framing = read_framing({EXIF_W: xdim, EXIF_H: ydim}, xmp, decoded, orientation)
    if framing is not None and framing.box is not None:
        left, top, right, bottom = framing.box
        assert 0 <= left < right <= 1 and 0 <= top < bottom <= 1


def _packet(texts, prefix: str, elements: bool, order: list[int], extra: str) -> bytes:
    """A Camera Raw XMP packet as Lightroom (attributes) or exiftool / other writers (elements) write it."""
    names = ["CropLeft", "CropTop", "CropRight", "CropBottom"]
    fields = [("AlreadyApplied", "True"), ("HasCrop", "True"), ("CropAngle", "0")]
    fields += [(names[i], texts[i].strip()) for i in order]
    ns = f'xmlns:{prefix}="http://ns.adobe.com/camera-raw-settings/1.0/"'
    if elements:
        body = f'<rdf:Description rdf:about="" {ns}>' + "".join(
            f"<{prefix}:{k}>{extra}{v}{extra}</{prefix}:{k}>" for k, v in fields) + "</rdf:Description>"
    else:
        body = f'<rdf:Description rdf:about="" {ns} ' + " ".join(f'{prefix}:{k}="{v}"' for k, v in fields) + "/>"
    return ('<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?><x:xmpmeta xmlns:x="adobe:ns:meta/">'
            '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">' + body +
            '</rdf:RDF></x:xmpmeta><?xpacket end="w"?>').encode()


@prop(25, fixtures=True)
@given(st.integers(100, 400), st.integers(100, 400), crop_boxes(), st.sampled_from(["crs", "cr", "ns1"]), st.booleans(),
       st.permutations(range(4)), st.sampled_from(["", " ", "\n  "]), st.booleans())
def test_a_crop_written_in_a_jpeg_reads_back_through_read_photo_meta(tmp_path, w, h, case, prefix, elements, order,
                                                                     pad, exif_sizes):
    """The whole reader: a JPEG of the cropped pixels with the crop in its XMP packet (attributes or elements,
    any prefix for Camera Raw's namespace, any field order, padded text) and the export's size in EXIF or
    not: PhotoMeta.framing is the box written."""
    from PIL import Image

    from geolocator.core.media.metadata import read_photo_meta

    texts, box = case
    size = (max(1, round((box[2] - box[0]) * w)), max(1, round((box[3] - box[1]) * h)))
    exif = Image.Exif()
    if exif_sizes:
        exif[0x8769] = {EXIF_W: size[0], EXIF_H: size[1]}
    path = tmp_path / "crop.jpg"
    Image.new("RGB", size, (90, 120, 60)).save(path, exif=exif, xmp=_packet(texts, prefix, elements, order, pad))
    framing = read_photo_meta(path).framing
    assert framing is not None and framing.cropped and framing.box == box
