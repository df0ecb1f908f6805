"""Many uploads at once, good and bad mixed, from one person and from several, with the
configured rate limits on: every refusal is a clean 4xx (429 past the limit) that stores
nothing, and every accepted photo is stored exactly once."""
from __future__ import annotations

import io
import random
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from PIL import Image
from sqlalchemy import select

from backend.app import create_app
from backend.auth.services import issue_access_token
from backend.core.db import db
from backend.uploads.models import Upload
from config import BaseConfig

LIMIT = 30  # BaseConfig.RATE_LIMITS["uploads.upload_photo"], per person per minute
THREADS = 12


def jpeg(n: int) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (400 + n, 300), (n * 7 % 256, 80, 160)).save(out, "JPEG")
    return out.getvalue()


BAD = {
    "svg": b"<svg xmlns='http://www.w3.org/2000/svg' onload='alert(1)'/>",
    "html": b"<html><script>alert(1)</script></html>",
    "truncated": jpeg(0)[:300],
    "empty": b"",
}


@pytest.fixture
def limited_app(database_url, wechat_standin, tmp_path):
    return create_app("test", {"SQLALCHEMY_DATABASE_URI": database_url, "WECHAT_API_BASE": wechat_standin.url,
                               "RATELIMIT_ENABLED": True, "RATELIMIT_STORAGE_URI": "memory://",
                               "UPLOAD_DIR": str(tmp_path / "uploads")})


def plan(person: int, valid: int, invalid: int) -> list[tuple[int, str, bytes]]:
    """(person, kind, bytes) for each request; kind is "jpeg" or the bad kind."""
    bad = list(BAD.items())
    calls = [(person, "jpeg", jpeg(person * 100 + n)) for n in range(valid)]
    calls += [(person, *bad[n % len(bad)]) for n in range(invalid)]
    return calls


def test_the_configured_upload_limit():
    assert BaseConfig.RATE_LIMITS["uploads.upload_photo"] == {"user": f"{LIMIT} per minute"}


def test_many_uploads_at_once_refuse_cleanly_and_store_each_accepted_one_once(limited_app, make_user):
    people = [make_user() for _ in range(4)]
    tokens = [issue_access_token(person)[0] for person in people]
    db.session.commit()
    # One person sends more than the limit allows; three others stay under it.
    calls = plan(0, valid=34, invalid=11) + plan(1, 8, 4) + plan(2, 8, 4) + plan(3, 8, 4)
    random.Random(8).shuffle(calls)
    client = limited_app.test_client()

    def send(call):
        person, kind, data = call
        response = client.post("/api/v1/uploads", data={"file": (io.BytesIO(data), "photo.jpg")},
                               headers={"Authorization": f"Bearer {tokens[person]}"}, content_type="multipart/form-data")
        return person, kind, response.status_code, response.get_json()

    with ThreadPoolExecutor(THREADS) as pool:
        results = list(pool.map(send, calls))

    for person, kind, status, body in results:
        assert status in (201, 413, 415, 422, 429), (kind, status, body)
        if status == 201:
            assert kind == "jpeg"
        else:
            assert set(body) == {"code", "message", "details"} and body["message"], body
            assert status == 429 or kind != "jpeg", f"a good photo refused with {status}: {body}"
    statuses = Counter((person, status == 429) for person, _, status, _ in results)
    assert statuses[(0, False)] == LIMIT and statuses[(0, True)] == 45 - LIMIT, "the limit holds under concurrency"
    assert all(statuses[(person, True)] == 0 for person in (1, 2, 3)), "one person's limit is not another's"
    assert all(statuses[(person, False)] == 12 for person in (1, 2, 3))

    accepted = {body["id"]: people[person].id for person, _, status, body in results if status == 201}
    rows = db.session.scalars(select(Upload)).all()
    assert {row.id: row.owner_id for row in rows} == accepted, "every accepted upload once, nothing for a refusal"
    root = Path(limited_app.config["UPLOAD_DIR"])
    files = {str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()}
    assert files == {key for row in rows for key in (row.storage_key, row.thumbnail_key)}, "no stray or missing file"
    assert len(accepted) == sum(1 for person, kind, status, _ in results if kind == "jpeg" and status != 429)
