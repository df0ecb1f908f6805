from sqlalchemy import select

from backend.core.db import db
from backend.core.timeutil import local_iso
from backend.uploads.models import Upload


def export(user) -> dict:
    uploads = db.session.scalars(select(Upload).where(Upload.owner_id == user.id).order_by(Upload.id))
    return {"photos": [{"id": u.id, "width": u.width, "height": u.height, "created_at": local_iso(u.created_at)}
                       for u in uploads]}


def erase(user) -> None:
    """Photos carry no location (EXIF is stripped on arrival); they stay with the reports
    they document, and lose their owner."""
    for upload in db.session.scalars(select(Upload).where(Upload.owner_id == user.id)):
        upload.owner_id = None
