"""Storage: the local directory, and S3 against a real S3-compatible server over HTTP (moto_server)."""
from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
import uuid
from datetime import datetime, timezone
from pathlib import Path

import pytest
import requests
from flask import Flask

from backend.core.storage import LocalStorage, S3Storage, get_storage, init_app, new_key, storage_from_config

PHOTO = b"\xff\xd8\xff\xe0 not really a jpeg \xff\xd9"
REGION = "ap-shanghai"


# --- LocalStorage -----------------------------------------------------------------------------

@pytest.fixture
def local(tmp_path) -> LocalStorage:
    return LocalStorage(tmp_path / "uploads")


def test_local_round_trip(local):
    key = "photos/2026/11/abc.jpg"

    local.put(key, PHOTO, "image/jpeg")

    assert local.exists(key)
    assert local.get(key) == PHOTO
    assert (local.root / "photos/2026/11/abc.jpg").read_bytes() == PHOTO
    local.put(key, b"second", "image/jpeg")
    assert local.get(key) == b"second"
    local.delete(key)
    assert not local.exists(key)


def test_local_missing_key(local):
    with pytest.raises(KeyError):
        local.get("photos/2026/11/missing.jpg")
    assert not local.exists("photos/2026/11/missing.jpg")
    local.delete("photos/2026/11/missing.jpg")  # no error


def test_local_has_no_urls_the_app_streams_the_bytes(local):
    local.put("photos/a.jpg", PHOTO, "image/jpeg")

    assert local.presigned_url("photos/a.jpg") is None


@pytest.mark.parametrize("key", [
    "../outside.jpg",
    "photos/../../outside.jpg",
    "photos/../photos/inside.jpg",  # stays inside, but keys we make never hold ".."
    "/etc/passwd",
    "",
    ".",
    "photos\\..\\..\\outside.jpg",
    "photos/a\x00.jpg",
])
def test_local_refuses_keys_that_escape_the_root(local, key):
    for operation in (lambda: local.put(key, PHOTO, "image/jpeg"), lambda: local.get(key),
                      lambda: local.exists(key), lambda: local.delete(key)):
        with pytest.raises(ValueError):
            operation()
    assert not (local.root.parent / "outside.jpg").exists()


def test_local_refuses_a_symlink_out_of_the_root(local, tmp_path):
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    local.root.mkdir()
    (local.root / "link").symlink_to(outside)

    with pytest.raises(ValueError):
        local.put("link/x.jpg", PHOTO, "image/jpeg")
    assert not list(outside.iterdir())


def test_local_write_is_atomic(local, monkeypatch):
    key = "photos/a.jpg"
    local.put(key, PHOTO, "image/jpeg")

    def crash(src, dst):
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", crash)
    with pytest.raises(OSError):
        local.put(key, b"half written", "image/jpeg")

    assert local.get(key) == PHOTO
    assert [p.name for p in (local.root / "photos").iterdir()] == ["a.jpg"]  # no temp file left


def test_new_key_is_unguessable_and_sharded_by_month():
    now = datetime(2026, 11, 3, tzinfo=timezone.utc)

    first, second = new_key("photos", ".jpg", now), new_key("photos", ".jpg", now)

    match = re.fullmatch(r"photos/2026/11/([0-9a-f]{32})\.jpg", first)
    assert match and uuid.UUID(match[1]).version == 4
    assert first != second


# --- configuration ----------------------------------------------------------------------------

def test_local_from_config_is_relative_to_base_dir(tmp_path):
    storage = storage_from_config({"STORAGE_BACKEND": "local", "UPLOAD_DIR": "instance/uploads"}, base_dir=tmp_path)

    assert isinstance(storage, LocalStorage)
    assert storage.root == (tmp_path / "instance/uploads").resolve()


def test_s3_from_config():
    storage = storage_from_config({
        "STORAGE_BACKEND": "s3", "S3_BUCKET": "wgt-photos", "S3_REGION": REGION,
        "S3_ENDPOINT_URL": "https://cos.ap-shanghai.myqcloud.com", "S3_ACCESS_KEY": "k", "S3_SECRET_KEY": "s",
    })

    assert isinstance(storage, S3Storage) and storage.bucket == "wgt-photos"


@pytest.mark.parametrize("config", [{"STORAGE_BACKEND": "ftp"}, {"STORAGE_BACKEND": "s3"}])
def test_bad_storage_config_is_refused(config):
    with pytest.raises(ValueError):
        storage_from_config(config)


def test_init_app_puts_storage_on_the_app(tmp_path):
    app = Flask(__name__)
    app.config.update(STORAGE_BACKEND="local", UPLOAD_DIR=str(tmp_path / "up"))

    init_app(app)

    with app.app_context():
        assert get_storage() is app.extensions["storage"]
        assert get_storage().root == (tmp_path / "up").resolve()


def test_init_app_takes_a_relative_upload_dir_from_the_project_root():
    app = Flask(__name__)
    app.config.update(STORAGE_BACKEND="local", UPLOAD_DIR="instance/uploads")

    init_app(app)

    assert app.extensions["storage"].root == Path(app.root_path).parent.resolve() / "instance/uploads"


# --- S3Storage against moto_server --------------------------------------------------------------

def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def s3_endpoint():
    """A real S3 API over HTTP on loopback; failing to start is a test failure, not a skip."""
    moto_server = Path(sys.executable).with_name("moto_server")
    port = free_port()
    process = subprocess.Popen([str(moto_server), "-H", "127.0.0.1", "-p", str(port)],
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    endpoint = f"http://127.0.0.1:{port}"
    try:
        wait_until_serving(process, endpoint)
        yield endpoint
    finally:
        process.terminate()
        process.communicate(timeout=10)


def wait_until_serving(process: subprocess.Popen, endpoint: str, timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"moto_server exited with {process.returncode}: {process.stderr.read().decode()}")
        try:
            requests.get(endpoint, timeout=0.5)
            return
        except (requests.ConnectionError, requests.Timeout):  # not listening yet, or still starting up
            time.sleep(0.1)
    pytest.fail(f"moto_server did not answer on {endpoint} within {timeout}s")


@pytest.fixture(scope="module")
def s3(s3_endpoint) -> S3Storage:
    storage = storage_from_config({
        "STORAGE_BACKEND": "s3", "S3_BUCKET": "wgt-photos", "S3_ENDPOINT_URL": s3_endpoint,
        "S3_REGION": REGION, "S3_ACCESS_KEY": "test-key", "S3_SECRET_KEY": "test-secret",
    })
    storage.client.create_bucket(Bucket="wgt-photos", CreateBucketConfiguration={"LocationConstraint": REGION})
    return storage


def test_s3_round_trip(s3):
    key = new_key("photos", ".jpg")

    s3.put(key, PHOTO, "image/jpeg")

    assert s3.exists(key)
    assert s3.get(key) == PHOTO
    assert s3.client.head_object(Bucket=s3.bucket, Key=key)["ContentType"] == "image/jpeg"
    s3.delete(key)
    assert not s3.exists(key)


def test_s3_missing_key(s3):
    key = new_key("photos", ".jpg")

    with pytest.raises(KeyError):
        s3.get(key)
    assert not s3.exists(key)
    s3.delete(key)  # no error


def test_s3_presigned_url_serves_the_bytes_and_a_plain_url_is_refused(s3, s3_endpoint):
    key = new_key("photos", ".jpg")
    s3.put(key, PHOTO, "image/jpeg")

    url = s3.presigned_url(key, expires_in=60)
    signed = requests.get(url, timeout=5)
    unsigned = requests.get(f"{s3_endpoint}/{s3.bucket}/{key}", timeout=5)

    assert "X-Amz-Signature=" in url and "X-Amz-Expires=60" in url
    assert signed.status_code == 200 and signed.content == PHOTO
    assert signed.headers["Content-Type"] == "image/jpeg"
    assert unsigned.status_code == 403
