"""Cropped or resized since the camera (core/media/framing.py, PhotoMeta.framing), and the camera check's use of it.

Every metadata form on a photo written here the way the tool that makes it writes it: a Lightroom / Camera Raw
export (XMP crs:Crop* with crs:AlreadyApplied True, EXIF sizes rewritten), a Camera Raw edit not applied to the
pixels (in the file, in a sidecar), a crop or resize tool that keeps the camera's EXIF PixelX/YDimension.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from geolocator.core.camera_fit import MISFIT_BAR, camera_misfit, uncameralike
from geolocator.core.media.framing import crop_width_share, principal_bounds, principal_point, size_framing
from geolocator.core.media.metadata import read_photo_meta
from geolocator.core.model import Framing, LatLon, Query
from tests.test_camera_fit import SIZE, TILE, _apply, _corners, _ground, _homography
from tests.test_metadata import EXIF_IFD, REAL_DJI, needs_real_dji

CRS_NS = 'xmlns:crs="http://ns.adobe.com/camera-raw-settings/1.0/"'


def _crs(box=(0.1, 0.2, 0.7, 0.65), applied="True", has_crop="True", angle="0", prefix="crs") -> bytes:
    left, top, right, bottom = box
    ns = CRS_NS.replace("xmlns:crs", f"xmlns:{prefix}")
    return ('<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?><x:xmpmeta xmlns:x="adobe:ns:meta/">'
            '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
            f'<rdf:Description rdf:about="" {ns} {prefix}:Version="15.0" {prefix}:HasSettings="True" '
            f'{prefix}:AlreadyApplied="{applied}" {prefix}:HasCrop="{has_crop}" {prefix}:CropTop="{top}" '
            f'{prefix}:CropLeft="{left}" {prefix}:CropBottom="{bottom}" {prefix}:CropRight="{right}" '
            f'{prefix}:CropAngle="{angle}"/></rdf:RDF></x:xmpmeta><?xpacket end="w"?>').encode()


def _photo(path: Path, size=(240, 90), recorded=None, xmp: bytes | None = None, orientation=None) -> Path:
    exif = Image.Exif()
    if recorded:
        exif[EXIF_IFD] = {0xA002: recorded[0], 0xA003: recorded[1]}
    if orientation:
        exif[0x0112] = orientation
    kwargs = {"exif": exif}
    if xmp is not None:
        kwargs["xmp"] = xmp
    Image.new("RGB", size, (90, 120, 60)).save(path, **kwargs)
    return path


def test_a_lightroom_export_says_where_it_was_cropped(tmp_path):
    """Lightroom's export: the crop applied (crs:AlreadyApplied True), its box as fractions of the frame,
    the EXIF sizes those of the export. The principal point is the frame's centre carried into the box."""
    meta = read_photo_meta(_photo(tmp_path / "export.jpg", recorded=(240, 90), xmp=_crs()))
    assert meta.framing == Framing(True, (0.1, 0.2, 0.7, 0.65), "XMP crs:Crop* (Camera Raw/Lightroom crop)")
    x, y = principal_point(meta.framing)
    assert (x, y) == pytest.approx(((0.5 - 0.1) / 0.6, (0.5 - 0.2) / 0.45))
    # the namespace is known by its URI, whatever prefix the file declares
    other = read_photo_meta(_photo(tmp_path / "other.jpg", xmp=_crs(prefix="cr")))
    assert other.framing == meta.framing


def test_an_export_cropped_again_by_another_tool_is_a_crop_of_unknown_place(tmp_path):
    """Lightroom's export (EXIF sizes 240 x 180 rewritten, crs box) cropped again by a tool that keeps its
    metadata: the pixels (240 x 90) are no longer the box, so only "cropped" is known; resized only, the box holds."""
    again = read_photo_meta(_photo(tmp_path / "again.jpg", size=(240, 90), recorded=(240, 180), xmp=_crs())).framing
    assert again.cropped and again.box is None and "then cropped again" in again.source
    shrunk = read_photo_meta(_photo(tmp_path / "shrunk.jpg", size=(120, 45), recorded=(240, 90), xmp=_crs())).framing
    assert shrunk.box == (0.1, 0.2, 0.7, 0.65)


@pytest.mark.parametrize("applied", ["False", None])
def test_camera_raw_settings_not_applied_to_the_pixels_are_no_crop(tmp_path, applied):
    """A JPEG edited in Camera Raw keeps its pixels and carries the crop as a setting (AlreadyApplied
    False): the pixels are the whole frame, the principal point in the middle."""
    xmp = _crs(applied="False") if applied else _crs().replace(b'crs:AlreadyApplied="True" ', b"")
    assert read_photo_meta(_photo(tmp_path / "edit.jpg", xmp=xmp)).framing is None


def test_a_raw_s_sidecar_crop_is_not_the_jpeg_s(tmp_path):
    """RAW+JPEG edited in Lightroom: DSC_0001.xmp (the raw's crop, not applied) beside DSC_0001.JPG."""
    _photo(tmp_path / "DSC_0001.JPG")
    (tmp_path / "DSC_0001.xmp").write_bytes(_crs(applied="False"))
    assert read_photo_meta(tmp_path / "DSC_0001.JPG").framing is None


def test_a_turned_crop_of_another_orientation_or_a_broken_crop_is_a_crop_of_unknown_place(tmp_path):
    turned = read_photo_meta(_photo(tmp_path / "turned.jpg", xmp=_crs(angle="3.5"), orientation=6)).framing
    assert turned.cropped and turned.box is None and "turned 3.5 degrees" in turned.source
    broken = read_photo_meta(_photo(tmp_path / "broken.jpg", xmp=_crs(box=(0.7, 0.2, 0.1, "x")))).framing
    assert broken.cropped and broken.box is None
    rotated = read_photo_meta(_photo(tmp_path / "rot.jpg", xmp=_crs(), orientation=6)).framing
    assert rotated.cropped and rotated.box is None and "Orientation 6" in rotated.source
    assert principal_point(turned) is None
    whole = read_photo_meta(_photo(tmp_path / "whole.jpg", xmp=_crs(box=(0, 0, 1, 1)))).framing
    assert whole is None


def test_exif_sizes_of_another_aspect_say_cropped_but_not_where(tmp_path):
    """A crop tool that keeps the camera's EXIF block: PixelX/YDimension 400 x 300 (4:3) on 240 x 90 pixels."""
    framing = read_photo_meta(_photo(tmp_path / "crop.jpg", recorded=(400, 300))).framing
    assert framing.cropped and framing.box is None and framing.least_share == (0.6, 0.3)
    assert "EXIF PixelXDimension x PixelYDimension 400 x 300, pixels 240 x 90" in framing.source
    assert principal_point(framing) is None
    (x0, x1), (y0, y1) = principal_bounds(framing)
    assert (x0, x1) == pytest.approx((1 - 0.5 / 0.6, 0.5 / 0.6)) and (y0, y1) == pytest.approx((1 - 0.5 / 0.3, 0.5 / 0.3))


def test_a_resized_photo_is_not_a_crop(tmp_path):
    """A resize keeps the aspect (to a pixel of rounding): the whole frame, principal point in the middle."""
    for recorded, size in (((4000, 3000), (384, 288)), ((4000, 2250), (1001, 563)), ((5472, 3648), (1024, 683))):
        framing = read_photo_meta(_photo(tmp_path / "small.jpg", size=size, recorded=recorded)).framing
        assert framing is not None and not framing.cropped and framing.source.endswith("the whole frame, resized")
        assert principal_point(framing) == (0.5, 0.5)
    turned = size_framing((4000, 3000), (300, 400), "EXIF")
    assert not turned.cropped and "turned a quarter, or a crop of that shape (these fields cannot tell which)" in turned.source
    assert read_photo_meta(_photo(tmp_path / "same.jpg", size=(240, 90), recorded=(240, 90))).framing is None
    assert read_photo_meta(_photo(tmp_path / "none.jpg")).framing is None


def test_xmp_sizes_stand_in_for_missing_exif_ones(tmp_path):
    xmp = ('<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
           '<rdf:Description rdf:about="" xmlns:exif="http://ns.adobe.com/exif/1.0/" exif:PixelXDimension="400" '
           'exif:PixelYDimension="300"/></rdf:RDF></x:xmpmeta>').encode()
    framing = read_photo_meta(_photo(tmp_path / "x.jpg", xmp=xmp)).framing
    assert framing.cropped and framing.source.startswith("XMP exif:PixelXDimension x PixelYDimension 400 x 300")


@needs_real_dji
def test_untouched_dji_photos_are_their_whole_frame():
    """The Phantom 3 files: EXIF 4000 x 2250 as decoded, crs:HasCrop False (DJI's XMP)."""
    for path in sorted(REAL_DJI.glob("*.JPG")):
        assert read_photo_meta(path).framing is None, path.name


def _crop_outline(box, tilt=45.0, hfov=75.0, heading=30.0):
    """The ground outline of `box` (left, top, right, bottom fractions) of a pinhole camera's SIZE frame."""
    H = _homography(_ground(_corners(tilt, heading, hfov)), SIZE)
    x0, y0, x1, y1 = box[0] * SIZE[0], box[1] * SIZE[1], box[2] * SIZE[0], box[3] * SIZE[1]
    outline = [LatLon(lat, lon) for lon, lat in (_apply(H, x, y) for x, y in ((x0, y0), (x1, y0), (x1, y1), (x0, y1)))]
    return outline, (round(x1 - x0), round(y1 - y0))


def _as_corners(outline):
    b = TILE.bounds
    return tuple(((p.lon - b.west) / (b.east - b.west), (b.north - p.lat) / (b.north - b.south)) for p in outline)


def test_the_camera_check_reads_a_lightroom_crop_at_its_principal_point(tmp_path):
    """A 9 % corner crop (0.3 x 0.3 of the frame) of a wide (100 degrees across) view 40 degrees off nadir
    reads as no camera with the principal point at its centre (0.51, above MISFIT_BAR: refused before)
    and as exactly a camera with it where the crop's metadata puts it."""
    box = (0.7, 0.7, 1.0, 1.0)
    outline, size = _crop_outline(box, tilt=40.0, hfov=100.0)
    assert camera_misfit(outline, size).misfit > MISFIT_BAR
    x, y = principal_point(Framing(True, box, "test"))
    assert camera_misfit(outline, size, principal=(x, y), frame=1 / 0.3).misfit < 0.01
    # through the product's path: uncameralike reads the photo's framing from its metadata
    photo = _photo(tmp_path / "export.jpg", size=size, recorded=size, xmp=_crs(box=box))
    corners = _as_corners(outline)
    assert uncameralike(Query("export.jpg", photo, meta=read_photo_meta(photo)), TILE, corners) is None
    assert uncameralike(Query("export.jpg", photo), TILE, corners) is None  # meta not read yet: read from the file
    plain = _photo(tmp_path / "plain.jpg", size=size)
    assert "no camera sees (misfit 0.5" in uncameralike(Query("plain.jpg", plain), TILE, corners)


def test_a_crop_of_unknown_place_is_read_as_any_photo_unless_searched(tmp_path, monkeypatch):
    """EXIF sizes of another aspect: cropped, place unknown. The check reads it at the centre (as before,
    SEARCH_UNPLACED_CROPS False: measured in training/results/cropmeta36_session36.md); searched, the
    principal point within principal_bounds finds the camera."""
    import geolocator.core.camera_fit as cf

    box = (0.7, 0.75, 1.0, 1.0)  # 0.3 x 0.25 of the frame: another aspect than the EXIF sizes'
    outline, size = _crop_outline(box, tilt=40.0, hfov=100.0)
    photo = _photo(tmp_path / "tool.jpg", size=size, recorded=SIZE)
    q = Query("tool.jpg", photo, meta=read_photo_meta(photo))
    assert q.meta.framing.cropped and q.meta.framing.box is None
    corners = _as_corners(outline)
    assert uncameralike(q, TILE, corners) is not None
    monkeypatch.setattr(cf, "SEARCH_UNPLACED_CROPS", True)
    assert uncameralike(q, TILE, corners) is None
    assert cf.query_misfit(q, outline)[1] == "searched"


@pytest.mark.parametrize("box", [(0.0, 0.0, 0.5, 0.5), (0.5, 0.0, 1.0, 0.4), (0.2, 0.55, 0.9, 1.0), (0.7, 0.1, 1.0, 0.9)])
@pytest.mark.parametrize("tilt, hfov", [(0.0, 90.0), (25.0, 100.0), (45.0, 75.0), (60.0, 40.0)])
def test_any_crop_of_a_camera_s_view_reads_as_a_camera_at_its_box(box, tilt, hfov):
    """Whatever the box and the camera, the crop's outline is a pinhole camera's exactly once the principal
    point is where principal_point puts it (and the lens range is the frame's: `frame`)."""
    outline, size = _crop_outline(box, tilt=tilt, hfov=hfov)
    x, y = principal_point(Framing(True, box, "test"))
    fit = camera_misfit(outline, size, principal=(x, y), frame=1 / (box[2] - box[0]))
    assert fit.misfit < 0.01 and fit.tilt_deg == pytest.approx(tilt, abs=2.0)
    if tilt >= 25.0:  # the lens is read across the whole frame, not the crop
        assert fit.hfov_deg == pytest.approx(hfov, abs=2.0)


def test_a_crop_box_of_no_width_or_height_is_no_box(tmp_path):
    """CropLeft == CropRight (or Top == Bottom) is no box in the frame (FR2: taken as one, principal_point
    divided by its zero width): a crop of unknown place."""
    for box in ((0.5, 0.2, 0.5, 0.65), (0.1, 0.4, 0.7, 0.4)):
        framing = read_photo_meta(_photo(tmp_path / "flat.jpg", xmp=_crs(box=box))).framing
        assert framing.cropped and framing.box is None and "not a box" in framing.source
        assert principal_point(framing) is None


@pytest.mark.parametrize("angle", ["-3.5", "3.5"])
def test_a_crop_turned_either_way_is_read_as_turned(tmp_path, angle):
    """Camera Raw writes a crop turned either way, a negative CropAngle or a positive one (FR4: only positive
    turns were seen): both are read as turned (crop37: placed, with the frame's aspect from the pixels)."""
    framing = read_photo_meta(_photo(tmp_path / "turned.jpg", xmp=_crs(angle=angle))).framing
    assert framing.cropped and framing.angle_deg == float(angle) and f"turned {angle} degrees" in framing.source
    within = read_photo_meta(_photo(tmp_path / "level.jpg", xmp=_crs(angle="-0.005"))).framing
    assert within.box == (0.1, 0.2, 0.7, 0.65)


@pytest.mark.parametrize("orientation", [2, 3, 8])
def test_any_exif_orientation_but_1_leaves_the_crop_unplaced(tmp_path, orientation):
    """A half turn (3) or a mirror (2) runs the fractions the other way too (FR5: 3 read as placed)."""
    framing = read_photo_meta(_photo(tmp_path / "o.jpg", xmp=_crs(), orientation=orientation)).framing
    assert framing.cropped and framing.box is None and f"Orientation {orientation}" in framing.source
    upright = read_photo_meta(_photo(tmp_path / "up.jpg", xmp=_crs(), orientation=1)).framing
    assert upright.box == (0.1, 0.2, 0.7, 0.65)


def test_a_size_that_is_not_a_whole_number_of_pixels_is_no_size(tmp_path):
    """XMP exif:PixelXDimension "400.5" is no pixel count (FR6: cut to 400, the photo read as cropped)."""
    xmp = ('<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
           '<rdf:Description rdf:about="" xmlns:exif="http://ns.adobe.com/exif/1.0/" exif:PixelXDimension="400.5" '
           'exif:PixelYDimension="300"/></rdf:RDF></x:xmpmeta>').encode()
    assert read_photo_meta(_photo(tmp_path / "x.jpg", xmp=xmp)).framing is None


def test_a_thumbnail_s_rounding_is_a_resize_and_a_3_percent_trim_a_crop():
    """40 x 27 is 5472 x 3648 shrunk and rounded (aspect 1.2 % off, within a pixel: FR8 read it as a crop);
    4000 x 2900 of 4000 x 3000 is a 3 % trim, more than SAME_ASPECT (FR9: a looser bound read it as a resize)."""
    thumb = size_framing((5472, 3648), (40, 27), "EXIF")
    assert not thumb.cropped and thumb.source.endswith("resized")
    trim = size_framing((4000, 3000), (4000, 2900), "EXIF")
    assert trim.cropped and trim.least_share == (1.0, 2900 / 3000)


def test_a_crop_enlarged_after_gives_no_least_share():
    """Pixels wider than the recorded frame (a crop enlarged after): nothing bounds the crop's share, so the
    principal point may be anywhere in the picture (FR10: a share over 1 gave bounds turned inside out)."""
    framing = size_framing((400, 300), (480, 90), "EXIF")
    assert framing.cropped and framing.least_share is None
    assert principal_bounds(framing) == ((0.0, 1.0), (0.0, 1.0))


@pytest.mark.parametrize("tilt, hfov", [(40.0, 100.0), (30.0, 80.0)])
def test_a_lightroom_crop_with_bars_is_read_at_the_picture_s_principal_point_and_lens(tmp_path, tilt, hfov):
    """A Lightroom export of the frame's lower right quarter, pillarboxed (its left and right quarters black):
    the picture matched is the middle half of the file, the frame's box (0.625, 0.5, 0.875, 1.0). The principal
    point is carried into the picture between the bars (CF5), and the lens is read across the whole frame,
    four times the picture's width: before, the bars were left out of it (`frame` 2), and a 100 degree
    lens read as 61.5."""
    from geolocator.core.camera_fit import query_misfit
    from geolocator.core.media.query_image import bars_box

    w, h = SIZE[0] // 2, SIZE[1] // 2
    pixels = np.zeros((h, w, 3), np.uint8)
    pixels[:, w // 4: 3 * w // 4] = np.random.default_rng(1).integers(0, 255, (h, w // 2, 3), dtype=np.uint8)
    path = tmp_path / "boxed.jpg"
    Image.fromarray(pixels).save(path, xmp=_crs(box=(0.5, 0.5, 1.0, 1.0)), quality=95)
    q = Query("boxed.jpg", path, meta=read_photo_meta(path))
    assert bars_box(q) == pytest.approx((0.25, 0.0, 0.75, 1.0), abs=0.01)
    outline, _ = _crop_outline((0.625, 0.5, 0.875, 1.0), tilt=tilt, hfov=hfov)
    fit, how = query_misfit(q, outline)
    assert how == "crop box" and fit.misfit < 0.01
    assert fit.tilt_deg == pytest.approx(tilt, abs=2.0) and fit.hfov_deg == pytest.approx(hfov, abs=2.0)


def test_the_search_spans_each_axis_s_own_bounds():
    """camera_misfit_anywhere searches x over bounds[0] and y over bounds[1] (CF3: y over x's range missed
    the camera): a crop of the frame's bottom (principal point x 0.5, y -1.0) is found only in its own y range."""
    from geolocator.core.camera_fit import camera_misfit_anywhere

    outline, size = _crop_outline((0.3, 0.75, 0.7, 1.0), tilt=40.0, hfov=100.0)
    fit = camera_misfit_anywhere(outline, size, None, ((0.4, 0.6), (-1.2, -0.8)))
    assert fit.misfit < 0.01 and fit.tilt_deg == pytest.approx(40.0, abs=5.0)
    assert camera_misfit_anywhere(outline, size, None, ((0.4, 0.6), (0.4, 0.6))).misfit > 0.05


@pytest.mark.parametrize("box, tilt, hfov", [((0.1, 0.4, 1.0, 1.0), 40.0, 100.0), ((0.0, 0.5, 0.9, 1.0), 45.0, 75.0)])
def test_a_quarter_turned_crop_of_unknown_place_is_searched_on_the_turned_bounds(tmp_path, monkeypatch, box, tilt,
                                                                                  hfov):
    """EXIF Orientation 6: the recorded sizes (400 x 600) and so principal_bounds are of the stored pixels, the
    outline of the picture turned upright; searched on the stored bounds unswapped (CF7) the camera's principal
    point is out of reach (misfit 0.03-0.04 against under 0.01)."""
    import geolocator.core.camera_fit as cf

    monkeypatch.setattr(cf, "SEARCH_UNPLACED_CROPS", True)
    outline, size = _crop_outline(box, tilt=tilt, hfov=hfov)
    photo = _photo(tmp_path / "turned.jpg", size=(size[1], size[0]), recorded=(400, 600), orientation=6)
    q = Query("turned.jpg", photo, meta=read_photo_meta(photo))
    fit, how = cf.query_misfit(q, outline)
    assert how == "searched" and fit.misfit < 0.01


def _turned_crop(angle_deg, centre=(40.0, 25.0), size=(300.0, 180.0), frame=SIZE):
    """A crop turned `angle_deg` on a `frame` (width, height) pixels: `size` pixels along its own sides, its
    centre `centre` pixels from the frame's centre, written as Camera Raw writes it (the module doc of
    media/framing.py): the crop's top-left and bottom-right corners as fractions of the unturned frame.
    Returns (crs box, the crop's four corners TL, TR, BR, BL as frame pixels, its pixel size)."""
    a = np.radians(angle_deg)
    c, s = np.cos(a), np.sin(a)
    (cx, cy), (w, h), (fw, fh) = centre, size, frame
    corners = [(cx + dx, cy + dy) for dx, dy in ((-w / 2, -h / 2), (w / 2, -h / 2), (w / 2, h / 2), (-w / 2, h / 2))]
    # turned coordinates back to the frame (the inverse of x' = x cos a + y sin a, y' = -x sin a + y cos a)
    frame_px = [(x * c - y * s + fw / 2, x * s + y * c + fh / 2) for x, y in corners]
    (l, t), (r, b) = frame_px[0], frame_px[2]
    return (l / fw, t / fh, r / fw, b / fh), frame_px, (round(w), round(h))


@pytest.mark.parametrize("angle", [-12.0, -3.5, 4.0, 20.0])
def test_a_turned_crop_reads_the_frame_s_aspect_and_centre_from_its_pixels(tmp_path, angle):
    """Lightroom's export of a crop turned `angle` degrees (crs:CropAngle; before crop37 read as a crop of
    unknown place, its principal point at the picture's centre): the frame's aspect (600 x 400) comes back
    from the exported pixels' aspect, and the principal point is the frame's centre carried into the crop."""
    box, frame_px, size = _turned_crop(angle)
    meta = read_photo_meta(_photo(tmp_path / "turned.jpg", size=size, recorded=size, xmp=_crs(box=box, angle=str(angle))))
    framing = meta.framing
    assert framing.cropped and framing.box == pytest.approx(box, abs=1e-6)
    assert framing.frame_aspect == pytest.approx(SIZE[0] / SIZE[1], rel=0.01)
    # the frame's centre (0, 0 from it) in the crop: 40 px left and 25 px above the crop's centre, turned coordinates
    assert principal_point(framing) == pytest.approx((0.5 - 40 / 300, 0.5 - 25 / 180), abs=0.005)
    assert crop_width_share(framing) == pytest.approx(300 / 600, rel=0.01)


@pytest.mark.parametrize("angle", [-15.0, 8.0])
@pytest.mark.parametrize("tilt, hfov", [(40.0, 100.0), (25.0, 75.0)])
def test_the_camera_check_reads_a_turned_crop_at_its_principal_point(tmp_path, angle, tilt, hfov):
    """A turned crop is the frame seen by a camera rolled about its axis, so a pinhole camera still: read at the
    turned crop's principal point with the frame's lens range it fits exactly (misfit < 0.01, tilt and lens
    recovered), where at the picture's centre (as any turned crop was read before crop37) it does not."""
    from geolocator.core.camera_fit import query_misfit

    box, frame_px, size = _turned_crop(angle, centre=(120.0, 60.0), size=(240.0, 160.0))
    H = _homography(_ground(_corners(tilt, 30.0, hfov)), SIZE)
    outline = [LatLon(lat, lon) for lon, lat in (_apply(H, x, y) for x, y in frame_px)]
    path = _photo(tmp_path / "turned.jpg", size=size, recorded=size, xmp=_crs(box=box, angle=str(angle)))
    q = Query("turned.jpg", path, meta=read_photo_meta(path))
    fit, how = query_misfit(q, outline)
    assert how == "crop box" and fit.misfit < 0.01
    assert fit.tilt_deg == pytest.approx(tilt, abs=2.0) and fit.hfov_deg == pytest.approx(hfov, abs=2.0)
    assert camera_misfit(outline, size).misfit > 0.05


def test_a_turned_crop_whose_corners_leave_the_frame_is_not_placed(tmp_path):
    """Edges that, turned as Camera Raw turns them, put the crop's other corners outside the frame (the turn's
    sign read the other way, or edges from another tool): not Camera Raw's crop, so cropped, place unknown."""
    box, _, size = _turned_crop(-20.0, centre=(0.0, 0.0), size=(400.0, 200.0))
    framing = read_photo_meta(_photo(tmp_path / "out.jpg", size=size, xmp=_crs(box=box, angle="20"))).framing
    assert framing.cropped and framing.box is None and "cannot be read" in framing.source
    placed = read_photo_meta(_photo(tmp_path / "in.jpg", size=size, xmp=_crs(box=box, angle="-20"))).framing
    assert placed.box is not None


def test_a_wide_crop_turned_far_has_its_top_corner_below_and_is_still_placed(tmp_path):
    """A 500 x 150 crop turned -20 degrees: its top-left corner lies below its bottom-right one (CropTop 0.538 >
    CropBottom 0.462), which the unturned box check called "not a box"; the corners' span is what counts."""
    box, _, size = _turned_crop(-20.0, centre=(0.0, 0.0), size=(500.0, 150.0))
    assert box[1] > box[3]
    framing = read_photo_meta(_photo(tmp_path / "wide.jpg", size=size, xmp=_crs(box=box, angle="-20"))).framing
    assert framing.box == pytest.approx(box, abs=1e-6) and framing.frame_aspect == pytest.approx(1.5, rel=0.01)
    assert principal_point(framing) == pytest.approx((0.5, 0.5), abs=0.005)


# --- the EXIF thumbnail a crop tool kept (media/thumb_framing.py, crop37) ---

def _scene(size=SIZE, seed=3):
    """A smooth textured frame (blurred noise, features some 15 px across) as RGB uint8: something to find."""
    import cv2

    noise = np.random.default_rng(seed).normal(0.0, 1.0, (size[1], size[0])).astype(np.float32)
    field = cv2.GaussianBlur(noise, (0, 0), 6.0)
    grey = np.clip(128 + field / field.std() * 50, 0, 255).astype(np.uint8)
    return np.dstack([grey, np.roll(grey, 7, axis=1), grey[::-1]])


def _camera_exif(frame: np.ndarray, thumb_of: np.ndarray | None = None) -> bytes:
    """The camera's EXIF block as a crop tool keeping it byte for byte writes it: PixelX/YDimension of the
    frame, and a 160 x 120 DCF thumbnail of `thumb_of` (the frame by default) letterboxed to its aspect."""
    import io

    import piexif

    h, w = frame.shape[:2]
    src = Image.fromarray(frame if thumb_of is None else thumb_of)
    sw, sh = src.size
    scale = min(160 / sw, 120 / sh)
    small = src.resize((round(sw * scale), round(sh * scale)), Image.Resampling.LANCZOS)
    thumb = Image.new("RGB", (160, 120))
    thumb.paste(small, ((160 - small.width) // 2, (120 - small.height) // 2))
    data = io.BytesIO()
    thumb.save(data, "JPEG", quality=90)
    return piexif.dump({"0th": {}, "Exif": {piexif.ExifIFD.PixelXDimension: w, piexif.ExifIFD.PixelYDimension: h},
                        "1st": {piexif.ImageIFD.Compression: 6}, "thumbnail": data.getvalue()})


def _cut(frame, box):
    h, w = frame.shape[:2]
    return frame[round(box[1] * h):round(box[3] * h), round(box[0] * w):round(box[2] * w)]


@pytest.mark.parametrize("box", [(0.7, 0.7, 1.0, 1.0), (0.0, 0.1, 0.5, 0.6), (0.25, 0.0, 0.85, 0.6)])
def test_an_off_centre_crop_keeping_the_aspect_is_placed_by_the_thumbnail_the_tool_kept(tmp_path, box):
    """A crop that keeps the frame's aspect (600 x 400 -> 180 x 120 etc.) by a tool that keeps the camera's EXIF
    block, thumbnail included: the sizes read it as a resize (principal point in the middle: before crop37 the
    whole answer), the thumbnail shows the whole frame and where the pixels lie in it."""
    frame = _scene()
    path = tmp_path / "crop.jpg"
    Image.fromarray(_cut(frame, box)).save(path, exif=_camera_exif(frame), quality=92)
    framing = read_photo_meta(path).framing
    assert framing.cropped and framing.box == pytest.approx(box, abs=0.015), framing
    assert "EXIF thumbnail" in framing.source and framing.source.startswith("EXIF PixelXDimension x PixelYDimension")
    truth = principal_point(Framing(True, box, "truth"))
    assert principal_point(framing) == pytest.approx(truth, abs=0.03)


def test_the_camera_check_reads_a_thumbnail_placed_crop_at_its_principal_point(tmp_path):
    """The 9 % corner crop of a 100 degree view 40 degrees off nadir (refused at the centre, misfit 0.51), cut
    keeping the aspect and the camera's EXIF block: read at the box the thumbnail gives, it is a camera."""
    box = (0.7, 0.7, 1.0, 1.0)
    outline, size = _crop_outline(box, tilt=40.0, hfov=100.0)
    frame = _scene()
    path = tmp_path / "crop.jpg"
    Image.fromarray(_cut(frame, box)).save(path, exif=_camera_exif(frame), quality=92)
    q = Query("crop.jpg", path, meta=read_photo_meta(path))
    assert uncameralike(q, TILE, _as_corners(outline)) is None
    from geolocator.core.camera_fit import query_misfit

    fit, how = query_misfit(q, outline)
    assert how == "crop box" and fit.misfit < 0.1


def test_a_resize_or_a_crop_with_a_new_thumbnail_stays_as_the_sizes_read_it(tmp_path):
    """The whole frame shrunk, thumbnail kept: the thumbnail agrees (a resize). A crop whose tool wrote a new
    thumbnail (of the crop itself): it shows the same picture, so it says nothing more: still read as a resize."""
    frame = _scene()
    small = tmp_path / "small.jpg"
    Image.fromarray(frame).resize((300, 200), Image.Resampling.LANCZOS).save(small, exif=_camera_exif(frame))
    framing = read_photo_meta(small).framing
    assert not framing.cropped and framing.box is None and "thumbnail shows the same picture" in framing.source
    crop = _cut(frame, (0.0, 0.0, 0.5, 0.5))
    renewed = tmp_path / "renewed.jpg"
    Image.fromarray(crop).save(renewed, exif=_camera_exif(frame, thumb_of=crop))
    framing = read_photo_meta(renewed).framing
    assert not framing.cropped and framing.box is None


def test_a_portrait_crop_of_a_landscape_frame_is_told_from_a_turned_frame_by_the_thumbnail(tmp_path):
    """Pixels 3:4 under EXIF sizes 4:3 (Orientation 1): the sizes cannot tell the frame turned a quarter from a
    portrait crop, and say so; with the camera's thumbnail kept, the crop is placed and the turned frame is the
    whole frame, the thumbnail agreeing."""
    frame = _scene(size=(800, 600))
    box = (0.5, 0.0, 0.875, 1.0)  # 300 x 600 of 800 x 600: a 1:2 portrait strip, full height
    crop = tmp_path / "portrait.jpg"
    Image.fromarray(_cut(frame, box)).save(crop, exif=_camera_exif(frame))
    framing = read_photo_meta(crop).framing
    assert framing.cropped and framing.box == pytest.approx(box, abs=0.015)
    turned = tmp_path / "turned.jpg"
    Image.fromarray(np.ascontiguousarray(np.rot90(frame))).resize((300, 400)).save(turned, exif=_camera_exif(frame))
    framing = read_photo_meta(turned).framing
    assert not framing.cropped and "cannot tell which" in framing.source and "thumbnail shows the same" in framing.source
    bare = tmp_path / "bare.jpg"
    bare = _photo(tmp_path / "bare.jpg", size=(300, 400), recorded=(800, 600))  # no thumbnail: both readings said
    framing = read_photo_meta(bare).framing
    assert not framing.cropped and "turned a quarter, or a crop of that shape" in framing.source


def test_a_portrait_strip_of_a_16_9_frame_is_placed_in_its_letterboxed_thumbnail(tmp_path):
    """A full-height strip 1250 x 2250 of a 4000 x 2250 frame (DJI's Phantom 3 size), the camera's 160 x 120
    thumbnail kept (the 16:9 picture 160 x 90 between bars): the strip is 50 x 90 thumbnail pixels. The smallest
    share looked for was 20 / min(160, 90 * 0.56) = 0.4 of the width, above the widest that fits (0.31), so
    nothing was looked for (the Phantom 3 photos cut so: "a crop", place unknown)."""
    frame = _scene(size=(1600, 900), seed=5)
    box = (0.3, 0.0, 0.6125, 1.0)
    path = tmp_path / "strip.jpg"
    Image.fromarray(_cut(frame, box)).save(path, exif=_camera_exif(frame), quality=92)
    framing = read_photo_meta(path).framing
    assert framing.cropped and framing.box == pytest.approx(box, abs=0.015)


# --- the camera pose of a cropped photo (camera.camera_for, crop37) ---

def _with_focal(path: Path, focal35: int) -> Path:
    """`path` rewritten with EXIF FocalLengthIn35mmFilm `focal35` added to its EXIF IFD (pixels and XMP kept)."""
    with Image.open(path) as im:
        exif, xmp, pixels = im.getexif(), im.info.get("xmp"), im.copy()
    ifd = dict(exif.get_ifd(EXIF_IFD))
    ifd[0xA405] = focal35
    exif[EXIF_IFD] = ifd
    pixels.save(path, exif=exif, **({"xmp": xmp} if xmp else {}), quality=95)
    return path


@pytest.mark.parametrize("box, tilt", [((0.7, 0.7, 1.0, 1.0), 40.0), ((0.25, 0.25, 0.75, 0.75), 40.0),
                                       ((0.5, 0.5, 1.0, 1.0), 20.0)])
def test_a_cropped_photo_s_camera_is_solved_with_the_frame_s_lens(tmp_path, box, tilt):
    """A Lightroom crop of a 24 mm-equivalent camera (the 35 mm focal length is the whole frame's), 40 or 20 degrees
    off nadir, 30 m up: solved with the lens on the crop's own diagonal and the principal point in its middle,
    the camera read 6-24 degrees off nadir and 8-19 m up (a 0.3 x 0.3 corner crop at 40 degrees implied 13.8,
    past pose_check's 25 degree tolerance: the right place refused); now the frame's lens and the crop's
    principal point give both back."""
    from geolocator.core.camera import _CAMERAS, camera_for

    _CAMERAS.clear()
    hfov = float(np.degrees(2 * np.arctan(SIZE[0] / 2 / (24 / 43.27 * np.hypot(*SIZE)))))
    outline, size = _crop_outline(box, tilt=tilt, hfov=hfov)
    path = _with_focal(_photo(tmp_path / "export.jpg", size=size, recorded=size, xmp=_crs(box=box)), 24)
    q = Query("export.jpg", path, meta=read_photo_meta(path))
    assert q.meta.focal_length_35mm == 24 and q.meta.framing.box == box
    camera = camera_for(q, tuple(outline))
    assert camera.tilt_deg == pytest.approx(tilt, abs=1.0) and camera.height_m == pytest.approx(30.0, rel=0.03)


def test_a_crop_of_unknown_place_has_no_camera_pose(tmp_path):
    """Cropped where the metadata does not say (EXIF sizes of another aspect): its focal length in its own
    pixels is not known, so no pose (and pose_check has no implied tilt to refuse it by)."""
    from geolocator.core.camera import _CAMERAS, camera_for

    _CAMERAS.clear()
    outline, size = _crop_outline((0.7, 0.75, 1.0, 1.0), tilt=40.0, hfov=75.0)
    path = _with_focal(_photo(tmp_path / "tool.jpg", size=size, recorded=SIZE), 24)
    q = Query("tool.jpg", path, meta=read_photo_meta(path))
    assert q.meta.framing.cropped and q.meta.framing.box is None
    assert camera_for(q, tuple(outline)) is None
    whole = _with_focal(_photo(tmp_path / "whole.jpg", size=SIZE, recorded=SIZE), 24)
    full, _ = _crop_outline((0.0, 0.0, 1.0, 1.0), tilt=40.0, hfov=75.0)
    assert camera_for(Query("whole.jpg", whole, meta=read_photo_meta(whole)), tuple(full)) is not None


def test_a_crop_whose_camera_raw_fields_were_stripped_is_read_from_what_is_left(tmp_path):
    """A crop of a DJI photo whose crs:Crop* fields an export stripped, DJI's XMP kept as DJI writes it
    (crs:HasCrop False, crs:AlreadyApplied False, drone-dji:*: no frame size, no crop field). What is left
    decides: the camera's EXIF sizes and thumbnail kept place the crop (a resize before crop37); sizes the
    export rewrote and no thumbnail say nothing (framing None: no evidence, not "uncropped")."""
    dji = ('<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
           '<rdf:Description rdf:about="DJI Meta Data" xmlns:crs="http://ns.adobe.com/camera-raw-settings/1.0/" '
           'xmlns:drone-dji="http://www.dji.com/drone-dji/1.0/" drone-dji:RelativeAltitude="+39.80" '
           'drone-dji:GimbalPitchDegree="-89.90" crs:Version="7.0" crs:HasSettings="False" crs:HasCrop="False" '
           'crs:AlreadyApplied="False"/></rdf:RDF></x:xmpmeta>').encode()
    frame = _scene(size=(1600, 900), seed=9)
    box = (0.1, 0.2, 0.7, 0.8)
    kept = tmp_path / "kept.jpg"
    Image.fromarray(_cut(frame, box)).save(kept, exif=_camera_exif(frame), xmp=dji, quality=92)
    framing = read_photo_meta(kept).framing
    assert framing.cropped and framing.box == pytest.approx(box, abs=0.015)
    stripped = _photo(tmp_path / "stripped.jpg", size=(960, 540), recorded=(960, 540), xmp=dji)
    assert read_photo_meta(stripped).framing is None


def test_a_cropped_photo_s_footprint_is_its_share_of_the_frame_s(tmp_path):
    """A nadir photo 40 m up, 8.8 mm over a 13.2 mm sensor (the frame 60 m across), cropped to its top-left
    quarter by Lightroom: before crop37 the sensor was taken to span the crop's 2000 pixels, so the crop read
    60 m across instead of 30; a crop of unknown place has no footprint (its share of the sensor is unknown)."""
    from dataclasses import replace

    from geolocator.core.media.metadata import footprint_m
    from geolocator.core.model import PhotoMeta

    whole = PhotoMeta(width=4000, height=3000, relative_altitude_m=40.0, focal_length_mm=8.8, sensor_width_mm=13.2,
                      gimbal_pitch_deg=-90.0)
    assert footprint_m(whole) == pytest.approx((60.0, 45.0))
    crop = replace(whole, width=2000, height=1500, framing=Framing(True, (0.0, 0.0, 0.5, 0.5), "test"))
    assert footprint_m(crop) == pytest.approx((30.0, 22.5))
    strip = replace(whole, width=1000, height=3000, framing=Framing(True, (0.25, 0.0, 0.5, 1.0), "test"))
    assert footprint_m(strip) == pytest.approx((15.0, 45.0))  # a portrait strip: the sensor still spans the frame
    assert footprint_m(replace(crop, framing=Framing(True, None, "test", (0.5, 0.5)))) is None
    assert footprint_m(replace(crop, framing=Framing(False, None, "test"))) == pytest.approx((60.0, 45.0))


def test_a_cropped_photo_has_no_recorded_view(tmp_path):
    """The recorded pitch, height and lens are the whole frame's, seen through a centred lens; a crop sees
    another view (its lens across its pixels, its principal point off-centre), so none is claimed (before
    crop37 the frame's view was given to the crop); a resize keeps it."""
    from dataclasses import replace

    from geolocator.core.model import PhotoMeta
    from geolocator.core.recorded_view import recorded_view

    meta = PhotoMeta(width=384, height=288, relative_altitude_m=33.8, focal_length_mm=4.5, sensor_width_mm=6.4,
                     gimbal_pitch_deg=-53.35)
    assert recorded_view(Query("q.jpg", tmp_path / "q.jpg", meta=meta)) is not None
    for framing in (Framing(True, (0.5, 0.0, 1.0, 0.5), "test"), Framing(True, None, "test")):
        assert recorded_view(Query("q.jpg", tmp_path / "q.jpg", meta=replace(meta, framing=framing))) is None
    resized = replace(meta, framing=Framing(False, None, "resized"))
    assert recorded_view(Query("q.jpg", tmp_path / "q.jpg", meta=resized)) is not None
