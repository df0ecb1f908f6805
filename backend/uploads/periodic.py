"""Uploads' periodic work for ``jobs tick``: delete the files of photos never attached to anything.

A photo is uploaded before the report or proof it belongs to is sent; one that no
row refers to a day later was abandoned, and keeping it would keep personal data
for no purpose (个人信息保护法 Art. 19).
"""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import exists, not_, select

from backend.core.db import db
from backend.uploads.models import Upload
from backend.uploads.services import purge

UNATTACHED_GRACE = timedelta(days=1)
SWEEP_BATCH = 500


def tick(now: datetime) -> dict[str, int]:
    return {"unattached_photos_purged": purge(abandoned(now), now, "unattached")}


def abandoned(now: datetime) -> list[Upload]:
    unattached = [not_(exists().where(column == Upload.id)) for column in _attachment_columns()]
    return db.session.scalars(
        select(Upload).where(Upload.purged_at.is_(None), Upload.created_at <= now - UNATTACHED_GRACE, *unattached)
        .order_by(Upload.id).limit(SWEEP_BATCH)
    ).all()


def _attachment_columns():
    """Every column that refers to an upload: a domain that attaches photos is covered by its foreign key."""
    return [fk.parent for table in db.metadata.sorted_tables for fk in table.foreign_keys
            if fk.column.table.name == Upload.__tablename__]
