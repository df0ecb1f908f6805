import io
from pathlib import Path

import pytest
import time_machine
from PIL import Image
from sqlalchemy import func, select

from backend.core.db import db
from backend.core.errors import DomainError
from backend.uploads.models import Upload
from backend.uploads.services import owned_uploads


def jpeg_with_gps(size=(1200, 900)) -> bytes:
    image = Image.new("RGB", size, (200, 30, 30))
    exif = Image.Exif()
    exif[0x0112] = 6  # rotated 90° as phones write it
    exif.get_ifd(0x8825)[2] = (31.0, 14.0, 0.0)  # GPSLatitude
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif)
    return out.getvalue()


def upload(client, data: bytes, name="photo.jpg"):
    return client.post("/uploads", data={"file": (io.BytesIO(data), name)}, content_type="multipart/form-data")


def stored_files(app) -> list[Path]:
    return [p for p in Path(app.config["UPLOAD_DIR"]).rglob("*") if p.is_file()]


def upload_count() -> int:
    return db.session.scalar(select(func.count()).select_from(Upload))


def test_upload_strips_location_rotates_and_serves_by_signed_link(login_as, make_user):
    client = login_as(make_user())
    response = upload(client, jpeg_with_gps())
    assert response.status_code == 201
    body = response.get_json()
    assert (body["width"], body["height"]) == (900, 1200)
    photo = client.get(body["url"])
    assert photo.status_code == 200 and photo.mimetype == "image/jpeg"
    served = Image.open(io.BytesIO(photo.data))
    assert served.size == (900, 1200) and not served.getexif()
    thumb = Image.open(io.BytesIO(client.get(body["thumbnail_url"]).data))
    assert max(thumb.size) == 480


def test_link_is_signed_per_photo_and_variant_and_expires(api, login_as, make_user):
    body = upload(login_as(make_user()), jpeg_with_gps((200, 100))).get_json()
    assert api.get(body["url"]).status_code == 200  # the signature, not the bearer token, opens it
    assert api.get(body["url"].split("?")[0]).status_code == 422
    assert api.get(body["url"][:-3] + "abc").status_code == 404
    swapped = body["thumbnail_url"].replace("/thumbnail?", "/file?")
    assert api.get(swapped).status_code == 404
    other_id = body["url"].replace(f"/uploads/{body['id']}/", f"/uploads/{body['id'] + 1}/")
    assert api.get(other_id).status_code == 404
    with time_machine.travel("2099-01-01 00:00:00+00:00"):
        expired = api.get(body["url"])
    assert expired.status_code == 403 and expired.get_json()["code"] == "photo_link_expired"


def test_upload_needs_login(api):
    assert upload(api, jpeg_with_gps()).status_code == 401


def test_wrong_content_behind_an_image_name_stores_nothing(app, login_as, make_user):
    client = login_as(make_user())
    before = stored_files(app)
    for data in (b"<svg xmlns='http://www.w3.org/2000/svg'/>", b"<html><script>alert(1)</script></html>", b"%PDF-1.4", b""):
        response = upload(client, data, "photo.jpg")
        assert response.status_code == 415 and response.get_json()["code"] == "unsupported_image_type"
    assert upload_count() == 0 and stored_files(app) == before


def test_truncated_image_is_422_and_oversize_is_413(app, login_as, make_user, monkeypatch):
    client = login_as(make_user())
    whole = jpeg_with_gps()
    assert upload(client, whole[: len(whole) // 2]).status_code == 422
    monkeypatch.setitem(app.config, "UPLOAD_MAX_BYTES", len(whole) - 1)
    response = upload(client, whole)
    assert response.status_code == 413 and response.get_json()["code"] == "file_too_large"
    assert upload_count() == 0


def test_missing_file_field_is_422(login_as, make_user):
    response = login_as(make_user()).post("/uploads", data={}, content_type="multipart/form-data")
    assert response.status_code == 422


def test_only_ones_own_uploads_can_be_attached(login_as, make_user):
    owner, other = make_user(), make_user()
    photo_id = upload(login_as(owner), jpeg_with_gps((100, 100))).get_json()["id"]
    assert [u.id for u in owned_uploads(owner, [photo_id])] == [photo_id]
    with pytest.raises(DomainError) as refused:
        owned_uploads(other, [photo_id])
    assert refused.value.code == "photo_not_found" and refused.value.details == {"photo_ids": [photo_id]}
