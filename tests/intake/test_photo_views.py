"""Attaching photos to an assessment through the real views: hostile files stored never, clean ones
stored without metadata, and only the owner can see them."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from PIL import Image

from tests.factories import personas, resident_client
from tests.intake import hostile
from vardlots.intake.models import AssessmentPhoto, TriageSession

pytestmark = pytest.mark.django_db


@pytest.fixture
def media(settings: pytest.FixtureRequest, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = tmp_path  # type: ignore[attr-defined]
    return tmp_path


def completed_session(client: Client) -> TriageSession:
    person = personas.resident()
    resident_client(client, person)
    location = client.post("/sok-vard/borja", {"protocol": "rash"})["Location"]
    for _ in range(30):
        response = client.get(location)
        if response.status_code == 302:
            break
        html = response.content.decode()
        finding = html.split('name="finding" value="')[1].split('"')[0]
        position = html.split('name="position" value="')[1].split('"')[0]
        data = {"finding": finding, "position": position}
        if 'value="no"' in html:
            data["value"] = "no"
        elif 'type="checkbox"' not in html:
            data["unknown"] = "1"
        client.post(location, data)
    session = TriageSession.objects.get(resident=person)
    assert session.state == TriageSession.State.COMPLETED
    return session


def files_in(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file()]


@pytest.mark.parametrize("bad", hostile.REFUSED, ids=[h.name for h in hostile.REFUSED])
def test_hostile_uploads_are_refused_with_a_clear_message_and_nothing_is_stored(
        client: Client, media: Path, bad: hostile.Hostile) -> None:
    session = completed_session(client)
    upload = SimpleUploadedFile(bad.name, bad.make(), content_type=bad.content_type)
    response = client.post(f"/sok-vard/{session.pk}/bilder", {"photo": upload}, follow=True)
    assert response.status_code == 200
    page = response.content.decode()
    assert 'class="message message-error"' in page
    assert not AssessmentPhoto.objects.exists()
    assert files_in(media) == []


def test_a_photo_with_gps_is_stored_clean_and_shown_only_to_its_owner(client: Client, media: Path) -> None:
    session = completed_session(client)
    upload = SimpleUploadedFile("me.jpg", hostile.jpeg_with_gps(), content_type="image/jpeg")
    response = client.post(f"/sok-vard/{session.pk}/bilder", {"photo": upload}, follow=True)
    assert 'class="message message-success"' in response.content.decode()
    photo = AssessmentPhoto.objects.get()
    stored = files_in(media)
    assert len(stored) == 2  # the photo and its thumbnail, nothing else
    served = client.get(f"/sok-vard/{session.pk}/bilder/{photo.pk}/stor")
    assert served.status_code == 200
    assert served["Content-Type"] == "image/jpeg"
    assert served["Cache-Control"] == "private, no-store"
    image = Image.open(io.BytesIO(served.content))
    assert not image.getexif()
    assert ("exif" not in image.info and "icc_profile" not in image.info) or image.info.get("exif") is None
    other = Client()
    resident_client(other, personas.resident())
    assert other.get(f"/sok-vard/{session.pk}/bilder/{photo.pk}/stor").status_code == 404
    assert other.post(f"/sok-vard/{session.pk}/bilder/{photo.pk}/ta-bort").status_code == 404


def test_a_removed_photo_is_deleted_from_storage(
        client: Client, media: Path, django_capture_on_commit_callbacks: object) -> None:
    session = completed_session(client)
    client.post(f"/sok-vard/{session.pk}/bilder",
                {"photo": SimpleUploadedFile("a.png", hostile.png(), content_type="image/png")})
    photo = AssessmentPhoto.objects.get()
    with django_capture_on_commit_callbacks(execute=True):  # type: ignore[operator]
        client.post(f"/sok-vard/{session.pk}/bilder/{photo.pk}/ta-bort")
    photo.refresh_from_db()
    assert photo.deleted_at is not None
    assert files_in(media) == []
    assert client.get(f"/sok-vard/{session.pk}/bilder/{photo.pk}/stor").status_code == 404


def test_at_most_five_photos(client: Client, media: Path) -> None:
    session = completed_session(client)
    for i in range(6):
        client.post(f"/sok-vard/{session.pk}/bilder",
                    {"photo": SimpleUploadedFile(f"{i}.jpg", hostile.jpeg(), content_type="image/jpeg")})
    assert AssessmentPhoto.objects.count() == 5
    assert len(files_in(media)) == 10


def test_an_oversized_request_is_refused_before_it_is_read(client: Client, media: Path) -> None:
    session = completed_session(client)
    response = client.post(f"/sok-vard/{session.pk}/bilder", {"photo": SimpleUploadedFile(
        "big.jpg", b"\xff\xd8" + b"\0" * (13 * 1024 * 1024), content_type="image/jpeg")}, follow=True)
    assert 'class="message message-error"' in response.content.decode()
    assert not AssessmentPhoto.objects.exists()
    assert files_in(media) == []
