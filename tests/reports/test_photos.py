"""Report photos: the pipeline on real images, who gets links, and WeChat's image verdicts pushed
by the stand-in to the app over real HTTP."""
from __future__ import annotations

import struct
import zlib
from datetime import timedelta
from io import BytesIO

import pytest
import requests
from PIL import Image

from backend.core.db import db, utcnow
from backend.jobs.ticker import run_tick
from backend.reports.periodic import CHECK_REQUEUE_AFTER
from backend.reports.services import PHOTO_REVIEW_REASON
from backend.uploads.models import Upload
from backend.uploads.services import can_view
from devtools.wechat_standin import push_signature
from tests.reports.conftest import jpeg, report_body, upload

GPS_IFD = 0x8825


def png_claiming(width: int, height: int) -> bytes:
    """A tiny PNG whose header claims a huge image: a decompression bomb."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\0" * 16)) + chunk(b"IEND", b"")


def fetch(client, url: str):
    return client.get(url.removeprefix("/api/v1"))


def test_photo_pipeline_on_a_real_phone_photo(login_as, people, area):
    client = login_as(people["resident"])
    original = jpeg(size=(3000, 2000))
    assert Image.open(BytesIO(original)).getexif().get_ifd(GPS_IFD), "the phone wrote where it was"
    photo = upload(client, original)
    body = client.post("/reports", json=report_body(area["spots"]["a1"], [photo])).get_json()
    links = body["photos"][0]
    full = fetch(client, links["url"])
    assert full.status_code == 200 and full.mimetype == "image/jpeg"
    image = Image.open(BytesIO(full.data))
    assert image.format == "JPEG" and image.size == (2048, 1365)
    assert not image.getexif().get_ifd(GPS_IFD), "the location track is stripped (PIPL Art. 28)"
    thumb = Image.open(BytesIO(fetch(client, links["thumbnail_url"]).data))
    assert max(thumb.size) == 480


@pytest.mark.parametrize("data, status, code", [
    (b"%PDF-1.4\n%" + b"x" * 100, 415, "unsupported_image_type"),
    (b"GIF89a" + b"\0" * 100, 415, "unsupported_image_type"),
    (png_claiming(30_000, 30_000), 413, "image_too_large"),
    (b"\xff\xd8\xff\xe0" + b"\0" * (10 * 1024 * 1024), 413, "file_too_large"),
    (b"\xff\xd8\xff\xe0" + b"garbage", 422, "image_corrupt"),
])
def test_photos_that_cannot_be_attached_are_refused_at_upload(login_as, people, data, status, code):
    response = login_as(people["resident"]).post("/uploads", data={"file": (BytesIO(data), "x.jpg")},
                                                 content_type="multipart/form-data")
    assert response.status_code == status and response.get_json()["code"] == code
    assert db.session.query(Upload).count() == 0


def test_links_are_signed_per_photo_and_variant(filed, login_as, people):
    report_id = filed()
    client = login_as(people["resident"])
    url = client.get(f"/reports/{report_id}").get_json()["photos"][0]["url"]
    path, _, signature = url.partition("?sig=")
    assert fetch(client, path).status_code == 422, "no signature, no photo"
    assert fetch(client, f"{path}?sig={signature[:-2]}xx").status_code == 404
    other = path.replace("/file", "/thumbnail")
    assert fetch(client, f"{other}?sig={signature}").status_code == 404, "a link opens one variant only"
    assert fetch(client, url).status_code == 200


def test_a_resident_of_another_grid_gets_neither_the_report_nor_its_photos(filed, login_as, people):
    report_id = filed()
    assert login_as(people["stranger"]).get(f"/reports/{report_id}").status_code == 404
    upload_row = db.session.query(Upload).one()
    assert not can_view(people["stranger"], upload_row)
    assert can_view(people["leader_a1"], upload_row) and can_view(people["admin"], upload_row)
    assert not can_view(people["leader_b"], upload_row)


def test_pending_photos_are_shown_to_staff_but_not_to_neighbours_until_they_pass(filed, login_as, people, push_url,
                                                                                 settle, delivered, standin):
    standin.configure(push_delay=None)  # hold the verdict until we release it
    report_id = filed()
    settle()
    upload_row = db.session.query(Upload).one()
    assert upload_row.review == "pending" and upload_row.review_trace_id
    assert login_as(people["neighbour"]).get(f"/reports/{report_id}").get_json()["photos"] == []
    assert not can_view(people["neighbour"], upload_row)
    staff_view = login_as(people["leader_a1"]).get(f"/reports/{report_id}").get_json()
    assert [p["review"] for p in staff_view["photos"]] == ["pending"]
    db.session.commit()
    standin.flush_pushes()
    assert delivered(1) == [200]
    assert db.session.get(Upload, upload_row.id).review == "pass"
    photos = login_as(people["neighbour"]).get(f"/reports/{report_id}").get_json()["photos"]
    assert len(photos) == 1 and photos[0]["review"] is None
    assert can_view(people["neighbour"], db.session.get(Upload, upload_row.id))


def test_a_risky_photo_verdict_holds_the_report_and_tells_the_reporter(login_as, people, area, push_url, settle,
                                                                       delivered, standin):
    client = login_as(people["resident"])
    photo = upload(client)
    # The stand-in judges by the media URL; our link carries the host the request came to.
    response = client.post("/reports", json=report_body(area["spots"]["a1"], [photo]),
                           base_url="http://risky.example.test")
    report_id = response.get_json()["id"]
    settle()
    checked = standin.requests("/wxa/media_check_async")[0]["json"]
    assert checked["media_url"].startswith(f"http://risky.example.test/api/v1/uploads/{photo}/file?sig=")
    assert checked["openid"] == people["resident"].openid and checked["media_type"] == 2
    assert delivered(1) == [200]
    body = client.get(f"/reports/{report_id}").get_json()
    assert body["status"] == "held" and body["hold_reason"] == PHOTO_REVIEW_REASON
    assert [(r["action"], r["actor_name"]) for r in body["timeline"]] == [("submit", "王秀珍"), ("hold", "系统")]
    assert db.session.get(Upload, photo).review == "risky"
    sent = standin.requests("/cgi-bin/message/subscribe/send")
    assert [(m["json"]["touser"], m["json"]["data"]["phrase3"]["value"]) for m in sent] == [
        (people["resident"].openid, "审核中")]
    assert login_as(people["neighbour"]).get(f"/reports/{report_id}").status_code == 404
    leader = login_as(people["leader_a1"]).get(f"/reports/{report_id}").get_json()
    assert [p["review"] for p in leader["photos"]] == ["risky"] and leader["allowed_actions"] == ["accept", "reject"]


def signed_query(token: str = "dev_push_token", timestamp: str = "1700000000", nonce: str = "42") -> str:
    return f"signature={push_signature(token, timestamp, nonce)}&timestamp={timestamp}&nonce={nonce}"


def verdict(trace_id: str, suggest: str) -> dict:
    return {"Event": "wxa_media_check", "trace_id": trace_id, "version": 2, "errcode": 0,
            "result": {"suggest": suggest, "label": 100}}


@pytest.mark.parametrize("query", ["", "signature=&timestamp=1&nonce=2", "signature=0000&timestamp=1&nonce=2",
                                   signed_query(token="someone_else"), signed_query()[:-1] + "3"])
def test_a_push_without_our_signature_is_403(api, query):
    response = api.post(f"/wechat/push?{query}", json=verdict("t-1", "risky"))
    assert response.status_code == 403 and response.get_json()["code"] == "push_signature_invalid"


def test_pushes_for_unknown_traces_and_repeats_change_nothing_twice(filed, api, login_as, people, settle):
    report_id = filed()
    settle()
    trace_id = db.session.query(Upload).one().review_trace_id
    assert api.post(f"/wechat/push?{signed_query()}", json=verdict("unknown", "risky")).data == b"success"
    for _ in range(2):
        response = api.post(f"/wechat/push?{signed_query()}", json=verdict(trace_id, "review"))
        assert response.status_code == 200 and response.data == b"success"
    timeline = login_as(people["resident"]).get(f"/reports/{report_id}").get_json()["timeline"]
    assert [row["action"] for row in timeline] == ["submit", "hold"]
    other_event = {"Event": "subscribe_msg_popup_event", "trace_id": trace_id}
    assert api.post(f"/wechat/push?{signed_query()}", json=other_event).status_code == 200


def test_a_late_risky_verdict_on_an_after_photo_hides_it_but_does_not_hold_the_report(filed, act, people, login_as,
                                                                                      api, settle):
    report_id = filed()
    act(people["leader_a1"], report_id, "accept")
    after = upload(login_as(people["leader_a1"]))
    act(people["leader_a1"], report_id, "resolve", note="已处理", photo_ids=[after])
    settle()
    trace_id = db.session.get(Upload, after).review_trace_id
    api.post(f"/wechat/push?{signed_query()}", json=verdict(trace_id, "risky"))
    body = login_as(people["resident"]).get(f"/reports/{report_id}").get_json()
    assert body["status"] == "resolved" and body["timeline"][-1]["photos"] == []


def test_push_url_check_echoes_only_for_a_good_signature(api):
    good = api.get(f"/wechat/push?{signed_query()}&echostr=hello123")
    assert good.status_code == 200 and good.data == b"hello123"
    assert api.get("/wechat/push?signature=bad&timestamp=1&nonce=2&echostr=x").status_code == 403


def test_the_stand_in_reaches_the_push_route_over_http(live_url):
    assert requests.post(f"{live_url}/api/v1/wechat/push", json={}, timeout=5).status_code == 403


def test_a_photo_check_lost_with_its_queue_is_asked_again_by_the_tick(app, resident_without_queue, area, standin,
                                                                       settle, monkeypatch):
    # The report is filed while the job queue's Redis is unreachable: the check job is lost.
    client = resident_without_queue
    photo = upload(client)
    assert client.post("/reports", json=report_body(area["spots"]["a1"], [photo])).status_code == 201
    settle()
    assert standin.requests("/wxa/media_check_async") == []
    assert db.session.get(Upload, photo).review_trace_id is None

    monkeypatch.setitem(app.config, "PUBLIC_BASE_URL", "https://wgt.example.gov.cn")
    assert run_tick(utcnow())["photo_checks_requeued"] == 0  # a job may just be slow: not yet
    assert run_tick(utcnow() + CHECK_REQUEUE_AFTER + timedelta(minutes=1))["photo_checks_requeued"] == 1
    settle()
    [checked] = standin.requests("/wxa/media_check_async")
    assert checked["json"]["media_url"].startswith(f"https://wgt.example.gov.cn/api/v1/uploads/{photo}/file?sig=")
    assert db.session.get(Upload, photo).review_trace_id is not None
