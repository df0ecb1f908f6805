from sqlalchemy import event

from backend.auth.services import authenticate_request, issue_access_token
from backend.core.db import db


def test_me_shows_roles_with_their_grids_and_a_masked_phone(login_as, make_user, tree):
    user = make_user(roles=[("grid_leader", tree["a"]), ("party_member", tree["a1"], {"party_kind": "in_service"})],
                     phone="13812345678")
    body = login_as(user).get("/me").get_json()
    assert body["phone_masked"] == "138****5678"
    assert "13812345678" not in str(body)
    roles = {(r["role"], r["grid"]["id"]) for r in body["roles"]}
    assert roles == {("grid_leader", tree["a"].id), ("party_member", tree["a1"].id)}
    assert [r["party_kind"] for r in body["roles"] if r["role"] == "party_member"] == ["in_service"]


def test_bind_phone_through_wechat(login_as, make_user):
    client = login_as(make_user())
    response = client.post("/me/phone", json={"code": "phone:13912345678"})
    assert response.status_code == 200
    assert response.get_json()["phone_masked"] == "139****5678"


def test_bind_phone_with_a_bad_code_changes_nothing(login_as, make_user):
    client = login_as(make_user(phone="13800001111"))
    response = client.post("/me/phone", json={"code": "invalid-phone"})
    assert response.status_code == 400 and response.get_json()["code"] == "wechat_phone_code_invalid"
    assert client.get("/me").get_json()["phone_masked"] == "138****1111"


def test_bind_home_micro_grid(login_as, make_user, tree):
    client = login_as(make_user())
    response = client.put("/me/grid", json={"grid_id": tree["a1"].id})
    assert response.status_code == 200
    assert response.get_json()["grid"]["id"] == tree["a1"].id


def test_home_grid_must_be_a_micro_grid_that_exists(login_as, make_user, tree):
    client = login_as(make_user())
    assert client.put("/me/grid", json={"grid_id": tree["a"].id}).get_json()["code"] == "grid_not_micro"
    assert client.put("/me/grid", json={"grid_id": 999999}).status_code == 404
    assert client.put("/me/grid", json={"grid_id": "x"}).status_code == 422


def test_the_login_lookup_is_one_statement_however_many_roles(app, make_user, tree):
    """Every request pays for it: the person, their grants (role, subtree) and their home grid's place together."""
    user = make_user(roles=[("grid_leader", tree["a"]), ("handler", tree["b"]), ("party_member", tree["a1"])],
                     grid_id=tree["a1"].id)
    token, _ = issue_access_token(user)
    db.session.expunge_all()
    sent = []

    def record(conn, cursor, statement, *args):
        if not statement.startswith(("BEGIN", "SAVEPOINT", "RELEASE")):
            sent.append(statement)

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        with app.test_request_context(headers={"Authorization": f"Bearer {token}"}):
            caller = authenticate_request()
            grants = {(grant.role, grant.grid.id, grant.grid.path, grant.grid.level) for grant in caller.grants}
            home = caller.home
    finally:
        event.remove(db.engine, "before_cursor_execute", record)
    assert grants == {(role, grid.id, grid.path, grid.level) for role, grid in
                      [("grid_leader", tree["a"]), ("handler", tree["b"]), ("party_member", tree["a1"])]}
    assert (home.id, home.path, home.level) == (tree["a1"].id, tree["a1"].path, tree["a1"].level)
    assert len(sent) == 1
