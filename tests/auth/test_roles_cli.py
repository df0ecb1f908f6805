from sqlalchemy import select

from backend.auth.models import User
from backend.core.db import db


def test_roles_grant_creates_person_and_scoped_role(app, tree):
    runner = app.test_cli_runner()
    code = tree["a"].code
    result = runner.invoke(args=["roles", "grant", "--openid", "o_new_leader", "--role", "grid_leader", "--grid", code])
    assert result.exit_code == 0, result.output
    again = runner.invoke(args=["roles", "grant", "--openid", "o_new_leader", "--role", "grid_leader", "--grid", code])
    assert again.exit_code == 0
    user = db.session.scalar(select(User).where(User.openid == "o_new_leader"))
    assert [(r.role, r.grid_id) for r in user.roles] == [("grid_leader", tree["a"].id)]


def test_roles_grant_refuses_unknown_grid_and_role(app):
    runner = app.test_cli_runner()
    assert runner.invoke(args=["roles", "grant", "--openid", "x", "--role", "grid_leader", "--grid", "NOPE"]).exit_code != 0
    assert runner.invoke(args=["roles", "grant", "--openid", "x", "--role", "king", "--grid", "NOPE"]).exit_code != 0
