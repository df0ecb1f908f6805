"""Reports fixtures: a mapped street with people in every role, real photos, the app on a
real HTTP port for WeChat's pushes, and a way to wait for the in-process jobs."""
from __future__ import annotations

import threading
from io import BytesIO

import pytest
from PIL import Image
from werkzeug.serving import make_server

from backend.app import create_app
from backend.auth.services import issue_access_token
from backend.core.db import db
from backend.jobs.queue import in_process_runner

# A street near 石门二路: the micro-grids are 0.002° squares (about 200 m).
LNG0, LAT0 = 121.4500, 31.2300


def square(lng: float, lat: float, size: float = 0.002) -> list[list[float]]:
    return [[lng, lat], [lng + size, lat], [lng + size, lat + size], [lng, lat + size]]


@pytest.fixture
def area(make_grid):
    """S (城管) → A (物业) with micro-grids A1, A2; B with B1. Points inside each grid are in ``spots``."""
    street = make_grid(name="石门二路街道", boundary=square(LNG0, LAT0, 0.02), units=[("城管", "城管中队")])
    a = make_grid(street, name="甲居民区", boundary=square(LNG0, LAT0, 0.004), units=[("物业", "甲物业")])
    b = make_grid(street, name="乙居民区", boundary=square(LNG0 + 0.01, LAT0, 0.004))
    grids = {
        "street": street, "a": a, "b": b,
        "a1": make_grid(a, name="甲一微网格", boundary=square(LNG0, LAT0)),
        "a2": make_grid(a, name="甲二微网格", boundary=square(LNG0 + 0.002, LAT0)),
        "b1": make_grid(b, name="乙一微网格", boundary=square(LNG0 + 0.01, LAT0)),
    }
    grids["spots"] = {
        "a1": (LAT0 + 0.001, LNG0 + 0.001), "a2": (LAT0 + 0.001, LNG0 + 0.003),
        "b1": (LAT0 + 0.001, LNG0 + 0.011), "nowhere": (LAT0 + 0.5, LNG0 + 0.5),
    }
    return grids


@pytest.fixture
def people(area, make_user):
    street, a = area["street"], area["a"]
    return {
        "resident": make_user(grid_id=area["a1"].id, real_name="王秀珍", phone="13812345678"),
        "neighbour": make_user(grid_id=area["a1"].id, real_name="李建国"),
        "stranger": make_user(grid_id=area["b1"].id, real_name="赵海燕"),
        "leader_a1": make_user(roles=[("grid_leader", area["a1"])], real_name="张志强"),
        "leader_a2": make_user(roles=[("grid_leader", area["a2"])], real_name="陈美玲"),
        "leader_a": make_user(roles=[("grid_leader", a)], real_name="刘丽华"),
        "leader_b": make_user(roles=[("grid_leader", area["b"])], real_name="杨国平"),
        "admin": make_user(roles=[("street_admin", street)], real_name="黄晓东"),
        "chengguan": make_user(roles=[("handler", street, {"member_unit": street.member_units[0]})],
                               real_name="吴文斌"),
        "wuye": make_user(roles=[("handler", a, {"member_unit": a.member_units[0]})], real_name="周慧敏"),
        "member": make_user(roles=[("party_member", area["a1"])], real_name="徐海燕"),
    }


def jpeg(color=(200, 30, 30), size=(640, 480), gps: bool = True) -> bytes:
    """A real photo made here, with a GPS position in its EXIF as a phone would write it."""
    image = Image.new("RGB", size, color)
    exif = Image.Exif()
    if gps:
        exif.get_ifd(0x8825).update({1: "N", 2: (31.0, 13.0, 52.1), 3: "E", 4: (121.0, 27.0, 41.9)})
    out = BytesIO()
    image.save(out, "JPEG", exif=exif.tobytes())
    return out.getvalue()


def upload(client, data: bytes | None = None, **kwargs) -> int:
    response = client.post("/uploads", data={"file": (BytesIO(data or jpeg()), "photo.jpg")},
                           content_type="multipart/form-data", **kwargs)
    assert response.status_code == 201, response.get_json()
    return response.get_json()["id"]


def report_body(spot, photo_ids, category="sanitation", description="楼道里堆满了杂物，影响通行", **extra):
    lat, lng = spot
    return {"category": category, "description": description, "photo_ids": photo_ids,
            "location": {"lat": lat, "lng": lng, "address": "石门二路 100 弄"}, **extra}


@pytest.fixture
def submit(login_as, area):
    """``submit(user, spot="a1", **body)``: upload a photo and file a report; returns the response."""

    def do(user, spot="a1", photos=1, headers=None, **body):
        client = login_as(user)
        ids = [upload(client) for _ in range(photos)]
        place = area["spots"][spot] if isinstance(spot, str) else spot
        return client.post("/reports", json=report_body(place, ids, **body), headers=headers or {})

    return do


@pytest.fixture
def filed(submit, people, settle):
    """``filed(spot="a1", **body)``: the id of a report the resident filed, once the jobs it queued
    (its text check among them) have run."""

    def do(spot="a1", user=None, **body):
        response = submit(user or people["resident"], spot, **body)
        assert response.status_code == 201, response.get_json()
        settle()
        return response.get_json()["id"]

    return do


@pytest.fixture
def act(login_as):
    """``act(user, report_id, action, **body)``: POST /reports/{id}/actions."""

    def do(user, report_id, action, **body):
        return login_as(user).post(f"/reports/{report_id}/actions", json={"action": action, **body})

    return do


@pytest.fixture
def settle(app):
    """Wait for the jobs queued so far (first ending the test's own transaction: on SQLite
    an open one holds the write lock the jobs need)."""

    def wait():
        db.session.commit()
        in_process_runner(app).wait_idle(timeout=15)

    return wait


@pytest.fixture
def delivered(settle, standin):
    """``delivered(count)``: wait until the stand-in pushed ``count`` verdicts and the app's
    answers (and the jobs they queued) are done; returns the receiver's HTTP statuses."""

    def wait(count: int = 1) -> list[int | None]:
        db.session.commit()  # the push request needs the SQLite write lock an open read would hold
        statuses = [push.status for push in standin.wait_pushes(count, timeout=15)]
        settle()
        return statuses

    return wait


@pytest.fixture(autouse=True)
def _jobs_finish_before_tables_are_emptied(app):
    yield
    db.session.commit()
    runner = in_process_runner(app)
    runner.wait_idle(timeout=15)
    runner.cancel_retries()


@pytest.fixture(scope="session")
def live_url(app):
    """The app served over real HTTP, for the stand-in's pushes."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True, name="live-app")
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


@pytest.fixture
def push_url(live_url, standin):
    url = f"{live_url}/api/v1/wechat/push"
    standin.configure(push_url=url)
    return url


@pytest.fixture
def resident_without_queue(app, database_url, standin, people):
    """The resident's client of an app whose job queue's Redis is unreachable: what it queues is lost."""
    from tests.conftest import ApiClient

    queue_down = create_app("test", {
        "SQLALCHEMY_DATABASE_URI": database_url, "WECHAT_API_BASE": standin.url, "UPLOAD_DIR": app.config["UPLOAD_DIR"],
        "REDIS_URL": "redis://127.0.0.1:1/0",
    })
    return ApiClient(queue_down.test_client(), issue_access_token(people["resident"])[0])
