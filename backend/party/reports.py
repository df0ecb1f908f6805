"""双报告: what in-service members did in their home communities, for their
employer's party organisation, per period; as JSON and as a spreadsheet.

Street admins and grid leaders (capability ``party.report``) see the members
registered in the grids they lead and pass the report on to the employers,
which are not users of the service. A member sees their own record. Reports are
built in a fixed number of queries whatever the number of members.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from io import BytesIO

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font
from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import joinedload, lazyload

from backend.auth.models import User
from backend.auth.permissions import capability_scopes
from backend.core.db import db, utcnow
from backend.core.errors import DomainError, Forbidden
from backend.core.masking import mask_phone
from backend.core.timeutil import local_zone
from backend.grids.models import Grid
from backend.party.models import ACTIVITY_KINDS, REGISTRATION_STATUS_NAMES, Activity, Checkin, PartyRegistration
from backend.party.services import close_ended_activities
from backend.points.models import PointEntry

MAX_PERIOD_DAYS = 366


@dataclass(frozen=True)
class Period:
    first_day: date
    last_day: date

    @classmethod
    def of(cls, first_day: date | None, last_day: date | None) -> "Period":
        """The days asked for; by default this month up to today (local time)."""
        today = utcnow().astimezone(local_zone()).date()
        first_day, last_day = first_day or today.replace(day=1), last_day or today
        if first_day > last_day:
            raise DomainError("period_invalid", "开始日期不能晚于结束日期", 422)
        if (last_day - first_day).days >= MAX_PERIOD_DAYS:
            raise DomainError("period_invalid", "统计期间最长一年，请缩短日期范围", 422)
        return cls(first_day, last_day)

    @property
    def start(self) -> datetime:
        return datetime.combine(self.first_day, time.min, local_zone())

    @property
    def end(self) -> datetime:
        """Exclusive: the start of the day after the last one."""
        return datetime.combine(self.last_day + timedelta(days=1), time.min, local_zone())


def _hours(minutes: int) -> float:
    return round(minutes / 60, 1)


def _checkin_rows(user_ids, period: Period) -> dict[int, list[dict]]:
    """Each member's check-ins in the period, with the activity and the points it earned."""
    earned = and_(PointEntry.source == "activity", PointEntry.source_id == Checkin.id,
                  PointEntry.user_id == Checkin.user_id)
    rows = db.session.execute(
        select(Checkin, Activity.title, Activity.kind, Grid.name, PointEntry.points)
        .join(Activity, Activity.id == Checkin.activity_id)
        .join(Grid, Grid.id == Activity.grid_id)
        .outerjoin(PointEntry, earned)
        .where(Checkin.user_id.in_(user_ids), Checkin.checked_in_at >= period.start, Checkin.checked_in_at < period.end)
        .order_by(Checkin.checked_in_at, Checkin.id)
    )
    by_user: dict[int, list[dict]] = defaultdict(list)
    for checkin, title, kind, grid_name, points in rows:
        by_user[checkin.user_id].append({
            "id": checkin.id, "activity": {"id": checkin.activity_id, "title": title, "kind": kind},
            "grid_name": grid_name, "checked_in_at": checkin.checked_in_at, "checked_out_at": checkin.checked_out_at,
            "service_hours": _hours(checkin.service_minutes or 0), "points": points or 0,
        })
    return by_user


def _points(user_ids, period: Period) -> dict[int, int]:
    """All points each member earned in the community during the period (tasks too)."""
    return dict(db.session.execute(
        select(PointEntry.user_id, func.sum(PointEntry.points))
        .where(PointEntry.user_id.in_(user_ids), PointEntry.created_at >= period.start, PointEntry.created_at < period.end)
        .group_by(PointEntry.user_id)
    ).all())


def _member_line(registration: PartyRegistration, checkins: list[dict], points: int) -> dict:
    return {
        "member": {"id": registration.user.id, "name": registration.user.display_name,
                   "phone_masked": mask_phone(registration.user.phone)},
        "employer_org": registration.employer_org,
        "employer_party_org": registration.employer_party_org,
        "grid": {"id": registration.grid.id, "name": registration.grid.name},
        "registration": {"id": registration.id, "status": registration.status,
                         "status_name": REGISTRATION_STATUS_NAMES[registration.status],
                         "created_at": registration.created_at, "decided_at": registration.decided_at},
        "activities": len(checkins),
        "service_hours": round(sum(c["service_hours"] for c in checkins), 1),
        "points": points,
        "checkins": checkins,
    }


def service_report(viewer: User, period: Period, employer_party_org: str | None = None) -> dict:
    """Per member registered in the viewer's grids (optionally of one employer party
    organisation): registration, activities, hours and points in the period."""
    scopes = capability_scopes(viewer, "party.report")
    if not scopes:
        raise Forbidden("只有街道管理员和网格长可以查看双报告")
    close_ended_activities()
    in_scope = PartyRegistration.grid_id.in_(
        select(Grid.id).where(or_(*(Grid.path.startswith(scope.path) for scope in scopes)))
    )
    conditions = [in_scope, PartyRegistration.status != "rejected", PartyRegistration.created_at < period.end]
    if employer_party_org:
        conditions.append(PartyRegistration.employer_party_org == employer_party_org)
    registrations = db.session.scalars(
        select(PartyRegistration)
        .options(joinedload(PartyRegistration.user).options(lazyload(User.roles)), joinedload(PartyRegistration.grid))
        .where(*conditions).order_by(PartyRegistration.created_at, PartyRegistration.id)
    ).all()
    latest = {(r.user_id, r.employer_party_org): r for r in registrations}  # a member who moved: the newest
    member_ids = select(PartyRegistration.user_id).where(*conditions)
    checkins, points = _checkin_rows(member_ids, period), _points(member_ids, period)
    members = sorted(
        (_member_line(r, checkins.get(r.user_id, []), points.get(r.user_id, 0)) for r in latest.values()),
        key=lambda line: (line["employer_party_org"], line["member"]["name"], line["member"]["id"]),
    )
    return {
        "employer_party_org": employer_party_org, "from": period.first_day, "to": period.last_day,
        "members": members, "total": len(members),
        "totals": {
            "activities": sum(m["activities"] for m in members),
            "service_hours": round(sum(m["service_hours"] for m in members), 1),
            "points": sum(m["points"] for m in members),
        },
    }


def member_report(user: User, period: Period) -> dict:
    """A member's own 双报告: their registrations and what they did in the period."""
    close_ended_activities()
    registrations = db.session.scalars(
        select(PartyRegistration).options(joinedload(PartyRegistration.grid))
        .where(PartyRegistration.user_id == user.id).order_by(PartyRegistration.created_at.desc())
    ).all()
    checkins = _checkin_rows([user.id], period).get(user.id, [])
    return {
        "from": period.first_day, "to": period.last_day, "registrations": registrations, "checkins": checkins,
        "activities": len(checkins), "service_hours": round(sum(c["service_hours"] for c in checkins), 1),
        "points": _points([user.id], period).get(user.id, 0),
    }


SUMMARY_HEADERS = ["姓名", "手机号", "工作单位", "单位党组织", "报到网格", "报到状态", "报到时间",
                   "参加活动（次）", "服务时长（小时）", "获得积分"]
DETAIL_HEADERS = ["姓名", "单位党组织", "活动", "活动类型", "活动网格", "签到时间", "签退时间", "服务时长（小时）", "活动积分"]


def _local(moment: datetime | None):
    """Excel has no time zones: local wall-clock time, to the minute."""
    return moment.astimezone(local_zone()).replace(tzinfo=None, second=0, microsecond=0) if moment else None


def _cells(values: list) -> list:
    """Text as a spreadsheet can hold it: names typed elsewhere may carry control characters."""
    return [ILLEGAL_CHARACTERS_RE.sub("", v) if isinstance(v, str) else v for v in values]


def report_xlsx(report: dict) -> bytes:
    book = Workbook()
    summary = book.active
    summary.title = "双报告汇总"
    detail = book.create_sheet("活动明细")
    about = book.create_sheet("报表说明")
    summary.append(SUMMARY_HEADERS)
    detail.append(DETAIL_HEADERS)
    for line in report["members"]:
        registration = line["registration"]
        summary.append(_cells([line["member"]["name"], line["member"]["phone_masked"], line["employer_org"],
                        line["employer_party_org"], line["grid"]["name"], registration["status_name"],
                        _local(registration["created_at"]), line["activities"], line["service_hours"], line["points"]]))
        for checkin in line["checkins"]:
            activity = checkin["activity"]
            detail.append(_cells([line["member"]["name"], line["employer_party_org"], activity["title"],
                           ACTIVITY_KINDS.get(activity["kind"], "活动"), checkin["grid_name"],
                           _local(checkin["checked_in_at"]), _local(checkin["checked_out_at"]),
                           checkin["service_hours"], checkin["points"]]))
    totals = report["totals"]
    summary.append(["合计", None, None, None, None, None, None, totals["activities"], totals["service_hours"], totals["points"]])
    for sheet in (summary, detail):
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for column in sheet.columns:
            sheet.column_dimensions[column[0].column_letter].width = 18
            for cell in column[1:]:
                if isinstance(cell.value, datetime):
                    cell.number_format = "yyyy-mm-dd hh:mm"
    about.append(_cells(["单位党组织", report["employer_party_org"] or "全部"]))
    about.append(["统计期间", f"{report['from']:%Y-%m-%d} 至 {report['to']:%Y-%m-%d}"])
    about.append(["生成时间", _local(utcnow())])
    about.append(["说明", "服务时长按签到至签退（或活动结束）计算，每次不超过活动设定的服务时长；积分为期间内在社区获得的全部积分。"])
    about["B3"].number_format = "yyyy-mm-dd hh:mm"
    out = BytesIO()
    book.save(out)
    return out.getvalue()
