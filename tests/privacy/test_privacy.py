import io

from PIL import Image
from sqlalchemy import func, select

from backend.audit.models import AuditEntry
from backend.auth.models import User
from backend.core.db import db
from backend.points.services import award_points


def photo() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (64, 64), "blue").save(out, "JPEG")
    return out.getvalue()


def test_export_holds_everything_about_me_and_is_audited(login_as, make_user, tree):
    user = make_user(roles=[("party_member", tree["a1"])], phone="13812345678", real_name="王建华", grid_id=tree["a1"].id)
    award_points(user, 5, "manual", tree["a1"], note="帮助孤老")
    db.session.commit()
    client = login_as(user)
    client.post("/uploads", data={"file": (io.BytesIO(photo()), "p.jpg")}, content_type="multipart/form-data")
    body = client.get("/me/export").get_json()
    assert body["profile"]["phone"] == "13812345678" and body["profile"]["real_name"] == "王建华"
    assert [e["note"] for e in body["sections"]["points"]["entries"]] == ["帮助孤老"]
    assert len(body["sections"]["uploads"]["photos"]) == 1
    assert db.session.scalar(select(func.count()).where(AuditEntry.action == "personal_data.export")) == 1


def test_erasure_removes_identity_revokes_tokens_and_keeps_statistics(login_as, make_user, tree):
    user = make_user(roles=[("party_member", tree["a1"])], phone="13812345678", real_name="王建华",
                     openid="o_to_erase", grid_id=tree["a1"].id)
    award_points(user, 5, "manual", tree["a1"], note="帮助孤老")
    db.session.commit()
    client = login_as(user)
    assert client.delete("/me").status_code == 204
    assert client.get("/me").status_code == 401
    erased = db.session.get(User, user.id)
    assert (erased.phone, erased.real_name, erased.grid_id, erased.roles) == (None, "", None, [])
    assert erased.openid.startswith("erased:") and "o_to_erase" not in erased.openid
    leader = make_user(roles=[("grid_leader", tree["a"])])
    stats = login_as(leader).get(f"/grids/{tree['a'].id}/stats").get_json()["sections"]["points"]
    assert stats["awarded"] == 5
    again = login_as(make_user()).post("/auth/wechat-login", json={"code": "as:o_to_erase"}).get_json()
    assert again["user"]["id"] != user.id  # the same WeChat account now starts afresh


def test_my_audited_actions_are_in_my_copy_and_lose_their_address_with_my_account(login_as, make_user, tree):
    user = make_user(grid_id=tree["a1"].id)
    client = login_as(user)
    client.get("/me/export", environ_base={"REMOTE_ADDR": "10.1.2.3"})
    mine = client.get("/me/export").get_json()["sections"]["audit"]["my_actions"]
    assert [(a["action"], a["ip"]) for a in mine][:1] == [("personal_data.export", "10.1.2.3")]
    assert client.delete("/me").status_code == 204
    kept = db.session.scalars(select(AuditEntry).where(AuditEntry.actor_id == user.id)).all()
    assert len(kept) == 2 and {entry.ip for entry in kept} == {""}


def test_audit_log_is_for_street_admins_only(login_as, make_user, tree):
    admin = make_user(roles=[("street_admin", tree["street"])])
    make_user(roles=[("grid_leader", tree["a"])])
    body = login_as(admin).get("/audit?action=role.grant").get_json()
    assert body["total"] >= 2 and all(e["action"] == "role.grant" for e in body["items"])
    assert login_as(make_user(roles=[("grid_leader", tree["a"])])).get("/audit").status_code == 403
    assert login_as(make_user(roles=[("street_admin", tree["a"])])).get("/audit").status_code == 403
