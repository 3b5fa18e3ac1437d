"""libtiff's own error lines on stderr (faults37, session 37; faults36's open point). Input: a damaged
compressed TIFF read through Pillow's libtiff, a GeoTIFF written by GDAL onto a disk that refuses the
bytes. Before: "ZIPDecode: Decoding error at scanline 0, incorrect header check." and
"_tiffWriteProc: No space left on device." were printed raw on stderr beside geolocator's own message,
which said only Pillow's "decoder error -2". Now libtiff_messages takes them off stderr and the
message says libtiff's words."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import numpy as np
import pytest
from PIL import Image

from geolocator.core import images, libtiff_messages
from geolocator.core.errors import InputError

pytestmark = pytest.mark.skipif(not libtiff_messages._supported(), reason="Linux x86_64/aarch64 only")


def _garbled_tiff(path):
    rng = np.random.default_rng(0)
    Image.fromarray(rng.integers(0, 255, (256, 256, 3), dtype=np.uint8)).save(path, compression="tiff_adobe_deflate")
    data = bytearray(path.read_bytes())
    for i in range(200, 2200):  # inside the deflate stream (the directory is at the end)
        data[i] = 0x55
    path.write_bytes(bytes(data))


def test_a_damaged_tiff_says_libtiffs_words_in_the_message_not_raw_on_stderr(tmp_path, capfd):
    path = tmp_path / "garbled.tif"
    _garbled_tiff(path)
    capfd.readouterr()
    with pytest.raises(InputError) as e:
        images._read_pil(path, None)
    err = capfd.readouterr().err
    assert "Decoding error" not in err, err
    assert "corrupt image data (ZIPDecode: Decoding error" in str(e.value) and str(path) in str(e.value)
    assert libtiff_messages.last_error() is None  # taken by the message, not left for the next file


def test_an_earlier_files_line_is_not_given_to_the_next_file(tmp_path):
    path = tmp_path / "garbled.tif"
    _garbled_tiff(path)
    with pytest.raises(InputError):
        images._read_pil(path, None)
    libtiff_messages._local.last = "ZIPDecode: stale"
    cut = tmp_path / "cut.png"
    Image.new("RGB", (64, 64)).save(cut)
    cut.write_bytes(cut.read_bytes()[:60])
    with pytest.raises(InputError) as e:
        images._read_pil(cut, None)
    assert "stale" not in str(e.value)


def test_gdal_writing_onto_a_refusing_disk_prints_no_libtiff_line(tmp_path):
    """A file-size limit (RLIMIT_FSIZE, SIGXFSZ ignored) makes write() fail as a full disk does, in a
    child process so that pytest's own files are not limited."""
    script = textwrap.dedent(f"""
        import resource, signal, sys
        import numpy as np
        import rasterio
        from rasterio.transform import from_origin
        from geolocator.core import libtiff_messages
        if sys.argv[1] == "quiet":
            libtiff_messages.install()
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (65536, resource.RLIM_INFINITY))
        a = np.random.default_rng(0).integers(0, 255, (3, 512, 512), dtype=np.uint8)
        try:
            with rasterio.open({str(tmp_path / 'x.tif')!r}, "w", driver="GTiff", width=512, height=512, count=3,
                               dtype="uint8", crs="EPSG:4326", transform=from_origin(10, 50, 1e-5, 1e-5)) as d:
                d.write(a)
        except Exception as exc:
            print("refused:", exc)
    """)
    runs = {m: subprocess.run([sys.executable, "-c", script, m], capture_output=True, text=True, timeout=120)
            for m in ("raw", "quiet")}
    assert "refused" in runs["raw"].stdout and "refused" in runs["quiet"].stdout
    assert "_tiffWriteProc" in runs["raw"].stderr  # what GDAL's libtiff prints on its own (the fault is real)
    assert "_tiffWriteProc" not in runs["quiet"].stderr, runs["quiet"].stderr
