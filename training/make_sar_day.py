"""A search-and-rescue team's day of flights, as its data person gets it, rendered over a tile set.

Three flights by two drones over one area (default: the demo region), copied from the cards the
way they arrive at the end of a long day (session 30, `training/results/flights30_session30.md`):

- `Flug A – DJI Fotos/DCIM/100MEDIA/`: a DJI's nadir photos (EXIF like the real DJI photos in
  /work/shared/real-dji: Make DJI, Model FC300S, DateTimeOriginal in the drone's local time with no
  UTC offset, GPS, a DJI XMP packet with RelativeAltitude, gimbal angles and the drone's serial),
  `--photos` of them `--every-s` apart along a gentle arc;
- `Flug A – DJI Fotos (Kopie)/`: the card copied a second time, stopped partway (the first
  `--copied-twice` photos again), and in the first folder one photo copied beside itself
  (`DJI_0003 (1).JPG`, as a file manager names a copy);
- `Flug B Video/DJI_0100.MP4` + `.SRT`: the same DJI's video (training/make_sample_flight.py), its
  SRT clock the drone's local time like its photos; `DJI_0101.MP4` beside it, the card pulled
  mid-copy (its first 40 %);
- `Flug C Zweitdrohne ohne GNSS/`: a second drone (another make and camera) whose GNSS failed:
  photos with no GPS at all, capture times with their UTC offset (`+00:00`: its clock is UTC), a
  different image size; photos 4-6 blurred (flown through spray: nothing sharp to match, so the
  track must place them); its last photo cut short (the card pulled mid-copy);
- `Flug D Leihdrohne/` (only with `--second-clock N`, session 31): N photos by a drone borrowed from
  another team (DJI FC3411, its own serial, GPS), its clock still on New York time (America/New_York,
  UTC-5 in December) and no offset recorded, flown 12:40-12:4x UTC (07:40 on its clock): read in the
  day's Europe/Berlin it would be 06:40Z, before every other flight; `locate … --clock-zone
  "DAY/Flug D Leihdrohne=America/New_York" --clock-zone Europe/Berlin` places it after flight B;
- `truth-not-an-input/`: every photo's and frame's true position (CSV), for scoring only: it lies
  outside the flight folders and is never given to geolocator.

  python training/make_sar_day.py --out /tmp/day
  geolocator locate "/tmp/day/Einsatz Übung 4. Dez" --tiles resources/demo/tiles.csv --out day.kml

Photo pixels are the tiles' own (make_sample_flight.render_frame), colours moved a little, so the
figures this gives are about bookkeeping (flights, duplicates, clocks, exports), not accuracy on
real imagery.
"""

from __future__ import annotations

import argparse
import csv
import io
import math
import shutil
import sys
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np
import piexif
from PIL import Image, ImageEnhance, ImageFilter

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "training"))

from geolocator.core.geo import metres_per_degree  # noqa: E402
from make_sample_flight import make_sample_flight, read_mosaic, render_frame  # noqa: E402

DAY = "Einsatz Übung 4. Dez"
DJI_SERIAL = "1581F4XFB07A"
D_SERIAL = "3N3BJ7R00C0042"  # flight D's borrowed drone
D_FOLDER = "Flug D Leihdrohne"
D_ZONE = "America/New_York"  # its clock's zone, recorded nowhere in its files
XMP_TEMPLATE = (
    '<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>'
    '<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
    '<rdf:Description rdf:about="" xmlns:drone-dji="http://www.dji.com/drone-dji/1.0/" '
    'drone-dji:AbsoluteAltitude="+{abs_alt:.2f}" drone-dji:RelativeAltitude="+{rel_alt:.2f}" '
    'drone-dji:GimbalRollDegree="+0.00" drone-dji:GimbalYawDegree="{yaw:+.2f}" drone-dji:GimbalPitchDegree="-90.00" '
    'drone-dji:FlightRollDegree="+1.20" drone-dji:FlightYawDegree="{yaw:+.2f}" drone-dji:FlightPitchDegree="+2.10" '
    'drone-dji:DroneSerialNumber="{serial}"/></rdf:RDF></x:xmpmeta><?xpacket end="w"?>')



def _dji_photo(image, heading_deg: float, *, model: str, when, position, focal, serial: str) -> bytes:
    """A DJI photo's bytes: JPEG with EXIF (camera clock `when`, no offset recorded; GPS `position`; focal
    (mm, 35 mm equivalent)) and DJI's XMP (40 m above take-off, gimbal yaw from `heading_deg`, `serial`)."""
    buf = io.BytesIO()
    image.save(buf, "JPEG", quality=88,
               exif=_exif(make="DJI", model=model, when=when, offset=None, position=position, focal_mm=focal[0],
                          focal35=focal[1], size=image.size))
    yaw = (heading_deg + 180.0) % 360.0 - 180.0
    return _with_xmp(buf.getvalue(), XMP_TEMPLATE.format(abs_alt=660.0 + 40.0, rel_alt=40.0, yaw=yaw, serial=serial))

def _rational(x: float, den: int = 1_000_000) -> tuple[int, int]:
    return round(x * den), den


def _dms(deg: float) -> tuple[tuple[int, int], ...]:
    deg = abs(deg)
    d = int(deg)
    m = int((deg - d) * 60)
    s = (deg - d - m / 60) * 3600
    return (d, 1), (m, 1), _rational(s, 10_000)


def _exif(*, make: str, model: str, when: datetime, offset: str | None, position: tuple[float, float] | None,
          focal_mm: float, focal35: int, size: tuple[int, int], serial: str | None = None) -> bytes:
    zeroth = {piexif.ImageIFD.Make: make.encode(), piexif.ImageIFD.Model: model.encode(),
              piexif.ImageIFD.Orientation: 1}
    exif = {piexif.ExifIFD.DateTimeOriginal: when.strftime("%Y:%m:%d %H:%M:%S").encode(),
            piexif.ExifIFD.FocalLength: _rational(focal_mm, 100),
            piexif.ExifIFD.FocalLengthIn35mmFilm: focal35,
            piexif.ExifIFD.PixelXDimension: size[0], piexif.ExifIFD.PixelYDimension: size[1]}
    if offset is not None:
        exif[piexif.ExifIFD.OffsetTimeOriginal] = offset.encode()
    if serial is not None:
        exif[piexif.ExifIFD.BodySerialNumber] = serial.encode()
    gps = {}
    if position is not None:
        lat, lon = position
        gps = {piexif.GPSIFD.GPSVersionID: (2, 3, 0, 0),
               piexif.GPSIFD.GPSLatitudeRef: b"N" if lat >= 0 else b"S", piexif.GPSIFD.GPSLatitude: _dms(lat),
               piexif.GPSIFD.GPSLongitudeRef: b"E" if lon >= 0 else b"W", piexif.GPSIFD.GPSLongitude: _dms(lon),
               piexif.GPSIFD.GPSAltitudeRef: 0, piexif.GPSIFD.GPSAltitude: _rational(660.0, 1000)}
    return piexif.dump({"0th": zeroth, "Exif": exif, "GPS": gps})


def _with_xmp(jpeg: bytes, xmp: str) -> bytes:
    """The JPEG with an XMP APP1 segment after its first segments (SOI + APP1 EXIF)."""
    payload = b"http://ns.adobe.com/xap/1.0/\x00" + xmp.encode("utf-8")
    segment = b"\xff\xe1" + (len(payload) + 2).to_bytes(2, "big") + payload
    return jpeg[:2] + segment + jpeg[2:]


def _arc(mosaic, n: int, every_s: float, speed: float, start_heading: float, turn: float, margin_m: float,
         offset_m: tuple[float, float] = (0.0, 0.0)):
    """n positions `every_s` apart along an arc through the mosaic's middle (as flight_path's)."""
    m_lat, m_lon = metres_per_degree((mosaic.south + mosaic.north) / 2)
    half_e = (mosaic.east - mosaic.west) * m_lon / 2 - margin_m
    half_n = (mosaic.north - mosaic.south) * m_lat / 2 - margin_m
    heading = start_heading + turn * np.arange(n) / max(n - 1, 1)
    step = speed * every_s
    e = np.cumsum(np.r_[0.0, step * np.sin(np.radians(heading[:-1]))])
    nn = np.cumsum(np.r_[0.0, step * np.cos(np.radians(heading[:-1]))])
    e, nn = e - (e.max() + e.min()) / 2 + offset_m[0], nn - (nn.max() + nn.min()) / 2 + offset_m[1]
    scale = min(1.0, half_e / max(np.abs(e).max(), 1e-9), half_n / max(np.abs(nn).max(), 1e-9))
    e, nn = e * scale, nn * scale
    lat0, lon0 = (mosaic.south + mosaic.north) / 2, (mosaic.west + mosaic.east) / 2
    return lat0 + nn / m_lat, lon0 + e / m_lon, heading % 360.0


def _photo(mosaic, lat, lon, heading, size, footprint_m, colour: float, bright: float) -> Image.Image:
    frame = render_frame(mosaic, lat, lon, heading, size, footprint_m / size[0])
    return ImageEnhance.Brightness(ImageEnhance.Color(frame).enhance(colour)).enhance(bright)


def make_day(tiles_csv: Path, out: Path, *, photos: int = 12, every_s: float = 3.0, copied_twice: int = 5,
             c_photos: int = 10, blurred: tuple[int, ...] = (4, 5, 6), d_photos: int = 0) -> Path:
    """Write the day under out/DAY (see the module doc); returns that folder. `d_photos`: flight D's
    photos (a second clock zone), none by default."""
    mosaic = read_mosaic(Path(tiles_csv))
    day = out / DAY
    if day.exists():
        shutil.rmtree(day)
    truth_dir = out / "truth-not-an-input"
    truth_dir.mkdir(parents=True, exist_ok=True)
    truth: list[tuple[str, float, float, str]] = []

    # Flight A: DJI photos, local clock (Europe/Berlin in December: UTC+1) with no offset recorded
    a_dir = day / "Flug A – DJI Fotos" / "DCIM" / "100MEDIA"
    a_dir.mkdir(parents=True)
    size, foot = (640, 480), 60.0
    lat, lon, hd = _arc(mosaic, photos, every_s, 6.0, 200.0, 70.0, margin_m=foot * 0.65)
    start_a = datetime(2026, 12, 4, 11, 2, 0)  # 10:02 UTC
    for i, (la, lo, h) in enumerate(zip(lat, lon, hd)):
        name = f"DJI_{i + 1:04d}.JPG"
        (a_dir / name).write_bytes(_dji_photo(_photo(mosaic, la, lo, h, size, foot, 1.25, 1.06), h, model="FC300S",
                                              when=start_a + timedelta(seconds=i * every_s), position=(la, lo),
                                              focal=(3.61, 20), serial=DJI_SERIAL))
        truth.append((f"Flug A/{name}", la, lo, "exif"))
    shutil.copy2(a_dir / "DJI_0003.JPG", a_dir / "DJI_0003 (1).JPG")
    copy_dir = day / "Flug A – DJI Fotos (Kopie)" / "DCIM" / "100MEDIA"
    copy_dir.mkdir(parents=True)
    for i in range(copied_twice):
        shutil.copy2(a_dir / f"DJI_{i + 1:04d}.JPG", copy_dir / f"DJI_{i + 1:04d}.JPG")

    # Flight B: the same drone's video, 12:20 local; its SRT clock local too
    b_dir = day / "Flug B Video"
    video = make_sample_flight(Path(tiles_csv), b_dir, seconds=10.0, fps=10.0, stem="DJI_0100")
    srt = video.with_suffix(".SRT")
    srt.write_text(srt.read_text(encoding="utf-8").replace("2026-06-01 10:", "2026-12-04 12:"), encoding="utf-8")
    with open(b_dir / "truth.csv", newline="") as fh:
        for row in csv.DictReader(fh):
            truth.append((f"Flug B/DJI_0100.MP4#t={float(row['time_s']):g}", float(row["lat"]), float(row["lon"]), "srt"))
    (b_dir / "truth.csv").replace(truth_dir / "flight_b_frames.csv")
    data = video.read_bytes()
    (b_dir / "DJI_0101.MP4").write_bytes(data[: int(len(data) * 0.4)])

    # Flight C: a second drone, GNSS failed: no GPS, clock in UTC with its offset recorded, 4:3 at 800 x 600
    c_dir = day / "Flug C Zweitdrohne ohne GNSS"
    c_dir.mkdir(parents=True)
    size_c = (800, 600)
    lat, lon, hd = _arc(mosaic, c_photos, every_s, 5.0, 80.0, -60.0, margin_m=foot * 0.65)
    start_c = datetime(2026, 12, 4, 13, 40, 0)  # UTC
    for i, (la, lo, h) in enumerate(zip(lat, lon, hd)):
        name = f"IMG_{i + 1:04d}.JPG"
        photo = _photo(mosaic, la, lo, h, size_c, foot, 0.9, 0.95)
        if i + 1 in blurred:  # flown through the rotor's spray: nothing sharp left to match
            photo = photo.filter(ImageFilter.GaussianBlur(40))
        photo.save(
            c_dir / name, "JPEG", quality=85,
            exif=_exif(make="Autel Robotics", model="XT705", when=start_c + timedelta(seconds=i * every_s),
                       offset="+00:00", position=None, focal_mm=4.7, focal35=26, size=size_c, serial="7YGB2C1"))
        truth.append((f"Flug C/{name}", la, lo, "none (GNSS failed)"))
    last = c_dir / f"IMG_{c_photos:04d}.JPG"
    last.write_bytes(last.read_bytes()[: last.stat().st_size // 2])  # the card pulled mid-copy

    # Flight D: a borrowed DJI, its clock on New York time (UTC-5 in December), no offset recorded
    if d_photos:
        d_dir = day / D_FOLDER / "DCIM" / "100MEDIA"
        d_dir.mkdir(parents=True)
        lat, lon, hd = _arc(mosaic, d_photos, every_s, 5.5, 20.0, 50.0, margin_m=foot * 0.65)
        start_d = datetime(2026, 12, 4, 7, 40, 0)  # 12:40 UTC on a clock set to America/New_York
        for i, (la, lo, h) in enumerate(zip(lat, lon, hd)):
            name = f"DJI_{i + 1:04d}.JPG"  # the same names as flight A's card: another folder
            (d_dir / name).write_bytes(_dji_photo(_photo(mosaic, la, lo, h, size, foot, 1.1, 1.0), h, model="FC3411",
                                                  when=start_d + timedelta(seconds=i * every_s), position=(la, lo),
                                                  focal=(8.38, 22), serial=D_SERIAL))
            truth.append((f"Flug D/{name}", la, lo, "exif"))

    with open(truth_dir / "truth.csv", "w", newline="", encoding="utf-8") as fh:
        wr = csv.writer(fh)
        wr.writerow(["item", "lat", "lon", "recorded_in"])
        wr.writerows((q, f"{la:.8f}", f"{lo:.8f}", src) for q, la, lo, src in truth)
    return day


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--tiles", type=Path, default=ROOT / "resources" / "demo" / "tiles.csv")
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--photos", type=int, default=12)
    ap.add_argument("--every-s", type=float, default=3.0)
    ap.add_argument("--second-clock", type=int, default=0, metavar="N",
                    help=f"add flight D: N photos by a borrowed drone whose clock is on {D_ZONE} time, no offset recorded")
    args = ap.parse_args(argv)
    day = make_day(args.tiles, args.out, photos=args.photos, every_s=args.every_s, d_photos=args.second_clock)
    print(f"wrote {day}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
