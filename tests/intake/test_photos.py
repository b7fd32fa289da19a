"""The photo pipeline: hostile uploads are refused with exact keys and nothing stored; accepted ones
are re-encoded so that no byte, metadata or payload of the original survives."""

from __future__ import annotations

import hashlib
import io
import re
import time
import zipfile
from pathlib import Path
from typing import Any

import pytest
from django.core.files.storage import FileSystemStorage, storages
from django.core.files.uploadedfile import SimpleUploadedFile, TemporaryUploadedFile
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st
from PIL import Image, ImageFile

from tests.intake import hostile
from vardlots.intake import photos
from vardlots.intake.photos import (
    ERROR_KEYS,
    PhotoError,
    PhotoLimits,
    ProcessedPhoto,
    StoredPhoto,
    delete_stored_photo,
    process_and_store,
    process_upload,
    store_photo,
    verify_stored_photo,
)


@pytest.fixture
def media(settings: Any, tmp_path: Path) -> Path:
    """A temporary MEDIA_ROOT behind the default storage."""
    root = tmp_path / "media"
    root.mkdir()
    settings.MEDIA_ROOT = root
    assert Path(storages["default"].path("x")).parent == root
    return root


def files_under(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file())


def upload(data: bytes, name: str = "photo.jpg", content_type: str = "image/jpeg") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type=content_type)


def reopen(data: bytes) -> Image.Image:
    img = Image.open(io.BytesIO(data))
    img.load()
    return img


# JPEG markers that carry nothing but the picture (APP0 is the JFIF header Pillow writes).
PICTURE_MARKERS = {0xC0, 0xC1, 0xC2, 0xC4, 0xDA, 0xDB, 0xDD, 0xE0}


def jpeg_markers(data: bytes) -> list[int]:
    """The markers of a JPEG up to the start of scan, walking the segment lengths."""
    assert data[:2] == b"\xff\xd8"
    pos, markers = 2, []
    while True:
        assert data[pos] == 0xFF
        marker = data[pos + 1]
        markers.append(marker)
        if marker == 0xDA:
            return markers
        pos += 2 + int.from_bytes(data[pos + 2 : pos + 4], "big")


def assert_clean_jpeg(data: bytes) -> None:
    """A fresh JPEG: only picture segments, ends at EOI, no metadata of any kind when reopened."""
    assert set(jpeg_markers(data)) <= PICTURE_MARKERS, [hex(m) for m in jpeg_markers(data)]
    assert data.endswith(b"\xff\xd9")
    assert data.count(b"\xff\xd9") >= 1
    img = reopen(data)
    assert img.format == "JPEG"
    assert img.mode == "RGB"
    assert not img.getexif()
    assert set(img.info) <= {"jfif", "jfif_version", "jfif_unit", "jfif_density", "progressive", "progression"}
    for trace in (hostile.MARKER, b"Exif\x00", b"ICC_PROFILE", b"http://ns.adobe.com/xap", b"Photoshop 3.0",
                  b"<script", b"<?php", b"PK\x03\x04", b"GPS", b"VardlotsPhone"):
        assert trace not in data, trace


def colour(img: Image.Image, xy: tuple[int, int]) -> tuple[int, ...]:
    pixel = img.getpixel(xy)
    assert isinstance(pixel, tuple)
    return pixel


def is_red(rgb: tuple[int, ...]) -> bool:
    return rgb[0] > 200 and rgb[1] < 60 and rgb[2] < 60


def is_blue(rgb: tuple[int, ...]) -> bool:
    return rgb[2] > 200 and rgb[0] < 60 and rgb[1] < 60


# --- refused --------------------------------------------------------------------------------


def test_at_least_fourteen_hostile_files() -> None:
    assert len(hostile.REFUSED) >= 14
    assert {h.key for h in hostile.REFUSED} <= ERROR_KEYS
    assert len({h.name for h in hostile.REFUSED}) == len(hostile.REFUSED)


@pytest.mark.parametrize("item", hostile.REFUSED, ids=lambda h: h.name)
def test_hostile_upload_is_refused_and_nothing_is_stored(item: hostile.Hostile, media: Path) -> None:
    with pytest.raises(PhotoError) as caught:
        process_and_store(upload(item.data, item.name, item.content_type))
    assert caught.value.key == item.key, item.about
    assert files_under(media) == []


@pytest.mark.parametrize("item", hostile.REFUSED, ids=lambda h: h.name)
def test_hostile_upload_is_refused_from_a_temporary_file(item: hostile.Hostile) -> None:
    """Large uploads reach the view as a TemporaryUploadedFile on disk; same answers."""
    data = item.data
    with TemporaryUploadedFile(item.name, item.content_type, len(data), None) as temp:
        temp.write(data)
        temp.flush()
        with pytest.raises(PhotoError) as caught:
            process_upload(temp)
    assert caught.value.key == item.key


def test_decompression_bomb_is_refused_from_the_header_without_decoding(monkeypatch: pytest.MonkeyPatch) -> None:
    bomb = hostile.png_declaring(50_000, 50_000)
    assert len(bomb) < 1024 * 1024  # a 2.5-gigapixel bitmap in well under a megabyte

    def no_decoding(self: Any, *args: Any) -> None:
        raise AssertionError("pixel data was decoded")

    monkeypatch.setattr(ImageFile.ImageFile, "load", no_decoding)
    monkeypatch.setattr(Image.Image, "load", no_decoding)
    started = time.perf_counter()
    with pytest.raises(PhotoError) as caught:
        process_upload(bomb)
    assert caught.value.key == "too_many_pixels"
    assert time.perf_counter() - started < 2


def test_our_pixel_limit_applies_below_pillows_own_guard() -> None:
    assert Image.MAX_IMAGE_PIXELS and 7_000 * 7_000 < Image.MAX_IMAGE_PIXELS
    with pytest.raises(PhotoError) as caught:
        process_upload(hostile.png_declaring(7_000, 7_000))
    assert caught.value.key == "too_many_pixels"
    # and with a higher limit of our own the same file decodes
    limits = PhotoLimits(max_pixels=50_000_000, stored_max_side=256)
    assert process_upload(hostile.png_declaring(7_000, 7_000), limits=limits).width == 256


def test_declared_size_is_refused_before_reading() -> None:
    class Huge:
        size = 10 * 1024 * 1024 + 1
        name = "photo.jpg"

        def read(self, n: int = -1) -> bytes:
            raise AssertionError("read a file already known to be too large")

    with pytest.raises(PhotoError) as caught:
        process_upload(Huge())  # type: ignore[arg-type]
    assert caught.value.key == "too_large"


def test_size_limit_counts_bytes_read_not_the_declared_size() -> None:
    liar = upload(hostile.jpeg() + b"\x00" * 2000)
    liar.size = 10  # a client-side size is not trusted
    with pytest.raises(PhotoError) as caught:
        process_upload(liar, limits=PhotoLimits(max_bytes=1500))
    assert caught.value.key == "too_large"


def test_exactly_the_byte_limit_is_accepted() -> None:
    data = hostile.jpeg()
    assert process_upload(data, limits=PhotoLimits(max_bytes=len(data))).source_bytes == len(data)
    with pytest.raises(PhotoError) as caught:
        process_upload(data, limits=PhotoLimits(max_bytes=len(data) - 1))
    assert caught.value.key == "too_large"


def test_heic_is_refused_with_its_own_message_without_a_decoder(monkeypatch: pytest.MonkeyPatch) -> None:
    if not photos.HEIF_AVAILABLE:
        pytest.skip("pillow-heif is not installed, so no HEIC file can be made")
    data = hostile.heic()
    monkeypatch.setattr(photos, "HEIF_AVAILABLE", False)
    with pytest.raises(PhotoError) as caught:
        process_upload(upload(data, "IMG_0001.HEIC", "image/heic"))
    assert caught.value.key == "heic_unsupported"
    assert "HEIC" in caught.value.message_sv
    assert "HEIC" in caught.value.message_en


def test_errors_have_stable_keys_and_messages_in_swedish_and_english() -> None:
    assert ERROR_KEYS == {"empty", "too_large", "not_an_image", "unsupported_format", "heic_unsupported",
                          "too_many_pixels", "dimensions_too_large", "too_small", "animated"}
    error = PhotoError("not_an_image")
    assert error.message_sv == "Filen är inte en bild vi kan läsa. Skicka ett foto i JPEG- eller PNG-format."
    assert error.message_en == "The file is not an image we can read. Send a photo in JPEG or PNG format."
    assert error.message("en-GB") == error.message_en
    assert error.message("sv") == error.message_sv
    assert error.message("fi") == error.message_sv
    assert isinstance(error, ValueError)
    assert PhotoError("too_large").message_sv == "Filen är för stor. Ett foto får vara högst 10 MB."
    assert "40 megapixel" in PhotoError("too_many_pixels").message_sv
    svs, ens = set(), set()
    for key in ERROR_KEYS:
        e = PhotoError(key)
        assert e.key == key
        assert e.message_sv and e.message_en and e.message_sv != e.message_en
        assert "{" not in e.message_sv + e.message_en
        svs.add(e.message_sv)
        ens.add(e.message_en)
    assert len(svs) == len(ens) == len(ERROR_KEYS)
    with pytest.raises(KeyError):
        PhotoError("no_such_key")


def test_truncated_images_stay_refused_even_if_someone_flips_pillows_switch(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ImageFile, "LOAD_TRUNCATED_IMAGES", True)
    with pytest.raises(RuntimeError):
        process_upload(hostile.jpeg())


# --- accepted and cleaned -------------------------------------------------------------------


def test_plain_jpeg_is_re_encoded_with_thumbnail_and_hash() -> None:
    original = hostile.jpeg(640, 480)
    photo = process_upload(upload(original, "evil.php", "application/x-php"))  # name and type ignored
    assert isinstance(photo, ProcessedPhoto)
    assert (photo.width, photo.height, photo.source_format, photo.content_type) == (640, 480, "JPEG", "image/jpeg")
    assert photo.data != original
    assert photo.sha256 == hashlib.sha256(photo.data).hexdigest()
    assert photo.thumbnail_sha256 == hashlib.sha256(photo.thumbnail).hexdigest()
    assert (photo.thumbnail_width, photo.thumbnail_height) == (320, 240)
    assert reopen(photo.thumbnail).size == (320, 240)
    assert_clean_jpeg(photo.data)
    assert_clean_jpeg(photo.thumbnail)
    left, right = colour(reopen(photo.data), (100, 240)), colour(reopen(photo.data), (540, 240))
    assert is_red(left) and is_blue(right)


def test_jpeg_with_gps_has_no_exif_left_and_is_turned_upright() -> None:
    original = hostile.jpeg_with_gps(orientation=6)
    source = reopen(original)
    assert source.getexif().get_ifd(0x8825)  # the original really has a GPS position
    assert source.size == (200, 100)
    photo = process_upload(original)
    assert_clean_jpeg(photo.data)
    assert_clean_jpeg(photo.thumbnail)
    stored = reopen(photo.data)
    assert not stored.getexif().get_ifd(0x8825)
    assert stored.getexif().get(0x0112) is None
    # orientation 6 turns the picture 90° clockwise: the left (red) half is now on top
    assert stored.size == (100, 200) == (photo.width, photo.height)
    assert is_red(colour(stored, (50, 40)))
    assert is_blue(colour(stored, (50, 160)))


def test_polyglot_jpeg_with_a_zip_appended_keeps_nothing_of_the_zip(media: Path) -> None:
    polyglot = hostile.polyglot_jpeg()
    assert zipfile.ZipFile(io.BytesIO(polyglot)).namelist() == ["shell.php", "index.html"]  # really both
    stored = process_and_store(upload(polyglot))
    files = files_under(media)
    assert files == sorted([media / stored.name, media / stored.thumbnail_name])
    for path in files:
        assert_clean_jpeg(path.read_bytes())


def test_jpeg_with_html_comment_xmp_iptc_and_icc_is_stripped() -> None:
    original = hostile.jpeg_with_metadata()
    source = reopen(original)
    assert hostile.MARKER in source.info["comment"] and "icc_profile" in source.info and "xmp" in source.info
    assert b"Photoshop 3.0" in original
    photo = process_upload(original)
    assert_clean_jpeg(photo.data)
    assert "comment" not in reopen(photo.data).info


def test_png_with_text_chunks_and_trailing_data_becomes_a_clean_jpeg() -> None:
    original = hostile.png_with_text_chunks()
    assert hostile.MARKER in original
    photo = process_upload(upload(original, "image.png", "image/png"))
    assert photo.source_format == "PNG"
    assert_clean_jpeg(photo.data)
    for chunk in (b"tEXt", b"zTXt", b"iTXt"):
        assert chunk not in photo.data


def test_cmyk_jpeg_is_converted_to_rgb() -> None:
    original = hostile.cmyk_jpeg()
    assert reopen(original).mode == "CMYK"
    photo = process_upload(original)
    assert_clean_jpeg(photo.data)
    assert is_red(colour(reopen(photo.data), (60, 45)))


def test_transparent_png_is_put_on_white() -> None:
    photo = process_upload(hostile.png_rgba_transparent())
    img = reopen(photo.data)
    assert is_blue(colour(img, (10, 40)))
    assert min(colour(img, (70, 40))) > 240


def test_sixteen_bit_grey_png_keeps_its_brightness() -> None:
    img = reopen(process_upload(hostile.png_16bit_grey(32768)).data)
    assert all(120 <= c <= 136 for c in colour(img, (40, 40)))


def test_multi_picture_jpeg_from_a_phone_keeps_the_primary_picture() -> None:
    original = hostile.mpo()
    assert reopen(original).format == "MPO"
    photo = process_upload(original)
    assert photo.source_format == "JPEG"
    img = reopen(photo.data)
    assert is_red(colour(img, (20, 60))) and is_blue(colour(img, (140, 60)))


@pytest.mark.skipif(not photos.HEIF_AVAILABLE, reason="pillow-heif is not installed")
def test_heic_is_accepted_through_pillow_heif() -> None:
    photo = process_upload(upload(hostile.heic(), "IMG_0001.HEIC", "image/heic"))
    assert (photo.source_format, photo.width, photo.height) == ("HEIF", 160, 120)
    assert_clean_jpeg(photo.data)
    img = reopen(photo.data)
    assert is_red(colour(img, (20, 60))) and is_blue(colour(img, (140, 60)))


def test_large_photo_is_scaled_down_for_storage() -> None:
    photo = process_upload(hostile.png(5000, 100))
    assert (photo.width, photo.height) == (4096, 82)
    assert (photo.thumbnail_width, photo.thumbnail_height) == (320, 6)


def test_a_binary_file_object_and_bytes_work_too() -> None:
    data = hostile.jpeg()
    stream = io.BytesIO(data)
    stream.read(10)  # a caller that already peeked: we read from the start
    assert process_upload(stream).sha256 == process_upload(data).sha256 == process_upload(bytearray(data)).sha256


# --- storage --------------------------------------------------------------------------------

UUID_NAME = re.compile(r"^photos/([0-9a-f]{32})(-thumb)?\.jpg$")


def test_store_writes_photo_and_thumbnail_under_random_names(media: Path) -> None:
    stored = process_and_store(upload(hostile.jpeg_with_gps(), "my-rash-2026-11-20.jpg"))
    assert isinstance(stored, StoredPhoto)
    photo_match, thumb_match = UUID_NAME.match(stored.name), UUID_NAME.match(stored.thumbnail_name)
    assert photo_match and thumb_match and photo_match.group(1) == thumb_match.group(1)
    assert not photo_match.group(2) and thumb_match.group(2)
    assert "rash" not in stored.name
    assert files_under(media) == sorted([media / stored.name, media / stored.thumbnail_name])
    data = (media / stored.name).read_bytes()
    assert hashlib.sha256(data).hexdigest() == stored.sha256
    assert stored.size == len(data)
    assert hashlib.sha256((media / stored.thumbnail_name).read_bytes()).hexdigest() == stored.thumbnail_sha256
    assert (stored.width, stored.height, stored.content_type, stored.source_format) == (100, 200, "image/jpeg",
                                                                                         "JPEG")
    assert verify_stored_photo(stored)
    assert_clean_jpeg(data)

    second = process_and_store(upload(hostile.jpeg_with_gps()))
    assert second.name != stored.name and second.sha256 == stored.sha256  # same pixels, new name

    delete_stored_photo(stored)
    delete_stored_photo(second)
    assert files_under(media) == []


def test_verify_notices_a_changed_file(media: Path) -> None:
    stored = process_and_store(hostile.png())
    (media / stored.name).write_bytes(b"tampered")
    assert not verify_stored_photo(stored)


def test_a_failed_thumbnail_write_leaves_no_photo_behind(media: Path) -> None:
    class FailingThumbnails(FileSystemStorage):
        def save(self, name: str | None, content: Any, max_length: int | None = None) -> str:
            if name and name.endswith("-thumb.jpg"):
                raise OSError("disk full")
            return super().save(name, content, max_length)

    with pytest.raises(OSError, match="disk full"):
        store_photo(process_upload(hostile.jpeg()), storage=FailingThumbnails(location=media))
    assert files_under(media) == []


def test_an_explicit_storage_is_used(tmp_path: Path, media: Path) -> None:
    other = FileSystemStorage(location=tmp_path / "elsewhere")
    stored = process_and_store(hostile.jpeg(), storage=other)
    assert files_under(media) == []
    assert (tmp_path / "elsewhere" / stored.name).is_file()


# --- properties -----------------------------------------------------------------------------

_VALID_JPEG = hostile.jpeg(96, 80)
_VALID_PNG = hostile.png(96, 80)
_PREFIXES = [b"", b"\xff\xd8\xff\xe0", b"\xff\xd8\xff\xdb", b"\x89PNG\r\n\x1a\n", b"\x00\x00\x00\x18ftypheic",
             b"GIF89a", b"<svg", b"%PDF-1.7"]


def _outcome(data: bytes) -> None:
    try:
        photo = process_upload(data)
    except PhotoError as error:
        assert error.key in ERROR_KEYS
    else:
        assert_clean_jpeg(photo.data)


@hsettings(max_examples=300, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
@given(prefix=st.sampled_from(_PREFIXES), body=st.binary(max_size=2048))
def test_random_bytes_raise_only_photo_errors(prefix: bytes, body: bytes) -> None:
    _outcome(prefix + body)


@hsettings(max_examples=300, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
@given(original=st.sampled_from([_VALID_JPEG, _VALID_PNG]), data=st.data())
def test_damaged_real_images_raise_only_photo_errors(original: bytes, data: st.DataObject) -> None:
    """Flip, cut and splice bytes of a real image: deep inside the decoders, still only PhotoError."""
    damaged = bytearray(original)
    for _ in range(data.draw(st.integers(1, 8))):
        position = data.draw(st.integers(0, len(damaged) - 1))
        damaged[position] = data.draw(st.integers(0, 255))
    if data.draw(st.booleans()):
        damaged = damaged[: data.draw(st.integers(0, len(damaged)))]
    _outcome(bytes(damaged))
