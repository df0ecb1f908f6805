"""The demo street: 石门二路街道 as the seeds describe it, with people in every role.

Idempotent: grids are matched by code, people by openid, so seeding twice
changes nothing. Demo people log in through the WeChat stand-in with the code
``as:<openid>`` (for example ``as:demo_leader_01``).
"""
from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from backend.auth.models import User
from backend.auth.roles import grant_role
from backend.core.db import db
from backend.core.domains import domain_modules
from backend.grids.importer import import_grids
from backend.grids.models import Grid

GRIDS_FILE = Path(__file__).parent / "data" / "shimen_erlu_grids.csv"
STREET_CODE = "SMEL"
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡"
GIVEN = ["建国", "秀珍", "志强", "丽华", "海燕", "国平", "美玲", "晓东", "慧敏", "文斌"]


def person_name(index: int) -> str:
    return SURNAMES[index % len(SURNAMES)] + GIVEN[index % len(GIVEN)]


def person(openid: str, name: str, phone: str, home: Grid | None = None) -> User:
    user = db.session.scalar(select(User).where(User.openid == openid))
    if user is None:
        user = User(openid=openid)
        db.session.add(user)
    user.real_name, user.nickname, user.phone = name, name, phone
    if home is not None:
        user.grid_id = home.id
    return user


def seed_people(street: Grid) -> dict[str, list[User]]:
    communities = [g for g in _children(street)]
    micro_grids = [m for c in communities for m in _children(c)]
    people: dict[str, list[User]] = {"admins": [], "leaders": [], "handlers": [], "members": [], "residents": []}

    admin = person("demo_admin", "街道管理员", "13900000000")
    grant_role(admin, "street_admin", street)
    people["admins"].append(admin)
    for i, community in enumerate(communities, start=1):
        leader = person(f"demo_leader_{i:02d}", community.leader_name or person_name(i), f"139000010{i:02d}")
        grant_role(leader, "grid_leader", community)
        people["leaders"].append(leader)
    for i, micro in enumerate(micro_grids, start=1):
        leader = person(f"demo_microleader_{i:03d}", micro.leader_name or person_name(100 + i), f"13900002{i:03d}")
        grant_role(leader, "grid_leader", micro)
        people["leaders"].append(leader)
    people["handlers"] += _seed_handlers(street, communities)
    for i in range(1, 121):
        home = micro_grids[i % len(micro_grids)]
        member = person(f"demo_member_{i:03d}", person_name(200 + i), f"13700{i:06d}", home)
        grant_role(member, "party_member", home, party_kind="in_service" if i % 3 else "registered")
        people["members"].append(member)
    for i in range(1, 41):
        people["residents"].append(
            person(f"demo_resident_{i:03d}", person_name(400 + i), f"13600{i:06d}", micro_grids[i % len(micro_grids)])
        )
    return people


def _seed_handlers(street: Grid, communities: list[Grid]) -> list[User]:
    handlers = []
    for unit in street.member_units:
        handler = person(f"demo_handler_{unit.kind}", f"{unit.kind}处置员", f"13500000{len(handlers):03d}")
        grant_role(handler, "handler", street, member_unit=unit)
        handlers.append(handler)
    for i, community in enumerate(communities, start=1):
        property_unit = next((u for u in community.member_units if u.kind == "物业"), None)
        if property_unit:
            handler = person(f"demo_handler_wuye_{i:02d}", f"{community.name}物业处置员", f"135000{i:05d}")
            grant_role(handler, "handler", community, member_unit=property_unit)
            handlers.append(handler)
    return handlers


def _children(grid: Grid) -> list[Grid]:
    return list(db.session.scalars(select(Grid).where(Grid.parent_id == grid.id).order_by(Grid.code)))


def seed_demo() -> Grid:
    import_grids(GRIDS_FILE)
    street = db.session.scalar(select(Grid).where(Grid.code == STREET_CODE))
    people = seed_people(street)
    db.session.flush()
    for module in domain_modules("demo"):
        module.seed(street, people)
        db.session.flush()
    return street
