"""Every endpoint × every kind of caller, own grid and another's: the expected status, as a table.

The world is one street with two micro-grids, A1 and B1. Every object the
endpoints act on (a report, an activity, a task with a submitted claim, a
pending 双报到 registration, a photo) lives in A1. Callers:

    anon        no token
    resident    lives in A1, no role
    member_a1   in-service party member of A1 (the claimant)
    member_b1   party member of B1
    leader_a1   grid leader of A1
    leader_b1   grid leader of B1
    handler     物业 handler of A (A1's parent), nothing dispatched to them yet
    admin       street admin

A route added without a row here fails ``test_every_endpoint_is_in_the_matrix``.
"""
from __future__ import annotations

import io
from datetime import timedelta

import pytest
from PIL import Image

from backend.core.db import db, utcnow
from backend.jobs.queue import in_process_runner

CALLERS = ("anon", "resident", "member_a1", "member_b1", "leader_a1", "leader_b1", "handler", "admin")
A1_BOX = [[121.450, 31.230], [121.452, 31.230], [121.452, 31.232], [121.450, 31.232]]
B1_BOX = [[121.460, 31.230], [121.462, 31.230], [121.462, 31.232], [121.460, 31.232]]
INSIDE_A1 = {"lat": 31.231, "lng": 121.451, "address": "甲一小区门口"}


def row(method, path, body=None, **expected):
    """One endpoint: a status for each caller (missing callers default to ``default``)."""
    default = expected.pop("default")
    return method, path, body, {caller: expected.get(caller, default) for caller in CALLERS}


def later(hours: float) -> str:
    return (utcnow() + timedelta(hours=hours)).isoformat()


# (method, path, body, {caller: status}); {names} are filled from the world.
MATRIX = [
    row("POST", "/auth/wechat-login", {"code": "as:o_matrix"}, default=200),
    row("POST", "/auth/logout", default=204, anon=401),
    row("GET", "/me", default=200, anon=401),
    row("DELETE", "/me", default=204, anon=401),
    row("GET", "/me/export", default=200, anon=401),
    row("PUT", "/me/grid", {"grid_id": "{a1}"}, default=200, anon=401),
    row("POST", "/me/phone", {"code": "phone:13912345678"}, default=200, anon=401),
    row("GET", "/grids", default=200, anon=401),
    row("GET", "/grids/{a1}", default=200, anon=401),
    row("GET", "/grids/{a1}/stats", default=403, anon=401, leader_a1=200, admin=200, handler=403),
    row("GET", "/grids/{b1}/stats", default=403, anon=401, leader_b1=200, admin=200),
    row("GET", "/inbox", default=200, anon=401),
    row("GET", "/audit", default=403, anon=401, admin=200),
    row("POST", "/uploads", "photo", default=201, anon=401),
    row("GET", "/uploads/{upload}/{variant}?sig={sig}", default=200),
    row("GET", "/points/me", default=200, anon=401),
    row("GET", "/points/ranking?grid_id={a1}", default=200, anon=401, member_b1=403, leader_b1=403, handler=200),
    row("POST", "/points/adjustments", {"user_id": "{member_a1_id}", "grid_id": "{a1}", "points": 3, "reason": "额外帮助"},
        default=403, anon=401, leader_a1=201, admin=201),
    # 随手拍
    row("GET", "/reports/categories", default=200, anon=401),
    row("GET", "/reports/nearby?lat=31.231&lng=121.451&category=sanitation", default=200, anon=401),
    row("POST", "/reports", {"category": "sanitation", "description": "楼道堆物", "location": INSIDE_A1,
                             "photo_ids": ["{own_photo}"], "anonymous": False}, default=201, anon=401),
    row("GET", "/reports", default=200, anon=401),
    row("GET", "/reports?grid_id={a1}", default=200, anon=401, member_a1=403, member_b1=403, leader_b1=403,
        resident=403, handler=403),
    # Neighbours in the report's micro-grid see it; a handler only once it is dispatched to their unit.
    row("GET", "/reports/{report}", default=404, anon=401, resident=200, member_a1=200, leader_a1=200, admin=200),
    row("POST", "/reports/{report}/actions", {"action": "accept", "note": "收到"},
        default=404, anon=401, resident=403, member_a1=403, leader_a1=200, admin=200),
    # Anyone may add their voice to an open report (found through /reports/nearby), except its reporter.
    row("POST", "/reports/{report}/follow", default=201, anon=401, resident=409),
    row("POST", "/reports/{report}/rating", {"score": 5}, default=404, anon=401, resident=409, member_a1=403,
        leader_a1=403, admin=403),
    # 双报到 and check-in
    row("POST", "/party/registrations", {"employer_org": "某公司", "employer_party_org": "某公司党委", "grid_id": "{a1}"},
        default=201, anon=401),
    row("GET", "/party/registrations", default=200, anon=401),
    row("GET", "/party/registrations/{registration}", default=404, anon=401, leader_a1=200, admin=200),
    row("POST", "/party/registrations/{registration}/approve", default=403, anon=401, leader_a1=200, admin=200,
        resident=403, leader_b1=404),
    row("POST", "/party/registrations/{registration}/reject", {"reason": "信息不全"}, default=403, anon=401,
        leader_a1=200, admin=200, leader_b1=404),
    row("GET", "/party/me/report", default=200, anon=401),
    # 双报告 for the leader's subtree (B1's leader gets an empty one), the whole street for the admin.
    row("GET", "/party/reports", default=403, anon=401, leader_a1=200, leader_b1=200, admin=200),
    row("GET", "/party/reports.xlsx", default=403, anon=401, leader_a1=200, leader_b1=200, admin=200),
    row("POST", "/activities", {"grid_id": "{a1}", "kind": "volunteer", "title": "楼道清理", "starts_at": "{soon}",
                                "ends_at": "{later}", "capacity": 10}, default=403, anon=401, leader_a1=201,
        admin=201),
    row("GET", "/activities", default=200, anon=401),
    row("GET", "/activities/{activity}", default=200, anon=401, member_b1=404, leader_b1=404, handler=404),
    row("GET", "/activities/{activity}/checkin-code", default=403, anon=401, leader_a1=200, admin=200, leader_b1=404),
    # A printed poster's code never rotates: refused until the activity has a geofence.
    row("GET", "/activities/{activity}/poster", default=403, anon=401, leader_a1=409, admin=409, leader_b1=404),
    # member_a1 checked in while the world was built: a repeat answers 200 with the same record.
    row("POST", "/checkins", {"token": "{checkin_token}"}, default=403, anon=401, member_a1=200),
    row("POST", "/checkins/{checkin}/checkout", default=404, anon=401, member_a1=200),
    # 微事项
    row("GET", "/tasks/catalogue", default=403, anon=401, leader_a1=200, leader_b1=200, admin=200),
    row("POST", "/tasks", {"grid_id": "{a1}", "title": "整理非机动车", "slots": 2, "deadline": "{later}", "points": 5},
        default=403, anon=401, leader_a1=201, admin=201, leader_b1=403),
    row("GET", "/tasks", default=200, anon=401),
    row("GET", "/tasks/{task}", default=200, anon=401, resident=404, member_b1=404, leader_b1=404, handler=404),
    row("GET", "/tasks/claims?mine=1", default=200, anon=401),
    row("GET", "/tasks/{task}/claims", default=403, anon=401, leader_a1=200, admin=200, leader_b1=404),
    row("POST", "/tasks/{task}/claims", default=403, anon=401, member_a1=409, member_b1=404),
    row("GET", "/tasks/{task}/claims/{claim}", default=404, anon=401, member_a1=200, leader_a1=200, admin=200),
    row("POST", "/tasks/{task}/claims/{claim}/submit", {"note": "已完成"}, default=403, anon=401, member_a1=409,
        member_b1=404),
    row("POST", "/tasks/{task}/claims/{claim}/release", default=403, anon=401, member_a1=200, member_b1=404),
    row("POST", "/tasks/{task}/claims/{claim}/verify", {"approved": True}, default=403, anon=401, leader_a1=200,
        admin=200, leader_b1=404),
    # WeChat's verdict push: signed by WeChat, not by a person
    row("GET", "/wechat/push?signature=bad&timestamp=1&nonce=1&echostr=x", default=403),
    row("POST", "/wechat/push?signature=bad&timestamp=1&nonce=1", {"Event": "wxa_media_check"}, default=403),
]


def jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (80, 60), "green").save(out, "JPEG")
    return out.getvalue()


def upload(client) -> dict:
    response = client.post("/uploads", data={"file": (io.BytesIO(jpeg()), "p.jpg")}, content_type="multipart/form-data")
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def ok(response, status=(200, 201)):
    assert response.status_code in status, response.get_json()
    return response.get_json()


@pytest.fixture
def world(app, make_grid, make_user, login_as):
    street = make_grid(name="矩阵街道", boundary=[[121.44, 31.22], [121.47, 31.22], [121.47, 31.24], [121.44, 31.24]])
    a = make_grid(street, name="甲居民区", units=[("物业", "甲物业")])
    b = make_grid(street, name="乙居民区")
    a1, b1 = make_grid(a, name="甲一", boundary=A1_BOX), make_grid(b, name="乙一", boundary=B1_BOX)
    people = {
        "resident": make_user(grid_id=a1.id),
        "member_a1": make_user(roles=[("party_member", a1, {"party_kind": "in_service"})], grid_id=a1.id),
        "member_b1": make_user(roles=[("party_member", b1, {"party_kind": "in_service"})], grid_id=b1.id),
        "leader_a1": make_user(roles=[("grid_leader", a1)]),
        "leader_b1": make_user(roles=[("grid_leader", b1)]),
        "handler": make_user(roles=[("handler", a, {"member_unit": a.member_units[0]})]),
        "admin": make_user(roles=[("street_admin", street)]),
    }
    clients = {"anon": None, **{name: login_as(user) for name, user in people.items()}}
    resident, leader, member = clients["resident"], clients["leader_a1"], clients["member_a1"]
    photo = upload(resident)
    report = ok(resident.post("/reports", json={"category": "sanitation", "description": "垃圾满溢",
                                                "location": INSIDE_A1, "photo_ids": [photo["id"]]}))
    db.session.commit()
    in_process_runner(app).wait_idle()  # the report's text check: until it passes, only its reporter and staff see it
    applicant = login_as(make_user(grid_id=a1.id))
    registration = ok(applicant.post("/party/registrations", json={"employer_org": "某公司", "employer_party_org": "某公司党委",
                                                                   "grid_id": a1.id}))
    activity = ok(leader.post("/activities", json={"grid_id": a1.id, "kind": "volunteer", "title": "敬老服务",
                                                   "starts_at": later(-1), "ends_at": later(2), "capacity": 5}))
    token = ok(leader.get(f"/activities/{activity['id']}/checkin-code"))["token"]
    checkin = ok(member.post("/checkins", json={"token": token}))
    task = ok(leader.post("/tasks", json={"grid_id": a1.id, "title": "楼道巡查", "slots": 3, "deadline": later(48),
                                          "points": 5, "proof_required": ["note"]}))
    claim = ok(member.post(f"/tasks/{task['id']}/claims"))
    ok(member.post(f"/tasks/{task['id']}/claims/{claim['id']}/submit", json={"note": "巡查完毕"}))
    return {
        "clients": clients, "people": people,
        "values": {"a1": a1.id, "b1": b1.id, "report": report["id"], "registration": registration["id"],
                   "activity": activity["id"], "checkin": checkin["id"], "checkin_token": token, "task": task["id"],
                   "claim": claim["id"], "member_a1_id": people["member_a1"].id, "upload": photo["id"], "variant": "file",
                   "sig": photo["url"].split("sig=", 1)[1],
                   "soon": later(1), "later": later(3)},
    }


def fill(template, values, caller_photo=None):
    if isinstance(template, str):
        if template == "{own_photo}":
            return caller_photo
        if template.startswith("{") and template.endswith("}") and template[1:-1] in values:
            return values[template[1:-1]]
        return template.format(**values)
    if isinstance(template, dict):
        return {key: fill(value, values, caller_photo) for key, value in template.items()}
    if isinstance(template, list):
        return [fill(value, values, caller_photo) for value in template]
    return template


def send(client, method, path, body, values):
    photo = upload(client)["id"] if client.token and "{own_photo}" in str(body) else 1
    url = fill(path, values)
    if body == "photo":
        return client.post(url, data={"file": (io.BytesIO(jpeg()), "p.jpg")}, content_type="multipart/form-data")
    kwargs = {"json": fill(body, values, photo)} if body is not None else {}
    return client.request(method, url, **kwargs)


@pytest.mark.parametrize("method, path, body, expected", MATRIX, ids=[f"{m} {p}" for m, p, _, _ in MATRIX])
@pytest.mark.parametrize("caller", CALLERS)
def test_cell(world, api, caller, method, path, body, expected):
    client = world["clients"][caller] or api
    response = send(client, method, path, body, world["values"])
    answer = response.get_json(silent=True) or {}
    assert response.status_code == expected[caller], f"{caller} {method} {path}: {response.status_code} {answer.get('code')}"
    if response.status_code >= 400:
        assert set(response.get_json()) == {"code", "message", "details"}


def test_every_endpoint_is_in_the_matrix(app):
    def template(rule):
        return "/" + "/".join("{}" if part.startswith("<") else part for part in rule.split("/")[3:])

    covered = {(m, template("/api/v1" + p.split("?")[0].replace("{", "<").replace("}", ">"))) for m, p, _, _ in MATRIX}
    routes = {
        (method, template(rule.rule))
        for rule in app.url_map.iter_rules() if rule.rule.startswith("/api/v1")
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }
    assert routes - covered == set()
