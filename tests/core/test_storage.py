"""Media storage: the S3-compatible backend chosen by settings, against moto's S3 (a protocol fake)."""

from __future__ import annotations

from collections.abc import Iterator

import boto3
import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import storages
from django.test import override_settings
from moto import mock_aws

S3 = {
    "default": {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {"bucket_name": "vardlots-media", "region_name": "eu-north-1", "default_acl": "private",
                    "querystring_auth": True, "file_overwrite": False, "location": "media"},
    },
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}


@pytest.fixture
def s3(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "test")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "test")
    with mock_aws():
        boto3.client("s3", region_name="eu-north-1").create_bucket(
            Bucket="vardlots-media", CreateBucketConfiguration={"LocationConstraint": "eu-north-1"})
        with override_settings(STORAGES=S3):
            yield


def test_files_are_stored_privately_in_the_bucket_and_read_back(s3: None) -> None:
    storage = storages["default"]
    name = storage.save("photos/a.jpg", ContentFile(b"\xff\xd8 pixels", name="a.jpg"))
    assert storage.exists(name)
    with storage.open(name) as f:
        assert f.read() == b"\xff\xd8 pixels"
    objects = boto3.client("s3", region_name="eu-north-1").list_objects_v2(Bucket="vardlots-media")
    assert [o["Key"] for o in objects["Contents"]] == ["media/photos/a.jpg"]
    acl = boto3.client("s3", region_name="eu-north-1").get_object_acl(Bucket="vardlots-media", Key="media/photos/a.jpg")
    assert all(g["Grantee"].get("URI", "").endswith("AllUsers") is False for g in acl["Grants"])
    assert "X-Amz-Signature=" in storage.url(name)  # only short-lived signed URLs


def test_an_existing_name_is_never_overwritten(s3: None) -> None:
    storage = storages["default"]
    first = storage.save("photos/same.jpg", ContentFile(b"one", name="same.jpg"))
    second = storage.save("photos/same.jpg", ContentFile(b"two", name="same.jpg"))
    assert first != second
    with storage.open(first) as f:
        assert f.read() == b"one"
