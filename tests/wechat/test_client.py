"""backend.core.wechat against the WeChat stand-in, over real HTTP (no Flask app needed)."""
from __future__ import annotations

import dataclasses
import hashlib
import io
import json
import logging
import os
import queue
import socket
import threading
import time
import traceback
import uuid
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, HTTPServer
from urllib.parse import parse_qsl, urlsplit

import pytest
import redis
from flask import Flask
from PIL import Image
from wechatpy.utils import check_signature

from backend.core.errors import DomainError
from backend.core.wechat import SubscribeRefused, WeChat, WeChatSession, get_wechat, init_app
from devtools.wechat_standin import StandIn

pytest_plugins = ["tests.wechat_fixtures"]

APP_ID, APP_SECRET, PUSH_TOKEN = "wx_dev_appid", "dev_secret", "dev_push_token"


@pytest.fixture
def wechat(standin):
    return WeChat(APP_ID, APP_SECRET, api_base=standin.url, timeout=2.0, push_token=PUSH_TOKEN)


@pytest.fixture
def push_receiver():
    """A tiny HTTP endpoint standing in for our push route: yields (url, queue of (query, json))."""
    received = queue.Queue()

    class Receiver(BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers["Content-Length"]))
            received.put((dict(parse_qsl(urlsplit(self.path).query)), json.loads(body)))
            self.send_response(200)
            self.send_header("Content-Length", "7")
            self.end_headers()
            self.wfile.write(b"success")

        def log_message(self, format, *args):
            pass

    server = HTTPServer(("127.0.0.1", 0), Receiver)
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/api/v1/wechat/push", received
    server.shutdown()
    server.server_close()


@contextmanager
def domain_error(code, status):
    with pytest.raises(DomainError) as info:
        yield info
    assert (info.value.code, info.value.status) == (code, status)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# --- login -----------------------------------------------------------------------------------
def test_as_code_logs_in_as_that_openid(wechat, standin):
    session = wechat.code_to_session("as:demo_leader_001")
    assert session.openid == "demo_leader_001"
    assert session.unionid
    [request] = standin.requests("/sns/jscode2session")
    assert request["query"]["js_code"] == "as:demo_leader_001"
    assert request["query"]["grant_type"] == "authorization_code"
    # The secret is its credential: login neither fetches nor sends an access token.
    assert "access_token" not in request["query"] and standin.requests("/cgi-bin/token") == []


def test_as_code_with_suffix_gives_a_fresh_code_for_the_same_openid(wechat):
    first = wechat.code_to_session("as:demo_leader_001:1")
    assert wechat.code_to_session("as:demo_leader_001:2") == first


def test_other_codes_map_to_a_deterministic_openid(wechat):
    expected = "o" + hashlib.sha1(b"081xYz000abc").hexdigest()[:27]
    assert wechat.code_to_session("081xYz000abc").openid == expected


def test_reused_code_is_401(wechat):
    wechat.code_to_session("081realCodeFromWxLogin")
    with domain_error("wechat_code_invalid", 401) as info:
        wechat.code_to_session("081realCodeFromWxLogin")
    assert info.value.message == "微信登录凭证无效或已过期，请重新登录"


def test_invalid_code_is_401(wechat):
    with domain_error("wechat_code_invalid", 401):
        wechat.code_to_session("invalid_code_123")


def test_session_key_is_never_exposed(wechat, caplog):
    caplog.set_level(logging.DEBUG)
    session = wechat.code_to_session("as:resident_008")
    assert {f.name for f in dataclasses.fields(WeChatSession)} == {"openid", "unionid"}
    assert "session_key" not in repr(session) and not hasattr(session, "session_key")
    assert "session_key" not in caplog.text


# --- failures of the outside ------------------------------------------------------------------
def test_system_error_is_503(wechat, standin):
    standin.inject("/sns/jscode2session", errcode=-1)
    with domain_error("wechat_unavailable", 503):
        wechat.code_to_session("as:resident_009")


def test_slow_wechat_gives_503_within_the_timeout(standin):
    wechat = WeChat(APP_ID, APP_SECRET, api_base=standin.url, timeout=1.0)
    standin.inject("/sns/jscode2session", delay=4)
    started = time.monotonic()
    with domain_error("wechat_unavailable", 503):
        wechat.code_to_session("as:resident_010")
    assert time.monotonic() - started < 1.0 + 1.5


def test_slow_token_endpoint_is_bounded_too(standin):
    # wechatpy fetches the access token without any timeout; ours must still apply.
    wechat = WeChat(APP_ID, APP_SECRET, api_base=standin.url, timeout=1.0)
    standin.inject("/cgi-bin/token", delay=4)
    started = time.monotonic()
    with domain_error("wechat_unavailable", 503):
        wechat.msg_sec_check("o_resident", "你好")
    assert time.monotonic() - started < 1.0 + 1.5


def test_dropped_connection_is_503(wechat, standin):
    standin.inject("/sns/jscode2session", drop=True)
    with domain_error("wechat_unavailable", 503):
        wechat.code_to_session("as:resident_011")


def test_refused_connection_is_503_and_leaks_nothing(caplog):
    caplog.set_level(logging.INFO)
    secret, code = uuid.uuid4().hex, "as:" + uuid.uuid4().hex  # made at run time: not in this file's source
    wechat = WeChat(APP_ID, secret, api_base=f"http://127.0.0.1:{free_port()}", timeout=1.0)
    with domain_error("wechat_unavailable", 503) as info:
        wechat.code_to_session(code)
    shown = "".join(traceback.format_exception(info.value)) + caplog.text
    assert secret not in shown and code not in shown


def test_non_json_answer_is_503(push_receiver):
    url, _ = push_receiver  # answers GET with an HTML error page
    wechat = WeChat(APP_ID, APP_SECRET, api_base=url.split("/api")[0], timeout=1.0)
    with domain_error("wechat_unavailable", 503):
        wechat.code_to_session("as:resident_012")


def test_wrong_app_secret_is_503(standin):
    wechat = WeChat(APP_ID, "not_the_secret", api_base=standin.url, timeout=1.0)
    with domain_error("wechat_unavailable", 503):
        wechat.code_to_session("as:resident_013")


def test_minute_quota_is_503_rate_limited(wechat, standin):
    standin.inject("/sns/jscode2session", errcode=45011)
    with domain_error("wechat_rate_limited", 503) as info:
        wechat.code_to_session("as:resident_014")
    assert info.value.message == "微信接口调用太频繁，请稍后再试"


# --- access token -----------------------------------------------------------------------------
def test_expired_access_token_is_fetched_again_and_the_call_retried(wechat, standin):
    assert wechat.msg_sec_check("o_resident", "你好") == "pass"
    standin.expire_access_tokens()
    assert wechat.msg_sec_check("o_resident", "你好") == "pass"
    assert len(standin.requests("/cgi-bin/token")) == 2
    assert len(standin.requests("/wxa/msg_sec_check")) == 3


def test_injected_invalid_token_is_retried_once(wechat, standin):
    standin.inject("/wxa/msg_sec_check", errcode=40001, times=1)
    assert wechat.msg_sec_check("o_resident", "你好") == "pass"
    assert len(standin.requests("/cgi-bin/token")) == 2


def test_a_token_that_stays_invalid_is_retried_only_once(wechat, standin):
    standin.inject("/wxa/msg_sec_check", errcode=42001)
    with domain_error("wechat_unavailable", 503):
        wechat.msg_sec_check("o_resident", "你好")
    assert len(standin.requests("/wxa/msg_sec_check")) == 2


def test_access_token_is_shared_through_redis():
    url = os.environ.get("WECHAT_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
    client = redis.Redis.from_url(url)
    app_id = "wx_test_" + uuid.uuid4().hex[:8]  # its own token key, whoever else uses this Redis
    standin = StandIn(app_id=app_id).start()
    try:
        for _ in range(2):  # two workers, one token
            worker = WeChat(app_id, "dev_secret", api_base=standin.url, redis_url=url)
            assert worker.msg_sec_check("o1", "好") == "pass"
        assert len(standin.requests("/cgi-bin/token")) == 1
    finally:
        client.delete(f"wechatpy:{app_id}_access_token")
        standin.stop()


def test_token_storage_down_falls_back_to_process_memory(standin):
    redis_down = f"redis://127.0.0.1:{free_port()}/0"
    wechat = WeChat(APP_ID, APP_SECRET, api_base=standin.url, timeout=1.0, redis_url=redis_down)
    assert wechat.msg_sec_check("o_resident", "你好") == "pass"
    assert wechat.msg_sec_check("o_resident", "你好") == "pass"
    assert len(standin.requests("/cgi-bin/token")) == 1  # the token was kept in memory


def test_init_app_builds_the_client_from_config(standin):
    app = Flask(__name__)
    app.config.update(WECHAT_APP_ID=APP_ID, WECHAT_APP_SECRET=APP_SECRET, WECHAT_API_BASE=standin.url,
                      WECHAT_TIMEOUT=2.0, REDIS_URL="", WECHAT_PUSH_TOKEN=PUSH_TOKEN)
    init_app(app)
    with app.app_context():
        assert get_wechat().code_to_session("as:via_app").openid == "via_app"


# --- phone number ------------------------------------------------------------------------------
def test_phone_number(wechat, standin):
    assert wechat.phone_number("phone:13812345678") == "13812345678"
    [request] = standin.requests("/wxa/business/getuserphonenumber")
    assert request["json"] == {"code": "phone:13812345678"}


def test_phone_number_for_any_code_is_a_deterministic_mobile_number(wechat):
    number = wechat.phone_number("0a1b2c3d")
    assert len(number) == 11 and number.startswith("13") and number.isdigit()
    assert wechat.phone_number("0a1b2c3d") == number


def test_invalid_phone_code_is_400(wechat):
    with domain_error("wechat_phone_code_invalid", 400):
        wechat.phone_number("invalid_phone_code")


# --- content security -------------------------------------------------------------------------
@pytest.mark.parametrize("content, verdict", [
    ("楼道里的自行车挡住了消防通道", "pass"),
    ("这条内容待审", "review"),
    ("有人在小区里聚众赌博", "risky"),
])
def test_msg_sec_check_verdicts(wechat, standin, content, verdict):
    assert wechat.msg_sec_check("o_resident", content, scene=2) == verdict
    [request] = standin.requests("/wxa/msg_sec_check")
    assert request["json"] == {"version": 2, "openid": "o_resident", "scene": 2, "content": content}


def test_media_check_verdict_is_pushed_signed(wechat, standin, push_receiver):
    url, received = push_receiver
    standin.configure(push_url=url)
    trace_id = wechat.media_check_async("o_resident", "https://files.example/photo.jpg", scene=1)
    query, event = received.get(timeout=5)
    assert event["Event"] == "wxa_media_check" and event["MsgType"] == "event"
    assert (event["trace_id"], event["appid"], event["version"]) == (trace_id, APP_ID, 2)
    assert event["result"] == {"suggest": "pass", "label": 100}
    assert wechat.verify_push_signature(query["signature"], query["timestamp"], query["nonce"])
    check_signature(PUSH_TOKEN, query["signature"], query["timestamp"], query["nonce"])  # wechatpy agrees
    assert not wechat.verify_push_signature(query["signature"], str(int(query["timestamp"]) + 1), query["nonce"])
    assert not wechat.verify_push_signature("0" * 40, query["timestamp"], query["nonce"])
    other = WeChat(APP_ID, APP_SECRET, api_base=standin.url, push_token="another_token")
    assert not other.verify_push_signature(query["signature"], query["timestamp"], query["nonce"])


def test_media_check_push_can_be_held_and_flushed(wechat, standin, push_receiver):
    url, received = push_receiver
    standin.configure(push_url=url, push_delay=None)
    trace_id = wechat.media_check_async("o_resident", "https://files.example/risky.jpg")
    assert [event["trace_id"] for event in standin.pending_pushes()] == [trace_id]
    assert received.empty()
    standin.flush_pushes()
    _, event = received.get_nowait()
    assert event["result"] == {"suggest": "risky", "label": 20002}
    assert [push.status for push in standin.wait_pushes(1)] == [200]
    assert standin.pending_pushes() == []


def test_push_signature_needs_a_configured_token():
    assert not WeChat(APP_ID, APP_SECRET).verify_push_signature("", "", "")


# --- subscribe messages ----------------------------------------------------------------------
def test_subscribe_message_is_sent(wechat, standin):
    data = {"thing1": {"value": "清理楼道杂物"}, "time2": {"value": "2025-05-01 18:00"}}
    wechat.send_subscribe_message("o_member", "tpl_task", data, page="pages/task/detail?id=7")
    [request] = standin.requests("/cgi-bin/message/subscribe/send")
    assert request["json"] == {"touser": "o_member", "template_id": "tpl_task", "page": "pages/task/detail?id=7",
                               "data": data}


def test_refused_subscribe_message_is_final(wechat):
    with pytest.raises(SubscribeRefused) as info:
        wechat.send_subscribe_message("o_refuse_member", "tpl_task", {"thing1": {"value": "x"}})
    assert isinstance(info.value, DomainError)


# --- mini-program codes -----------------------------------------------------------------------
def test_unlimited_code_is_a_png(wechat, standin):
    png = wechat.unlimited_code_png("a=42&t=Zx9", page="pages/checkin/index", width=430)
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    with Image.open(io.BytesIO(png)) as image:
        assert image.format == "PNG" and image.width >= 280
    [request] = standin.requests("/wxa/getwxacodeunlimit")
    assert (request["json"]["scene"], request["json"]["page"]) == ("a=42&t=Zx9", "pages/checkin/index")


def test_scene_longer_than_32_characters_is_refused(wechat, standin):
    with domain_error("wechat_unavailable", 503):
        wechat.unlimited_code_png("x" * 33)
    assert len(standin.requests("/wxa/getwxacodeunlimit")) == 1  # WeChat's 40169, see test_standin


def test_code_quota_per_minute(wechat, standin):
    standin.configure(code_quota_per_minute=2)
    wechat.unlimited_code_png("a=1")
    wechat.unlimited_code_png("a=2")
    with domain_error("wechat_rate_limited", 503):
        wechat.unlimited_code_png("a=3")
