from sqlalchemy import func, select

from backend.auth.models import RoleAssignment, User
from backend.core.db import db
from backend.grids.models import Grid


def counts():
    grids = dict(db.session.execute(select(Grid.level, func.count()).group_by(Grid.level)).all())
    roles = dict(db.session.execute(select(RoleAssignment.role, func.count()).group_by(RoleAssignment.role)).all())
    return grids, roles, db.session.scalar(select(func.count()).select_from(User))


def test_demo_street_is_shaped_like_shimen_erlu_and_seeding_twice_changes_nothing(app, api):
    runner = app.test_cli_runner()
    assert runner.invoke(args=["demo", "seed"]).exit_code == 0
    first = counts()
    grids, roles, _ = first
    assert grids == {1: 1, 2: 11, 3: 52}
    assert db.session.scalar(select(func.count()).where(Grid.kind == "office")) == 18
    assert set(roles) == {"street_admin", "grid_leader", "handler", "party_member"}
    assert runner.invoke(args=["demo", "seed"]).exit_code == 0
    assert counts() == first
    token = api.post("/auth/wechat-login", json={"code": "as:demo_leader_01"}).get_json()["access_token"]
    me = api.get("/me", headers={"Authorization": f"Bearer {token}"}).get_json()
    assert me["roles"][0]["role"] == "grid_leader" and me["roles"][0]["grid"]["level"] == 2
