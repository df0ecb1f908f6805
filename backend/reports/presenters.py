"""What one viewer sees of a report: names masked, the anonymous reporter hidden, photos
as signed links only where this viewer may see them."""
from __future__ import annotations

from datetime import datetime

from backend.auth.models import User
from backend.core.db import utcnow
from backend.core.masking import mask_name, mask_phone
from backend.core.timeutil import local_iso
from backend.reports.categories import category_of
from backend.reports.models import (ACTION_NAMES, OPEN_STATES, RATING_LEVELS, REPORTER_ACTIONS, STATUS_NAMES, Report,
                                    ReportEvent, ReportPhoto)
from backend.reports.services import allowed_actions, is_staff, sees_photo, sees_reporter
from backend.uploads.services import photo_linker, photo_links

ANONYMOUS_NAME = "匿名居民"
SYSTEM_NAME = "系统"


def summaries(rows, viewer: User) -> list[dict]:
    """A list's summaries, from the rows of listing.summary_page, as ``ReportSummarySchema`` would
    dump them (times in the service's zone): the list sends them as they are, because dumping 20
    summaries field by field cost more than the page's query."""
    now, thumbnail_link = utcnow(), photo_linker("thumbnail", viewer)
    return [_dumped_times(_summary(row, {"id": row.grid_id, "name": row.grid_name, "level": row.grid_level},
                                   thumbnail_link(row.thumbnail_id) if row.thumbnail_id else None,
                                   _overdue(row, now), viewer))
            for row in rows]


def _dumped_times(summary: dict) -> dict:
    """``deadline_at`` and ``created_at`` as LocalDateTime dumps them."""
    for name in ("deadline_at", "created_at"):
        summary[name] = local_iso(summary[name])
    return summary


def _overdue(row, now: datetime) -> bool:
    """Report.overdue_at on a row: waiting (open or held), and marked overdue or past its deadline."""
    waiting = row.status in OPEN_STATES or row.status == "held"
    return waiting and (row.overdue or (row.deadline_at is not None and row.deadline_at <= now))


def _summary(report, grid: dict | None, thumbnail_url: str | None, overdue: bool, viewer: User) -> dict:
    """The fields of a summary; ``report`` is a Report or a row with its columns."""
    return {
        "id": report.id,
        "category": report.category,
        "category_name": category_of(report.category)["name"],
        "description": report.description,
        "status": report.status,
        "status_name": STATUS_NAMES[report.status],
        "address": report.address,
        "grid": grid,
        "anonymous": report.anonymous,
        "mine": report.reporter_id == viewer.id,
        "thumbnail_url": thumbnail_url,
        "deadline_at": report.deadline_at,
        "overdue": overdue,
        "follower_count": report.follower_count,
        "created_at": report.created_at,
    }


def detail(report: Report, viewer: User) -> dict:
    staff = is_staff(viewer, report)
    photos = _photos(report.photos, report, viewer, staff)
    thumbnail_url = photos[0]["thumbnail_url"] if photos else None
    return {
        **_summary(report, _grid(report.grid), thumbnail_url, report.overdue_at(utcnow()), viewer),
        "location": {"lat": report.lat, "lng": report.lng, "address": report.address},
        "reporter": _reporter(report, viewer),
        "origin_grid": _grid(report.origin_grid),
        "member_unit": _unit(report.member_unit),
        "assignee": _person(report.assignee, viewer),
        "hold_reason": report.hold_reason if staff or report.reporter_id == viewer.id else "",
        "escalations": report.escalations,
        "accepted_at": report.accepted_at,
        "resolved_at": report.resolved_at,
        "closed_at": report.closed_at,
        "photos": _photos([p for p in report.photos if p.event.action == "submit"], report, viewer, staff),
        "timeline": [_event(event, report, viewer, staff) for event in report.events],
        "rating": _rating(report),
        "allowed_actions": allowed_actions(viewer, report),
    }


def nearby_item(found: dict) -> dict:
    report = found["report"]
    return {
        "id": report.id,
        "category": report.category,
        "description": report.description,
        "address": report.address,
        "status": report.status,
        "status_name": STATUS_NAMES[report.status],
        "distance_m": found["distance_m"],
        "follower_count": report.follower_count,
        "mine": found["mine"],
        "following": found["following"],
        "created_at": report.created_at,
    }


def _photos(photos: list[ReportPhoto], report: Report, viewer: User, staff: bool) -> list[dict]:
    return [{"id": p.upload_id, **photo_links(p.upload, viewer),
             "review": p.upload.review if staff or p.upload.owner_id == viewer.id else None}
            for p in photos if sees_photo(viewer, p.upload, staff)]


def _event(event: ReportEvent, report: Report, viewer: User, staff: bool) -> dict:
    return {
        "action": event.action,
        "action_name": ACTION_NAMES[event.action],
        "actor_name": _actor_name(event, report, viewer),
        "note": event.note,
        "status": event.status,
        "status_name": STATUS_NAMES[event.status],
        "grid": _grid(event.grid) if event.action in ("submit", "escalate") else None,
        "member_unit": _unit(event.member_unit) if event.action == "dispatch" else None,
        "photos": _photos(event.photos, report, viewer, staff),
        "at": event.created_at,
    }


def _actor_name(event: ReportEvent, report: Report, viewer: User) -> str:
    actor = event.actor
    if actor is None:  # the system, or a reporter who has since deleted their account
        if event.action in REPORTER_ACTIONS:
            return ANONYMOUS_NAME if report.anonymous else "反映人"
        return SYSTEM_NAME
    if actor.id == viewer.id:
        return actor.display_name
    if actor.id == report.reporter_id and not sees_reporter(viewer, report):
        return ANONYMOUS_NAME if report.anonymous else "反映人"
    return mask_name(actor.display_name)


def _reporter(report: Report, viewer: User) -> dict | None:
    if report.reporter is None or not sees_reporter(viewer, report):
        return None
    if report.reporter_id == viewer.id:
        return {"name": report.reporter.display_name, "phone_masked": mask_phone(report.reporter.phone)}
    return {"name": mask_name(report.reporter.display_name), "phone_masked": mask_phone(report.reporter.phone)}


def _person(user: User | None, viewer: User) -> dict | None:
    if user is None:
        return None
    return {"name": user.display_name if user.id == viewer.id else mask_name(user.display_name)}


def _grid(grid) -> dict | None:
    return {"id": grid.id, "name": grid.name, "level": grid.level} if grid is not None else None


def _unit(unit) -> dict | None:
    return {"id": unit.id, "kind": unit.kind, "name": unit.name} if unit is not None else None


def _rating(report: Report) -> dict | None:
    rating = report.rating
    if rating is None:
        return None
    return {"score": rating.score, "level": rating.level, "level_name": RATING_LEVELS[rating.level],
            "comment": rating.comment, "at": rating.created_at}
