"""Photos a resident attaches to an assessment: checked by decoding, re-encoded, stored.

Nothing here trusts the file name, the extension or the declared content type. An upload is
accepted only if Pillow, restricted to the formats we accept (JPEG, PNG and, when the maintained
``pillow-heif`` decoder is installed, HEIC/HEIF), can open and fully decode it within size and pixel
limits checked from the header *before* any pixel is decoded. The stored photo is a fresh JPEG
encoded from the decoded pixels alone, so no byte of the original file (appended archives, scripts
in comments, EXIF with GPS, XMP, IPTC, ICC profiles, PNG text chunks) survives.

Two steps, so that a refusal never touches storage:

* :func:`process_upload` reads, checks, decodes and re-encodes in memory and returns a
  :class:`ProcessedPhoto`, or raises :class:`PhotoError` with a stable ``key`` and a message in
  Swedish and English.
* :func:`store_photo` writes the photo and its thumbnail through Django's storage API under random
  names in ``photos/`` and returns a :class:`StoredPhoto` for the caller to keep on its own model.
  :func:`process_and_store` does both; :func:`delete_stored_photo` removes both files again (for a
  caller whose database transaction rolled back).

See docs/subsystems/photos.md and docs/decisions/0007-photo-uploads.md.
"""

from __future__ import annotations

import hashlib
import io
import logging
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO, Any, Final, TypeAlias

from django.core.files.base import ContentFile, File
from django.core.files.storage import Storage, storages
from PIL import Image, ImageCms, ImageFile, ImageOps

logger = logging.getLogger(__name__)

try:  # HEIC/HEIF (iPhone photos) only through the maintained pillow-heif decoder.
    import pillow_heif

    pillow_heif.register_heif_opener()
    HEIF_AVAILABLE: bool = True
except ImportError:  # pragma: no cover - depends on the installation
    HEIF_AVAILABLE = False

# --- limits ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PhotoLimits:
    """What an upload may be. The defaults suit phone photos of a rash, a wound or a swelling."""

    max_bytes: int = 10 * 1024 * 1024
    max_pixels: int = 40_000_000
    max_side: int = 12_000
    min_side: int = 64
    stored_max_side: int = 4096
    thumbnail_side: int = 320
    jpeg_quality: int = 85
    thumbnail_quality: int = 80


DEFAULT_LIMITS: Final = PhotoLimits()
STORAGE_PREFIX: Final = "photos/"
CONTENT_TYPE: Final = "image/jpeg"
_CHUNK = 64 * 1024
_MAX_ICC_BYTES = 1024 * 1024


def accepted_formats() -> tuple[str, ...]:
    """Pillow format ids we let Pillow try. "MPO" is a JPEG with extra pictures (phone cameras)."""
    return ("JPEG", "PNG", "HEIF") if HEIF_AVAILABLE else ("JPEG", "PNG")


# --- errors ---------------------------------------------------------------------------------

_MESSAGES: Final[dict[str, tuple[str, str]]] = {
    "empty": (
        "Filen är tom. Välj ett foto och försök igen.",
        "The file is empty. Choose a photo and try again.",
    ),
    "too_large": (
        "Filen är för stor. Ett foto får vara högst {max_mb} MB.",
        "The file is too large. A photo may be at most {max_mb} MB.",
    ),
    "not_an_image": (
        "Filen är inte en bild vi kan läsa. Skicka ett foto i JPEG- eller PNG-format.",
        "The file is not an image we can read. Send a photo in JPEG or PNG format.",
    ),
    "unsupported_format": (
        "Vi tar bara emot foton i JPEG- eller PNG-format{heic_sv}. Spara fotot i något av dem och försök igen.",
        "We only accept photos in JPEG or PNG format{heic_en}. Save the photo in one of them and try again.",
    ),
    "heic_unsupported": (
        "Foton i HEIC-format kan vi inte ta emot ännu. Ändra kamerans inställning till "
        "”Mest kompatibel” (JPEG) eller skicka en skärmbild av fotot.",
        "We cannot accept photos in HEIC format yet. Set the camera to “Most compatible” (JPEG) "
        "or send a screenshot of the photo.",
    ),
    "too_many_pixels": (
        "Bilden har för många bildpunkter (högst {max_mp} megapixel). Ta ett nytt foto eller förminska det.",
        "The image has too many pixels (at most {max_mp} megapixels). Take a new photo or make it smaller.",
    ),
    "dimensions_too_large": (
        "Bilden är för bred eller för hög (högst {max_side} bildpunkter per sida).",
        "The image is too wide or too tall (at most {max_side} pixels per side).",
    ),
    "too_small": (
        "Bilden är för liten för att visa något (minst {min_side} × {min_side} bildpunkter).",
        "The image is too small to show anything (at least {min_side} × {min_side} pixels).",
    ),
    "animated": (
        "Animerade bilder kan vi inte ta emot. Skicka ett vanligt foto.",
        "We cannot accept animated images. Send an ordinary photo.",
    ),
}

ERROR_KEYS: Final = frozenset(_MESSAGES)


class PhotoError(ValueError):
    """An upload we refuse. ``key`` is stable (for code and tests); the messages are for the resident."""

    def __init__(self, key: str, limits: PhotoLimits = DEFAULT_LIMITS) -> None:
        if key not in _MESSAGES:
            raise KeyError(key)
        params = {
            "max_mb": limits.max_bytes // (1024 * 1024),
            "max_mp": limits.max_pixels // 1_000_000,
            "max_side": limits.max_side,
            "min_side": limits.min_side,
            "heic_sv": ", eller HEIC" if HEIF_AVAILABLE else "",
            "heic_en": ", or HEIC" if HEIF_AVAILABLE else "",
        }
        sv, en = _MESSAGES[key]
        self.key = key
        self.message_sv = sv.format(**params)
        self.message_en = en.format(**params)
        super().__init__(f"{key}: {self.message_en}")

    def message(self, language: str) -> str:
        """The message in ``language`` ("sv" or "en"; anything else gets Swedish, the primary language)."""
        return self.message_en if language.lower().startswith("en") else self.message_sv


# --- results --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ProcessedPhoto:
    """A checked, re-encoded photo in memory. ``data`` and ``thumbnail`` are fresh JPEGs."""

    data: bytes
    width: int
    height: int
    sha256: str
    thumbnail: bytes
    thumbnail_width: int
    thumbnail_height: int
    thumbnail_sha256: str
    source_format: str  # "JPEG", "PNG" or "HEIF": what the upload decoded as
    source_bytes: int
    content_type: str = CONTENT_TYPE


@dataclass(frozen=True, slots=True)
class StoredPhoto:
    """What the web flow keeps on its own model (e.g. an ``AssessmentPhoto`` row).

    ``name`` and ``thumbnail_name`` are storage names (``photos/<uuid>.jpg``); open them with
    ``storages["default"].open(name)`` only after checking that the viewer may see the case.
    """

    name: str
    thumbnail_name: str
    sha256: str
    thumbnail_sha256: str
    size: int
    width: int
    height: int
    thumbnail_width: int
    thumbnail_height: int
    source_format: str
    content_type: str = CONTENT_TYPE


# --- processing -----------------------------------------------------------------------------

UploadLike: TypeAlias = "bytes | bytearray | memoryview | IO[bytes] | File[bytes]"


def process_upload(uploaded_file: UploadLike, *, limits: PhotoLimits = DEFAULT_LIMITS) -> ProcessedPhoto:
    """Check, decode and re-encode one upload. Raises :class:`PhotoError`; never writes anything.

    ``uploaded_file`` is a Django ``UploadedFile``, any binary file object, or ``bytes``. Its
    ``name`` and ``content_type`` are ignored on purpose.
    """
    if ImageFile.LOAD_TRUNCATED_IMAGES:  # a global Pillow switch; truncated files must be refused
        raise RuntimeError("PIL.ImageFile.LOAD_TRUNCATED_IMAGES must stay False for photo uploads")
    data = _read_limited(uploaded_file, limits)
    if not data:
        raise PhotoError("empty", limits)

    formats = accepted_formats()
    # 1. Header only: format and size, then limits, before any pixel data is decoded.
    try:
        with Image.open(io.BytesIO(data), formats=formats) as probe:
            source_format = _check_header(probe, limits)
            probe.verify()  # structural check (PNG chunk CRCs, ...); the object is unusable after it
    except PhotoError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        # Pillow's own guard (2 x MAX_IMAGE_PIXELS raises; above it warns, an error under -W error).
        logger.info("photo refused by Pillow's decompression bomb guard: %s", exc)
        raise PhotoError("too_many_pixels", limits) from None
    except Exception as exc:  # any parser failure means: not an image we can read
        raise _unreadable(data, limits, exc) from None

    # 2. A fresh open and a full decode of the first (only) picture.
    try:
        with Image.open(io.BytesIO(data), formats=formats) as img:
            if _check_header(img, limits) != source_format:
                raise PhotoError("not_an_image", limits)
            if img.format == "MPO":
                img.seek(0)  # the primary picture; the others are previews or depth maps
            img.load()
            pixels = _to_clean_rgb(img, limits)
    except PhotoError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise PhotoError("too_many_pixels", limits) from None
    except Exception as exc:
        raise _unreadable(data, limits, exc) from None

    stored = _encode_jpeg(pixels, limits.jpeg_quality)
    thumb_img = pixels.copy()
    thumb_img.thumbnail((limits.thumbnail_side, limits.thumbnail_side), Image.Resampling.LANCZOS)
    thumb = _encode_jpeg(thumb_img, limits.thumbnail_quality)
    return ProcessedPhoto(
        data=stored,
        width=pixels.width,
        height=pixels.height,
        sha256=hashlib.sha256(stored).hexdigest(),
        thumbnail=thumb,
        thumbnail_width=thumb_img.width,
        thumbnail_height=thumb_img.height,
        thumbnail_sha256=hashlib.sha256(thumb).hexdigest(),
        source_format="JPEG" if source_format == "MPO" else source_format,
        source_bytes=len(data),
    )


def _read_limited(uploaded_file: UploadLike, limits: PhotoLimits) -> bytes:
    """All bytes of the upload, refusing as soon as it is larger than ``limits.max_bytes``."""
    if isinstance(uploaded_file, bytes | bytearray | memoryview):
        data = bytes(uploaded_file)
        if len(data) > limits.max_bytes:
            raise PhotoError("too_large", limits)
        return data
    declared = getattr(uploaded_file, "size", None)
    if isinstance(declared, int) and declared > limits.max_bytes:
        raise PhotoError("too_large", limits)
    buf = bytearray()
    for chunk in _iter_chunks(uploaded_file):
        buf += chunk
        if len(buf) > limits.max_bytes:
            raise PhotoError("too_large", limits)
    return bytes(buf)


def _iter_chunks(uploaded_file: Any) -> Iterator[bytes]:
    if hasattr(uploaded_file, "seek"):
        try:
            uploaded_file.seek(0)
        except (OSError, ValueError):
            pass  # not seekable: read from where it is
    while True:
        chunk = uploaded_file.read(_CHUNK)
        if not chunk:
            return
        if not isinstance(chunk, bytes | bytearray):
            raise TypeError("process_upload needs a binary file, not a text file")
        yield bytes(chunk)


def _check_header(img: Image.Image, limits: PhotoLimits) -> str:
    """Limits that need only the header: the format, the size and the number of frames."""
    fmt = img.format or ""
    if fmt not in accepted_formats() and fmt != "MPO":
        raise PhotoError("not_an_image", limits)
    width, height = img.size
    if width <= 0 or height <= 0:
        raise PhotoError("not_an_image", limits)
    if width * height > limits.max_pixels:
        raise PhotoError("too_many_pixels", limits)
    if max(width, height) > limits.max_side:
        raise PhotoError("dimensions_too_large", limits)
    if min(width, height) < limits.min_side:
        raise PhotoError("too_small", limits)
    # MPO (multi-picture JPEG from phone cameras) carries previews and depth maps, not animation.
    if fmt != "MPO" and (getattr(img, "is_animated", False) or getattr(img, "n_frames", 1) != 1):
        raise PhotoError("animated", limits)
    return fmt


# Magic numbers only choose the *message* for a refused file; they never let a file in.
_OTHER_IMAGE_MAGIC: Final = (
    b"GIF87a", b"GIF89a", b"II*\x00", b"MM\x00*", b"BM", b"%PDF-", b"\x00\x00\x01\x00",
    b"8BPS", b"\xff\x0a", b"\x00\x00\x00\x0cJXL ",
)


def _unreadable(data: bytes, limits: PhotoLimits, exc: BaseException) -> PhotoError:
    logger.info("photo refused as unreadable: %s: %s", type(exc).__name__, exc)
    head = data[:64]
    if head[4:8] == b"ftyp" and head[8:12] in {b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx", b"mif1", b"msf1"}:
        return PhotoError("not_an_image" if HEIF_AVAILABLE else "heic_unsupported", limits)
    if head.startswith(_OTHER_IMAGE_MAGIC) or (head.startswith(b"RIFF") and head[8:12] == b"WEBP") or (
        head[4:8] == b"ftyp" and head[8:12] in {b"avif", b"avis"}
    ):
        return PhotoError("unsupported_format", limits)
    text = data[:1024].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if text.startswith(b"<svg") or (text.startswith(b"<?xml") and b"<svg" in data[:4096].lower()):
        return PhotoError("unsupported_format", limits)
    return PhotoError("not_an_image", limits)


def _to_clean_rgb(img: Image.Image, limits: PhotoLimits) -> Image.Image:
    """The decoded picture as upright sRGB pixels in a new image that carries no ``info`` at all."""
    icc = img.info.get("icc_profile")
    try:
        ImageOps.exif_transpose(img, in_place=True)  # turned as the camera said, without a copy
    except Exception as exc:  # a damaged EXIF block should not cost the resident the photo
        logger.info("ignoring unusable EXIF orientation: %s", exc)
    upright: Image.Image = img
    mode = upright.mode
    if mode in {"I;16", "I;16L", "I;16B", "I;16N", "I"}:
        upright = upright.convert("I").point(lambda v: v / 256).convert("L")
    elif mode == "F":
        upright = upright.convert("L")
    if upright.mode in {"RGBA", "LA", "PA", "RGBa", "La"} or (upright.mode == "P" and "transparency" in upright.info):
        rgba = upright.convert("RGBA")
        background = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        upright = Image.alpha_composite(background, rgba)
    rgb = _to_srgb(upright, icc)
    if max(rgb.size) > limits.stored_max_side:
        rgb.thumbnail((limits.stored_max_side, limits.stored_max_side), Image.Resampling.LANCZOS)
    # Rebuild from raw pixels: the new image has an empty ``info``, so no comment, EXIF, XMP or
    # profile can be written back by the encoder.
    return Image.frombytes("RGB", rgb.size, rgb.tobytes())


def _to_srgb(img: Image.Image, icc: object) -> Image.Image:
    """RGB in sRGB: through the embedded ICC profile where there is a usable one (colour matters
    clinically, and phones save Display P3), otherwise Pillow's plain conversion (CMYK included)."""
    if isinstance(icc, bytes) and 0 < len(icc) <= _MAX_ICC_BYTES and img.mode in {"RGB", "CMYK", "L"}:
        try:
            source = ImageCms.ImageCmsProfile(io.BytesIO(icc))
            converted = ImageCms.profileToProfile(
                img, source, ImageCms.createProfile("sRGB"), outputMode="RGB",
                renderingIntent=ImageCms.Intent.PERCEPTUAL,
            )
            if converted is not None:
                return converted
        except Exception as exc:  # a broken or unusual profile: fall back to the plain conversion
            logger.info("ignoring unusable ICC profile: %s", exc)
    return img if img.mode == "RGB" else img.convert("RGB")


def _encode_jpeg(img: Image.Image, quality: int) -> bytes:
    out = io.BytesIO()
    img.save(out, format="JPEG", quality=quality, optimize=True)
    return out.getvalue()


# --- storage --------------------------------------------------------------------------------


def _storage(storage: Storage | None) -> Storage:
    return storage if storage is not None else storages["default"]


def store_photo(photo: ProcessedPhoto, *, storage: Storage | None = None) -> StoredPhoto:
    """Write the photo and its thumbnail under random names in ``photos/``; both or neither."""
    target = _storage(storage)
    key = uuid.uuid4().hex
    saved: list[str] = []
    try:
        name = target.save(f"{STORAGE_PREFIX}{key}.jpg", ContentFile(photo.data))
        saved.append(name)
        thumbnail_name = target.save(f"{STORAGE_PREFIX}{key}-thumb.jpg", ContentFile(photo.thumbnail))
        saved.append(thumbnail_name)
    except BaseException:
        for done in saved:
            _delete_quietly(target, done)
        raise
    return StoredPhoto(
        name=name,
        thumbnail_name=thumbnail_name,
        sha256=photo.sha256,
        thumbnail_sha256=photo.thumbnail_sha256,
        size=len(photo.data),
        width=photo.width,
        height=photo.height,
        thumbnail_width=photo.thumbnail_width,
        thumbnail_height=photo.thumbnail_height,
        source_format=photo.source_format,
    )


def process_and_store(
    uploaded_file: UploadLike, *, limits: PhotoLimits = DEFAULT_LIMITS, storage: Storage | None = None
) -> StoredPhoto:
    """:func:`process_upload` then :func:`store_photo`; a refused upload writes nothing."""
    return store_photo(process_upload(uploaded_file, limits=limits), storage=storage)


def delete_stored_photo(stored: StoredPhoto, *, storage: Storage | None = None) -> None:
    """Remove both files (e.g. from ``transaction.on_rollback``-style clean-up in the caller)."""
    target = _storage(storage)
    for name in (stored.name, stored.thumbnail_name):
        _delete_quietly(target, name)


def _delete_quietly(storage: Storage, name: str) -> None:
    try:
        storage.delete(name)
    except Exception:
        logger.exception("could not delete photo file %s", name)


def verify_stored_photo(stored: StoredPhoto, *, storage: Storage | None = None) -> bool:
    """True when the stored photo's bytes still have the SHA-256 recorded when it was stored."""
    with _storage(storage).open(stored.name, "rb") as fh:
        digest = hashlib.sha256()
        for chunk in iter(lambda: fh.read(_CHUNK), b""):
            digest.update(chunk)
    return digest.hexdigest() == stored.sha256

