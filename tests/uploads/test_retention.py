"""Photo retention: the files of finished reports' photos go after PHOTO_RETENTION_DAYS, those of
uploads never attached after a day; the rows stay, the link answers 410, the audit log says so.
Run on the local directory and on S3 (moto_server over real HTTP)."""
from __future__ import annotations

import io
from datetime import datetime, timedelta, timezone

import pytest
import time_machine
from flask import current_app
from PIL import Image
from sqlalchemy import func, select

from backend.audit.models import AuditEntry
from backend.core.db import db
from backend.core.errors import DomainError
from backend.core.storage import get_storage
from backend.jobs.ticker import run_tick
from backend.reports.models import Report, ReportEvent, ReportPhoto
from backend.tasks.models import ClaimPhoto, Task, TaskClaim
from backend.uploads.models import Upload
from backend.uploads.services import describe, owned_uploads
from config import load_config
from tests.core.test_storage import s3, s3_endpoint  # noqa: F401  (the moto_server fixtures)

T0 = datetime(2026, 3, 2, 1, 0, tzinfo=timezone.utc)
RETENTION_DAYS = 30


@pytest.fixture(params=["local", "s3"])
def storage(request, app, monkeypatch):
    if request.param == "s3":
        monkeypatch.setitem(app.extensions, "storage", request.getfixturevalue("s3"))
    monkeypatch.setitem(app.config, "PHOTO_RETENTION_DAYS", RETENTION_DAYS)
    return get_storage()


def photo(color: str) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (320, 240), color).save(out, "JPEG")
    return out.getvalue()


def upload(client, color: str) -> int:
    response = client.post("/uploads", data={"file": (io.BytesIO(photo(color)), "p.jpg")},
                           content_type="multipart/form-data")
    assert response.status_code == 201
    return response.get_json()["id"]


def file_report(reporter, grid, upload_id: int, status: str, closed_at=None) -> Report:
    report = Report(reporter=reporter, category="sanitation", description="楼道堆物", lat=31.23, lng=121.45,
                    origin_grid=grid, grid=grid, status=status, closed_at=closed_at)
    event = ReportEvent(report=report, action="submit", actor=reporter, status=status, grid=grid)
    db.session.add_all([report, event, ReportPhoto(report=report, event=event, upload_id=upload_id)])
    db.session.commit()
    return report


def files_of(upload_id: int, storage) -> list[bool]:
    upload = db.session.get(Upload, upload_id)
    return [storage.exists(upload.storage_key), storage.exists(upload.thumbnail_key)]


def fetch(client, upload_id: int, user):
    """The photo through a link signed now (links live an hour)."""
    with current_app.test_request_context():
        url = describe(db.session.get(Upload, upload_id), user)["url"]
    return client.get(url)


def purges() -> list[AuditEntry]:
    return db.session.scalars(select(AuditEntry).where(AuditEntry.action == "photos.purge").order_by(AuditEntry.id)).all()


def test_retention_deletes_files_of_finished_reports_and_abandoned_uploads(storage, login_as, make_user, tree):
    user = make_user(grid_id=tree["a1"].id)
    with time_machine.travel(T0, tick=False) as clock:
        client = login_as(user)
        finished, still_open, rejected, abandoned, fresh = (upload(client, c) for c in
                                                            ("red", "green", "blue", "gray", "white"))
        file_report(user, tree["a1"], finished, "closed", closed_at=T0)
        file_report(user, tree["a1"], still_open, "accepted")
        file_report(user, tree["a1"], rejected, "rejected", closed_at=T0 + timedelta(days=10))

        clock.move_to(T0 + timedelta(hours=23))
        assert run_tick()["unattached_photos_purged"] == 0, "a day's grace to attach it"
        clock.move_to(T0 + timedelta(days=1, minutes=1))
        fresh_row = db.session.get(Upload, fresh)
        fresh_row.created_at = T0 + timedelta(days=1)  # uploaded just now: still in its grace day
        db.session.commit()
        assert run_tick()["unattached_photos_purged"] == 1
        assert files_of(abandoned, storage) == [False, False]
        gone = fetch(client, abandoned, user)
        assert gone.status_code == 410
        assert gone.get_json() == {"code": "photo_expired", "message": "照片已超过保存期限，已被删除", "details": {}}

        clock.move_to(T0 + timedelta(days=RETENTION_DAYS - 1))
        counts = run_tick()
        assert (counts["report_photos_purged"], counts["unattached_photos_purged"]) == (0, 1), "the fresh one's day is up"
        clock.move_to(T0 + timedelta(days=RETENTION_DAYS, minutes=1))
        assert run_tick()["report_photos_purged"] == 1
        assert files_of(finished, storage) == [False, False]
        assert files_of(rejected, storage) == [True, True], "rejected ten days later: its time has not come"
        assert files_of(still_open, storage) == [True, True], "an open report keeps its photos"
        assert fetch(client, finished, user).status_code == 410
        assert fetch(client, still_open, user).status_code in (200, 302)
        assert run_tick()["report_photos_purged"] == 0, "purged once"

        clock.move_to(T0 + timedelta(days=RETENTION_DAYS + 11))
        assert run_tick()["report_photos_purged"] == 1
        assert files_of(rejected, storage) == [False, False]

    assert db.session.scalar(select(func.count()).select_from(Upload)) == 5, "the rows stay"
    assert db.session.scalar(select(func.count()).select_from(Report)) == 3
    entries = purges()
    assert [(e.actor_id, e.detail["reason"], e.detail["upload_ids"]) for e in entries] == [
        (None, "unattached", [abandoned]), (None, "unattached", [fresh]), (None, "report_finished", [finished]),
        (None, "report_finished", [rejected])]
    assert entries[2].detail["retention_days"] == RETENTION_DAYS
    with pytest.raises(DomainError, match="photo_not_found"):
        owned_uploads(user, [abandoned])  # a purged photo cannot be attached any more


def test_zero_keeps_photos_for_ever(app, login_as, make_user, tree, monkeypatch):
    monkeypatch.setitem(app.config, "PHOTO_RETENTION_DAYS", 0)
    user = make_user()
    with time_machine.travel(T0, tick=False) as clock:
        kept = upload(login_as(user), "red")
        file_report(user, tree["a1"], kept, "closed", closed_at=T0)
        clock.move_to(T0 + timedelta(days=3650))
        assert run_tick()["report_photos_purged"] == 0
    assert db.session.get(Upload, kept).purged_at is None and purges() == []


def test_the_retention_is_read_from_the_environment(monkeypatch):
    assert load_config("test")["PHOTO_RETENTION_DAYS"] == 365
    monkeypatch.setenv("PHOTO_RETENTION_DAYS", "90")
    assert load_config("test")["PHOTO_RETENTION_DAYS"] == 90


def test_proof_photos_of_finished_claims_go_after_the_retention_and_waiting_proofs_keep_theirs(storage, login_as,
                                                                                               make_user, tree):
    member = make_user(grid_id=tree["a1"].id)
    with time_machine.travel(T0, tick=False) as clock:
        client = login_as(member)
        verified, waiting, lapsed = (upload(client, c) for c in ("red", "green", "blue"))
        task = Task(grid_id=tree["a1"].id, title="楼道清理", slots=5, points=2, deadline=T0)
        claims = [TaskClaim(task=task, user=member, status="verified", verified_at=T0, submitted_at=T0),
                  TaskClaim(task=task, user=make_user(), status="submitted", submitted_at=T0),
                  TaskClaim(task=task, user=make_user(), status="claimed", rejected_at=T0)]
        for claim, upload_id in zip(claims, (verified, waiting, lapsed)):
            claim.photos = [ClaimPhoto(upload_id=upload_id)]
        db.session.add_all([task, *claims])
        db.session.commit()

        clock.move_to(T0 + timedelta(days=RETENTION_DAYS - 1))
        assert run_tick()["proof_photos_purged"] == 0
        clock.move_to(T0 + timedelta(days=RETENTION_DAYS, minutes=1))
        assert run_tick()["proof_photos_purged"] == 2
        assert files_of(verified, storage) == [False, False] and files_of(lapsed, storage) == [False, False]
        assert files_of(waiting, storage) == [True, True], "a proof waiting for its leader keeps its photos"
        assert run_tick()["proof_photos_purged"] == 0, "purged once"
    assert db.session.scalar(select(func.count()).select_from(TaskClaim)) == 3, "the claims stay"
    assert [(e.detail["reason"], sorted(e.detail["upload_ids"])) for e in purges()] == [
        ("claim_finished", sorted([verified, lapsed]))]
