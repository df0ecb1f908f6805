"""The rules of 随手拍: who may see and do what, and every step of the closed loop.

Who sees a report: its reporter; the staff over the grid it was filed in
(``reports.handle`` there or above, so a leader keeps sight of what they
escalated); the member unit or person it is dispatched to; and, once its text
passed the content check and while it is not held, the residents of that grid
and those who added their voice to it. Only
the staff act on it (``reports.handle`` over the grid where it waits now; a
dispatched unit's handler or the assignee may resolve it); only the reporter
reopens or rates it.

Every change takes the report's row lock, moves along the state machine in
``models.TRANSITIONS`` and writes a timeline row, and the reporter (and
followers) get a subscribe message through the outbox.
"""
from __future__ import annotations

import functools
import logging
import math
from datetime import datetime, timedelta

from flask import current_app, request
from sqlalchemy import Integer, bindparam, func, insert, or_, select, true, update
from sqlalchemy.dialects import postgresql
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import lazyload, selectinload

from backend.auth.models import User
from backend.auth.permissions import ROLE_CAPABILITIES, can
from backend.core.db import db, dialect_insert, utcnow
from backend.core.errors import Conflict, DomainError, Forbidden, NotFound
from backend.core.idempotency import key_reused
from backend.core.timeutil import local_zone
from backend.core.wechat import SUGGESTIONS, get_wechat
from backend.grids.models import Grid, MemberUnit
from backend.grids.services import grid_at
from backend.jobs.notifications import notify
from backend.jobs.queue import enqueue
from backend.reports.categories import category_of, get_category
from backend.reports.models import (ACTION_NAMES, AWAITING_ACCEPT, OPEN_STATES, RATING_LEVELS, STATUS_NAMES,
                                    USER_ACTIONS, InvalidTransition, Report, ReportEvent, ReportFollower,
                                    ReportPhoto, ReportRating, rating_level)
from backend.reports.safety import check_text, queue_photo_checks, text_verdict
from backend.uploads.models import Upload
from backend.uploads.services import ACCESS_CHECKS, owned_uploads

log = logging.getLogger(__name__)

NEARBY_METERS = 250
NEARBY_LIMIT = 50
EARTH_RADIUS_M = 6_371_000
METERS_PER_DEGREE_LAT = 111_320
DEFAULT_AUTOCLOSE_DAYS = 7
SWEEP_BATCH = 500
#: Subscribe-message template fields (a "事件处理进度提醒"-style template), filled from each event.
SUBSCRIBE_FIELDS = ("character_string1", "thing2", "phrase3", "thing4", "time5")
REPORT_PAGE = "pages/reports/detail/index?id={id}"
#: The stand-in accepts any id; production sets the template chosen in the mini-program's admin console.
DEFAULT_SUBSCRIBE_TEMPLATE = "report_progress_dev"
#: Timeline rows followers are not told about: they concern the reporter's content.
PRIVATE_ACTIONS = {"submit", "hold"}
#: Not a change of state, so no message: the overdue mark is for the staff.
SILENT_ACTIONS = {"overdue"}
TEXT_REVIEW_REASON = "描述内容需人工审核，审核通过后将正常受理"
PHOTO_REVIEW_REASON = "照片未通过内容安全检测，需人工审核，审核通过后将正常受理"


# --- who may see and do what -----------------------------------------------------------


def handler_unit_ids(user: User) -> set[int]:
    """Member units this person resolves dispatched reports for."""
    return {grant.member_unit_id for grant in user.grants
            if grant.member_unit_id and "reports.handle_dispatched" in ROLE_CAPABILITIES.get(grant.role, ())}


def assigned_to(user: User, report: Report) -> bool:
    """Dispatched to this person or their unit (kept after resolving, cleared by escalation or reopening)."""
    return report.assignee_id == user.id or (report.member_unit_id is not None
                                              and report.member_unit_id in handler_unit_ids(user))


def dispatched_to(user: User, report: Report) -> bool:
    return report.status == "dispatched" and assigned_to(user, report)


def is_staff(user: User, report: Report) -> bool:
    """Handles reports where it was filed (so also where it went up to), or it was dispatched to them."""
    return can(user, "reports.handle", report.origin_grid) or assigned_to(user, report)


def _is_follower(user: User, report: Report) -> bool:
    return db.session.scalar(select(ReportFollower.id).where(
        ReportFollower.report_id == report.id, ReportFollower.user_id == user.id)) is not None


def can_view(user: User, report: Report) -> bool:
    if report.reporter_id == user.id or is_staff(user, report):
        return True
    if not shown_beyond_staff(report):
        return False
    return user.grid_id == report.origin_grid_id or _is_follower(user, report)


def shown_beyond_staff(report: Report) -> bool:
    """Neighbours and followers see a report whose text passed the check and which is not held."""
    return report.text_review == "pass" and report.status != "held"


def can_act(user: User, report: Report, action: str) -> bool:
    if action in ("reopen", "rate"):
        return report.reporter_id == user.id
    if can(user, "reports.handle", report.grid):
        return True
    return action == "resolve" and dispatched_to(user, report)


def allowed_actions(user: User, report: Report) -> list[str]:
    actions = [a for a in USER_ACTIONS if report.allows(a) and can_act(user, report, a)]
    if report.allows("rate") and report.rating is None and can_act(user, report, "rate"):
        actions.append("rate")
    return actions


def sees_reporter(user: User, report: Report) -> bool:
    if report.reporter_id == user.id:
        return True
    if report.anonymous:
        return can(user, "reports.see_anonymous", report.origin_grid)
    return is_staff(user, report)


def sees_photo(user: User, upload: Upload, staff: bool) -> bool:
    """Staff see every photo (they review held ones); others only what passed the check."""
    return staff or upload.owner_id == user.id or upload.review == "pass"


def _photo_access(user: User, upload: Upload) -> bool:
    """For backend.uploads: may ``user`` see this photo of a report?"""
    photo = db.session.scalar(select(ReportPhoto).where(ReportPhoto.upload_id == upload.id))
    if photo is None or not can_view(user, photo.report):
        return False
    return sees_photo(user, upload, is_staff(user, photo.report))


ACCESS_CHECKS.append(_photo_access)


# --- reading -----------------------------------------------------------------------------


def _detail_query():
    """Reports with what their detail shows: timeline, photos, rating."""
    return select(Report).options(selectinload(Report.events).selectinload(ReportEvent.photos),
                                  selectinload(Report.photos), selectinload(Report.rating))


def get_report(user: User, report_id: int, lock: bool = False) -> Report:
    """The report with its timeline and photos if ``user`` may see it (404 otherwise);
    ``lock`` takes its row lock first."""
    query = _detail_query().where(Report.id == report_id)
    if lock:
        query = query.with_for_update(of=Report).execution_options(populate_existing=True)
    report = db.session.scalar(query)
    if report is None or not can_view(user, report):
        raise NotFound("反映")
    return report


def nearby(user: User, lat: float, lng: float, category: str) -> list[dict]:
    """Open reports of ``category`` within 250 m, nearest first: a bounding box in SQL, then haversine."""
    get_category(category)
    dlat = NEARBY_METERS / METERS_PER_DEGREE_LAT
    dlng = NEARBY_METERS / (METERS_PER_DEGREE_LAT * max(math.cos(math.radians(lat)), 0.01))
    candidates = db.session.scalars(
        select(Report).options(lazyload("*"))
        .where(Report.category == category, Report.status.in_(OPEN_STATES), Report.text_review == "pass",
               Report.lat.between(lat - dlat, lat + dlat), Report.lng.between(lng - dlng, lng + dlng))
        .limit(4 * NEARBY_LIMIT)
    ).all()
    found = sorted(((distance_m(lat, lng, r.lat, r.lng), r) for r in candidates), key=lambda pair: pair[0])
    found = [(d, r) for d, r in found if d <= NEARBY_METERS][:NEARBY_LIMIT]
    followed = set(db.session.scalars(select(ReportFollower.report_id).where(
        ReportFollower.user_id == user.id, ReportFollower.report_id.in_([r.id for _, r in found])))) if found else set()
    return [{"report": r, "distance_m": round(d), "mine": r.reporter_id == user.id, "following": r.id in followed}
            for d, r in found]


def distance_m(lat1: float, lng1: float, lat2: float, lng2: float) -> float:
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    dphi, dlambda = math.radians(lat2 - lat1), math.radians(lng2 - lng1)
    a = math.sin(dphi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(dlambda / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(math.sqrt(a))


# --- submitting ---------------------------------------------------------------------------


def submit_report(user: User, data: dict, client_key: str | None = None) -> tuple[Report, bool]:
    """File a report at the grid containing the spot (else the reporter's grid). Its content is
    checked by a job after the commit (``check_new_report``), which holds it if the text needs review.

    Returns (the report, whether it is the one an earlier request with ``client_key``, the
    request's Idempotency-Key, filed): a retry gets it back. A retry is told apart without a
    statement of its own: its photos are attached already, or (a twin racing the first) the
    report's INSERT meets the key and does nothing.
    """
    category = get_category(data["category"])
    try:
        photos = _fresh_photos(user, data["photo_ids"])
    except DomainError as refusal:
        earlier = refusal.code == "photo_already_used" and _keyed_report(user, client_key, data)
        if not earlier:
            raise
        return earlier, True
    location = data["location"]
    grid = grid_at(location["lng"], location["lat"]) or user.grid
    if grid is None:
        raise DomainError("grid_required", "该位置不在已划分的网格内，请先在“我的”中绑定您居住的网格", 422)
    now = utcnow()
    columns = dict(reporter_id=user.id, anonymous=data["anonymous"], category=category["code"],
                   description=data["description"].strip(), lat=location["lat"], lng=location["lng"],
                   address=location["address"].strip(), origin_grid_id=grid.id, grid_id=grid.id, status="submitted",
                   text_review="pending", hold_reason="", escalations=0, overdue=False, follower_count=0,
                   created_at=now, deadline_at=now + timedelta(hours=category["accept_hours"]), client_key=client_key)
    event_columns = dict(action="submit", actor_id=user.id, note="", status="submitted", grid_id=grid.id,
                         created_at=now)
    report_id, event_id = _insert_submission(columns, event_columns, [upload.id for upload in photos])
    if report_id is None:  # a twin with the same key filed it first
        return _keyed_report(user, client_key, data), True
    # The objects the answer is made from, as written: no query, and no flush to write them again.
    report = Report(id=report_id, **columns, reporter=user, origin_grid=grid, grid=grid, rating=None)
    event = ReportEvent(id=event_id, report_id=report_id, **event_columns, report=report, actor=user, grid=grid)
    for position, upload in enumerate(photos):
        ReportPhoto(report_id=report_id, event_id=event_id, upload_id=upload.id, position=position,
                    report=report, event=event, upload=upload)
    _notify(report, event)
    enqueue(check_new_report, report_id, request.host_url)
    return report, False


def _keyed_report(user: User, client_key: str | None, data: dict) -> Report | None:
    """The report ``user`` filed with ``client_key``, if any; the key is refused when that
    report is not this request's (other photos, category or description)."""
    if not client_key:
        return None
    report = db.session.scalar(_detail_query().where(Report.reporter_id == user.id, Report.client_key == client_key))
    if report is None:
        return None
    sent = (data["category"], data["description"].strip(), data["photo_ids"])
    submitted = report.events[0]  # the timeline starts with the submission
    if sent != (report.category, report.description, [photo.upload_id for photo in submitted.photos]):
        raise key_reused()
    return report


def _insert_submission(columns: dict, event_columns: dict, upload_ids: list[int]) -> tuple[int | None, int | None]:
    """Write a new report, its submit event and its photos; returns the report's and the event's ids,
    or Nones when the reporter's key is on a report already. PostgreSQL takes the three in one
    statement (round trips are much of a submission's cost); SQLite, which has no INSERT in a CTE, one each."""
    connection = db.session.connection()  # Core statements: the ORM's execution layer adds only cost
    if connection.dialect.name == "postgresql":
        params = {**{f"report_{name}": value for name, value in columns.items()},
                  **{f"event_{name}": value for name, value in event_columns.items()}, "upload_ids": upload_ids}
        row = connection.execute(_one_statement_submission(tuple(columns), tuple(event_columns)), params).first()
        return (row.report_id, row.event_id) if row else (None, None)
    events = ReportEvent.__table__
    report_id = connection.scalar(_insert_report("sqlite").values(columns))
    if report_id is None:
        return None, None
    event_id = connection.scalar(insert(events).values({**event_columns, "report_id": report_id}).returning(events.c.id))
    connection.execute(insert(ReportPhoto.__table__), [
        {"report_id": report_id, "event_id": event_id, "upload_id": upload_id, "position": position}
        for position, upload_id in enumerate(upload_ids)])
    return report_id, event_id


@functools.cache
def _one_statement_submission(report_columns: tuple[str, ...], event_columns: tuple[str, ...]):
    """The report, its submit event and its photos in one PostgreSQL statement, each INSERT a CTE
    feeding the next; parameters ``report_<column>``, ``event_<column>`` and ``upload_ids``.
    Built once: building the expression costs more than running it."""
    reports, events, photos = Report.__table__, ReportEvent.__table__, ReportPhoto.__table__
    new_report = (_insert_report("postgresql")
                  .values({name: bindparam(f"report_{name}", type_=reports.c[name].type) for name in report_columns})
                  .cte("new_report"))
    event_values = (bindparam(f"event_{name}", type_=events.c[name].type) for name in event_columns)
    new_event = (insert(events).from_select([*event_columns, "report_id"], select(*event_values, new_report.c.id))
                 .returning(events.c.id, events.c.report_id).cte("new_event"))
    attached = (func.unnest(bindparam("upload_ids", type_=postgresql.ARRAY(Integer)))
                .table_valued("upload_id", with_ordinality="number").render_derived())
    in_order = select(new_event.c.report_id, new_event.c.id, attached.c.upload_id, attached.c.number - 1)
    return (insert(photos)
            .from_select(["report_id", "event_id", "upload_id", "position"],
                         in_order.select_from(new_event.join(attached, true())))
            .returning(photos.c.report_id, photos.c.event_id))


def _insert_report(dialect_name: str):
    """A report's INSERT, returning its id; nothing when the reporter's key is on one already."""
    reports = Report.__table__
    return (dialect_insert(reports, dialect_name).on_conflict_do_nothing(index_elements=["reporter_id", "client_key"])
            .returning(reports.c.id))


def _fresh_photos(user: User, photo_ids: list[int]) -> list[Upload]:
    """The caller's own uploads, not yet attached to any report."""
    return owned_uploads(user, photo_ids, attached_in=ReportPhoto.upload_id)


# --- acting -------------------------------------------------------------------------------


def act(user: User, report_id: int, data: dict) -> Report:
    """One step by a person: accept, dispatch, escalate, resolve, reject or reopen."""
    report = get_report(user, report_id, lock=True)
    action = data["action"]
    if not can_act(user, report, action):
        raise _not_yours(action)
    if not report.allows(action):
        raise InvalidTransition(report.status, action)
    note = data["note"].strip()
    photos = _fresh_photos(user, data["photo_ids"])
    ACTIONS[action](user, report, note, photos, data)
    queue_photo_checks(photos, user)
    return report


def _not_yours(action: str) -> Forbidden:
    if action == "reopen":
        return Forbidden("只有反映人可以重新打开", "not_reporter")
    if action == "resolve":
        return Forbidden("只有当前网格的处置人员或受派单位可以办结", "not_handler")
    return Forbidden("只有当前所在网格及上级网格的处置人员可以操作", "not_handler")


def _hours(report: Report, kind: str) -> timedelta:
    return timedelta(hours=category_of(report.category)[f"{kind}_hours"])


def _require_note(note: str, message: str) -> None:
    if not note:
        raise DomainError("reason_required", message, 422)


def _accept(user, report, note, photos, data):
    now = utcnow()
    previous = report.accept(now, now + _hours(report, "resolve"))
    record_event(report, "accept", user, note=note, from_status=previous, photos=photos, at=now)


def _dispatch(user, report, note, photos, data):
    unit, assignee = _dispatch_target(report, data.get("member_unit_id"), data.get("assignee_id"))
    now = utcnow()
    previous = report.dispatch(now, unit, assignee, now + _hours(report, "resolve"))
    record_event(report, "dispatch", user, note=note, from_status=previous, photos=photos, at=now)


def _dispatch_target(report: Report, unit_id: int | None, assignee_id: int | None):
    """A member unit of this grid or one above it, or a person who handles reports here."""
    if (unit_id is None) == (assignee_id is None):
        raise DomainError("dispatch_target_required", "请选择派往的成员单位或处置人员（二选一）", 422)
    if unit_id is not None:
        unit = db.session.get(MemberUnit, unit_id)
        if unit is None or unit.grid_id not in report.grid.ancestor_ids():
            raise DomainError("member_unit_invalid", "只能派给本网格或上级网格的成员单位", 422)
        return unit, None
    assignee = db.session.get(User, assignee_id)
    if assignee is None or not (can(assignee, "reports.handle", report.grid)
                                or can(assignee, "reports.handle_dispatched", report.grid)):
        raise DomainError("assignee_invalid", "只能派给负责本网格的处置人员", 422)
    return None, assignee


def _escalate(user, report, note, photos, data):
    _require_note(note, "请说明上报上级处理的原因")
    parent = report.grid.parent
    if parent is None:
        raise Conflict("already_top_grid", "已是最高层级网格，无法继续上报")
    now = utcnow()
    previous = report.escalate(parent, now + _hours(report, "accept"))
    record_event(report, "escalate", user, note=note, from_status=previous, photos=photos, at=now)


def _resolve(user, report, note, photos, data):
    if not note and not photos:
        raise DomainError("resolution_required", "请填写处理结果或上传处理后的照片", 422)
    now = utcnow()
    previous = report.resolve(now)
    record_event(report, "resolve", user, note=note, from_status=previous, photos=photos, at=now)


def _reject(user, report, note, photos, data):
    _require_note(note, "请填写驳回理由，反映人会看到")
    now = utcnow()
    previous = report.reject(now)
    record_event(report, "reject", user, note=note, from_status=previous, photos=photos, at=now)


def _reopen(user, report, note, photos, data):
    _require_note(note, "请说明问题仍未解决的情况")
    check_text(user, note)
    now = utcnow()
    previous = report.reopen(now + _hours(report, "resolve"))
    record_event(report, "reopen", user, note=note, from_status=previous, photos=photos, at=now)


ACTIONS = {"accept": _accept, "dispatch": _dispatch, "escalate": _escalate, "resolve": _resolve,
           "reject": _reject, "reopen": _reopen}


def rate(user: User, report_id: int, data: dict) -> Report:
    """The reporter confirms and rates a resolved report, which closes it; once only."""
    report = get_report(user, report_id, lock=True)
    if report.reporter_id != user.id:
        raise Forbidden("只有反映人可以评价", "not_reporter")
    if report.rating is not None:
        raise Conflict("already_rated", "您已评价过这条反映")
    if not report.allows("rate"):
        raise InvalidTransition(report.status, "rate")
    comment = data["comment"].strip()
    check_text(user, comment)
    now = utcnow()
    report.rating = ReportRating(user_id=user.id, score=data["score"], comment=comment, created_at=now)
    previous = report.close(now, "rate")
    level = RATING_LEVELS[rating_level(data["score"])]
    record_event(report, "rate", user, note=f"{level}（{data['score']}分）{comment}".strip(), from_status=previous, at=now)
    return report


def follow(user: User, report_id: int) -> tuple[Report, bool]:
    """Add one's voice to an open report; ``(report, created)``, a repeat changes nothing."""
    report = db.session.get(Report, report_id)
    if report is None or not report.is_open or not shown_beyond_staff(report):
        raise NotFound("反映")
    if report.reporter_id == user.id:
        raise Conflict("own_report", "这是您自己反映的问题，无需附议")
    if _is_follower(user, report):
        return report, False
    try:
        with db.session.begin_nested():
            db.session.add(ReportFollower(report_id=report.id, user_id=user.id))
    except IntegrityError:  # the same person's concurrent tap won
        return report, False
    db.session.execute(update(Report).where(Report.id == report.id)
                       .values(follower_count=Report.follower_count + 1))
    db.session.refresh(report, ["follower_count"])
    return report, True


# --- content-safety verdicts -------------------------------------------------------------


def check_new_report(report_id: int, base_url: str) -> None:
    """A job after a submission: asks for the photos' checks (their own jobs, through links on
    ``base_url``, where the reporter reached us), then checks the text. One job rather than one
    per check: each costs the submission a round trip to the queue."""
    photos = db.session.execute(
        select(Upload, User).join(ReportPhoto, ReportPhoto.upload_id == Upload.id)
        .join(User, User.id == Upload.owner_id).where(ReportPhoto.report_id == report_id)).all()
    with current_app.test_request_context(base_url=base_url):
        for upload, owner in photos:
            queue_photo_checks([upload], owner)  # sent at check_report_text's first commit, whatever WeChat says
    check_report_text(report_id)


def check_report_text(report_id: int) -> None:
    """A job: WeChat's verdict on a new report's description and address. Any verdict but
    ``pass`` holds the report for a person to review. Raises (to be retried) if WeChat fails;
    the report stays shown to its reporter and the staff only until a verdict arrives."""
    text, openid = _text_to_check(report_id)
    db.session.commit()  # hold no transaction (on SQLite: the write lock) while WeChat answers
    if text is None:
        return  # judged already: by an earlier run, or by a person who released the report
    # A reporter who has since deleted their account can't be named to WeChat: a person reviews it.
    suggest = text_verdict(openid, text) if openid else "review"
    report = db.session.scalar(select(Report).where(Report.id == report_id, Report.text_review == "pending")
                               .with_for_update(of=Report).execution_options(populate_existing=True))
    if report is None:
        return
    report.text_review = suggest
    if suggest != "pass" and report.allows("hold"):
        previous = report.hold(TEXT_REVIEW_REASON)
        record_event(report, "hold", None, note=TEXT_REVIEW_REASON, from_status=previous)


def _text_to_check(report_id: int) -> tuple[str | None, str | None]:
    """The text of a report still waiting for its check, and its reporter's openid."""
    row = db.session.execute(
        select(Report.description, Report.address, User.openid).outerjoin(User, User.id == Report.reporter_id)
        .where(Report.id == report_id, Report.text_review == "pending")).first()
    if row is None:
        return None, None
    return f"{row.description}\n{row.address}", row.openid


def check_push_signature(query: dict) -> None:
    """A push (or the push URL check) must carry WeChat's signature made with our push token."""
    if not get_wechat().verify_push_signature(query["signature"], query["timestamp"], query["nonce"]):
        raise Forbidden("推送签名无效", "push_signature_invalid")


def receive_media_verdict(query: dict, event: dict) -> None:
    """WeChat's pushed mediaCheckAsync verdict: record it; a doubtful photo of a report holds the report."""
    check_push_signature(query)
    if event.get("Event") != "wxa_media_check":
        return
    suggest = (event.get("result") or {}).get("suggest")
    if suggest not in SUGGESTIONS or not event.get("trace_id"):
        log.warning("media check push without a verdict (errcode %s)", event.get("errcode"))
        return
    upload = db.session.scalar(select(Upload).where(Upload.review_trace_id == event["trace_id"])
                               .with_for_update().execution_options(populate_existing=True))
    if upload is None:
        log.warning("media check verdict for an unknown trace id")
        return
    if upload.review == suggest:  # a repeated push
        return
    upload.review = suggest
    if suggest != "pass":
        _hold_for_photo(upload)


def _hold_for_photo(upload: Upload) -> None:
    photo = db.session.scalar(select(ReportPhoto).where(ReportPhoto.upload_id == upload.id))
    if photo is None or photo.event.action != "submit":
        return  # an after-photo stays hidden from the public; the report goes on
    report = db.session.scalar(select(Report).where(Report.id == photo.report_id)
                               .with_for_update(of=Report).execution_options(populate_existing=True))
    if report.allows("hold"):
        previous = report.hold(PHOTO_REVIEW_REASON)
        record_event(report, "hold", None, note=PHOTO_REVIEW_REASON, from_status=previous)


# --- periodic work --------------------------------------------------------------------------


def escalate_overdue(now: datetime) -> int:
    """Every open report past its deadline goes up one level (and is marked overdue)."""
    due = db.session.scalars(
        select(Report.id).join(Grid, Report.grid_id == Grid.id)
        .where(Report.status.in_(OPEN_STATES), Report.deadline_at <= now,
               or_(Report.overdue.is_(False), Grid.parent_id.is_not(None)))
        .order_by(Report.deadline_at).limit(SWEEP_BATCH)
    ).all()
    return sum(_escalate_one(report_id, now) for report_id in due)


def _escalate_one(report_id: int, now: datetime) -> int:
    report = _locked(report_id)
    if not report.is_open or report.deadline_at is None or report.deadline_at > now:
        return 0  # someone acted meanwhile
    missed = "受理" if report.status in AWAITING_ACCEPT else "办结"
    report.overdue = True
    parent = report.grid.parent
    if parent is None:
        record_event(report, "overdue", None, note=f"超过{missed}时限，已在最高层级，请尽快处理",
                from_status=report.status, at=now)
        return 1
    previous = report.escalate(parent, now + _hours(report, "accept"))
    record_event(report, "escalate", None, note=f"超过{missed}时限未处理，系统自动上报至{parent.name}",
            from_status=previous, at=now)
    return 1


def autoclose_resolved(now: datetime) -> int:
    """Resolved reports the reporter has not rated within REPORT_AUTOCLOSE_DAYS close themselves."""
    days = current_app.config.get("REPORT_AUTOCLOSE_DAYS", DEFAULT_AUTOCLOSE_DAYS)
    cutoff = now - timedelta(days=days)
    due = db.session.scalars(select(Report.id).where(Report.status == "resolved", Report.resolved_at <= cutoff)
                             .order_by(Report.resolved_at).limit(SWEEP_BATCH)).all()
    closed = 0
    for report_id in due:
        report = _locked(report_id)
        if report.status == "resolved" and report.resolved_at <= cutoff:
            previous = report.close(now)
            record_event(report, "close", None, note=f"{days}天内未评价，系统自动办结", from_status=previous, at=now)
            closed += 1
    return closed


def _locked(report_id: int) -> Report:
    return db.session.scalar(select(Report).where(Report.id == report_id)
                             .with_for_update(of=Report).execution_options(populate_existing=True))


# --- the timeline and its messages -----------------------------------------------------------


def record_event(report: Report, action: str, actor: User | None, note: str = "", from_status: str | None = None,
                 photos: list[Upload] = (), at: datetime | None = None, tell: bool = True) -> ReportEvent:
    """Write one timeline row (with its photos) and tell the reporter and followers."""
    event = ReportEvent(report=report, action=action, actor=actor, note=note, from_status=from_status,
                        status=report.status, grid=report.grid, member_unit=report.member_unit,
                        assignee=report.assignee, created_at=at or utcnow())
    db.session.add(event)
    start = len(report.photos)
    for position, upload in enumerate(photos, start=start):
        db.session.add(ReportPhoto(report=report, event=event, upload=upload, position=position))
    db.session.flush()
    if tell:
        _notify(report, event)
    return event


def _notify(report: Report, event: ReportEvent) -> None:
    template_id = current_app.config.get("REPORT_SUBSCRIBE_TEMPLATE", DEFAULT_SUBSCRIBE_TEMPLATE)
    if event.action in SILENT_ACTIONS:
        return
    recipients = [report.reporter_id] if report.reporter_id else []
    if event.action not in PRIVATE_ACTIONS:
        recipients += db.session.scalars(select(ReportFollower.user_id).where(ReportFollower.report_id == report.id))
    if event.actor_id in recipients:
        recipients.remove(event.actor_id)
    if not template_id or not recipients:
        return
    data = _subscribe_data(report, event)
    page = REPORT_PAGE.format(id=report.id)
    for user in db.session.scalars(select(User).options(lazyload("*")).where(User.id.in_(recipients))):
        notify(user, template_id, data, dedupe_key=f"report-event:{event.id}:{user.id}", page=page)


def _subscribe_data(report: Report, event: ReportEvent) -> dict:
    """Template limits: thing ≤ 20 characters, phrase ≤ 5."""
    values = (str(report.id), category_of(report.category)["name"][:20], STATUS_NAMES[report.status][:5],
              (event.note or ACTION_NAMES[event.action])[:20],
              event.created_at.astimezone(local_zone()).strftime("%Y-%m-%d %H:%M"))
    return dict(zip(SUBSCRIBE_FIELDS, values))
