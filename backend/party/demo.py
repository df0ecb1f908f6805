"""Demo 双报到 data for the demo street: registrations (approved and waiting), an
activity happening today, one coming up and one last week with its check-ins.
Idempotent: registrations are matched by person and grid, activities by grid and title."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from backend.core.db import db, utcnow
from backend.core.timeutil import local_zone
from backend.grids.models import Grid
from backend.party.models import Activity, Checkin, PartyRegistration
from backend.party.services import close_ended_activities

EMPLOYERS = [
    ("静安区卫生健康委员会", "静安区卫生健康委员会机关党委"),
    ("国网上海市区供电公司", "国网上海市区供电公司党委"),
    ("上海静安置业集团", "上海静安置业集团党委"),
]
SKILLS = [["医疗健康", "助老助残"], ["维修技能", "治安巡逻"], ["法律咨询", "志愿服务"]]


def _registration(user, grid, n, status, leader=None) -> PartyRegistration:
    found = db.session.scalar(
        select(PartyRegistration).where(PartyRegistration.user_id == user.id, PartyRegistration.grid_id == grid.id)
    )
    if found:
        return found
    employer, party_org = EMPLOYERS[n % len(EMPLOYERS)]
    registration = PartyRegistration(
        user_id=user.id, grid_id=grid.id, employer_org=employer, employer_party_org=party_org,
        skills=SKILLS[n % len(SKILLS)], available_times=["周末"] if n % 2 else ["工作日晚上", "周末"], status=status,
        decided_by_id=leader.id if leader else None, decided_at=utcnow() if leader else None,
    )
    db.session.add(registration)
    return registration


def _activity(grid: Grid, title: str, **fields) -> Activity:
    found = db.session.scalar(select(Activity).where(Activity.grid_id == grid.id, Activity.title == title))
    if found:
        return found
    lat, lng = (grid.min_lat + grid.max_lat) / 2, (grid.min_lng + grid.max_lng) / 2
    activity = Activity(grid_id=grid.id, grid_path=grid.path, title=title, lat=lat, lng=lng, **fields)
    db.session.add(activity)
    db.session.flush()
    return activity


def seed(street: Grid, people: dict) -> None:
    community = db.session.scalar(select(Grid).where(Grid.parent_id == street.id).order_by(Grid.code))
    leader = next(p for p in people["leaders"] if any(r.grid_id == community.id for r in p.roles))
    in_service = [m for m in people["members"]
                  if any(r.role == "party_member" and r.party_kind == "in_service" and r.grid.parent_id == community.id
                         for r in m.roles)]
    for n, member in enumerate(in_service[:6]):
        _registration(member, member.grid, n, "approved", leader)
    for n, resident in enumerate(people["residents"][:4]):
        _registration(resident, resident.grid, n, "pending")

    now = utcnow().replace(minute=0, second=0, microsecond=0)
    local_day = now.astimezone(local_zone()).replace(hour=0)
    micro = db.session.scalar(select(Grid).where(Grid.parent_id == community.id).order_by(Grid.code))
    _activity(community, "主题党日：学习身边的榜样", kind="party_day", place=f"{community.name}党群服务站",
              description="在职党员与居民区党员一起过主题党日，交流为民服务的做法。", checkin_radius_m=300,
              starts_at=now - timedelta(hours=1), ends_at=now + timedelta(hours=3), capacity=200,
              service_minutes=120, points=10, created_by_id=leader.id)
    _activity(micro, "垃圾分类桶边督导", kind="volunteer", place=f"{micro.name}垃圾厢房",
              description="早高峰桶边值守，引导居民分类投放。", checkin_radius_m=200,
              starts_at=local_day + timedelta(days=3, hours=7), ends_at=local_day + timedelta(days=3, hours=9), capacity=10,
              service_minutes=120, points=5, created_by_id=leader.id)
    past = _activity(community, "加装电梯协调议事会", kind="council", place=f"{community.name}居委会会议室",
                     description="楼组、业委会、物业与在职党员共商加装电梯事宜。",
                     starts_at=local_day - timedelta(days=7, hours=-19), ends_at=local_day - timedelta(days=7, hours=-21),
                     capacity=30, service_minutes=120, points=3, created_by_id=leader.id)
    for member in in_service[:4]:
        if not db.session.scalar(select(Checkin.id).where(Checkin.activity_id == past.id, Checkin.user_id == member.id)):
            db.session.add(Checkin(activity_id=past.id, user_id=member.id, checked_in_at=past.starts_at, via="code"))
            past.checked_in += 1
    db.session.flush()
    close_ended_activities()
