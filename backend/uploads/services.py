"""Storing uploaded photos and handing out short-lived links to those allowed to see them.

Mini-program ``<image>`` tags cannot send our bearer token, so a photo's URL
carries its own signature: issued to one viewer, for one photo, for an hour.
"""
from __future__ import annotations

import functools
import logging
import uuid
from datetime import datetime, timedelta
from typing import Callable

from flask import current_app, g, url_for
from itsdangerous import BadSignature, SignatureExpired, TimestampSigner
from sqlalchemy import ColumnElement, Select, bindparam, exists, false, select

from backend.audit.services import record
from backend.core.db import db, utcnow
from backend.core.errors import DomainError, NotFound
from backend.core.storage import get_storage
from backend.uploads.images import process_image
from backend.uploads.models import Upload

log = logging.getLogger(__name__)

LINK_TTL = 3600
#: Photos whose files one retention sweep deletes.
PURGE_BATCH = 500
VARIANTS = ("file", "thumbnail")

#: Domains that attach photos add ``check(user, upload) -> bool`` here to let others see them.
ACCESS_CHECKS: list[Callable] = []


def store_photo(owner, data: bytes) -> Upload:
    limit = current_app.config["UPLOAD_MAX_BYTES"]
    if len(data) > limit:
        raise DomainError("file_too_large", f"图片不能超过 {limit // (1024 * 1024)} MB", 413)
    image = process_image(data)
    stem = f"photos/{utcnow():%Y/%m}/{uuid.uuid4().hex}"
    storage = get_storage()
    storage.put(f"{stem}.jpg", image.content, image.mime)
    storage.put(f"{stem}_thumb.jpg", image.thumbnail, image.mime)
    upload = Upload(owner_id=owner.id, storage_key=f"{stem}.jpg", thumbnail_key=f"{stem}_thumb.jpg",
                    mime=image.mime, width=image.width, height=image.height, size_bytes=len(image.content))
    db.session.add(upload)
    db.session.flush()
    return upload


def owned_uploads(owner, ids: list[int], attached_in: ColumnElement | None = None) -> list[Upload]:
    """The caller's own uploads with these ids, in the order given; unknown ids are refused, and
    so are those already in ``attached_in`` (a domain's column of attached upload ids)."""
    if not ids:
        return []
    rows = db.session.execute(_owned_with_attachment(attached_in), {"ids": ids, "owner_id": owner.id}).all()
    found = {upload.id: upload for upload, _ in rows}
    missing = [i for i in ids if i not in found]
    if missing:
        raise DomainError("photo_not_found", "照片不存在或不是您上传的，请重新上传", 422, {"photo_ids": missing})
    used = sorted(upload.id for upload, in_use in rows if in_use)
    if used:
        raise DomainError("photo_already_used", "照片已被使用过，请重新拍摄上传", 422, {"photo_ids": used})
    return [found[i] for i in ids]


@functools.cache
def _owned_with_attachment(attached_in: ColumnElement | None):
    """Uploads by ``ids`` and ``owner_id``, each with whether ``attached_in`` holds it. Built once
    per column: building the expression costs more than running it."""
    attached = exists().where(attached_in == Upload.id) if attached_in is not None else false()
    return select(Upload, attached).where(Upload.id.in_(bindparam("ids", expanding=True)),
                                          Upload.owner_id == bindparam("owner_id"), Upload.purged_at.is_(None))


def can_view(user, upload: Upload) -> bool:
    return upload.owner_id == user.id or any(check(user, upload) for check in ACCESS_CHECKS)


def _signer() -> TimestampSigner:
    return _signer_for(current_app.config["SECRET_KEY"])


@functools.cache
def _signer_for(secret_key: str) -> TimestampSigner:
    # A plain "id.variant.viewer" signed with a timestamp: a list of 20 reports signs 40 links.
    return TimestampSigner(secret_key, salt="photo-link")


def _photos_route() -> str:
    """The photos' path without the id and variant, resolved once per request: resolving a
    route costs more than signing a link."""
    route = g.get("photos_route")
    if route is None:
        route = g.photos_route = url_for("uploads.photo_content", upload_id=1, variant="file").removesuffix("/1/file")
    return route


def photo_linker(variant: str, viewer) -> Callable[[int], str]:
    """The signed link to ``variant`` of a photo by its upload id, for a viewer already known to be
    allowed to see the photos it is used for. The signature is URL-safe as it is."""
    signer, route = _signer(), _photos_route()
    return lambda upload_id: (f"{route}/{upload_id}/{variant}"
                              f"?sig={signer.sign(f'{upload_id}.{variant}.{viewer.id}').decode()}")


def photo_links(upload: Upload, viewer) -> dict:
    """``{url, thumbnail_url}`` for a viewer already known to be allowed."""
    return {("url" if variant == "file" else "thumbnail_url"): photo_linker(variant, viewer)(upload.id)
            for variant in VARIANTS}


def describe(upload: Upload, viewer) -> dict:
    """The upload as the API shows it to ``viewer``, links included."""
    return {"id": upload.id, "width": upload.width, "height": upload.height, "review": upload.review,
            **photo_links(upload, viewer)}


def open_link(upload_id: int, variant: str, signature: str) -> tuple[Upload, str]:
    """Check a link's signature; returns the upload and the storage key to send."""
    try:
        signed_id, signed_variant, _viewer = _signer().unsign(signature, max_age=LINK_TTL).decode().split(".")
        signed_id = int(signed_id)
    except SignatureExpired:
        raise DomainError("photo_link_expired", "图片链接已过期，请刷新页面", 403)
    except (BadSignature, ValueError, TypeError):
        raise NotFound("图片")
    upload = db.session.get(Upload, upload_id)
    if upload is None or signed_id != upload_id or signed_variant != variant:
        raise NotFound("图片")
    if upload.purged_at is not None:
        raise DomainError("photo_expired", "照片已超过保存期限，已被删除", 410)
    return upload, upload.storage_key if variant == "file" else upload.thumbnail_key


def purge_past_retention(finished_before: Callable[[datetime], Select], now: datetime, reason: str) -> int:
    """Delete the files of the photos ``finished_before(cutoff)`` selects, once PHOTO_RETENTION_DAYS
    have passed since (0 keeps them for ever); a backlog is worked off over several sweeps."""
    days = current_app.config["PHOTO_RETENTION_DAYS"]
    if not days:
        return 0
    expired = db.session.scalars(
        finished_before(now - timedelta(days=days)).where(Upload.purged_at.is_(None))
        .order_by(Upload.id).limit(PURGE_BATCH)
    ).all()
    return purge(expired, now, reason, retention_days=days)


def purge(uploads: list[Upload], now, reason: str, **detail) -> int:
    """Delete the files of these uploads and mark them purged; the rows stay (reports and
    statistics refer to them). One the storage fails on stays unmarked for the next sweep."""
    storage = get_storage()
    purged = []
    for upload in uploads:
        try:
            storage.delete(upload.storage_key)
            storage.delete(upload.thumbnail_key)
        except Exception:  # a storage outage must not stop the other periodic work
            log.exception("could not delete the files of upload %s", upload.id)
            continue
        upload.purged_at = now
        purged.append(upload.id)
    if purged:
        record(None, "photos.purge", "upload", reason=reason, count=len(purged), upload_ids=purged, **detail)
    return len(purged)
