"""Content safety through WeChat: ``msgSecCheck`` for text, ``mediaCheckAsync`` for photos.

A new report's description and address are checked by a job after the commit
(``services.check_new_report``, which then asks for its photos' checks); until
the verdict says ``pass`` the report is shown only to its reporter and the
staff, and any other verdict holds it for a person to review. The shorter texts written later (a reopening note, a rating's
comment) are checked in the request, a risky one refused on the spot.
Photos are checked by a job after the commit: WeChat fetches each one through
a signed link and pushes its verdict later to POST /api/v1/wechat/push. Until
the verdict says ``pass`` a photo is shown only to its owner and the staff
handling the report. A check whose job was lost is asked again by ``jobs tick``.
"""
from __future__ import annotations

import logging
from urllib.parse import urljoin

from flask import has_request_context, request
from sqlalchemy import select, update

from backend.auth.models import User
from backend.core.db import db
from backend.core.errors import DomainError
from backend.core.wechat import get_wechat
from backend.jobs.queue import enqueue
from backend.uploads.models import Upload
from backend.uploads.services import photo_links

log = logging.getLogger(__name__)

#: msgSecCheck / mediaCheckAsync v2 scene: 3 = 论坛 (a post others may read).
SCENE = 3


def check_text(user: User, text: str) -> str:
    """WeChat's suggestion for ``text``: pass or review; risky is refused here with a 422."""
    suggest = text_verdict(user.openid, text)
    if suggest == "risky":
        raise DomainError("content_risky", "内容含有不适宜发布的信息，请修改后再提交", 422)
    return suggest


def text_verdict(openid: str, text: str) -> str:
    """WeChat's suggestion for ``text`` written by ``openid``: pass, review or risky."""
    if not text.strip():
        return "pass"
    return get_wechat().msg_sec_check(openid, text, scene=SCENE)


def queue_photo_checks(uploads: list[Upload], owner: User) -> None:
    """After the commit, ask WeChat to check each photo not checked yet."""
    if not has_request_context():  # the link WeChat fetches is built from this request's host
        log.warning("photo check skipped outside a request for uploads %s", [u.id for u in uploads])
        return
    for upload in uploads:
        if upload.review == "pending" and not upload.review_trace_id:
            media_url = urljoin(request.host_url, photo_links(upload, owner)["url"])
            enqueue(check_photo, upload.id, media_url)


def check_photo(upload_id: int, media_url: str) -> None:
    """A job: submit one photo to mediaCheckAsync and remember the trace id its verdict will carry."""
    upload = db.session.get(Upload, upload_id)
    if upload is None or upload.review != "pending" or upload.review_trace_id:
        return
    openid = db.session.scalar(select(User.openid).where(User.id == upload.owner_id))
    db.session.commit()  # hold no transaction (on SQLite: the write lock) while WeChat answers
    if openid is None:
        return
    trace_id = get_wechat().media_check_async(openid, media_url, scene=SCENE)
    db.session.execute(update(Upload).where(Upload.id == upload_id, Upload.review_trace_id.is_(None))
                       .values(review_trace_id=trace_id))
