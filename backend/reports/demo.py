"""Demo reports: 30 across the demo street's micro-grids, in every state, with timelines and ratings.

Built with the same model methods and timeline writer as the service, back-dated
over the past month, without calling WeChat or queueing messages. Idempotent:
nothing is added once the street has reports.
"""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from backend.auth.models import RoleAssignment, User
from backend.core.db import db, utcnow
from backend.grids.models import Grid
from backend.reports.categories import categories
from backend.reports.models import Report, ReportRating
from backend.reports.services import PHOTO_REVIEW_REASON, TEXT_REVIEW_REASON, record_event

#: (final state, escalated on the way, rating score) for each demo report.
PLAN = (
    [("submitted", False, None)] * 4 + [("accepted", False, None)] * 3 + [("dispatched", False, None)] * 4
    + [("escalated", True, None)] * 3 + [("resolved", False, None)] * 3 + [("resolved", True, None)]
    + [("closed", False, 5), ("closed", False, 5), ("closed", False, 4), ("closed", True, 4), ("closed", False, 3),
       ("closed", True, 2), ("closed", False, None)]
    + [("rejected", False, None)] * 2 + [("held", False, None)] * 3
)
DESCRIPTIONS = {
    "sanitation": "楼道口垃圾桶满溢好几天没人清运，气味很大",
    "illegal_building": "3楼阳台外搭了铁皮棚，占用公共空间",
    "parking": "小区门口消防通道长期停着几辆私家车",
    "facility": "健身器材的扶手断了，老人使用有危险",
    "noise": "楼下饭店油烟直排，晚上窗户都不敢开",
    "safety": "电动车在楼道里充电，电线拖得很长",
    "other": "路灯坏了一个多月，晚上出行不方便",
}


def seed(street: Grid, people: dict[str, list[User]]) -> None:
    micro = _micro_grids(street)
    if not micro or _has_reports(street):
        return
    leaders = _leaders_by_grid([p for p in people["leaders"] + people["admins"]])
    handlers = [h for h in people["handlers"] if any(r.member_unit_id for r in h.roles)]
    residents = people["residents"]
    kinds = categories()
    now = utcnow()
    for n, (state, escalated, score) in enumerate(PLAN):
        grid = micro[(n * 7) % len(micro)]
        _story(n, grid, kinds[n % len(kinds)], residents[n % len(residents)], state, escalated, score,
               _filed_at(n, state, now), leaders, handlers[n % len(handlers)] if handlers else None)


def _filed_at(n: int, state: str, now):
    """Finished reports over the past month, resolved ones (awaiting a rating) in the last days,
    open ones in the last day but for one left for days."""
    if state in ("closed", "rejected"):
        return now - timedelta(days=30 - n % 25)
    if state == "resolved":
        return now - timedelta(days=2, hours=n)
    return now - timedelta(days=3 if n == 0 else 0, hours=2 + n % 10)


def _story(n, grid, category, reporter, state, escalated, score, at, leaders, handler) -> None:
    lng, lat = _centre(grid)
    hours = timedelta(hours=1)
    report = Report(reporter=reporter, anonymous=n % 5 == 0, category=category["code"],
                    description=DESCRIPTIONS.get(category["code"], DESCRIPTIONS["other"]), lat=lat, lng=lng,
                    address=f"{grid.name}{n + 1}号楼", origin_grid=grid, grid=grid, status="submitted", created_at=at,
                    deadline_at=at + category["accept_hours"] * hours)
    db.session.add(report)
    record_event(report, "submit", reporter, at=at, tell=False)
    if state == "held":
        reason = TEXT_REVIEW_REASON if n % 2 else PHOTO_REVIEW_REASON
        _step(report, "hold", None, at, reason, report.hold(reason))
        return
    if state == "submitted":
        report.overdue = n == 0  # one missed its deadline at the top of the tree
        return
    leader = leaders.get(grid.id)
    if escalated:
        parent = grid.parent
        at += 2 * hours
        _step(report, "escalate", leader, at, "涉及多个部门，需上级协调",
              report.escalate(parent, at + category["accept_hours"] * hours))
        leader = leaders.get(parent.id, leader)
        if state == "escalated":
            return
    if state == "rejected":
        at += 3 * hours
        _step(report, "reject", leader, at, "经核实不属于网格处置范围，已告知12345热线", report.reject(at))
        return
    at += 3 * hours
    _step(report, "accept", leader, at, "已受理，尽快处理", report.accept(at, at + category["resolve_hours"] * hours))
    if state == "accepted":
        return
    resolver = leader
    if handler is not None and state in ("dispatched", "resolved", "closed") and n % 2 == 0:
        at += hours
        unit = next(r.member_unit for r in handler.roles if r.member_unit_id)
        _step(report, "dispatch", leader, at, f"请{unit.name}现场处置",
              report.dispatch(at, unit, None, at + category["resolve_hours"] * hours))
        resolver = handler
        if state == "dispatched":
            return
    elif state == "dispatched":
        at += hours
        _step(report, "dispatch", leader, at, "请物业跟进", report.dispatch(at, None, leader, report.deadline_at))
        return
    at += 20 * hours
    _step(report, "resolve", resolver, at, "已现场处理完毕", report.resolve(at))
    if state == "resolved":
        return
    at += 30 * hours
    if score is None:
        _step(report, "close", None, at, "7天内未评价，系统自动办结", report.close(at))
        return
    report.rating = ReportRating(user_id=reporter.id, score=score, comment="处理及时" if score >= 4 else "",
                                 created_at=at)
    _step(report, "rate", reporter, at, f"{score}分", report.close(at, "rate"))


def _step(report: Report, action: str, actor, at, note: str, previous: str) -> None:
    record_event(report, action, actor, note=note, from_status=previous, at=at, tell=False)


def _micro_grids(street: Grid) -> list[Grid]:
    grids = db.session.scalars(select(Grid).where(Grid.path.startswith(street.path), Grid.boundary.is_not(None))
                               .order_by(Grid.code)).all()
    return [g for g in grids if not g.has_children]


def _has_reports(street: Grid) -> bool:
    return db.session.scalar(select(Report.id).join(Grid, Report.origin_grid_id == Grid.id)
                             .where(Grid.path.startswith(street.path)).limit(1)) is not None


def _leaders_by_grid(users: list[User]) -> dict[int, User]:
    ids = [u.id for u in users]
    rows = db.session.execute(select(RoleAssignment.grid_id, RoleAssignment.user_id)
                              .where(RoleAssignment.user_id.in_(ids),
                                     RoleAssignment.role.in_(("grid_leader", "street_admin")))).all()
    by_id = {u.id: u for u in users}
    return {grid_id: by_id[user_id] for grid_id, user_id in rows}


def _centre(grid: Grid) -> tuple[float, float]:
    points = grid.boundary
    return sum(p[0] for p in points) / len(points), sum(p[1] for p in points) / len(points)
